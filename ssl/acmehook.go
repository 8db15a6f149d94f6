package ssl

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// What the ssl package does for ACME (package acme obtains and renews the
// certificates; see docs/tls.md, "ACME"): answer TLS-ALPN-01 challenges on
// the binds, stand in for a certificate that is not issued yet, and read
// key files.

// ALPNProto is the protocol a TLS-ALPN-01 validation offers (RFC 8737).
const ALPNProto = "acme-tls/1"

// ALPNChallenge answers a TLS-ALPN-01 validation: given the name the
// client asked for, the challenge certificate to present, or nil when no
// challenge is pending for that name.
type ALPNChallenge func(serverName string) *tls.Certificate

var alpnHook atomic.Pointer[ALPNChallenge]

// SetALPNChallenge installs the process's TLS-ALPN-01 answerer (nil
// removes it). Every bind with `ssl` consults it, whatever configuration
// built the bind, so a challenge outlives a reload.
func SetALPNChallenge(f ALPNChallenge) {
	if f == nil {
		alpnHook.Store(nil)
		return
	}
	alpnHook.Store(&f)
}

// alpnConfig is the handshake configuration for a TLS-ALPN-01
// validation, or nil for any other hello. A validation offers only
// "acme-tls/1" (RFC 8737 section 3), so that a browser offering other
// protocols as well never gets a challenge certificate.
func alpnConfig(hello *tls.ClientHelloInfo) *tls.Config {
	if len(hello.SupportedProtos) != 1 || hello.SupportedProtos[0] != ALPNProto {
		return nil
	}
	f := alpnHook.Load()
	if f == nil {
		return nil
	}
	cert := (*f)(strings.ToLower(strings.TrimSuffix(hello.ServerName, ".")))
	if cert == nil {
		return nil
	}
	return &tls.Config{Certificates: []tls.Certificate{*cert}, NextProtos: []string{ALPNProto}, MinVersion: tls.VersionTLS12}
}

// StandInOrg is the organization a stand-in certificate names.
const StandInOrg = "switchyard ACME stand-in"

// StandIn is a self-signed certificate for names, served in place of a
// certificate file that does not exist yet because ACME is to obtain it
// (haproxy 3.3 serves such a temporary key pair too). It is only kept in
// memory; it expired an hour ago, so that a client never mistakes it for
// a good one. extra is what the file is to be read with once it exists.
func StandIn(path string, names []string, extra ExtraFiles) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	subject := pkix.Name{Organization: []string{StandInOrg}}
	if len(names) > 0 {
		subject.CommonName = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-2 * time.Hour),
		NotAfter:     now.Add(-time.Hour),
		DNSNames:     slices.Clone(names),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c := &Cert{Path: path, TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, Extra: extra}
	c.Names = certNames(leaf)
	return c, nil
}

// IsStandIn says whether c is a stand-in (StandIn), not a certificate
// read from its file.
func (c *Cert) IsStandIn() bool {
	l := c.TLS.Leaf
	return l != nil && len(l.Subject.Organization) == 1 && l.Subject.Organization[0] == StandInOrg &&
		bytes.Equal(l.RawIssuer, l.RawSubject)
}

// ParsePrivateKey reads the first private key of a PEM file: PKCS#8
// ("PRIVATE KEY", as openssl genpkey and haproxy write them), SEC 1 ("EC
// PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). Encrypted keys are refused.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		if strings.Contains(b.Type, "ENCRYPTED") || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, errors.New("the key is encrypted (a passphrase is not supported)")
		}
		var key any
		var err error
		switch b.Type {
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		}
		if err != nil {
			return nil, err
		}
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			return k, nil
		case *rsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return k, nil
		}
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return nil, errors.New("no PEM private key in it")
}
