package ssl

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Cert is a certificate as HAProxy loads it from a `crt` file: the leaf,
// its chain and key, and the files beside it.
type Cert struct {
	Path string
	TLS  tls.Certificate // Leaf set; OCSPStaple from PATH.ocsp
	// Names are the DNS names it serves, lower case: its subjectAltName
	// DNS entries and its subject's common names, as HAProxy indexes them
	// for SNI ("*.example.com" for a wildcard).
	Names []string
	// Issuer is PATH.issuer, or the chain's first certificate.
	Issuer *x509.Certificate
	// KeyFile is the separate key file used, "" when the key was in Path.
	KeyFile string
}

// ExtraFiles says which files beside a certificate are read
// (ssl-load-extra-files).
type ExtraFiles uint8

const (
	ExtraKey ExtraFiles = 1 << iota
	ExtraOCSP
	ExtraIssuer
	ExtraSCTL
	ExtraBundle
	ExtraAll = ExtraKey | ExtraOCSP | ExtraIssuer | ExtraSCTL | ExtraBundle
)

// ParseExtraFiles reads the words of ssl-load-extra-files.
func ParseExtraFiles(words []string) (ExtraFiles, error) {
	if len(words) == 0 {
		return 0, fmt.Errorf("expects at least one argument among 'none', 'all', 'bundle', 'sctl', 'ocsp', 'issuer', 'key'")
	}
	var x ExtraFiles
	for _, w := range words {
		switch w {
		case "none":
			if len(words) > 1 {
				return 0, fmt.Errorf("'none' can't be combined with other keywords")
			}
			return 0, nil
		case "all":
			x |= ExtraAll
		case "bundle":
			x |= ExtraBundle
		case "sctl":
			x |= ExtraSCTL
		case "ocsp":
			x |= ExtraOCSP
		case "issuer":
			x |= ExtraIssuer
		case "key":
			x |= ExtraKey
		default:
			return 0, fmt.Errorf("unknown argument '%s', expects 'none', 'all', 'bundle', 'sctl', 'ocsp', 'issuer' or 'key'", w)
		}
	}
	return x, nil
}

// extraSuffixes are the files HAProxy reads beside a certificate; a
// directory's files with these names are not certificates of their own.
var extraSuffixes = []string{".key", ".ocsp", ".issuer", ".sctl"}

// LoadCert reads a certificate file: PEM with the leaf first, then its
// chain, and the private key in the same file or in PATH.key.
func LoadCert(path string, extra ExtraFiles) (*Cert, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load certificate file '%s': %v", path, errors.Unwrap(err))
	}
	return ParseCert(path, data, extra, os.ReadFile)
}

// ParseCert is LoadCert on the file's content; read fetches the files
// beside it (os.ReadFile, or a runtime API transaction's view).
func ParseCert(path string, data []byte, extra ExtraFiles, read func(string) ([]byte, error)) (*Cert, error) {
	c := &Cert{Path: path}
	var chain [][]byte
	var key crypto.PrivateKey
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			chain = append(chain, b.Bytes)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			if key != nil {
				continue // the first key wins
			}
			k, err := parseKey(b)
			if err != nil {
				return nil, fmt.Errorf("'%s': unable to load the private key: %v", path, err)
			}
			key = k
		}
	}
	if len(chain) == 0 {
		if key != nil {
			return nil, fmt.Errorf("'%s' holds a private key but no certificate", path)
		}
		return nil, fmt.Errorf("unable to load certificate from file '%s': no PEM certificate in it", path)
	}
	if key == nil && extra&ExtraKey != 0 {
		for _, kp := range keyFileNames(path) {
			kd, err := read(kp)
			if err != nil {
				continue
			}
			for b, r := pem.Decode(kd); b != nil; b, r = pem.Decode(r) {
				if strings.HasSuffix(b.Type, "PRIVATE KEY") {
					if key, err = parseKey(b); err != nil {
						return nil, fmt.Errorf("'%s': unable to load the private key: %v", kp, err)
					}
					c.KeyFile = kp
					break
				}
			}
			if key != nil {
				break
			}
		}
	}
	if key == nil {
		return nil, fmt.Errorf("unable to load the private key of '%s': none in the file%s", path, keyHint(path, extra))
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("'%s': unable to parse the certificate: %v", path, err)
	}
	if !keyMatches(leaf.PublicKey, key) {
		return nil, fmt.Errorf("'%s': the private key does not match the certificate's public key", path)
	}
	c.TLS = tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}
	c.Names = certNames(leaf)
	if len(chain) > 1 {
		c.Issuer, _ = x509.ParseCertificate(chain[1])
	}
	if extra&ExtraIssuer != 0 {
		if d, err := read(path + ".issuer"); err == nil {
			b, _ := pem.Decode(d)
			if b == nil || b.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("'%s.issuer': no PEM certificate in it", path)
			}
			if c.Issuer, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, fmt.Errorf("'%s.issuer': %v", path, err)
			}
		}
	}
	if extra&ExtraOCSP != 0 {
		if d, err := read(path + ".ocsp"); err == nil && len(d) > 0 {
			c.TLS.OCSPStaple = d
		}
	}
	if extra&ExtraSCTL != 0 {
		if d, err := read(path + ".sctl"); err == nil && len(d) > 0 {
			scts, err := parseSCTList(d)
			if err != nil {
				return nil, fmt.Errorf("'%s.sctl': %v", path, err)
			}
			c.TLS.SignedCertificateTimestamps = scts
		}
	}
	return c, nil
}

// keyFileNames are where a key that is not in the certificate's file is
// looked for: PATH.key, and for "x.crt" or "x.pem" also "x.key".
func keyFileNames(path string) []string {
	names := []string{path + ".key"}
	if ext := filepath.Ext(path); ext == ".crt" || ext == ".pem" {
		names = append(names, strings.TrimSuffix(path, ext)+".key")
	}
	return names
}

func keyHint(path string, extra ExtraFiles) string {
	if extra&ExtraKey == 0 {
		return " (ssl-load-extra-files leaves out key files)"
	}
	return fmt.Sprintf(" nor in '%s'", strings.Join(keyFileNames(path), "' or '"))
}

func parseKey(b *pem.Block) (crypto.PrivateKey, error) {
	if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || strings.Contains(b.Type, "ENCRYPTED") {
		return nil, fmt.Errorf("the key is encrypted (a passphrase is not supported)")
	}
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type in a '%s' block", b.Type)
}

func keyMatches(pub crypto.PublicKey, key crypto.PrivateKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k.PublicKey.Equal(pub)
	case *ecdsa.PrivateKey:
		return k.PublicKey.Equal(pub)
	case ed25519.PrivateKey:
		return k.Public().(equaler).Equal(pub)
	}
	return false
}

// certNames returns the names HAProxy indexes a certificate under.
func certNames(leaf *x509.Certificate) []string {
	var names []string
	add := func(n string) {
		n = strings.ToLower(n)
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range leaf.DNSNames {
		add(n)
	}
	for _, n := range leaf.Subject.Names {
		if n.Type.Equal([]int{2, 5, 4, 3}) { // commonName
			if s, ok := n.Value.(string); ok {
				add(s)
			}
		}
	}
	return names
}

// parseSCTList splits a TLS SignedCertificateTimestampList (RFC 6962
// 3.3), the content of a .sctl file, into its entries.
func parseSCTList(d []byte) ([][]byte, error) {
	if len(d) < 2 || int(d[0])<<8|int(d[1]) != len(d)-2 {
		return nil, fmt.Errorf("not a SignedCertificateTimestampList")
	}
	var out [][]byte
	for p := d[2:]; len(p) > 0; {
		if len(p) < 2 {
			return nil, fmt.Errorf("truncated SignedCertificateTimestampList")
		}
		n := int(p[0])<<8 | int(p[1])
		if len(p) < 2+n {
			return nil, fmt.Errorf("truncated SignedCertificateTimestampList")
		}
		out = append(out, p[2:2+n])
		p = p[2+n:]
	}
	return out, nil
}

// LoadDir reads every certificate of a directory, in lexical order, as
// HAProxy does for `crt DIR`: files named like the extra files
// (.key, .ocsp, .issuer, .sctl) and hidden files are not certificates.
func LoadDir(dir string, extra ExtraFiles) ([]*Cert, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("unable to scan directory '%s': %v", dir, errors.Unwrap(err))
	}
	var out []*Cert
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || slices.Contains(extraSuffixes, filepath.Ext(name)) {
			continue
		}
		c, err := LoadCert(filepath.Join(dir, name), extra)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
