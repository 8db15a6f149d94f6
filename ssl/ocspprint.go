package ssl

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// The text haproxy prints for an OCSP response (`show ssl ocsp-response
// ID`, `show ssl cert FILE.ocsp`): OpenSSL's OCSP_RESPONSE_print, with
// the certificates the response carries as X509_print writes them, and
// a space on the empty lines, which the CLI would take for the end of
// its answer.

// AppendOCSPText appends the description of a DER OCSP response; false,
// and nothing appended, when it does not parse (haproxy prints nothing).
func AppendOCSPText(b []byte, der []byte) ([]byte, bool) {
	r, err := parseOCSP(der)
	if err != nil {
		return b, false
	}
	text := r.appendText(nil)
	// An empty line gets a space.
	for len(text) > 0 {
		i := bytes.Index(text, []byte("\n\n"))
		if i < 0 {
			break
		}
		b = append(append(b, text[:i+1]...), ' ')
		text = text[i+1:]
	}
	return append(b, text...), true
}

func (r *ocspResponse) appendText(b []byte) []byte {
	b = append(b, "OCSP Response Data:\n"...)
	b = fmt.Appendf(b, "    OCSP Response Status: %s (0x%x)\n", ocspStatusName(r.status), r.status)
	if r.typ == nil {
		return b
	}
	b = append(b, "    Response Type: "...)
	b = append(b, oidText(r.typ)...)
	if r.basic == nil {
		return append(b, " (unknown response type)\n"...)
	}
	br := r.basic
	b = fmt.Appendf(b, "\n    Version: %d (0x%x)\n", br.version+1, br.version)
	b = append(b, "    Responder Id: "...)
	if br.byName != nil {
		b = appendNameOneline(b, br.byName)
	} else {
		b = appendHexString(b, br.byKey)
	}
	b = append(b, "\n    Produced At: "...)
	b = appendASN1Time(b, br.producedAt)
	b = append(b, "\n    Responses:\n"...)
	for i := range br.responses {
		s := &br.responses[i]
		b = appendCertIDText(b, &s.id, 4, true)
		b = append(b, "    Cert Status: "...)
		b = append(b, []string{"good", "revoked", "unknown"}[s.status]...)
		if s.status == ocspRevoked {
			b = append(b, "\n    Revocation Time: "...)
			b = appendASN1Time(b, s.revokedAt)
			if s.reason >= 0 {
				b = fmt.Appendf(b, "\n    Revocation Reason: %s (0x%x)", crlReasonName(s.reason), s.reason)
			}
		}
		b = append(b, "\n    This Update: "...)
		b = appendASN1Time(b, s.thisUpdate)
		if !s.nextUpdate.IsZero() {
			b = append(b, "\n    Next Update: "...)
			b = appendASN1Time(b, s.nextUpdate)
		}
		b = append(b, '\n')
		b = appendExtensions(b, "Response Single Extensions", s.exts, 8)
		b = append(b, '\n')
	}
	b = appendExtensions(b, "Response Extensions", br.exts, 4)
	b = appendSignature(b, br.sigAlg.Algorithm, br.sig, true)
	for _, der := range br.certs {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		b = appendX509Text(b, x)
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return b
}

// appendCertIDText describes a CertID as OpenSSL does; withAlg false is
// haproxy's own form, without the hash algorithm.
func appendCertIDText(b []byte, id *asnCertID, indent int, withAlg bool) []byte {
	pad := strings.Repeat(" ", indent)
	b = append(b, pad+"Certificate ID:\n"...)
	pad += "  "
	if withAlg {
		b = append(b, pad+"Hash Algorithm: "...)
		b = append(b, oidText(id.HashAlg.Algorithm)...)
		b = append(b, '\n')
	}
	b = append(b, pad+"Issuer Name Hash: "...)
	b = appendHexString(b, id.NameHash)
	b = append(b, "\n"+pad+"Issuer Key Hash: "...)
	b = appendHexString(b, id.KeyHash)
	b = append(b, "\n"+pad+"Serial Number: "...)
	b = appendHexInteger(b, id.Serial)
	return append(b, '\n')
}

// AppendCertIDText describes a key of `show ssl ocsp-response`: the
// CertID's hashes and serial number, as haproxy prints them.
func AppendCertIDText(b []byte, key []byte) []byte {
	var id asnCertID
	if _, err := asn1.Unmarshal(key, &id); err != nil {
		return b
	}
	return appendCertIDText(b, &id, 1, false)
}

func ocspStatusName(s int) string {
	names := []string{"successful", "malformedrequest", "internalerror", "trylater", "", "sigrequired", "unauthorized"}
	if s >= 0 && s < len(names) && names[s] != "" {
		return names[s]
	}
	return "(UNKNOWN)"
}

func crlReasonName(r int) string {
	names := []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"}
	if r >= 0 && r < len(names) && names[r] != "" {
		return names[r]
	}
	return "(UNKNOWN)"
}

// appendHexString is OpenSSL's i2a_ASN1_STRING: upper-case hex, a
// backslash and a new line every 35 bytes.
func appendHexString(b, s []byte) []byte {
	if len(s) == 0 {
		return append(b, '0')
	}
	for i, c := range s {
		if i != 0 && i%35 == 0 {
			b = append(b, "\\\n"...)
		}
		b = fmt.Appendf(b, "%02X", c)
	}
	return b
}

// appendHexInteger is OpenSSL's i2a_ASN1_INTEGER.
func appendHexInteger(b []byte, n *big.Int) []byte {
	if n == nil {
		return append(b, "00"...)
	}
	if n.Sign() < 0 {
		b = append(b, '-')
	}
	m := new(big.Int).Abs(n).Bytes()
	if len(m) == 0 {
		return append(b, "00"...)
	}
	return appendHexString(b, m)
}

// appendASN1Time is OpenSSL's ASN1_TIME_print.
func appendASN1Time(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = append(b, t.Format("Jan _2 15:04:05")...)
	if ns := t.Nanosecond(); ns != 0 {
		b = append(b, strings.TrimRight(fmt.Sprintf(".%09d", ns), "0")...)
	}
	return append(b, t.Format(" 2006 GMT")...)
}

// appendColonHex writes bytes as "ab:cd:…", perRow on a line, each line
// indented; none when perRow is 0.
func appendColonHex(b, s []byte, indent, perRow int, upper bool) []byte {
	f := "%02x"
	if upper {
		f = "%02X"
	}
	for i, c := range s {
		if perRow > 0 && i%perRow == 0 {
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(b, strings.Repeat(" ", indent)...)
		}
		b = fmt.Appendf(b, f, c)
		if i+1 < len(s) {
			b = append(b, ':')
		}
	}
	return b
}

// appendSignature is X509_signature_print: the algorithm, and with sig
// the signature's bytes.
func appendSignature(b []byte, alg asn1.ObjectIdentifier, sig []byte, withSig bool) []byte {
	b = append(b, "    Signature Algorithm: "...)
	b = append(b, oidText(alg)...)
	if withSig {
		b = append(b, "\n    Signature Value:"...)
	}
	b = append(b, '\n')
	if withSig {
		b = appendColonHex(b, sig, 8, 18, false)
		b = append(b, '\n')
	}
	return b
}

// appendX509Text is OpenSSL's X509_print: a certificate, described.
func appendX509Text(b []byte, x *x509.Certificate) []byte {
	b = append(b, "Certificate:\n    Data:\n"...)
	b = fmt.Appendf(b, "        Version: %d (0x%x)\n", x.Version, x.Version-1)
	b = append(b, "        Serial Number:"...)
	if n := x.SerialNumber; n.IsInt64() {
		v := n.Int64()
		neg := ""
		if v < 0 {
			neg, v = "-", -v
		}
		b = fmt.Appendf(b, " %s%d (%s0x%x)", neg, v, neg, v)
	} else {
		b = append(b, "\n            "...)
		if n.Sign() < 0 {
			b = append(b, " (Negative)"...)
		}
		b = appendColonHex(b, new(big.Int).Abs(n).Bytes(), 0, 0, false)
	}
	b = append(b, '\n')
	b = append(b, "    "...)
	b = appendSignature(b, sigAlgOID(x), nil, false)
	b = append(b, "        Issuer: "...)
	b = appendNameCompat(b, x.RawIssuer)
	b = append(b, "\n        Validity\n            Not Before: "...)
	b = appendASN1Time(b, x.NotBefore)
	b = append(b, "\n            Not After : "...)
	b = appendASN1Time(b, x.NotAfter)
	b = append(b, "\n        Subject: "...)
	b = appendNameCompat(b, x.RawSubject)
	b = append(b, "\n        Subject Public Key Info:\n            Public Key Algorithm: "...)
	b = append(b, oidText(spkiAlgOID(x.RawSubjectPublicKeyInfo))...)
	b = append(b, '\n')
	b = appendPublicKey(b, x.PublicKey)
	b = appendExtensions(b, "X509v3 extensions", x.Extensions, 8)
	return appendSignature(b, sigAlgOID(x), x.Signature, true)
}

func sigAlgOID(x *x509.Certificate) asn1.ObjectIdentifier {
	var c struct {
		TBS    asn1.RawValue
		SigAlg pkix.AlgorithmIdentifier
	}
	if _, err := asn1.Unmarshal(x.Raw, &c); err != nil {
		return nil
	}
	return c.SigAlg.Algorithm
}

func spkiAlgOID(spki []byte) asn1.ObjectIdentifier {
	var s struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &s); err != nil {
		return nil
	}
	return s.Alg.Algorithm
}

// appendPublicKey is EVP_PKEY_print_public at indent 16.
func appendPublicKey(b []byte, key any) []byte {
	const pad = "                "
	switch k := key.(type) {
	case *rsa.PublicKey:
		b = fmt.Appendf(b, pad+"Public-Key: (%d bit)\n", k.N.BitLen())
		b = append(b, pad+"Modulus:\n"...)
		m := k.N.Bytes()
		if len(m) > 0 && m[0]&0x80 != 0 {
			m = append([]byte{0}, m...)
		}
		b = appendColonHex(b, m, 20, 15, false)
		b = fmt.Appendf(b, "\n"+pad+"Exponent: %d (0x%x)\n", k.E, k.E)
	case *ecdsa.PublicKey:
		b = fmt.Appendf(b, pad+"Public-Key: (%d bit)\n", k.Curve.Params().BitSize)
		b = append(b, pad+"pub:\n"...)
		//nolint:staticcheck // the uncompressed point, as OpenSSL prints it
		b = appendColonHex(b, elliptic.Marshal(k.Curve, k.X, k.Y), 20, 15, false)
		b = append(b, '\n')
		if oid, nist := ecCurveText(k.Curve); oid != "" {
			b = append(b, pad+"ASN1 OID: "+oid+"\n"...)
			if nist != "" {
				b = append(b, pad+"NIST CURVE: "+nist+"\n"...)
			}
		}
	case ed25519.PublicKey:
		b = append(b, pad+"ED25519 Public-Key:\n"+pad+"pub:\n"...)
		b = appendColonHex(b, k, 20, 15, false)
		b = append(b, '\n')
	}
	return b
}

func ecCurveText(c elliptic.Curve) (string, string) {
	switch c {
	case elliptic.P224():
		return "secp224r1", "P-224"
	case elliptic.P256():
		return "prime256v1", "P-256"
	case elliptic.P384():
		return "secp384r1", "P-384"
	case elliptic.P521():
		return "secp521r1", "P-521"
	}
	return "", ""
}

// appendExtensions is X509V3_extensions_print: nothing without
// extensions.
func appendExtensions(b []byte, title string, exts []pkix.Extension, indent int) []byte {
	if len(exts) == 0 {
		return b
	}
	b = fmt.Appendf(b, "%*s%s:\n", indent, "", title)
	indent += 4
	for _, e := range exts {
		b = append(b, strings.Repeat(" ", indent)...)
		b = append(b, oidText(e.Id)...)
		b = append(b, ": "...)
		if e.Critical {
			b = append(b, "critical"...)
		}
		b = append(b, '\n')
		if nb, ok := appendExtValue(b, e, indent+4); ok {
			b = nb
		} else {
			b = append(b, strings.Repeat(" ", indent+4)...)
			for _, c := range e.Value { // ASN1_STRING_print
				if c > '~' || (c < ' ' && c != '\n' && c != '\r') {
					c = '.'
				}
				b = append(b, c)
			}
		}
		b = append(b, '\n')
	}
	return b
}

// appendExtValue prints the extensions OpenSSL knows, false for others.
func appendExtValue(b []byte, e pkix.Extension, indent int) ([]byte, bool) {
	pad := strings.Repeat(" ", indent)
	// vals prints name:value pairs, on one line or one a line.
	vals := func(multi bool, v []string) []byte {
		if len(v) == 0 {
			return append(b, pad+"<EMPTY>\n"...)
		}
		if multi {
			for i, s := range v {
				if i > 0 {
					b = append(b, '\n')
				}
				b = append(b, pad+s...)
			}
			return b
		}
		return append(b, pad+strings.Join(v, ", ")...)
	}
	id := e.Id
	switch {
	case id.Equal(oidExt(19)): // basic constraints
		var bc struct {
			CA      bool `asn1:"optional"`
			PathLen int  `asn1:"optional,default:-1"`
		}
		if _, err := asn1.Unmarshal(e.Value, &bc); err != nil {
			return b, false
		}
		v := []string{"CA:" + strings.ToUpper(fmt.Sprint(bc.CA))}
		if bc.PathLen >= 0 {
			v = append(v, fmt.Sprintf("pathlen:%d", bc.PathLen))
		}
		return vals(false, v), true
	case id.Equal(oidExt(15)): // key usage
		var bits asn1.BitString
		if _, err := asn1.Unmarshal(e.Value, &bits); err != nil {
			return b, false
		}
		names := []string{"Digital Signature", "Non Repudiation", "Key Encipherment", "Data Encipherment",
			"Key Agreement", "Certificate Sign", "CRL Sign", "Encipher Only", "Decipher Only"}
		var v []string
		for i, n := range names {
			if bits.At(i) == 1 {
				v = append(v, n)
			}
		}
		return vals(false, v), true
	case id.Equal(oidExt(37)): // extended key usage
		var oids []asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(e.Value, &oids); err != nil {
			return b, false
		}
		v := make([]string, len(oids))
		for i, o := range oids {
			v[i] = oidText(o)
		}
		return vals(false, v), true
	case id.Equal(oidExt(14)): // subject key identifier
		var kid []byte
		if _, err := asn1.Unmarshal(e.Value, &kid); err != nil {
			return b, false
		}
		return appendColonHex(append(b, pad...), kid, 0, 0, true), true
	case id.Equal(oidExt(35)): // authority key identifier
		var aki struct {
			ID     []byte          `asn1:"optional,tag:0"`
			Issuer []asn1.RawValue `asn1:"optional,tag:1"`
			Serial *big.Int        `asn1:"optional,tag:2"`
		}
		if _, err := asn1.Unmarshal(e.Value, &aki); err != nil {
			return b, false
		}
		var v []string
		if aki.ID != nil {
			s := string(appendColonHex(nil, aki.ID, 0, 0, true))
			if aki.Issuer != nil || aki.Serial != nil {
				s = "keyid:" + s
			}
			v = append(v, s)
		}
		for _, g := range aki.Issuer {
			v = append(v, generalName(g))
		}
		if aki.Serial != nil {
			v = append(v, "serial:"+string(appendColonHex(nil, aki.Serial.Bytes(), 0, 0, true)))
		}
		return vals(true, v), true
	case id.Equal(oidExt(17)), id.Equal(oidExt(18)): // subject, issuer alternative names
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(e.Value, &names); err != nil {
			return b, false
		}
		v := make([]string, len(names))
		for i, g := range names {
			v[i] = generalName(g)
		}
		return vals(false, v), true
	case id.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}): // authority information access
		var ads []struct {
			Method   asn1.ObjectIdentifier
			Location asn1.RawValue
		}
		if _, err := asn1.Unmarshal(e.Value, &ads); err != nil {
			return b, false
		}
		v := make([]string, len(ads))
		for i, a := range ads {
			v[i] = oidText(a.Method) + " - " + generalName(a.Location)
		}
		return vals(true, v), true
	case id.Equal(oidExt(31)): // CRL distribution points, full names only
		var dps []struct {
			Name asn1.RawValue `asn1:"optional,tag:0"`
		}
		if _, err := asn1.Unmarshal(e.Value, &dps); err != nil {
			return b, false
		}
		for i, dp := range dps {
			var names []asn1.RawValue
			if dp.Name.Bytes == nil {
				return b, false
			}
			full := asn1.RawValue{}
			if _, err := asn1.Unmarshal(dp.Name.Bytes, &full); err != nil || full.Tag != 0 {
				return b, false
			}
			for rest := full.Bytes; len(rest) > 0; {
				var g asn1.RawValue
				var err error
				if rest, err = asn1.Unmarshal(rest, &g); err != nil {
					return b, false
				}
				names = append(names, g)
			}
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(b, pad+"Full Name:\n"...)
			for j, g := range names {
				if j > 0 {
					b = append(b, '\n')
				}
				b = append(b, pad+"  "+generalName(g)...)
			}
		}
		return b, true
	case id.Equal(oidExt(32)): // certificate policies, without qualifiers
		var pols []struct {
			ID         asn1.ObjectIdentifier
			Qualifiers []asn1.RawValue `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(e.Value, &pols); err != nil {
			return b, false
		}
		for i, p := range pols {
			if len(p.Qualifiers) > 0 {
				return b, false
			}
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(b, pad+"Policy: "+oidText(p.ID)...)
		}
		return b, true
	case id.Equal(oidOCSPNonce):
		return appendHexString(append(b, pad...), e.Value), true
	}
	return b, false
}

var oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

func oidExt(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 5, 29, n} }

// generalName is a GeneralName as OpenSSL's i2v_GENERAL_NAME writes it.
func generalName(g asn1.RawValue) string {
	switch g.Tag {
	case 0:
		return "othername:<unsupported>"
	case 1:
		return "email:" + string(g.Bytes)
	case 2:
		return "DNS:" + string(g.Bytes)
	case 3:
		return "X400Name:<unsupported>"
	case 4:
		return "DirName:" + string(appendNameOnelineSlash(nil, g.Bytes))
	case 5:
		return "EdiPartyName:<unsupported>"
	case 6:
		return "URI:" + string(g.Bytes)
	case 7:
		switch len(g.Bytes) {
		case 4:
			return "IP Address:" + net.IP(g.Bytes).String()
		case 16:
			parts := make([]string, 8)
			for i := range parts {
				parts[i] = fmt.Sprintf("%X", int(g.Bytes[2*i])<<8|int(g.Bytes[2*i+1]))
			}
			return "IP Address:" + strings.Join(parts, ":")
		}
		return "IP Address:<invalid>"
	case 8:
		var o asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(append([]byte{6, byte(len(g.Bytes))}, g.Bytes...), &o); err == nil {
			return "Registered ID:" + oidText(o)
		}
	}
	return "<unsupported>"
}

// rdnValue is an attribute's value as text, and whether it is a string.
func rdnValue(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func parseName(der []byte) pkix.RDNSequence {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return nil
	}
	return rdns
}

// appendNameOnelineSlash is X509_NAME_oneline: "/C=FR/O=x/CN=y", bytes
// outside printable ASCII as \xHH.
func appendNameOnelineSlash(b []byte, der []byte) []byte {
	for _, rdn := range parseName(der) {
		for _, at := range rdn {
			b = append(b, '/')
			b = append(b, attrName(at.Type)...)
			b = append(b, '=')
			s, ok := rdnValue(at.Value)
			if !ok {
				s = fmt.Sprint(at.Value)
			}
			for i := 0; i < len(s); i++ {
				if c := s[i]; c < ' ' || c > '~' {
					b = fmt.Appendf(b, "\\x%02X", c)
				} else {
					b = append(b, c)
				}
			}
		}
	}
	return b
}

// appendNameCompat is X509_NAME_print, which X509_print uses: the
// one-line form with ", " for each slash that starts an attribute of
// upper-case short name.
func appendNameCompat(b []byte, der []byte) []byte {
	s := appendNameOnelineSlash(nil, der)
	if len(s) == 0 {
		return b
	}
	s = s[1:]
	start := 0
	for i := 0; i <= len(s); i++ {
		sep := i < len(s) && s[i] == '/' && i+2 < len(s) && isUpper(s[i+1]) &&
			(s[i+2] == '=' || (isUpper(s[i+2]) && i+3 < len(s) && s[i+3] == '='))
		if sep || i == len(s) {
			b = append(b, s[start:i]...)
			if i < len(s) {
				b = append(b, ", "...)
			}
			start = i + 1
		}
	}
	return b
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// appendNameOneline is X509_NAME_print_ex with XN_FLAG_ONELINE:
// "C = FR, O = x, CN = y", RFC 2253 escapes, a value with special
// characters quoted.
func appendNameOneline(b []byte, der []byte) []byte {
	for i, rdn := range parseName(der) {
		if i > 0 {
			b = append(b, ", "...)
		}
		for j, at := range rdn {
			if j > 0 {
				b = append(b, " + "...)
			}
			name := attrName(at.Type)
			b = append(b, name+" = "...)
			s, ok := rdnValue(at.Value)
			if !ok || name == at.Type.String() {
				// An unknown type: its DER, in hex.
				der, _ := asn1.Marshal(at.Value)
				b = append(b, '#')
				b = fmt.Appendf(b, "%X", der)
				continue
			}
			b = appendEscaped2253(b, s)
		}
	}
	return b
}

func appendEscaped2253(b []byte, s string) []byte {
	quote := strings.ContainsAny(s, ",+\"\\<>;")
	if quote {
		b = append(b, '"')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case !quote && (i == 0 && (c == '#' || c == ' ') || i == len(s)-1 && c == ' '):
			b = append(b, '\\', c)
		case c < ' ' || c >= 0x7f:
			b = fmt.Appendf(b, "\\%02X", c)
		default:
			b = append(b, c)
		}
	}
	if quote {
		b = append(b, '"')
	}
	return b
}

// oidText is OpenSSL's long name of an object, or its numbers.
func oidText(o asn1.ObjectIdentifier) string {
	s := o.String()
	if n, ok := oidLongNames[s]; ok {
		return n
	}
	return s
}

var oidLongNames = map[string]string{
	"1.3.14.3.2.26":           "sha1",
	"2.16.840.1.101.3.4.2.1":  "sha256",
	"2.16.840.1.101.3.4.2.2":  "sha384",
	"2.16.840.1.101.3.4.2.3":  "sha512",
	"2.16.840.1.101.3.4.2.4":  "sha224",
	"1.2.840.113549.2.5":      "md5",
	"1.3.6.1.5.5.7.48.1.1":    "Basic OCSP Response",
	"1.3.6.1.5.5.7.48.1.2":    "OCSP Nonce",
	"1.3.6.1.5.5.7.48.1.3":    "OCSP CRL ID",
	"1.3.6.1.5.5.7.48.1.4":    "Acceptable OCSP Responses",
	"1.3.6.1.5.5.7.48.1.5":    "OCSP No Check",
	"1.3.6.1.5.5.7.48.1.6":    "OCSP Archive Cutoff",
	"1.3.6.1.5.5.7.48.1.7":    "OCSP Service Locator",
	"1.3.6.1.5.5.7.48.1":      "OCSP",
	"1.3.6.1.5.5.7.48.2":      "CA Issuers",
	"1.2.840.113549.1.1.1":    "rsaEncryption",
	"1.2.840.113549.1.1.4":    "md5WithRSAEncryption",
	"1.2.840.113549.1.1.5":    "sha1WithRSAEncryption",
	"1.2.840.113549.1.1.10":   "rsassaPss",
	"1.2.840.113549.1.1.11":   "sha256WithRSAEncryption",
	"1.2.840.113549.1.1.12":   "sha384WithRSAEncryption",
	"1.2.840.113549.1.1.13":   "sha512WithRSAEncryption",
	"1.2.840.113549.1.1.14":   "sha224WithRSAEncryption",
	"1.2.840.10045.2.1":       "id-ecPublicKey",
	"1.2.840.10045.4.1":       "ecdsa-with-SHA1",
	"1.2.840.10045.4.3.1":     "ecdsa-with-SHA224",
	"1.2.840.10045.4.3.2":     "ecdsa-with-SHA256",
	"1.2.840.10045.4.3.3":     "ecdsa-with-SHA384",
	"1.2.840.10045.4.3.4":     "ecdsa-with-SHA512",
	"1.3.101.112":             "ED25519",
	"2.5.29.14":               "X509v3 Subject Key Identifier",
	"2.5.29.15":               "X509v3 Key Usage",
	"2.5.29.17":               "X509v3 Subject Alternative Name",
	"2.5.29.18":               "X509v3 Issuer Alternative Name",
	"2.5.29.19":               "X509v3 Basic Constraints",
	"2.5.29.31":               "X509v3 CRL Distribution Points",
	"2.5.29.32":               "X509v3 Certificate Policies",
	"2.5.29.35":               "X509v3 Authority Key Identifier",
	"2.5.29.37":               "X509v3 Extended Key Usage",
	"1.3.6.1.5.5.7.1.1":       "Authority Information Access",
	"1.3.6.1.5.5.7.3.1":       "TLS Web Server Authentication",
	"1.3.6.1.5.5.7.3.2":       "TLS Web Client Authentication",
	"1.3.6.1.5.5.7.3.3":       "Code Signing",
	"1.3.6.1.5.5.7.3.4":       "E-mail Protection",
	"1.3.6.1.5.5.7.3.8":       "Time Stamping",
	"1.3.6.1.5.5.7.3.9":       "OCSP Signing",
	"2.5.29.37.0":             "Any Extended Key Usage",
	"1.3.6.1.4.1.11129.2.4.2": "CT Precertificate SCTs",
}
