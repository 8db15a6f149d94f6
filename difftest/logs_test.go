package difftest

import (
	"strings"
	"testing"
	"time"
)

// Traffic logs: the same traffic must give the same log lines as haproxy
// (issue 6 §4), timers and dates aside (see logNorm).

// logFE is a frontend logging to the case's sink, with fmt's log lines.
func logFE(opts, fmt string) string { return logFEBE(opts, fmt, "") }

// logFEBE is logFE with backend options.
func logFEBE(opts, fmt, beOpts string) string {
	return `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
` + fmt + opts + `    default_backend be
backend be
` + beOpts + `    server s1 "127.0.0.1:${S1_PORT}"
`
}

const httplog = "    option httplog\n"

// The upgrade of the websocket cases.
const (
	logWS        = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
	logSwitching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
)

func TestLogs(t *testing.T) {
	get := "GET /a?b=c HTTP/1.1\r\nhost: x\r\n\r\n"
	getClose := "GET /a HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
	runCases(t, []tcase{
		{name: "httplog/200", cfg: logFE("", httplog), req: getClose, logs: 1},
		{name: "httplog/keepalive", cfg: logFE("", httplog), req: get + get, n: 2, logs: 2, noProbe: true},
		{name: "httplog/post", cfg: logFE("", httplog), logs: 1,
			req: "POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello"},
		{name: "httplog/deny", cfg: logFE("    http-request deny\n", httplog), req: getClose, logs: 1},
		{name: "httplog/redirect", cfg: logFE("    http-request redirect location /x code 301\n", httplog), req: getClose, logs: 1},
		{name: "httplog/response-deny", cfg: logFE("    http-response deny\n", httplog), req: getClose, logs: 1},
		{name: "httplog/chunked", cfg: logFE("", httplog), req: getClose, logs: 1,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}}},
		{name: "httplog/return", cfg: logFE("    http-request return status 200 content-type text/plain string ok\n", httplog), req: getClose, logs: 1},
		{name: "httplog/no-backend", logs: 1, req: getClose, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option httplog
`},
		{name: "httplog/connect-refused", logs: 1, req: getClose, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option httplog
    default_backend be
backend be
    retries 0
    server s1 "127.0.0.1:${CLOSED_PORT}"
`},
		{name: "httplog/server-timeout", cfg: logFEBE("", httplog, "    timeout server 200ms\n"), req: getClose, logs: 1,
			replies: []reply{{kind: replyHang}}},
		{name: "httplog/server-close", cfg: logFE("", httplog), req: getClose, logs: 1,
			replies: []reply{{kind: replyClose}}},
		{name: "httplog/bad-response", cfg: logFE("", httplog), req: getClose, logs: 1,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 abc\r\n\r\n", close: true}}},
		{name: "httplog/bad-request", cfg: logFE("", httplog), req: "GET / HTTP/1.1\r\nho st: x\r\n\r\n", logs: 1},
		{name: "httplog/request-timeout", cfg: logFE("    timeout http-request 200ms\n", httplog), logs: 1,
			steps: []step{{send: "GET / HTTP/1.1\r\n", read: 1}}},
		{name: "httplog/empty-timeout", cfg: logFE("    timeout http-request 200ms\n", httplog), logs: 1,
			steps: []step{{read: 1}}},
		{name: "httplog/empty-dontlognull", cfg: logFE("    timeout http-request 200ms\n    option dontlognull\n", httplog), logs: 0,
			steps: []step{{read: 1}}},
		{name: "httplog/client-gone", cfg: logFEBE("", httplog, "    timeout server 300ms\n"), logs: 1,
			replies: []reply{{kind: replyHang}},
			steps:   []step{{send: getClose, shut: true, wait: 100 * time.Millisecond}}},
		// Issue 13 D5: a stalled upload is answered 504 at timeout server.
		{name: "httplog/stalled-body", cfg: logFEBE("", httplog, "    timeout server 300ms\n"), logs: 1,
			replies: []reply{{kind: replyHang}},
			steps:   []step{{send: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nhello", read: 1}}},
		// Issue 13 D2: a later request whose server closes unanswered
		// ends the connection silently, and is not logged.
		{name: "httplog/silent-close", cfg: logFE("", httplog), logs: 1, noProbe: true,
			replies: []reply{{}, {kind: replyClose}},
			steps:   []step{{send: get, read: 1}, {send: get, read: 1}}},
		{name: "captures", req: getClose + "", logs: 1, cfg: logFE(`    capture request header Host len 3
    capture request header user-agent len 20
    capture response header x-origin len 10
    declare capture request len 4
`, httplog)},
		{name: "format/local", cfg: strings.Replace(logFE("", httplog), "format raw", "", 1), req: getClose, logs: 1},
		{name: "format/rfc3164-tag", cfg: strings.Replace(logFE("    log-tag mytag\n", httplog), "format raw", "format rfc3164", 1), req: getClose, logs: 1},
		{name: "format/rfc5424", cfg: strings.Replace(logFE("    log-tag t5\n", httplog), "format raw", "format rfc5424", 1), req: getClose, logs: 1},
		{name: "format/short-sd", cfg: strings.Replace(logFE("    log-format-sd \"[exampleSDID@32473 fe=\\\"%f\\\"]\"\n", httplog), "format raw", "format rfc5424", 1), req: getClose, logs: 1},
		{name: "format/iso", cfg: strings.Replace(logFE("", httplog), "format raw", "format iso", 1), req: getClose, logs: 1},
		{name: "separate-errors", cfg: strings.Replace(logFE("    option log-separate-errors\n    http-request deny if { path /d }\n", httplog), "format raw", "format short", 1),
			req: get + "GET /d HTTP/1.1\r\nhost: x\r\n\r\n", n: 2, logs: 2, noProbe: true},
		{name: "dontlog-normal", cfg: logFE("    option dontlog-normal\n    http-request deny if { path /d }\n", httplog),
			req: get + "GET /d HTTP/1.1\r\nhost: x\r\n\r\n", n: 2, logs: 1, noProbe: true},
		{name: "level-filter", cfg: strings.Replace(logFE("", httplog), "local0", "local0 notice", 1), req: getClose, logs: 0},
		{name: "minlevel", cfg: strings.Replace(strings.Replace(logFE("", httplog), "local0", "local0 debug err", 1), "format raw", "format short", 1), req: getClose, logs: 1},
		{name: "unique-id", cfg: logFE(`    unique-id-format "%{+X}o%ci-%[req.hdr(host)]"
    unique-id-header X-Unique-ID
`, `    log-format "%ID %{+Q}r"
`), req: getClose, logs: 1},
		{name: "stream-fetches", req: getClose, logs: 1, cfg: logFE(`    capture request header host len 10
    capture response header x-origin len 5
    unique-id-format "id-%[fe_name]"
`, `    log-format "%[fe_name] %[fe_id] %[be_name] %[be_id] %[srv_name] %[srv_id] %[so_name] %[http_first_req] %[capture.req.method] %[capture.req.uri] %[capture.req.ver] %[capture.res.ver] %[capture.req.hdr(0)] %[capture.res.hdr(0)] %[unique-id] %[ssl_fc]"
`)},
		{name: "capture-actions", req: getClose, logs: 1, cfg: logFE(`    declare capture response len 4
    http-request capture req.hdr(host) len 5
    http-request capture path id 0
    http-response capture res.hdr(x-origin) id 0
`, httplog)},
		{name: "tcp-content-capture/http", req: getClose, logs: 1, cfg: logFE(`    tcp-request inspect-delay 1s
    tcp-request content capture req.hdr(host) len 10
`, httplog)},
		{name: "tcp-content-capture/tcp", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    tcp-request content capture str(abcdef) len 3
    log-format "%ci %[capture.req.hdr(0)] %ts"
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", shut: true, raw: 5}}},
		// Bytes the content rules read while inspecting count in %U,
		// as haproxy counts everything its request buffer received.
		{name: "tcp-content-inspected-bytes/tcp", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    tcp-request inspect-delay 1s
    tcp-request content accept if { req.len ge 5 }
    log-format "%ci U=%U B=%B %ts"
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", shut: true, raw: 5}}},
		{name: "after-response-capture", req: getClose, logs: 1, cfg: logFE(`    declare capture response len 4
    http-after-response capture status id 0
`, httplog)},
		{name: "after-response-set-status", cfg: logFE(`    http-request deny if { path /d }
    http-after-response set-status 418
`, httplog), req: get + "GET /d HTTP/1.1\r\nhost: x\r\n\r\n", n: 2, logs: 2, noProbe: true},
		{name: "response-set-header", cfg: logFE(`    http-response set-header X-New abcdef
    http-response set-status 202 reason Fine
`, httplog), req: getClose, logs: 1},
		{name: "bytes-in/get", req: getClose, logs: 1, cfg: logFE("", `    log-format "%{+Q}r U=%U B=%B %ts"
`)},
		{name: "bytes-in/streamed-upload", logs: 1, cfg: logFE("", `    log-format "%{+Q}r U=%U B=%B %ts"
`), steps: []step{
			{send: "POST /up?q=1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 4000\r\n\r\n" + strings.Repeat("B", 1000)},
			{send: strings.Repeat("B", 3000), read: 1}}},
		{name: "bytes-in/chunked-upload", logs: 1, cfg: logFE("", `    log-format "%{+Q}r U=%U B=%B %ts"
`), steps: []step{
			{send: "POST /up HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n400\r\n" + strings.Repeat("C", 1024) + "\r\n"},
			{send: "10\r\n" + strings.Repeat("D", 16) + "\r\n0\r\n\r\n", read: 1}}},
		{name: "websocket", logs: 1, cfg: logFEBE("", `    log-format "%{+Q}r ST=%ST U=%U B=%B %ts"
`, "    timeout tunnel 2s\n"), replies: []reply{{kind: replyTunnel, raw: logSwitching}},
			steps: []step{{send: logWS, read: 1}, {send: "ping", raw: 4}, {shut: true, eof: true}}},
		{name: "websocket-timeout", logs: 1, cfg: logFEBE("", `    log-format "%{+Q}r ST=%ST %ts"
`, "    timeout tunnel 300ms\n"), replies: []reply{{kind: replyTunnel, raw: logSwitching}},
			steps: []step{{send: logWS, read: 1}, {send: "a", raw: 1}, {eof: true, wait: 1500 * time.Millisecond}}},
		{name: "tcp-content-reject/http", logs: 1, cfg: logFE(`    tcp-request inspect-delay 1s
    tcp-request content reject if { path /no }
`, `    log-format "%{+Q}r ST=%ST T[%TR] %ts"
`), steps: []step{{send: "GET /no HTTP/1.1\r\nhost: x\r\n\r\n", eof: true}}},
		{name: "bad-chunk-with-head", logs: 1, cfg: logFE("", `    log-format "%{+Q}r ST=%ST B=%B T[%TR] %ts"
`), req: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"},
		{name: "client-closes-empty", logs: 1, cfg: logFE("", httplog), steps: []step{{shut: true, eof: true}}},
		{name: "client-closes-partial", logs: 1, cfg: logFE("", httplog), steps: []step{{send: "GET /a HTTP/1.1\r\nhost", shut: true, eof: true}}},
		{name: "client-closes-dontlognull", logs: 0, cfg: logFE("    option dontlognull\n", httplog), steps: []step{{shut: true, eof: true}}},
		{name: "tarpit", logs: 1, req: getClose, cfg: logFEBE("", `    log-format "ST=%ST T[%TR/%Tw] %ts"
`, "    timeout tarpit 300ms\n    http-request tarpit\n")},
		{name: "tcp/timeout", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%ci B=%B U=%U %ts"
    timeout client 300ms
    default_backend be
backend be
    mode tcp
    timeout server 3s
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", raw: 5}, {eof: true, wait: 1500 * time.Millisecond}}},
		{name: "tcp/content-reject", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%ci %b/%s %ts"
    tcp-request content reject
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", eof: true}}},
		{name: "tcp/dontlognull", logs: 0, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option tcplog
    option dontlognull
    timeout client 1s
    default_backend be
backend be
    mode tcp
    # Longer than the client's: the client's timeout shuts the server's
    # side, whose answer then flows back. Equal timeouts race in both.
    timeout server 2s
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{eof: true, wait: 1500 * time.Millisecond}}},
		// A format that reads nothing only the end knows is sent once the
		// response head is in, before the http-response rules: their
		// variable is not set yet. With %B it waits for the end.
		{name: "early-without-end-variables", req: get, logs: 1, noProbe: true,
			cfg: logFE("    http-response set-var(txn.x) str(late)\n", "    log-format \"%[var(txn.x)] %ST\"\n")},
		{name: "end-with-bytes", req: get, logs: 1, noProbe: true,
			cfg: logFE("    http-response set-var(txn.x) str(late)\n", "    log-format \"%[var(txn.x)] %ST %B\"\n")},
		{name: "early-unless-unique-id-waits", req: get, logs: 1, noProbe: true,
			cfg: logFE("    http-response set-var(txn.x) str(late)\n    unique-id-format %Tt\n", "    log-format \"%[var(txn.x)] %ST\"\n")},
		{name: "logasap-after-response-rules", req: get, logs: 1, noProbe: true,
			cfg: logFE("    option logasap\n    http-response set-var(txn.x) str(late)\n    http-response set-status 201\n    http-response set-header x-added abcdef\n    http-after-response set-var(txn.y) str(after)\n",
				"    log-format \"%[var(txn.x)] %[var(txn.y)] %ST %B\"\n")},
		{name: "set-log-level", req: get + get + "GET /s HTTP/1.1\r\nhost: x\r\n\r\n", n: 3, logs: 2, noProbe: true,
			cfg: strings.Replace(logFE(`    http-request set-log-level err if { path /a }
    http-request set-log-level silent if { path /s }
`, httplog), "format raw", "format short", 1)},
		{name: "unique-id-return", cfg: logFE(`    unique-id-format "UID-%[req.hdr(host)]-%[path]"
    http-request return status 200 content-type text/plain lf-string "%[unique-id]" if { path /now }
    http-request return status 200 content-type text/plain string ok if { path /late }
`, `    log-format "%ID %{+Q}r"
`), req: "GET /now HTTP/1.1\r\nhost: x\r\n\r\nGET /late HTTP/1.1\r\nhost: x\r\n\r\nGET /s HTTP/1.1\r\nhost: x\r\n\r\n", n: 3, logs: 3, noProbe: true},
		{name: "log-global", logs: 1, req: getClose, full: true, cfg: globalLogCfg("")},
		{name: "no-log", logs: 0, req: getClose, full: true, warns: true, cfg: globalLogCfg("    no log\n")},
		{name: "tcplog", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option tcplog
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", shut: true, raw: 5}}},
		{name: "logasap/200", cfg: logFE("    option logasap\n", httplog), req: getClose, logs: 1},
		{name: "logasap/keepalive", cfg: logFE("    option logasap\n", httplog), req: get + get, n: 2, logs: 2, noProbe: true},
		{name: "logasap/chunked", cfg: logFE("    option logasap\n", httplog), req: getClose, logs: 1,
			replies: []reply{{kind: replyRaw, raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}}},
		{name: "logasap/deny", cfg: logFE("    option logasap\n    http-request deny\n", httplog), req: getClose, logs: 1},
		{name: "logasap/connect-refused", logs: 1, req: getClose, cfg: `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option httplog
    option logasap
    default_backend be
backend be
    retries 0
    server s1 "127.0.0.1:${CLOSED_PORT}"
`},
		{name: "logasap/tcplog", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option tcplog
    option logasap
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", shut: true, raw: 5}}},
		{name: "default-format", cfg: logFE("", ""), req: getClose, logs: 1},
		{name: "seed004-format", cfg: logFE("", `    log-format "%ci:%cp [%tr] %ft %b/%s T[%TR/%Tw/%Tc/%Tr/%Ta] %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
`), req: getClose, logs: 1},
	})
}

// globalLogCfg is an HTTP frontend that logs through "log global" to the
// collector, with extra lines added to the frontend.
func globalLogCfg(extra string) string {
	return `global
    log "127.0.0.1:${LOG_PORT}" format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 3s
    timeout server 3s
frontend fe
    bind "127.0.0.1:${FE_PORT}"
` + extra + `    default_backend be
backend be
    server s1 "127.0.0.1:${S1_PORT}"
`
}

// The 408 of a wait-for-body that ran out: cR, no request time. The byte
// count differs from haproxy's (see docs/configuration.md), so %B is left
// out of the format.
func TestLogWaitForBodyTimeout(t *testing.T) {
	const noBytes = `    log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %tsc %{+Q}r"` + "\n"
	runCases(t, []tcase{
		{name: "wait-timeout", cfg: logFE("    http-request wait-for-body time 300ms\n", noBytes), logs: 1,
			steps: []step{{send: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabcd", read: 1}}},
	})
}
