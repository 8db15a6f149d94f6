package config

import (
	"strings"
	"testing"
	"time"
)

func loadPeers(t *testing.T, src string) (*Config, *Result, ErrorList) {
	t.Helper()
	env := func(k string) (string, bool) {
		if k == "HAPROXY_LOCALPEER" {
			return "me", true
		}
		return "", false
	}
	return LoadBytes("t.cfg", []byte(src), LoadOptions{Env: env})
}

func TestPeersSection(t *testing.T) {
	cfg, res, errs := loadPeers(t, `peers mesh
    peer me 127.0.0.1:10000
    peer other 127.0.0.2:10000
    peer nop
    table t type string len 20 size 1k expire 30s store gpc0,http_req_rate(10s)
    shards 2
    merge sum
    discover dns peers.local port 10000 interval 2s resolver 127.0.0.1:53
peers quiet
    bind 127.0.0.1:10001
    server me
    server x 127.0.0.3:10001
    disabled
backend b
    stick-table type ip size 10 peers mesh
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	secs := PeersSections(cfg)
	if len(secs) != 2 {
		t.Fatalf("%d sections", len(secs))
	}
	s := secs[0]
	eq(t, "local", s.Local, "me")
	eq(t, "listen", s.Listen, "127.0.0.1:10000")
	eq(t, "active", s.Active(), true)
	eq(t, "remotes", len(s.Remotes), 2)
	eq(t, "remote addr", s.Remotes[0].Addr, "127.0.0.2:10000")
	eq(t, "addressless", s.Remotes[1].Addr, "")
	eq(t, "shards", s.Shards, 2)
	eq(t, "merge sum", s.Sum, true)
	eq(t, "discover", *s.Discover, Discover{Name: "peers.local", Port: 10000, Interval: 2 * time.Second, Resolver: "127.0.0.1:53"})
	tb := cfg.Table("mesh/t")
	if tb == nil {
		t.Fatal("no table mesh/t")
	}
	eq(t, "net name", tb.NetName, "/t") // as haproxy sends it
	eq(t, "peers", tb.Peers, "mesh")
	eq(t, "key size", tb.KeySize, 21)
	eq(t, "proxy table peers", cfg.Table("b").Peers, "mesh")
	q := secs[1]
	eq(t, "bind", q.Listen, "127.0.0.1:10001")
	eq(t, "disabled", q.Disabled, true)
	eq(t, "disabled active", q.Active(), false)
	found := false
	for _, m := range res.Warnings() {
		found = found || strings.Contains(m.Msg, "'shards'")
	}
	eq(t, "shards warning", found, true)
}

func TestPeersErrors(t *testing.T) {
	for _, c := range []struct{ src, err string }{
		{"peers\n", "t.cfg:1: 'peers': missing name for peers section."},
		{"peers a b\n", "t.cfg:1: 'peers': cannot handle unexpected argument 'b'."},
		{"peers a\npeers a\n", "t.cfg:2: 'peers': peers section 'a' has the same name as another peers section declared at t.cfg:1."},
		{"peers a\n peer me 127.0.0.1\n", "t.cfg:2: 'peer': 'peer me' : missing port specification in '127.0.0.1'"},
		{"peers a\n peer me 127.0.0.1:1\n peer me 127.0.0.1:2\n", "t.cfg:3: 'peer': 'peer me' : local peer name already referenced at t.cfg:2."},
		{"peers a\n peer me 127.0.0.1:1\n bind :2\n", "t.cfg:3: 'bind': mixing \"peer\" and \"bind\" line is forbidden"},
		{"peers a\n bind :1\n bind :2\n", "t.cfg:3: 'bind': One listener per \"peers\" section is authorized but another is already configured at [t.cfg:2]."},
		{"peers a\n bind :1 ssl crt /nonexistent.pem\n", "t.cfg:2: 'bind': 'bind :1' : unable to stat SSL file '/nonexistent.pem'..."},
		{"peers a\n bind :1 ssl\n", "t.cfg:2: 'bind': 'bind :1' : 'ssl' needs a certificate ('crt')"},
		{"peers a\n bind :1 send-proxy\n", "t.cfg:2: 'bind': 'bind :1' : option 'send-proxy' is not supported in peers sections by switchyard (only ssl, crt, ca-file and verify are)"},
		{"peers a\n peer me 127.0.0.1:1\n peer x 127.0.0.1:2 ssl\n", "t.cfg:3: 'peer': 'peer x' : verify is enabled by default but no CA file specified..."},
		{"peers a\n peer me 127.0.0.1:1\n peer x 127.0.0.1:2 check\n", "t.cfg:3: 'peer': 'peer x' : option 'check' is not supported in peers sections by switchyard..."},
		{"peers a\n default-server ssl verify maybe\n", "t.cfg:2: 'default-server': 'default-server' : unknown verify method 'maybe'"},
		{"peers a\n table t type ip\n", "t.cfg:2: 'table': table: missing size."},
		{"peers a\n table t type ip size 1 peers a\n", "t.cfg:2: 'table': table: unknown argument 'peers'."},
		{"peers a\n enable\n", "t.cfg:2: unknown keyword 'enable' in 'peers' section..."},
		{"peers a\n discover srv x port 1\n", "t.cfg:2: 'discover': expects 'dns <name> port <port> [interval <time>] [resolver <addr:port>]'"},
		{"peers a\n discover dns x port 0\n", "t.cfg:2: 'discover': invalid port '0'"},
		{"peers a\n merge max\n", "t.cfg:2: 'merge': expects 'sum' or 'replace'"},
		{"peers a\n table t type ip size 1\nbackend a/t\n stick-table type ip size 1\n", "..."},
		{"backend b\n stick-table type ip size 1 peers nope\n", "t.cfg:2: stick-table 'b': unknown peers section 'nope'"},
	} {
		_, _, errs := loadPeers(t, c.src)
		if len(errs) == 0 {
			t.Errorf("%q: no error, want %q", c.src, c.err)
			continue
		}
		got := errs[0].Error()
		if want, prefix := strings.CutSuffix(c.err, "..."); (prefix && !strings.HasPrefix(got, want)) || (!prefix && got != want) {
			t.Errorf("%q:\n got %q\nwant %q", c.src, got, c.err)
		}
	}
}

func TestPeersLocalName(t *testing.T) {
	src := "global\n localpeer lb2\npeers p\n peer lb2 127.0.0.1:10000\n"
	noEnv := func(string) (string, bool) { return "", false }
	cfg, _, errs := LoadBytes("t.cfg", []byte(src), LoadOptions{Env: noEnv})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	eq(t, "global localpeer", PeersSections(cfg)[0].Local, "lb2")
	eq(t, "active", PeersSections(cfg)[0].Active(), true)
	// The global keyword wins over HAPROXY_LOCALPEER (the host name
	// unless -L set it), and -L over the keyword, which it warns of.
	cfg, _, _ = loadPeers(t, src)
	eq(t, "global over the environment", PeersSections(cfg)[0].Local, "lb2")
	cfg, res, errs := LoadBytes("t.cfg", []byte(src), LoadOptions{Env: noEnv, LocalPeer: "me"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	eq(t, "-L", PeersSections(cfg)[0].Local, "me")
	// (The section then has no peer of that name: haproxy removes it too.)
	if w := res.Warnings(); len(w) == 0 || !strings.Contains(w[0].Msg, "'localpeer' ignored since it is already set by using the '-L' command line argument.") {
		t.Errorf("warnings %q", w)
	}
}
