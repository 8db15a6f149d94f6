package ssl

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"switchyard/internal/testcert"
)

// haproxy's OCSP fixtures (reg-tests/ssl), read where the conformance
// tree is, never copied.
const ocspFixtures = "/work/shared/conformance/haproxy-2.6.0/reg-tests/ssl/show_ocsp_server.pem"

// fixtureKey is the CertID haproxy computes for the fixture.
const fixtureKey = "303b300906052b0e03021a050004148a83e0060faff709ca7e9b95522a2e81635fda0a0414f652b0e435d5ea923851508f0adbe92d85de007a0202100f"

func needFixtures(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(ocspFixtures); err != nil {
		t.Skipf("haproxy's fixtures are absent: %v", err)
	}
}

// opensslText is `openssl ocsp -respin FILE -text -noverify` with the
// empty lines given a space, as haproxy prints them; "" without openssl.
func opensslText(t *testing.T, der []byte) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		return ""
	}
	f := filepath.Join(t.TempDir(), "resp.der")
	os.WriteFile(f, der, 0o600)
	out, err := exec.Command("openssl", "ocsp", "-respin", f, "-text", "-noverify").Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	return strings.ReplaceAll(string(out), "\n\n", "\n \n")
}

// TestOCSPTextFixtures: the text of haproxy's fixtures is OpenSSL's,
// line for line.
func TestOCSPTextFixtures(t *testing.T) {
	needFixtures(t)
	for file, want := range map[string][]string{
		ocspFixtures + ".ocsp": {
			"    Responder Id: C = FR, O = HAProxy Technologies, CN = ocsp.haproxy.com\n",
			"    Cert Status: good\n    This Update: Jun 10 08:55:04 2021 GMT\n    Next Update: Feb 17 08:55:04 2035 GMT\n \n",
			"      Hash Algorithm: sha1\n      Issuer Name Hash: 8A83E0060FAFF709CA7E9B95522A2E81635FDA0A\n",
			"      Serial Number: 100F\n",
			"        OCSP Nonce: \n            04102545CD14F4814AF91E1ECFB014C0055C\n",
			"        Subject: C=FR, O=HAProxy Technologies, CN=ocsp.haproxy.com\n",
			"            X509v3 Extended Key Usage: critical\n                OCSP Signing\n",
			"-----END CERTIFICATE-----\n",
		},
		ocspFixtures + ".ocsp.revoked": {
			"    Cert Status: revoked\n    Revocation Time: Jun 10 08:57:36 2021 GMT\n    This Update: Jun 10 08:57:45 2021 GMT\n",
		},
	} {
		der, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := AppendOCSPText(nil, der)
		if !ok {
			t.Fatalf("%s: does not parse", file)
		}
		if !bytes.HasPrefix(got, []byte("OCSP Response Data:\n    OCSP Response Status: successful (0x0)\n    Response Type: Basic OCSP Response\n    Version: 1 (0x0)\n")) {
			t.Errorf("%s: begins %q", file, got[:min(len(got), 200)])
		}
		for _, w := range want {
			if !bytes.Contains(got, []byte(w)) {
				t.Errorf("%s: no %q in\n%s", file, w, got)
			}
		}
		if bytes.Contains(got, []byte("\n\n")) {
			t.Errorf("%s: an empty line", file)
		}
		if o := opensslText(t, der); o != "" && o != string(got) {
			t.Errorf("%s: differs from openssl's:\n%s\nopenssl:\n%s", file, got, o)
		}
	}
	if b, ok := AppendOCSPText([]byte("x"), []byte("not DER")); ok || string(b) != "x" {
		t.Errorf("garbage: %q %v", b, ok)
	}
}

// TestOCSPKeyFixture: the key is haproxy's, computed from the certificate
// and its .issuer, and the response loaded is stapled.
func TestOCSPKeyFixture(t *testing.T) {
	needFixtures(t)
	c, err := LoadCert(ocspFixtures, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(c.OCSPKey()); got != fixtureKey {
		t.Errorf("key %s", got)
	}
	if got := hex.EncodeToString(ocspCertID(c.OCSP)); got != fixtureKey {
		t.Errorf("response's CertID %s", got)
	}
	if c.TLS.OCSPStaple == nil {
		t.Error("not stapled")
	}
	if b := AppendDetail(nil, c); !bytes.Contains(b, []byte("OCSP Response Key: "+fixtureKey+"\n")) {
		t.Errorf("show ssl cert: %s", b)
	}
	// Without the .issuer file nor a chain, no key: not stapled.
	c, _ = LoadCert(ocspFixtures, ExtraOCSP|ExtraKey)
	if c.OCSPKey() != nil || c.TLS.OCSPStaple != nil || c.OCSP == nil {
		t.Errorf("without an issuer: key %x, staple %d bytes", c.OCSPKey(), len(c.TLS.OCSPStaple))
	}
}

// ocspFor makes a response about leaf, signed by ca.
func ocspFor(t *testing.T, ca *testcert.CA, leaf *x509.Certificate, tmpl ocsp.Response) []byte {
	t.Helper()
	tmpl.SerialNumber = leaf.SerialNumber
	der, err := ocsp.CreateResponse(ca.Cert, ca.Cert, tmpl, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestCheckOCSP: what may be stapled, and haproxy's words for what may
// not.
func TestCheckOCSP(t *testing.T) {
	ca := testcert.NewCA("ocsp CA")
	leaf := ca.Issue(testcert.Opts{CN: "a.example"})
	other := ca.Issue(testcert.Opts{CN: "b.example"})
	now := time.Now()
	key := certIDOf(leaf.Cert, ca.Cert)
	good := ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		der  []byte
		err  string
	}{
		{"good", ocspFor(t, ca, leaf.Cert, good), ""},
		{"revoked", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Revoked, RevokedAt: now.Add(-time.Hour), RevocationReason: ocsp.KeyCompromise, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}), ""},
		{"unknown", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Unknown, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}), "OCSP single response: certificate status is unknown"},
		{"no next update", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now}), "OCSP single response: missing nextupdate"},
		{"expired", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(-3 * time.Hour), NextUpdate: now.Add(-2 * time.Hour)}), "OCSP single response: no longer valid."},
		{"future", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(time.Hour), NextUpdate: now.Add(2 * time.Hour)}), "OCSP single response: no longer valid."},
		{"other certificate", ocspFor(t, ca, other.Cert, good), "OCSP single response: Certificate ID does not match certificate and issuer"},
		{"not successful", ocsp.InternalErrorErrorResponse, "OCSP response status not successful"},
		{"garbage", []byte("garbage"), "Unable to parse OCSP response"},
	} {
		id, _, err := checkOCSP(tc.der, key, now)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && !bytes.Equal(id, key):
			t.Errorf("%s: CertID %x, want %x", tc.name, id, key)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}
}

// TestOCSPLoad: a valid .ocsp file beside a certificate is stapled, with
// the issuer from the chain; an expired one is kept but not stapled.
func TestOCSPLoad(t *testing.T) {
	ca := testcert.NewCA("ocsp CA")
	leaf := ca.Issue(testcert.Opts{CN: "a.example"})
	dir := t.TempDir()
	path := filepath.Join(dir, "a.pem")
	testcert.Write(path, append(append(append([]byte{}, leaf.CertPEM...), ca.PEM...), leaf.KeyPEM...))
	now := time.Now()
	valid := ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)})
	testcert.Write(path+".ocsp", valid)
	c, err := LoadCert(path, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.TLS.OCSPStaple, valid) || !bytes.Equal(c.OCSPKey(), certIDOf(leaf.Cert, ca.Cert)) {
		t.Errorf("valid: staple %d bytes, key %x", len(c.TLS.OCSPStaple), c.OCSPKey())
	}
	expired := ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(-3 * time.Hour), NextUpdate: now.Add(-2 * time.Hour)})
	testcert.Write(path+".ocsp", expired)
	if c, _ = LoadCert(path, ExtraAll); c.TLS.OCSPStaple != nil || !bytes.Equal(c.OCSP, expired) {
		t.Errorf("expired: staple %d bytes", len(c.TLS.OCSPStaple))
	}
	if c, _ = LoadCert(path, ExtraKey); c.OCSP != nil {
		t.Error("read without ssl-load-extra-files ocsp")
	}
}

// TestOCSPTextGenerated: responses made here (a key hash for responder,
// a revocation reason, no certificates) read as OpenSSL prints them.
func TestOCSPTextGenerated(t *testing.T) {
	ca := testcert.NewCA("ocsp CA")
	leaf := ca.Issue(testcert.Opts{CN: "a.example", RSA: true})
	now := time.Now().Truncate(time.Second)
	der := ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Revoked, RevokedAt: now.Add(-time.Hour),
		RevocationReason: ocsp.Superseded, ThisUpdate: now, NextUpdate: now.Add(time.Hour)})
	got, ok := AppendOCSPText(nil, der)
	if !ok {
		t.Fatal("does not parse")
	}
	for _, w := range []string{"    Responder Id: ", "    Revocation Reason: superseded (0x4)\n", "    Signature Algorithm: ecdsa-with-SHA256\n    Signature Value:\n        30:"} {
		if !bytes.Contains(got, []byte(w)) {
			t.Errorf("no %q in\n%s", w, got)
		}
	}
	if o := opensslText(t, der); o != "" && o != string(got) {
		t.Errorf("differs from openssl's:\n%s\nopenssl:\n%s", got, o)
	}
}

// TestX509Text: certificates read as `openssl x509 -text` prints them
// (with X509_print's name form), when openssl is there.
func TestX509Text(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	ca := testcert.NewCA("x509 CA")
	for _, l := range []*testcert.Leaf{
		ca.Issue(testcert.Opts{CN: "a.example", DNS: []string{"a.example", "127.0.0.1", "::1"}}),
		ca.Issue(testcert.Opts{CN: "b.example", RSA: true, Client: true}),
		{Cert: ca.Cert, CertPEM: ca.PEM},
	} {
		f := filepath.Join(t.TempDir(), "c.pem")
		testcert.Write(f, l.CertPEM)
		want, err := exec.Command("openssl", "x509", "-in", f, "-text", "-noout", "-nameopt", "compat").Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := appendX509Text(nil, l.Cert); string(got) != string(want) {
			t.Errorf("%s:\n%s\nopenssl:\n%s", l.Cert.Subject, got, want)
		}
	}
}

// TestOCSPStapleExpiring: a response is stapled until 5 minutes before
// its next update, as haproxy stops there; then the handshake goes on
// without it.
func TestOCSPStapleExpiring(t *testing.T) {
	ca := testcert.NewCA("ocsp CA")
	now := time.Now()
	serve := func(next time.Duration) []byte {
		leaf := ca.Issue(testcert.Opts{CN: "a.example", DNS: []string{"a.example"}})
		path := filepath.Join(t.TempDir(), "a.pem")
		testcert.Write(path, append(append(append([]byte{}, leaf.CertPEM...), ca.PEM...), leaf.KeyPEM...))
		testcert.Write(path+".ocsp", ocspFor(t, ca, leaf.Cert, ocsp.Response{Status: ocsp.Good, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(next)}))
		c, err := LoadCert(path, ExtraAll)
		if err != nil {
			t.Fatal(err)
		}
		if c.TLS.OCSPStaple == nil {
			t.Fatalf("next update in %v: not stapled at load", next)
		}
		srv, err := (&Bind{Entries: []*Entry{{Cert: c}}}).NewServer()
		if err != nil {
			t.Fatal(err)
		}
		st, err := handshake(t, srv, &tls.Config{ServerName: "a.example", InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		return st.OCSPResponse
	}
	if serve(time.Hour) == nil {
		t.Error("a response valid for an hour was not stapled")
	}
	if serve(2*time.Minute) != nil {
		t.Error("a response 2 minutes before its next update was stapled")
	}
}
