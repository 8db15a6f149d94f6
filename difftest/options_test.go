package difftest

import "testing"

// Headers and connection handling that options change.

func TestForwardFor(t *testing.T) {
	const xff = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n"
	const xclient = "GET / HTTP/1.1\r\nHost: a\r\nX-Client: 10.9.9.9\r\n\r\n"
	runCases(t, []tcase{
		{name: "plain", cfg: withFE("    option forwardfor\n"), req: get},
		{name: "plain-in-backend", cfg: withBE("    option forwardfor\n"), req: get},
		{name: "plain-with-incoming", cfg: withFE("    option forwardfor\n"), req: xff},
		{name: "plain-other-source", cfg: withFE("    option forwardfor\n"),
			steps: []step{{src: "127.0.0.7", send: get, read: 1}}},
		{name: "except-matching", cfg: withFE("    option forwardfor except 127.0.0.0/8\n"), req: get},
		{name: "except-single-address", cfg: withFE("    option forwardfor except 127.0.0.1\n"),
			anyConn: true, // two client connections: reuse has its own cases
			steps: []step{
				{conn: 0, send: get, read: 1},
				{conn: 1, src: "127.0.0.2", send: get, read: 1},
			}},
		{name: "except-not-matching", cfg: withFE("    option forwardfor except 10.0.0.0/8\n"), req: xff},
		{name: "header-name", cfg: withFE("    option forwardfor header X-Client\n"), req: xff},
		{name: "header-name-with-incoming", cfg: withFE("    option forwardfor header X-Client\n"), req: xclient},
		{name: "if-none-absent", cfg: withFE("    option forwardfor if-none\n"), req: get},
		{name: "if-none-present", cfg: withFE("    option forwardfor if-none\n"), req: xff},
		{name: "if-none-present-other-case", cfg: withFE("    option forwardfor if-none\n"),
			req: "GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 10.1.2.3\r\n\r\n"},
		{name: "if-none-header-name", cfg: withFE("    option forwardfor header X-Client if-none\n"), req: xclient},
		{name: "frontend-and-backend", cfg: withBoth("    option forwardfor\n", "    option forwardfor header X-Be\n"),
			req: get},
		{name: "keep-alive-each-request", cfg: withFE("    option forwardfor\n"), steps: []step{
			{send: get, read: 1},
			{send: xff, read: 1},
		}},
	})
}

// option originalto: the address the client connected to, in
// X-Original-To (or the named header), but for the except network.
func TestOriginalTo(t *testing.T) {
	runCases(t, []tcase{
		{name: "plain", cfg: withFE("    option originalto\n"), req: get},
		{name: "in-backend", cfg: withBE("    option originalto\n"), req: get},
		{name: "except-matching", cfg: withFE("    option originalto except 127.0.0.0/8\n"), req: get},
		{name: "except-not-matching", cfg: withFE("    option originalto except 10.0.0.0/8\n"), req: get},
		{name: "header-name", cfg: withFE("    option originalto header X-Dst\n"), req: get},
		{name: "with-incoming", cfg: withFE("    option originalto\n"),
			req: "GET / HTTP/1.1\r\nHost: a\r\nX-Original-To: 10.1.2.3\r\n\r\n"},
		{name: "with-forwardfor", cfg: withFE("    option originalto\n    option forwardfor\n"), req: get},
	})
}

func TestConnectionModes(t *testing.T) {
	two := []step{
		{send: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{send: "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	// interleaved keeps two client connections open side by side, so that
	// the http-reuse policy decides whether the second one may use the
	// first one's idle server connection.
	interleaved := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	// afterClose ends each client connection (our FIN, then the proxy's)
	// before the next one starts, so that the server connection it used is
	// idle when the next client's requests arrive.
	afterClose := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, shut: true, eof: true},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, shut: true, eof: true},
		{conn: 2, send: "GET /c1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	var reuse []tcase
	for _, mode := range []string{"", "never", "safe", "aggressive", "always"} {
		cfg, name := simple, "reuse-default"
		if mode != "" {
			cfg, name = withBE("    http-reuse "+mode+"\n"), "reuse-"+mode
		}
		// haproxy sizes its idle pool from an estimate of the connections
		// it needs and closes idle connections beyond it, so which server
		// connection carries a request differs for the modes that share
		// the pool between clients; the responses must still match.
		shared := mode == "" || mode == "safe" || mode == "aggressive"
		reuse = append(reuse,
			tcase{name: name + "-interleaved", cfg: cfg, steps: interleaved, anyConn: shared},
			tcase{name: name + "-after-close", cfg: cfg, steps: afterClose, anyConn: shared})
	}
	runCases(t, append(reuse, []tcase{
		{name: "keep-alive-default", cfg: simple, steps: two},
		{name: "http-keep-alive", cfg: withFE("    option http-keep-alive\n"), steps: two},
		{name: "http-server-close", cfg: withFE("    option http-server-close\n"), steps: two},
		{name: "http-server-close-in-backend", cfg: withBE("    option http-server-close\n"), steps: two},
		{name: "http-server-close-http10-keep-alive", cfg: withFE("    option http-server-close\n"), steps: []step{
			{send: "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", read: 1},
			{send: "GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", read: 1},
		}},
		{name: "httpclose", cfg: withFE("    option httpclose\n"), steps: two},
		{name: "httpclose-in-backend", cfg: withBE("    option httpclose\n"), steps: two},
		{name: "httpclose-chunked-response", cfg: withFE("    option httpclose\n"), req: get,
			replies: []reply{rawReply("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")}},
		{name: "reuse-always-server-close", cfg: withBE("    http-reuse always\n    option http-server-close\n"), steps: interleaved},
	}...))
}

// option http-restrict-req-hdr-names: header names outside [A-Za-z0-9-]
// kept, removed, or refused with a 403, in the frontend and the backend,
// after their http-request rules (which still see the header).
func TestRestrictReqHdrNames(t *testing.T) {
	const odd = "GET / HTTP/1.1\r\nHost: a\r\nX-my_hdr: on\r\nX.Dot: 1\r\nX-Ok: 2\r\n\r\n"
	const sawIt = "    http-request set-header x-saw %[req.hdr(x-my_hdr)]\n"
	runCases(t, []tcase{
		{name: "preserve", cfg: withFE("    option http-restrict-req-hdr-names preserve\n"), req: odd},
		{name: "delete", cfg: withFE("    option http-restrict-req-hdr-names delete\n" + sawIt), req: odd},
		{name: "delete-in-backend", cfg: withBE("    option http-restrict-req-hdr-names delete\n"), req: odd},
		{name: "reject", cfg: withFE("    option http-restrict-req-hdr-names reject\n"),
			steps: []step{{send: get, read: 1}, {send: odd, read: 1}}},
		{name: "reject-in-backend", cfg: withBE("    option http-restrict-req-hdr-names reject\n"), req: odd},
		{name: "frontend-delete-backend-reject", cfg: withBoth("    option http-restrict-req-hdr-names delete\n", "    option http-restrict-req-hdr-names reject\n"), req: odd},
	})
}
