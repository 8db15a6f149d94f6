package difftest

import (
	"strings"
	"testing"
)

// The rewriting actions of http-request, http-response and
// http-after-response, the redirect keyword and tune.maxrewrite: what the
// origin receives and what the client gets back must be haproxy's, byte for
// byte.

const dupHdrs = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h.example\r\nX-A: one\r\nX-Keep: k\r\nx-a: two\r\nX-Drop-1: d\r\nX-Other-Drop: d\r\n\r\n"

func TestRequestHeaderActions(t *testing.T) {
	runCases(t, []tcase{
		{name: "set-header-replaces-all", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-header X-A \"v %[req.hdr(x-keep)] %[src]\"\n")},
		{name: "set-header-empty-value", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-header X-Empty \"%[var(txn.none)]\"\n")},
		{name: "add-header-keeps-others", exact: true, req: dupHdrs,
			cfg: withFE("    http-request add-header X-A three\n    http-request add-header X-New \"%[method] %[path]\"\n")},
		{name: "del-header-exact", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header x-A\n")},
		{name: "del-header-beg", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header x-d -m beg\n")},
		{name: "del-header-end", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header DROP -m end\n")},
		{name: "del-header-sub", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header drop -m sub\n")},
		{name: "del-header-reg", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header ^x-.*drop -m reg\n")},
		{name: "del-header-str", exact: true, req: dupHdrs,
			cfg: withFE("    http-request del-header x-keep -m str\n")},
		{name: "replace-header-groups", exact: true,
			req: "GET / HTTP/1.1\r\nHost: a\r\nCookie: foo=bar; baz=qux\r\nCookie: other=1\r\n\r\n",
			cfg: withFE("    http-request replace-header Cookie foo=([^;]*);(.*) foo=\\1;ip=%[src];\\2\n")},
		{name: "replace-header-whole-value", exact: true,
			req: "GET / HTTP/1.1\r\nHost: a\r\nX-Id: abc, def\r\n\r\n",
			cfg: withFE("    http-request replace-header X-Id b new\n")},
		{name: "replace-header-hex-and-escapes", exact: true,
			req: "GET / HTTP/1.1\r\nHost: a\r\nX-Id: abc\r\n\r\n",
			cfg: withFE("    http-request replace-header X-Id (b) <\\x41\\1\\q\\9>\n")},
		{name: "replace-value-each-element", exact: true,
			req: "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.1.2.3, 192.168.0.1 ,10.9.9.9\r\nX-Forwarded-For: 8.8.8.8\r\n\r\n",
			cfg: withFE("    http-request replace-value X-Forwarded-For ^10\\.(.*)$ ten.\\1\n")},
		{name: "replace-value-quoted-and-empty", exact: true,
			req: "GET / HTTP/1.1\r\nHost: a\r\nX-L: \"a,b\", c,,d,\r\n\r\n",
			cfg: withFE("    http-request replace-value X-L ^$ E\n    http-request replace-value X-L c C\n")},
		{name: "header-actions-in-backend", exact: true, req: dupHdrs,
			cfg: withBoth("    http-request set-header X-Fe 1\n", "    http-request set-header X-Be \"%[req.hdr(x-fe)]\"\n    http-request del-header x-a\n")},
	})
}

func TestRequestLineActions(t *testing.T) {
	abs := "GET http://h.example:8080/p/q?k=v HTTP/1.1\r\nHost: h.example:8080\r\n\r\n"
	runCases(t, []tcase{
		{name: "set-path-keeps-query", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-path /new%[path]\n")},
		{name: "set-path-absolute-uri", exact: true, req: abs,
			cfg: withFE("    http-request set-path /z\n")},
		{name: "set-pathq", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-pathq /n?q=1\n")},
		{name: "set-query", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-query \"%[query]&z=3\"\n")},
		{name: "set-query-adds-mark", exact: true, req: get,
			cfg: withFE("    http-request set-query a=1\n")},
		{name: "set-query-empty", exact: true, req: get + dupHdrs, n: 2,
			cfg: withFE("    http-request set-query \"%[var(txn.none)]\"\n")},
		{name: "set-uri", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-uri /u%[url]\n")},
		{name: "set-uri-absolute-no-host", exact: true, anyConn: true, req: "GET / HTTP/1.1\r\nHost: a\r\nX-U: http://\r\n\r\n",
			cfg: withFE("    http-request set-uri %[req.hdr(x-u)]\n")},
		{name: "set-uri-absolute-sets-host", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-uri http://other.example:81/x\n")},
		{name: "set-method", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-method POST\n")},
		{name: "set-method-format", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-method X%[req.hdr(x-keep)]\n")},
		{name: "replace-path", exact: true, req: dupHdrs,
			cfg: withFE("    http-request replace-path /a/(.*) /x/\\1/y\n")},
		{name: "replace-path-no-match", exact: true, req: dupHdrs,
			cfg: withFE("    http-request replace-path ^/nomatch /x\n")},
		{name: "replace-pathq", exact: true, req: dupHdrs,
			cfg: withFE("    http-request replace-pathq ^(.*)\\?(.*)$ \\1/q/\\2\n")},
		{name: "replace-uri-absolute", exact: true, req: abs,
			cfg: withFE("    http-request replace-uri ^http://([^/]*)(.*) \\2?h=\\1\n")},
		{name: "rules-see-earlier-rewrites", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-path /changed\n    http-request set-header X-Path %[path]\n    http-request deny if { path /changed }\n")},
	})
}

func TestVarActions(t *testing.T) {
	show := "    http-request set-header X-V \"a=%[var(txn.a)] b=%[var(txn.b)] n=%[var(txn.n)]\"\n"
	runCases(t, []tcase{
		{name: "set-var-and-fmt", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-var(txn.a) req.hdr(x-keep),upper\n    http-request set-var-fmt(txn.b) \"%[var(txn.a)]-%[method]\"\n    http-request set-var(txn.n) int(7)\n" + show)},
		{name: "unset-var", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-var(txn.a) str(x)\n    http-request unset-var(txn.a)\n" + show)},
		{name: "set-var-missing-fetch-keeps-old", exact: true, req: dupHdrs,
			cfg: withFE("    http-request set-var(txn.a) str(x)\n    http-request set-var(txn.a) req.hdr(x-none)\n" + show)},
		{name: "set-var-conditions", exact: true, req: dupHdrs,
			cfg: withFE(`    http-request set-var(txn.a,ifexists) str(no)
    http-request set-var(txn.a,ifnotexists) str(first)
    http-request set-var(txn.a,ifnotexists) str(second)
    http-request set-var(txn.b,ifnotempty) str()
    http-request set-var(txn.b) str(kept)
    http-request set-var(txn.b,ifempty) str()
    http-request set-var(txn.n) int(5)
    http-request set-var(txn.n,ifgt) int(9)
    http-request set-var(txn.n,ifgt) int(3)
    http-request set-var(txn.n,iflt) int(1)
` + show)},
		{name: "var-scopes-across-sections", exact: true, req: dupHdrs,
			cfg: withBoth("    http-request set-var(sess.s) str(sess)\n    http-request set-var(req.r) str(req)\n",
				"    http-request set-header X-S \"%[var(sess.s)] %[var(req.r)]\"\n")},
		{name: "set-var-in-response", exact: true, req: get,
			cfg:     withFE("    http-request set-var(txn.m) method\n    http-response set-var(txn.s) status\n    http-response set-header X-R \"%[var(txn.m)] %[var(txn.s)]\"\n"),
			replies: []reply{raw200("ok")}},
	})
}

func TestRedirectActions(t *testing.T) {
	post := "POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"
	runCases(t, []tcase{
		{name: "redirect-location-default-302", exact: true, req: dupHdrs + get, n: 2,
			cfg: withFE("    http-request redirect location /new%[path] if { path_beg /a }\n")},
		{name: "redirect-codes", exact: true,
			req: "GET /301 HTTP/1.1\r\nHost: h\r\n\r\nGET /303 HTTP/1.1\r\nHost: h\r\n\r\nGET /307 HTTP/1.1\r\nHost: h\r\n\r\nGET /308 HTTP/1.1\r\nHost: h\r\n\r\n", n: 4,
			cfg: withFE("    http-request redirect location /x code 301 if { path /301 }\n    http-request redirect location /x code 303 if { path /303 }\n    http-request redirect location /x code 307 if { path /307 }\n    http-request redirect location /x code 308 if { path /308 }\n")},
		{name: "redirect-prefix-drop-query-append-slash", exact: true, req: dupHdrs,
			cfg: withFE("    http-request redirect prefix https://b.example drop-query append-slash\n")},
		{name: "redirect-prefix-slash-is-self", exact: true, req: dupHdrs,
			cfg: withFE("    http-request redirect prefix / code 301\n")},
		{name: "redirect-scheme", exact: true, req: dupHdrs,
			cfg: withFE("    http-request redirect scheme https\n")},
		{name: "redirect-scheme-absolute-uri", exact: true,
			req: "GET http://h.example/p?a=1 HTTP/1.1\r\nHost: h.example\r\n\r\n",
			cfg: withFE("    http-request redirect scheme https drop-query\n")},
		{name: "redirect-cookies", exact: true, req: get + get, n: 2,
			cfg: withFE("    http-request redirect location /s set-cookie SEEN=1 if { req.hdr(x-none) -m found }\n    http-request redirect location /c clear-cookie OLD= code 301\n")},
		{name: "redirect-http10", exact: true, req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			cfg: withFE("    http-request redirect location /x\n")},
		{name: "redirect-head", exact: true, req: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", head: true,
			cfg: withFE("    http-request redirect location /x\n")},
		{name: "redirect-body-not-received-closes", exact: true, req: post,
			cfg: withFE("    http-request redirect location /x\n")},
		{name: "redirect-ignore-empty", exact: true, req: get,
			cfg: withFE("    http-request redirect location \"%[var(txn.none)]\" ignore-empty\n    http-request set-header X-After 1\n")},
		{name: "redirect-in-backend", exact: true, req: get,
			cfg: withBE("    http-request redirect location /be\n")},
		{name: "response-redirect", exact: true, req: get + get, n: 2,
			cfg:     withBE("    http-response redirect location /moved-%[status] code 301 if { status 404 }\n"),
			replies: []reply{rawReply("HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\n\r\nnope"), raw200("ok")}},
		// The proxy keyword: literal strings, after the http-request rules
		// (an allow does not skip it), before use_backend.
		{name: "redirect-keyword-after-allow", exact: true, req: dupHdrs,
			cfg: withFE("    http-request allow\n    redirect location /x%[path] code 307\n")},
		{name: "redirect-keyword-after-rules", exact: true, warns: true, req: dupHdrs + get, n: 2,
			cfg: withFE("    redirect prefix https://p.example if { req.hdr(x-keep) -m found }\n    http-request set-header X-Keep changed\n")},
		{name: "redirect-keyword-scheme", exact: true, req: dupHdrs,
			cfg: withFE("    redirect scheme https code 301 if { req.hdr(host) -m found }\n")},
		{name: "redirect-keyword-in-backend", exact: true, req: dupHdrs,
			cfg: withBE("    redirect location /from-be set-cookie A=b\n")},
	})
}

func TestNormalizeURI(t *testing.T) {
	cfg := func(norm string) string {
		return "global\n    nbthread 1\n    expose-experimental-directives\n\n" +
			strings.TrimPrefix(prelude, "global\n    nbthread 1\n\n") +
			withFE("    http-request normalize-uri "+norm+"\n")
	}
	req := func(uri string) string { return "GET " + uri + " HTTP/1.1\r\nHost: h\r\n\r\n" }
	runCases(t, []tcase{
		{name: "merge-slashes", full: true, exact: true, req: req("//a///b/?x=//y"), cfg: cfg("path-merge-slashes")},
		{name: "strip-dot", full: true, exact: true, req: req("/./a/./b/.?x=./"), cfg: cfg("path-strip-dot")},
		{name: "strip-dotdot", full: true, exact: true, req: req("/a/b/../c/../../../d/..?x=/../"), cfg: cfg("path-strip-dotdot")},
		{name: "strip-dotdot-full", full: true, exact: true, req: req("/a/../../d/e/.."), cfg: cfg("path-strip-dotdot full")},
		{name: "sort-query", full: true, exact: true, req: req("/p?b=2&a=1&b=1&c&a=0"), cfg: cfg("query-sort-by-name")},
		{name: "sort-query-trailing-amp", full: true, exact: true, req: req("/?b=1&a=2&a=1&=3&"), cfg: cfg("query-sort-by-name")},
		{name: "sort-query-only-amps", full: true, exact: true, req: req("/?&&"), cfg: cfg("query-sort-by-name")},
		{name: "percent-upper", full: true, exact: true, req: req("/a%2fb%zz%4?x=%3a"), cfg: cfg("percent-to-uppercase")},
		{name: "percent-upper-strict-refuses", full: true, exact: true, req: req("/a%zz"), cfg: cfg("percent-to-uppercase strict")},
		{name: "percent-decode", full: true, exact: true, req: req("/%41%2F%7e%2d%zz?q=%61"), cfg: cfg("percent-decode-unreserved")},
		{name: "percent-decode-strict-refuses", full: true, exact: true, req: req("/%41%"), cfg: cfg("percent-decode-unreserved strict")},
		{name: "fragment-strip", full: true, exact: true, req: req("/a?b"), cfg: cfg("fragment-strip")},
		{name: "fragment-encode", full: true, exact: true, req: req("/a?b"), cfg: cfg("fragment-encode")},
		{name: "absolute-uri-path", full: true, exact: true, req: "GET http://h//a//b HTTP/1.1\r\nHost: h\r\n\r\n", cfg: cfg("path-merge-slashes")},
	})
}

func TestResponseRewriteActions(t *testing.T) {
	srv := raw200("body", "X-A: one", "X-Keep: k", "x-a: two", "X-List: a, b,c", "Set-Cookie: s=1; Path=/")
	runCases(t, []tcase{
		{name: "res-set-header", exact: true, req: get, replies: []reply{srv},
			cfg: withBE("    http-response set-header X-A \"%[res.hdr(x-keep)]-%[status]\"\n")},
		{name: "res-add-del-header", exact: true, req: get, replies: []reply{srv},
			cfg: withFE("    http-response add-header X-New 1\n    http-response del-header x-a\n    http-response del-header set- -m beg\n")},
		{name: "res-replace-header-value", exact: true, req: get, replies: []reply{srv},
			cfg: withFE("    http-response replace-header Set-Cookie (.*)Path=/ \\1Path=/x\n    http-response replace-value X-List ^(b|c)$ <\\1>\n")},
		{name: "res-set-status", exact: true, req: get + get + get, n: 3,
			replies: []reply{srv, raw200("x"), raw200("y")},
			cfg:     withBE("    http-response set-status 404 if { res.hdr(x-keep) -m found }\n    http-response set-status 503 reason \"Go away\" if { res.hdr(content-length) 1 }\n    http-response set-status 299 if { status 200 }\n")},
		{name: "res-set-status-then-rules-see-it", exact: true, req: get, replies: []reply{srv},
			cfg: withBoth("    http-response set-header X-S %[status]\n", "    http-response set-status 201\n")},
		{name: "res-strict-mode-toggle", exact: true, req: get, replies: []reply{srv},
			cfg: withBE("    http-response strict-mode off\n    http-response strict-mode on\n    http-response set-header X-A 1\n")},
	})
}

func TestAfterResponse(t *testing.T) {
	srv := raw200("body", "X-A: one")
	runCases(t, []tcase{
		{name: "after-on-server-response", exact: true, req: get + get, n: 2, replies: []reply{srv, srv},
			cfg: withBoth("    http-after-response set-header X-Fe \"%[res.hdr(x-be)]\"\n",
				"    http-after-response add-header X-Be \"%[status]\"\n    http-after-response del-header x-a\n")},
		{name: "after-runs-after-response-rules", exact: true, req: get, replies: []reply{srv},
			cfg: withFE("    http-after-response set-header X-Seen \"%[res.hdr(x-r)]\"\n    http-response set-header X-R r\n")},
		{name: "after-on-deny", exact: true, req: get + get, n: 2,
			cfg: withFE("    http-request deny if { path / }\n    http-after-response set-header X-After \"%[status]\"\n")},
		{name: "after-on-return-and-set-status", exact: true, req: get,
			cfg: withFE("    http-request return status 200 content-type text/plain string hello hdr X-R r\n    http-after-response set-status 202 reason Made\n    http-after-response replace-header X-R r R\n")},
		{name: "after-on-503", exact: true, req: get,
			cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be
    http-after-response set-header X-Fe 1

backend be
    retries 0
    http-after-response set-header X-Be 1
    server s1 "127.0.0.1:${CLOSED_PORT}"
`},
		{name: "after-on-redirect", exact: true, req: get,
			cfg: withFE("    http-request redirect location /x\n    http-after-response set-header X-After 1\n")},
		{name: "after-on-response-deny", exact: true, req: get, replies: []reply{srv},
			cfg: withBoth("    http-after-response add-header X-Fe 1\n", "    http-response deny\n    http-after-response add-header X-Be 1\n")},
		{name: "after-allow-stops-section", exact: true, warns: true, req: get, replies: []reply{srv},
			cfg: withBoth("    http-after-response add-header X-Fe 1\n", "    http-after-response allow\n    http-after-response add-header X-Never 1\n")},
		{name: "after-head-request", exact: true, req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", head: true,
			cfg: withFE("    http-request return status 200 content-type text/plain string hello\n    http-after-response set-header X-After 1\n")},
		{name: "after-listen-once", exact: true, req: get, replies: []reply{srv},
			cfg: `listen l
    bind "127.0.0.1:${FE_PORT}"
    http-after-response add-header X-Once 1
    server s1 "127.0.0.1:${S1_PORT}"
`},
	})
}

// tune.maxrewrite: a head may fill the buffer but what maxrewrite keeps
// free; rewrites may then use that room and no more. A rewrite that does not
// fit fails the transaction with a 500, unless strict-mode is off.
func TestMaxRewrite(t *testing.T) {
	cfg := func(fe string) string {
		return `global
    nbthread 1
    tune.bufsize 2048
    tune.maxrewrite 512

defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

` + withFE(fe)
	}
	// The head below takes 8+20+3+1+8 (start line) + 8+4+1 (host) + 8+1
	// (end) = 62 bytes of haproxy's 2000-byte room; a field with a name of
	// 5 and a value of N takes 13+N.
	fill := func(n int) string {
		return "    http-request set-header X-Big \"%[str(" + strings.Repeat("a", n) + ")]\"\n"
	}
	runCases(t, []tcase{
		{name: "rewrite-fits-exactly", exact: true, req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", full: true,
			cfg: cfg(fill(2000 - 62 - 13))},
		{name: "rewrite-one-byte-too-many", exact: true, req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n" + get, full: true,
			cfg: cfg(fill(2000 - 62 - 13 + 1))},
		{name: "rewrite-too-many-soft", exact: true, req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", full: true,
			cfg: cfg("    http-request strict-mode off\n" + fill(2000) + "    http-request set-header X-Small s\n")},
		{name: "strict-mode-back-on", exact: true, req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", full: true,
			cfg: cfg("    http-request strict-mode off\n    http-request strict-mode on\n" + fill(2000))},
		{name: "rewrite-set-path-too-long", exact: true, req: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", full: true,
			cfg: cfg("    http-request set-path \"/%[str(" + strings.Repeat("p", 1990) + ")]\"\n")},
		{name: "response-rewrite-too-long", exact: true, req: get, full: true, replies: []reply{raw200("ok")},
			cfg: cfg("    http-response set-header X-Big \"%[str(" + strings.Repeat("r", 2000) + ")]\"\n")},
		{name: "after-rewrite-too-long", exact: true, req: get, full: true, replies: []reply{raw200("ok")},
			cfg: cfg("    http-after-response set-header X-Big \"%[str(" + strings.Repeat("r", 2000) + ")]\"\n")},
	})
}

// A body buffered whole (option http-buffer-request) fills the buffer up
// to maxrewrite's reserve when it came: rewrites after it may use that
// reserve and no more, whatever they add to the head.
func TestMaxRewriteBufferedBody(t *testing.T) {
	cfg := func(fe string) string {
		return `global
    nbthread 1
    tune.bufsize 2048
    tune.maxrewrite 128

defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s
    option http-buffer-request

` + withFE(fe)
	}
	v := strings.Repeat("1234567890", 6)
	req := "GET /r HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("b", 2000)
	runCases(t, []tcase{
		{name: "reserve-fits", exact: true, full: true, req: req, cfg: cfg("    http-request set-header x-hdr1 " + v + "\n")},
		{name: "reserve-exceeded", exact: true, full: true, req: req, cfg: cfg("    http-request set-header x-hdr1 " + v + "\n    http-request set-header x-hdr2 " + v + "\n")},
		{name: "reserve-shared-with-backend", exact: true, full: true, req: req,
			cfg: strings.Replace(cfg("    http-request set-header x-hdr1 "+v+"\n"), "\nbackend be\n", "\nbackend be\n    http-request set-header x-hdr3 "+v+"\n", 1)},
		{name: "response-reserve-fits", exact: true, full: true, req: get, replies: []reply{raw200(strings.Repeat("r", 2000))},
			cfg: strings.Replace(cfg(""), "\nbackend be\n", "\nbackend be\n    http-response set-header x-hdr1 "+v+"\n", 1)},
		{name: "response-reserve-exceeded", exact: true, full: true, req: get, replies: []reply{raw200(strings.Repeat("r", 2000))},
			cfg: strings.Replace(cfg(""), "\nbackend be\n", "\nbackend be\n    http-response set-header x-hdr1 "+v+"\n    http-response set-header x-hdr2 "+v+"\n", 1)},
		{name: "reserve-exceeded-soft", exact: true, full: true, req: req, cfg: cfg("    http-request strict-mode off\n    http-request set-header x-hdr1 " + v + "\n    http-request set-header x-hdr2 " + v + "\n")},
	})
}

// http-request reject closes the connection unanswered.
func TestHTTPRequestReject(t *testing.T) {
	runCases(t, []tcase{
		{name: "reject", cfg: withFE("    http-request reject if { path /r }\n"),
			steps: []step{{send: get, read: 1}, {send: "GET /r HTTP/1.1\r\nHost: a\r\n\r\n", read: 1}}},
		{name: "reject-in-backend", cfg: withBE("    http-request reject\n"), req: get},
	})
}
