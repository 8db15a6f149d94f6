package config

import (
	"fmt"
	"strings"
	"testing"
)

// A dynamic server is read as a server line of its backend: the backend's
// default-server applies, bad options are refused with the line's words.
func TestParseDynamicServer(t *testing.T) {
	cfg, _, errs := load(t, "backend b\n default-server weight 7\n server s1 127.0.0.1:80\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	px := cfg.Proxies[0]
	s, err := ParseDynamicServer(nil, px, "s2", []string{"127.0.0.1:81", "maxconn", "10"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:81" || s.Weight != 7 || s.MaxConn != 10 {
		t.Errorf("addr %q weight %d maxconn %d", s.Addr, s.Weight, s.MaxConn)
	}
	if len(px.Servers) != 1 {
		t.Error("parsing a dynamic server changed the configuration")
	}
	if _, err := ParseDynamicServer(nil, px, "s3", []string{"127.0.0.1:82", "weight"}); err == nil {
		t.Error("a bad option was accepted")
	}
	// track is read; what it names is resolved by ResolveDynamicTrack.
	if s, err := ParseDynamicServer(nil, px, "s3", []string{"127.0.0.1:82", "track", "s1"}); err != nil || s.Health().Track != "s1" {
		t.Errorf("track: %v", err)
	}
	// The checks of a server line made once it is read, as alerts.
	for _, c := range []struct{ args, want string }{
		{"check track s1", "unable to enable checks and tracking at the same time!\n"},
		{"agent-check", "server s3 does not have agent port. Agent check has been disabled.\n"},
	} {
		_, err := ParseDynamicServer(nil, px, "s3", append([]string{"127.0.0.1:82"}, strings.Fields(c.args)...))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.args, err, c.want)
		}
	}
	// TLS is checked and built as for a server line, with the running
	// configuration's global defaults.
	s, err = ParseDynamicServer(nil, px, "s4", []string{"127.0.0.1:443", "ssl", "verify", "none", "sni", "str(x)"})
	if err != nil || s.TLS.Client == nil {
		t.Errorf("ssl: %v %+v", err, s)
	}
	if _, err := ParseDynamicServer(nil, px, "s5", []string{"127.0.0.1:443", "ssl"}); err == nil {
		t.Error("ssl without a CA file nor verify none was accepted")
	}
	if _, err := ParseDynamicServer(&Global{SSL: GlobalSSL{ServerVerifyNone: true}}, px, "s5", []string{"127.0.0.1:443", "ssl"}); err != nil {
		t.Errorf("ssl-server-verify none: %v", err)
	}
}

// A dynamic server's track is refused as haproxy's srv_apply_track words
// it, against the running servers (which the caller describes).
func TestResolveDynamicTrack(t *testing.T) {
	cfg, _, errs := load(t, `backend b
 server chk 127.0.0.1:80 check
 server plain 127.0.0.1:80
backend o
 server chk 127.0.0.1:80 check
backend h404
 option httpchk
 http-check disable-on-404
 server chk 127.0.0.1:80 check
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	backends := map[string]*Proxy{}
	for _, px := range cfg.Proxies {
		backends[px.Name] = px
	}
	// The running servers: the configuration's, and b/dyn added at runtime.
	running := map[string]Trackee{
		"b/chk": {Checked: true}, "b/plain": {}, "o/chk": {Checked: true}, "h404/chk": {Checked: true},
		"b/dyn": {Dynamic: true, Checked: true},
	}
	find := func(be, name string) (Trackee, bool) { t, ok := running[be+"/"+name]; return t, ok }
	for _, c := range []struct{ args, want, err string }{
		{"127.0.0.1:81", "", ""},
		{"127.0.0.1:81 track chk", "b/chk", ""},
		{"127.0.0.1:81 track o/chk", "o/chk", ""},
		{"127.0.0.1:81 track plain", "", "unable to use b/plain for tracking as it does not have any check nor agent enabled.\n"},
		{"127.0.0.1:81 track b/dyn", "", "unable to use b/dyn for tracking as it is a dynamic server.\n"},
		{"127.0.0.1:81 track nope/chk", "", "unable to find required proxy 'nope' for tracking.\n"},
		{"127.0.0.1:81 track nope", "", "unable to find required server 'nope' for tracking.\n"},
		{"127.0.0.1:81 track /chk", "", "unable to find required proxy '' for tracking.\n"},
		{"127.0.0.1:81 track h404/chk", "", "unable to use h404/chk fortracking: disable-on-404 option inconsistency.\n"},
	} {
		sc, err := ParseDynamicServer(nil, backends["b"], "new", strings.Fields(c.args))
		if err != nil {
			t.Fatalf("%s: %v", c.args, err)
		}
		got, err := ResolveDynamicTrack(backends["b"], sc, func(n string) *Proxy { return backends[n] }, find)
		if msg := fmt.Sprint(err); got != c.want || (c.err == "") != (err == nil) || err != nil && msg != c.err {
			t.Errorf("%s: %q, %v; want %q, %q", c.args, got, err, c.want, c.err)
		}
	}
}
