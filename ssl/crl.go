package ssl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// CRLs are a crl-file's revocation lists, indexed for the handshake: the
// revoked serial numbers by issuer.
type CRLs struct {
	// revoked holds the serial numbers (their bytes) by issuer (its DN as
	// a string: a version 1 list keeps no raw DN to compare bytes with).
	revoked map[string]map[string]bool
}

// LoadCRLFile reads a PEM file of CRLs.
func LoadCRLFile(path string) (*CRLs, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load CRL file '%s': %v", path, errors.Unwrap(err))
	}
	l := &CRLs{revoked: map[string]map[string]bool{}}
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "X509 CRL" {
			continue
		}
		issuer, serials, err := parseCRL(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unable to load CRL file '%s': %v", path, err)
		}
		set := l.revoked[issuer]
		if set == nil {
			set = map[string]bool{}
			l.revoked[issuer] = set
		}
		for _, s := range serials {
			set[s] = true
		}
	}
	if len(l.revoked) == 0 {
		return nil, fmt.Errorf("unable to load CRL file '%s': no PEM X509 CRL in it", path)
	}
	return l, nil
}

// parseCRL reads a CRL of either version: Go's current parser takes only
// version 2 lists, and the older one the version 1 lists OpenSSL makes by
// default.
func parseCRL(der []byte) (issuer string, serials []string, err error) {
	if rl, err := x509.ParseRevocationList(der); err == nil {
		for _, e := range rl.RevokedCertificateEntries {
			serials = append(serials, string(e.SerialNumber.Bytes()))
		}
		return rl.Issuer.String(), serials, nil
	}
	old, err := x509.ParseDERCRL(der) //nolint:staticcheck // the only parser of version 1 CRLs
	if err != nil {
		return "", nil, err
	}
	for _, e := range old.TBSCertList.RevokedCertificates {
		serials = append(serials, string(e.SerialNumber.Bytes()))
	}
	var name pkix.Name
	name.FillFromRDNSequence(&old.TBSCertList.Issuer)
	return name.String(), serials, nil
}

// check checks every certificate of the verified chains but their root
// against its issuer's list, as OpenSSL's CRL_CHECK_ALL (which HAProxy
// sets with crl-file): a revoked certificate fails, and so does one whose
// issuer has no list.
func (l *CRLs) check(chains [][]*x509.Certificate) error {
	for _, chain := range chains {
		for _, cert := range chain[:max(len(chain)-1, 0)] {
			set, ok := l.revoked[cert.Issuer.String()]
			if !ok {
				return fmt.Errorf("no CRL for the issuer of %s", cert.Subject)
			}
			if set[string(cert.SerialNumber.Bytes())] {
				return fmt.Errorf("certificate %s is revoked", cert.Subject)
			}
		}
	}
	return nil
}
