package proxy

import (
	"bufio"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testcert"
	"switchyard/ssl"
)

// randomsConn notes the randoms of the handshake over it, as a test's
// own witness: it scans what it reads and writes (client: it writes the
// ClientHello).
type randomsConn struct {
	net.Conn
	client bool
	mu     sync.Mutex
	r, w   ssl.HelloScan
	got    ssl.Randoms
}

func (c *randomsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if c.client {
		c.r.ScanServer(p[:n], &c.got)
	} else {
		c.r.ScanClient(p[:n], &c.got)
	}
	c.mu.Unlock()
	return n, err
}

func (c *randomsConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.client {
		c.w.ScanClient(p, &c.got)
	} else {
		c.w.ScanServer(p, &c.got)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *randomsConn) randoms() ssl.Randoms {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got
}

// firstRandom is the client random of the first line a key log writer
// was given.
type firstRandom struct {
	mu  sync.Mutex
	hex string
}

func (f *firstRandom) Write(p []byte) (int, error) {
	f.mu.Lock()
	if fs := strings.Fields(string(p)); f.hex == "" && len(fs) > 1 {
		f.hex = strings.ToUpper(fs[1])
	}
	f.mu.Unlock()
	return len(p), nil
}

func (f *firstRandom) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hex
}

type randomsListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*randomsConn
}

func (l *randomsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &randomsConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, rc)
	l.mu.Unlock()
	return rc, nil
}

// TestHelloRandomFetches: ssl_fc_client_random, ssl_fc_server_random,
// ssl_bc_client_random and ssl_bc_server_random are the randoms the
// client and the origin saw in their handshakes with the proxy (the
// client randoms as crypto/tls's key log gives them), over TLS 1.3 in
// front and TLS 1.2 behind; the session fetches Go cannot answer are
// refused at load.
func TestHelloRandomFetches(t *testing.T) {
	crt, clientCfg := tlsSetup(t, "www.example.com")
	ca := testcert.NewCA("origin CA")
	leaf := ca.Issue(testcert.Opts{CN: "origin.example", DNS: []string{"origin.example"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := &randomsListener{Listener: l}
	originLog := &firstRandom{}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ReadHeaderTimeout: itTimeout,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12, KeyLogWriter: originLog},
	}
	go srv.ServeTLS(rl, "", "")
	t.Cleanup(func() { srv.Close() })

	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {FE} ssl crt {CRT}
  http-request set-var(txn.fcr) ssl_fc_client_random,hex
  http-request set-var(txn.fsr) ssl_fc_server_random,hex
  http-response set-header X-FCR %[var(txn.fcr)]
  http-response set-header X-FSR %[var(txn.fsr)]
  http-response set-header X-BCR %[ssl_bc_client_random,hex]
  http-response set-header X-BSR %[ssl_bc_server_random,hex]
  default_backend be
backend be
  server o {O} ssl verify none
`, "FE", fe, "CRT", crt, "O", l.Addr().String()))

	clientLog := &firstRandom{}
	clientCfg.KeyLogWriter = clientLog
	raw, err := net.DialTimeout("tcp", fe, itTimeout)
	if err != nil {
		t.Fatal(err)
	}
	rc := &randomsConn{Conn: raw, client: true}
	c := tls.Client(rc, clientCfg)
	defer c.Close()
	c.SetDeadline(time.Now().Add(itTimeout))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c.ConnectionState().Version != tls.VersionTLS13 {
		t.Fatalf("front version %x", c.ConnectionState().Version)
	}
	upper := func(b [32]byte) string { return strings.ToUpper(hex.EncodeToString(b[:])) }
	front := rc.randoms()
	rl.mu.Lock()
	if len(rl.conns) != 1 {
		t.Fatalf("%d connections to the origin", len(rl.conns))
	}
	back := rl.conns[0].randoms()
	rl.mu.Unlock()
	for _, c := range []struct{ hdr, want string }{
		{"X-FCR", clientLog.get()}, {"X-FCR", upper(front.Client)},
		{"X-FSR", upper(front.Server)},
		{"X-BCR", originLog.get()}, {"X-BCR", upper(back.Client)},
		{"X-BSR", upper(back.Server)},
	} {
		if got := resp.Header.Get(c.hdr); got != c.want || len(got) != 64 {
			t.Errorf("%s: %q, want %q", c.hdr, got, c.want)
		}
	}

	for _, fetch := range []string{"ssl_fc_session_id", "ssl_bc_session_id", "ssl_fc_session_key", "ssl_bc_session_key"} {
		text := "frontend fe\n  mode http\n  bind :0\n  http-request set-var(txn.x) " + fetch + ",hex\n"
		_, _, errs := config.LoadBytes("it.cfg", []byte(text), config.LoadOptions{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "it.cfg:4:") ||
			!strings.Contains(errs[0].Error(), "fetch method '"+fetch+"' is not supported: Go's TLS stack") {
			t.Errorf("%s: %v", fetch, errs)
		}
	}
}
