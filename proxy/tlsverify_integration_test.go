package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// TestClientCertIgnoreErrors: with crt-ignore-err and ca-ignore-err, a
// client certificate that does not verify is let through, and
// ssl_c_verify, ssl_c_err and ssl_c_ca_err tell OpenSSL's error codes:
// 10 for an expired certificate, 23 for a revoked one, and the last error
// for one that is both (as OpenSSL keeps it); errors not ignored end the
// handshake.
func TestClientCertIgnoreErrors(t *testing.T) {
	t.Parallel()
	srvCA, cliCA := testcert.NewCA("server CA"), testcert.NewCA("client CA")
	dir := t.TempDir()
	site := filepath.Join(dir, "site.pem")
	testcert.Write(site, srvCA.Issue(testcert.Opts{CN: "www.example", DNS: []string{"www.example"}}).Bundle())
	caFile, crlFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "crl.pem")
	testcert.Write(caFile, cliCA.PEM)
	good := cliCA.Issue(testcert.Opts{CN: "good", Client: true})
	expired := cliCA.Issue(testcert.Opts{CN: "expired", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	revoked := cliCA.Issue(testcert.Opts{CN: "revoked", Client: true})
	both := cliCA.Issue(testcert.Opts{CN: "both", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	testcert.Write(crlFile, cliCA.CRL(revoked.Cert, both.Cert))
	stranger := testcert.NewCA("unknown CA").Issue(testcert.Opts{CN: "stranger", Client: true})

	origin := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-Verify"))
	})
	all, some := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend all
  bind {ALL} ssl crt {CRT} ca-file {CA} crl-file {CRL} verify optional crt-ignore-err all ca-ignore-err all
  bind {SOME} ssl crt {CRT} ca-file {CA} crl-file {CRL} verify required crt-ignore-err 10
  http-request set-header X-Verify %[ssl_c_verify]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_c_s_dn(CN)]
  default_backend be
backend be
  server o {O}
`, "ALL", all, "SOME", some, "CRT", site, "CA", caFile, "CRL", crlFile, "O", origin.addr))

	get := func(addr string, leaf *testcert.Leaf) (string, error) {
		body, _, err := getWithCert(t, addr, leaf)
		return body, err
	}
	for _, tc := range []struct {
		leaf *testcert.Leaf
		want string
	}{
		{good, "0/0/0/good"},
		{expired, "10/10/0/expired"},
		{revoked, "23/23/0/revoked"},
		{both, "10/23/0/both"},
		{stranger, "21/20/0/stranger"}, // OpenSSL's 20, then 21
		{nil, "0/0/0/"},
	} {
		if got, err := get(all, tc.leaf); err != nil || got != tc.want {
			t.Errorf("ignore all, %s: %q %v, want %q", tc.want, got, err, tc.want)
		}
	}
	// Only 10 ignored, and a certificate required.
	if got, err := get(some, expired); err != nil || got != "10/10/0/expired" {
		t.Errorf("ignore 10, expired: %q %v", got, err)
	}
	for _, leaf := range []*testcert.Leaf{revoked, stranger, nil} {
		if got, err := get(some, leaf); err == nil {
			t.Errorf("ignore 10: a certificate that must fail passed: %q", got)
		}
	}
}

// TestCAVerifyFile: a ca-verify-file's CAs verify client certificates
// without being named to the client; the ca-file's are named and trusted.
func TestCAVerifyFile(t *testing.T) {
	t.Parallel()
	srvCA, root := testcert.NewCA("server CA"), testcert.NewCA("root CA")
	named := testcert.NewCA("named CA")
	dir := t.TempDir()
	site := filepath.Join(dir, "site.pem")
	testcert.Write(site, srvCA.Issue(testcert.Opts{CN: "www.example", DNS: []string{"www.example"}}).Bundle())
	caFile, verifyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "verify.pem")
	testcert.Write(caFile, named.PEM)
	testcert.Write(verifyFile, root.PEM)
	origin := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("X-CN"))
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {FE} ssl crt {CRT} ca-file {CA} ca-verify-file {VERIFY} verify required
  http-request set-header X-CN %[ssl_c_s_dn(CN)]
  default_backend be
backend be
  server o {O}
`, "FE", fe, "CRT", site, "CA", caFile, "VERIFY", verifyFile, "O", origin.addr))
	get := func(leaf *testcert.Leaf) (string, []string, error) { return getWithCert(t, fe, leaf) }
	for _, ca := range []*testcert.CA{root, named} {
		got, names, err := get(ca.Issue(testcert.Opts{CN: "by " + ca.Cert.Subject.CommonName, Client: true}))
		if err != nil || got != "by "+ca.Cert.Subject.CommonName {
			t.Errorf("a client of %s: %q %v", ca.Cert.Subject.CommonName, got, err)
		}
		if len(names) != 1 {
			t.Errorf("CAs named to the client: %d, want the ca-file's only", len(names))
		}
	}
	if got, _, err := get(testcert.NewCA("stranger").Issue(testcert.Opts{CN: "x", Client: true})); err == nil {
		t.Errorf("a client of an unknown CA was let through: %q", got)
	}
}

// getWithCert sends a GET over TLS to addr, presenting leaf (nil: no
// certificate) whatever CAs the proxy names, as OpenSSL's client sends
// it, and returns the body and the CA names the proxy sent.
func getWithCert(t *testing.T, addr string, leaf *testcert.Leaf) (string, []string, error) {
	t.Helper()
	var names []string
	cfg := &tls.Config{InsecureSkipVerify: true}
	if leaf != nil {
		cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			for _, n := range cri.AcceptableCAs {
				names = append(names, string(n))
			}
			return &cert, nil
		}
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", addr, cfg)
	if err != nil {
		return "", names, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itTimeout))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", names, err // TLS 1.3: a refused certificate shows at the first read
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b), names, nil
}
