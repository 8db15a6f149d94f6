package acme

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/pebbletest"
	"switchyard/internal/testaddr"
	"switchyard/proxy"
	"switchyard/sample"
	"switchyard/ssl"
)

// Issuance and renewal against Let's Encrypt's test CA, pebble (a Go tool
// of the module: `go tool pebble`; see internal/pebbletest), with real
// validation: pebble's VA connects to the ports of the frontend under
// test, whose own rules (HTTP-01, 3.2's map(virt@acme) rule) or bind
// (TLS-ALPN-01) answer. Everything listens on loopback and stops with the
// test.

var ports = testaddr.New(15000, 17000)

// validity is the certificates' lifetime: short, so that the scheduler's
// renewal (a twelfth of the lifetime before the end) comes within the test.
const validity = 8 // seconds

func TestPebbleIssueAndRenew(t *testing.T) {
	pebbletest.Binary(t) // once, before the subtests' clocks run
	for _, challenge := range []string{"HTTP-01", "TLS-ALPN-01"} {
		t.Run(challenge, func(t *testing.T) { testPebble(t, challenge) })
	}
}

const frontendCfg = `global
    expose-experimental-directives
    crt-base %[1]s

defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s

frontend www
    bind 127.0.0.1:%[2]d
    bind 127.0.0.1:%[3]d ssl
    http-request return status 200 content-type text/plain lf-string "%%[path,field(-1,/)].%%[path,field(-1,/),map(virt@acme)]\n" if { path_beg '/.well-known/acme-challenge/' }
    http-request return status 200 content-type text/plain string "hello"
    ssl-f-use crt "site.pem" acme pebble domains "site.test,www.site.test"

acme pebble
    directory %[4]s
    account-key pebble.account.key
    contact ops@site.test
    challenge %[5]s
    map virt@acme
`

// event is a certificate put in its file.
type event struct {
	path string
	cert *ssl.Cert
}

func testPebble(t *testing.T, challenge string) {
	httpPort, tlsPort := ports.Run(t, 1), ports.Run(t, 1)
	pb := pebbletest.Start(t, pebbletest.Options{HTTPPort: httpPort, TLSPort: tlsPort, Validity: validity, Addr: ports.Addr})
	dir := t.TempDir()
	text := fmt.Sprintf(frontendCfg, dir, httpPort, tlsPort, pb.Directory, challenge)

	log := slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelDebug}))
	rt := proxy.New(log, nil)
	var cfgMu sync.Mutex
	load := func() *config.Config {
		t.Helper()
		if prev := rt.Snapshot(); prev != nil {
			cfg, _, errs := config.LoadBytes("acme.cfg", []byte(text), config.LoadOptions{Patterns: prev.Patterns})
			if len(errs) > 0 {
				t.Errorf("reload: %v", errs)
				return nil
			}
			return cfg
		}
		cfg, _, errs := config.LoadBytes("acme.cfg", []byte(text), config.LoadOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return cfg
	}
	m := New(log)
	m.HTTPClient = pb.Client
	m.Map = func(name string) *sample.PatternRef { return rt.Snapshot().Patterns.Lookup(name) }
	issued := make(chan event, 16)
	// A reload, as SIGHUP makes: the configuration read again, the
	// manager given it.
	reload := func() {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		cfg := load()
		if cfg == nil {
			return
		}
		if err := rt.Apply(cfg); err != nil {
			t.Errorf("reload: %v", err)
			return
		}
		m.Apply(cfg)
	}
	// What the process does with a new certificate (cmd/switchyard): in
	// service at once, no reload.
	m.OnIssued = func(path string, cert *ssl.Cert) {
		if err := rt.Certs().Replace(path, cert); err != nil {
			t.Errorf("Replace: %v", err)
		}
		issued <- event{path, cert}
	}
	cfg := load()
	if !config.ACMEOf(&cfg.Global).Certs[0].Temporary {
		t.Fatal("the certificate is not a stand-in before issuance")
	}
	if err := rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(context.Background())
	defer m.Stop()
	m.Apply(cfg)

	path := filepath.Join(dir, "site.pem")
	wait := func(what string) *ssl.Cert {
		t.Helper()
		select {
		case ev := <-issued:
			if ev.path != path {
				t.Fatalf("%s: issued for %q", what, ev.path)
			}
			return ev.cert
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: no certificate after 60s", what)
		}
		return nil
	}
	roots := pb.Roots(t)
	// served checks that the bind serves cert, and that it verifies to
	// pebble's root for both names.
	served := func(cert *ssl.Cert) {
		t.Helper()
		for _, name := range []string{"site.test", "www.site.test"} {
			c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tlsPort), &tls.Config{ServerName: name, InsecureSkipVerify: true})
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			st := c.ConnectionState()
			c.Close()
			got := st.PeerCertificates[0]
			if !bytes.Equal(got.Raw, cert.TLS.Leaf.Raw) {
				t.Fatalf("%s: the bind serves %v (serial %x), not the new certificate (serial %x)", name, got.Subject, got.SerialNumber, cert.TLS.Leaf.SerialNumber)
			}
			inter := x509.NewCertPool()
			for _, ic := range st.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			// Verified at the start of its validity: the certificates
			// of this test live 8 seconds.
			if _, err := got.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter, CurrentTime: got.NotBefore.Add(time.Second)}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}

	// 1. Obtained at start: the file did not exist.
	first := wait("first issuance")
	served(first)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("certificate file: %v %v", err, st)
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("BEGIN CERTIFICATE")); n < 2 || !bytes.Contains(data, []byte("BEGIN PRIVATE KEY")) {
		t.Errorf("the file holds %d certificates, key %v", n, bytes.Contains(data, []byte("PRIVATE KEY")))
	}
	if _, err := os.Stat(filepath.Join(dir, "pebble.account.key")); err != nil {
		t.Errorf("account key: %v", err)
	}
	if ref := rt.Snapshot().Patterns.Lookup("virt@acme"); ref == nil || ref.Len() != 0 {
		t.Errorf("the challenge entries were not removed: %v", ref)
	}
	if _, err := os.Stat(filepath.Join(dir, ".site.pem.acme-lock")); err == nil {
		t.Error("the lock file is still there")
	}
	// The challenge path answers from the map only while a challenge
	// runs; the rest of the frontend is untouched.
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "hello" {
		t.Errorf("frontend answered %q", body)
	}

	// 2. Renewed on demand (the runtime API's acme renew): one task per
	// file, whatever the reloads meanwhile.
	if err := m.Renew(path); err != nil {
		t.Fatal(err)
	}
	reload()
	if err := m.Renew(path); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("a second renew during the first: %v", err)
	}
	if err := m.Renew(filepath.Join(dir, "other.pem")); err == nil || err.Error() != "Can't find the certificate '"+filepath.Join(dir, "other.pem")+"'." {
		t.Errorf("renew of an unknown file: %v", err)
	}
	second := wait("renewal on demand")
	if second.TLS.Leaf.SerialNumber.Cmp(first.TLS.Leaf.SerialNumber) == 0 {
		t.Fatal("the renewal gave the same certificate")
	}
	served(second)
	var status strings.Builder
	m.WriteStatus(&status, time.Now())
	if lines := strings.Split(status.String(), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[1], path+"\tpebble\tScheduled\t") {
		t.Errorf("acme status:\n%s", status.String())
	}

	// 3. Renewed by the scheduler, a twelfth of its lifetime before it
	// ends, and not before: no second task issued meanwhile.
	third := wait("scheduled renewal")
	if due := renewAt(second.TLS.Leaf); third.TLS.Leaf.NotBefore.Before(due.Add(-time.Second)) {
		t.Errorf("renewed at %v, before it was due (%v)", third.TLS.Leaf.NotBefore, due)
	}
	served(third)
}

// testWriter sends the process log to the test's, until the test ends.
type testWriter struct {
	t    *testing.T
	mu   *sync.Mutex
	done *bool
}

func newTestWriter(t *testing.T) testWriter {
	w := testWriter{t: t, mu: &sync.Mutex{}, done: new(bool)}
	t.Cleanup(func() {
		w.mu.Lock()
		*w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
