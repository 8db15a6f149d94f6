package config

import (
	"testing"
)

// Keyword cases of dispatch, option transparent and transparent. The
// expectations were checked with haproxy 2.6 -c.

func init() {
	moreKeywordCases = append(moreKeywordCases, dispatchKeywordCases)
	otherSideLines["dispatch"] = "dispatch 127.0.0.1:8080"
	otherSideLines["option transparent"] = "option transparent"
}

func dispatchIs(addr string) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		if px.Dispatch == nil {
			t.Fatalf("Dispatch = nil, want %s", addr)
		}
		eq(t, "Dispatch.Addr", px.Dispatch.Addr, addr)
	}
}

func transparentIs(on bool) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Transparent", px.Transparent, on) }
}

func dispatchKeywordCases() []kwCase {
	inBackend, inListen := []Section{SecBackend}, []Section{SecListen}
	return []kwCase{
		// ---- dispatch ----
		{kw: "dispatch", in: inBE, src: "dispatch 127.0.0.1:8080", check: dispatchIs("127.0.0.1:8080")},
		{kw: "dispatch", in: inBE, src: "dispatch [::1]:8080", check: dispatchIs("[::1]:8080")},
		{kw: "dispatch", in: inBE, src: "dispatch ipv6@::1:8080", check: dispatchIs("[::1]:8080")},
		{kw: "dispatch", in: inBE, src: "dispatch tcp4@127.0.0.2:80", check: dispatchIs("127.0.0.2:80")},
		{kw: "dispatch", in: inBE, src: "dispatch *:80", check: dispatchIs("0.0.0.0:80")},
		{kw: "dispatch", in: inBE, src: "dispatch :80", check: dispatchIs("0.0.0.0:80")},
		{kw: "dispatch", in: inBE, name: "resolved at load", src: "dispatch app.local:80", check: dispatchIs("10.0.0.9:80")},
		{kw: "dispatch", in: inBE, name: "the last wins", src: "dispatch 127.0.0.1:1\ndispatch 127.0.0.2:2", check: dispatchIs("127.0.0.2:2")},
		// Servers stay, reached through persistence only: no word.
		{kw: "dispatch", in: inBE, name: "with servers", src: "dispatch 127.0.0.1:80\nserver s 127.0.0.1:81", check: dispatchIs("127.0.0.1:80")},
		// Dispatch wins over transparent, silently.
		{kw: "dispatch", in: inBE, name: "with transparent", src: "option transparent\ndispatch 127.0.0.1:80", check: func(t *testing.T, c *Config, px *Proxy) {
			dispatchIs("127.0.0.1:80")(t, c, px)
			transparentIs(false)(t, c, px)
		}},
		{kw: "dispatch", in: inBackend, name: "balance", src: "dispatch 127.0.0.1:80\nbalance roundrobin",
			warn:  "t.cfg:1: dispatch address of backend 'chk' will be ignored in balance mode.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Dispatch", px.Dispatch, nil) }},
		{kw: "dispatch", in: inListen, name: "balance", src: "balance leastconn\ndispatch 127.0.0.1:80",
			warn:  "t.cfg:1: dispatch address of proxy 'chk' will be ignored in balance mode.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Dispatch", px.Dispatch, nil) }},
		{kw: "dispatch", in: inBackend, name: "balance from defaults", pre: "defaults\n balance source\n", src: "dispatch 127.0.0.1:80",
			warn:  "t.cfg:3: dispatch address of backend 'chk' will be ignored in balance mode.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Dispatch", px.Dispatch, nil) }},
		{kw: "dispatch", in: []Section{SecFrontend}, src: "dispatch 127.0.0.1:80",
			warn:  "t.cfg:2: 'dispatch' ignored because frontend 'chk' has no backend capability.",
			check: func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Dispatch", px.Dispatch, nil) }},
		{kw: "dispatch", in: inNamed, src: "dispatch", err: "t.cfg:2: 'dispatch': expects <address>:<port> as argument"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1", err: "t.cfg:2: 'dispatch': missing port specification in '127.0.0.1'"},
		{kw: "dispatch", in: inNamed, src: "dispatch [::1]", err: "t.cfg:2: 'dispatch': missing port specification in '[::1]'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:1-5", err: "t.cfg:2: 'dispatch': port range not permitted here in '127.0.0.1:1-5'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:+5", err: "t.cfg:2: 'dispatch': port offset not permitted here in '127.0.0.1:+5'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:0", err: "t.cfg:2: 'dispatch': invalid port '0'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:65536", err: "t.cfg:2: 'dispatch': invalid port '65536'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:http", err: "t.cfg:2: 'dispatch': invalid character 'h' in port number 'http' in '127.0.0.1:http'"},
		{kw: "dispatch", in: inNamed, src: "dispatch 127.0.0.1:80 x", err: "t.cfg:2: 'dispatch': cannot handle unexpected argument 'x'"},
		{kw: "dispatch", in: inNamed, src: "dispatch fd@3", err: "t.cfg:2: 'dispatch': a file descriptor is not acceptable here in 'fd@3'"},
		{kw: "dispatch", in: inNamed, src: "dispatch udp@127.0.0.1:80", err: "t.cfg:2: 'dispatch': dgram-type address not acceptable in 'udp@127.0.0.1:80'"},
		{kw: "dispatch", in: inNamed, src: "dispatch ipv4@::1:80", err: "t.cfg:2: 'dispatch': invalid address: '::1' in 'ipv4@::1:80'"},
		// haproxy takes unix@ and abns@ addresses; not yet here.
		{kw: "dispatch", in: inNamed, src: "dispatch unix@/tmp/s", err: "t.cfg:2: 'dispatch': address family 'unix@' is not supported yet by switchyard"},
		{kw: "dispatch", in: inBE, src: "dispatch nosuch.invalid:80", err: "t.cfg:2: 'dispatch': invalid address: 'nosuch.invalid' in 'nosuch.invalid:80'"},

		// ---- option transparent ----
		{kw: "option transparent", in: inBESide, src: "option transparent", check: transparentIs(true)},
		{kw: "option transparent", in: inBESide, name: "no", src: "option transparent\nno option transparent", check: transparentIs(false)},
		// Servers stay, reached through persistence only.
		{kw: "option transparent", in: inBE, name: "with servers", src: "option transparent\nserver s 127.0.0.1:81", check: transparentIs(true)},
		{kw: "option transparent", in: []Section{SecFrontend}, src: "option transparent",
			warn:  "t.cfg:2: 'transparent' ignored because frontend 'chk' has no backend capability.",
			check: transparentIs(false)},
		{kw: "option transparent", in: inAll, src: "option transparent x", err: "t.cfg:2: 'option transparent': cannot handle unexpected argument 'x'"},
		{kw: "option transparent", in: inBackend, name: "balance", src: "option transparent\nbalance roundrobin",
			err: "t.cfg:1: backend 'chk' cannot use both transparent and balance mode."},
		{kw: "option transparent", in: inListen, name: "balance", src: "option transparent\nbalance roundrobin",
			err: "t.cfg:1: proxy 'chk' cannot use both transparent and balance mode."},
		// The scaffold's listen inherits both.
		{kw: "option transparent", in: []Section{SecDefaults}, name: "balance", src: "option transparent\nbalance",
			err: "t.cfg:4: proxy 'chk' cannot use both transparent and balance mode."},
		// Even with a dispatch address, which would win otherwise.
		{kw: "option transparent", in: inBackend, name: "balance and dispatch", src: "option transparent\ndispatch 127.0.0.1:80\nbalance roundrobin",
			err: "t.cfg:1: backend 'chk' cannot use both transparent and balance mode."},

		// ---- transparent (deprecated) ----
		// haproxy takes it silently everywhere, a frontend included.
		{kw: "transparent", in: inAll, src: "transparent", check: transparentIs(true)},
		{kw: "transparent", in: inAll, src: "transparent x", err: "t.cfg:2: 'transparent': cannot handle unexpected argument 'x'"},
		{kw: "transparent", in: inBackend, name: "balance", src: "transparent\nbalance roundrobin",
			err: "t.cfg:1: backend 'chk' cannot use both transparent and balance mode."},
	}
}

// TestDispatchWithoutBalance: hash-type alone is no balance line, and a
// backend without dispatch or transparent balances as before.
func TestDispatchWithoutBalance(t *testing.T) {
	cfg, res, errs := load(t, "backend b\n hash-type consistent\n option transparent\nbackend c\n server s 127.0.0.1:80\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, m := range res.Warnings() {
		if !scaffoldWarning(m.Msg) {
			t.Errorf("unexpected warning %s", m)
		}
	}
	b, c := cfg.Proxies[0], cfg.Proxies[1]
	eq(t, "b BalanceSet", b.BalanceSet, false)
	eq(t, "b Transparent", b.Transparent, true)
	eq(t, "c BalanceSet", c.BalanceSet, false)
	eq(t, "c Transparent", c.Transparent, false)
	if c.Dispatch != nil {
		t.Errorf("c Dispatch = %+v", c.Dispatch)
	}
}

func TestParseDispatchAddr(t *testing.T) {
	t.Setenv("SY_DISP_HOST", "127.0.0.3")
	for spec, want := range map[string]string{
		"127.0.0.1:80":          "127.0.0.1:80",
		"${SY_DISP_HOST}:81":    "127.0.0.3:81",
		"$SY_DISP_HOST:82":      "127.0.0.3:82",
		"::1:80":                "[::1]:80",
		"ipv6@:80":              "[::]:80",
		"tcp6@[2001:db8::1]:80": "[2001:db8::1]:80",
		"tcp@10.0.0.1:65535":    "10.0.0.1:65535",
		"[::ffff:10.0.0.1]:80":  "10.0.0.1:80",
	} {
		d, err := parseDispatchAddr(spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		eq(t, spec, d.Addr, want)
	}
	// A name waits for provision.
	d, err := parseDispatchAddr("example.test:80")
	if err != nil || d.Addr != "" || d.Host != "example.test" || d.Port != 80 {
		t.Errorf("name: %+v %v", d, err)
	}
	// An unset variable leaves nothing, as in haproxy.
	if _, err := parseDispatchAddr("${SY_DISP_UNSET}"); err == nil {
		t.Error("empty address accepted")
	}
}
