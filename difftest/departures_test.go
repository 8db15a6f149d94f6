package difftest

import (
	"strings"
	"testing"
	"time"
)

// Departures from haproxy found in review (issue 13): what happens when a
// server gives up on a request that is not the first of its client
// connection, which timeout answers a silent client, a response whose
// chunked framing is broken before its head went out, and a client that
// stalls in the middle of its request body. As in TestErrors, every
// response is compared byte for byte.

func TestDepartures(t *testing.T) {
	// within bounds a step's reads, as in TestErrors: the prelude's client
	// and server timeouts are 3s, and the longest timeout a case sets on
	// purpose is 2s, so a proxy waiting for the wrong one is caught.
	const within = 1500 * time.Millisecond
	// notYetAt is how long a step waits to see that no answer came before
	// the right timeout: a proxy answering at a shorter one is caught.
	const notYetAt = 600 * time.Millisecond

	get1 := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
	get2 := "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
	post2 := "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
	// okThenClose answers and closes the server connection, so that the
	// next request needs a new one.
	okThenClose := rawClose("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
	// reset closes without answering and without reading the request
	// body: the unread bytes make the origin's kernel reset the
	// connection. resetPost's body is larger than what the origin reads
	// ahead with the head, yet small enough for the proxy to have read it
	// all before the reset (else haproxy's 502 is lost to the client in
	// the reset of its own connection, depending on timing).
	reset := reply{early: true}
	resetPost := func(path string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n" + strings.Repeat("0123456789", 1000)
	}
	twoServers := `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    balance roundrobin
    server s1 "127.0.0.1:${S1_PORT}"
    server s2 "127.0.0.1:${S2_PORT}"
`

	chunkedHead := "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"

	// stalled announces ten bytes of body and sends three.
	stalled := "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"
	// timeouts sets timeout client and timeout http-request (unless
	// empty) in the frontend and timeout server in the backend, over the
	// prelude's.
	timeouts := func(client, server, httpRequest string) string {
		fe := "    timeout client " + client + "\n"
		if httpRequest != "" {
			fe += "    timeout http-request " + httpRequest + "\n"
		}
		return withBoth(fe, "    timeout server "+server+"\n")
	}
	// stallSteps sends the stalled request and expects no answer before
	// notYetAt, then an answer within a further 1.5s: for cases whose
	// right timeout is 1s.
	stallSteps := []step{
		{send: stalled, read: 1, wait: notYetAt},
		{read: 1, wait: within},
	}

	runCases(t, []tcase{
		// D2: a server that closes (or resets) a connection without
		// answering a request that is not the first of its client
		// connection gets no 502: haproxy closes the client connection
		// without a word, so that the client retries (RFC 9112 9.3.1), and
		// logs nothing. It never sends the request again itself, whether
		// the server connection was reused or new. The first request of a
		// connection still gets 502 (here, and server-closes-502 in
		// TestErrors).
		{name: "server-closes-second-request-same-conn", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{{}, {kind: replyClose}}},
		{name: "server-closes-second-request-new-conn", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{okThenClose, {kind: replyClose}}},
		{name: "server-closes-second-request-other-server", exact: true,
			cfg:     twoServers,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{{}, {kind: replyClose}}},
		{name: "server-closes-second-request-post", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: post2, read: 1}},
			replies: []reply{{}, {kind: replyClose}}},
		{name: "server-resets-second-request", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: resetPost("/2"), read: 1}},
			replies: []reply{{}, reset}},
		{name: "server-resets-first-request-502", exact: true,
			cfg:     simple,
			steps:   []step{{send: resetPost("/1"), read: 1}},
			replies: []reply{reset}},
		{name: "server-closes-pipelined-second-request", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1 + get2, read: 2}},
			replies: []reply{{}, {kind: replyClose}}},
		// The 502 of a first request does not make the next one first.
		{name: "server-closes-after-502", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{{kind: replyClose}, {kind: replyClose}}},
		// Part of a head then the close is no answer either...
		{name: "server-partial-head-second-request", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{{}, rawClose("HTTP/1.1 200 OK\r\ncontent-le")}},
		// ...but an invalid answer or no answer in time are still errors.
		{name: "server-garbage-second-request-502", exact: true,
			cfg:     simple,
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1}},
			replies: []reply{{}, rawClose("this is not http\r\n\r\n")}},
		{name: "server-timeout-second-request-504", exact: true,
			cfg:     withBE("    timeout server 300ms\n"),
			steps:   []step{{send: get1, read: 1}, {send: get2, read: 1, wait: within}},
			replies: []reply{{}, {kind: replyHang}}},

		// D3: a client that sends nothing, or stops in its head, gets 408
		// at the shorter of timeout client and timeout http-request; an
		// idle keep-alive connection is closed silently at the shorter.
		{name: "client-timeout-shorter-408-on-empty", exact: true,
			cfg:   withFE("    timeout client 300ms\n    timeout http-request 2s\n"),
			steps: []step{{read: 1, wait: within}}},
		{name: "request-timeout-shorter-408-on-empty", exact: true,
			cfg:   withFE("    timeout client 2s\n    timeout http-request 300ms\n"),
			steps: []step{{read: 1, wait: within}}},
		{name: "client-timeout-only-408-on-empty", exact: true,
			cfg:   withFE("    timeout client 300ms\n"),
			steps: []step{{read: 1, wait: within}}},
		{name: "client-timeout-shorter-408-partial-head", exact: true,
			cfg:   withFE("    timeout client 300ms\n    timeout http-request 2s\n"),
			steps: []step{{send: "GET / HTTP/1.1\r\nHost: a\r\n", read: 1, wait: within}}},
		{name: "client-timeout-shorter-keep-alive-closes", exact: true,
			cfg: withFE("    timeout client 300ms\n    timeout http-request 2s\n"),
			steps: []step{
				{send: get, read: 1},
				{eof: true, wait: within},
			}},

		// D4: a chunk size that is not hex, in the same read as the
		// response head, is a bad response: 502, the server connection is
		// dropped and the client's kept. (When the head was forwarded
		// before the bad size arrives, haproxy cuts the client connection
		// after what it forwarded; the origins here write each answer at
		// once, so that needs a delay they cannot express.)
		{name: "server-bad-chunk-size-502", exact: true,
			cfg:     simple,
			req:     get,
			replies: []reply{rawReply(chunkedHead + "zz\r\nabc\r\n0\r\n\r\n")}},
		{name: "server-bad-chunk-size-then-close-502", exact: true,
			cfg:     simple,
			req:     get,
			replies: []reply{rawClose(chunkedHead + "zz\r\nabc\r\n0\r\n\r\n")}},
		// Even after a good chunk: what came in the head's read is checked
		// before the head goes out.
		{name: "server-bad-second-chunk-size-502", exact: true,
			cfg:     simple,
			req:     get,
			replies: []reply{rawReply(chunkedHead + "3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n")}},

		// D5: a client that stalls in its request body, the head and the
		// part of the body already forwarded: timeout client and timeout
		// http-request do not apply while the server's answer is awaited;
		// the answer is 504 (with connection: close) at timeout server,
		// the server connection is dropped and so is the client's. The
		// origin gets the head and the three bytes.
		{name: "client-stalls-in-body-client-timeout-shorter-504", exact: true,
			cfg:   timeouts("200ms", "1s", ""),
			steps: stallSteps},
		{name: "client-stalls-in-body-server-timeout-shorter-504", exact: true,
			cfg:   timeouts("1s", "200ms", ""),
			steps: []step{{send: stalled, read: 1, wait: notYetAt}}},
		{name: "client-stalls-in-body-both-client-timeouts-shorter-504", exact: true,
			cfg:   timeouts("200ms", "1s", "200ms"),
			steps: stallSteps},
		{name: "client-stalls-in-body-request-timeout-shorter-504", exact: true,
			cfg:   timeouts("2s", "1s", "200ms"),
			steps: stallSteps},
		{name: "client-stalls-in-body-request-timeout-longer-504", exact: true,
			cfg:   timeouts("1s", "200ms", "2s"),
			steps: []step{{send: stalled, read: 1, wait: notYetAt}}},
		{name: "client-stalls-in-chunked-body-504", exact: true,
			cfg: timeouts("200ms", "1s", "200ms"),
			steps: []step{
				{send: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", read: 1, wait: notYetAt},
				{read: 1, wait: within},
			}},
		// With the body buffered before the server is chosen, the request
		// is still the client's to finish: 408 at the shorter of timeout
		// client and timeout http-request, and the origin sees nothing.
		{name: "client-stalls-in-body-buffer-request-408", exact: true,
			cfg: strings.Replace(timeouts("200ms", "1s", "2s"), "    default_backend be\n",
				"    default_backend be\n    option http-buffer-request\n", 1),
			steps: []step{{send: stalled, read: 1, wait: notYetAt}}},
	})
}
