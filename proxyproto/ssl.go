package proxyproto

import (
	"encoding/binary"
	"fmt"
)

// The PP2_TYPE_SSL TLV of a version 2 header: how the client connected to
// the proxy that sends the header. Its value is a client byte (the PP2_CLIENT_*
// bits), the certificate verification's result (4 bytes, 0 when verified
// or when no certificate was presented), then sub-TLVs.

// Bits of the SSL TLV's client byte.
const (
	ClientSSL      = 0x01 // the client connected over TLS
	ClientCertConn = 0x02 // it presented a certificate on this connection
	ClientCertSess = 0x04 // it presented one on this TLS session (maybe resumed)
)

// Sub-TLV types of the SSL TLV.
const (
	SubtypeSSLVersion = 0x21 // TLS version, "TLSv1.3"
	SubtypeSSLCN      = 0x22 // the client certificate's subject common name
	SubtypeSSLCipher  = 0x23 // the cipher's name, "TLS_AES_128_GCM_SHA256"
	SubtypeSSLSigAlg  = 0x24 // the served certificate's signature algorithm
	SubtypeSSLKeyAlg  = 0x25 // the served certificate's key algorithm, "RSA2048"
)

// SSL is the value of an SSL TLV.
type SSL struct {
	Client byte
	Verify uint32
	Sub    []TLV
}

// AppendSSL appends s as the value of an SSL TLV.
func AppendSSL(dst []byte, s SSL) []byte {
	dst = append(dst, s.Client)
	dst = binary.BigEndian.AppendUint32(dst, s.Verify)
	for _, t := range s.Sub {
		dst = append(dst, t.Type)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(t.Value)))
		dst = append(dst, t.Value...)
	}
	return dst
}

// ParseSSL reads the value of an SSL TLV.
func ParseSSL(v []byte) (SSL, error) {
	if len(v) < 5 {
		return SSL{}, fmt.Errorf("SSL TLV of %d bytes", len(v))
	}
	s := SSL{Client: v[0], Verify: binary.BigEndian.Uint32(v[1:5])}
	for b := v[5:]; len(b) > 0; {
		if len(b) < 3 {
			return SSL{}, fmt.Errorf("SSL TLV: truncated sub-TLV")
		}
		n := int(binary.BigEndian.Uint16(b[1:3]))
		if 3+n > len(b) {
			return SSL{}, fmt.Errorf("SSL TLV: sub-TLV longer than the TLV")
		}
		s.Sub = append(s.Sub, TLV{Type: b[0], Value: b[3 : 3+n]})
		b = b[3+n:]
	}
	return s, nil
}

// Find returns the value of the first TLV of type typ in tlvs.
func Find(tlvs []TLV, typ byte) ([]byte, bool) {
	for _, t := range tlvs {
		if t.Type == typ {
			return t.Value, true
		}
	}
	return nil, false
}
