package config

import (
	"testing"
	"time"
)

// Keyword cases of the stream actions (kw_stream.go); the messages are
// haproxy 2.6's.

func init() {
	moreKeywordCases = append(moreKeywordCases, streamKeywordCases)
	noAccept["http-request set-timeout@frontend"] = "haproxy refuses it: the proxy has no backend capability"
}

func lastStreamRule(set RuleSet, check func(t *testing.T, r *HTTPRule)) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		l := *px.ruleList(set)
		if len(l) == 0 {
			t.Fatalf("no %s rule", set.Keyword())
		}
		check(t, l[len(l)-1])
	}
}

func addrRule(set RuleSet, dst, port bool) kwCheck {
	return lastStreamRule(set, func(t *testing.T, r *HTTPRule) {
		a, ok := r.Args.(*AddrAction)
		if !ok {
			t.Fatalf("Args %T, want *AddrAction", r.Args)
		}
		eq(t, "Dst", a.Dst, dst)
		eq(t, "Port", a.Port, port)
	})
}

func timeoutRule(tunnel bool, d time.Duration, expr string) kwCheck {
	return lastStreamRule(HTTPRequestRules, func(t *testing.T, r *HTTPRule) {
		a := r.Args.(*TimeoutAction)
		eq(t, "Tunnel", a.Tunnel, tunnel)
		eq(t, "Value", a.Value, d)
		got := ""
		if a.Expr != nil {
			got = a.Expr.String()
		}
		eq(t, "Expr", got, expr)
	})
}

func streamKeywordCases() []kwCase {
	cases := []kwCase{
		{kw: "http-request set-src", in: inNamed, src: "mode http\nhttp-request set-src hdr(x-real-ip)", check: addrRule(HTTPRequestRules, false, false)},
		{kw: "http-request set-src", in: inNamed, src: "mode http\nhttp-request set-src hdr(x-ip) if { src 10.0.0.0/8 }", check: addrRule(HTTPRequestRules, false, false)},
		{kw: "http-request set-src", in: inNamed, src: "mode http\nhttp-request set-src", err: "t.cfg:3: 'http-request set-src': missing fetch method"},
		{kw: "http-request set-src", in: inNamed, src: "mode http\nhttp-request set-src res.hdr(x)",
			err: "t.cfg:3: 'http-request set-src': fetch method 'res.hdr(x)' extracts information from 'HTTP response headers', none of which is available here"},
		{kw: "http-request set-src", in: inNamed, src: "mode http\nhttp-request set-src src foo", err: "t.cfg:3: 'http-request set-src': unexpected 'foo', expects 'if' or 'unless' followed by a condition"},
		{kw: "http-request set-src-port", in: inNamed, src: "mode http\nhttp-request set-src-port int(1234)", check: addrRule(HTTPRequestRules, false, true)},
		{kw: "http-request set-src-port", in: inNamed, src: "mode http\nhttp-request set-src-port nope(1)", err: "t.cfg:3: 'http-request set-src-port': unknown fetch method 'nope'..."},
		{kw: "http-request set-dst", in: inNamed, src: "mode http\nhttp-request set-dst ipv4(192.0.2.1)", check: addrRule(HTTPRequestRules, true, false)},
		{kw: "http-request set-dst", in: inNamed, src: "mode http\nhttp-request set-dst", err: "t.cfg:3: 'http-request set-dst': missing fetch method"},
		{kw: "http-request set-dst-port", in: inNamed, src: "mode http\nhttp-request set-dst-port req.hdr(x-port)", check: addrRule(HTTPRequestRules, true, true)},
		{kw: "http-request set-dst-port", in: inNamed, src: "mode http\nhttp-request set-dst-port res.hdr(x)",
			err: "t.cfg:3: 'http-request set-dst-port': fetch method 'res.hdr(x)' extracts information from 'HTTP response headers', none of which is available here"},

		{kw: "tcp-request connection", in: inFE, src: "tcp-request connection set-src ipv4(10.0.0.1)", check: addrRule(TCPRequestConnectionRules, false, false)},
		// haproxy checks the expression as for http-request, whatever the set.
		{kw: "tcp-request connection", in: inFE, src: "tcp-request connection set-dst-port req.hdr(x)", check: addrRule(TCPRequestConnectionRules, true, true)},
		{kw: "tcp-request connection", in: inFE, src: "tcp-request connection set-src", err: "t.cfg:2: 'tcp-request connection': missing fetch method"},
		{kw: "tcp-request session", in: inFE, src: "tcp-request session set-src-port int(1)", check: addrRule(TCPRequestSessionRules, false, true)},
		{kw: "tcp-request session", in: inFE, src: "tcp-request session set-dst res.hdr(x)",
			err: "t.cfg:2: 'tcp-request session': fetch method 'res.hdr(x)' extracts information from 'HTTP response headers', none of which is available here"},
		{kw: "tcp-request content", in: inNamed, src: "tcp-request content set-dst ipv4(10.0.0.2) if { src 127.0.0.1 }", check: addrRule(TCPRequestContentRules, true, false)},
		{kw: "tcp-response content", in: []Section{SecBackend}, src: "tcp-response content set-src src",
			err: "t.cfg:2: 'tcp-response content': 'tcp-response content' expects ..."},

		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server 5s", check: timeoutRule(false, 5*time.Second, "")},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout tunnel 1us", check: timeoutRule(true, time.Millisecond, "")},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout tunnel int(4) if TRUE", check: timeoutRule(true, 0, "int(4)")},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server req.hdr(x-t)", check: timeoutRule(false, 0, "req.hdr(x-t)")},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server 5sx", check: timeoutRule(false, 5*time.Second, ""),
			warn: "t.cfg:3: unexpected character 'x' after the timer value '5sx', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."},
		{kw: "http-request set-timeout", in: []Section{SecFrontend}, src: "mode http\nhttp-request set-timeout server 5s",
			err: "t.cfg:3: 'http-request set-timeout': proxy 'chk' has no backend capability"},
		{kw: "http-request set-timeout", in: inNamed, src: "mode http\nhttp-request set-timeout server",
			err: "t.cfg:3: 'http-request set-timeout': expects exactly 2 arguments"},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout client 5s",
			err: "t.cfg:3: 'http-request set-timeout': 'set-timeout' rule supports 'server'/'tunnel' (got 'client')"},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server 0",
			err: "t.cfg:3: 'http-request set-timeout': null value is not valid for a 'set-timeout server' rule"},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server foo",
			err: "t.cfg:3: 'http-request set-timeout': unexpected character 'f' in rule 'set-timeout server'"},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout tunnel 5x",
			err: "t.cfg:3: 'http-request set-timeout': unexpected character 'x' in rule 'set-timeout tunnel'"},
		{kw: "http-request set-timeout", in: inBE, src: "mode http\nhttp-request set-timeout server 30d",
			err: "t.cfg:3: 'http-request set-timeout': timer overflow in argument '30d' to rule 'set-timeout server' (maximum value is 2147483647 ms or ~24.8 days)"},

		{kw: "http-request early-hint", in: inNamed, src: "mode http\nhttp-request early-hint Link \"</a.css>; rel=preload\"",
			check: lastStreamRule(HTTPRequestRules, func(t *testing.T, r *HTTPRule) {
				a := r.Args.(*EarlyHint)
				eq(t, "Name", a.Name, "Link")
				eq(t, "Index", a.Index, 0)
			})},
		{kw: "http-request early-hint", in: inNamed, name: "a run shares a group",
			src: "mode http\nhttp-request early-hint link a\nhttp-request early-hint link %[path]\nhttp-request set-var(txn.x) int(1)\nhttp-request early-hint x y",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				l := px.HTTPRequest
				a, b, c := l[0].Args.(*EarlyHint), l[1].Args.(*EarlyHint), l[3].Args.(*EarlyHint)
				eq(t, "shared", a.Group == b.Group, true)
				eq(t, "run", len(a.Group.Rules), 2)
				eq(t, "second index", b.Index, 1)
				eq(t, "new run", c.Group != a.Group && c.Index == 0, true)
			}},
		{kw: "http-request early-hint", in: inNamed, src: "mode http\nhttp-request early-hint link",
			err: "t.cfg:3: 'http-request early-hint': expects exactly 2 arguments"},
		{kw: "http-request early-hint", in: inNamed, src: "mode http\nhttp-request early-hint link %[res.hdr(x)]",
			err: "t.cfg:3: 'http-request early-hint': sample fetch <res.hdr(x)> may not be reliably used here because it needs 'HTTP response headers' which is not available here"},
	}
	return cases
}
