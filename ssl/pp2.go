package ssl

import (
	"crypto/dsa" //nolint:staticcheck // DSA keys are only measured, as OpenSSL names them
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strconv"
)

// What a PROXY v2 header's SSL TLV says of certificates (send-proxy-v2-ssl
// and its proxy-v2-options), in OpenSSL's words as haproxy sends them.

var oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}

// CommonName is the first common name of x's subject ("": none).
func CommonName(x *x509.Certificate) string {
	for _, at := range x.Subject.Names {
		if at.Type.Equal(oidCN) {
			if s, ok := at.Value.(string); ok {
				return s
			}
			return fmt.Sprint(at.Value)
		}
	}
	return ""
}

// KeyAlgo is x's key algorithm and size as haproxy names them: "RSA2048",
// "EC256", "DSA1024"; "" for another kind of key (Ed25519), for which
// haproxy sends nothing.
func KeyAlgo(x *x509.Certificate) string {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA" + strconv.Itoa(k.N.BitLen())
	case *ecdsa.PublicKey:
		return "EC" + strconv.Itoa(k.Curve.Params().BitSize)
	case *dsa.PublicKey:
		return "DSA" + strconv.Itoa(k.P.BitLen())
	}
	return ""
}

// SigAlgName is x's signature algorithm by OpenSSL's short name, as
// ssl_c_sig_alg reports it ("RSA-SHA256", "ecdsa-with-SHA256").
func SigAlgName(x *x509.Certificate) string { return sigAlgName(x.SignatureAlgorithm) }
