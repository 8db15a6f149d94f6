package config

import (
	"testing"
)

// Keyword cases of the rewriting actions (kw_rewrite.go). Refusals were
// checked against `haproxy -c` 2.6: the text after the keyword is
// haproxy's, except where a comment says otherwise.

func init() {
	for _, kw := range []string{"reqrep", "cliexp", "reqirep", "reqdel", "reqidel", "reqdeny", "reqideny",
		"reqpass", "reqipass", "reqallow", "reqiallow", "reqtarpit", "reqitarpit", "reqadd", "rsprep",
		"srvexp", "rspirep", "rspdel", "rspidel", "rspdeny", "rspideny", "rspadd", "block"} {
		for _, sec := range []string{"defaults", "frontend", "backend", "listen"} {
			noAccept[kw+"@"+sec] = "removed in haproxy 2.1: always refused"
		}
	}
}

func lastRule(t *testing.T, rules []*HTTPRule) *HTTPRule {
	t.Helper()
	if len(rules) == 0 {
		t.Fatal("no rule")
	}
	return rules[len(rules)-1]
}

func rewriteCases() []kwCase {
	const m = "mode http\n"
	var cases []kwCase
	hdr := func(set, name, ok string, kind HeaderOpKind, bad, err string) {
		cases = append(cases,
			kwCase{kw: set + " " + name, in: inNamed, src: m + set + " " + name + " " + ok, check: func(t *testing.T, _ *Config, px *Proxy) {
				var rules []*HTTPRule
				switch set {
				case "http-request":
					rules = px.HTTPRequest
				case "http-response":
					rules = px.HTTPResponse
				default:
					rules = px.HTTPAfterResponse
				}
				op, _ := lastRule(t, rules).Args.(*HeaderOp)
				if op == nil || op.Kind != kind {
					t.Fatalf("Args: %#v", lastRule(t, rules).Args)
				}
			}},
			kwCase{kw: set + " " + name, in: inNamed, src: m + set + " " + name + " " + bad, err: "t.cfg:3: '" + set + " " + name + "': " + err})
	}
	for _, set := range []string{"http-request", "http-response", "http-after-response"} {
		hdr(set, "set-header", "X-A \"%[src] x\" if TRUE", HdrSet, "X-A", "expects exactly 2 arguments")
		hdr(set, "add-header", "X-A v", HdrAdd, "X-A %[nosuch]", "failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'")
		hdr(set, "del-header", "X-A -m beg", HdrDel, "X -m foo", "-m with unsupported matching method 'foo'")
		hdr(set, "replace-header", "X-A (.*) \\1", HdrReplace, "X-A a", "expects exactly 3 arguments")
		hdr(set, "replace-value", "X-A ^a$ b", HdrReplaceValue, "X-A ( b", "regex '(' is invalid (error=missing closing ) at '(')") // haproxy: PCRE's wording
		for _, v := range []string{"set-var", "set-var-fmt", "unset-var"} {
			ok := "(txn.x) str(a)"
			switch v {
			case "set-var-fmt":
				ok = "(txn.x,ifnotexists) \"a %[src]\""
			case "unset-var":
				ok = "(txn.x)"
			}
			cases = append(cases,
				kwCase{kw: set + " " + v, in: inNamed, src: m + set + " " + v + ok, check: func(t *testing.T, _ *Config, px *Proxy) {
					rules := px.HTTPRequest
					if set == "http-response" {
						rules = px.HTTPResponse
					} else if set == "http-after-response" {
						rules = px.HTTPAfterResponse
					}
					op, _ := lastRule(t, rules).Args.(*VarOp)
					if op == nil || op.Ref.Name != "x" || op.Unset != (v == "unset-var") {
						t.Fatalf("Args: %#v", lastRule(t, rules).Args)
					}
				}},
				kwCase{kw: set + " " + v, in: inNamed, src: m + set + " " + v, err: "t.cfg:3: '" + set + " " + v + "': invalid or incomplete action '" + v + "'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"})
		}
		cases = append(cases,
			kwCase{kw: set + " strict-mode", in: inNamed, src: m + set + " strict-mode OFF", check: func(t *testing.T, _ *Config, px *Proxy) {
				rules := append(append(append([]*HTTPRule(nil), px.HTTPRequest...), px.HTTPResponse...), px.HTTPAfterResponse...)
				if op, _ := lastRule(t, rules).Args.(*StrictModeOp); op == nil || op.On {
					t.Fatalf("Args: %#v", lastRule(t, rules).Args)
				}
			}},
			kwCase{kw: set + " strict-mode", in: inNamed, src: m + set + " strict-mode maybe", err: "t.cfg:3: '" + set + " strict-mode': Unexpected value 'maybe'. Only 'on' and 'off' are supported"},
			kwCase{kw: set + " strict-mode", in: inNamed, src: m + set + " strict-mode", err: "t.cfg:3: '" + set + " strict-mode': expects exactly 1 arguments"},
		)
	}
	cases = append(cases,
		kwCase{kw: "http-request set-var", in: []Section{SecFrontend}, src: m + "http-request set-var(txn.x,foo) str(a)", err: "t.cfg:3: 'http-request set-var': unknown condition \"foo\""},
		kwCase{kw: "http-request set-var", in: []Section{SecFrontend}, src: m + "http-request set-var(txn.x)", err: "t.cfg:3: 'http-request set-var': missing fetch method"},
		kwCase{kw: "http-request set-var", in: []Section{SecFrontend}, src: m + "http-request set-var(foo) str(a)", err: "t.cfg:3: 'http-request set-var': invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'"},
		kwCase{kw: "http-request set-var", in: []Section{SecFrontend}, src: m + "http-request set-var(txn.x str(a)", err: "t.cfg:3: 'http-request set-var': incomplete argument after action 'set-var(txn.x'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"},
		kwCase{kw: "http-request unset-var", in: []Section{SecFrontend}, src: m + "http-request unset-var(txn.x,ifexists)", err: "t.cfg:3: 'http-request unset-var': unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions"},
		kwCase{kw: "http-request set-var-fmt", in: []Section{SecFrontend}, name: "missing format is empty", src: m + "http-request set-var-fmt(txn.x)"},
		// haproxy names the source ("HTTP request headers"); the reason is ours.
		kwCase{kw: "http-response set-var", in: []Section{SecFrontend}, src: m + "http-response set-var(txn.x) req.hdr(host)", err: "t.cfg:3: 'http-response set-var': ..."},
		kwCase{kw: "http-request del-header", in: []Section{SecFrontend}, src: m + "http-request del-header", err: "t.cfg:3: 'http-request del-header': expects at least 1 argument"},
		kwCase{kw: "http-request del-header", in: []Section{SecFrontend}, src: m + "http-request del-header x -m", err: "t.cfg:3: 'http-request del-header': -m flag expects exactly 1 argument"},
		kwCase{kw: "http-after-response allow", in: inNamed, src: m + "http-after-response allow if TRUE", check: func(t *testing.T, _ *Config, px *Proxy) {
			eq(t, "Action", lastRule(t, px.HTTPAfterResponse).Action, ActAllow)
		}},
		kwCase{kw: "http-after-response allow", in: inNamed, src: m + "http-after-response allow foo", err: "t.cfg:3: 'http-after-response allow': unexpected argument 'foo' (expects 'if' or 'unless')"},
	)
	line := func(name string, part LinePart, ok, bad, err string, re bool) {
		cases = append(cases,
			kwCase{kw: "http-request " + name, in: inNamed, src: m + "http-request " + name + " " + ok, check: func(t *testing.T, _ *Config, px *Proxy) {
				op, _ := lastRule(t, px.HTTPRequest).Args.(*LineOp)
				if op == nil || op.Part != part || (op.Re != nil) != re {
					t.Fatalf("Args: %#v", lastRule(t, px.HTTPRequest).Args)
				}
			}},
			kwCase{kw: "http-request " + name, in: inNamed, src: m + "http-request " + name + " " + bad, err: "t.cfg:3: 'http-request " + name + "': " + err})
	}
	one := "expects exactly 1 argument <format>"
	two := "expects exactly 2 arguments <match-regex> and <replace-format>"
	line("set-method", PartMethod, "POST", "", one, false)
	line("set-path", PartPath, "/x%[path] if TRUE", "a b", one, false)
	line("set-pathq", PartPathQ, "/x?y", "", one, false)
	line("set-query", PartQuery, "a=%[src]", "", one, false)
	line("set-uri", PartURI, "http://h/x", "", one, false)
	line("replace-path", PartPath, "(.*) /x\\1", "a", two, true)
	line("replace-pathq", PartPathQ, "(.*) /x\\1", "a b c", two, true)
	line("replace-uri", PartURI, "^/(.*) /x/\\1", "( x", "failed to parse the regex : regex '(' is invalid (error=missing closing ) at '(')", true)

	status := func(set string) {
		cases = append(cases,
			kwCase{kw: set + " set-status", in: inNamed, src: m + set + " set-status 404 reason \"Not here\" if TRUE", check: func(t *testing.T, _ *Config, px *Proxy) {
				rules := px.HTTPResponse
				if set == "http-after-response" {
					rules = px.HTTPAfterResponse
				}
				op, _ := lastRule(t, rules).Args.(*StatusOp)
				if op == nil || op.Code != 404 || op.Reason != "Not here" || !op.HasReason {
					t.Fatalf("Args: %#v", lastRule(t, rules).Args)
				}
			}},
			kwCase{kw: set + " set-status", in: inNamed, src: m + set + " set-status 99", err: "t.cfg:3: '" + set + " set-status': expects an integer status code between 100 and 999"},
			kwCase{kw: set + " set-status", in: inNamed, src: m + set + " set-status", err: "t.cfg:3: '" + set + " set-status': expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>"},
		)
	}
	status("http-response")
	status("http-after-response")

	redirect := func(kw, ok string, want RedirectOp, bad, err string) {
		cases = append(cases,
			kwCase{kw: kw, in: inNamed, src: m + kw + " " + ok, check: func(t *testing.T, _ *Config, px *Proxy) {
				var rules []*HTTPRule
				switch kw {
				case "redirect":
					rules = px.Redirects
				case "http-request redirect":
					rules = px.HTTPRequest
				default:
					rules = px.HTTPResponse
				}
				op, _ := lastRule(t, rules).Args.(*RedirectOp)
				if op == nil || op.Type != want.Type || op.Code != want.Code || op.Static != want.Static ||
					op.DropQuery != want.DropQuery || op.AppendSlash != want.AppendSlash || op.Cookie != want.Cookie {
					t.Fatalf("Args: %#v", lastRule(t, rules).Args)
				}
			}},
			kwCase{kw: kw, in: inNamed, src: m + kw + " " + bad, err: "t.cfg:3: '" + kw + "': " + err})
	}
	redirect("http-request redirect", "prefix https://a code 301 drop-query append-slash set-cookie A=1 if TRUE",
		RedirectOp{Type: RedirectPrefix, Code: 301, DropQuery: true, AppendSlash: true, Cookie: "A=1; path=/;"},
		"location /x code 305", "'code': unsupported HTTP code '305' (must be one of 301, 302, 303, 307 or 308)")
	redirect("http-response redirect", "location /x clear-cookie B= ignore-empty",
		RedirectOp{Type: RedirectLocation, Code: 302, Cookie: "B=; path=/; Max-Age=0;"},
		"prefix /x", "response only supports redirect type 'location'")
	redirect("redirect", "scheme https code 308 unless { src 10.0.0.0/8 }",
		RedirectOp{Type: RedirectScheme, Code: 308, Static: "https"},
		"foo", "expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo')")
	cases = append(cases,
		kwCase{kw: "redirect", in: []Section{SecFrontend}, src: m + "redirect", err: "t.cfg:3: 'redirect': redirection type expected ('prefix', 'location', or 'scheme')"},
		kwCase{kw: "redirect", in: []Section{SecFrontend}, src: m + "redirect location", err: "t.cfg:3: 'redirect': missing argument for 'location'"},
		kwCase{kw: "redirect", in: []Section{SecFrontend}, name: "after use_backend warns", src: m + "use_backend b2 if TRUE\nredirect location /x", extra: "backend b2\n mode http\n",
			warn: "t.cfg:4: a 'redirect' rule placed after a 'use_backend' rule will still be processed before."},
		kwCase{kw: "http-request set-header", in: []Section{SecFrontend}, name: "after redirect warns", src: m + "redirect location /x\nhttp-request set-header a b",
			warn: "t.cfg:4: a 'http-request' rule placed after a 'redirect' rule will still be processed before."},
	)

	const exp = "global\n expose-experimental-directives\n"
	for _, n := range []struct {
		word string
		kind Normalizer
		opt  bool
	}{{"path-merge-slashes", NormMergeSlashes, false}, {"path-strip-dot", NormStripDot, false},
		{"path-strip-dotdot full", NormStripDotDot, true}, {"query-sort-by-name", NormSortQuery, false},
		{"percent-to-uppercase strict", NormPercentUpper, true}, {"percent-decode-unreserved", NormPercentDecode, false},
		{"fragment-strip", NormFragmentStrip, false}, {"fragment-encode", NormFragmentEncode, false}} {
		cases = append(cases, kwCase{kw: "http-request normalize-uri", in: inNamed, pre: exp, src: m + "http-request normalize-uri " + n.word, check: func(t *testing.T, _ *Config, px *Proxy) {
			op, _ := lastRule(t, px.HTTPRequest).Args.(*NormalizeOp)
			if op == nil || op.Kind != n.kind || op.Strict != n.opt {
				t.Fatalf("Args: %#v", lastRule(t, px.HTTPRequest).Args)
			}
		}})
	}
	cases = append(cases,
		kwCase{kw: "http-request normalize-uri", in: inNamed, pre: exp, src: m + "http-request normalize-uri foo", err: "t.cfg:5: 'http-request normalize-uri': unknown normalizer 'foo'"},
		kwCase{kw: "http-request normalize-uri", in: []Section{SecFrontend}, pre: exp, src: m + "http-request normalize-uri", err: "t.cfg:5: 'http-request normalize-uri': missing argument <normalizer>"},
		kwCase{kw: "http-request normalize-uri", in: []Section{SecFrontend}, pre: exp, src: m + "http-request normalize-uri path-strip-dotdot x", err: "t.cfg:5: 'http-request normalize-uri': unknown argument 'x' for 'path-strip-dotdot' normalizer"},
		// haproxy: "'http-request normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"
		kwCase{kw: "http-request normalize-uri", in: []Section{SecFrontend}, src: m + "http-request normalize-uri fragment-strip", err: "t.cfg:3: 'http-request normalize-uri': action is experimental, must be allowed via a global 'expose-experimental-directives'"},
		kwCase{kw: "expose-experimental-directives", in: inGlobal, src: "expose-experimental-directives", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "Experimental", c.Global.Experimental, true)
		}},
		kwCase{kw: "expose-experimental-directives", in: inGlobal, src: "expose-experimental-directives on", err: "t.cfg:2: 'expose-experimental-directives': takes no argument"},
	)
	for kw, msg := range map[string]string{
		"reqrep":     "The 'reqrep' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
		"cliexp":     "The 'cliexp' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
		"reqirep":    "The 'reqirep' directive is not supported anymore since HAProxy 2.1. Use 'http-request replace-header' instead.",
		"reqdel":     "The 'reqdel' directive is not supported anymore since HAProxy 2.1. Use 'http-request del-header' instead.",
		"reqidel":    "The 'reqidel' directive is not supported anymore since HAProxy 2.1. Use 'http-request del-header' instead.",
		"reqdeny":    "The 'reqdeny' not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.",
		"reqideny":   "The 'reqideny' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.",
		"reqpass":    "The 'reqpass' not supported anymore since HAProxy 2.1.",
		"reqipass":   "The 'reqipass' directive is not supported anymore since HAProxy 2.1.",
		"reqallow":   "The 'reqallow' directive is not supported anymore since HAProxy 2.1. Use 'http-request allow' instead.",
		"reqiallow":  "The 'reqiallow' directive is not supported anymore since HAProxy 2.1. Use 'http-request allow' instead.",
		"reqtarpit":  "The 'reqtarpit' directive is not supported anymore since HAProxy 2.1. Use 'http-request tarpit' instead.",
		"reqitarpit": "The 'reqitarpit' directive is not supported anymore since HAProxy 2.1. Use 'http-request tarpit' instead.",
		"reqadd":     "The 'reqadd' directive is not supported anymore since HAProxy 2.1. Use 'http-request add-header' instead.",
		"rsprep":     "The 'rsprep' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
		"srvexp":     "The 'srvexp' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
		"rspirep":    "The 'rspirep' directive is not supported anymore since HAProxy 2.1. Use 'http-response replace-header' instead.",
		"rspdel":     "The 'rspdel' directive is not supported anymore since HAProxy 2.1. Use 'http-response del-header' .",
		"rspidel":    "The 'rspidel' directive is not supported anymore since HAProxy 2.1. Use 'http-response del-header' instead.",
		"rspdeny":    "The 'rspdeny' directive is not supported anymore since HAProxy 2.1. Use 'http-response deny' instead.",
		"rspideny":   "The 'rspideny' directive is not supported anymore since HAProxy 2.1. Use 'http-response deny' instead.",
		"rspadd":     "The 'rspadd' directive is not supported anymore since HAProxy 2.1. Use 'http-response add-header' instead.",
		"block":      "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.",
	} {
		cases = append(cases, kwCase{kw: kw, in: inAll, src: kw + " x", err: "t.cfg:2: '" + kw + "': " + msg})
	}
	return cases
}
