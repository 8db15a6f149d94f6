package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// itTLSOrigin is an HTTPS origin with a certificate for names, signed by
// ca; it answers what it saw of the TLS connection.
func itTLSOrigin(t *testing.T, ca *testcert.CA, names ...string) *itOrigin {
	t.Helper()
	leaf := ca.Issue(testcert.Opts{CN: names[0], DNS: names})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &itOrigin{addr: l.Addr().String()}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "sni=%s resumed=%v proto=%s", r.TLS.ServerName, r.TLS.DidResume, r.TLS.NegotiatedProtocol)
		}),
		ReadHeaderTimeout: itTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				o.accepts.Add(1)
			}
		},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
	}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })
	return o
}

// itGet sends a GET on c and returns the response body.
func itGet(t *testing.T, c net.Conn, br *bufio.Reader, host, path string) (status int, body string) {
	st, b, _ := itGetHead(t, c, br, host, path)
	return st, b
}

// itGetHead is itGet, with the response's headers.
func itGetHead(t *testing.T, c net.Conn, br *bufio.Reader, host, path string) (int, string, http.Header) {
	t.Helper()
	c.SetDeadline(time.Now().Add(itTimeout))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(b), res.Header
}

// TestTLSToServers: `server … ssl` verifies the server against ca-file,
// sends the sni (fixed or per request), reuses connections and resumes
// sessions; a server whose certificate does not verify is a failed
// connection (503).
func TestTLSToServers(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA("origin CA")
	other := testcert.NewCA("another CA")
	dir := t.TempDir()
	caFile, otherFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "other.pem")
	testcert.Write(caFile, ca.PEM)
	testcert.Write(otherFile, other.PEM)
	origin := itTLSOrigin(t, ca, "a.example", "b.example")
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {FE}
  use_backend fixed if { path_beg /fixed }
  use_backend varies if { path_beg /varies }
  use_backend noreuse if { path_beg /noreuse }
  use_backend badca if { path_beg /badca }
  use_backend badhost if { path_beg /badhost }
  use_backend clear if { path_beg /clear }
  default_backend none
backend fixed
  http-response set-header X-BC %[ssl_bc]/%[ssl_bc_protocol]/%[ssl_bc_alpn]/%[ssl_bc_cipher]/%[ssl_s_s_dn(CN)]/%[ssl_s_chain_der,length]
  server o {O} ssl ca-file {CA} sni str(a.example) alpn http/1.1
backend clear
  http-response set-header X-BC %[ssl_bc]
  server o {PLAIN}
backend varies
  server o {O} ssl ca-file {CA} sni req.hdr(host)
backend noreuse
  http-reuse never
  server o {O} ssl verify none no-ssl-reuse
backend badca
  retries 0
  server o {O} ssl ca-file {OTHER} sni str(a.example)
backend badhost
  retries 0
  server o {O} ssl ca-file {CA} verifyhost c.example
backend none
  server o {O} ssl verify none
`, "FE", fe, "O", origin.addr, "CA", caFile, "OTHER", otherFile, "PLAIN", itNamed(t, "plain").addr))

	// A request in clear first: the transaction state it leaves behind
	// for the next stream must not shape the TLS one's.
	c0 := itDial(t, fe)
	if st, body := itGet(t, c0.c, bufio.NewReader(c0.c), "x", "/clear"); st != 200 || body != "plain" {
		t.Fatalf("clear: %d %q", st, body)
	}
	c0.c.Close()

	c := itDial(t, fe)
	br := bufio.NewReader(c.c)
	st, body, h := itGetHead(t, c.c, br, "x", "/fixed")
	if st != 200 || body != "sni=a.example resumed=false proto=http/1.1" {
		t.Fatalf("fixed sni: %d %q", st, body)
	}
	if bc := h.Get("X-BC"); !regexp.MustCompile(`^1/TLSv1\.3/http/1\.1/TLS_AES_128_GCM_SHA256/a\.example/[1-9][0-9]+$`).MatchString(bc) {
		t.Errorf("ssl_bc fetches: %q", bc)
	}
	before := origin.accepts.Load()
	if st, body := itGet(t, c.c, br, "x", "/fixed"); st != 200 || !strings.HasPrefix(body, "sni=a.example") {
		t.Fatalf("fixed sni again: %d %q", st, body)
	}
	if origin.accepts.Load() != before {
		t.Error("the second request did not reuse the TLS connection")
	}
	// The sni follows the request: a connection made for one name does
	// not carry a request for another.
	if _, body := itGet(t, c.c, br, "a.example", "/varies"); !strings.HasPrefix(body, "sni=a.example ") {
		t.Errorf("varies a: %q", body)
	}
	if _, body := itGet(t, c.c, br, "b.example", "/varies"); !strings.HasPrefix(body, "sni=b.example ") {
		t.Errorf("varies b: %q", body)
	}
	if _, body := itGet(t, c.c, br, "a.example", "/varies"); !strings.HasPrefix(body, "sni=a.example ") {
		t.Errorf("varies a again: %q", body)
	}
	if st, _ := itGet(t, c.c, br, "x", "/badca"); st != 503 {
		t.Errorf("a server signed by another CA: %d, want 503", st)
	}
	if st, _ := itGet(t, c.c, br, "x", "/badhost"); st != 503 {
		t.Errorf("verifyhost mismatch: %d, want 503", st)
	}
	// A second client connection: the fixed backend's idle connection
	// is shared; without one, a new connection resumes the session,
	// unless no-ssl-reuse.
	c2 := itDial(t, fe)
	br2 := bufio.NewReader(c2.c)
	if _, body := itGet(t, c2.c, br2, "b.example", "/varies"); body != "sni=b.example resumed=true proto=" {
		t.Errorf("a new connection did not resume: %q", body)
	}
	for i := 0; i < 2; i++ {
		if _, body := itGet(t, c2.c, br2, "x", "/noreuse"); body != "sni= resumed=false proto=" {
			t.Errorf("no-ssl-reuse %d: %q", i, body)
		}
	}
}

// TestTLSToServersTCP: a TCP backend speaks TLS to its server.
func TestTLSToServersTCP(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA("origin CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	testcert.Write(caFile, ca.PEM)
	origin := itTLSOrigin(t, ca, "tcp.example")
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode tcp
  timeout client 5s
  timeout server 5s
  timeout connect 5s
listen l
  bind {FE}
  server o {O} ssl ca-file {CA} sni str(tcp.example)
`, "FE", fe, "O", origin.addr, "CA", caFile))
	c := itDial(t, fe)
	if st, body := itGet(t, c.c, bufio.NewReader(c.c), "x", "/"); st != 200 || !strings.HasPrefix(body, "sni=tcp.example ") {
		t.Fatalf("%d %q", st, body)
	}
}

// TestTLSServerClosesAfterAnswer: a TLS 1.2 server that answers and
// closes at once (its last record and its close_notify read together)
// is answered, not a 502.
func TestTLSServerClosesAfterAnswer(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA("closing CA")
	leaf := ca.Issue(testcert.Opts{CN: "o.example", DNS: []string{"o.example"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp4", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close() // the close_notify right after the answer
				c.SetDeadline(time.Now().Add(itTimeout))
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				// One write for the answer and the close_notify, so
				// that the proxy reads them together.
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			}()
		}
	}()
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  option httpclose
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {FE}
  default_backend be
backend be
  retries 0
  server o {O} ssl verify none
`, "FE", fe, "O", l.Addr().String()))
	for i := range 10 {
		c := itDial(t, fe)
		if st, body := itGet(t, c.c, bufio.NewReader(c.c), "x", "/"); st != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q", i, st, body)
		}
		c.c.Close()
	}
}

// TestTLSClientClosesAfterRequest: a request followed at once by the
// client's close_notify (read together) is still answered.
func TestTLSClientClosesAfterRequest(t *testing.T) {
	t.Parallel()
	ca := testcert.NewCA("half-close CA")
	dir := t.TempDir()
	crt := filepath.Join(dir, "site.pem")
	testcert.Write(crt, ca.Issue(testcert.Opts{CN: "site.example", DNS: []string{"site.example"}}).Bundle())
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {FE} ssl crt {CRT}
  option http-buffer-request
  http-request return status 200 content-type text/plain string ok if { req.body -m str hello }
  http-request return status 400
`, "FE", fe, "CRT", crt))
	for i := range 5 {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", fe, &tls.Config{ServerName: "site.example", RootCAs: ca.Pool(), MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(itTimeout))
		// With a body, which the frontend waits for.
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: site.example\r\nContent-Length: 5\r\n\r\n")
		io.WriteString(c, "hello")
		c.CloseWrite() // the close_notify, right behind the request
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		c.Close()
		if res.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("request %d: %d %q", i, res.StatusCode, b)
		}
	}
}
