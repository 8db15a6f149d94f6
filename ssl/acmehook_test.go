package ssl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// A hello offering only acme-tls/1 for a name with a pending challenge
// gets the challenge certificate and the protocol, whatever the bind's
// certificates and strict-sni; any other hello is served as usual.
func TestALPNChallenge(t *testing.T) {
	ca := testcert.NewCA("test CA")
	path := filepath.Join(t.TempDir(), "site.pem")
	testcert.Write(path, ca.Issue(testcert.Opts{CN: "site.test", DNS: []string{"site.test"}}).Bundle())
	site, err := LoadCert(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if site.IsStandIn() {
		t.Error("a certificate from a file is a stand-in")
	}
	srv, err := (&Bind{Entries: []*Entry{{Cert: site}}, StrictSNI: true}).NewServer()
	if err != nil {
		t.Fatal(err)
	}
	chal, err := StandIn("", []string{"acme.test"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	SetALPNChallenge(func(name string) *tls.Certificate {
		if name == "acme.test" {
			return &chal.TLS
		}
		return nil
	})
	defer SetALPNChallenge(nil)
	served := func(sni string, protos ...string) (string, string) {
		t.Helper()
		st, err := handshake(t, srv, &tls.Config{ServerName: sni, NextProtos: protos, InsecureSkipVerify: true})
		if err != nil {
			return "error", ""
		}
		return st.PeerCertificates[0].Subject.CommonName, st.NegotiatedProtocol
	}
	if cn, proto := served("ACME.test.", ALPNProto); cn != "acme.test" || proto != ALPNProto {
		t.Errorf("validation hello: served %q with %q", cn, proto)
	}
	if cn, _ := served("site.test", ALPNProto); cn != "site.test" {
		t.Errorf("no challenge for the name: served %q", cn)
	}
	if cn, _ := served("acme.test", ALPNProto, "http/1.1"); cn != "error" {
		t.Errorf("a hello offering more than acme-tls/1 got %q (strict-sni should refuse it)", cn)
	}
	SetALPNChallenge(nil)
	if cn, _ := served("acme.test", ALPNProto); cn != "error" {
		t.Errorf("no answerer: served %q", cn)
	}
}

// The stand-in names the domains, is self-signed, and is expired.
func TestStandIn(t *testing.T) {
	c, err := StandIn("/x.pem", []string{"a.test", "B.test"}, ExtraAll)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Names, ",") != "a.test,b.test" || c.Path != "/x.pem" || c.TLS.Leaf.Subject.Organization[0] != StandInOrg {
		t.Errorf("names %q path %q", c.Names, c.Path)
	}
	if !c.TLS.Leaf.NotAfter.Before(time.Now()) {
		t.Error("the stand-in is not expired")
	}
	if !c.IsStandIn() {
		t.Error("IsStandIn is false")
	}
}

func TestParsePrivateKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 1024)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	for name, data := range map[string][]byte{
		"pkcs8": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"sec1":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"pkcs1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
	} {
		if _, err := ParsePrivateKey(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, data := range map[string]string{
		"empty":     "",
		"cert only": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"garbage":   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"encrypted": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
	} {
		if _, err := ParsePrivateKey([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
