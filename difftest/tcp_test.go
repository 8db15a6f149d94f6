package difftest

import (
	"strings"
	"testing"
	"time"
)

// mode tcp: the origins are echo servers that, once their peer half-closes,
// send a note of their own and close (echoEOFNote).

const tcpSimple = `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`

func TestTCPMode(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 16384) // 256 KiB
	note := echoEOFNote("s1")
	runCases(t, []tcase{
		{name: "echo", cfg: tcpSimple, tcp: true, steps: []step{
			{send: "hello", raw: 5},
			{send: "\x00\xff binary \r\n", raw: 12},
			{shut: true, eof: true},
		}},
		{name: "half-close-server-still-sends", cfg: tcpSimple, tcp: true, steps: []step{
			{send: "abc", shut: true, raw: 3 + len(note)},
			{eof: true},
		}},
		{name: "http-bytes-pass-untouched", cfg: tcpSimple, tcp: true, steps: []step{
			{send: "GET / HTTP/1.1\r\nHost: a\r\nX Bad Header\r\n\r\n", raw: 41},
			{shut: true, eof: true},
		}},
		{name: "large-transfer", cfg: tcpSimple, tcp: true, steps: []step{
			{send: big, raw: len(big)},
			{shut: true, eof: true},
		}},
		{name: "timeout-client-idle", cfg: strings.Replace(tcpSimple, "    mode tcp\n    bind", "    mode tcp\n    timeout client 300ms\n    bind", 1), tcp: true,
			steps: []step{
				{send: "x", raw: 1},
				// Closed after 300ms idle; 1.5s tells that from the 3s default.
				{eof: true, wait: 1500 * time.Millisecond},
			}},
		// timeout tunnel is the backend's: a frontend's, even inherited
		// from its defaults, does not apply.
		{name: "timeout-tunnel-is-the-backends", full: true, tcp: true, cfg: `global
    nbthread 1

defaults fed
    mode tcp
    timeout connect 1s
    timeout client 3s
    timeout server 3s
    timeout tunnel 300ms

frontend fe from fed
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

defaults bed
    mode tcp
    timeout connect 1s
    timeout client 3s
    timeout server 3s

backend be from bed
    server s1 "127.0.0.1:${S1_PORT}"
`,
			steps: []step{
				{send: "x", raw: 1},
				// Still open after 1.5s: the 3s timeouts apply.
				{eof: true, wait: 1500 * time.Millisecond},
			}},
		{name: "timeout-server-idle", cfg: strings.Replace(tcpSimple, "backend be\n    mode tcp\n", "backend be\n    mode tcp\n    timeout server 300ms\n", 1), tcp: true,
			steps: []step{
				{send: "x", raw: 1},
				{eof: true, wait: 1500 * time.Millisecond},
			}},
		{name: "no-server", tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    mode tcp
`, steps: []step{{send: "x", eof: true}}},
		{name: "connection-refused", tcp: true,
			cfg:   strings.Replace(tcpSimple, `"127.0.0.1:${S1_PORT}"`, `"127.0.0.1:${CLOSED_PORT}"`+"\n    retries 1\n    timeout connect 200ms", 1),
			steps: []step{{send: "x", eof: true}}},
		{name: "roundrobin-per-connection", tcp: true, cfg: tcpSimple + "    server s2 \"127.0.0.1:${S2_PORT}\"\n",
			steps: []step{
				{conn: 0, send: "a", raw: 1, shut: true},
				{conn: 0, raw: len(note), eof: true},
				{conn: 1, send: "b", raw: 1, shut: true},
				{conn: 1, raw: len(note), eof: true},
				{conn: 2, send: "c", raw: 1, shut: true},
				{conn: 2, raw: len(note), eof: true},
			}},
	})
}
