package difftest

import "testing"

func TestTmpDebug(t *testing.T) {
	interleaved := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a3 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b3 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	ok := raw200("ok")
	runCases(t, []tcase{
		{name: "x", cfg: withBE("    http-reuse never\n"), steps: interleaved, noProbe: true, replies: []reply{ok, ok, ok, ok, ok, ok}},
	})
}
