package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/proxyproto"
)

// tlsSetup writes a CA-signed certificate for names and returns its path
// and a client configuration that trusts the CA.
func tlsSetup(t *testing.T, names ...string) (string, *tls.Config) {
	t.Helper()
	ca := testcert.NewCA("it CA")
	leaf := ca.Issue(testcert.Opts{CN: names[0], DNS: names})
	path := filepath.Join(t.TempDir(), "site.pem")
	testcert.Write(path, leaf.Bundle())
	return path, &tls.Config{RootCAs: ca.Pool(), ServerName: names[0]}
}

// TestTLSTermination: requests over a terminated TLS connection, kept
// alive and pipelined, reach the origin; the ssl_fc fetches see the
// handshake; a plain request to the same frontend's other bind is
// redirected to https, as seed 004 configures it.
func TestTLSTermination(t *testing.T) {
	crt, clientCfg := tlsSetup(t, "www.example.com")
	origin := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "origin saw "+r.URL.Path+" tls="+r.Header.Get("X-TLS")+" sni="+r.Header.Get("X-SNI")+" proto="+r.Header.Get("X-Proto"))
	})
	tlsAddr, plainAddr := itAddr(t), itAddr(t)
	cfg := itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {TLS} ssl crt {CRT} alpn http/1.1
  bind {PLAIN}
  redirect scheme https code 301 if !{ ssl_fc }
  http-request set-header X-TLS %[ssl_fc]
  http-request set-header X-SNI %[ssl_fc_sni]
  http-request set-header X-Proto %[ssl_fc_protocol]/%[ssl_f_s_dn(CN)]
  http-response set-header Strict-Transport-Security "max-age=31536000; includeSubDomains"
  default_backend be
backend be
  server o {ORIGIN}
`, "TLS", tlsAddr, "PLAIN", plainAddr, "CRT", crt, "ORIGIN", origin.addr)
	itStart(t, cfg)

	// Plain: redirected.
	pc, err := net.DialTimeout("tcp", plainAddr, itTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetDeadline(time.Now().Add(itTimeout))
	io.WriteString(pc, "GET /a HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	head, err := itReadHead(bufio.NewReader(pc))
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 301") || itHeadValue(head, "location") != "https://www.example.com/a" {
		t.Fatalf("plain request: %v\n%s", err, head)
	}

	clientCfg.NextProtos = []string{"http/1.1"}
	// TLS: two requests written at once (one TLS record each, likely in
	// one TCP segment), then a third after an idle pause.
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", tlsAddr, clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * itTimeout))
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /one HTTP/1.1\r\nHost: www.example.com\r\n\r\nGET /two HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	for _, path := range []string{"/one", "/two"} {
		readTLSAnswer(t, br, path)
	}
	time.Sleep(300 * time.Millisecond) // past parkAfter: the idle wait moves to a fresh goroutine
	io.WriteString(c, "GET /three HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	readTLSAnswer(t, br, "/three")
	if st := c.ConnectionState(); st.NegotiatedProtocol != "http/1.1" {
		t.Errorf("ALPN %q", st.NegotiatedProtocol)
	}
}

func readTLSAnswer(t *testing.T, br *bufio.Reader, path string) {
	t.Helper()
	head, err := itReadHead(br)
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 200") {
		t.Fatalf("%s: %v\n%s", path, err, head)
	}
	if itHeadValue(head, "strict-transport-security") == "" {
		t.Errorf("%s: no HSTS header", path)
	}
	body := make([]byte, len("origin saw "+path+" tls=1 sni=www.example.com proto=TLSv1.3/www.example.com"))
	if _, err := io.ReadFull(br, body); err != nil || string(body) != "origin saw "+path+" tls=1 sni=www.example.com proto=TLSv1.3/www.example.com" {
		t.Errorf("%s: body %q %v", path, body, err)
	}
}

// TestTLSAfterProxyHeader: with accept-proxy, the PROXY header comes in
// clear before the handshake, possibly in the same segment as the
// ClientHello.
func TestTLSAfterProxyHeader(t *testing.T) {
	crt, clientCfg := tlsSetup(t, "www.example.com")
	addr := itAddr(t)
	cfg := itConfig(t, `
defaults
  mode http
  timeout client 5s
frontend fe
  bind {ADDR} accept-proxy ssl crt {CRT}
  http-request return status 200 content-type text/plain lf-string "src=%[src] tls=%[ssl_fc]"
`, "ADDR", addr, "CRT", crt)
	itStart(t, cfg)
	raw, err := net.DialTimeout("tcp", addr, itTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(itTimeout))
	pre := proxyproto.AppendV1(nil, netip.MustParseAddrPort("192.0.2.7:4000"), netip.MustParseAddrPort("192.0.2.1:443"))
	c := tls.Client(&prefixWriter{Conn: raw, pre: pre}, clientCfg)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	head, err := itReadHead(br)
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 200") {
		t.Fatalf("%v\n%s", err, head)
	}
	body := make([]byte, len("src=192.0.2.7 tls=1"))
	if _, err := io.ReadFull(br, body); err != nil || string(body) != "src=192.0.2.7 tls=1" {
		t.Errorf("body %q %v", body, err)
	}
}

// prefixWriter sends pre with the first write: the PROXY header and the
// ClientHello leave together.
type prefixWriter struct {
	net.Conn
	pre []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.pre != nil {
		_, err := p.Conn.Write(append(p.pre, b...))
		p.pre = nil
		return len(b), err
	}
	return p.Conn.Write(b)
}

// TestTLSHandshakeFailure: a client that does not speak TLS, or that
// offers nothing the bind accepts, is closed, and the next one is served.
func TestTLSHandshakeFailure(t *testing.T) {
	crt, clientCfg := tlsSetup(t, "www.example.com")
	addr := itAddr(t)
	cfg := itConfig(t, `
defaults
  mode http
  timeout client 5s
frontend fe
  bind {ADDR} ssl crt {CRT} ssl-min-ver TLSv1.3
  http-request return status 200
`, "ADDR", addr, "CRT", crt)
	itStart(t, cfg)
	raw, err := net.DialTimeout("tcp", addr, itTimeout)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(itTimeout))
	io.WriteString(raw, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if b, _ := io.ReadAll(raw); strings.Contains(string(b), "HTTP/1.1") {
		t.Errorf("plain HTTP answered on a TLS bind: %q", b)
	}
	raw.Close()
	old := clientCfg.Clone()
	old.MaxVersion = tls.VersionTLS12
	if c, err := tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", addr, old); err == nil {
		c.Close()
		t.Error("TLS 1.2 accepted under ssl-min-ver TLSv1.3")
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", addr, clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
