package ssl

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// CRLs are a crl-file's revocation lists, indexed for the handshake by
// issuer (its DN as a string: a version 1 list keeps no raw DN to compare
// bytes with); and the lists as read, for show ssl crl-file.
type CRLs struct {
	byIssuer map[string][]*crl
	lists    []*pkix.CertificateList
}

// crl is one list, its revoked serial numbers (their bytes), and the key
// identifier of its issuer (nil when the list does not say).
type crl struct {
	list    *pkix.CertificateList
	revoked map[string]bool
	akid    []byte
	// signer is the issuer whose key last verified the list's signature:
	// handshakes with the same issuer skip the check.
	signer atomic.Pointer[x509.Certificate]
}

// signedBy checks the list's signature with issuer's key, once per issuer
// in a row.
func (c *crl) signedBy(issuer *x509.Certificate) bool {
	if s := c.signer.Load(); s != nil && (s == issuer || s.Equal(issuer)) {
		return true
	}
	if issuer.CheckCRLSignature(c.list) != nil { //nolint:staticcheck // version 1 lists
		return false
	}
	c.signer.Store(issuer)
	return true
}

// ParseCRLs reads PEM CRLs (a file, or a `set ssl crl-file` payload).
func ParseCRLs(data []byte) (*CRLs, error) {
	l := &CRLs{byIssuer: map[string][]*crl{}}
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "X509 CRL" {
			continue
		}
		// The older parser reads lists of either version: Go's current
		// one takes only version 2, and OpenSSL makes version 1 lists
		// by default.
		list, err := x509.ParseDERCRL(b.Bytes) //nolint:staticcheck // the only parser of version 1 CRLs
		if err != nil {
			return nil, err
		}
		l.lists = append(l.lists, list)
		var name pkix.Name
		name.FillFromRDNSequence(&list.TBSCertList.Issuer)
		c := &crl{list: list, revoked: map[string]bool{}, akid: authorityKeyID(list.TBSCertList.Extensions)}
		for _, e := range list.TBSCertList.RevokedCertificates {
			c.revoked[string(e.SerialNumber.Bytes())] = true
		}
		l.byIssuer[name.String()] = append(l.byIssuer[name.String()], c)
	}
	if len(l.lists) == 0 {
		return nil, errors.New("no PEM X509 CRL in it")
	}
	return l, nil
}

// check checks every certificate of the verified chains against its
// issuer's list, as OpenSSL's CRL_CHECK_ALL (which HAProxy sets with
// crl-file), the root included (against its own list): a certificate
// fails if its issuer has no list, if the list is out of its dates or not
// signed by the issuer, or if it names the certificate.
//
// Go's verified chains stop at the first trusted certificate, where
// OpenSSL's go on to a self-signed one when the trusted certificates have
// it (up, their issuers): such a chain is completed first, as OpenSSL
// checks those too.
func (l *CRLs) check(chains [][]*x509.Certificate, up Issuers) error {
	now := time.Now()
	for _, chain := range chains {
		chain = up.toSelfSigned(chain)
		for d, cert := range chain {
			if codes := l.status(cert, issuerIn(chain, d), now); len(codes) > 0 {
				return fmt.Errorf("certificate %s: CRL check failed (X509 error %d)", cert.Subject, codes[0])
			}
		}
	}
	return nil
}

// Issuers are the issuer of each certificate of a set of trusted CAs
// that another of the set signed, found (signatures checked) once when the
// set is read, so that handshakes only look them up.
type Issuers map[*x509.Certificate]*x509.Certificate

// IssuersOf indexes cas.
func IssuersOf(cas []*x509.Certificate) Issuers {
	up := Issuers{}
	for _, c := range cas {
		if bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil {
			continue // self-signed: the chain ends there
		}
		for _, p := range cas {
			if p != c && bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
				up[c] = p
				break
			}
		}
	}
	return up
}

// toSelfSigned extends chain with the issuers of its last certificate
// until it ends on a self-signed one, or one whose issuer the set lacks.
func (up Issuers) toSelfSigned(chain []*x509.Certificate) []*x509.Certificate {
	for len(chain) < 16 {
		p := up[chain[len(chain)-1]]
		if p == nil || slices.Contains(chain, p) {
			break
		}
		chain = append(slices.Clip(chain), p)
	}
	return chain
}

// issuerIn is the issuer of chain[d]: the next certificate, or the last
// one itself (a root, self-signed).
func issuerIn(chain []*x509.Certificate, d int) *x509.Certificate {
	if d+1 < len(chain) {
		return chain[d+1]
	}
	return chain[d]
}

// emptyCRLs revoke nothing and know no issuer: with them every
// certificate fails the check, as an empty CRL store does in OpenSSL.
var emptyCRLs = &CRLs{byIssuer: map[string][]*crl{}}

// status is OpenSSL's verdict on cert, issued by issuer, under the lists,
// in its order. The lists that may be the issuer's have its name, and its
// key identifier when both say one (OpenSSL passes over the others): none
// is "unable to get CRL" (3). Of them, the first in its dates decides, or
// else the first: out of its dates (not yet valid, 11; expired, 12), not
// signed by issuer (8), then the certificate revoked (23).
func (l *CRLs) status(cert, issuer *x509.Certificate, now time.Time) []int {
	var pick *crl
	for _, c := range l.byIssuer[cert.Issuer.String()] {
		if c.akid != nil && issuer.SubjectKeyId != nil && !bytes.Equal(c.akid, issuer.SubjectKeyId) {
			continue
		}
		if pick == nil || !crlInDates(pick, now) && crlInDates(c, now) {
			pick = c
		}
	}
	if pick == nil {
		return []int{errUnableToGetCRL}
	}
	var codes []int
	tbs := &pick.list.TBSCertList
	switch {
	case now.Before(tbs.ThisUpdate):
		codes = append(codes, errCRLNotYetValid)
	case !tbs.NextUpdate.IsZero() && now.After(tbs.NextUpdate):
		codes = append(codes, errCRLHasExpired)
	}
	if !pick.signedBy(issuer) {
		codes = append(codes, errCRLSignatureFailure)
	}
	if pick.revoked[string(cert.SerialNumber.Bytes())] {
		codes = append(codes, errCertRevoked)
	}
	return codes
}

func crlInDates(c *crl, now time.Time) bool {
	tbs := &c.list.TBSCertList
	return !now.Before(tbs.ThisUpdate) && (tbs.NextUpdate.IsZero() || !now.After(tbs.NextUpdate))
}

// authorityKeyID is the key identifier of a CRL's authority key
// identifier extension, nil without one.
func authorityKeyID(exts []pkix.Extension) []byte {
	for _, e := range exts {
		if !e.Id.Equal(oidAuthorityKeyID) {
			continue
		}
		var aki struct {
			ID []byte `asn1:"optional,tag:0"`
		}
		if _, err := asn1.Unmarshal(e.Value, &aki); err == nil && len(aki.ID) > 0 {
			return aki.ID
		}
	}
	return nil
}

var oidAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}
