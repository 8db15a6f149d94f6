package proxy

import (
	"net"
	"time"

	"switchyard/backend"
	"switchyard/proxyproto"
	"switchyard/sample"
)

// proxyHeader is the PROXY protocol header a new connection to srv begins
// with for a stream (send-proxy, send-proxy-v2), nil when srv takes none.
// As haproxy's, it gives the stream's addresses (after a received PROXY
// header, set-src, set-dst…); a version 2 one carries the TLVs
// proxy-v2-options asks for: the authority a received header gave, and
// the stream's unique id (uid, nil in TCP mode, where proxy-v2-options
// unique-id is refused at load).
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
	if sp.Authority && ctx.PP != nil && ctx.PP.Authority != nil {
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeAuthority, Value: ctx.PP.Authority})
	}
	if sp.UniqueID && uid != nil {
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.TypeUniqueID, Value: uid()})
	}
	return proxyproto.AppendV2(nil, ctx.Src, ctx.Dst, sp.CRC32C, tlvs...)
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
