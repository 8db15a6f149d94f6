package difftest

import (
	"strings"
	"testing"
)

// dispatch and option transparent: a backend that does not balance sends
// what persistence does not bind to a server to its dispatch address, or to
// the address the client connected to (here moved by set-dst-port, since a
// test cannot have the system redirect traffic). What the origins see
// (which server connection carries each request: these connections are
// private to their client connection), what the client gets (no cookie
// inserted) and the log line (no server name) must be haproxy's.

// dispLogFmt logs what names or counts the server.
const dispLogFmt = `    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%{+Q}r %ST %b/%s sc=%sc si=%si:%sp lb=%[srv_name] %tsc"
`

func dispatchFE(be string) string {
	return `frontend fe
    bind "127.0.0.1:${FE_PORT}"
` + dispLogFmt + `    default_backend be
backend be
` + be
}

func TestDispatchTransparent(t *testing.T) {
	// interleaved: two clients side by side; with http-reuse always,
	// only private connections keep them apart.
	interleaved := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	// afterClose: the first client leaves before the second comes; its
	// server connection leaves with it.
	afterClose := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, shut: true, eof: true},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	cookie := func(v string) string {
		return "GET /c HTTP/1.1\r\nHost: a\r\nCookie: SRV=" + v + "\r\n\r\n"
	}
	// haproxy expands a variable only between double quotes.
	toS2 := "    http-request set-dst-port \"int(${S2_PORT})\"\n"
	runCases(t, []tcase{
		{name: "dispatch/interleaved", steps: interleaved, logs: 4, logsAnyOrder: true, noProbe: true,
			cfg: dispatchFE("    http-reuse always\n    dispatch \"127.0.0.1:${S2_PORT}\"\n")},
		{name: "dispatch/after-close", steps: afterClose, logs: 4, noProbe: true,
			cfg: dispatchFE("    http-reuse always\n    dispatch \"127.0.0.1:${S2_PORT}\"\n")},
		// The servers are reached through persistence only; a cookie
		// for the dispatch destination is never inserted.
		{name: "dispatch/cookie-persistence", logs: 3, noProbe: true,
			req: get + cookie("one") + cookie("nosuch"), n: 3,
			cfg: dispatchFE("    cookie SRV insert indirect nocache\n    dispatch \"127.0.0.1:${S2_PORT}\"\n    server s1 \"127.0.0.1:${S1_PORT}\" cookie one\n")},
		{name: "dispatch/use-server", logs: 2, noProbe: true,
			req: "GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /s1 HTTP/1.1\r\nHost: a\r\n\r\n", n: 2,
			cfg: dispatchFE("    dispatch \"127.0.0.1:${S2_PORT}\"\n    use-server s1 if { path /s1 }\n    server s1 \"127.0.0.1:${S1_PORT}\"\n")},
		// A balance line wins: the dispatch address is ignored.
		{name: "dispatch/ignored-with-balance", warns: true, logs: 2, noProbe: true, req: get + get, n: 2,
			cfg: dispatchFE("    balance roundrobin\n    dispatch \"127.0.0.1:${S2_PORT}\"\n    server s1 \"127.0.0.1:${S1_PORT}\"\n")},
		// (Without %si: for any refused connection haproxy logs the
		// address it tried, switchyard none.)
		{name: "dispatch/refused", logs: 1, req: "GET / HTTP/1.1\r\nHost: a\r\nconnection: close\r\n\r\n",
			cfg: strings.Replace(dispatchFE("    retries 0\n    dispatch \"127.0.0.1:${CLOSED_PORT}\"\n"), " si=%si:%sp", "", 1)},
		{name: "dispatch/listen", logs: 1, req: "GET / HTTP/1.1\r\nHost: a\r\nconnection: close\r\n\r\n",
			cfg: `listen fe
    bind "127.0.0.1:${FE_PORT}"
` + dispLogFmt + `    dispatch "127.0.0.1:${S1_PORT}"
`},
		// The same private connections serve http-reuse never: a client
		// keeps one per server it alternates between.
		{name: "never/alternating-servers", noProbe: true, n: 4, req: get + get + get + get,
			cfg: withBE("    http-reuse never\n    balance roundrobin\n    server s2 \"127.0.0.1:${S2_PORT}\"\n")},
		{name: "transparent/interleaved", steps: interleaved, logs: 4, logsAnyOrder: true, noProbe: true,
			cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
` + dispLogFmt + toS2 + `    default_backend be
backend be
    http-reuse always
    option transparent
`},
		{name: "transparent/after-close", steps: afterClose, logs: 4, noProbe: true,
			cfg: `listen fe
    bind "127.0.0.1:${FE_PORT}"
` + dispLogFmt + toS2 + `    http-reuse always
    option transparent
`},
		{name: "transparent/set-dst", logs: 1, req: "GET / HTTP/1.1\r\nHost: a\r\nconnection: close\r\n\r\n",
			cfg: `listen fe
    bind "127.0.0.1:${FE_PORT}"
` + dispLogFmt + `    http-request set-dst ipv4(127.0.0.1)
    http-request set-dst-port "int(${S1_PORT})"
    transparent
`},
	})
}

func TestDispatchTransparentTCP(t *testing.T) {
	echo := []step{
		{send: "hello", raw: 5},
		{shut: true, eof: true},
	}
	tcpLog := strings.Replace(dispLogFmt, "%{+Q}r %ST ", "", 1)
	runCases(t, []tcase{
		{name: "dispatch", tcp: true, steps: echo, logs: 1, cfg: `listen fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
` + tcpLog + `    dispatch "127.0.0.1:${S1_PORT}"
`},
		{name: "transparent", tcp: true, steps: echo, logs: 1, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
` + tcpLog + `    tcp-request connection set-dst-port "int(${S1_PORT})"
    default_backend be
backend be
    mode tcp
    option transparent
`},
	})
}
