package config

import (
	"testing"
	"time"

	"switchyard/stick"
)

func init() { moreKeywordCases = append(moreKeywordCases, stickKeywordCases) }

func stickKeywordCases() []kwCase {
	tb := "backend tb\n stick-table type ip size 1k store gpc0\n"
	cases := []kwCase{
		{kw: "stick-table", in: inNamed, src: "stick-table type string len 10 size 10m expire 30s nopurge store gpc(3),http_req_rate(10s),conn_cur srvkey addr",
			check: func(t *testing.T, _ *Config, px *Proxy) {
				s := StickTable(px)
				eq(t, "type", s.Type, stick.KeyString)
				eq(t, "key size", s.KeySize, 11)
				eq(t, "size", s.Size, 10<<20)
				eq(t, "expire", s.Expire, 30*time.Second)
				eq(t, "nopurge", s.NoPurge, true)
				eq(t, "srvkey", s.SrvKey, stick.SrvKeyAddr)
				eq(t, "stores", len(s.Stores), 3)
				eq(t, "gpc elems", s.Stores[0].Elems, 3)
				eq(t, "rate period", s.Stores[1].Period, 10*time.Second)
			}},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store gpc0,gpc0", warn: "t.cfg:2: stick-table: store option 'gpc0' already enabled, ignored."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip", err: "t.cfg:2: 'stick-table': stick-table: missing size."},
		{kw: "stick-table", in: inNamed, src: "stick-table size 1k", err: "t.cfg:2: 'stick-table': stick-table: missing type."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store gpc0,nope", err: "t.cfg:2: 'stick-table': stick-table: unknown store option 'nope'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store http_req_rate", err: "t.cfg:2: 'stick-table': stick-table: missing argument to store option 'http_req_rate'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store gpc0(3)", err: "t.cfg:2: 'stick-table': stick-table: unexpected argument to store option 'gpc0'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store gpc(101)", err: "t.cfg:2: 'stick-table': stick-table: array size is out of allowed range (1-100) for store option 'gpc'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k store gpc(2),gpc0", err: "t.cfg:2: 'stick-table': stick-table: simultaneous usage of 'gpc' and 'gpc[0/1]' in a same table is not permitted as 'gpc' overrides 'gpc[0/1]'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type mac size 1k", err: "t.cfg:2: 'stick-table': stick-table: unknown type 'mac'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k foo", err: "t.cfg:2: 'stick-table': stick-table: unknown argument 'foo'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k srvkey port", err: "t.cfg:2: 'stick-table': stick-table: unknown server key type 'port'."},
		{kw: "stick-table", in: inNamed, src: "stick-table type ip size 1k\nstick-table type ip size 2k", err: "t.cfg:3: 'stick-table': only one stick-table per proxy is allowed ('chk' already has one)"},
	}
	for _, set := range []RuleSet{HTTPRequestRules, HTTPResponseRules, TCPRequestConnectionRules, TCPRequestSessionRules, TCPRequestContentRules, TCPResponseContentRules} {
		kw := set.Keyword()
		in := inNamed
		switch set {
		case TCPRequestConnectionRules, TCPRequestSessionRules:
			in = inFE
		case TCPRequestContentRules:
			in = inNamed
		case TCPResponseContentRules:
			in = inBE
		}
		mode, line := "", "t.cfg:2: "
		if set == HTTPRequestRules || set == HTTPResponseRules {
			mode, line = "mode http\n", "t.cfg:3: "
		}
		kwOf := func(action string) string {
			if mode != "" {
				return kw + " " + action
			}
			return kw
		}
		pfx := func(action string) string {
			if mode != "" {
				return line + "'" + kw + " " + action + "': "
			}
			return line + "'" + kw + "': "
		}
		if set != TCPResponseContentRules {
			for _, sc := range []string{"track-sc0", "track-sc1", "track-sc2"} {
				key := "src"
				if set == HTTPResponseRules {
					key = "res.hdr(x)"
				}
				cases = append(cases,
					kwCase{kw: kwOf(sc), in: in, src: mode + kw + " " + sc + " " + key + " table tb if TRUE", extra: tb, check: func(t *testing.T, _ *Config, px *Proxy) {
						rules := *px.ruleList(set)
						a := rules[len(rules)-1].Args.(*TrackAction)
						eq(t, "table", a.Table, "tb")
						eq(t, "key", a.Key.String(), key)
					}})
			}
			cases = append(cases,
				kwCase{kw: kwOf("track-sc0"), in: in, name: "own table missing", src: mode + kw + " track-sc0 src", err: line + "Proxy 'chk': unable to find table 'chk' referenced by track-sc0."},
				kwCase{kw: kwOf("track-sc0"), in: in, name: "incompatible key", src: mode + kw + " track-sc0 bool(1) table tb", extra: tb,
					err: line + "stick-table 'tb' uses a type incompatible with the 'track-sc0' rule"},
				kwCase{kw: kwOf("track-sc1"), in: in, name: "no key", src: mode + kw + " track-sc1", err: pfx("track-sc1") + "'track-sc1' expects a sample expression"},
			)
		}
		refuse := map[string]string{
			"sc-inc-gpc0": "sc-inc-gpc0(x)", "sc-inc-gpc1": "sc-inc-gpc1(3)", "sc-inc-gpc": "sc-inc-gpc(1)",
			"sc-set-gpt0": "sc-set-gpt0(0)", "sc-set-gpt": "sc-set-gpt(1,x) 1", "sc-add-gpc": "sc-add-gpc(0,0)",
		}
		if set != TCPResponseContentRules {
			refuse["track-sc0"], refuse["track-sc1"], refuse["track-sc2"] = "track-sc0", "track-sc1", "track-sc2"
		}
		for action, line := range refuse {
			cases = append(cases, kwCase{kw: kwOf(action), in: in, name: "refused " + line, src: mode + kw + " " + line, err: pfx(action) + "..."})
		}
		for _, line := range []string{"sc-inc-gpc0", "sc-inc-gpc0(2)", "sc-inc-gpc1(1)", "sc-inc-gpc(3,1)", "sc-set-gpt0(0) 7", "sc-set-gpt(1,2) int(3)", "sc-add-gpc(0,1) 10"} {
			name := line
			for i, c := range line {
				if c == '(' || c == ' ' {
					name = line[:i]
					break
				}
			}
			cases = append(cases, kwCase{kw: kwOf(name), in: in, src: mode + kw + " " + line + " if TRUE"})
		}
		cases = append(cases,
			kwCase{kw: kwOf("sc-inc-gpc0"), in: in, name: "slot 3", src: mode + kw + " sc-inc-gpc0(3)", err: pfx("sc-inc-gpc0") + "invalid stick table track ID 'sc-inc-gpc0(3)'. The max allowed ID is 2"},
			kwCase{kw: kwOf("sc-inc-gpc"), in: in, name: "no index", src: mode + kw + " sc-inc-gpc", err: pfx("sc-inc-gpc") + "Missing gpc ID 'sc-inc-gpc'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)"},
			kwCase{kw: kwOf("sc-set-gpt0"), in: in, name: "no value", src: mode + kw + " sc-set-gpt0(0)", err: pfx("sc-set-gpt0") + "'sc-set-gpt0(0)' expects an integer or a sample expression"},
		)
	}
	return cases
}

func TestStickTableDefaultsAllowed(t *testing.T) {
	// haproxy: a track-sc in a defaults section names the defaults'
	// table when it names none.
	_, _, errs := load(t, "defaults d\n mode http\n http-request track-sc0 src\nfrontend fe from d\n bind :8080\n stick-table type ip size 1k\n")
	if len(errs) != 1 || errs[0].Error() != "t.cfg:3: Proxy 'd': unable to find table 'd' referenced by track-sc0." {
		t.Fatalf("got %v", errs)
	}
}
