// Package pebbletest runs Let's Encrypt's test CA, pebble, for tests:
// built as a tool of the module (`go tool pebble`, see go.mod), started on
// loopback with real validation. Its VA resolves every name to 127.0.0.1
// through a DNS server of the test and connects to the ports the test
// names, where the switchyard under test answers the challenges.
package pebbletest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"switchyard/internal/testcert"
)

// Options say what the CA validates against and issues.
type Options struct {
	// HTTPPort and TLSPort are where the VA connects for HTTP-01 and
	// TLS-ALPN-01 (on 127.0.0.1).
	HTTPPort, TLSPort int
	// Validity is the certificates' lifetime in seconds (0: 90 days).
	Validity int
	// Addr returns a free loopback address for pebble's listeners (the
	// caller's port range: testaddr).
	Addr func(t testing.TB) string
}

// Server is a running pebble.
type Server struct {
	// Directory is the ACME directory URL.
	Directory string
	// Client trusts pebble's listener; CAFile is the PEM file of the CA
	// it trusts, for another process (SSL_CERT_FILE).
	Client *http.Client
	CAFile string
	mgmt   string
}

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary builds pebble (the go command caches it after the first time)
// and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", "tool", "-n", "pebble")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			binary.err = &buildError{err, stderr.String()}
			return
		}
		binary.path = strings.TrimSpace(string(out))
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

type buildError struct {
	err    error
	stderr string
}

func (e *buildError) Error() string { return "go tool -n pebble: " + e.err.Error() + "\n" + e.stderr }

// Start runs pebble until the test ends; its output is logged if the test
// fails.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	ca := testcert.NewCA("pebble listener CA")
	leaf := ca.Issue(testcert.Opts{CN: "pebble", DNS: []string{"127.0.0.1"}})
	testcert.Write(filepath.Join(dir, "cert.pem"), leaf.CertPEM)
	testcert.Write(filepath.Join(dir, "key.pem"), leaf.KeyPEM)
	testcert.Write(filepath.Join(dir, "ca.pem"), ca.PEM)
	listen, mgmt := o.Addr(t), o.Addr(t)
	profile := map[string]any{"description": "test"}
	if o.Validity > 0 {
		profile["validityPeriod"] = o.Validity
	}
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress": listen, "managementListenAddress": mgmt,
		"certificate": filepath.Join(dir, "cert.pem"), "privateKey": filepath.Join(dir, "key.pem"),
		"httpPort": o.HTTPPort, "tlsPort": o.TLSPort,
		"keyAlgorithm": "ecdsa",
		"profiles":     map[string]any{"default": profile},
		"retryAfter":   map[string]any{"authz": 0, "order": 0},
	}}
	data, _ := json.Marshal(conf)
	testcert.Write(filepath.Join(dir, "pebble.json"), data)

	resolver := startDNS(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-config", filepath.Join(dir, "pebble.json"), "-dnsserver", resolver)
	// Validate at once, every time (no authorization reuse), and never
	// reject a good nonce: the tests run the same steps every time.
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	var out bytes.Buffer
	var outMu sync.Mutex
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		var once sync.Once
		for sc.Scan() {
			outMu.Lock()
			out.WriteString(sc.Text() + "\n")
			outMu.Unlock()
			if strings.Contains(sc.Text(), "ACME directory available at") {
				once.Do(func() { close(listening) })
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		pw.Close()
		if t.Failed() {
			outMu.Lock()
			t.Logf("pebble:\n%s", out.String())
			outMu.Unlock()
		}
	})
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("pebble did not start")
	}
	s := &Server{Directory: "https://" + listen + "/dir", mgmt: mgmt, CAFile: filepath.Join(dir, "ca.pem"),
		Client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}}
	t.Cleanup(s.Client.CloseIdleConnections)
	// The line comes just before pebble listens: try until it answers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := s.Client.Get(s.Directory)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble's directory does not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Roots are pebble's issuing roots, which change at each start.
func (s *Server) Roots(t testing.TB) *x509.CertPool {
	t.Helper()
	res, err := s.Client.Get("https://" + s.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("pebble's root: %q", data)
	}
	return pool
}

// startDNS answers every A question with 127.0.0.1 (and AAAA with
// nothing), for pebble's VA, which asks over TCP.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.IPv4(127, 0, 0, 1)})
			}
		}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}
