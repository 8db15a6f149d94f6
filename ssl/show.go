package ssl

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// AppendDetail appends what `show ssl cert FILE` says of a certificate
// after its name and status, in haproxy's words: serial, dates, names,
// key, fingerprint, subject and issuer, then the chain's.
func AppendDetail(b []byte, c *Cert) []byte {
	return appendOCSPKey(appendDetail(b, c), c)
}

func appendDetail(b []byte, c *Cert) []byte {
	if c == nil {
		return b
	}
	return appendCertDetail(b, c.TLS.Leaf, c.TLS.Certificate[1:])
}

// appendCertDetail describes a certificate, and the chain sent with it.
func appendCertDetail(b []byte, x *x509.Certificate, chain [][]byte) []byte {
	b = fmt.Appendf(b, "Serial: %X\n", x.SerialNumber.Bytes())
	b = fmt.Appendf(b, "notBefore: %s\n", x.NotBefore.UTC().Format(asn1Print))
	b = fmt.Appendf(b, "notAfter: %s\n", x.NotAfter.UTC().Format(asn1Print))
	names := make([]string, len(x.DNSNames))
	for i, n := range x.DNSNames {
		names[i] = "DNS:" + n
	}
	b = fmt.Appendf(b, "Subject Alternative Name: %s\n", strings.Join(names, ", "))
	b = append(b, "Algorithm: "...)
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		b = fmt.Appendf(b, "RSA%d\n", k.N.BitLen())
	case *ecdsa.PublicKey:
		b = fmt.Appendf(b, "EC%d\n", k.Curve.Params().BitSize)
	default:
		return b // haproxy stops there for other keys
	}
	b = fmt.Appendf(b, "SHA1 FingerPrint: %X\n", sha1.Sum(x.Raw))
	b = appendNames(b, "Subject", x.Subject.Names)
	b = appendNames(b, "Issuer", x.Issuer.Names)
	for _, der := range chain {
		ca, err := x509.ParseCertificate(der)
		if err != nil {
			break
		}
		b = appendNames(b, "Chain Subject", ca.Subject.Names)
		b = appendNames(b, "Chain Issuer", ca.Issuer.Names)
	}
	return b
}

// asn1Print is how OpenSSL's ASN1_TIME_print writes a date.
const asn1Print = "Jan _2 15:04:05 2006 GMT"

func appendNames(b []byte, label string, names []pkix.AttributeTypeAndValue) []byte {
	b = append(b, label+": "...)
	b, _ = AppendDN(b, names, nil)
	return append(b, '\n')
}

// appendOCSPKey appends the "OCSP Response Key" line: the DER of the
// CertID of the first response in the certificate's OCSP staple, in hex,
// empty without one (as haproxy prints it).
func appendOCSPKey(b []byte, c *Cert) []byte {
	b = append(b, "OCSP Response Key: "...)
	if c != nil {
		if id := ocspCertID(c.TLS.OCSPStaple); id != nil {
			b = hex.AppendEncode(b, id)
		}
	}
	return append(b, '\n')
}

// ocspCertID finds the CertID of an OCSPResponse's first SingleResponse
// (RFC 6960 4.2.1), nil when there is none.
func ocspCertID(der []byte) []byte {
	if len(der) == 0 {
		return nil
	}
	var resp, rb, basic, tbs, responses, single, id cryptobyte.String
	var status int
	var oid asn1.ObjectIdentifier
	var body []byte
	s := cryptobyte.String(der)
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) ||
		!resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!rb.ReadASN1(&rb, cbasn1.SEQUENCE) || !rb.ReadASN1ObjectIdentifier(&oid) ||
		!rb.ReadASN1Bytes(&body, cbasn1.OCTET_STRING) {
		return nil
	}
	s = cryptobyte.String(body)
	if !s.ReadASN1(&basic, cbasn1.SEQUENCE) || !basic.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil
	}
	// version [0] EXPLICIT (optional), responderID (a [1] or [2] choice),
	// producedAt, then the responses.
	tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific())
	var skip cryptobyte.String
	var tag cbasn1.Tag
	if !tbs.ReadAnyASN1Element(&skip, &tag) || !tbs.SkipASN1(cbasn1.GeneralizedTime) ||
		!tbs.ReadASN1(&responses, cbasn1.SEQUENCE) || !responses.ReadASN1(&single, cbasn1.SEQUENCE) ||
		!single.ReadASN1Element(&id, cbasn1.SEQUENCE) {
		return nil
	}
	return id
}

// appendCRLDetail describes a revocation list as `show ssl crl-file`
// does (after OpenSSL's `openssl crl -text`): version, signature
// algorithm, issuer, dates, and the revoked serial numbers.
func appendCRLDetail(b []byte, l *pkix.CertificateList) []byte {
	tbs := &l.TBSCertList
	b = fmt.Appendf(b, "Version %d\n", tbs.Version+1)
	b = fmt.Appendf(b, "Signature Algorithm: %s\n", sigAlgLongName(l.SignatureAlgorithm.Algorithm))
	var issuer pkix.Name
	issuer.FillFromRDNSequence(&tbs.Issuer)
	b = appendNames(b, "Issuer", issuer.Names)
	b = fmt.Appendf(b, "Last Update: %s\n", tbs.ThisUpdate.UTC().Format(asn1Print))
	if tbs.NextUpdate.IsZero() {
		b = append(b, "Next Update: NONE\n"...)
	} else {
		b = fmt.Appendf(b, "Next Update: %s\n", tbs.NextUpdate.UTC().Format(asn1Print))
	}
	if len(tbs.RevokedCertificates) == 0 {
		return append(b, "No Revoked Certificates.\n"...)
	}
	b = append(b, "Revoked Certificates:\n"...)
	for _, r := range tbs.RevokedCertificates {
		b = append(b, "    Serial Number: "...)
		if r.SerialNumber.Sign() < 0 {
			b = append(b, '-')
		}
		if raw := r.SerialNumber.Bytes(); len(raw) == 0 {
			b = append(b, "00"...)
		} else {
			b = fmt.Appendf(b, "%X", raw)
		}
		b = fmt.Appendf(b, "\n        Revocation Date: %s\n", r.RevocationTime.UTC().Format(asn1Print))
	}
	return b
}

// sigAlgLongName is OpenSSL's long name of a signature algorithm
// (OBJ_nid2ln), which `show ssl crl-file` prints.
func sigAlgLongName(oid asn1.ObjectIdentifier) string {
	for _, a := range sigAlgLongNames {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

var sigAlgLongNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, "md5WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, "sha1WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}, "rsassaPss"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, "sha256WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, "sha384WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, "sha512WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, "sha224WithRSAEncryption"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, "ecdsa-with-SHA1"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}, "ecdsa-with-SHA224"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, "ecdsa-with-SHA256"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, "ecdsa-with-SHA384"},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, "ecdsa-with-SHA512"},
	{asn1.ObjectIdentifier{1, 3, 101, 112}, "ED25519"},
	{asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 3}, "dsaWithSHA1"},
}
