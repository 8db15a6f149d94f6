package ssl

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// Certificates given by the runtime API (`set ssl cert FILE <payload>`)
// rather than read from files: the PEM of a certificate, its chain and
// usually its key; or, for FILE.key, a key alone.

// ParseCertPEM builds the certificate for path from PEM: its leaf, then
// its chain, and its key. Without a key in data, key is used (the key of
// the certificate being replaced, or of a FILE.key payload). Whether the
// key matches is for the commit to check (KeyMatches): a certificate with
// a new key may come before its key.
func ParseCertPEM(path string, data []byte, key crypto.PrivateKey) (*Cert, error) {
	var ders [][]byte
	hasKey := false
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		switch {
		case b.Type == "CERTIFICATE":
			ders = append(ders, b.Bytes)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			hasKey = true
		}
	}
	if len(ders) == 0 {
		return nil, fmt.Errorf("no certificate found in the payload of '%s'", path)
	}
	if hasKey {
		k, err := ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("'%s': %v", path, err)
		}
		key = k
	}
	leaf, err := x509.ParseCertificate(ders[0])
	if err != nil {
		return nil, fmt.Errorf("'%s': %v", path, err)
	}
	c := &Cert{Path: path, TLS: tls.Certificate{Certificate: ders, Leaf: leaf, PrivateKey: key}}
	c.Names = certNames(leaf)
	if len(ders) > 1 {
		c.Issuer, _ = x509.ParseCertificate(ders[1])
	}
	return c, nil
}

// ParseKeyPEM reads the first private key of a PEM payload.
func ParseKeyPEM(data []byte) (crypto.PrivateKey, error) { return ParsePrivateKey(data) }

// KeyMatches says whether the certificate has its private key.
func (c *Cert) KeyMatches() bool { return keyMatches(c.TLS.Leaf, c.TLS.PrivateKey) }

// WithKey is the certificate with another private key.
func (c *Cert) WithKey(key crypto.PrivateKey) *Cert {
	n := *c
	n.TLS.PrivateKey = key
	return &n
}

// keyMatches says whether key is the private key of leaf's public key.
func keyMatches(leaf *x509.Certificate, key crypto.PrivateKey) bool {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return false
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(signer.Public())
}
