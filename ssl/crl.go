package ssl

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
)

// CRLs are a crl-file's revocation lists, indexed for the handshake: the
// revoked serial numbers by issuer; and the lists as read, for show ssl
// crl-file.
type CRLs struct {
	// revoked holds the serial numbers (their bytes) by issuer (its DN as
	// a string: a version 1 list keeps no raw DN to compare bytes with).
	revoked map[string]map[string]bool
	lists   []*pkix.CertificateList
}

// ParseCRLs reads PEM CRLs (a file, or a `set ssl crl-file` payload).
func ParseCRLs(data []byte) (*CRLs, error) {
	l := &CRLs{revoked: map[string]map[string]bool{}}
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "X509 CRL" {
			continue
		}
		// The older parser reads lists of either version: Go's current
		// one takes only version 2, and OpenSSL makes version 1 lists
		// by default.
		crl, err := x509.ParseDERCRL(b.Bytes) //nolint:staticcheck // the only parser of version 1 CRLs
		if err != nil {
			return nil, err
		}
		l.lists = append(l.lists, crl)
		var name pkix.Name
		name.FillFromRDNSequence(&crl.TBSCertList.Issuer)
		issuer := name.String()
		set := l.revoked[issuer]
		if set == nil {
			set = map[string]bool{}
			l.revoked[issuer] = set
		}
		for _, e := range crl.TBSCertList.RevokedCertificates {
			set[string(e.SerialNumber.Bytes())] = true
		}
	}
	if len(l.lists) == 0 {
		return nil, errors.New("no PEM X509 CRL in it")
	}
	return l, nil
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
