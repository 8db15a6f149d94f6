package config

import "testing"

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
	if _, err := ParseDynamicServer(nil, px, "s3", []string{"127.0.0.1:82", "track", "s1"}); err == nil {
		t.Error("track was accepted")
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
