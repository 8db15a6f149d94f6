package difftest

import (
	"strings"
	"testing"
	"time"
)

// The stream actions: set-src, set-src-port, set-dst, set-dst-port (in
// http-request and the tcp-request sets), set-timeout and early-hint. An
// address change is observed where the rest of the stream reads it: the
// X-Forwarded-For the origin gets, fetches rendered by a return, the log
// line, the server balance source picks.

// showAddrs answers with the stream's addresses as fetches see them. The
// client's own port is ephemeral: it is shown as its difference from the
// one saved in txn.p before any change, and so is the frontend's port
// (txn.d); a case that sets a port sets its variable to 0 afterwards.
const showAddrs = "    http-request return status 200 content-type text/plain lf-string \"%[src] %[src_port,sub(txn.p)] %[dst] %[dst_port,sub(txn.d)]\"\n"

func addrFE(rules string) string {
	var tcp, http string
	for _, l := range strings.SplitAfter(rules, "\n") {
		if strings.HasPrefix(l, "    tcp-request") {
			tcp += l // before the http-request rules, as they run
		} else {
			http += l
		}
	}
	return `frontend fe
    bind "127.0.0.1:${FE_PORT}"
` + tcp + `    http-request set-var(txn.p) src_port
    http-request set-var(txn.d) dst_port
` + http + showAddrs
}

func xffFE(rules string) string {
	return withFE("    option forwardfor\n" + rules)
}

func TestSetSrcDst(t *testing.T) {
	withIP := func(ip string) string { return "GET / HTTP/1.1\r\nHost: a\r\nX-Ip: " + ip + "\r\n\r\n" }
	runCases(t, []tcase{
		{name: "set-src/xff", cfg: xffFE("    http-request set-src hdr(x-ip)\n"), req: withIP("10.1.2.3")},
		{name: "set-src/xff-ipv6", cfg: xffFE("    http-request set-src hdr(x-ip)\n"), req: withIP("2001:db8::7")},
		{name: "set-src/not-an-address", cfg: xffFE("    http-request set-src hdr(x-ip)\n"), req: withIP("not-an-ip")},
		{name: "set-src/no-value", cfg: xffFE("    http-request set-src hdr(x-none)\n"), req: withIP("10.1.2.3")},
		{name: "set-src/integer", cfg: xffFE("    http-request set-src int(167772161)\n"), req: get},
		{name: "set-src/keeps-port", cfg: addrFE("    http-request set-src hdr(x-ip)\n"), req: withIP("10.9.8.7")},
		{name: "set-src/keeps-port-ipv6", cfg: addrFE("    http-request set-src hdr(x-ip)\n"), req: withIP("::1")},
		{name: "set-src-port", cfg: addrFE("    http-request set-src-port int(4242)\n    http-request set-var(txn.p) int(0)\n"), req: get},
		{name: "set-src-port/wraps", cfg: addrFE("    http-request set-src-port int(70000)\n    http-request set-var(txn.p) int(0)\n"), req: get},
		{name: "set-src-port/string", cfg: addrFE("    http-request set-src-port hdr(x-ip)\n    http-request set-var(txn.p) int(0)\n"), req: withIP("81abc")},
		{name: "set-src-port/not-a-number", cfg: addrFE("    http-request set-src-port hdr(x-ip)\n    http-request set-var(txn.p) int(0)\n"), req: withIP("abc")},
		{name: "set-dst", cfg: addrFE("    http-request set-dst hdr(x-ip)\n"), req: withIP("192.0.2.10")},
		{name: "set-dst-port", cfg: addrFE("    http-request set-dst-port int(8443)\n    http-request set-var(txn.d) int(0)\n"), req: get},
		{name: "set-dst-and-port", cfg: addrFE("    http-request set-dst ipv6(2001:db8::1)\n    http-request set-dst-port str(99)\n    http-request set-var(txn.d) int(0)\n"), req: get},
		{name: "set-src/condition", cfg: addrFE("    http-request set-src ipv4(10.0.0.1) if { path /a }\n"),
			req: "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", n: 2},
		{name: "set-src/next-request-starts-over", cfg: xffFE("    http-request set-src hdr(x-ip)\n"),
			steps: []step{{send: withIP("10.1.1.1"), read: 1}, {send: get, read: 1}, {send: withIP("10.2.2.2"), read: 1}}},
		{name: "set-src/acl-after", cfg: addrFE("    http-request set-src hdr(x-ip)\n    http-request deny if { src 10.0.0.0/8 }\n"),
			steps: []step{{send: withIP("10.1.1.1"), read: 1}, {send: withIP("192.168.1.1"), read: 1}}},
		{name: "set-src/in-backend", cfg: withBoth("    option forwardfor\n", "    http-request set-src hdr(x-ip)\n"), req: withIP("10.3.3.3")},
		{name: "tcp-request-connection/set-src", cfg: xffFE("    tcp-request connection set-src ipv4(10.0.0.1)\n"),
			steps: []step{{send: get, read: 1}, {send: get, read: 1}}},
		{name: "tcp-request-connection/set-src-req-fetch", cfg: xffFE("    tcp-request connection set-src hdr(x-ip)\n"), req: withIP("10.1.2.3")},
		{name: "tcp-request-session/set-src-port", cfg: addrFE("    tcp-request session set-src-port int(1234)\n    http-request set-var(txn.p) int(0)\n"),
			req: get + get, n: 2},
		{name: "tcp-request-content/set-src", cfg: xffFE("    tcp-request content set-src hdr(x-ip)\n"),
			steps: []step{{send: withIP("10.1.1.1"), read: 1}, {send: get, read: 1}}},
		{name: "tcp-request-content/set-dst-port", cfg: addrFE("    tcp-request content set-dst-port int(81)\n    http-request set-var(txn.d) int(0)\n"), req: get},
		{name: "balance-source", anyConn: true, cfg: strings.Replace(pool("    balance source\n"), "    default_backend be\n",
			"    http-request set-src hdr(x-ip)\n    default_backend be\n", 1),
			steps: eachOnNewConn([]string{withIP("10.0.0.1"), withIP("10.0.0.2"), withIP("10.0.0.3"), withIP("10.0.0.4"), withIP("172.16.5.4"), withIP("2001:db8::9")})},
		{name: "log", logs: 2, cfg: logFE("    http-request set-src hdr(x-ip)\n    http-request set-src-port int(5555)\n    http-request set-dst ipv4(192.0.2.1)\n    http-request set-dst-port int(8080)\n",
			"    log-format \"%ci:%cp %fi:%fp %HP\"\n"),
			req: withIP("10.7.7.7") + "GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", n: 2},
	})
}

func TestSetSrcTCPMode(t *testing.T) {
	runCases(t, []tcase{
		{name: "tcp-content/set-src-log", tcp: true, logs: 1, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%ci:%cp %fi:%fp"
    tcp-request connection set-dst-port int(7)
    tcp-request content set-src ipv4(10.4.4.4)
    tcp-request content set-src-port int(44)
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "ping", raw: 4}, {shut: true, eof: true}}},
	})
}

func TestSetTimeout(t *testing.T) {
	const ws = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	const switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	slow := strings.Replace(simple, "\nbackend be\n", "\nbackend be\n    timeout server 10s\n", 1)
	withTimeout := func(rules string) string {
		return strings.Replace(slow, "    timeout server 10s\n", "    timeout server 10s\n"+rules, 1)
	}
	short := 1500 * time.Millisecond
	hang := []reply{{kind: replyHang}}
	runCases(t, []tcase{
		{name: "server", cfg: withTimeout("    http-request set-timeout server 200ms\n"), replies: hang,
			steps: []step{{send: get, read: 1, wait: short}}},
		{name: "server-expr", cfg: withTimeout("    http-request set-timeout server req.hdr(x-t)\n"), replies: hang,
			steps: []step{{send: "GET / HTTP/1.1\r\nHost: a\r\nX-T: 300\r\n\r\n", read: 1, wait: short}}},
		{name: "server-expr-zero-keeps-backend", cfg: withTimeout("    http-request set-timeout server req.hdr(x-t)\n"), replies: hang, noProbe: true,
			steps: []step{{send: "GET / HTTP/1.1\r\nHost: a\r\nX-T: 0\r\n\r\n", read: 1, wait: short}}},
		{name: "server-expr-missing", cfg: withTimeout("    http-request set-timeout server req.hdr(x-t)\n"), replies: hang, noProbe: true,
			steps: []step{{send: get, read: 1, wait: short}}},
		{name: "server-last-wins", cfg: withTimeout("    http-request set-timeout server 5s\n    http-request set-timeout server 250ms\n"), replies: hang,
			steps: []step{{send: get, read: 1, wait: short}}},
		{name: "server-in-listen", replies: hang, cfg: `listen li
    bind "127.0.0.1:${FE_PORT}"
    timeout server 10s
    http-request set-timeout server 200ms if { path / }
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: get, read: 1, wait: short}}},
		{name: "server-one-request-only", cfg: withTimeout("    http-request set-timeout server 200ms if { path /short }\n"),
			replies: []reply{{kind: replyHang}, {kind: replyHang}}, noProbe: true,
			steps: []step{{send: "GET /short HTTP/1.1\r\nHost: a\r\n\r\n", read: 1, wait: short}, {send: get, read: 1, wait: short}}},
		{name: "tunnel", cfg: withTimeout("    http-request set-timeout tunnel 300ms\n"),
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps:   []step{{send: ws, read: 1}, {send: "a", raw: 1}, {eof: true, wait: short}}},
		{name: "tunnel-over-backend", cfg: withTimeout("    timeout tunnel 10s\n    http-request set-timeout tunnel int(300)\n"),
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps:   []step{{send: ws, read: 1}, {send: "a", raw: 1}, {eof: true, wait: short}}},
		{name: "tunnel-uses-server", cfg: strings.Replace(simple, "\nbackend be\n", "\nbackend be\n    http-request set-timeout server 300ms\n", 1),
			replies: []reply{{kind: replyTunnel, raw: switching}},
			steps:   []step{{send: ws, read: 1}, {send: "a", raw: 1}, {eof: true, wait: short}}},
	})
}

func TestEarlyHint(t *testing.T) {
	ret := "    http-request return status 200 content-type text/plain string done\n"
	runCases(t, []tcase{
		{name: "one", exact: true, req: get,
			cfg: withFE("    http-request early-hint Link \"</style.css>; rel=preload; as=style\"\n" + ret)},
		{name: "run-shares-one-103", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>; rel=preload\"\n    http-request early-hint link \"</b.js>; rel=preload\"\n" + ret)},
		{name: "two-runs", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>\"\n    http-request set-var(txn.x) str(y)\n    http-request early-hint x-hint \"%[var(txn.x)] %[path]\"\n" + ret)},
		{name: "first-of-run-skipped", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>\" if { path /nothing }\n    http-request early-hint link \"</b.css>\"\n" + ret)},
		{name: "last-of-run-skipped", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>\"\n    http-request early-hint link \"</b.css>\" if { path /nothing }\n" + ret)},
		{name: "condition", exact: true, req: "GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n", n: 2,
			cfg: withFE("    http-request early-hint link \"</x.css>\" if { path /x }\n" + ret)},
		{name: "empty-value", exact: true, req: get,
			cfg: withFE("    http-request early-hint x-empty \"%[req.hdr(x-none)]\"\n" + ret)},
		{name: "http10-none", exact: true, req: "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
			cfg: withFE("    http-request early-hint link \"</a.css>\"\n" + ret)},
		{name: "then-origin", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>\"\n")},
		{name: "in-backend", exact: true, req: get,
			cfg: withBoth("    http-request early-hint link \"</fe.css>\"\n", "    http-request early-hint link \"</be.css>\"\n")},
		{name: "then-deny", exact: true, req: get,
			cfg: withFE("    http-request early-hint link \"</a.css>\"\n    http-request deny\n")},
		{name: "log", logs: 1, req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			cfg: logFE("    http-request early-hint link \"</a.css>\"\n", "    option httplog\n")},
		{name: "log-two-fields-two-runs", logs: 1, req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			cfg: logFE("    http-request early-hint link \"</a.css>\"\n    http-request early-hint x-b \"1\"\n    http-request set-var(txn.x) int(1)\n    http-request early-hint link \"</c.css>\"\n", "    option httplog\n")},
	})
}

// fc_src and fc_dst: the front connection's addresses, which a
// tcp-request connection set-src changes and later set-src rules do not.
func TestFrontConnectionAddrs(t *testing.T) {
	const show = "    http-request return status 200 content-type text/plain lf-string \"%[fc_src] %[fc_dst] %[src] %[dst] %[fc_src_port,sub(txn.p)]\"\n"
	fe := func(rules string) string {
		return `frontend fe
    bind "127.0.0.1:${FE_PORT}"
` + rules + `    http-request set-var(txn.p) fc_src_port
` + show
	}
	runCases(t, []tcase{
		{name: "plain", cfg: fe(""), req: get},
		{name: "connection-set-src", cfg: fe("    tcp-request connection set-src ipv4(10.0.0.1)\n    tcp-request connection set-dst ipv4(10.0.0.2)\n"), req: get},
		{name: "session-set-src", cfg: fe("    tcp-request connection set-src ipv4(10.0.0.1)\n    tcp-request session set-src ipv4(10.1.0.1)\n    tcp-request session set-dst ipv4(10.1.0.2)\n"), req: get},
		{name: "http-set-src", cfg: fe("    http-request set-src str(10.2.0.1)\n"), req: get},
	})
}

// The timeout fetches: the configured timeouts of the stream's frontend
// and backend, and the ones it applies, before routing, after routing,
// once connected, after set-timeout, and where no server is connected.
func TestTimeoutFetches(t *testing.T) {
	const show = "\"%[fe_client_timeout] %[be_server_timeout] %[be_tunnel_timeout] %[cur_server_timeout] %[cur_tunnel_timeout]\""
	tcpLog := func(format, fe, be string) string {
		return `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format ` + format + `
    timeout client 7s
` + fe + `    default_backend be
backend be
    mode tcp
    timeout server 9s
` + be + `    server s1 "127.0.0.1:${S1_PORT}"
`
	}
	tcpSteps := []step{{send: "hi", raw: 2}, {shut: true, eof: true}}
	// A frontend's rules may read only the frontend's: haproxy (and
	// switchyard) refuse the backend's fetches there.
	fe := "    timeout client 7s\n    http-request set-header X-FE %[fe_client_timeout]\n"
	be := "    timeout server 9s\n    timeout tunnel 11s\n    http-request set-header X-BE " + show + "\n    http-response set-header X-BE-RES " + show + "\n"
	runCases(t, []tcase{
		{name: "frontend-backend", req: get, cfg: withBoth(fe, be)},
		{name: "set-timeout", req: get, cfg: withBoth(fe, "    http-request set-timeout server 4s\n    http-request set-timeout tunnel 5s\n"+be)},
		{name: "listen", req: get, cfg: `listen li
    bind "127.0.0.1:${FE_PORT}"
    timeout client 6s
    timeout server 8s
    http-request set-header X-LI ` + show + `
    http-response set-header X-LI-RES ` + show + `
    server s1 "127.0.0.1:${S1_PORT}"
`},
		{name: "return", req: get, cfg: withBoth(fe, "    timeout server 9s\n    http-request return status 200 content-type text/plain lf-string "+show+"\n")},
		{name: "log", req: get, logs: 1, noProbe: true, cfg: logFEBE("", "    log-format "+show+"\n", "    timeout server 9s\n    timeout tunnel 11s\n")},
		// A TCP line sent once connected (no end variable) reads 0 in
		// cur_*: haproxy sets the timeouts after sending it.
		{name: "tcp-log", tcp: true, logs: 1, cfg: tcpLog(show, "", ""), steps: tcpSteps},
		{name: "tcp-log-bytes", tcp: true, logs: 1, cfg: tcpLog(`"%B `+show[1:], "", "    timeout tunnel 11s\n"), steps: tcpSteps},
		{name: "tcp-log-tunnel", tcp: true, logs: 1, cfg: tcpLog(show, "", "    timeout tunnel 11s\n"), steps: tcpSteps},
		{name: "tcp-log-asap", tcp: true, logs: 1, cfg: tcpLog(show, "    option logasap\n", ""), steps: tcpSteps},
	})
}
