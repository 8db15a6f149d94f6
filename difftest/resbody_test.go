package difftest

import (
	"strings"
	"testing"
	"time"
)

// http-response wait-for-body and the response body fetches (res.body,
// res.body_len, res.body_size): what the rules read of the server's body,
// with and without waiting for it, the 504 when it does not come in time,
// and the body's forwarding afterwards.

// showRes copies what the response rules read of the body into headers.
const showRes = "    http-response set-header x-body \"%[res.body]\"\n" +
	"    http-response set-header x-len \"%[res.body_len]\"\n" +
	"    http-response set-header x-size \"%[res.body_size]\"\n"

func TestResponseBodyFetches(t *testing.T) {
	chunked := rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\nx-t: 1\r\n\r\n")
	partCL := rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel")
	partChunked := rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n6\r\nlo")
	hangBE := "    timeout server 500ms\n"
	// After a wait that filled the buffer, a rewrite has the room
	// tune.maxrewrite keeps, less what the head and the decoded body take.
	bigChunked := rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + strings.Repeat("3e8\r\n"+strings.Repeat("y", 1000)+"\r\n", 20) + "0\r\n\r\n")
	grow := func(n int) string {
		return withBE("    http-response wait-for-body time 2s\n    http-response set-header x-big " + strings.Repeat("b", n) +
			"\n    http-response set-header x-len \"%[res.body_len]\"\n")
	}
	runCases(t, []tcase{
		{name: "rewrite-after-full-wait-fits", req: get, replies: []reply{raw200(strings.Repeat("y", 20000))},
			hdrs: []string{"x-len"}, cfg: grow(990)},
		{name: "rewrite-after-full-wait-too-large", req: get, replies: []reply{raw200(strings.Repeat("y", 20000))},
			hdrs: []string{"x-len"}, cfg: grow(1000)},
		{name: "rewrite-after-full-wait-chunked-fits", req: get, replies: []reply{bigChunked},
			hdrs: []string{"x-len"}, cfg: grow(1000)},
		{name: "rewrite-after-full-wait-chunked-too-large", req: get, replies: []reply{bigChunked},
			hdrs: []string{"x-len"}, cfg: grow(1010)},
		{name: "no-wait-length", exact: true, req: get, replies: []reply{raw200("hello")},
			cfg: withBE(showRes)},
		{name: "no-wait-chunked", exact: true, req: get, replies: []reply{chunked},
			cfg: withBE(showRes)},
		{name: "no-wait-partial-length", exact: true, req: get, replies: []reply{partCL},
			cfg: withBE(hangBE + showRes)},
		{name: "no-wait-partial-chunked", exact: true, req: get, replies: []reply{partChunked},
			cfg: withBE(hangBE + showRes)},
		{name: "no-wait-close-delimited", exact: true, req: get,
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\n\r\nhello")},
			cfg:     withBE(showRes)},
		{name: "no-wait-empty", exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")},
			cfg:     withBE(showRes)},
		{name: "no-wait-204", exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 204 No Content\r\n\r\n")},
			cfg:     withBE(showRes)},
		{name: "head", exact: true, req: "HEAD / HTTP/1.1\r\nhost: a\r\n\r\n", head: true,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")},
			cfg:     withBE("    http-response wait-for-body time 1s\n" + showRes)},
		{name: "wait-complete", exact: true, req: get, replies: []reply{raw200("hello")},
			cfg: withBE("    http-response wait-for-body time 1s\n" + showRes)},
		{name: "wait-two-parts", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel", rest: "lo", pause: 100 * time.Millisecond}},
			cfg:     withBE("    http-response wait-for-body time 2s\n" + showRes)},
		{name: "wait-head-alone", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 201 Created\r\ncontent-length: 100\r\nx-a: some value\r\n\r\n", rest: strings.Repeat("0123456789", 10), pause: 100 * time.Millisecond}},
			cfg:     withBE("    http-response wait-for-body time 2s\n" + showRes)},
		{name: "wait-chunked-two-parts", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n", rest: "2\r\nlo\r\n0\r\n\r\n", pause: 100 * time.Millisecond}},
			cfg:     withBE("    http-response wait-for-body time 2s\n" + showRes)},
		{name: "wait-at-least", exact: true, req: get, replies: []reply{partCL},
			cfg: withBE(hangBE + "    http-response wait-for-body time 2s at-least 3\n" + showRes)},
		{name: "wait-at-least-chunked", exact: true, req: get, replies: []reply{partChunked},
			cfg: withBE(hangBE + "    http-response wait-for-body time 2s at-least 4\n" + showRes)},
		{name: "wait-at-least-forwards-all", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel", rest: "lo", pause: 100 * time.Millisecond}},
			cfg:     withBE("    http-response wait-for-body time 2s at-least 3\n    http-response set-header x-got yes if { res.body_len ge 3 }\n")},
		{name: "wait-timeout-504", exact: true, req: get, replies: []reply{partCL},
			cfg: withBE("    http-response wait-for-body time 300ms\n" + showRes)},
		{name: "wait-timeout-504-chunked", exact: true, req: get, replies: []reply{partChunked},
			cfg: withBE("    http-response wait-for-body time 300ms\n" + showRes)},
		{name: "wait-server-timeout-504", exact: true, req: get, replies: []reply{partCL},
			cfg: withBE("    timeout server 300ms\n    http-response wait-for-body time 5s\n" + showRes)},
		{name: "wait-close-delimited", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\n\r\nhel", rest: "lo", pause: 100 * time.Millisecond, close: true}},
			cfg:     withBE("    http-response wait-for-body time 2s\n" + showRes)},
		{name: "wait-buffer-full", req: get, replies: []reply{raw200(strings.Repeat("x", 20000))},
			hdrs: []string{"x-len", "x-size", "content-length"},
			cfg:  withBE("    http-response wait-for-body time 2s\n    http-response set-header x-len \"%[res.body_len]\"\n    http-response set-header x-size \"%[res.body_size]\"\n")},
		{name: "wait-buffer-full-chunked", req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + strings.Repeat("3e8\r\n"+strings.Repeat("y", 1000)+"\r\n", 20) + "0\r\n\r\n")},
			hdrs:    []string{"x-len", "x-size", "transfer-encoding"},
			cfg:     withBE("    http-response wait-for-body time 2s\n    http-response set-header x-len \"%[res.body_len]\"\n    http-response set-header x-size \"%[res.body_size]\"\n")},
		{name: "no-wait-large-chunked", req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + strings.Repeat("3e8\r\n"+strings.Repeat("y", 1000)+"\r\n", 20) + "0\r\n\r\n")},
			hdrs:    []string{"x-len", "x-size", "transfer-encoding"},
			cfg:     withBE("    http-response set-header x-len \"%[res.body_len]\"\n    http-response set-header x-size \"%[res.body_size]\"\n")},
		{name: "wait-buffer-full-one-chunk", req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\nx-pad: abc\r\ntransfer-encoding: chunked\r\n\r\n4e20\r\n" + strings.Repeat("z", 20000) + "\r\n0\r\n\r\n")},
			hdrs:    []string{"x-len", "x-size", "transfer-encoding"},
			cfg:     withBE("    http-response wait-for-body time 2s\n    http-response set-header x-len \"%[res.body_len]\"\n    http-response set-header x-size \"%[res.body_size]\"\n")},
		{name: "wait-204", exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 204 No Content\r\n\r\n")},
			cfg:     withBE("    http-response wait-for-body time 1s\n" + showRes)},
		{name: "wait-bad-chunk", exact: true, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n", rest: "zz\r\nbad\r\n", pause: 100 * time.Millisecond}},
			cfg:     withBE("    http-response wait-for-body time 2s\n" + showRes)},
		{name: "wait-in-frontend", exact: true, req: get, replies: []reply{partCL},
			cfg: withFE("    http-response wait-for-body time 300ms\n")},
		{name: "acl-on-body", exact: true, req: get + get, n: 2,
			replies: []reply{raw200("secret"), raw200("public")},
			cfg:     withBE("    http-response wait-for-body time 1s\n    http-response deny if { res.body -m sub secret }\n")},
		{name: "after-response-reply-body", exact: true, req: get,
			cfg: withFE("    http-request return status 200 content-type text/plain string hello\n    http-after-response set-header x-body \"%[res.body]\"\n    http-after-response set-header x-len \"%[res.body_len]\"\n")},
		{name: "after-response-server-body", exact: true, req: get, replies: []reply{raw200("hello")},
			cfg: withFE("    http-after-response set-header x-body \"%[res.body]\"\n")},
	})
}

func TestResponseBodyLogs(t *testing.T) {
	getClose := "GET /a HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
	runCases(t, []tcase{
		{name: "timeout-504", req: getClose, logs: 1,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel")},
			cfg:     logFEBE("", httplog, "    http-response wait-for-body time 300ms\n")},
		{name: "complete", req: getClose, logs: 1, replies: []reply{raw200("hello")},
			cfg: logFEBE("", httplog, "    http-response wait-for-body time 1s\n")},
		{name: "server-timeout-504", req: getClose, logs: 1,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel")},
			cfg:     logFEBE("", httplog, "    timeout server 300ms\n    http-response wait-for-body time 5s\n")},
		{name: "timeout-504-keepalive", req: get, logs: 2,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel")},
			cfg:     logFEBE("", httplog, "    http-response wait-for-body time 300ms\n")},
		{name: "timeout-504-chunked", req: getClose, logs: 1,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n6\r\nlo")},
			cfg:     logFEBE("", httplog, "    http-response wait-for-body time 300ms\n")},
		{name: "at-least", req: getClose, logs: 1,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel")},
			cfg:     logFEBE("", httplog, "    timeout server 300ms\n    http-response wait-for-body time 2s at-least 2\n")},
		{name: "bad-chunk", req: getClose, logs: 1,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n", rest: "zz\r\nbad\r\n", pause: 100 * time.Millisecond}},
			cfg:     logFEBE("", httplog, "    http-response wait-for-body time 2s\n")},
		{name: "deny-after-wait", req: getClose, logs: 1, replies: []reply{raw200("hello")},
			cfg: logFEBE("", httplog, "    http-response wait-for-body time 1s\n    http-response deny if { res.body -m sub ell }\n")},
	})
}
