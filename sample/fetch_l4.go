package sample

import "net/netip"

// l4Fetches read the connection's addresses. haproxy declares the
// addresses as IPv4 even though they may be IPv6 at run time, which decides
// which casts are allowed at config time; we keep that.
var l4Fetches = []fetchDef{
	{name: "dst", out: TypeIPv4, src: SrcL4, fn: fetchAddr(func(c *Ctx) netip.AddrPort { return c.Dst })},
	{name: "dst_port", out: TypeInt, src: SrcL4, fn: fetchPort(func(c *Ctx) netip.AddrPort { return c.Dst })},
	{name: "src", out: TypeIPv4, src: SrcL4, fn: fetchAddr(func(c *Ctx) netip.AddrPort { return c.Src })},
	{name: "src_port", out: TypeInt, src: SrcL4, fn: fetchPort(func(c *Ctx) netip.AddrPort { return c.Src })},
	{name: "fc_dst", out: TypeIPv4, src: SrcL4, fn: fetchAddr(func(c *Ctx) netip.AddrPort { return c.frontConn(true) })},
	{name: "fc_dst_port", out: TypeInt, src: SrcL4, fn: fetchPort(func(c *Ctx) netip.AddrPort { return c.frontConn(true) })},
	{name: "fc_src", out: TypeIPv4, src: SrcL4, fn: fetchAddr(func(c *Ctx) netip.AddrPort { return c.frontConn(false) })},
	{name: "fc_src_port", out: TypeInt, src: SrcL4, fn: fetchPort(func(c *Ctx) netip.AddrPort { return c.frontConn(false) })},
	{name: "fc_rcvd_proxy", out: TypeBool, src: SrcL4, fn: func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) { return Bool(c.PP != nil), cursor{}, true }},
	{name: "fc_pp_authority", out: TypeStr, src: SrcL4, fn: fetchPP(func(p *ProxyInfo) []byte { return p.Authority })},
	{name: "fc_pp_unique_id", out: TypeStr, src: SrcL4, fn: fetchPP(func(p *ProxyInfo) []byte { return p.UniqueID })},
}

func fetchAddr(get func(*Ctx) netip.AddrPort) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		ap := get(c)
		return IP(ap.Addr()), cursor{}, ap.IsValid()
	}
}

func fetchPort(get func(*Ctx) netip.AddrPort) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		ap := get(c)
		// A port of 0 (set-src-port 0, or no port at all) is no port.
		return Int(int64(ap.Port())), cursor{}, ap.IsValid() && ap.Port() != 0
	}
}

// fetchPP reads a TLV of the connection's PROXY header: nothing when no
// header came or it did not carry that TLV.
func fetchPP(tlv func(*ProxyInfo) []byte) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		if c.PP == nil {
			return Value{}, cursor{}, false
		}
		v := tlv(c.PP)
		if v == nil {
			return Value{}, cursor{}, false
		}
		return Str(v), cursor{}, true
	}
}
