package ssl

import (
	"encoding/hex"
	"strings"
	"time"
)

// What a certificate's expiry and names tell about it, for the
// exporter, the process log and `-c` (docs/tls.md, "Certificate expiry").
// Nothing here reads the clock: callers pass the time.

// NotAfter is when the certificate stops being valid.
func (c *Cert) NotAfter() time.Time { return c.TLS.Leaf.NotAfter }

// Serial is the certificate's serial number in upper-case hexadecimal, as
// haproxy's `show ssl cert` prints it ("00" for a serial of 0).
func (c *Cert) Serial() string {
	b := c.TLS.Leaf.SerialNumber.Bytes()
	if len(b) == 0 {
		return "00"
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// Expired says whether the certificate has expired at now. The instant
// of NotAfter counts as expired, so that a timer set to it finds the
// certificate expired when it fires.
func (c *Cert) Expired(now time.Time) bool { return !now.Before(c.NotAfter()) }

// Uncovered returns the filters of a crt-list line that name a host the
// certificate is not valid for, to a client that checks the name as Go's
// x509 VerifyHostname does: the subjectAltName DNS names (a wildcard
// covering one label) and IP addresses; the common name is not read, as
// browsers do not read it. A wildcard filter ("*.example.com") is covered
// only by the same wildcard, since it sends every name one label under
// example.com to the certificate. Negative filters ("!name") exclude and
// are skipped.
func (c *Cert) Uncovered(filters []string) []string {
	var out []string
	for _, f := range filters {
		if f == "" || strings.HasPrefix(f, "!") {
			continue
		}
		// VerifyHostname compares a name that is not a valid host name
		// ("*.example.com") exactly, without case, with each DNS name.
		if c.TLS.Leaf.VerifyHostname(f) != nil {
			out = append(out, f)
		}
	}
	return out
}

// AltNames are the names the certificate is valid for, as Uncovered
// reads them: its subjectAltName DNS names, then its IP addresses.
func (c *Cert) AltNames() []string {
	leaf := c.TLS.Leaf
	names := append([]string(nil), leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}
