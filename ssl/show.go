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
	x := c.TLS.Leaf
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
	for _, der := range c.TLS.Certificate[1:] {
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
// CertID of the first response in the certificate's OCSP response, in hex,
// empty without one (as haproxy prints it).
func appendOCSPKey(b []byte, c *Cert) []byte {
	b = append(b, "OCSP Response Key: "...)
	if c != nil {
		if id := ocspCertID(c.OCSP); id != nil {
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
