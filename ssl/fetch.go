package ssl

import (
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"time"

	"switchyard/sample"
)

// The ssl_fc_* and ssl_c_* fetches: the client connection's handshake
// (sample.Ctx.FrontTLS) and the certificate the client presented.

func init() {
	cs := func(c *sample.Ctx) *tls.ConnectionState { return c.FrontTLS }
	reg := func(name string, out sample.Type, args []sample.ArgType, min int, fn func(c *sample.Ctx, st *tls.ConnectionState, args []sample.Arg) (sample.Value, bool)) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: out, Src: sample.SrcL4, Args: args, MinArgs: min,
			Compile: func(_ *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
				if strings.HasPrefix(name, "ssl_c_") && strings.HasSuffix(name, "_dn") {
					if err := checkDNArgs(a); err != nil {
						return nil, err
					}
				}
				return func(c *sample.Ctx) (sample.Value, bool) {
					st := cs(c)
					if st == nil && name != "ssl_fc" {
						return sample.Value{}, false
					}
					return fn(c, st, a)
				}, nil
			}})
	}
	str := func(c *sample.Ctx, s string) (sample.Value, bool) {
		mark := len(c.Scratch)
		c.Scratch = append(c.Scratch, s...)
		return sample.Str(c.Scratch[mark:]), true
	}
	bin := func(c *sample.Ctx, b []byte) (sample.Value, bool) {
		mark := len(c.Scratch)
		c.Scratch = append(c.Scratch, b...)
		return sample.Value{Kind: sample.KindBin, Str: c.Scratch[mark:]}, true
	}
	peer := func(st *tls.ConnectionState) *x509.Certificate {
		if len(st.PeerCertificates) == 0 {
			return nil
		}
		return st.PeerCertificates[0]
	}
	reg("ssl_fc", sample.TypeBool, nil, 0, func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Bool(st != nil), true
	})
	reg("ssl_fc_sni", sample.TypeStr, nil, 0, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		if st.ServerName == "" {
			return sample.Value{}, false
		}
		return str(c, st.ServerName)
	})
	reg("ssl_fc_has_sni", sample.TypeBool, nil, 0, func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Bool(st.ServerName != ""), true
	})
	reg("ssl_fc_protocol", sample.TypeStr, nil, 0, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return str(c, VersionName(st.Version))
	})
	reg("ssl_fc_cipher", sample.TypeStr, nil, 0, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return str(c, CipherName(st.CipherSuite))
	})
	reg("ssl_fc_alpn", sample.TypeStr, nil, 0, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		if st.NegotiatedProtocol == "" {
			return sample.Value{}, false
		}
		return str(c, st.NegotiatedProtocol)
	})
	resumed := func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Bool(st.DidResume), true
	}
	reg("ssl_fc_is_resumed", sample.TypeBool, nil, 0, resumed)
	reg("ssl_fc_session_reused", sample.TypeBool, nil, 0, resumed)
	keysize := func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Int(int64(cipherBits(st.CipherSuite))), true
	}
	reg("ssl_fc_use_keysize", sample.TypeInt, nil, 0, keysize)
	reg("ssl_fc_alg_keysize", sample.TypeInt, nil, 0, keysize)
	hasCrt := func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Bool(len(st.PeerCertificates) > 0), true
	}
	reg("ssl_fc_has_crt", sample.TypeBool, nil, 0, hasCrt)
	reg("ssl_c_used", sample.TypeBool, nil, 0, hasCrt)
	// A handshake that completed verified what it had to (a failed
	// verification ends it): 0 is X509_V_OK.
	reg("ssl_c_verify", sample.TypeInt, nil, 0, func(*sample.Ctx, *tls.ConnectionState, []sample.Arg) (sample.Value, bool) {
		return sample.Int(0), true
	})
	reg("ssl_c_err", sample.TypeInt, nil, 0, func(*sample.Ctx, *tls.ConnectionState, []sample.Arg) (sample.Value, bool) {
		return sample.Int(0), true
	})
	reg("ssl_c_ca_err", sample.TypeInt, nil, 0, func(*sample.Ctx, *tls.ConnectionState, []sample.Arg) (sample.Value, bool) {
		return sample.Int(0), true
	})
	certFetch := func(name string, out sample.Type, args []sample.ArgType, get func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool)) {
		reg(name, out, args, 0, func(c *sample.Ctx, st *tls.ConnectionState, a []sample.Arg) (sample.Value, bool) {
			x := peer(st)
			if x == nil {
				return sample.Value{}, false
			}
			return get(c, x, a)
		})
	}
	dnArgs := []sample.ArgType{sample.ArgStr, sample.ArgInt, sample.ArgStr}
	certFetch("ssl_c_s_dn", sample.TypeStr, dnArgs, func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool) {
		s, ok := FormatDN(x.RawSubject, a)
		if !ok {
			return sample.Value{}, false
		}
		return str(c, s)
	})
	certFetch("ssl_c_i_dn", sample.TypeStr, dnArgs, func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool) {
		s, ok := FormatDN(x.RawIssuer, a)
		if !ok {
			return sample.Value{}, false
		}
		return str(c, s)
	})
	certFetch("ssl_c_serial", sample.TypeBin, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return bin(c, x.SerialNumber.Bytes())
	})
	certFetch("ssl_c_sha1", sample.TypeBin, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		h := sha1.Sum(x.Raw)
		return bin(c, h[:])
	})
	certFetch("ssl_c_der", sample.TypeBin, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return bin(c, x.Raw)
	})
	certFetch("ssl_c_notafter", sample.TypeStr, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, ASN1Time(x.NotAfter))
	})
	certFetch("ssl_c_notbefore", sample.TypeStr, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, ASN1Time(x.NotBefore))
	})
	certFetch("ssl_c_version", sample.TypeInt, nil, func(_ *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return sample.Int(int64(x.Version)), true
	})
	certFetch("ssl_c_key_alg", sample.TypeStr, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, keyAlgName(x))
	})
	certFetch("ssl_c_sig_alg", sample.TypeStr, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, sigAlgName(x.SignatureAlgorithm))
	})
}

// ASN1Time is a certificate date as HAProxy prints it: the ASN.1 UTCTime
// string, YYMMDDhhmmssZ.
func ASN1Time(t time.Time) string { return t.UTC().Format("060102150405Z") }

// CipherName is a suite's OpenSSL name, as ssl_fc_cipher reports it.
func CipherName(id uint16) string {
	for _, c := range ciphers {
		if c.id == id {
			return c.openssl
		}
	}
	return tls.CipherSuiteName(id) // TLS 1.3 suites share their IANA names with OpenSSL
}

func cipherBits(id uint16) int {
	name := tls.CipherSuiteName(id)
	switch {
	case strings.Contains(name, "AES_128"):
		return 128
	case strings.Contains(name, "AES_256"), strings.Contains(name, "CHACHA20"):
		return 256
	case strings.Contains(name, "3DES"):
		return 112
	case strings.Contains(name, "RC4"):
		return 128
	}
	return 0
}

func keyAlgName(x *x509.Certificate) string {
	switch x.PublicKeyAlgorithm {
	case x509.RSA:
		return "rsaEncryption"
	case x509.ECDSA:
		return "id-ecPublicKey"
	case x509.Ed25519:
		return "ED25519"
	}
	return x.PublicKeyAlgorithm.String()
}

func sigAlgName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}

// shortNames are OpenSSL's short names of the attributes of a DN.
var shortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"2.5.4.5": "serialNumber", "2.5.4.9": "street", "2.5.4.12": "title", "2.5.4.4": "SN", "2.5.4.42": "GN",
	"2.5.4.43": "initials", "2.5.4.44": "generationQualifier", "2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym",
	"2.5.4.17": "postalCode", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
	"1.2.840.113549.1.9.1": "emailAddress",
}

func checkDNArgs(a []sample.Arg) error {
	if len(a) > 2 && a[2].Set && a[2].Str != "rfc2253" {
		return fmt.Errorf("only rfc2253 or a blank value are currently supported as the format argument")
	}
	if len(a) > 1 && a[1].Set && !a[0].Set {
		return fmt.Errorf("an occurrence needs an entry name")
	}
	return nil
}

// FormatDN renders a DN as HAProxy's ssl_*_dn fetches do: OpenSSL's
// one-line form "/C=FR/O=x/CN=y" by default, RFC 2253 with the format
// argument; with an entry name (and an occurrence, 1 the first, -1 the
// last), only that entry's value.
func FormatDN(raw []byte, a []sample.Arg) (string, bool) {
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &rdns); err != nil {
		return "", false
	}
	type attr struct{ name, value string }
	var attrs []attr
	for _, set := range rdns {
		for _, tv := range set {
			name, ok := shortNames[tv.Type.String()]
			if !ok {
				name = tv.Type.String()
			}
			attrs = append(attrs, attr{name, fmt.Sprint(tv.Value)})
		}
	}
	if len(a) > 0 && a[0].Set && a[0].Str != "" {
		occ := int64(1)
		if len(a) > 1 && a[1].Set {
			occ = a[1].Int
		}
		var match []string
		for _, at := range attrs {
			if at.name == a[0].Str {
				match = append(match, at.value)
			}
		}
		i := int(occ) - 1
		if occ < 0 {
			i = len(match) + int(occ)
		}
		if occ == 0 || i < 0 || i >= len(match) {
			return "", false
		}
		return match[i], true
	}
	var b strings.Builder
	if len(a) > 2 && a[2].Set { // rfc2253: last first, comma separated
		for i := len(attrs) - 1; i >= 0; i-- {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(attrs[i].name + "=" + escape2253(attrs[i].value))
		}
		return b.String(), true
	}
	for _, at := range attrs {
		b.WriteString("/" + at.name + "=" + at.value)
	}
	return b.String(), true
}

func escape2253(s string) string {
	var b strings.Builder
	for i, r := range s {
		if strings.ContainsRune(",+\"\\<>;", r) || (i == 0 && (r == '#' || r == ' ')) || (i == len(s)-1 && r == ' ') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
