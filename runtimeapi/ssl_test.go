package runtimeapi

import (
	"crypto/tls"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/testcert"
)

// sslFiles writes a CA-signed certificate for each name (NAME.pem) and a
// crt-list holding list.example's, in a directory of their own.
func sslFiles(t *testing.T, ca *testcert.CA, names ...string) string {
	t.Helper()
	dir := shortTempDir(t)
	for _, n := range names {
		testcert.Write(filepath.Join(dir, n+".pem"), ca.Issue(testcert.Opts{CN: n, DNS: []string{n}}).Bundle())
	}
	testcert.Write(filepath.Join(dir, "list.txt"), []byte(filepath.Join(dir, "list.example.pem")+" [alpn http/1.1] list.example\n"))
	return dir
}

const sslCfg = `
global
    stats timeout 5s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind {ADDR} ssl crt {D}/site.example.pem crt-list {D}/list.txt
    default_backend be
backend be
    server s1 127.0.0.1:1
`

// TestHAProxySSLCerts: the certificate and crt-list commands answer as
// haproxy's, from the listing to a transaction, a new certificate added
// to a crt-list and removed.
func TestHAProxySSLCerts(t *testing.T) {
	ca := testcert.NewCA("rt CA")
	dir := sslFiles(t, ca, "site.example", "list.example")
	// Both bind the same port: each sets SO_REUSEPORT.
	cfg := strings.NewReplacer("{ADDR}", freeAddr(t), "{D}", dir).Replace(sslCfg)
	d := newDiffPairOn(t, cfg)
	site, list := filepath.Join(dir, "site.example.pem"), filepath.Join(dir, "list.txt")
	other := ca.Issue(testcert.Opts{CN: "other.example", DNS: []string{"other.example", "www.other.example"}})
	newPath := filepath.Join(dir, "new.pem")
	payload := func(b []byte) string { return strings.TrimRight(string(b), "\n") + "\n\n" }
	// haproxy prints a crt-list line's alpn in its wire form, a NUL
	// at the end: switchyard prints the option as written.
	d.norm = func(s string) string { return strings.ReplaceAll(s, "\x00]", "]") }
	d.same(
		"show ssl cert\n",
		"show ssl cert "+site+"\n",
		"show ssl cert /nope.pem\n",
		"show ssl crt-list\n",
		"show ssl crt-list "+list+"\n",
		"show ssl crt-list -n "+list+"\n",
		"show ssl crt-list /nope.txt\n",
		"commit ssl cert "+site+"\n",
		"abort ssl cert "+site+"\n",
		"set ssl cert /nope.pem <<\n"+payload(other.Bundle()),
		// A transaction, shown and aborted.
		"set ssl cert "+site+" <<\n"+payload(other.Bundle()),
		"show ssl cert\n",
		"show ssl cert *"+site+"\n",
		"commit ssl cert "+list+"\n",
		"abort ssl cert "+site+"\n",
		"show ssl cert\n",
		// A new certificate, filled, committed, put in the crt-list and
		// taken out again.
		"new ssl cert "+newPath+"\n",
		"new ssl cert "+newPath+"\n",
		"show ssl cert "+newPath+"\n",
		"add ssl crt-list "+list+" "+newPath+"\n",
		"set ssl cert "+newPath+" <<\n"+payload(other.Bundle()),
		"commit ssl cert "+newPath+"\n",
		"show ssl cert "+newPath+"\n",
		"add ssl crt-list "+list+" "+newPath+"\n",
		"show ssl crt-list -n "+list+"\n",
		"show ssl cert "+newPath+"\n",
		"del ssl cert "+newPath+"\n",
		"del ssl crt-list "+list+" "+newPath+"\n",
		"del ssl crt-list "+list+" "+newPath+"\n",
		"show ssl crt-list "+list+"\n",
		"del ssl cert "+newPath+"\n",
		"del ssl cert "+site+"\n",
	)
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// handshakeCN connects to addr with TLS for name and returns the common
// name of the certificate served.
func handshakeCN(t *testing.T, addr, name string) string {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake for %s: %v", name, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// TestSSLCertsServed: what the commands change is served to the next
// handshakes, without a reload.
func TestSSLCertsServed(t *testing.T) {
	ca := testcert.NewCA("rt CA")
	dir := sslFiles(t, ca, "site.example", "list.example")
	addr := freeAddr(t)
	e := newEnv(t, strings.NewReplacer("{ADDR}", addr, "{D}", dir).Replace(sslCfg))
	sock := e.socket(admin.Admin)
	site, list := filepath.Join(dir, "site.example.pem"), filepath.Join(dir, "list.txt")
	if cn := handshakeCN(t, addr, "site.example"); cn != "site.example" {
		t.Fatalf("before: %s", cn)
	}
	if cn := handshakeCN(t, addr, "list.example"); cn != "list.example" {
		t.Fatalf("before: %s", cn)
	}
	// The bind's default certificate replaced: a name it did not have
	// is served by it now, and the default is the new one.
	renewed := ca.Issue(testcert.Opts{CN: "renewed.example", DNS: []string{"renewed.example"}})
	for _, in := range []string{
		"set ssl cert " + site + " <<\n" + string(renewed.Bundle()) + "\n",
		"commit ssl cert " + site + "\n",
	} {
		if got := ask(t, sock, in); strings.Contains(got, "Can't") {
			t.Fatalf("%q: %s", in, got)
		}
	}
	if cn := handshakeCN(t, addr, "renewed.example"); cn != "renewed.example" {
		t.Errorf("after commit, renewed.example: %s", cn)
	}
	if cn := handshakeCN(t, addr, "unknown.example"); cn != "renewed.example" {
		t.Errorf("after commit, the default: %s", cn)
	}
	// A new certificate through the crt-list, then out of it.
	extra := filepath.Join(dir, "extra.pem")
	bundle := ca.Issue(testcert.Opts{CN: "extra.example", DNS: []string{"extra.example"}}).Bundle()
	for _, in := range []string{
		"new ssl cert " + extra + "\n",
		"set ssl cert " + extra + " <<\n" + string(bundle) + "\n",
		"commit ssl cert " + extra + "\n",
		"add ssl crt-list " + list + " <<\n" + extra + " [alpn http/1.1] extra.example\n\n",
	} {
		if got := ask(t, sock, in); strings.Contains(got, "Can't") {
			t.Fatalf("%q: %s", in, got)
		}
	}
	if cn := handshakeCN(t, addr, "extra.example"); cn != "extra.example" {
		t.Errorf("after add ssl crt-list: %s", cn)
	}
	if got := ask(t, sock, "del ssl crt-list "+list+" "+extra+"\n"); !strings.Contains(got, "deleted") {
		t.Fatalf("del ssl crt-list: %s", got)
	}
	if cn := handshakeCN(t, addr, "extra.example"); cn != "renewed.example" {
		t.Errorf("after del ssl crt-list: %s", cn)
	}
}
