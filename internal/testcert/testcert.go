// Package testcert makes the certificates tests need: a CA of their own
// and leaves it signs, written as the PEM files HAProxy configurations
// name. Nothing here is for production: keys are made fast, not kept.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// CA is a certificate authority made for a test.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	PEM  []byte
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(time.Now().UnixNano() + serial.Add(1)) }

// NewCA makes a CA named cn (ECDSA P-256), valid from a year ago for
// ten years: before any leaf it signs, expired ones included, as a real
// CA is.
func NewCA(cn string) *CA { return newCA(cn, nil) }

// NewIntermediate makes a CA named cn that ca signs.
func (ca *CA) NewIntermediate(cn string) *CA { return newCA(cn, ca) }

func newCA(cn string, parent *CA) *CA {
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"switchyard tests"}},
		NotBefore:             time.Now().Add(-365 * 24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	signer, signKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signer, signKey = parent.Cert, parent.Key
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signKey))
	cert := must(x509.ParseCertificate(der))
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Leaf is a certificate and its key, in PEM.
type Leaf struct {
	Cert    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte
}

// Bundle is what a `crt` file holds: the certificate, then the key.
func (l *Leaf) Bundle() []byte { return append(append([]byte{}, l.CertPEM...), l.KeyPEM...) }

// Opts shape a leaf.
type Opts struct {
	CN  string
	DNS []string
	RSA bool // RSA 2048 rather than ECDSA P-256
	// NotBefore is when the leaf becomes valid; zero: an hour ago. With
	// one in the past and a short Validity, a leaf is expired or about to
	// expire.
	NotBefore time.Time
	// Validity is how long the leaf is valid from NotBefore; 0: 90 days,
	// a usual ACME lifetime, so that a test certificate is not near its
	// expiry (which switchyard warns about).
	Validity time.Duration
	Client   bool // for client authentication rather than a server
}

// Issue makes a leaf signed by the CA.
func (ca *CA) Issue(o Opts) *Leaf {
	var key crypto.Signer
	if o.RSA {
		key = must(rsa.GenerateKey(rand.Reader, 2048))
	} else {
		key = must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	}
	validity := o.Validity
	if validity == 0 {
		validity = 90 * 24 * time.Hour
	}
	notBefore := o.NotBefore
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	usage := x509.ExtKeyUsageServerAuth
	if o.Client {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: o.CN, Organization: []string{"switchyard tests"}, Country: []string{"FR"}},
		NotBefore:    notBefore,
		NotAfter:     notBefore.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	for _, n := range o.DNS {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key))
	kder := must(x509.MarshalPKCS8PrivateKey(key))
	return &Leaf{
		Cert:    must(x509.ParseCertificate(der)),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}
}

// Pool is a pool holding the CA, for clients that trust it.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Write writes data to path, failing the program on error (tests).
func Write(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		panic(err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// CRL makes the CA's revocation list (PEM) naming revoked, valid from an
// hour ago for a day.
func (ca *CA) CRL(revoked ...*x509.Certificate) []byte {
	return ca.CRLAt(time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), revoked...)
}

// CRLAt makes the CA's revocation list (PEM) valid from this to next,
// naming revoked.
func (ca *CA) CRLAt(this, next time.Time, revoked ...*x509.Certificate) []byte {
	tmpl := &x509.RevocationList{Number: nextSerial(), ThisUpdate: this, NextUpdate: next}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: this})
	}
	der := must(x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key))
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}
