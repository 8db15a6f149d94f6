package config

import (
	"strings"
	"testing"
	"time"

	"switchyard/sample"
)

// Keyword cases of the connection half of issue 6: tcp rules, userlists,
// error pages. keywordCases appends them.

func init() {
	moreKeywordCases = append(moreKeywordCases, connKeywordCases)
	const named = "only in a named defaults section, which the table's scaffold cannot name: see TestTCPRulesNamedDefaults"
	for _, kw := range []string{"tcp-request connection", "tcp-request session", "tcp-request content",
		"tcp-response content", "tcp-request inspect-delay", "tcp-response inspect-delay"} {
		noAccept[kw+"@defaults"] = named
	}
	for _, kw := range []string{"tcp-request", "tcp-response"} {
		for _, sec := range []string{"defaults", "frontend", "backend", "listen"} {
			noAccept[kw+"@"+sec] = "only the two-word keywords are accepted; this one says what is missing"
		}
	}
	noAccept["tcp-request connection@backend"] = "haproxy refuses it: a backend is not a frontend"
	noAccept["tcp-request session@backend"] = "haproxy refuses it: a backend is not a frontend"
	noAccept["tcp-response content@frontend"] = "haproxy refuses it outside backends"
	noAccept["tcp-response inspect-delay@frontend"] = "haproxy refuses it outside backends"
}

func tcpRuleCount(set RuleSet, n int) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		if got := len(*px.ruleList(set)); got != n {
			t.Errorf("%d %s rules, want %d", got, set.Keyword(), n)
		}
	}
}

func connKeywordCases() []kwCase {
	anon := "t.cfg:2: '%s': %s is not allowed in anonymous 'defaults' sections"
	var cases []kwCase
	for _, set := range []RuleSet{TCPRequestConnectionRules, TCPRequestSessionRules, TCPRequestContentRules, TCPResponseContentRules} {
		kw := set.Keyword()
		in := inFE
		if set == TCPRequestContentRules {
			in = inNamed
		}
		if set == TCPResponseContentRules {
			in = inBE
		}
		cases = append(cases,
			kwCase{kw: kw, in: in, src: kw + " accept if { src 10.0.0.0/8 }\n" + kw + " reject", check: tcpRuleCount(set, 2)},
			kwCase{kw: kw, in: in, src: kw + " set-var(sess.a,ifnotexists) src\n" + kw + " set-var-fmt(txn.b) %[src]\n" + kw + " unset-var(sess.a)", check: func(t *testing.T, _ *Config, px *Proxy) {
				rules := *px.ruleList(set)
				if len(rules) != 3 {
					t.Fatalf("%d rules", len(rules))
				}
				a := rules[0].Args.(*VarOp)
				eq(t, "var", a.Ref.Name, "a")
				eq(t, "cond", a.Conds, sample.VarIfNotExists)
				eq(t, "expr", a.Expr.String(), "src")
				if rules[1].Args.(*VarOp).Fmt == nil {
					t.Error("no format")
				}
			}},
			// haproxy's parse_store, shared by every rule set: an empty
			// condition ends the list, a missing format is an empty one.
			kwCase{kw: kw, in: in, name: "empty condition and format", src: kw + " set-var(sess.a,) src\n" + kw + " set-var(sess.b,,ifset) src\n" + kw + " unset-var(sess.a,)\n" + kw + " set-var-fmt(sess.c)",
				check: tcpRuleCount(set, 4)},
			kwCase{kw: kw, in: in, src: kw + " accept foo", err: "t.cfg:2: '" + kw + "': unexpected 'foo', expects 'if' or 'unless' followed by a condition"},
			kwCase{kw: kw, in: in, src: kw + " dance", err: "t.cfg:2: '" + kw + "': '" + kw + "' expects ..."},
			kwCase{kw: kw, in: in, src: kw, err: "t.cfg:2: '" + kw + "': missing argument for '" + kw + "' in ..."},
			kwCase{kw: kw, in: in, src: kw + " set-var(sess.a,ifnope) src", err: "t.cfg:2: '" + kw + "': unknown condition \"ifnope\""},
			kwCase{kw: kw, in: in, src: kw + " set-var(a) src", err: "t.cfg:2: '" + kw + "': invalid variable name 'a'..."},
			kwCase{kw: kw, in: in, src: kw + " unset-var(sess.a,ifexists)", err: "t.cfg:2: '" + kw + "': unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions"},
			kwCase{kw: kw, in: in, src: kw + " set-var src", err: "t.cfg:2: '" + kw + "': '" + kw + "': invalid or incomplete action 'set-var'..."},
			kwCase{kw: kw, in: []Section{SecDefaults}, src: kw + " accept", err: strings.ReplaceAll(strings.Replace(anon, "%s", kw, 1), "%s", kw)},
		)
		cases = append(cases, kwCase{kw: kw, in: in, src: kw + " set-mark 1", err: "t.cfg:2: '" + kw + "': '" + kw + " set-mark' is not supported yet by switchyard"})
	}
	cases = append(cases,
		kwCase{kw: "tcp-request connection", in: inFE, src: "tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }", check: tcpRuleCount(TCPRequestConnectionRules, 1)},
		kwCase{kw: "tcp-request connection", in: inFE, src: "tcp-request connection expect-proxy", err: "t.cfg:2: 'tcp-request connection': 'tcp-request connection expect-proxy' only supports 'layer4' in ..."},
		kwCase{kw: "tcp-request connection", in: []Section{SecBackend}, src: "tcp-request connection accept", err: "t.cfg:2: 'tcp-request connection': tcp-request connection is not allowed because backend chk is not a frontend"},
		kwCase{kw: "tcp-request session", in: []Section{SecBackend}, src: "tcp-request session accept", err: "t.cfg:2: 'tcp-request session': tcp-request session is not allowed because backend chk is not a frontend"},
		kwCase{kw: "tcp-request session", in: inFE, src: "tcp-request session expect-proxy layer4", err: "t.cfg:2: 'tcp-request session': 'expect-proxy layer4' is not allowed in 'tcp-request session' rules in ..."},
		kwCase{kw: "tcp-request connection", in: inFE, name: "http fetch warns", src: "tcp-request connection reject if { path /x }", warn: "t.cfg:2: anonymous acl will never match in 'tcp-request connection' because it uses keyword 'path' which is incompatible with 'frontend tcp-request connection rule'"},
		kwCase{kw: "tcp-request connection", in: inFE, name: "payload fetch warns", src: "tcp-request connection reject if { req.len gt 0 }", warn: "t.cfg:2: anonymous acl will never match in 'tcp-request connection' because it uses keyword 'req.len' which is incompatible with 'frontend tcp-request connection rule'"},
		kwCase{kw: "tcp-request content", in: inFE, name: "payload fetch in http warns", src: "mode http\ntcp-request content reject if { req.payload(0,2) -m bin 1603 }", warn: "t.cfg:3: Proxy 'chk': L6 sample fetches ignored on HTTP proxies (declared at t.cfg:3)."},
		kwCase{kw: "tcp-request content", in: inFE, name: "response payload warns", src: "tcp-request content reject if { res.len gt 0 }", warn: "t.cfg:2: anonymous acl will never match in 'tcp-request content' because it uses keyword 'res.len' which is incompatible with 'frontend tcp-request content rule'"},
		kwCase{kw: "tcp-request content", in: inNamed, src: "tcp-request content set-var(txn.x) res.payload(0,1)", err: "t.cfg:2: 'tcp-request content': 'set-var(txn.x)': sample fetch <res.payload(0,1)> may not be reliably used here because it needs 'response buffer' which is not available here"},
		kwCase{kw: "tcp-response content", in: inBE, name: "request payload warns", src: "tcp-response content reject if { payload(0,1) -m found }", warn: "t.cfg:2: anonymous acl will never match in 'tcp-response content' because it uses keyword 'payload' which is incompatible with 'backend tcp-response content rule'"},
		kwCase{kw: "tcp-request content", in: inNamed, src: "tcp-request content reject if { path /x }", check: tcpRuleCount(TCPRequestContentRules, 1)},
		kwCase{kw: "tcp-response content", in: inBE, src: "tcp-response content close if { src 1.2.3.4 }", check: tcpRuleCount(TCPResponseContentRules, 1)},
		kwCase{kw: "tcp-response content", in: []Section{SecFrontend}, src: "tcp-response content accept", err: "t.cfg:2: 'tcp-response content': tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name"},
		kwCase{kw: "tcp-request content", in: inNamed, src: "tcp-request content close", err: "t.cfg:2: 'tcp-request content': 'tcp-request content' expects ..."},
		kwCase{kw: "tcp-request inspect-delay", in: inNamed, src: "tcp-request inspect-delay 5s", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "InspectDelay", px.TCP.InspectDelay, 5*time.Second)
		}},
		kwCase{kw: "tcp-request inspect-delay", in: inNamed, src: "tcp-request inspect-delay soon", err: "t.cfg:2: 'tcp-request inspect-delay': 'tcp-request inspect-delay' expects a positive delay in milliseconds, in ..."},
		kwCase{kw: "tcp-request inspect-delay", in: []Section{SecDefaults}, src: "tcp-request inspect-delay 1s", err: "t.cfg:2: 'tcp-request inspect-delay': tcp-request inspect-delay is not allowed in anonymous 'defaults' sections"},
		kwCase{kw: "tcp-response inspect-delay", in: inBE, src: "tcp-response inspect-delay 2s", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "ResponseInspectDelay", px.TCP.ResponseInspectDelay, 2*time.Second)
		}},
		kwCase{kw: "tcp-response inspect-delay", in: []Section{SecFrontend, SecDefaults}, src: "tcp-response inspect-delay 2s", err: "t.cfg:2: 'tcp-response inspect-delay': ..."},
		kwCase{kw: "tcp-response inspect-delay", in: inBE, src: "tcp-response inspect-delay", err: "t.cfg:2: 'tcp-response inspect-delay': 'tcp-response inspect-delay' expects a positive delay in milliseconds, in ..."},
		kwCase{kw: "tcp-request", in: inAll, src: "tcp-request", err: "t.cfg:2: 'tcp-request': missing argument for 'tcp-request' in ..."},
		kwCase{kw: "tcp-request", in: inAll, src: "tcp-request foo", err: "t.cfg:2: 'tcp-request': 'tcp-request' expects 'inspect-delay', 'connection', 'session' or 'content' in ..."},
		kwCase{kw: "tcp-response", in: inAll, src: "tcp-response foo", err: "t.cfg:2: 'tcp-response': 'tcp-response' expects 'inspect-delay' or 'content' in ..."},
	)
	ul := "userlist L\n user u insecure-password p\n"
	cases = append(cases,
		kwCase{kw: "http-request auth", in: inNamed, pre: ul, src: "mode http\nhttp-request auth realm Private unless { http_auth(L) }", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "realm", px.HTTPRequest[0].Args.(*AuthArgs).Realm, "Private")
		}},
		kwCase{kw: "http-request auth", in: inNamed, pre: ul, src: "mode http\nhttp-request auth if !{ http_auth_group(L) admins }", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "realm", px.HTTPRequest[0].Args.(*AuthArgs).Realm, "")
		}},
		kwCase{kw: "http-request auth", in: inNamed, src: "http-request auth realm", err: "t.cfg:2: 'http-request auth': missing realm value"},
		kwCase{kw: "http-request auth", in: inNamed, src: "http-request auth unless { http_auth(nope) }", err: "t.cfg:2: unable to find userlist 'nope'"},
	)
	for _, kw := range []string{"errorloc", "errorloc302", "errorloc303"} {
		kw := kw
		cases = append(cases,
			kwCase{kw: kw, in: inAll, src: kw + " 503 https://example.com/down", check: func(t *testing.T, _ *Config, px *Proxy) {
				want := 302
				if kw == "errorloc303" {
					want = 303
				}
				eq(t, "status", px.ErrorFiles[503].Status(), want)
			}},
			kwCase{kw: kw, in: inAll, src: kw + " 302 /x", err: "t.cfg:2: '" + kw + "': " + kw + " : status code '302' not handled."},
			kwCase{kw: kw, in: inAll, src: kw + " 503", err: "t.cfg:2: '" + kw + "': " + kw + " : expects <status_code> and <url> as arguments."},
		)
	}
	cases = append(cases,
		kwCase{kw: "timeout tarpit", in: inAll, src: "timeout tarpit 3s", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Tarpit", px.Timeouts.Tarpit, 3*time.Second)
		}},
		kwCase{kw: "timeout tarpit", in: inAll, src: "timeout tarpit", err: "t.cfg:2: 'timeout tarpit': ..."},
		kwCase{kw: "http-request tarpit", in: inNamed, src: "mode http\nhttp-request tarpit deny_status 429 if { path /x }", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "status", px.HTTPRequest[0].Status, 429)
			eq(t, "error file", px.HTTPRequest[0].UseErrorFile, true)
		}},
		kwCase{kw: "http-request tarpit", in: inNamed, src: "http-request tarpit deny_status 99", err: "t.cfg:2: 'http-request tarpit': ..."},
	)
	return cases
}

func TestUserlistSection(t *testing.T) {
	cfg, _, errs := load(t, `userlist L
 group admins users alice,bob
 group staff
 user alice password $6$k6y3o.eP$r9Sz9CmJmZ9d2I0iVUtMU97TAuPb.wxBMcQXnJYBdOXM8ke4KBoMm/av4oCeolTx/yufUnlpDOROuxGqD6sb41
 user bob insecure-password pw groups staff
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	l := Userlists(&cfg.Global)["L"]
	if l == nil || !l.Check("alice", []byte("alicepw")) || !l.Check("bob", []byte("pw")) {
		t.Fatal("userlist L")
	}
	eq(t, "bob's groups", strings.Join(l.Groups("bob"), ","), "staff,admins")
	for src, want := range map[string]string{
		"userlist L\n user a insecure-password x\nuserlist L\n":                  "t.cfg:3: 'userlist': userlist 'L' already exists",
		"userlist L\n user a insecure-password x groups g\n":                     "t.cfg:2: 'userlist': userlist 'L': user 'a' belongs to unknown group 'g'",
		"userlist L\n group g users a\n":                                         "t.cfg:2: 'userlist': userlist 'L': no such user 'a' in group 'g'",
		"userlist L\n user a password $1$abc$def\n":                              "t.cfg:2: 'user': password hash of user 'a' is of a kind not supported yet by switchyard (only $5$, $6$ and $2a$/$2b$/$2y$)",
		"userlist L\n user a insecure-password x\n user a insecure-password y\n": "t.cfg:3: 'user': user 'a' already exists in userlist 'L'",
		"userlist L\n user a colour blue\n":                                      "t.cfg:2: 'user': unexpected argument 'colour', expects 'password', 'insecure-password' or 'groups'",
	} {
		_, _, errs := load(t, src)
		found := false
		for _, e := range errs {
			found = found || e.Error() == want
		}
		if !found {
			t.Errorf("%q: got %v, want %q", src, errs, want)
		}
	}
}

// TestTCPRulesNamedDefaults: a named defaults section's tcp rules come
// before the proxy's own, and the defaults keep theirs.
func TestTCPRulesNamedDefaults(t *testing.T) {
	cfg, _, errs := load(t, `defaults d
 mode tcp
 tcp-request connection reject if { src 10.0.0.1 }
 tcp-request content accept
 tcp-request inspect-delay 1s
frontend a from d
 bind :8080
 tcp-request connection accept
frontend b from d
 bind :8081
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	a, b := cfg.Proxies[0], cfg.Proxies[1]
	eq(t, "a connection rules", len(a.TCP.Connection), 2)
	eq(t, "b connection rules", len(b.TCP.Connection), 1)
	eq(t, "a first rule line", a.TCP.Connection[0].Pos.Line, 3)
	eq(t, "b content rules", len(b.TCP.Content), 1)
	eq(t, "b inspect-delay", b.TCP.InspectDelay, time.Second)
}

func TestAcceptProxyBindOption(t *testing.T) {
	cfg, _, errs := load(t, "frontend f\n bind :8080 accept-proxy\n bind :8081\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b := cfg.Proxies[0].Binds
	if !AcceptProxy(b[0]) || AcceptProxy(b[1]) {
		t.Errorf("accept-proxy: %v %v", AcceptProxy(b[0]), AcceptProxy(b[1]))
	}
}
