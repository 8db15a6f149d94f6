package difftest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// simple is one frontend and one backend with one server.
const simple = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`

// withFE and withBE add directives to simple's frontend or backend.
func withFE(lines string) string {
	return strings.Replace(simple, "    default_backend be\n", "    default_backend be\n"+lines, 1)
}

func withBE(lines string) string {
	return strings.Replace(simple, "\nbackend be\n", "\nbackend be\n"+lines, 1)
}

func withBoth(fe, be string) string {
	s := strings.Replace(simple, "    default_backend be\n", "    default_backend be\n"+fe, 1)
	return strings.Replace(s, "\nbackend be\n", "\nbackend be\n"+be, 1)
}

const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

// raw200 is an origin answer with the given body and extra header lines.
func raw200(body string, hdrs ...string) reply {
	h := ""
	for _, l := range hdrs {
		h += l + "\r\n"
	}
	return reply{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\n" + h + "content-length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body}
}

func rawReply(raw string) reply { return reply{kind: replyRaw, raw: raw} }

// rawClose answers raw and closes: for close-delimited bodies and garbage.
func rawClose(raw string) reply { return reply{kind: replyRaw, raw: raw, close: true} }

func TestHTTPRequests(t *testing.T) {
	runCases(t, []tcase{
		{name: "get", cfg: simple, req: get},
		{name: "get-query-and-headers", cfg: simple,
			req: "GET /a/b%20c?x=1&y=%2F HTTP/1.1\r\nHost: a.example\r\nUser-Agent: t\r\nAccept: */*\r\nX-Dup: 1\r\nX-Dup: 2\r\nX-Empty:\r\nX-Ws: \t padded \t\r\n\r\n"},
		{name: "head", cfg: simple, req: "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", head: true},
		{name: "post-content-length", cfg: simple,
			req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"},
		{name: "post-content-length-zero", cfg: simple,
			req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"},
		{name: "post-no-length", cfg: simple,
			req: "POST /p HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "get-with-body", cfg: simple,
			req: "GET /g HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"},
		{name: "post-chunked", cfg: simple,
			req: "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
		{name: "post-chunked-trailers", cfg: simple,
			req: "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\nX-Other: b\r\n\r\n"},
		{name: "post-chunked-extensions", cfg: simple,
			req: "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n0;last\r\n\r\n"},
		{name: "post-chunked-uppercase-hex", cfg: simple,
			req: "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n00\r\n\r\n"},
		{name: "post-large-body", cfg: simple,
			req: "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("0123456789", 10000)},
		{name: "keep-alive-three", cfg: simple, steps: []step{
			{send: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
			{send: "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", read: 1},
			{send: "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		}},
		{name: "pipelined-three", cfg: simple,
			req: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
				"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
				"GET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
			n:       3,
			replies: []reply{raw200("first"), raw200("second"), raw200("third")}},
		{name: "pipelined-chunked-then-get", cfg: simple,
			req: "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
				"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
			n: 2},
		{name: "connection-close", cfg: simple,
			req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
		{name: "connection-close-mixed-case-list", cfg: simple,
			req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n"},
		{name: "connection-hop-by-hop-named", cfg: simple,
			req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: x-hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n\r\n"},
		{name: "http10", cfg: simple, req: "GET / HTTP/1.0\r\n\r\n"},
		{name: "http10-host", cfg: simple, req: "GET / HTTP/1.0\r\nHost: a\r\n\r\n"},
		{name: "http10-keep-alive", cfg: simple, steps: []step{
			{send: "GET /1 HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", read: 1},
			{send: "GET /2 HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", read: 1},
		}},
		{name: "http10-post", cfg: simple,
			req: "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"},
		{name: "expect-100-continue", cfg: simple, steps: []step{
			{send: "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", interim: true},
			{send: "hello", read: 1},
		}},
		{name: "expect-100-continue-chunked", cfg: simple, steps: []step{
			{send: "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", interim: true},
			{send: "5\r\nhello\r\n0\r\n\r\n", read: 1},
		}},
		{name: "expect-100-continue-origin-silent", cfg: simple,
			replies: []reply{{noContinue: true}},
			steps: []step{
				{send: "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", interim: true},
				{send: "hello", read: 1},
			}},
		{name: "expect-100-continue-early-final", cfg: simple,
			replies: []reply{{early: true,
				raw: "HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"}},
			req: "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"},
		{name: "expect-100-continue-buffer-request", cfg: withFE("    option http-buffer-request\n"), steps: []step{
			{send: "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", interim: true},
			{send: "hello", read: 1},
		}},
		{name: "options-asterisk", cfg: simple, req: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "unknown-method", cfg: simple, req: "FOO /x HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "lowercase-method", cfg: simple, req: "get / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "leading-empty-line", cfg: simple, req: "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "long-uri-8k", cfg: simple,
			req: "GET /" + strings.Repeat("u", 8000) + " HTTP/1.1\r\nHost: a\r\n\r\n"},
	})
}

func TestHTTPResponses(t *testing.T) {
	runCases(t, []tcase{
		{name: "content-length", cfg: simple, req: get,
			replies: []reply{raw200("hello", "content-type: text/plain", "X-Mixed-Case: V", "set-cookie: a=1", "set-cookie: b=2")}},
		{name: "chunked-with-trailers", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-t\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-t: 1\r\nx-u: two\r\n\r\n")}},
		{name: "chunked-to-http10-client", cfg: simple, req: "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")}},
		{name: "close-delimited", cfg: simple, req: get,
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end")}},
		{name: "close-delimited-http10-server", cfg: simple, req: get,
			replies: []reply{rawClose("HTTP/1.0 200 OK\r\n\r\nold server")}},
		{name: "close-delimited-to-http10-client", cfg: simple, req: "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
			replies: []reply{rawClose("HTTP/1.1 200 OK\r\n\r\nuntil the end")}},
		{name: "server-says-close", cfg: simple, req: get,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok", close: true}}},
		{name: "http10-server-keep-alive", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "no-reason-phrase", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 200\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "odd-status-299", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 299 Whatever Text\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "status-204", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n")}},
		{name: "status-204-then-keep-alive", cfg: simple, steps: []step{
			{send: get, read: 1},
			{send: "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 204 No Content\r\n\r\n")}},
		{name: "status-304-with-length", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\ncontent-length: 10\r\n\r\n")}},
		{name: "status-304-then-keep-alive", cfg: simple, steps: []step{
			{send: "GET /1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\"\r\n\r\n", read: 1},
			{send: "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\n\r\n")}},
		{name: "head-with-length", cfg: simple, steps: []step{
			{send: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", read: 1, head: true},
			{send: get, read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")}},
		{name: "head-with-chunked", cfg: simple, steps: []step{
			{send: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", read: 1, head: true},
			{send: get, read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")}},
		{name: "head-no-length", cfg: simple, steps: []step{
			{send: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", read: 1, head: true},
			{send: get, read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n")}},
		{name: "interim-103-then-200", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "interim-two-100s-then-200", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "interim-to-http10-client", cfg: simple, req: "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
			replies: []reply{rawReply("HTTP/1.1 103 Early Hints\r\nlink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "chunked-then-keep-alive", cfg: simple, steps: []step{
			{send: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
			{send: "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		}, replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")}},
		{name: "both-length-and-chunked", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")}},
		{name: "duplicate-equal-lengths", cfg: simple, req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok")}},
		{name: "large-body", cfg: simple, req: get,
			replies: []reply{raw200(strings.Repeat("abcdefghij", 30000))}},
	})
}

func TestUpgrade(t *testing.T) {
	const ws = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	const switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	tunnel := withBE("    timeout tunnel 2s\n")
	runCases(t, []tcase{
		{name: "websocket-echo", cfg: tunnel,
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps: []step{
				{send: ws, read: 1},
				{send: "ping", raw: 4},
				{send: "\x81\x05hello", raw: 7},
				{shut: true, eof: true},
			}},
		{name: "websocket-bytes-with-head", cfg: tunnel,
			replies: []reply{{kind: replyTunnel, raw: switching + "server-first"}},
			steps: []step{
				{send: ws, read: 1, raw: len("server-first")},
				{send: "x", raw: 1},
				{shut: true, eof: true},
			}},
		{name: "websocket-refused", cfg: tunnel,
			replies: []reply{raw200("no upgrade for you")},
			steps:   []step{{send: ws, read: 1}}},
		{name: "websocket-tunnel-timeout-in-backend", cfg: withBE("    timeout tunnel 300ms\n"),
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps: []step{
				{send: ws, read: 1},
				{send: "a", raw: 1},
				// Closed after 300ms idle; 1.5s tells that from timeout
				// client/server (3s).
				{eof: true, wait: 1500 * time.Millisecond},
			}},
		{name: "websocket-tunnel-timeout-in-defaults", full: true, cfg: strings.Replace(prelude, "timeout server 3s\n", "timeout server 3s\n    timeout tunnel 300ms\n", 1) + simple,
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps: []step{
				{send: ws, read: 1},
				{send: "a", raw: 1},
				// haproxy closes the idle tunnel after 300ms; 1.5s tells that
				// apart from waiting for timeout client/server (3s).
				{eof: true, wait: 1500 * time.Millisecond},
			}},
	})
}
