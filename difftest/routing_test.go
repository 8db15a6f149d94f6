package difftest

import "testing"

// routing sends each kind of request to its own backend, whose one server
// (s1..s8) tells by name which rule matched; the order of the rules is part
// of what is tested.
const routing = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    acl is_api path_beg /api
    acl host_ex hdr(host) -i example.com
    acl host_org hdr_end(host) -i .example.org
    acl png path_reg ^/img/[^/]+\.png$
    acl is_post method POST
    acl local src 127.0.0.0/8
    acl other_net src 10.0.0.0/8
    acl from_two src 127.0.0.2
    http-request return status 200 content-type text/plain string ok if { path /healthz }
    http-request return status 200 content-type text/plain lf-string "host=%[req.hdr(host)] path=%[path]" if { path /lf }
    http-request return status 201 content-type application/json hdr x-a 1 hdr x-b "two words" string "{}" if { path /hdr }
    http-request return status 404 if { path /empty }
    http-request deny if { path_beg /admin }
    http-request deny deny_status 429 if { path_beg /slow }
    http-request deny deny_status 503 if { path_beg /down }
    use_backend api if is_api
    use_backend ex if host_ex !is_post
    use_backend org if host_org || png
    use_backend post if is_post other_net || is_post { path_end .json }
    use_backend anon if { hdr(x-route) -m str anon }
    use_backend two if from_two
    use_backend notlocal if !local
    default_backend def

backend def
    server s1 "127.0.0.1:${S1_PORT}"
backend api
    server s2 "127.0.0.1:${S2_PORT}"
backend ex
    server s3 "127.0.0.1:${S3_PORT}"
backend org
    server s4 "127.0.0.1:${S4_PORT}"
backend post
    server s5 "127.0.0.1:${S5_PORT}"
backend anon
    server s6 "127.0.0.1:${S6_PORT}"
backend notlocal
    server s7 "127.0.0.1:${S7_PORT}"
backend two
    server s8 "127.0.0.1:${S8_PORT}"
`

func TestRouting(t *testing.T) {
	r := func(name, req string) tcase { return tcase{name: name, cfg: routing, req: req, exact: true} }
	g := func(path, host string) string { return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n" }
	runCases(t, []tcase{
		r("default", g("/", "a")),
		r("path-beg", g("/api/x", "a")),
		r("path-beg-prefix-only", g("/apix", "a")),
		r("path-beg-case", g("/API/x", "a")),
		r("path-beg-query-ignored", g("/?/api", "a")),
		r("host-ignore-case", g("/", "EXAMPLE.com")),
		r("host-with-port", g("/", "example.com:80")),
		r("host-absolute-uri", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		r("host-not-post", "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"),
		r("host-end", g("/", "www.Example.ORG")),
		r("host-end-needs-dot", g("/", "example.org")),
		r("path-reg", g("/img/a.png", "a")),
		r("path-reg-no-match", g("/img/a/b.png", "a")),
		r("or-and-anonymous", "POST /x.json HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"),
		r("post-other", "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
		r("anonymous-header", "GET / HTTP/1.1\r\nHost: a\r\nX-Route: anon\r\n\r\n"),
		r("anonymous-header-case", "GET / HTTP/1.1\r\nHost: a\r\nX-Route: ANON\r\n\r\n"),
		r("no-host", "GET / HTTP/1.0\r\n\r\n"),
		{name: "src", cfg: routing, exact: true, steps: []step{{src: "127.0.0.2", send: g("/", "a"), read: 1}}},
		{name: "src-other", cfg: routing, exact: true, steps: []step{{src: "127.0.0.3", send: g("/", "a"), read: 1}}},
		r("return-string", g("/healthz", "a")),
		r("return-string-query", g("/healthz?full=1", "a")),
		{name: "return-string-head", cfg: routing, exact: true, head: true, req: "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n"},
		r("return-string-http10", "GET /healthz HTTP/1.0\r\n\r\n"),
		r("return-lf-string", g("/lf", "lf.example")),
		r("return-hdr", g("/hdr", "a")),
		r("return-no-body", g("/empty", "a")),
		{name: "return-keep-alive", cfg: routing, exact: true, steps: []step{
			{send: g("/healthz", "a"), read: 1},
			{send: g("/", "a"), read: 1},
		}},
		{name: "return-with-request-body", cfg: routing, exact: true,
			req: "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
		r("deny-default", g("/admin", "a")),
		r("deny-status-429", g("/slow", "a")),
		r("deny-status-503", g("/down", "a")),
		r("deny-http10", "GET /admin HTTP/1.0\r\n\r\n"),
		{name: "deny-with-body-pending", cfg: routing, exact: true,
			req: "POST /admin HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
	})
}

func TestErrorFiles(t *testing.T) {
	const page503 = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncache-control: no-cache\r\ncontent-length: 6\r\n\r\nsorry\n"
	const page403 = "HTTP/1.1 403 Forbidden\r\ncontent-type: text/html\r\ncontent-length: 11\r\n\r\n<p>no</p>\r\n"
	files := map[string]string{"503.http": page503, "403.http": page403}
	runCases(t, []tcase{
		{name: "errorfile-503-in-backend", files: files, exact: true, req: get, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    errorfile 503 "${DIR}/503.http"
`},
		{name: "errorfile-503-in-frontend", files: files, exact: true, req: get, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    errorfile 503 "${DIR}/503.http"
    default_backend be

backend be
`},
		{name: "errorfile-503-in-defaults", files: files, exact: true, req: get, full: true,
			cfg: prelude[:len(prelude)-1] + "    errorfile 503 \"${DIR}/503.http\"\n\n" + `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
`},
		{name: "errorfile-403-for-deny", files: files, exact: true, req: get, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    errorfile 403 "${DIR}/403.http"
    http-request deny
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`},
		{name: "errorfile-503-for-deny-status", files: files, exact: true, req: get, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    errorfile 503 "${DIR}/503.http"
    http-request deny deny_status 503
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`},
	})
}
