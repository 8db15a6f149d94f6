package ssl

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// scanConn scans what a test's connection reads and writes, as the
// proxy's transports do; client says which side it is. With oneByte, the
// scanner is fed a byte at a time.
type scanConn struct {
	net.Conn
	client  bool
	oneByte bool
	r, w    HelloScan
	randoms Randoms
}

func (s *scanConn) feed(h *HelloScan, b []byte, clientHello bool) {
	step := len(b)
	if s.oneByte {
		step = 1
	}
	for i := 0; i < len(b); i += step {
		chunk := b[i:min(i+step, len(b))]
		if clientHello {
			h.ScanClient(chunk, &s.randoms)
		} else {
			h.ScanServer(chunk, &s.randoms)
		}
	}
}

func (s *scanConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.feed(&s.r, p[:n], !s.client)
	return n, err
}

func (s *scanConn) Write(p []byte) (int, error) {
	s.feed(&s.w, p, s.client)
	return s.Conn.Write(p)
}

// tcpPair is a connected pair of loopback sockets (net.Pipe, unbuffered,
// would block both sides of a HelloRetryRequest writing at once).
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// keyLog collects key log lines; the first gives the client random.
type keyLog struct {
	mu    sync.Mutex
	lines []string
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	k.lines = append(k.lines, string(p))
	k.mu.Unlock()
	return len(p), nil
}

func (k *keyLog) clientRandom(t *testing.T) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.lines) == 0 {
		t.Fatal("no key log")
	}
	b, err := hex.DecodeString(strings.Fields(k.lines[0])[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHelloRandoms: both sides of real handshakes read the same randoms
// off the wire, the client's being the one crypto/tls logs, over TLS 1.2
// (whose server random carries the TLS 1.3 downgrade sentinel) and TLS
// 1.3, after a HelloRetryRequest too, whatever the chunks.
func TestHelloRandoms(t *testing.T) {
	ca := testcert.NewCA("hello CA")
	leaf := ca.Issue(testcert.Opts{CN: "hello.example", DNS: []string{"hello.example"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		max     uint16
		curves  []tls.CurveID // the server's: P-384 only makes the client retry
		oneByte bool
	}{
		{"TLS 1.2", tls.VersionTLS12, nil, false},
		{"TLS 1.3", tls.VersionTLS13, nil, false},
		{"TLS 1.3 bytewise", tls.VersionTLS13, nil, true},
		{"TLS 1.3 HelloRetryRequest", tls.VersionTLS13, []tls.CurveID{tls.CurveP384}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := tcpPair(t)
			defer a.Close()
			defer b.Close()
			a.SetDeadline(time.Now().Add(5 * time.Second))
			b.SetDeadline(time.Now().Add(5 * time.Second))
			cs := &scanConn{Conn: a, client: true, oneByte: c.oneByte}
			ss := &scanConn{Conn: b, oneByte: c.oneByte}
			log := &keyLog{}
			cli := tls.Client(cs, &tls.Config{RootCAs: ca.Pool(), ServerName: "hello.example", MaxVersion: c.max, KeyLogWriter: log})
			srv := tls.Server(ss, &tls.Config{Certificates: []tls.Certificate{cert}, CurvePreferences: c.curves})
			done := make(chan error, 1)
			go func() { done <- srv.Handshake() }()
			if err := cli.Handshake(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for _, r := range []Randoms{cs.randoms, ss.randoms} {
				if !r.HaveClient || !r.HaveServer {
					t.Fatalf("randoms not found: %+v", r)
				}
			}
			if cs.randoms != ss.randoms {
				t.Errorf("the sides disagree: %x/%x and %x/%x", cs.randoms.Client, cs.randoms.Server, ss.randoms.Client, ss.randoms.Server)
			}
			if want := log.clientRandom(t); !bytes.Equal(cs.randoms.Client[:], want) {
				t.Errorf("client random %x, the key log says %x", cs.randoms.Client, want)
			}
			if cs.randoms.Server == helloRetryRandom {
				t.Error("took the HelloRetryRequest's random")
			}
			sentinel := bytes.Equal(cs.randoms.Server[24:], []byte("DOWNGRD\x01"))
			if sentinel != (c.max == tls.VersionTLS12) {
				t.Errorf("server random %x: downgrade sentinel %v", cs.randoms.Server, sentinel)
			}
			if !cs.r.Done || !cs.w.Done || !ss.r.Done || !ss.w.Done {
				t.Error("a scan goes on after its hello")
			}
		})
	}
	// Not TLS: the scan gives up at once.
	var h HelloScan
	var r Randoms
	h.ScanClient([]byte("GET / HTTP/1.1\r\n"), &r)
	if !h.Done || r.HaveClient {
		t.Errorf("plain text: done %v, found %v", h.Done, r.HaveClient)
	}
}
