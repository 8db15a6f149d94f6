package ssl

import (
	"bytes"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSP stapling, as haproxy 2.6 does it. A certificate's OCSP response
// is its file's PATH.ocsp (DER), or what the runtime API gave it. It is
// stapled when it is a successful basic response with one single
// response, about this certificate (its CertID is the one computed from
// the certificate and its issuer), good or revoked, with a next update,
// and current; otherwise it is kept (show ssl cert prints its key) but
// not stapled, as haproxy ignores it with a warning.
//
// haproxy keeps the responses in a tree keyed by CertID, shared by the
// certificates of that CertID: `set ssl ocsp-response` replaces the
// response of a key, for all of them. Here the key is computed from each
// certificate the binds serve, and the staple replaced in each.

// ocspSkew is how far a response's dates may be off (haproxy's
// OCSP_MAX_RESPONSE_TIME_SKEW).
const ocspSkew = 300 * time.Second

// ocspMaxKey is the longest CertID haproxy keeps (OCSP_MAX_CERTID_ASN1_LENGTH).
const ocspMaxKey = 128

// The ASN.1 of an OCSP response (RFC 6960 4.2.1).
type asnOCSPResponse struct {
	Status asn1.Enumerated
	Bytes  asnResponseBytes `asn1:"explicit,tag:0,optional"`
}

type asnResponseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type asnBasicResponse struct {
	TBS    asn1.RawValue
	SigAlg pkix.AlgorithmIdentifier
	Sig    asn1.BitString
	Certs  []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type asnResponseData struct {
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []asnSingleResponse
	Exts        []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type asnSingleResponse struct {
	CertID     asnCertID
	Good       asn1.Flag        `asn1:"tag:0,optional"`
	Revoked    asnRevokedInfo   `asn1:"tag:1,optional"`
	Unknown    asn1.Flag        `asn1:"tag:2,optional"`
	ThisUpdate time.Time        `asn1:"generalized"`
	NextUpdate time.Time        `asn1:"generalized,explicit,tag:0,optional"`
	Exts       []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type asnCertID struct {
	Raw      asn1.RawContent
	HashAlg  pkix.AlgorithmIdentifier
	NameHash []byte
	KeyHash  []byte
	Serial   *big.Int
}

type asnRevokedInfo struct {
	Time   time.Time     `asn1:"generalized"`
	Reason asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

// OCSP certificate statuses, as OpenSSL numbers them.
const (
	ocspGood = iota
	ocspRevoked
	ocspUnknown
)

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

// ocspResponse is a parsed OCSP response.
type ocspResponse struct {
	status int
	typ    asn1.ObjectIdentifier // nil without responseBytes
	basic  *ocspBasic            // nil unless a basic response
}

type ocspBasic struct {
	version    int
	byName     []byte // the responder's Name, DER
	byKey      []byte // or its key hash
	producedAt time.Time
	responses  []ocspSingle
	exts       []pkix.Extension
	sigAlg     pkix.AlgorithmIdentifier
	sig        []byte
	certs      [][]byte
}

type ocspSingle struct {
	id         asnCertID
	status     int
	revokedAt  time.Time
	reason     int // -1: none
	thisUpdate time.Time
	nextUpdate time.Time // zero: none
	exts       []pkix.Extension
}

var errOCSPParse = errors.New("Unable to parse OCSP response")

// parseOCSP reads a DER OCSP response. The basic response is read only
// for a successful one of the basic type.
func parseOCSP(der []byte) (*ocspResponse, error) {
	var r asnOCSPResponse
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil || len(rest) > 0 {
		return nil, errOCSPParse
	}
	out := &ocspResponse{status: int(r.Status)}
	if r.Bytes.Type == nil {
		return out, nil
	}
	out.typ = r.Bytes.Type
	if !r.Bytes.Type.Equal(oidOCSPBasic) {
		return out, nil
	}
	var b asnBasicResponse
	if _, err := asn1.Unmarshal(r.Bytes.Response, &b); err != nil {
		return nil, errOCSPParse
	}
	var d asnResponseData
	if _, err := asn1.Unmarshal(b.TBS.FullBytes, &d); err != nil {
		return nil, errOCSPParse
	}
	basic := &ocspBasic{
		version: d.Version, producedAt: d.ProducedAt, exts: d.Exts,
		sigAlg: b.SigAlg, sig: b.Sig.Bytes,
	}
	switch d.ResponderID.Tag {
	case 1: // byName [1] EXPLICIT Name
		basic.byName = d.ResponderID.Bytes
	case 2: // byKey [2] EXPLICIT OCTET STRING
		if _, err := asn1.Unmarshal(d.ResponderID.Bytes, &basic.byKey); err != nil {
			return nil, errOCSPParse
		}
	default:
		return nil, errOCSPParse
	}
	for _, s := range d.Responses {
		one := ocspSingle{id: s.CertID, reason: -1, thisUpdate: s.ThisUpdate, nextUpdate: s.NextUpdate, exts: s.Exts}
		switch {
		case bool(s.Good):
			one.status = ocspGood
		case bool(s.Unknown):
			one.status = ocspUnknown
		default:
			one.status = ocspRevoked
			one.revokedAt = s.Revoked.Time
			var reason asn1.Enumerated
			if len(s.Revoked.Reason.FullBytes) > 0 {
				if _, err := asn1.Unmarshal(s.Revoked.Reason.Bytes, &reason); err == nil {
					one.reason = int(reason)
				}
			}
		}
		basic.responses = append(basic.responses, one)
	}
	for _, c := range b.Certs {
		basic.certs = append(basic.certs, c.FullBytes)
	}
	out.basic = basic
	return out, nil
}

// checkOCSP says whether der may be stapled at now, in haproxy's words
// when not; with key, whether it is about the certificate of that
// CertID. It returns the CertID of its single response, DER.
func checkOCSP(der, key []byte, now time.Time) ([]byte, *ocspSingle, error) {
	r, err := parseOCSP(der)
	if err != nil {
		return nil, nil, err
	}
	if r.status != 0 {
		return nil, nil, errors.New("OCSP response status not successful")
	}
	if r.basic == nil {
		return nil, nil, errors.New("Failed to get basic response from OCSP Response")
	}
	if n := len(r.basic.responses); n != 1 {
		if n == 0 {
			return nil, nil, errors.New("Failed to get OCSP single response")
		}
		return nil, nil, fmt.Errorf("OCSP response ignored because contains multiple single responses (%d)", n)
	}
	s := &r.basic.responses[0]
	if s.status != ocspGood && s.status != ocspRevoked {
		return nil, nil, errors.New("OCSP single response: certificate status is unknown")
	}
	if s.nextUpdate.IsZero() {
		return nil, nil, errors.New("OCSP single response: missing nextupdate")
	}
	// OpenSSL's OCSP_check_validity, with haproxy's skew and no age limit.
	if s.thisUpdate.After(now.Add(ocspSkew)) || s.nextUpdate.Before(now.Add(-ocspSkew)) || s.nextUpdate.Before(s.thisUpdate) {
		return nil, nil, errors.New("OCSP single response: no longer valid.")
	}
	id := s.id.Raw
	if key != nil && !sameCertID(id, key) {
		return nil, nil, errors.New("OCSP single response: Certificate ID does not match certificate and issuer")
	}
	return id, s, nil
}

// sameCertID compares two CertIDs as OpenSSL's OCSP_id_cmp does: the
// same hash algorithm, hashes and serial number.
func sameCertID(a, b []byte) bool {
	var x, y asnCertID
	if _, err := asn1.Unmarshal(a, &x); err != nil {
		return false
	}
	if _, err := asn1.Unmarshal(b, &y); err != nil {
		return false
	}
	return x.HashAlg.Algorithm.Equal(y.HashAlg.Algorithm) && bytes.Equal(x.NameHash, y.NameHash) &&
		bytes.Equal(x.KeyHash, y.KeyHash) && x.Serial.Cmp(y.Serial) == 0
}

// sameKey compares two keys of haproxy's tree, which pads them with
// zeros to ocspMaxKey bytes.
func sameKey(a, b []byte) bool {
	return bytes.Equal(bytes.TrimRight(a, "\x00"), bytes.TrimRight(b, "\x00"))
}

func compareKeys(a, b []byte) int {
	var pa, pb [ocspMaxKey]byte
	copy(pa[:], a)
	copy(pb[:], b)
	return bytes.Compare(pa[:], pb[:])
}

// ocspIssuer is the certificate's issuer for OCSP, as haproxy finds it:
// the certificate of its chain that issued it, else its .issuer file.
func (c *Cert) ocspIssuer() *x509.Certificate {
	for _, der := range c.TLS.Certificate[1:] {
		ca, err := x509.ParseCertificate(der)
		if err == nil && bytes.Equal(ca.RawSubject, c.TLS.Leaf.RawIssuer) && c.TLS.Leaf.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	if c.Issuer != nil && bytes.Equal(c.Issuer.RawSubject, c.TLS.Leaf.RawIssuer) {
		return c.Issuer
	}
	return nil
}

// OCSPKey is the CertID haproxy computes for the certificate, the key of
// its OCSP response (DER: SHA-1 hashes of the issuer's name and key, the
// serial number); nil without an OCSP response, or an issuer.
func (c *Cert) OCSPKey() []byte {
	if c == nil || c.OCSP == nil || c.TLS.Leaf == nil {
		return nil
	}
	return certIDOf(c.TLS.Leaf, c.ocspIssuer())
}

func certIDOf(leaf, issuer *x509.Certificate) []byte {
	if issuer == nil {
		return nil
	}
	// The issuer's key: the BIT STRING of its SubjectPublicKeyInfo.
	var keyBits asn1.BitString
	if _, err := asn1.Unmarshal(skipFirst(issuer.RawSubjectPublicKeyInfo), &keyBits); err != nil {
		return nil
	}
	nameHash := sha1.Sum(issuer.RawSubject)
	keyHash := sha1.Sum(keyBits.Bytes)
	id := asnCertID{
		HashAlg:  pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, Parameters: asn1.NullRawValue},
		NameHash: nameHash[:],
		KeyHash:  keyHash[:],
		Serial:   leaf.SerialNumber,
	}
	der, err := asn1.Marshal(id)
	if err != nil || len(der) > ocspMaxKey {
		return nil
	}
	return der
}

// skipFirst is the content of a SEQUENCE after its first element.
func skipFirst(der []byte) []byte {
	s := cryptobyte.String(der)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SEQUENCE) || !inner.SkipASN1(cbasn1.SEQUENCE) {
		return nil
	}
	return inner
}

// withOCSP is the certificate with response der as its OCSP response,
// stapled if it may be at now.
func (c *Cert) withOCSP(der []byte, now time.Time) *Cert {
	n := *c
	n.OCSP = der
	n.TLS.OCSPStaple = nil
	if key := n.OCSPKey(); key != nil && der != nil {
		if _, _, err := checkOCSP(der, key, now); err == nil {
			n.TLS.OCSPStaple = der
		}
	}
	return &n
}

// OCSPEntry is a response of haproxy's tree: its key and response (nil
// when the certificate's was not valid).
type OCSPEntry struct {
	Key, Response []byte
}

// ocspEntriesLocked are the binds' certificates' responses by key, in
// haproxy's tree order.
func (st *Store) ocspEntriesLocked() []OCSPEntry {
	var out []OCSPEntry
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			key := e.Cert.OCSPKey()
			if key == nil || slices.ContainsFunc(out, func(o OCSPEntry) bool { return sameKey(o.Key, key) }) {
				continue
			}
			out = append(out, OCSPEntry{Key: key, Response: e.Cert.TLS.OCSPStaple})
		}
	}
	slices.SortFunc(out, func(a, b OCSPEntry) int { return compareKeys(a.Key, b.Key) })
	return out
}

// OCSPEntries lists the OCSP responses of the certificates in service
// (`show ssl ocsp-response`).
func (st *Store) OCSPEntries() []OCSPEntry {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ocspEntriesLocked()
}

// OCSPEntry finds the response of key.
func (st *Store) OCSPEntry(key []byte) (OCSPEntry, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, o := range st.ocspEntriesLocked() {
		if sameKey(o.Key, key) {
			return o, true
		}
	}
	return OCSPEntry{}, false
}

// CertOCSP is the OCSP response `show ssl cert FILE.ocsp` prints: the
// one stapled for the certificate's key; with txn, the transaction's
// certificate's own. ok is false when there is no such certificate.
func (st *Store) CertOCSP(path string, txn bool) (resp []byte, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var c *Cert
	if txn {
		if st.txn == nil || st.txn.Path != path {
			return nil, false
		}
		if c = st.txn.Cert; c != nil && c.OCSP != nil {
			return c.OCSP, true
		}
	} else {
		var known bool
		if c, _, known = st.lookup(path); !known {
			return nil, false
		}
	}
	if c == nil {
		return nil, true
	}
	// The key of the certificate's own response, looked up among those
	// in service.
	key := ocspCertID(c.OCSP)
	if key == nil {
		return nil, true
	}
	for _, o := range st.ocspEntriesLocked() {
		if sameKey(o.Key, key) {
			return o.Response, true
		}
	}
	return nil, true
}

// SetOCSPResponse staples der for the next handshakes of every
// certificate in service whose CertID it is about (`set ssl ocsp-response`).
// Errors are haproxy's.
func (st *Store) SetOCSPResponse(der []byte) error {
	id, _, err := checkOCSP(der, nil, time.Now())
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(id) > ocspMaxKey {
		return errors.New("OCSP single response: Certificate ID too long")
	}
	if err := st.stapleLocked(id, der); err != nil {
		return err
	}
	return nil
}

// stapleLocked puts der in service for the certificates of key.
func (st *Store) stapleLocked(key, der []byte) error {
	var paths []string
	var certs []*Cert
	for _, b := range st.binds {
		for _, e := range b.Entries() {
			if k := e.Cert.OCSPKey(); k != nil && sameKey(k, key) && !slices.Contains(paths, e.Cert.Path) {
				paths = append(paths, e.Cert.Path)
				certs = append(certs, e.Cert)
			}
		}
	}
	if len(paths) == 0 {
		return errors.New("OCSP single response: Certificate ID does not match any certificate or issuer")
	}
	for i, p := range paths {
		if bytes.Equal(certs[i].TLS.OCSPStaple, der) {
			continue
		}
		n := *certs[i]
		n.TLS.OCSPStaple = der
		if _, err := st.replaceLocked(p, &n); err != nil {
			return err
		}
	}
	return nil
}

// setOCSPPayload is a transaction's certificate with the OCSP response
// of a `set ssl cert FILE.ocsp` payload (base64 DER), to be checked when
// committed, as haproxy does.
// DecodeBase64Lines decodes base64 written on several lines, as haproxy
// reads a payload: without its CR and LF.
func DecodeBase64Lines(b []byte) ([]byte, error) {
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
	return base64.StdEncoding.DecodeString(string(b))
}

func setOCSPPayload(prev *Cert, payload []byte) (*Cert, error) {
	der, err := DecodeBase64Lines(payload)
	if err != nil {
		// haproxy's message, its missing separator included.
		return nil, errors.New("Error reading OCSP response in base64 formatCan't load the payload")
	}
	n := *prev
	n.OCSP = der
	n.TLS.OCSPStaple = nil
	return &n, nil
}

// commitOCSPLocked prepares a transaction's certificate for service: its
// OCSP response stapled if valid; if not, the response in service for
// its CertID stays, as haproxy keeps its tree's. A response whose CertID
// can't be computed (no issuer) is refused, as haproxy refuses it.
func (st *Store) commitOCSPLocked(path string, c *Cert) (*Cert, error) {
	if c.OCSP == nil {
		return c, nil
	}
	key := c.OCSPKey()
	if key == nil {
		return nil, fmt.Errorf("'%s.ocsp' is present and activates OCSP but it is impossible to compute the OCSP certificate ID (maybe the issuer could not be found)'.", path)
	}
	n := c.withOCSP(c.OCSP, time.Now())
	if n.TLS.OCSPStaple == nil {
		for _, o := range st.ocspEntriesLocked() {
			if sameKey(o.Key, key) {
				n.TLS.OCSPStaple = o.Response
			}
		}
	}
	return n, nil
}

// shareStapleLocked gives the staple of a certificate just committed to
// the others of its CertID, as haproxy's tree shares it.
func (st *Store) shareStapleLocked(c *Cert) {
	if key := c.OCSPKey(); key != nil && c.TLS.OCSPStaple != nil {
		st.stapleLocked(key, c.TLS.OCSPStaple)
	}
}

// stapleUntil prepares the slot's configuration without c's OCSP
// response, for the handshakes past the response's next update less
// haproxy's skew, when it stops stapling it.
func (sl *slot) stapleUntil(c *Cert) {
	if c.TLS.OCSPStaple == nil {
		return
	}
	_, single, err := checkOCSP(c.TLS.OCSPStaple, nil, time.Now())
	if err != nil {
		return // stapled only when valid: not here
	}
	sl.until = single.nextUpdate.Add(-ocspSkew)
	bare := sl.cfg.Clone()
	cert := bare.Certificates[0]
	cert.OCSPStaple = nil
	bare.Certificates = []tls.Certificate{cert}
	sl.bare = bare
}
