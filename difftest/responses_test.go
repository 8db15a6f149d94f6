package difftest

import "testing"

// http-response rules: they run between the server's head and the client,
// read the response (status, res.hdr, and hdr, which means the response
// there), and a rule that answers replaces the server's response.
func TestResponseRules(t *testing.T) {
	const notFound = "HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\n\r\nnope"
	secret := raw200("body", "X-Secret: 1")
	runCases(t, []tcase{
		{name: "deny-on-status-502", exact: true, req: get + get, n: 2,
			cfg:     withBE("    http-response deny if { status 404 }\n"),
			replies: []reply{rawReply(notFound), raw200("ok")}},
		{name: "deny-on-res-hdr-with-status", exact: true, req: get,
			cfg:     withFE("    http-response deny deny_status 403 if { res.hdr(x-secret) -m found }\n"),
			replies: []reply{secret}},
		// The ACL keyword hdr is req.hdr, and the request's head is gone
		// by the time the response comes: haproxy warns that the ACL
		// never matches, and it does not.
		{name: "acl-hdr-is-the-request-header", exact: true, warns: true,
			req:     "GET / HTTP/1.1\r\nHost: a\r\nX-Secret: from-client\r\n\r\n",
			cfg:     withFE("    http-response deny if { hdr(x-secret) -m found }\n"),
			replies: []reply{secret}},
		// The sample fetch hdr, though, reads the response there.
		{name: "sample-hdr-reads-the-response", exact: true,
			req:     "GET / HTTP/1.1\r\nHost: a\r\nX-Secret: from-client\r\n\r\n",
			cfg:     withFE("    http-response return status 200 content-type text/plain lf-string \"%[hdr(x-secret)]/%[res.hdr_cnt(x-secret)]/%[status]\" if { res.hdr(x-secret) -m found }\n"),
			replies: []reply{secret}},
		{name: "return-replaces-response", exact: true, req: get + get, n: 2,
			cfg:     withBE("    http-response return status 200 content-type text/plain string replaced if { status 404 }\n"),
			replies: []reply{rawReply(notFound), raw200("ok")}},
		{name: "allow-stops-the-section", exact: true, req: get,
			cfg:     withBE("    http-response allow if { status 404 }\n    http-response deny\n"),
			replies: []reply{rawReply(notFound)}},
		{name: "backend-allow-then-frontend-deny", exact: true, req: get,
			cfg:     withBoth("    http-response deny if { status 404 }\n", "    http-response allow\n"),
			replies: []reply{rawReply(notFound)}},
		{name: "deny-after-post-body", exact: true,
			req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get, n: 2,
			cfg:     withBE("    http-response deny if { status 404 }\n"),
			replies: []reply{rawReply(notFound), raw200("ok")}},
		// A switched protocol answered by a rule: the server connection
		// speaks something else now and must not carry the next request.
		{name: "deny-on-101-drops-the-server-connection", exact: true, n: 2,
			req:     "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n" + get,
			cfg:     withBE("    http-response deny if { status 101 }\n"),
			replies: []reply{rawReply("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"), raw200("ok")}},
		// A 101 nobody asked for is a 502 before any response rule.
		{name: "unsolicited-101-before-rules", exact: true, req: get,
			cfg:     withBE("    http-response return status 200 content-type text/plain string caught if { status 101 }\n"),
			replies: []reply{rawReply("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")}},
		// What stays of the request once its head is forwarded: the
		// method, that it is HTTP.
		{name: "method-in-response-rules", exact: true,
			req:     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
			cfg:     withBE("    http-response return status 200 content-type text/plain lf-string \"%[method]\" if METH_POST { method POST }\n"),
			replies: []reply{rawReply(notFound)}},
		{name: "proto-http-in-response-rules", exact: true, req: get,
			cfg:     withBE("    http-response return status 200 content-type text/plain string http if HTTP\n"),
			replies: []reply{rawReply(notFound)}},
		// An empty header value and an empty body: haproxy leaves out the
		// field and the content type.
		{name: "return-leaves-out-empty-fields", exact: true, req: get,
			cfg:     withFE("    http-request return status 200 content-type text/plain lf-string \"%[var(txn.none)]\" hdr x-empty \"%[var(txn.none)]\" hdr x-full \"yes\"\n"),
			replies: []reply{raw200("unused")}},
		{name: "listen-rules-run-once", exact: true, req: get,
			cfg: `listen l
    bind "127.0.0.1:${FE_PORT}"
    http-response return status 200 content-type text/plain string once if { status 404 }
    server s1 "127.0.0.1:${S1_PORT}"
`,
			replies: []reply{rawReply(notFound)}},
	})
}

// A deny among a backend's http-request rules answers with the backend's
// error file, as haproxy does.
func TestBackendDenyErrorFile(t *testing.T) {
	files := map[string]string{"403.http": "HTTP/1.1 403 Forbidden\r\ncontent-type: text/html\r\ncontent-length: 11\r\n\r\n<p>no</p>\r\n"}
	runCases(t, []tcase{
		{name: "backend-request-deny-uses-backend-errorfile", files: files, exact: true, req: get,
			cfg: withBE("    errorfile 403 \"${DIR}/403.http\"\n    http-request deny\n")},
	})
}
