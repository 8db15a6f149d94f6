package runtimeapi

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/testcert"
)

const sslCACfg = `
global
    stats timeout 5s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind {ADDR} ssl crt {D}/site.example.pem crt-list {D}/list.txt ca-file {D}/ca.pem crl-file {D}/crl.pem verify optional
    default_backend be
backend be
    server s1 127.0.0.1:1 ssl ca-file {D}/other.pem verify required
`

// caFiles writes, beside sslFiles' certificates, ca.pem (the CA that
// signed them), other.pem (two other CAs) and crl.pem (ca's list, which
// revokes revoked's certificate).
func caFiles(t *testing.T) (dir string, ca, other *testcert.CA, revoked *testcert.Leaf) {
	t.Helper()
	ca, other = testcert.NewCA("rt CA"), testcert.NewCA("other CA")
	dir = sslFiles(t, ca, "site.example", "list.example")
	revoked = ca.Issue(testcert.Opts{CN: "revoked", Client: true})
	testcert.Write(filepath.Join(dir, "ca.pem"), ca.PEM)
	testcert.Write(filepath.Join(dir, "other.pem"), append(append([]byte{}, other.PEM...), testcert.NewCA("third CA").PEM...))
	testcert.Write(filepath.Join(dir, "crl.pem"), ca.CRL(revoked.Cert))
	return dir, ca, other, revoked
}

// TestHAProxySSLCAFiles: the CA and CRL file commands answer as
// haproxy's: listings, details by index, transactions, a new file used
// by a crt-list line, and deletion refused while in use.
func TestHAProxySSLCAFiles(t *testing.T) {
	dir, _, other, _ := caFiles(t)
	cfg := strings.NewReplacer("{ADDR}", freeAddr(t), "{D}", dir).Replace(sslCACfg)
	d := newDiffPairOn(t, cfg)
	caPath, otherPath, crlPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "other.pem"), filepath.Join(dir, "crl.pem")
	list, site := filepath.Join(dir, "list.txt"), filepath.Join(dir, "site.example.pem")
	payload := func(b []byte) string { return strings.TrimRight(string(b), "\n") + "\n\n" }
	newCA := filepath.Join(dir, "new-ca.pem")
	// haproxy's HTTP client loads the system's CAs at start, which
	// switchyard reads only when a line names @system-ca.
	sysCA := regexp.MustCompile(`(?m)^@system-ca - \d+ certificate\(s\)\n`)
	d.norm = func(s string) string { return sysCA.ReplaceAllString(strings.ReplaceAll(s, "\x00]", "]"), "") }
	d.same(
		"show ssl ca-file\n",
		"show ssl ca-file "+otherPath+"\n",
		"show ssl ca-file "+otherPath+":2\n",
		"show ssl ca-file "+otherPath+":x\n",
		"show ssl ca-file /nope.pem\n",
		"show ssl crl-file\n",
		"show ssl crl-file "+crlPath+"\n",
		"show ssl crl-file "+crlPath+":1\n",
		"show ssl crl-file "+caPath+"\n",
		// Transactions: errors first, then one shown, aborted, redone
		// and committed.
		"set ssl ca-file /nope.pem <<\n"+payload(other.PEM),
		"set ssl ca-file "+caPath+" <<\nnot a certificate\n\n",
		"commit ssl ca-file "+caPath+"\n",
		"abort ssl ca-file "+caPath+"\n",
		"set ssl ca-file "+caPath+" <<\n"+payload(other.PEM),
		"set ssl ca-file "+otherPath+" <<\n"+payload(other.PEM),
		"show ssl ca-file\n",
		"show ssl ca-file *"+caPath+"\n",
		"abort ssl ca-file "+caPath+"\n",
		"set ssl ca-file "+caPath+" <<\n"+payload(other.PEM),
		"set ssl ca-file "+caPath+" <<\n"+payload(other.PEM),
		"commit ssl ca-file "+caPath+"\n",
		"show ssl ca-file "+caPath+"\n",
		"set ssl crl-file "+crlPath+" <<\n"+payload(other.CRL()),
		"show ssl crl-file\n",
		"commit ssl crl-file "+crlPath+"\n",
		// A new CA file, filled and named by a crt-list line.
		"new ssl ca-file "+newCA+"\n",
		"new ssl ca-file "+newCA+"\n",
		"new ssl crl-file "+newCA+"\n",
		"show ssl ca-file "+newCA+"\n",
		"set ssl ca-file "+newCA+" <<\n"+payload(other.PEM),
		"commit ssl ca-file "+newCA+"\n",
		"show ssl ca-file "+newCA+"\n",
		"add ssl crt-list "+list+" <<\n"+site+" [ca-file /nope.pem verify optional] new.example\n\n",
		"add ssl crt-list "+list+" <<\n"+site+" [ca-file "+newCA+" verify optional] new.example\n\n",
		"show ssl ca-file "+newCA+"\n",
		"del ssl ca-file "+newCA+"\n",
		"del ssl crt-list "+list+" "+site+"\n",
		"del ssl crl-file "+newCA+"\n",
		"del ssl ca-file "+newCA+"\n",
		"del ssl ca-file "+newCA+"\n",
		"del ssl ca-file "+caPath+"\n",
		"show ssl ca-file\n",
	)
}

// TestSSLCAFileCommitted: a committed CA or CRL file decides the next
// handshakes, without a reload.
func TestSSLCAFileCommitted(t *testing.T) {
	dir, ca, other, revoked := caFiles(t)
	addr := freeAddr(t)
	cfg := strings.NewReplacer("{ADDR}", addr, "{D}", dir).Replace(sslCACfg)
	cfg = strings.Replace(cfg, "verify optional", "verify required", 1)
	cfg = strings.Replace(cfg, "    default_backend be\n", "    http-request return status 503\n    default_backend be\n", 1)
	e := newEnv(t, cfg)
	sock := e.socket(admin.Admin)
	client := func(l *testcert.Leaf) error {
		pair, err := tls.X509KeyPair(l.CertPEM, l.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{
			ServerName: "site.example", InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}})
		if err != nil {
			return err
		}
		defer c.Close()
		// TLS 1.3 reports a refused certificate after the handshake: a
		// request answered (503: the server is down) is the proof.
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
			return err
		}
		b := make([]byte, 12)
		if _, err := io.ReadFull(c, b); err != nil {
			return err
		}
		if string(b) != "HTTP/1.1 503" {
			return fmt.Errorf("answer %q", b)
		}
		return nil
	}
	good, stranger := ca.Issue(testcert.Opts{CN: "good", Client: true}), other.Issue(testcert.Opts{CN: "stranger", Client: true})
	if err := client(good); err != nil {
		t.Fatalf("good client before: %v", err)
	}
	if client(revoked) == nil || client(stranger) == nil {
		t.Fatal("a revoked or unknown client was accepted")
	}
	caPath, crlPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "crl.pem")
	both := strings.TrimRight(string(ca.PEM), "\n") + "\n" + string(other.PEM)
	ask(t, sock, "set ssl ca-file "+caPath+" <<\n"+both+"\n")
	if client(stranger) == nil {
		t.Fatal("a transaction not committed was used")
	}
	if out := ask(t, sock, "commit ssl ca-file "+caPath+"\n"); !strings.Contains(out, "Success!") {
		t.Fatalf("commit: %q", out)
	}
	// other's CA has no CRL in crl.pem: with crl-file, its client fails
	// until the list covers its issuer.
	crls := strings.TrimRight(string(ca.CRL()), "\n") + "\n" + string(other.CRL())
	ask(t, sock, "set ssl crl-file "+crlPath+" <<\n"+crls+"\n")
	if out := ask(t, sock, "commit ssl crl-file "+crlPath+"\n"); !strings.Contains(out, "Success!") {
		t.Fatalf("commit: %q", out)
	}
	if err := client(stranger); err != nil {
		t.Errorf("client of the CA added: %v", err)
	}
	if err := client(revoked); err != nil {
		t.Errorf("client no longer revoked: %v", err)
	}
}
