package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Cert is a certificate as HAProxy loads it from a `crt` file: the leaf,
// its chain and key, and the files beside it.
type Cert struct {
	Path string
	TLS  tls.Certificate // Leaf set; OCSPStaple: OCSP, if valid (ocsp.go)
	// OCSP is the certificate's OCSP response (DER), from PATH.ocsp or
	// the runtime API, valid or not.
	OCSP []byte
	// Names are the DNS names it serves, lower case: its subjectAltName
	// DNS entries and its subject's common names, as HAProxy indexes them
	// for SNI ("*.example.com" for a wildcard).
	Names []string
	// Issuer is PATH.issuer, or the chain's first certificate.
	Issuer *x509.Certificate
	// KeyFile is the separate key file used, "" when the key was in Path.
	KeyFile string
	// Extra is what LoadCert read beside it, for reading it again.
	Extra ExtraFiles
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
// chain, and the private key in the same file or in a key file beside it.
func LoadCert(path string, extra ExtraFiles) (*Cert, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load certificate file '%s': %v", path, errors.Unwrap(err))
	}
	certs, hasKey := scanPEM(data)
	if certs == 0 {
		if hasKey {
			return nil, fmt.Errorf("'%s' holds a private key but no certificate", path)
		}
		return nil, fmt.Errorf("unable to load certificate from file '%s': no PEM certificate in it", path)
	}
	c := &Cert{Path: path, Extra: extra}
	keyPEM, keyPath := data, path
	if !hasKey && extra&ExtraKey != 0 {
		for _, kp := range keyFileNames(path) {
			if d, err := os.ReadFile(kp); err == nil {
				if _, ok := scanPEM(d); ok {
					keyPEM, keyPath, c.KeyFile, hasKey = d, kp, kp, true
					break
				}
			}
		}
	}
	if !hasKey {
		return nil, fmt.Errorf("unable to load the private key of '%s': none in the file%s", path, keyHint(path, extra))
	}
	if encryptedKey(keyPEM) {
		return nil, fmt.Errorf("'%s': unable to load the private key: the key is encrypted (a passphrase is not supported)", keyPath)
	}
	if c.TLS, err = tls.X509KeyPair(data, keyPEM); err != nil {
		return nil, fmt.Errorf("'%s': %v", path, err)
	}
	c.Names = certNames(c.TLS.Leaf)
	if len(c.TLS.Certificate) > 1 {
		c.Issuer, _ = x509.ParseCertificate(c.TLS.Certificate[1])
	}
	if extra&ExtraIssuer != 0 {
		if d, err := os.ReadFile(path + ".issuer"); err == nil {
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
		if d, err := os.ReadFile(path + ".ocsp"); err == nil && len(d) > 0 {
			c = c.withOCSP(d, time.Now())
		}
	}
	if extra&ExtraSCTL != 0 {
		if d, err := os.ReadFile(path + ".sctl"); err == nil && len(d) > 0 {
			scts, err := parseSCTList(d)
			if err != nil {
				return nil, fmt.Errorf("'%s.sctl': %v", path, err)
			}
			c.TLS.SignedCertificateTimestamps = scts
		}
	}
	return c, nil
}

// scanPEM counts a file's certificates and tells whether it holds a key.
func scanPEM(data []byte) (certs int, key bool) {
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		switch {
		case b.Type == "CERTIFICATE":
			certs++
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			key = true
		}
	}
	return certs, key
}

// encryptedKey tells an encrypted first key, which X509KeyPair would only
// call unparsable.
func encryptedKey(data []byte) bool {
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			return strings.Contains(b.Type, "ENCRYPTED") || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")
		}
	}
	return false
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

// loadDir reads every certificate of a directory, in lexical order, as
// HAProxy does for `crt DIR`: files named like the extra files
// (.key, .ocsp, .issuer, .sctl) and hidden files are not certificates.
func loadDir(dir string, extra ExtraFiles) ([]*Cert, error) {
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
