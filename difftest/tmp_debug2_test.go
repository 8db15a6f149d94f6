package difftest

import "testing"

func TestTmpStrace(t *testing.T) {
	interleaved := []step{
		{conn: 0, send: "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b1 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 0, send: "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
		{conn: 1, send: "GET /b2 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
	}
	tc := tcase{name: "x", cfg: withBE("    http-reuse never\n"), steps: interleaved, noProbe: true}
	lines, _, err := runCase(t, "/tmp/strace_wrap.sh", &tc)
	t.Log(lines, err)
}
