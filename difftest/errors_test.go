package difftest

import (
	"strings"
	"testing"
	"time"
)

// Errors the proxy generates itself: the whole response must be
// haproxy's, byte for byte (exact), and so must the connection's fate.

func TestErrors(t *testing.T) {
	// within bounds a step's reads so that a proxy that waits for the
	// wrong timeout (3s: client/server in the prelude) is caught.
	const within = 1500 * time.Millisecond
	noServer := `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
`
	refused := withBE("    retries 0\n    timeout connect 200ms\n")
	refused = strings.Replace(refused, `server s1 "127.0.0.1:${S1_PORT}"`, `server s1 "127.0.0.1:${CLOSED_PORT}"`, 1)
	runCases(t, []tcase{
		{name: "no-server-503", cfg: noServer, exact: true, req: get},
		{name: "no-server-503-head", cfg: noServer, exact: true, req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", head: true},
		{name: "no-server-503-http10", cfg: noServer, exact: true, req: "GET / HTTP/1.0\r\n\r\n"},
		{name: "server-disabled-503", exact: true, req: get,
			cfg: strings.Replace(simple, `${S1_PORT}"`, `${S1_PORT}" disabled`, 1)},
		{name: "connection-refused-503", cfg: refused, exact: true, steps: []step{{send: get, read: 1, wait: 10 * time.Second}}},
		{name: "server-closes-502", cfg: simple, exact: true, req: get,
			replies: []reply{{kind: replyClose}}},
		{name: "server-closes-after-body-502", cfg: simple, exact: true,
			req:     "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
			replies: []reply{{kind: replyClose}}},
		{name: "server-garbage-502", cfg: simple, exact: true, req: get,
			replies: []reply{rawClose("this is not http\r\n\r\n")}},
		{name: "server-garbage-kept-open-502", cfg: simple, exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 abc\r\n\r\n")}},
		{name: "server-bad-header-502", cfg: simple, exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\nbad header\r\ncontent-length: 0\r\n\r\n")}},
		{name: "server-two-lengths-502", cfg: simple, exact: true, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok")}},
		{name: "server-partial-head-502", cfg: simple, exact: true, req: get,
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\ncontent-le")}},
		{name: "server-truncated-body", cfg: simple, exact: true, req: get,
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")}},
		{name: "server-truncated-chunked", cfg: simple, exact: true, req: get,
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n")}},
		{name: "server-timeout-504", cfg: withBE("    timeout server 300ms\n"), exact: true,
			steps:   []step{{send: get, read: 1, wait: within}},
			replies: []reply{{kind: replyHang}}},
		{name: "server-timeout-504-post", cfg: withBE("    timeout server 300ms\n"), exact: true,
			steps:   []step{{send: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", read: 1, wait: within}},
			replies: []reply{{kind: replyHang}}},
		{name: "request-timeout-408-partial-head", exact: true,
			cfg:   withFE("    timeout http-request 300ms\n"),
			steps: []step{{send: "GET / HTTP/1.1\r\nHost: a\r\n", read: 1, wait: within}}},
		{name: "request-timeout-408-partial-line", exact: true,
			cfg:   withFE("    timeout http-request 300ms\n"),
			steps: []step{{send: "GET /", read: 1, wait: within}}},
		{name: "request-timeout-408-on-empty", exact: true,
			cfg:   withFE("    timeout http-request 300ms\n"),
			steps: []step{{read: 1, wait: within}}},
		{name: "request-timeout-partial-body", exact: true,
			cfg:   withFE("    timeout http-request 300ms\n"),
			steps: []step{{send: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", read: 1, wait: within}}},
		{name: "request-timeout-second-request", exact: true,
			cfg: withFE("    timeout http-request 300ms\n"),
			steps: []step{
				{send: get, read: 1},
				{send: "GET /2 HTTP/1.1\r\n", read: 1, wait: within},
			}},
		{name: "keep-alive-timeout-closes", exact: true,
			cfg: withFE("    timeout http-keep-alive 300ms\n"),
			steps: []step{
				{send: get, read: 1},
				{eof: true, wait: within},
			}},
		{name: "client-timeout-partial-head", exact: true,
			cfg:   withFE("    timeout client 300ms\n"),
			steps: []step{{send: "GET / HTTP/1.1\r\nHost: a\r\n", read: 1, wait: within}}},
		{name: "bad-request-400", cfg: simple, exact: true, req: "GARBAGE\r\n\r\n"},
		{name: "bad-request-400-after-good", cfg: simple, exact: true,
			req: get + "GARBAGE\r\n\r\n", n: 2},
	})
}
