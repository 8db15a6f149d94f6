package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
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

// The fields of Conf a line set, so that a crt-list entry overrides only
// what it names and global defaults fill only what a line left unset.
const (
	setMinVer uint32 = 1 << iota
	setMaxVer
	setNoVers
	setCiphers
	setSuites
	setCurves
	setALPN
	setVerify
	setCA
	setCRL
	setNoTickets
	setNoCANames
	setPreferClient
)

// Conf is the TLS settings of a bind line, of a crt-list entry (which
// overrides its bind's), of a server, or of a global ssl-default-* line.
type Conf struct {
	set            uint32
	MinVer, MaxVer uint16
	// NoVers are the versions no-sslv3, no-tlsv10… turned off.
	NoVers       []uint16
	Ciphers      []uint16 // TLS 1.2 and below
	CipherSuites []uint16 // TLS 1.3
	Curves       []tls.CurveID
	ALPN         []string
	Verify       Verify
	CAFile       string
	CAs          *x509.CertPool
	CRLFile      string
	CRLs         []*x509.RevocationList
	NoTickets    bool
	NoCANames    bool
	PreferClient bool
}

// has reports whether a line named the setting of bit.
func (c *Conf) has(bit uint32) bool { return c.set&bit != 0 }

func (c *Conf) SetMinVer(v uint16)           { c.MinVer, c.set = v, c.set|setMinVer }
func (c *Conf) SetMaxVer(v uint16)           { c.MaxVer, c.set = v, c.set|setMaxVer }
func (c *Conf) SetCiphers(ids []uint16)      { c.Ciphers, c.set = ids, c.set|setCiphers }
func (c *Conf) SetCipherSuites(ids []uint16) { c.CipherSuites, c.set = ids, c.set|setSuites }
func (c *Conf) SetCurves(ids []tls.CurveID)  { c.Curves, c.set = ids, c.set|setCurves }
func (c *Conf) SetALPN(p []string)           { c.ALPN, c.set = p, c.set|setALPN }
func (c *Conf) SetVerify(v Verify)           { c.Verify, c.set = v, c.set|setVerify }
func (c *Conf) SetNoTickets()                { c.NoTickets, c.set = true, c.set|setNoTickets }
func (c *Conf) SetNoCANames()                { c.NoCANames, c.set = true, c.set|setNoCANames }
func (c *Conf) SetPreferClient()             { c.PreferClient, c.set = true, c.set|setPreferClient }

// NoVersion turns a version off (no-tlsv10…).
func (c *Conf) NoVersion(v uint16) {
	if !slices.Contains(c.NoVers, v) {
		c.NoVers = append(c.NoVers, v)
	}
	c.set |= setNoVers
}

// Force allows one version only (force-tlsv12…).
func (c *Conf) Force(v uint16) { c.SetMinVer(v); c.SetMaxVer(v) }

// SetCAFile loads a ca-file: the certificates that sign the peer's.
func (c *Conf) SetCAFile(path string) error {
	pool, err := LoadCAFile(path)
	if err != nil {
		return err
	}
	c.CAFile, c.CAs, c.set = path, pool, c.set|setCA
	return nil
}

// SetCRLFile loads a crl-file: revocation lists in PEM.
func (c *Conf) SetCRLFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("unable to load CRL file '%s': %v", path, errors.Unwrap(err))
	}
	var crls []*x509.RevocationList
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return fmt.Errorf("unable to load CRL file '%s': %v", path, err)
		}
		crls = append(crls, crl)
	}
	if len(crls) == 0 {
		return fmt.Errorf("unable to load CRL file '%s': no PEM X509 CRL in it", path)
	}
	c.CRLFile, c.CRLs, c.set = path, crls, c.set|setCRL
	return nil
}

// LoadCAFile reads a PEM file of CA certificates.
func LoadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CA file '%s': %v", path, errors.Unwrap(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("unable to load CA file '%s': no PEM certificate in it", path)
	}
	return pool, nil
}

// Merge fills what c left unset from d (a crt-list entry from its bind,
// a bind from the global defaults).
func (c *Conf) Merge(d *Conf) {
	if d == nil {
		return
	}
	if !c.has(setMinVer) && d.has(setMinVer) {
		c.SetMinVer(d.MinVer)
	}
	if !c.has(setMaxVer) && d.has(setMaxVer) {
		c.SetMaxVer(d.MaxVer)
	}
	if !c.has(setNoVers) && d.has(setNoVers) {
		c.NoVers, c.set = slices.Clone(d.NoVers), c.set|setNoVers
	}
	if !c.has(setCiphers) && d.has(setCiphers) {
		c.SetCiphers(d.Ciphers)
	}
	if !c.has(setSuites) && d.has(setSuites) {
		c.SetCipherSuites(d.CipherSuites)
	}
	if !c.has(setCurves) && d.has(setCurves) {
		c.SetCurves(d.Curves)
	}
	if !c.has(setALPN) && d.has(setALPN) {
		c.SetALPN(d.ALPN)
	}
	if !c.has(setVerify) && d.has(setVerify) {
		c.SetVerify(d.Verify)
	}
	if !c.has(setCA) && d.has(setCA) {
		c.CAFile, c.CAs, c.set = d.CAFile, d.CAs, c.set|setCA
	}
	if !c.has(setCRL) && d.has(setCRL) {
		c.CRLFile, c.CRLs, c.set = d.CRLFile, d.CRLs, c.set|setCRL
	}
	if !c.has(setNoTickets) && d.has(setNoTickets) {
		c.SetNoTickets()
	}
	if !c.has(setNoCANames) && d.has(setNoCANames) {
		c.SetNoCANames()
	}
	if !c.has(setPreferClient) && d.has(setPreferClient) {
		c.SetPreferClient()
	}
}

// Versions returns the range of versions allowed: ssl-min-ver and
// ssl-max-ver (TLS 1.2 to 1.3 by default, as HAProxy 2.6), narrowed by
// the no-* options. A version turned off inside the range cuts it there,
// as OpenSSL's protocol range does.
func (c *Conf) Versions() (lo, hi uint16, err error) {
	lo, hi = uint16(tls.VersionTLS12), uint16(tls.VersionTLS13)
	if c.has(setMinVer) {
		lo = c.MinVer
	}
	if c.has(setMaxVer) {
		hi = c.MaxVer
	}
	if lo < tls.VersionTLS10 {
		lo = tls.VersionTLS10 // SSLv3: warned about when read
	}
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
	if c.has(setCiphers) {
		tc.CipherSuites = c.Ciphers
	}
	if c.has(setCurves) {
		tc.CurvePreferences = c.Curves
	}
	if c.has(setALPN) {
		tc.NextProtos = c.ALPN
	}
	tc.SessionTicketsDisabled = c.NoTickets
	return nil
}

// suiteAllowed is the TLS 1.3 check of `ciphersuites`: Go picks TLS 1.3
// suites itself, so one outside the list ends the handshake.
func (c *Conf) suiteAllowed(cs tls.ConnectionState) error {
	if !c.has(setSuites) || cs.Version != tls.VersionTLS13 || slices.Contains(c.CipherSuites, cs.CipherSuite) {
		return nil
	}
	return fmt.Errorf("cipher suite %s is not in the configured ciphersuites", tls.CipherSuiteName(cs.CipherSuite))
}

// revoked checks the peer's chain against the CRLs.
func (c *Conf) revoked(chains [][]*x509.Certificate) error {
	if len(c.CRLs) == 0 {
		return nil
	}
	for _, chain := range chains {
		for _, cert := range chain {
			for _, crl := range c.CRLs {
				if crl.Issuer.String() != cert.Issuer.String() {
					continue
				}
				for _, e := range crl.RevokedCertificateEntries {
					if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
						return fmt.Errorf("certificate %s is revoked", cert.Subject)
					}
				}
			}
		}
	}
	return nil
}
