package difftest

import "testing"

// A rule that changes Content-Length must not let the other side frame the
// body differently: haproxy refuses the request (500) or aborts the
// response, rather than send a request no rule saw or misalign the next
// response.
func TestRewrittenContentLength(t *testing.T) {
	smuggle := "POST /a HTTP/1.1\r\nHost: a\r\nX-Len: 0\r\nContent-Length: 48\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\nX-Z: 123456\r\n\r\n"
	runCases(t, []tcase{
		{name: "request-cl-from-header", exact: true, anyConn: true, req: smuggle,
			cfg: withFE("    http-request set-header content-length %[req.hdr(x-len)] if { req.hdr(x-len) -m found }\n")},
		{name: "request-cl-fixed", exact: true, anyConn: true, req: "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
			cfg: withFE("    http-request set-header content-length 3\n")},
		{name: "request-cl-same", exact: true, req: "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
			cfg: withFE("    http-request set-header content-length 5\n")},
		{name: "request-cl-on-get", exact: true, req: "GET /b HTTP/1.1\r\nHost: a\r\n\r\n",
			cfg: withFE("    http-request set-header content-length 7\n")},
		{name: "response-cl", exact: true, req: "GET /r HTTP/1.1\r\nHost: a\r\n\r\n",
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"}},
			cfg:     withFE("    http-response set-header content-length 2\n")},
		{name: "response-cl-head", exact: true, req: "HEAD /r HTTP/1.1\r\nHost: a\r\n\r\n", head: true,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"}},
			cfg:     withFE("    http-response set-header content-length 2\n")},
	})
}
