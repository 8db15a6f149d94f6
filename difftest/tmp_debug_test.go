package difftest

import (
	"testing"
	"time"
)

func TestTmpDebug(t *testing.T) {
	interleaved := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, shut: true, eof: true},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, shut: true, eof: true},
		{conn: 2, send: "GET /c1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 3, send: "GET /d1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	ok := raw200("ok")
	ok.delay = 10 * time.Millisecond
	var cases []tcase
	for _, m := range []string{"never", "safe", "aggressive", "always"} {
		cases = append(cases, tcase{name: m, cfg: withBE("    http-reuse " + m + "\n"), steps: interleaved, noProbe: true, replies: []reply{ok, ok, ok, ok, ok, ok}})
	}
	runCases(t, cases)
}
