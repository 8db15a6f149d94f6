package config

import (
	"strings"
	"testing"

	"switchyard/stick"
)

func init() {
	moreKeywordCases = append(moreKeywordCases, stickRuleCases)
	// haproxy reads no further than the keyword in a frontend: any stick
	// line there is a warning, never an error.
	noRefuse["stick@frontend"] = "haproxy ignores the line in a frontend, whatever follows"
}

// The messages are haproxy 2.6.12's (haproxy -c), but for the file:line
// that switchyard gives every error.
func stickRuleCases() []kwCase {
	own := "stick-table type ip size 1k\n"
	rule := func(i int, onRsp bool) kwCheck {
		return func(t *testing.T, _ *Config, px *Proxy) {
			r := Stick(px)
			if r == nil {
				t.Fatal("no stick rules")
			}
			list := r.Request
			if onRsp {
				list = r.Response
			}
			if i >= len(list) {
				t.Fatalf("%d rules, want rule %d", len(list), i)
			}
		}
	}
	return []kwCase{
		{kw: "stick", in: inBE, src: own + "stick on src", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := Stick(px).Request[0]
			eq(t, "match", r.Match, true)
			eq(t, "store", r.Store, true)
			eq(t, "table", r.TableName(px), "chk")
			// haproxy makes every table a stick rule uses store the server.
			s := StickTable(px)
			eq(t, "server_id", s.Has(stick.DTServerID), true)
			eq(t, "server_key", s.Has(stick.DTServerKey), true)
		}},
		{kw: "stick", in: inBE, src: "stick match req.cook(sid) table tb if TRUE", extra: "backend tb\n stick-table type string len 32 size 1k\n",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				r := Stick(px).Request[0]
				eq(t, "match", r.Match, true)
				eq(t, "store", r.Store, false)
				eq(t, "table", r.TableName(px), "tb")
				eq(t, "cond", r.Cond != nil, true)
			}},
		{kw: "stick", in: inBE, src: own + "stick store-request src\nstick store src unless FALSE", check: rule(1, false)},
		{kw: "stick", in: inBE, src: "stick-table type string size 1k\nstick store-response res.hdr(x-sid) lower", check: func(t *testing.T, _ *Config, px *Proxy) {
			r := Stick(px).Response[0]
			eq(t, "on response", r.OnResponse, true)
			eq(t, "expr", r.Expr.String(), "res.hdr(x-sid) lower")
		}},
		{kw: "stick", in: inBE, name: "empty condition", src: own + "stick on src if", check: rule(0, false)},
		{kw: "stick", in: []Section{SecFrontend}, src: "stick on src", warn: "t.cfg:2: 'stick' ignored because frontend 'chk' has no backend capability."},
		{kw: "stick", in: []Section{SecFrontend}, name: "ignored in a frontend", src: "stick anything", warn: "t.cfg:2: 'stick' ignored because frontend 'chk' has no backend capability."},
		{kw: "stick", in: []Section{SecDefaults}, src: "stick on src", err: "t.cfg:2: 'stick' not allowed in 'defaults' section"},
		{kw: "stick", in: inBE, src: "stick", err: "t.cfg:2: 'stick': expects 'on', 'match', or 'store'."},
		{kw: "stick", in: inBE, src: "stick onto src", err: "t.cfg:2: 'stick': expects 'on', 'match', or 'store'."},
		{kw: "stick", in: inBE, src: "stick match", err: "t.cfg:2: 'stick': expects a fetch method."},
		{kw: "stick", in: inBE, src: "stick on nosuch", err: "t.cfg:2: 'stick': unknown fetch method 'nosuch'"},
		{kw: "stick", in: inBE, src: "stick on src foo", err: "t.cfg:2: 'stick': unknown keyword 'foo'."},
		{kw: "stick", in: inBE, src: "stick on res.hdr(x)", err: "t.cfg:2: 'stick': fetch method 'res.hdr' extracts information from 'HTTP response headers', none of which is available during request."},
		{kw: "stick", in: inBE, src: "stick store-response urlp(x)", err: "t.cfg:2: 'stick': fetch method 'urlp' extracts information from 'HTTP request headers', none of which is available for 'store-response'."},
		{kw: "stick", in: inBE, src: "stick on src", err: "t.cfg:2: Proxy 'chk': unable to find stick-table 'chk'."},
		{kw: "stick", in: inBE, src: "stick match src table", err: "t.cfg:2: Proxy 'chk': unable to find stick-table ''."},
		{kw: "stick", in: inBE, src: "stick store-response src table nope", err: "t.cfg:2: Proxy 'chk': unable to find store table 'nope'."},
		{kw: "stick", in: inBE, src: own + "stick on bool(1)", err: "t.cfg:3: Proxy 'chk': type of fetch not usable with type of stick-table 'chk'."},
		{kw: "stick", in: inBE, src: own + "stick on src if { res.hdr(x) -m found }",
			warn: "t.cfg:3: anonymous acl will never match because it uses keyword 'res.hdr' which is incompatible with 'backend use-server, balance or stick-match rule'"},
		{kw: "stick", in: inBE, src: own + "stick store-response src if { path / }",
			warn: "t.cfg:3: anonymous acl will never match because it uses keyword 'path' which is incompatible with 'backend stick-store rule'"},
	}
}

// TestNonStick: the non-stick server option, and stick undoing a
// default-server's.
func TestNonStick(t *testing.T) {
	cfg, _, errs := load(t, "backend b\n default-server non-stick\n server s1 192.0.2.1:80\n server s2 192.0.2.2:80 stick\n server s3 192.0.2.3:80\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	px := cfg.Proxies[0]
	for i, want := range []bool{true, false, true} {
		if got := NonStick(px.Servers[i]); got != want {
			t.Errorf("%s: non-stick %v, want %v", px.Servers[i].Name, got, want)
		}
	}
	_, _, errs = load(t, "backend b\n server s1 192.0.2.1:80 non-stick 1\n")
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "'1'") {
		t.Errorf("non-stick with an argument: %v", errs)
	}
}
