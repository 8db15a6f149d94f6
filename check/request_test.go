package check

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
)

// requestCases are the bytes haproxy 2.6 sends for HTTP check requests;
// each was observed on a real haproxy 2.6.12 (and TestHaproxyRequests
// compares the ones without addresses again when haproxy is installed).
var requestCases = []struct {
	lines []string
	want  string
}{
	{[]string{"option httpchk"}, "OPTIONS / HTTP/1.0\r\n\r\n"},
	{[]string{"option httpchk /only-uri"}, "OPTIONS /only-uri HTTP/1.0\r\n\r\n"},
	{[]string{"option httpchk GET /health HTTP/1.1"}, "GET /health HTTP/1.1\r\nconnection: close\r\n\r\n"},
	{[]string{`option httpchk GET /health HTTP/1.1\r\nHost:\ api.example.com`},
		"GET /health HTTP/1.1\r\nhost: api.example.com\r\nconnection: close\r\n\r\n"},
	{[]string{`option httpchk GET /health HTTP/1.1\r\nHost:\ api.example.com\r\nX-Foo:\ bar\r\n\r\nthebody`},
		"GET /health HTTP/1.1\r\nhost: api.example.com\r\nx-foo: bar\r\ncontent-length: 7\r\nconnection: close\r\n\r\nthebody"},
	{[]string{"option httpchk HEAD http://example.com/x HTTP/1.1"}, "HEAD http://example.com/x HTTP/1.1\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth GET uri /x ver HTTP/1.1 hdr Host foo hdr X-A b body hello"},
		"GET /x HTTP/1.1\r\nhost: foo\r\nx-a: b\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello"},
	{[]string{"option httpchk", "http-check send body hello"}, "OPTIONS / HTTP/1.0\r\ncontent-length: 5\r\n\r\nhello"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr connection keep-alive hdr content-length 5"}, "OPTIONS / HTTP/1.1\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth get uri /a?b=c ver HTTP/2.0"}, "get /a?b=c HTTP/1.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr X-Srv %[srv_name]-%[be_name]"}, "OPTIONS / HTTP/1.1\r\nx-srv: s1-be\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.0 hdr connection keep-alive"}, "OPTIONS / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr connection upgrade hdr upgrade x"}, "OPTIONS / HTTP/1.1\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr connection close hdr x-a b"}, "OPTIONS / HTTP/1.1\r\nx-a: b\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth POST ver HTTP/1.1"}, "POST / HTTP/1.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth PUT"}, "PUT / HTTP/1.0\r\ncontent-length: 0\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth DELETE ver HTTP/1.1"}, "DELETE / HTTP/1.1\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send meth FOO ver HTTP/1.1"}, "FOO / HTTP/1.1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr Host x uri http://a.b/c"}, "OPTIONS http://x/c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 uri http://a.b/c"}, "OPTIONS http://a.b/c HTTP/1.1\r\nconnection: close\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver FOO"}, "OPTIONS / FOO\r\n\r\n"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.1 hdr transfer-encoding chunked body abc"}, "OPTIONS / HTTP/1.1\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc"},
	{[]string{"option httpchk", "http-check send ver HTTP/1.0 hdr connection Close,foo"}, "OPTIONS / HTTP/1.0\r\nconnection: foo\r\n\r\n"},
	{[]string{"option httpchk", `http-check send hdr x-a "a   b " body "x  y"`}, "OPTIONS / HTTP/1.0\r\nx-a: a   b \r\ncontent-length: 4\r\n\r\nx  y"},
	{[]string{"option httpchk", "http-check send hdr x-a %%x%[srv_name]"}, "OPTIONS / HTTP/1.0\r\nx-a: %xs1\r\n\r\n"},
	// Log-format strings read the check's variables and its server's
	// names; an empty URI is "/", an empty header is left out.
	{[]string{"option httpchk", "http-check set-var(check.p) str(/x)", "http-check set-var-fmt(check.q) a=%[var(check.p)]",
		`http-check send meth GET uri-lf "%[var(check.p)]?%[var(check.q)]" ver HTTP/1.1 hdr x-v "%[var(check.p),upper]" hdr x-none "%[var(check.none)]" body-lf "%[srv_name]@%[be_name] %b/%s %%"`},
		"GET /x?a=/x HTTP/1.1\r\nx-v: /X\r\ncontent-length: 13\r\nconnection: close\r\n\r\ns1@be be/s1 %"},
	{[]string{"option httpchk", "http-check set-var(check.p) str(/x)", "http-check unset-var(check.p)", "http-check send uri-lf %[var(check.p)] hdr x-s %{+Q}[srv_name]"},
		"OPTIONS / HTTP/1.0\r\nx-s: \"s1\"\r\n\r\n"},
	{[]string{"option httpchk", "http-check set-var(check.n,ifnotexists) int(1)", "http-check set-var(check.n,ifnotexists) int(2)", "http-check connect",
		"http-check set-var(check.m) var(check.n),add(40)", "http-check send uri-lf /n/%[var(check.n)]/%[var(check.m)]"},
		"OPTIONS /n/1/41 HTTP/1.0\r\n\r\n"},
	// The request of option httpchk and the first http-check send merge,
	// in either order.
	{[]string{"http-check send meth GET hdr x-a 1", "option httpchk"}, "GET / HTTP/1.0\r\nx-a: 1\r\n\r\n"},
	{[]string{`option httpchk GET /x HTTP/1.1\r\nHost:\ foo`, "http-check send meth POST"},
		"POST /x HTTP/1.1\r\nhost: foo\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
	{[]string{`option httpchk GET /status HTTP/1.1\r\nHdr:\ must-be-removed`, `http-check send hdr Host "my-www-host" hdr X-test true body "test"`},
		"GET /status HTTP/1.1\r\nhost: my-www-host\r\nx-test: true\r\ncontent-length: 4\r\nconnection: close\r\n\r\ntest"},
	{[]string{"option httpchk", "http-check send meth GET uri / ver HTTP/1.1 hdr host ws-host hdr connection upgrade hdr upgrade raw-proto"},
		"GET / HTTP/1.1\r\nhost: ws-host\r\nconnection: upgrade\r\nupgrade: raw-proto\r\n\r\n"},
}

func TestHTTPRequestBytes(t *testing.T) {
	for _, tc := range requestCases {
		addr, reqs := httpOrigin(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		res := runCheck(t, build(t, tc.lines...), target(addr))
		if res.Status != StatusL7OK {
			t.Errorf("%q: %s %q", tc.lines, res.Status, res.Desc)
		}
		select {
		case got := <-reqs:
			if string(got) != tc.want {
				t.Errorf("%q:\n got %q\nwant %q", tc.lines, got, tc.want)
			}
		default:
			t.Errorf("%q: no request", tc.lines)
		}
	}
}

func TestSendState(t *testing.T) {
	addr, reqs := httpOrigin(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	rs := build(t, "option httpchk", "http-check send-state")
	if !rs.SendsState() {
		t.Fatal("SendsState false")
	}
	tg := target(addr)
	tg.State = SendState{Up: "UP 2/3", Weight: 1, TotalWeight: 2, Sessions: 3, BackendSessions: 5, Queue: 1, Node: "lb1"}
	want(t, runCheck(t, rs, tg), StatusL7OK, 200, "")
	host, port, _ := net.SplitHostPort(addr)
	w := fmt.Sprintf("OPTIONS / HTTP/1.0\r\nx-haproxy-server-state: UP 2/3; address=%s; port=%s; name=be/s1; node=lb1; weight=1/2; scur=3/5; qcur=1\r\n\r\n", host, port)
	if got := string(<-reqs); got != w {
		t.Errorf("got %q\nwant %q", got, w)
	}
	tg.State = SendState{Up: "NOLB 1/2", Address: "10.0.0.1", Port: "80", Throttle: 40}
	runCheck(t, rs, tg)
	if got := string(<-reqs); !strings.Contains(got, "x-haproxy-server-state: NOLB 1/2; address=10.0.0.1; port=80; name=be/s1; node="+hostname()+"; weight=0/0; scur=0/0; qcur=0; throttle=40%\r\n") {
		t.Errorf("got %q", got)
	}
}

func TestSendProxy(t *testing.T) {
	type conn struct{ first, local, remote string }
	seen := make(chan conn, 4)
	addr := origin(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		line, _ := r.ReadString('\n')
		seen <- conn{line, c.LocalAddr().String(), c.RemoteAddr().String()}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	rs := build(t, "option httpchk")
	tg := target(addr)
	tg.SendProxy = true
	want(t, runCheck(t, rs, tg), StatusL7OK, 200, "")
	got := <-seen
	ch, cp, _ := net.SplitHostPort(got.remote)
	sh, sp, _ := net.SplitHostPort(got.local)
	if w := fmt.Sprintf("PROXY TCP4 %s %s %s %s\r\n", ch, sh, cp, sp); got.first != w {
		t.Errorf("got %q, want %q", got.first, w)
	}

	// Version 2: a LOCAL header.
	v2 := make(chan []byte, 1)
	addr2 := origin(t, func(c net.Conn) {
		b := make([]byte, 16)
		io.ReadFull(c, b)
		v2 <- b
	})
	tg = target(addr2)
	tg.SendProxy, tg.ProxyV2 = true, true
	runCheck(t, build(t, "option tcp-check"), tg)
	if got := <-v2; string(got) != "\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00" {
		t.Errorf("v2 header % x", got)
	}

	// A connect rule without "default" ignores check-send-proxy; one with
	// send-proxy sends it anyway.
	lines := make(chan string, 4)
	addr3 := origin(t, func(c net.Conn) {
		l, _ := bufio.NewReader(c).ReadString('\n')
		lines <- l
	})
	tg = target(addr3)
	tg.SendProxy = true
	runCheck(t, build(t, "option tcp-check", "tcp-check connect", "tcp-check send x\\n"), tg)
	if l := <-lines; l != "x\n" {
		t.Errorf("non-default connect sent %q", l)
	}
	tg.SendProxy = false
	runCheck(t, build(t, "option tcp-check", "tcp-check connect send-proxy", "tcp-check send x\\n"), tg)
	if l := <-lines; !strings.HasPrefix(l, "PROXY TCP4 127.0.0.1 127.0.0.1 ") {
		t.Errorf("send-proxy connect sent %q", l)
	}
}
