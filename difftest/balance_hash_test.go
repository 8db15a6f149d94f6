package difftest

import (
	"fmt"
	"testing"
	"time"

	"switchyard/backend"
)

// `balance hash EXPR`, `hash-balance-factor` and `balance rdp-cookie`: the
// server chosen for each request must be haproxy's (balance_test.go's
// harness). The backend package compares the choices themselves with
// haproxy far more widely (diffhash_test.go, bounded_test.go,
// rdp_test.go); these cases check that the config and the streams carry
// them through.

// needHashBalancer skips until backend.NewBalancer builds `balance hash`
// (it needs Hash and RDPCookie routed to the hashing balancer in
// backend/balancer.go); the cases then run on their own.
func needHashBalancer(t *testing.T) {
	t.Helper()
	var a backend.Algorithm
	if err := backend.ParseBalance([]string{"hash", "src"}, &a); err != nil {
		t.Fatal(err)
	}
	s := backend.NewServer(backend.ServerSettings{Name: "s1", ID: 1, Weight: 1})
	if _, err := backend.NewBalancer(a, []backend.Member{{Server: s, ID: 1, Weight: 1}}); err != nil {
		t.Skipf("needs backend.NewBalancer to build balance hash (backend/balancer.go): %v", err)
	}
}

func hashCase(name, cfg string, steps []step) tcase {
	return tcase{name: name, cfg: cfg, steps: steps, noProbe: true, anyConn: true}
}

// xKeys are requests with an X-Key header in mixed case, one in five
// without it (round robin then).
func xKeys(n int) []string {
	return gets(n, func(int) string { return "/" }, func(i int) string {
		if i%5 == 4 {
			return ""
		}
		return fmt.Sprintf("X-Key: %s\r\n", []string{"k0", "K1", "k2", "K0", "k1", "k3"}[i%6])
	})
}

func TestBalanceHash(t *testing.T) {
	needHashBalancer(t)
	params := gets(10, func(i int) string {
		return []string{"/?id=1", "/?id=2", "/x?a=b&id=3", "/?id=1", "/", "/?ID=2", "/?id=", "/?id=2&id=3", "/?id=4", "/?xid=1"}[i]
	}, nil)
	srcs := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}
	weights := []string{"weight 3", "weight 1", "weight 2"}
	runCases(t, []tcase{
		hashCase("hdr", pool("    balance hash req.hdr(x-key)\n"), eachOnNewConn(xKeys(12))),
		hashCase("hdr-lower-consistent", pool("    balance hash req.hdr(x-key),lower\n    hash-type consistent\n", weights...), eachOnNewConn(xKeys(12))),
		hashCase("hdr-keep-alive", pool("    balance hash req.hdr(x-key)\n    hash-type map-based djb2 avalanche\n"), allOnOneConn(xKeys(12))),
		hashCase("url-param", pool("    balance hash url_param(id)\n"), eachOnNewConn(params)),
		hashCase("integer-key", pool("    balance hash req.hdr(x-key),crc32\n    hash-type consistent wt6\n"), eachOnNewConn(xKeys(12))),
		hashCase("src", pool("    balance hash src\n    hash-type consistent\n"), eachOnNewConn(gets(12, func(int) string { return "/" }, nil), srcs...)),
		hashCase("src-masked", pool("    balance hash src,ipmask(30)\n", weights...), eachOnNewConn(gets(12, func(int) string { return "/" }, nil), srcs...)),
		{name: "from-defaults", full: true, noProbe: true, anyConn: true, steps: eachOnNewConn(xKeys(12)), cfg: `global
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s
    balance hash req.hdr(x-key)
    hash-type consistent

frontend fe
    bind "127.0.0.1:${FE_PORT}"
    default_backend be

backend be
    server s1 "127.0.0.1:${S1_PORT}"
    server s2 "127.0.0.1:${S2_PORT}"
    server s3 "127.0.0.1:${S3_PORT}"
`},
	})
}

// TestBalanceHashStreamContext needs what only the stream knows: its
// variables. It passes once the proxy picks servers through
// backend.PickCtx with the stream's sample context.
func TestBalanceHashStreamContext(t *testing.T) {
	needHashBalancer(t)
	runCases(t, []tcase{
		hashCase("variable", pool("    http-request set-var(txn.k) req.hdr(x-key),lower\n    balance hash var(txn.k)\n"), eachOnNewConn(xKeys(12))),
	})
}

// heldThenAnswered sends held requests (their origin never answers; the
// client gives up reading after a moment, which also spaces the arrivals
// so that their order is known) and then requests that are answered, all
// with the same key, each on its own connection.
func heldThenAnswered(held, answered int, key string) (steps []step, replies []reply) {
	req := "GET / HTTP/1.1\r\nHost: a\r\nX-Key: " + key + "\r\n\r\n"
	for i := 0; i < held; i++ {
		// Half a second between arrivals, so that their order is the
		// order they reach the balancer even under the suite's load.
		steps = append(steps, step{conn: i, send: req, raw: 1, wait: 500 * time.Millisecond})
		replies = append(replies, reply{kind: replyHang})
	}
	for i := 0; i < answered; i++ {
		steps = append(steps, step{conn: held + i, send: req, read: 1})
	}
	return steps, replies
}

// TestHashBalanceFactor holds requests on the servers so that the bound
// matters: with 150%, a key's second request already goes past its
// server.
func TestHashBalanceFactor(t *testing.T) {
	steps, replies := heldThenAnswered(5, 3, "k1")
	c := func(name, balance string, opts ...string) tcase {
		// The held requests must all still be held when the answered
		// ones are balanced: the prelude's 3s timeout server would end
		// the first ones, at a moment each proxy sees differently.
		balance += "    timeout server 30s\n"
		return tcase{name: name, cfg: pool(balance, opts...), steps: steps, replies: replies, noProbe: true, anyConn: true}
	}
	runCases(t, []tcase{
		c("hdr-150", "    balance hdr(X-Key)\n    hash-type consistent\n    hash-balance-factor 150\n"),
		c("uri-125-weights", "    balance uri\n    hash-type consistent\n    hash-balance-factor 125\n", "weight 3", "weight 1", "weight 2"),
		c("hash-200", "    balance hash req.hdr(x-key)\n    hash-type consistent crc32\n    hash-balance-factor 200\n"),
		c("map-based-ignores-it", "    balance hdr(X-Key)\n    hash-balance-factor 150\n"),
	})
}

// rdpPacket is the start of an RDP connection: TPKT and X.224 headers, the
// cookie line, an RDP negotiation request.
func rdpPacket(line string) string {
	return "\x03\x00\x00\x2f\x2a\xe0\x00\x00\x00\x00\x00" + line + "\x01\x00\x08\x00\x03\x00\x00\x00"
}

// TestBalanceRDPCookie waits for the RDP cookie as haproxy's manual says
// (RDP_COOKIE), and balances on it. The echo origins return the packet and
// then name themselves.
func TestBalanceRDPCookie(t *testing.T) {
	cfg := func(balance string) string {
		return `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    tcp-request inspect-delay 5s
    tcp-request content accept if RDP_COOKIE
    default_backend be

backend be
    mode tcp
` + balance + `    server s1 "127.0.0.1:${S1_PORT}"
    server s2 "127.0.0.1:${S2_PORT}"
    server s3 "127.0.0.1:${S3_PORT}"
`
	}
	var steps []step
	for i, line := range []string{"Cookie: mstshash=alice\r\n", "Cookie: mstshash=bob\r\n", "", "Cookie: MSTSHASH=alice\r\n",
		"Cookie: mstshash=carol\r\n", "Cookie: mstshash=\r\n", "Cookie: msts=dave\r\n", "Cookie: mstshash=bob\r\n"} {
		steps = append(steps, step{conn: i, send: rdpPacket(line), shut: true, eof: true})
	}
	c := func(name, balance string) tcase {
		// RDP_COOKIE is the sample engine's (req.rdp_cookie_cnt); once it
		// is there, the proxy must also hand the waited-for bytes to
		// backend.PickCtx for these cases to pass.
		return notYet(tcase{name: name, tcp: true, cfg: cfg(balance), steps: steps}, "RDP_COOKIE")
	}
	runCases(t, []tcase{
		c("map-based", "    balance rdp-cookie\n"),
		c("consistent", "    balance rdp-cookie\n    hash-type consistent\n"),
		c("named", "    balance rdp-cookie(msts)\n"),
		c("persist", "    balance rdp-cookie\n    persist rdp-cookie\n"),
	})
}
