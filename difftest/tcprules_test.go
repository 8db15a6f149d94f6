package difftest

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"switchyard/proxyproto"
)

// tcp-request and tcp-response rules, and the PROXY protocol, in both
// modes. Clients from 127.0.0.2 and headers claiming 10.1.2.3 are the ones
// the rules single out.

func tcpFE(rules string, bindOpts string) string {
	return `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}" ` + bindOpts + `
` + rules + `    default_backend be

backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`
}

func httpFE(rules string, bindOpts string) string {
	return `frontend fe
    bind "127.0.0.1:${FE_PORT}" ` + bindOpts + `
` + rules + `    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
`
}

var (
	ppFrom   = netip.MustParseAddrPort("10.1.2.3:4444")
	ppOther  = netip.MustParseAddrPort("10.9.9.9:5555")
	ppTo     = netip.MustParseAddrPort("192.0.2.10:8443")
	ppFrom6  = netip.MustParseAddrPort("[2001:db8::7]:1234")
	ppTo6    = netip.MustParseAddrPort("[2001:db8::1]:443")
	ppV1     = string(proxyproto.AppendV1(nil, ppFrom, ppTo))
	ppV1Oth  = string(proxyproto.AppendV1(nil, ppOther, ppTo))
	ppV1Six  = string(proxyproto.AppendV1(nil, ppFrom6, ppTo6))
	ppV2     = string(proxyproto.AppendV2(nil, ppFrom, ppTo, false))
	ppV2CRC  = string(proxyproto.AppendV2(nil, ppOther, ppTo, true, proxyproto.TLV{Type: proxyproto.TypeAuthority, Value: []byte("example.com")}))
	ppV2Six  = string(proxyproto.AppendV2(nil, ppFrom6, ppTo6, false))
	ppV2Loc  = string(proxyproto.AppendV2Local(nil))
	showAddr = `    http-request return status 200 content-type text/plain lf-string "%[src]:%[src_port]>%[dst]:%[dst_port]"
`
)

func TestTCPRequestRulesTCPMode(t *testing.T) {
	note := echoEOFNote("s1")
	echoed := func(conn int, src string) []step {
		return []step{{conn: conn, src: src, send: "hi", raw: 2, shut: true}, {conn: conn, raw: len(note), eof: true}}
	}
	refused := func(conn int, src, send string) []step {
		return []step{{conn: conn, src: src, send: send, eof: true}}
	}
	both := func(a, b []step) []step { return append(append([]step(nil), a...), b...) }
	// A connection refused by a connection rule is reset as soon as it
	// is accepted; the refused one comes last (see resetAtConnect).
	runCasesResetAtConnect(t, []tcase{
		{name: "connection-reject-by-src", tcp: true,
			cfg:   tcpFE("    tcp-request connection reject if { src 127.0.0.2 }\n", ""),
			steps: both(echoed(0, "127.0.0.1"), refused(1, "127.0.0.2", "hi"))},
		{name: "connection-accept-stops", tcp: true,
			cfg:   tcpFE("    tcp-request connection accept if { src 127.0.0.2 }\n    tcp-request connection reject\n", ""),
			steps: both(echoed(0, "127.0.0.2"), refused(1, "127.0.0.1", "hi"))},
		{name: "http-connection-reject", cfg: httpFE("    tcp-request connection reject if { src 127.0.0.2 }\n", ""),
			steps: []step{{conn: 0, send: "GET /a HTTP/1.1\r\nhost: a\r\n\r\n", read: 1}, {conn: 1, src: "127.0.0.2", send: "GET /a HTTP/1.1\r\nhost: a\r\n\r\n", read: 1}}, noProbe: true},
	})
	runCases(t, []tcase{
		{name: "session-reject", tcp: true,
			cfg:   tcpFE("    tcp-request session reject unless { src 127.0.0.2 }\n", ""),
			steps: both(echoed(0, "127.0.0.2"), refused(1, "127.0.0.1", "hi"))},
		{name: "content-reject-by-src", tcp: true,
			cfg:   tcpFE("    tcp-request content reject if { src 127.0.0.2 }\n", ""),
			steps: both(refused(0, "127.0.0.2", "hi"), echoed(1, "127.0.0.1"))},
		{name: "content-reject-in-backend", tcp: true,
			cfg:   tcpFE("", "") + "    tcp-request content reject if { src 127.0.0.2 }\n",
			steps: both(refused(0, "127.0.0.2", "hi"), echoed(1, "127.0.0.1"))},
		{name: "content-waits-for-http", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 2s\n    tcp-request content accept if HTTP\n    tcp-request content reject\n", ""),
			steps: []step{
				{conn: 0, send: "GET / HTTP/1.1\r\n", wait: 300 * 1e6, raw: 1},
				{conn: 0, send: "host: a\r\n\r\n", raw: 25, shut: true},
				{conn: 0, raw: len(note), eof: true},
				{conn: 1, send: "SSH-2.0-x\r\n", eof: true},
			}},
		// A condition on bytes still coming waits for them (haproxy's
		// ACL_TEST_MISS), until inspect-delay ends it.
		{name: "content-waits-for-payload", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 2s\n    tcp-request content accept if { req.len eq 4 } { req.payload(0,4) -m bin 61626364 }\n    tcp-request content reject\n", ""),
			steps: []step{
				{conn: 0, send: "ab", wait: 300 * 1e6, raw: 1},
				{conn: 0, send: "cd", raw: 4, shut: true},
				{conn: 0, raw: len(note), eof: true},
				{conn: 1, send: "abce", eof: true},
			}},
		{name: "content-payload-until-delay", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 300ms\n    tcp-request content reject unless { req.len ge 4 }\n", ""),
			steps: []step{
				{conn: 0, send: "ab", eof: true},
				{conn: 1, send: "abcd", raw: 4, shut: true},
				{conn: 1, raw: len(note), eof: true},
			}},
		{name: "content-payload-lv-routes", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 2s\n    tcp-request content reject unless { req.len gt 0 }\n    tcp-request content set-var(txn.k) req.payload_lv(0,1)\n    tcp-request content reject unless { var(txn.k) -m str key }\n", ""),
			steps: []step{
				{conn: 0, send: "\x03key", raw: 4, shut: true},
				{conn: 0, raw: len(note), eof: true},
				{conn: 1, send: "\x03kez", eof: true},
			}},
		{name: "content-wait-end", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 300ms\n    tcp-request content accept if WAIT_END\n", ""),
			steps: []step{
				{conn: 0, send: "hi", raw: 2, shut: true},
				{conn: 0, raw: len(note), eof: true},
			}},
		{name: "response-waits-for-payload", tcp: true,
			cfg: tcpFE("", "") + "    tcp-response inspect-delay 2s\n    tcp-response content reject unless { res.payload(0,2) -m bin 6869 }\n",
			steps: []step{
				{conn: 0, send: "h", wait: 300 * 1e6, raw: 1},
				{conn: 0, send: "i", raw: 2, shut: true},
				{conn: 0, raw: len(note), eof: true},
				{conn: 1, send: "xy", eof: true},
			}},
		{name: "content-path-acl", tcp: true,
			cfg: tcpFE("    tcp-request inspect-delay 2s\n    tcp-request content reject if { path /deny }\n", ""),
			steps: []step{
				{conn: 0, send: "GET /deny HTTP/1.1\r\nhost: a\r\n\r\n", eof: true},
				{conn: 1, send: "GET /ok HTTP/1.1\r\nhost: a\r\n\r\n", raw: 31, shut: true},
				{conn: 1, raw: len(note), eof: true},
			}},
		{name: "session-var-read-by-content", tcp: true,
			cfg:   tcpFE("    tcp-request session set-var(sess.who) src\n    tcp-request content reject if { var(sess.who) -m ip 127.0.0.2 }\n", ""),
			steps: both(refused(0, "127.0.0.2", "hi"), echoed(1, "127.0.0.1"))},
		{name: "expect-proxy-v1", tcp: true,
			cfg: tcpFE("    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }\n    tcp-request content reject if { src 10.1.2.3 }\n", ""),
			steps: []step{
				{conn: 0, send: ppV1 + "hi", eof: true},
				{conn: 1, send: ppV1Oth + "hi", raw: 2, shut: true},
				{conn: 1, raw: len(note), eof: true},
				// Not from 127.0.0.1: no header expected, bytes go as they are.
				{conn: 2, src: "127.0.0.2", send: "hi", raw: 2, shut: true},
				{conn: 2, raw: len(note), eof: true},
			}},
		{name: "accept-proxy-v2", tcp: true,
			cfg: tcpFE("    tcp-request content reject if { src 10.1.2.3 }\n", "accept-proxy"),
			steps: []step{
				{conn: 0, send: ppV2 + "hi", eof: true},
				{conn: 1, send: ppV2CRC + "hi", raw: 2, shut: true},
				{conn: 1, raw: len(note), eof: true},
				{conn: 2, send: ppV2Loc + "hi", raw: 2, shut: true},
				{conn: 2, raw: len(note), eof: true},
				{conn: 3, send: "hi there\r\n", eof: true},
			}},
		{name: "connection-rules-see-real-address", tcp: true,
			cfg:   tcpFE("    tcp-request connection reject if { src 10.1.2.3 }\n", "accept-proxy"),
			steps: []step{{conn: 0, send: ppV1 + "hi", raw: 2, shut: true}, {conn: 0, raw: len(note), eof: true}}},
		{name: "session-rules-see-proxy-address", tcp: true,
			cfg:   tcpFE("    tcp-request session reject if { src 10.1.2.3 }\n", "accept-proxy"),
			steps: both(refused(0, "", ppV1+"hi"), []step{{conn: 1, send: ppV1Six + "hi", raw: 2, shut: true}, {conn: 1, raw: len(note), eof: true}})},
		{name: "response-reject", tcp: true,
			cfg:   tcpFE("", "") + "    tcp-response content reject if { src 127.0.0.2 }\n",
			steps: both(refused(0, "127.0.0.2", "hi"), echoed(1, "127.0.0.1"))},
		{name: "response-close", tcp: true,
			cfg:   tcpFE("", "") + "    tcp-response content close\n",
			steps: []step{{conn: 0, send: "hi", raw: 2}, {conn: 0, eof: true}}},
	})
}

func TestTCPRequestRulesHTTPMode(t *testing.T) {
	get := "GET /a HTTP/1.1\r\nhost: a\r\n\r\n"
	runCases(t, []tcase{
		{name: "http-content-reject-path", cfg: httpFE("    tcp-request content reject if { path /deny }\n", ""),
			steps: []step{{send: get, read: 1}, {send: "GET /deny HTTP/1.1\r\nhost: a\r\n\r\n", read: 1}}},
		{name: "http-content-set-var", cfg: httpFE("    tcp-request content set-var-fmt(txn.x) \"%[src]-%[path]\"\n    http-request return status 200 content-type text/plain lf-string \"%[var(txn.x)]\"\n", ""),
			req: get},
		{name: "http-session-reject", cfg: httpFE("    tcp-request session reject if { src 10.1.2.3 }\n", "accept-proxy"),
			steps: []step{{conn: 0, send: ppV1 + get, read: 1}, {conn: 1, send: ppV1Oth + get, read: 1}}},
		{name: "http-proxy-v1", cfg: httpFE(showAddr, "accept-proxy"), req: ppV1 + get},
		{name: "http-proxy-v1-tcp6", cfg: httpFE(showAddr, "accept-proxy"), req: ppV1Six + get},
		{name: "http-proxy-v1-unknown", cfg: httpFE(showAddr, "accept-proxy"), req: "PROXY UNKNOWN\r\n" + get, deviation: "the connection's own source port is random"},
		{name: "http-proxy-v2", cfg: httpFE(showAddr, "accept-proxy"), req: ppV2 + get},
		{name: "http-proxy-v2-tcp6", cfg: httpFE(showAddr, "accept-proxy"), req: ppV2Six + get},
		{name: "http-proxy-v2-crc-tlv", cfg: httpFE(showAddr, "accept-proxy"), req: ppV2CRC + get},
		{name: "http-proxy-v2-bad-crc", cfg: httpFE(showAddr, "accept-proxy"), req: ppV2CRC[:len(ppV2CRC)-1] + "\x00" + get},
		{name: "http-proxy-missing", cfg: httpFE(showAddr, "accept-proxy"), req: get},
		{name: "http-proxy-bad-v1", cfg: httpFE(showAddr, "accept-proxy"), req: "PROXY TCP4 10.1.2.3 1.2.3.4 x 80\r\n" + get},
		{name: "http-expect-proxy", cfg: httpFE("    tcp-request connection expect-proxy layer4 if { src 127.0.0.2 }\n"+showAddr, ""),
			steps: []step{{conn: 0, src: "127.0.0.2", send: ppV1 + get, read: 1}}},
		{name: "http-proxy-forwardfor", cfg: httpFE("    option forwardfor\n", "accept-proxy"), req: ppV1 + get},
		// The PROXY header gives the session its addresses: fc_* stay the
		// socket's, or what connection rules made them.
		{name: "http-proxy-front-connection", cfg: httpFE("    http-request return status 200 content-type text/plain lf-string \"%[fc_src]>%[fc_dst] %[src]>%[dst]\"\n", "accept-proxy"), req: ppV1 + get},
		{name: "http-proxy-front-connection-rule", cfg: httpFE("    tcp-request connection set-src ipv4(10.1.0.1)\n    http-request return status 200 content-type text/plain lf-string \"%[fc_src]>%[fc_dst] %[src]>%[dst]\"\n", "accept-proxy"), req: ppV1 + get},
		{name: "http-response-reject", cfg: httpFE("", "") + "    tcp-response content reject if { status 200 }\n",
			steps: []step{{send: get, read: 1}}},
		{name: "http-response-reject-src", cfg: httpFE("", "") + "    tcp-response content reject if { src 127.0.0.1 }\n",
			steps:       []step{{send: get, read: 1}},
			originsVary: "a condition that needs no response byte may reject in haproxy as soon as the server connection is up, before the request is sent"},
		// The server side is shut before the response is parsed: a 502.
		// (What the next request meets depends on timing in haproxy.)
		{name: "http-response-close", cfg: httpFE("", "") + "    tcp-response content close\n",
			steps: []step{{send: get, read: 1}}, noProbe: true,
			originsVary: "haproxy may shut the server side before the origin has read the request"},
	})
}

// resetAtConnect matches what the harness writes when the reset of a
// refused connection came before the client's connect returned: whether it
// does depends on scheduling, in haproxy as in switchyard.
var resetAtConnect = regexp.MustCompile(`^(c[0-9]+): connect: .*connection reset by peer$`)

// runCasesResetAtConnect is runCases for cases whose last connection is
// reset at accept: a reset seen by connect reads as one seen by the reads.
func runCasesResetAtConnect(t *testing.T, cases []tcase) {
	needHAProxy(t)
	norm := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if m := resetAtConnect.FindStringSubmatch(l); m != nil {
				l = m[1] + " reset"
			} else if strings.HasSuffix(l, ` until close: "" then eof`) || strings.HasSuffix(l, " r1 error: eof") {
				l = strings.Fields(l)[0] + " reset"
			}
			out = append(out, l)
		}
		return out
	}
	for i := range cases {
		tc := &cases[i]
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if buildErr != nil {
				t.Fatalf("switchyard did not build: %v", buildErr)
			}
			ref, _, err := runCase(t, haproxyBin, tc)
			if err != nil {
				t.Fatalf("haproxy could not run the case: %v", err)
			}
			cand, out, err := runCase(t, candidate, tc)
			if err != nil {
				t.Fatalf("%s could not run the case: %v", candidateName, err)
			}
			if d := diffLines(norm(ref), norm(cand)); d != "" {
				t.Errorf("%s differs from haproxy (- haproxy, + %s):\n%s\n%s", candidateName, candidateName, d, indent(out))
			}
		})
	}
}

// send-proxy, send-proxy-v2 and proxy-v2-options: the header a server
// connection begins with, seen by an echo origin. The addresses are fixed
// by rules so that the bytes compare.
func TestSendProxy(t *testing.T) {
	const fixed = "    tcp-request connection set-src ipv4(10.1.2.3)\n    tcp-request connection set-src-port int(4444)\n" +
		"    tcp-request connection set-dst ipv4(192.0.2.10)\n    tcp-request connection set-dst-port int(8443)\n"
	cfg := func(opts string) string {
		return strings.Replace(tcpFE(fixed, ""), `server s1 "127.0.0.1:${S1_PORT}"`, `server s1 "127.0.0.1:${S1_PORT}" `+opts, 1)
	}
	echo := []step{{conn: 0, send: "hi", shut: true}, {conn: 0, eof: true}}
	runCases(t, []tcase{
		{name: "v1", tcp: true, exact: true, cfg: cfg("send-proxy"), steps: echo},
		{name: "v2", tcp: true, exact: true, cfg: cfg("send-proxy-v2"), steps: echo},
		{name: "v2-crc", tcp: true, exact: true, cfg: cfg("send-proxy-v2 proxy-v2-options crc32c"), steps: echo},
		{name: "both-is-v2", tcp: true, exact: true, cfg: cfg("send-proxy send-proxy-v2"), steps: echo},
		{name: "options-alone-is-v1", tcp: true, exact: true, cfg: cfg("proxy-v2-options crc32c"), steps: echo},
		{name: "authority-passed-on", tcp: true, exact: true,
			cfg:   strings.Replace(strings.Replace(cfg("send-proxy-v2 proxy-v2-options authority,crc32c"), fixed, "", 1), `"127.0.0.1:${FE_PORT}" `, `"127.0.0.1:${FE_PORT}" accept-proxy`, 1),
			steps: []step{{conn: 0, send: ppV2CRC + "hi", shut: true}, {conn: 0, eof: true}}},
	})
}
