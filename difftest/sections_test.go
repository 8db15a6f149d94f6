package difftest

import (
	"strings"
	"testing"
	"time"
)

// Keywords of the other side (docs/configuration.md): a keyword that acts
// on the backend side, used in a frontend (or the reverse), is ignored by
// haproxy 2.6 with a warning, so every case here warns. What is compared is
// that the line takes no effect: traffic goes as the proxy of the right
// side says.
//
// Configs that both proxies refuse (`default_backend nope` in a backend,
// `balance nosuch` or `timeout server abc` in a frontend) are not here: the
// harness takes a config haproxy does not load for a broken case.

func TestSectionSides(t *testing.T) {
	// feSide is a frontend with backend keywords that, were they applied,
	// would change the choice of server (source instead of roundrobin), the
	// reuse of server connections (never instead of the backend's always)
	// and the server timeout (1ms instead of the backend's 600ms).
	const feSide = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    balance source
    retries 0
    http-reuse never
    timeout server 1ms
    default_backend be

backend be
    balance roundrobin
    http-reuse always
    timeout server 600ms
    server s1 "127.0.0.1:${S1_PORT}"
    server s2 "127.0.0.1:${S2_PORT}"
`
	// beSide is a backend with frontend keywords that, were they applied,
	// would time the client out at once (408), hold a second client
	// connection back (maxconn 1) or send the requests to other's server.
	const beSide = `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    timeout client 1ms
    maxconn 1
    default_backend other
    use_backend other
    server s1 "127.0.0.1:${S1_PORT}"

backend other
    server s2 "127.0.0.1:${S2_PORT}"
`
	// bindInBackend is simple with a bind line in the backend. haproxy
	// binds that port but never accepts on it; switchyard does not bind it
	// (a documented deviation), so only the frontend's traffic is compared.
	// The port is a CLOSED placeholder, not an FE one: the harness waits
	// for the proxy to listen on every FE port before it starts a case.
	bindInBackend := strings.Replace(simple, "\nbackend be\n",
		"\nbackend be\n    bind \"127.0.0.1:${CLOSED2_PORT}\"\n", 1)

	// within bounds a read that must be answered at the backend's
	// timeout server (600ms), or before the prelude's timeout client (3s)
	// frees a connection slot; notYetAt one that must not be answered yet.
	const within = 1500 * time.Millisecond
	const notYetAt = 300 * time.Millisecond

	// srcs repeats each source, so that balance source would send runs of
	// requests to one server where roundrobin alternates.
	srcs := []string{"127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.2"}
	// crossed has the second client connection's second request go to
	// s1, whose idle connection the first client connection left: with
	// http-reuse always it is taken, with never a new one is opened.
	crossed := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}

	runCases(t, []tcase{
		// Requests go round robin, not by source.
		{name: "frontend-balance-ignored", cfg: feSide, warns: true, anyConn: true, noProbe: true,
			steps: eachOnNewConn(gets(6, func(int) string { return "/" }, nil), srcs...)},
		// Server connections are shared as the backend's http-reuse
		// always says, not kept private as the frontend's never would.
		{name: "frontend-http-reuse-ignored", cfg: feSide, warns: true, steps: crossed},
		// A server that does not answer gets 504 at the backend's 600ms,
		// not at the frontend's 1ms.
		{name: "frontend-timeout-server-ignored", cfg: feSide, warns: true, exact: true,
			steps: []step{
				{send: get, read: 1, wait: notYetAt},
				{read: 1, wait: within},
			},
			replies: []reply{{kind: replyHang}}},

		// A client slow to finish its head gets no 408 from the backend's
		// timeout client 1ms, a second client connection is served while
		// the first is open (maxconn 1), and every request goes to the
		// backend's own server, not to other's.
		{name: "backend-frontend-keywords-ignored", cfg: beSide, warns: true,
			steps: []step{
				{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n", read: 1, wait: notYetAt},
				{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1, wait: within},
				{conn: 0, send: "\r\n", read: 1},
				{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
				{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
			}},

		// bind in a backend: the frontend works as without it.
		{name: "backend-bind-ignored", cfg: bindInBackend, warns: true,
			steps: []step{
				{send: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
				{send: "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
			}},
	})
}
