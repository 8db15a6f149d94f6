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

// fetchFn computes a fetch from the client connection's handshake.
type fetchFn func(c *sample.Ctx, st *tls.ConnectionState, a []sample.Arg) (sample.Value, bool)

// register adds a fetch that finds nothing on a clear connection.
func register(name string, out sample.Type, args []sample.ArgType, check func([]sample.Arg) error, fn fetchFn) {
	sample.RegisterFetch(sample.FetchDef{Name: name, Out: out, Src: sample.SrcL4, Args: args,
		Compile: func(_ *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
			if check != nil {
				if err := check(a); err != nil {
					return nil, err
				}
			}
			return func(c *sample.Ctx) (sample.Value, bool) {
				if c.FrontTLS == nil {
					return sample.Value{}, false
				}
				return fn(c, c.FrontTLS, a)
			}, nil
		}})
}

// BackTLS finds the handshake of a stream's server connection (nil: none
// yet, or in clear). The proxy, which knows the streams, sets it.
var BackTLS = func(*sample.Ctx) *tls.ConnectionState { return nil }

// registerBack adds a fetch of the server connection's handshake
// (ssl_bc_*), known once the server is connected: in response rules and
// logs.
func registerBack(name string, out sample.Type, fn fetchFn) {
	sample.RegisterFetch(sample.FetchDef{Name: name, Out: out, Src: sample.SrcServer,
		Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
			return func(c *sample.Ctx) (sample.Value, bool) {
				st := BackTLS(c)
				if st == nil {
					return sample.Value{}, false
				}
				return fn(c, st, nil)
			}, nil
		}})
}

// certGet is a fetch of one certificate's field.
type certGet func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool)

// certFetch registers a fetch of a certificate's field three times, as
// haproxy has them: ssl_c_* (the client's certificate), ssl_f_* (the one
// the bind served it) and ssl_s_* (the server's, on a server connection).
func certFetch(field string, out sample.Type, args []sample.ArgType, check func([]sample.Arg) error, get certGet) {
	register("ssl_c_"+field, out, args, check, func(c *sample.Ctx, st *tls.ConnectionState, a []sample.Arg) (sample.Value, bool) {
		if len(st.PeerCertificates) == 0 {
			return sample.Value{}, false
		}
		return get(c, st.PeerCertificates[0], a)
	})
	certOf("ssl_f_"+field, sample.SrcL4, out, args, check, func(c *sample.Ctx) *x509.Certificate {
		if n := FrontNotes(c); n != nil {
			return n.Served
		}
		return nil
	}, get)
	certOf("ssl_s_"+field, sample.SrcServer, out, args, check, func(c *sample.Ctx) *x509.Certificate {
		if st := BackTLS(c); st != nil && len(st.PeerCertificates) > 0 {
			return st.PeerCertificates[0]
		}
		return nil
	}, get)
}

// certOf registers a fetch of the certificate find finds.
func certOf(name string, src sample.Source, out sample.Type, args []sample.ArgType, check func([]sample.Arg) error, find func(*sample.Ctx) *x509.Certificate, get certGet) {
	sample.RegisterFetch(sample.FetchDef{Name: name, Out: out, Src: src, Args: args,
		Compile: func(_ *sample.Env, a []sample.Arg) (sample.FetchFunc, error) {
			if check != nil {
				if err := check(a); err != nil {
					return nil, err
				}
			}
			return func(c *sample.Ctx) (sample.Value, bool) {
				x := find(c)
				if x == nil {
					return sample.Value{}, false
				}
				return get(c, x, a)
			}, nil
		}})
}

// chainDER is certificates' DER, one after the other.
func chainDER(c *sample.Ctx, certs []*x509.Certificate) (sample.Value, bool) {
	if len(certs) == 0 {
		return sample.Value{}, false
	}
	mark := len(c.Scratch)
	for _, x := range certs {
		c.Scratch = append(c.Scratch, x.Raw...)
	}
	return sample.Value{Kind: sample.KindBin, Str: c.Scratch[mark:]}, true
}

// str and bin return b copied into the context's scratch space.
func str(c *sample.Ctx, s string) (sample.Value, bool) {
	mark := len(c.Scratch)
	c.Scratch = append(c.Scratch, s...)
	return sample.Str(c.Scratch[mark:]), true
}

func bin(c *sample.Ctx, b []byte) (sample.Value, bool) {
	mark := len(c.Scratch)
	c.Scratch = append(c.Scratch, b...)
	return sample.Value{Kind: sample.KindBin, Str: c.Scratch[mark:]}, true
}

func init() {
	// ssl_fc is false, not absent, on a clear connection.
	sample.RegisterFetch(sample.FetchDef{Name: "ssl_fc", Out: sample.TypeBool, Src: sample.SrcL4,
		Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
			return func(c *sample.Ctx) (sample.Value, bool) { return sample.Bool(c.FrontTLS != nil), true }, nil
		}})
	register("ssl_fc_sni", sample.TypeStr, nil, nil, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		if st.ServerName == "" {
			return sample.Value{}, false
		}
		return str(c, st.ServerName)
	})
	// Booleans on every connection, false on a clear one, as haproxy's.
	frontBool := func(name string, get func(*tls.ConnectionState) bool) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: sample.TypeBool, Src: sample.SrcL4,
			Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
				return func(c *sample.Ctx) (sample.Value, bool) {
					return sample.Bool(c.FrontTLS != nil && get(c.FrontTLS)), true
				}, nil
			}})
	}
	frontBool("ssl_fc_has_sni", func(st *tls.ConnectionState) bool { return st.ServerName != "" })
	resumed := func(st *tls.ConnectionState) bool { return st.DidResume }
	frontBool("ssl_fc_is_resumed", resumed)
	frontBool("ssl_fc_session_reused", resumed)
	sample.RegisterFetch(sample.FetchDef{Name: "ssl_bc_is_resumed", Out: sample.TypeBool, Src: sample.SrcServer,
		Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
			return func(c *sample.Ctx) (sample.Value, bool) {
				st := BackTLS(c)
				return sample.Bool(st != nil && st.DidResume), true
			}, nil
		}})
	// What both sides' handshakes tell: ssl_fc_* and ssl_bc_*.
	both := []struct {
		name string
		out  sample.Type
		fn   fetchFn
	}{
		{"protocol", sample.TypeStr, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			return str(c, VersionName(st.Version))
		}},
		{"cipher", sample.TypeStr, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			return str(c, CipherName(st.CipherSuite))
		}},
		{"alpn", sample.TypeStr, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			if st.NegotiatedProtocol == "" {
				return sample.Value{}, false
			}
			return str(c, st.NegotiatedProtocol)
		}},
		{"use_keysize", sample.TypeInt, func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			use, _ := cipherBits(st.CipherSuite)
			return sample.Int(int64(use)), true
		}},
		{"alg_keysize", sample.TypeInt, func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			_, alg := cipherBits(st.CipherSuite)
			return sample.Int(int64(alg)), true
		}},
	}
	for _, f := range both {
		register("ssl_fc_"+f.name, f.out, nil, nil, f.fn)
		registerBack("ssl_bc_"+f.name, f.out, f.fn)
	}
	// ssl_bc is false, not absent, on a clear server connection.
	sample.RegisterFetch(sample.FetchDef{Name: "ssl_bc", Out: sample.TypeBool, Src: sample.SrcServer,
		Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
			return func(c *sample.Ctx) (sample.Value, bool) { return sample.Bool(BackTLS(c) != nil), true }, nil
		}})
	hasCrt := func(_ *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return sample.Bool(len(st.PeerCertificates) > 0), true
	}
	register("ssl_fc_has_crt", sample.TypeBool, nil, nil, hasCrt)
	register("ssl_c_used", sample.TypeBool, nil, nil, hasCrt)
	// A handshake that completed verified what it had to (a failed
	// verification ends it): 0 is X509_V_OK.
	// The verification's errors: 0 unless the bind ignores some
	// (ca-ignore-err, crt-ignore-err); otherwise a failed verification
	// ends the handshake.
	for name, get := range map[string]func(VerifyResult) int{
		"ssl_c_verify": func(r VerifyResult) int { return r.Last },
		"ssl_c_err":    func(r VerifyResult) int { return r.Crt },
		"ssl_c_ca_err": func(r VerifyResult) int { return r.CA },
	} {
		register(name, sample.TypeInt, nil, nil, func(c *sample.Ctx, _ *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
			var r VerifyResult
			if n := FrontNotes(c); n != nil {
				r = n.Verify
			}
			return sample.Int(int64(get(r))), true
		})
	}
	dnArgs := []sample.ArgType{sample.ArgStr, sample.ArgInt, sample.ArgStr}
	certFetch("s_dn", sample.TypeStr, dnArgs, checkDNArgs, func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool) {
		return appendDN(c, x.Subject.Names, a)
	})
	certFetch("i_dn", sample.TypeStr, dnArgs, checkDNArgs, func(c *sample.Ctx, x *x509.Certificate, a []sample.Arg) (sample.Value, bool) {
		return appendDN(c, x.Issuer.Names, a)
	})
	certFetch("serial", sample.TypeBin, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return bin(c, x.SerialNumber.Bytes())
	})
	certFetch("sha1", sample.TypeBin, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		h := sha1.Sum(x.Raw)
		return bin(c, h[:])
	})
	certFetch("der", sample.TypeBin, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return bin(c, x.Raw)
	})
	certFetch("notafter", sample.TypeStr, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, ASN1Time(x.NotAfter))
	})
	certFetch("notbefore", sample.TypeStr, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, ASN1Time(x.NotBefore))
	})
	certFetch("version", sample.TypeInt, nil, nil, func(_ *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return sample.Int(int64(x.Version)), true
	})
	certFetch("key_alg", sample.TypeStr, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, keyAlgName(x))
	})
	certFetch("sig_alg", sample.TypeStr, nil, nil, func(c *sample.Ctx, x *x509.Certificate, _ []sample.Arg) (sample.Value, bool) {
		return str(c, sigAlgName(x.SignatureAlgorithm))
	})
	// The chains: the client's without its certificate (what OpenSSL
	// keeps of it on the server side), the server's with it.
	register("ssl_c_chain_der", sample.TypeBin, nil, nil, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		if len(st.PeerCertificates) < 2 {
			return sample.Value{}, false
		}
		return chainDER(c, st.PeerCertificates[1:])
	})
	registerBack("ssl_s_chain_der", sample.TypeBin, func(c *sample.Ctx, st *tls.ConnectionState, _ []sample.Arg) (sample.Value, bool) {
		return chainDER(c, st.PeerCertificates)
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

// cipherBits are a suite's key sizes: used, and the algorithm's.
func cipherBits(id uint16) (use, alg int) {
	for _, c := range ciphers {
		if c.id == id {
			return c.bits, c.alg
		}
	}
	return tls13Bits[id], tls13Bits[id]
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
	// OpenSSL's short names (OBJ_nid2sn), which haproxy prints.
	switch a {
	case x509.SHA256WithRSA:
		return "RSA-SHA256"
	case x509.SHA384WithRSA:
		return "RSA-SHA384"
	case x509.SHA512WithRSA:
		return "RSA-SHA512"
	case x509.SHA1WithRSA:
		return "RSA-SHA1"
	case x509.MD5WithRSA:
		return "RSA-MD5"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "RSASSA-PSS"
	case x509.DSAWithSHA1:
		return "DSA-SHA1"
	case x509.DSAWithSHA256:
		return "dsa_with_SHA256"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
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
var shortNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{2, 5, 4, 3}, "CN"}, {asn1.ObjectIdentifier{2, 5, 4, 6}, "C"},
	{asn1.ObjectIdentifier{2, 5, 4, 7}, "L"}, {asn1.ObjectIdentifier{2, 5, 4, 8}, "ST"},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, "O"}, {asn1.ObjectIdentifier{2, 5, 4, 11}, "OU"},
	{asn1.ObjectIdentifier{2, 5, 4, 5}, "serialNumber"}, {asn1.ObjectIdentifier{2, 5, 4, 9}, "street"},
	{asn1.ObjectIdentifier{2, 5, 4, 12}, "title"}, {asn1.ObjectIdentifier{2, 5, 4, 4}, "SN"},
	{asn1.ObjectIdentifier{2, 5, 4, 42}, "GN"}, {asn1.ObjectIdentifier{2, 5, 4, 43}, "initials"},
	{asn1.ObjectIdentifier{2, 5, 4, 44}, "generationQualifier"}, {asn1.ObjectIdentifier{2, 5, 4, 46}, "dnQualifier"},
	{asn1.ObjectIdentifier{2, 5, 4, 65}, "pseudonym"}, {asn1.ObjectIdentifier{2, 5, 4, 17}, "postalCode"},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, "DC"}, {asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, "UID"},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, "emailAddress"},
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

// appendDN renders a DN into the context's scratch space as HAProxy's
// ssl_*_dn fetches do: OpenSSL's one-line form "/C=FR/O=x/CN=y" by
// default, RFC 2253 with the format argument; with an entry name (and an
// occurrence, 1 the first, -1 the last), only that entry's value.
func appendDN(c *sample.Ctx, names []pkix.AttributeTypeAndValue, a []sample.Arg) (sample.Value, bool) {
	mark := len(c.Scratch)
	b, ok := AppendDN(c.Scratch, names, a)
	if !ok {
		return sample.Value{}, false
	}
	c.Scratch = b
	return sample.Str(b[mark:]), true
}

// AppendDN is appendDN on a byte slice.
func AppendDN(b []byte, names []pkix.AttributeTypeAndValue, a []sample.Arg) ([]byte, bool) {
	value := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
	if len(a) > 0 && a[0].Set && a[0].Str != "" {
		occ := 1
		if len(a) > 1 && a[1].Set {
			occ = int(a[1].Int)
		}
		n := 0
		for _, at := range names {
			if attrName(at.Type) == a[0].Str {
				n++
			}
		}
		i := occ - 1
		if occ < 0 {
			i = n + occ
		}
		if occ == 0 || i < 0 || i >= n {
			return b, false
		}
		for _, at := range names {
			if attrName(at.Type) == a[0].Str {
				if i == 0 {
					return append(b, value(at.Value)...), true
				}
				i--
			}
		}
	}
	if len(a) > 2 && a[2].Set { // rfc2253: last first, comma separated
		for i := len(names) - 1; i >= 0; i-- {
			if i != len(names)-1 {
				b = append(b, ',')
			}
			b = append(append(append(b, attrName(names[i].Type)...), '='), escape2253(value(names[i].Value))...)
		}
		return b, true
	}
	for _, at := range names {
		b = append(append(append(append(b, '/'), attrName(at.Type)...), '='), value(at.Value)...)
	}
	return b, true
}

// attrName is an attribute's OpenSSL short name, or its OID.
func attrName(oid asn1.ObjectIdentifier) string {
	for _, sn := range shortNames {
		if sn.oid.Equal(oid) {
			return sn.name
		}
	}
	return oid.String()
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
