package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"time"

	"switchyard/backend"
	"switchyard/proxyproto"
	"switchyard/sample"
	"switchyard/ssl"
)

// proxyHeader is the PROXY protocol header a new connection to srv begins
// with for a stream (send-proxy, send-proxy-v2), nil when srv takes none.
// As haproxy's, it gives the stream's addresses (after a received PROXY
// header, set-src, set-dst…); a version 2 one carries the TLVs
// proxy-v2-options asks for: the authority a received header gave (or
// else the name the client's TLS handshake sent), the stream's unique id
// (uid, nil in TCP mode, where proxy-v2-options unique-id is refused at
// load) and how the client connected (the SSL TLV); and, as haproxy's,
// the protocol the client's handshake negotiated (ALPN) whatever the
// options. The TLVs are in haproxy's order.
func proxyHeader(srv *backend.Server, ctx *sample.Ctx, uid func() []byte) []byte {
	sp := srv.Settings().SendProxy
	if !sp.On() {
		return nil
	}
	known := ctx.Src.IsValid() && ctx.Dst.IsValid()
	if !sp.V2 {
		if !known {
			return []byte("PROXY UNKNOWN\r\n")
		}
		return proxyproto.AppendV1(nil, ctx.Src, ctx.Dst)
	}
	if !known {
		return proxyproto.AppendV2Local(nil)
	}
	var tlvs []proxyproto.TLV
	st := ctx.FrontTLS
	if st != nil && st.NegotiatedProtocol != "" {
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeALPN, Value: []byte(st.NegotiatedProtocol)})
	}
	if sp.Authority {
		switch {
		case ctx.PP != nil && ctx.PP.Authority != nil:
			tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeAuthority, Value: ctx.PP.Authority})
		case st != nil && st.ServerName != "":
			tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeAuthority, Value: []byte(st.ServerName)})
		}
	}
	if sp.UniqueID && uid != nil {
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeUniqueID, Value: uid()})
	}
	if sp.SSL {
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeSSL, Value: sslTLV(sp, st, ssl.FrontNotes(ctx))})
	}
	return proxyproto.AppendV2(nil, ctx.Src, ctx.Dst, sp.CRC32C, tlvs...)
}

// sslTLV is the value of the SSL TLV for a client connection whose
// handshake is st (nil: in clear, which the TLV says with a client byte
// of 0 and nothing else) and whose bind noted n: the TLS version always;
// the client certificate's presence and verification; and what sp's
// options ask for, each only when known: the common name of the client's
// certificate, the cipher, and the algorithms of the certificate the
// bind served.
func sslTLV(sp backend.SendProxy, st *tls.ConnectionState, n *ssl.Notes) []byte {
	var v proxyproto.SSL
	if st == nil {
		return proxyproto.AppendSSL(nil, v)
	}
	v.Client = proxyproto.ClientSSL
	add := func(typ byte, s string) {
		if s != "" {
			v.Sub = append(v.Sub, proxyproto.TLV{Type: typ, Value: []byte(s)})
		}
	}
	add(proxyproto.SubtypeSSLVersion, ssl.VersionName(st.Version))
	var peer *x509.Certificate
	if len(st.PeerCertificates) > 0 {
		peer = st.PeerCertificates[0]
		// A resumed session remembers the certificate; only a full
		// handshake had the client send it on this connection.
		v.Client |= proxyproto.ClientCertSess
		if !st.DidResume {
			v.Client |= proxyproto.ClientCertConn
		}
		if n != nil {
			v.Verify = uint32(n.Verify.Last)
		}
	}
	if sp.SSLCN && peer != nil {
		add(proxyproto.SubtypeSSLCN, ssl.CommonName(peer))
	}
	var served *x509.Certificate
	if n != nil {
		served = n.Served
	}
	if sp.SSLKey && served != nil {
		add(proxyproto.SubtypeSSLKeyAlg, ssl.KeyAlgo(served))
	}
	if sp.SSLSig && served != nil {
		add(proxyproto.SubtypeSSLSigAlg, ssl.SigAlgName(served))
	}
	if sp.SSLCipher {
		add(proxyproto.SubtypeSSLCipher, ssl.CipherName(st.CipherSuite))
	}
	return proxyproto.AppendSSL(nil, v)
}

// sendProxyHeader writes pp on c within timeout. It goes around the
// connection's byte counts: the header is the connection's, not the
// stream's data.
func sendProxyHeader(c net.Conn, pp []byte, timeout time.Duration) error {
	if timeout > 0 {
		c.SetWriteDeadline(time.Now().Add(timeout))
		defer c.SetWriteDeadline(time.Time{})
	}
	_, err := c.Write(pp)
	return err
}
