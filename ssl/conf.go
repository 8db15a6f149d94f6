package ssl

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
)

// Verify is a `verify` setting.
type Verify uint8

const (
	VerifyUnset Verify = iota
	VerifyNone
	VerifyOptional
	VerifyRequired
)

// ParseVerify reads the argument of `verify`.
func ParseVerify(s string, server bool) (Verify, error) {
	switch s {
	case "none":
		return VerifyNone, nil
	case "optional":
		if !server {
			return VerifyOptional, nil
		}
	case "required":
		return VerifyRequired, nil
	}
	if server {
		return 0, fmt.Errorf("verify expects 'none' or 'required', got '%s'", s)
	}
	return 0, fmt.Errorf("verify expects 'none', 'optional' or 'required', got '%s'", s)
}

// Versions by their names in ssl-min-ver and ssl-max-ver. SSLv3 is named
// so that it can be refused clearly: Go implements TLS 1.0 and later.
var versionNames = map[string]uint16{
	"SSLv3":   tls.VersionSSL30, //nolint:staticcheck // named to refuse it
	"TLSv1.0": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11,
	"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13,
}

// ParseVersion reads a version name (ssl-min-ver, ssl-max-ver).
func ParseVersion(s string) (uint16, error) {
	v, ok := versionNames[s]
	if !ok {
		return 0, fmt.Errorf("expects one of SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3, got '%s'", s)
	}
	return v, nil
}

// VersionName is a version as ssl_fc_protocol names it.
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "SSLv3"
}

// Conf is the TLS settings of a bind line, of a crt-list entry (which
// overrides its bind's), of a server, or of a global ssl-default-* line.
// A zero field is one no line set: Merge fills it from a wider scope.
type Conf struct {
	MinVer, MaxVer uint16 // ssl-min-ver, ssl-max-ver (force-*: both)
	// NoVers are the versions no-tlsv10… turned off.
	NoVers       []uint16
	Ciphers      []uint16 // TLS 1.2 and below
	CipherSuites []uint16 // TLS 1.3
	Curves       []tls.CurveID
	ALPN         []string
	Verify       Verify
	// CA is ca-file: the CAs that sign the peer's certificate (and that
	// a bind names when it asks for a client certificate).
	CA *CAFile
	// VerifyCA is ca-verify-file: trusted, never named.
	VerifyCA     *CAFile
	CRL          *CRLFile
	NoTickets    bool
	NoCANames    bool
	PreferClient bool
	Allow0RTT    bool // accepted without effect: Go has no 0-RTT
	// CAIgnore and CrtIgnore are ca-ignore-err and crt-ignore-err: the
	// verification errors of client certificates that do not end the
	// handshake (verifyerr.go).
	CAIgnore, CrtIgnore IgnoreErrs
}

// NoVersion turns a version off (no-tlsv10…).
func (c *Conf) NoVersion(v uint16) {
	if !slices.Contains(c.NoVers, v) {
		c.NoVers = append(slices.Clip(c.NoVers), v) // never into a shared array
	}
}

// SetCAFile sets ca-file: the certificates that sign the peer's, found
// or loaded in files.
func (c *Conf) SetCAFile(files *Files, path string) (err error) {
	c.CA, err = files.CA(path)
	return err
}

// SetCAVerifyFile sets ca-verify-file: CAs that verify the client's
// certificate and are not named in the certificate request.
func (c *Conf) SetCAVerifyFile(files *Files, path string) (err error) {
	c.VerifyCA, err = files.CA(path)
	return err
}

// SetCRLFile sets crl-file: revocation lists in PEM.
func (c *Conf) SetCRLFile(files *Files, path string) (err error) {
	c.CRL, err = files.CRL(path)
	return err
}

// caPool is ca-file's pool now; nil without one (the system's CAs, for
// a server verified without ca-file, which the configuration refuses).
func (c *Conf) caPool() *x509.CertPool {
	if c.CA == nil {
		return nil
	}
	return c.CA.Load().Pool
}

func (c *Conf) caCerts() []*x509.Certificate {
	if c.CA == nil {
		return nil
	}
	return c.CA.Load().Certs
}

// caIssuers are the issuers within ca-file's certificates.
func (c *Conf) caIssuers() Issuers {
	if c.CA == nil {
		return nil
	}
	return c.CA.Load().Up
}

func (c *Conf) verifyCACerts() []*x509.Certificate {
	if c.VerifyCA == nil {
		return nil
	}
	return c.VerifyCA.Load().Certs
}

// crls are crl-file's lists now; nil without one.
func (c *Conf) crls() *CRLs {
	if c.CRL == nil {
		return nil
	}
	return c.CRL.Load()
}

// Merge fills what c left unset from d (a crt-list entry from its bind,
// a bind from the global defaults).
func (c *Conf) Merge(d *Conf) {
	if d == nil {
		return
	}
	c.MinVer = cmp.Or(c.MinVer, d.MinVer)
	c.MaxVer = cmp.Or(c.MaxVer, d.MaxVer)
	c.Verify = cmp.Or(c.Verify, d.Verify)
	c.CA = cmp.Or(c.CA, d.CA)
	c.VerifyCA = cmp.Or(c.VerifyCA, d.VerifyCA)
	c.CRL = cmp.Or(c.CRL, d.CRL)
	c.NoVers, c.Ciphers, c.CipherSuites = orList(c.NoVers, d.NoVers), orList(c.Ciphers, d.Ciphers), orList(c.CipherSuites, d.CipherSuites)
	c.Curves, c.ALPN = orList(c.Curves, d.Curves), orList(c.ALPN, d.ALPN)
	c.NoTickets = c.NoTickets || d.NoTickets
	c.NoCANames = c.NoCANames || d.NoCANames
	c.PreferClient = c.PreferClient || d.PreferClient
	if !c.CAIgnore.set() {
		c.CAIgnore = d.CAIgnore
	}
	if !c.CrtIgnore.set() {
		c.CrtIgnore = d.CrtIgnore
	}
}

// orList is cmp.Or for lists: a, unless no line set it.
func orList[T any](a, b []T) []T {
	if a == nil {
		return b
	}
	return a
}

// Versions returns the range of versions allowed: ssl-min-ver and
// ssl-max-ver (TLS 1.2 to 1.3 by default, as HAProxy 2.6), narrowed by
// the no-* options. A version turned off inside the range cuts it there,
// as OpenSSL's protocol range does.
func (c *Conf) Versions() (lo, hi uint16, err error) {
	lo = max(cmp.Or(c.MinVer, tls.VersionTLS12), tls.VersionTLS10) // SSLv3: warned about when read
	hi = cmp.Or(c.MaxVer, tls.VersionTLS13)
	if hi < lo {
		return 0, 0, fmt.Errorf("ssl-max-ver %s is below ssl-min-ver %s", VersionName(hi), VersionName(lo))
	}
	for lo <= hi && slices.Contains(c.NoVers, lo) {
		lo++
	}
	if lo > hi {
		return 0, 0, fmt.Errorf("all SSL/TLS versions are disabled")
	}
	for v := lo + 1; v <= hi; v++ {
		if slices.Contains(c.NoVers, v) {
			hi = v - 1
			break
		}
	}
	return lo, hi, nil
}

// ParseALPN reads an `alpn` list ("h2,http/1.1").
func ParseALPN(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p == "" {
			return nil, fmt.Errorf("alpn: empty protocol name in '%s'", s)
		}
		if len(p) > 255 {
			return nil, fmt.Errorf("alpn: protocol name too long in '%s'", s)
		}
		out = append(out, p)
	}
	return out, nil
}

// apply sets the common fields of a tls.Config.
func (c *Conf) apply(tc *tls.Config) error {
	lo, hi, err := c.Versions()
	if err != nil {
		return err
	}
	tc.MinVersion, tc.MaxVersion = lo, hi
	tc.CipherSuites = c.Ciphers
	tc.CurvePreferences = c.Curves
	tc.NextProtos = c.ALPN
	tc.SessionTicketsDisabled = c.NoTickets
	return nil
}
