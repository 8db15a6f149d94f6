package check

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/ssl"
)

// tlsOrigin answers each TLS connection's request with a 200 and reports
// the SNI and ALPN of its handshake.
func tlsOrigin(t *testing.T, ca *testcert.CA) (string, <-chan string) {
	t.Helper()
	leaf := ca.Issue(testcert.Opts{CN: "chk.example", DNS: []string{"chk.example", "other.example"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 4)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	addr := origin(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			seen <- "handshake failed"
			return
		}
		cs := tc.ConnectionState()
		seen <- cs.ServerName + " " + cs.NegotiatedProtocol
		if _, err := readHTTPRequest(bufio.NewReader(tc)); err == nil {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	})
	return addr, seen
}

func clientTLS(t *testing.T, ca *testcert.CA) *tls.Config {
	t.Helper()
	cc := ssl.ClientConf{Conf: ssl.Conf{Verify: ssl.VerifyRequired, CA: ssl.NewCAFile("ca.pem", ca.Cert)}}
	cfg, err := cc.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCheckTLS: check-ssl (the default connection) with check-sni and
// check-alpn, `connect ssl sni`, and a server that does not verify: a
// layer 6 failure.
func TestCheckTLS(t *testing.T) {
	ca := testcert.NewCA("check CA")
	addr, seen := tlsOrigin(t, ca)
	rs := build(t, "option httpchk GET /")
	tg := target(addr)
	tg.TLS = TLS{Config: clientTLS(t, ca), Default: true, SNI: "chk.example", ALPN: []string{"http/1.1"}}
	want(t, runCheck(t, rs, tg), StatusL7OK, 200, "")
	if s := <-seen; s != "chk.example http/1.1" {
		t.Errorf("check-ssl: the server saw %q", s)
	}

	rs = build(t, "option httpchk", "http-check connect ssl sni other.example", "http-check send meth GET uri /", "http-check expect status 200")
	tg = target(addr)
	tg.TLS = TLS{Config: clientTLS(t, ca)}
	want(t, runCheck(t, rs, tg), StatusL7OK, 200, "")
	if s := <-seen; s != "other.example " {
		t.Errorf("connect ssl: the server saw %q", s)
	}

	// A connect-only check over TLS passes at layer 6.
	tg = target(addr)
	tg.TLS = TLS{Config: clientTLS(t, ca), Default: true}
	want(t, runCheck(t, build(t), tg), StatusL6OK, 0, "")
	<-seen

	tg = target(addr)
	tg.TLS = TLS{Config: clientTLS(t, testcert.NewCA("another CA")), Default: true}
	got := runCheck(t, build(t, "option httpchk GET /"), tg)
	if got.Status != StatusL6Resp || !strings.HasPrefix(got.Desc, "SSL handshake failure") {
		t.Errorf("unverified server: %s %q", got.Status, got.Desc)
	}
	<-seen
}

// tlsCount records what a check counts of its TLS connections.
type tlsCount struct {
	mu     sync.Mutex
	events []string
}

func (c *tlsCount) add(e string) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

func (c *tlsCount) TLSOpen()  { c.add("open") }
func (c *tlsCount) TLSClose() { c.add("close") }
func (c *tlsCount) TLSHandshake(ok, resumed bool) {
	switch {
	case !ok:
		c.add("failed")
	case resumed:
		c.add("resumed")
	default:
		c.add("new")
	}
}

func (c *tlsCount) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := strings.Join(c.events, " ")
	c.events = nil
	return s
}

// TestCheckTLSCounted: a check's TLS connection counts as the server's
// TLS endpoint from before it connects (a refused one too) to its close,
// and its handshake's outcome is counted: new, resumed (the server's
// sessions serve its checks), failed; a check in clear counts nothing.
func TestCheckTLSCounted(t *testing.T) {
	ca := testcert.NewCA("count CA")
	addr, seen := tlsOrigin(t, ca)
	cfg := clientTLS(t, ca)
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	var n tlsCount
	for _, wantEv := range []string{"open new close", "open resumed close"} {
		tg := target(addr)
		tg.TLS, tg.Counter = TLS{Config: cfg, Default: true, SNI: "chk.example"}, &n
		want(t, runCheck(t, build(t, "option httpchk GET /"), tg), StatusL7OK, 200, "")
		<-seen
		if got := n.take(); got != wantEv {
			t.Errorf("counted %q, want %q", got, wantEv)
		}
	}

	tg := target(addr)
	tg.TLS, tg.Counter = TLS{Config: clientTLS(t, testcert.NewCA("another CA")), Default: true}, &n
	runCheck(t, build(t, "option httpchk GET /"), tg)
	<-seen
	if got := n.take(); got != "open failed close" {
		t.Errorf("unverified server: counted %q", got)
	}

	tg = target(closedAddr(t))
	tg.TLS, tg.Counter = TLS{Config: cfg, Default: true}, &n
	want(t, runCheck(t, build(t), tg), StatusL4Conn, 0, "Connection refused")
	if got := n.take(); got != "open close" {
		t.Errorf("refused connection: counted %q", got)
	}

	tg = target(closedAddr(t))
	tg.Counter = &n
	runCheck(t, build(t), tg)
	if got := n.take(); got != "" {
		t.Errorf("check in clear: counted %q", got)
	}
}
