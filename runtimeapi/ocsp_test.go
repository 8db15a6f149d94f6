package runtimeapi

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"switchyard/admin"
	"switchyard/internal/testcert"
	"switchyard/ssl"
)

const ocspCfg = `
global
    stats timeout 5s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind {ADDR} ssl crt {D}/site.pem
    default_backend be
backend be
    server s1 127.0.0.1:1
`

// ocspSetup writes site.pem, its .issuer and a good .ocsp, and returns
// the CA, the leaf and a response maker.
func ocspSetup(t *testing.T) (dir string, ca *testcert.CA, leaf *testcert.Leaf, resp func(status int, leaf *testcert.Leaf) []byte) {
	t.Helper()
	ca = testcert.NewCA("ocsp CA")
	leaf = ca.Issue(testcert.Opts{CN: "site.example", DNS: []string{"site.example"}})
	dir = shortTempDir(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	n := 0
	resp = func(status int, l *testcert.Leaf) []byte {
		n++ // each response its own dates, to tell them apart
		tmpl := ocsp.Response{Status: status, SerialNumber: l.Cert.SerialNumber,
			ThisUpdate: base.Add(time.Duration(n) * time.Minute), NextUpdate: base.Add(48 * time.Hour)}
		if status == ocsp.Revoked {
			tmpl.RevokedAt = base
		}
		der, err := ocsp.CreateResponse(ca.Cert, ca.Cert, tmpl, ca.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	testcert.Write(filepath.Join(dir, "site.pem"), leaf.Bundle())
	testcert.Write(filepath.Join(dir, "site.pem.issuer"), ca.PEM)
	testcert.Write(filepath.Join(dir, "site.pem.ocsp"), resp(ocsp.Good, leaf))
	return dir, ca, leaf, resp
}

// staple is the OCSP response a handshake with addr gets.
func staple(t *testing.T, addr string) []byte {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: "site.example", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().OCSPResponse
}

func b64Payload(der []byte) string {
	return "<<\n" + base64.StdEncoding.EncodeToString(der) + "\n\n"
}

// TestOCSPStapling: a client asking for the certificate status gets the
// .ocsp file's response, then the one `set ssl ocsp-response` gives,
// then the one a `set ssl cert FILE.ocsp` transaction commits.
func TestOCSPStapling(t *testing.T) {
	dir, _, leaf, resp := ocspSetup(t)
	addr := freeAddr(t)
	e := newEnv(t, strings.NewReplacer("{ADDR}", addr, "{D}", dir).Replace(ocspCfg))
	sock := e.socket(admin.Admin)
	site := filepath.Join(dir, "site.pem")

	first := staple(t, addr)
	if r, err := ocsp.ParseResponse(first, nil); err != nil || r.Status != ocsp.Good || r.SerialNumber.Cmp(leaf.Cert.SerialNumber) != 0 {
		t.Fatalf("from the file: %v %+v", err, r)
	}
	list := ask(t, sock, "show ssl ocsp-response\n")
	if !strings.HasPrefix(list, "# Certificate IDs\nCertificate ID key : 30") || !strings.Contains(list, "\n Certificate ID:\n   Issuer Name Hash: ") {
		t.Fatalf("show ssl ocsp-response: %q", list)
	}
	key := strings.Fields(strings.SplitN(list, "\n", 3)[1])[4]
	if got := ask(t, sock, "show ssl ocsp-response "+key+"\n"); !strings.Contains(got, "    Cert Status: good\n") {
		t.Errorf("show ssl ocsp-response KEY: %q", got)
	}
	if got := ask(t, sock, "show ssl cert "+site+"\n"); !strings.Contains(got, "OCSP Response Key: "+key+"\n") {
		t.Errorf("show ssl cert: %q", got)
	}

	revoked := resp(ocsp.Revoked, leaf)
	if got := ask(t, sock, "set ssl ocsp-response "+b64Payload(revoked)); got != "OCSP Response updated!\n\n" {
		t.Fatalf("set ssl ocsp-response: %q", got)
	}
	if got := staple(t, addr); !bytes.Equal(got, revoked) {
		t.Errorf("after set ssl ocsp-response: %d bytes", len(got))
	}
	if got := ask(t, sock, "show ssl cert "+site+".ocsp\n"); !strings.Contains(got, "    Cert Status: revoked\n") {
		t.Errorf("show ssl cert .ocsp: %q", got)
	}
	// The one-word form, and responses that are refused.
	if got := ask(t, sock, "set ssl ocsp-response "+base64.StdEncoding.EncodeToString(revoked)+"\n"); got != "OCSP Response updated!\n\n" {
		t.Errorf("one word: %q", got)
	}
	other := testcert.NewCA("other CA")
	stranger := other.Issue(testcert.Opts{CN: "x"})
	if got := ask(t, sock, "set ssl ocsp-response "+b64Payload(resp(ocsp.Good, stranger))); got != "OCSP single response: Certificate ID does not match any certificate or issuer.\n\n" {
		t.Errorf("another certificate's: %q", got)
	}
	if got := ask(t, sock, "set ssl ocsp-response "+b64Payload(resp(ocsp.Unknown, leaf))); got != "OCSP single response: certificate status is unknown.\n\n" {
		t.Errorf("unknown: %q", got)
	}
	if got := ask(t, e.socket(admin.Operator), "set ssl ocsp-response "+b64Payload(revoked)); !strings.Contains(got, "Permission denied") {
		t.Errorf("operator: %q", got)
	}

	// A transaction: the new response is shown as the transaction's, and
	// served once committed.
	renewed := resp(ocsp.Good, leaf)
	if got := ask(t, sock, "set ssl cert "+site+".ocsp "+b64Payload(renewed)); got != "Transaction created for certificate "+site+"!\n\n" {
		t.Fatalf("set ssl cert .ocsp: %q", got)
	}
	if got := ask(t, sock, "show ssl cert *"+site+".ocsp\n"); !strings.Contains(got, "    Cert Status: good\n") {
		t.Errorf("show ssl cert *.ocsp: %q", got)
	}
	if got := staple(t, addr); !bytes.Equal(got, revoked) {
		t.Error("the transaction was served before its commit")
	}
	if got := ask(t, sock, "commit ssl cert "+site+"\n"); got != "Committing "+site+".\nSuccess!\n\n" {
		t.Fatalf("commit: %q", got)
	}
	if got := staple(t, addr); !bytes.Equal(got, renewed) {
		t.Errorf("after commit: %d bytes", len(got))
	}
	if _, err := hex.DecodeString(key); err != nil {
		t.Error(err)
	}
}

// TestHAProxyOCSP: the OCSP commands answer as haproxy's.
func TestHAProxyOCSP(t *testing.T) {
	dir, _, leaf, resp := ocspSetup(t)
	d := newDiffPairOn(t, strings.NewReplacer("{ADDR}", freeAddr(t), "{D}", dir).Replace(ocspCfg))
	site := filepath.Join(dir, "site.pem")
	c, err := ssl.LoadCert(site, ssl.ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	key := hex.EncodeToString(c.OCSPKey())
	stranger := testcert.NewCA("other CA").Issue(testcert.Opts{CN: "x"})
	d.same(
		"show ssl ocsp-response\n",
		"show ssl ocsp-response "+key+"\n",
		"show ssl ocsp-response "+strings.ToUpper(key)+"\n",
		"show ssl ocsp-response 00\n",
		"show ssl ocsp-response xyz\n",
		"show ssl ocsp-response "+strings.Repeat("ab", 129)+"\n",
		"show ssl cert "+site+"\n",
		"show ssl cert "+site+".ocsp\n",
		"show ssl cert *"+site+".ocsp\n",
		"show ssl cert /nope.pem.ocsp\n",
		"set ssl ocsp-response\n",
		"set ssl ocsp-response @@@\n",
		"set ssl ocsp-response AAAA\n",
		"set ssl ocsp-response "+b64Payload(resp(ocsp.Good, stranger)),
		"set ssl ocsp-response "+b64Payload(resp(ocsp.Unknown, leaf)),
		"set ssl ocsp-response "+b64Payload(resp(ocsp.Revoked, leaf)),
		"show ssl ocsp-response "+key+"\n",
		"show ssl cert "+site+".ocsp\n",
		"set ssl cert "+site+".ocsp <<\n@@@\n\n",
		"set ssl cert "+site+".ocsp "+b64Payload(resp(ocsp.Good, leaf)),
		"show ssl cert *"+site+".ocsp\n",
		"show ssl cert "+site+".ocsp\n",
		"commit ssl cert "+site+"\n",
		"show ssl ocsp-response "+key+"\n",
		"set ssl cert "+site+".ocsp <<\nAAAA\n\n",
		"show ssl cert *"+site+".ocsp\n",
		"show ssl cert *"+site+"\n",
		"commit ssl cert "+site+"\n",
		"show ssl ocsp-response "+key+"\n",
		"show ssl cert "+site+"\n",
	)
}

// TestOCSPIssuerPayload: a certificate whose OCSP response has no issuer
// to be checked against (no chain, no .issuer file) is not stapled; `set
// ssl cert FILE.issuer` gives it one, and the commit staples it.
func TestOCSPIssuerPayload(t *testing.T) {
	dir, ca, leaf, resp := ocspSetup(t)
	if err := os.Remove(filepath.Join(dir, "site.pem.issuer")); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	e := newEnv(t, strings.NewReplacer("{ADDR}", addr, "{D}", dir).Replace(ocspCfg))
	sock := e.socket(admin.Admin)
	site := filepath.Join(dir, "site.pem")
	if got := staple(t, addr); got != nil {
		t.Fatal("stapled without an issuer")
	}
	if got := ask(t, sock, "set ssl cert "+site+".issuer <<\nnot a certificate\n\n"); got != "'"+site+"' cannot be read or parsed'.\nCan't load the payload\nCan't update "+site+".issuer!\n\n" {
		t.Errorf("bad issuer: %q", got)
	}
	if got := ask(t, sock, "set ssl cert "+site+".issuer <<\n"+string(ca.PEM)+"\n"); got != "Transaction created for certificate "+site+"!\n\n" {
		t.Fatalf("set ssl cert .issuer: %q", got)
	}
	good := resp(ocsp.Good, leaf)
	if got := ask(t, sock, "set ssl cert "+site+".ocsp "+b64Payload(good)); got != "Transaction updated for certificate "+site+"!\n\n" {
		t.Fatalf("set ssl cert .ocsp: %q", got)
	}
	if got := ask(t, sock, "commit ssl cert "+site+"\n"); !strings.Contains(got, "Success!") {
		t.Fatalf("commit: %q", got)
	}
	if got := staple(t, addr); !bytes.Equal(got, good) {
		t.Errorf("after commit: %d bytes stapled", len(got))
	}
}
