package sample

import (
	"net/netip"
)

// bodyFetches read the request body, the request as a whole, addresses
// written in the request line or in headers.
var bodyFetches = []fetchDef{
	{name: "req.body", out: TypeBin, src: SrcHTTPReq, fn: fetchBody},
	{name: "req.body_len", out: TypeInt, src: SrcHTTPReq, fn: fetchBodyLen},
	{name: "req.body_size", out: TypeInt, src: SrcHTTPReq, fn: fetchBodySize},
	{name: "req.body_param", args: args(0, ArgStr), out: TypeBin, src: SrcHTTPReq, fn: fetchBodyParam},
	{name: "req.hdrs", out: TypeBin, src: SrcHTTPReq, fn: fetchReqHdrs},
	{name: "url_ip", out: TypeIPv4, src: SrcHTTPReq, fn: fetchURLAddr(false)},
	{name: "url_port", out: TypeInt, src: SrcHTTPReq, fn: fetchURLAddr(true)},
	{name: "hdr_ip", args: hdrArgs, validate: validateOcc, out: TypeIPv4, src: SrcHTTPReq, fn: hdrIP(reqHeaders)},
	{name: "req.hdr_ip", args: hdrArgs, validate: validateOcc, out: TypeIPv4, src: SrcHTTPReq, fn: hdrIP(reqHeaders)},
	{name: "res.hdr_ip", args: hdrArgs, validate: validateOcc, out: TypeIPv4, src: SrcHTTPRes, fn: hdrIP(resHeaders)},
	{name: "shdr_ip", args: hdrArgs, validate: validateOcc, out: TypeIPv4, src: SrcHTTPRes, fn: hdrIP(resHeaders)},
}

// fetchBody is the buffered body. Without buffering (Body nil) there is
// none; haproxy would return whatever part of it had arrived.
func fetchBody(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil || c.Body == nil {
		return Value{}, cursor{}, false
	}
	return binVal(c.Body), cursor{}, true
}

// fetchBodyLen is the length of the body received so far.
func fetchBodyLen(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil || c.Body == nil {
		return Value{}, cursor{}, false
	}
	return Int(int64(len(c.Body))), cursor{}, true
}

// fetchBodySize is the announced size of the body: what came and, for a
// Content-Length body, what is still to come.
func fetchBodySize(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	v, cur, ok := fetchBodyLen(c, a, cur)
	if ok && c.BodyLeft > 0 {
		v.Int += c.BodyLeft
	}
	return v, cur, ok
}

// fetchBodyParam is url_param for a form body ("a=1&b=2"): the first
// parameter called name, or the first one without a name; from an ACL,
// every match in turn. Values are not decoded.
func fetchBodyParam(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	if c.Req == nil || c.Body == nil {
		return Value{}, cursor{}, false
	}
	body := c.Body
	start, ok := findParamValue(body, cur.i, a[0].s, '&')
	if !ok {
		return Value{}, cursor{}, false
	}
	end := start
	for end < len(body) && !isParamDelim(body[end], '&') {
		end++
	}
	next := cursor{all: cur.all, i: end, more: cur.all && end < len(body)}
	return binVal(body[start:end]), next, true
}

// htxStartLine is the size of haproxy's internal start-line header,
// which req.len counts.
const htxStartLine = 20

// fetchReqHdrs is the header block as HTTP/1 text, with the names in
// lower case as haproxy keeps them, and the empty line ending it.
func fetchReqHdrs(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	r := c.Req
	if r == nil {
		return Value{}, cursor{}, false
	}
	start := len(c.Scratch)
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.Header(i)
		for _, b := range name {
			c.Scratch = append(c.Scratch, lower(b))
		}
		c.Scratch = append(c.Scratch, ':', ' ')
		c.Scratch = append(c.Scratch, value...)
		c.Scratch = append(c.Scratch, '\r', '\n')
	}
	c.Scratch = append(c.Scratch, '\r', '\n')
	return Str(scratchFrom(c, start)), cursor{}, true
}

// fetchURLAddr reads the IPv4 address, or the port, of an absolute
// http:// or https:// request target whose host is an IPv4 address, as
// haproxy's url2sa at run time (host names are not resolved).
func fetchURLAddr(port bool) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		if c.Req == nil {
			return Value{}, cursor{}, false
		}
		ip, p, ok := urlAddr(c.Req.URI())
		if !ok {
			return Value{}, cursor{}, false
		}
		if port {
			return Int(int64(p)), cursor{}, true
		}
		return IP(ip), cursor{}, true
	}
}

func urlAddr(u []byte) (netip.Addr, uint16, bool) {
	// The scheme is what precedes the first "://", of which only the last
	// eight bytes count, compared without case.
	i := indexOf(u, "://")
	if i < 0 {
		return netip.Addr{}, 0, false
	}
	var code uint64
	for _, b := range u[:i] {
		code = code<<8 + uint64(b)
	}
	code |= 0x2020202020202020
	port := uint32(80)
	switch code {
	case 0x2020202068747470: // http
	case 0x2020206874747073: // https
		port = 443
	default:
		return netip.Addr{}, 0, false
	}
	rest := u[i+3:]
	if len(rest) > 0 && rest[0] == '[' { // IPv6: found, but not an IPv4
		return netip.Addr{}, 0, false
	}
	ip, n := urlIPv4(rest)
	if n == 0 {
		return netip.Addr{}, 0, false
	}
	if rest = rest[n:]; len(rest) > 0 && rest[0] == ':' {
		port = readUint(rest[1:])
	}
	return ip, uint16(port), true
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// readUint reads leading decimal digits, wrapping as haproxy's read_uint.
func readUint(b []byte) uint32 {
	var n uint32
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}

// urlIPv4 reads a dotted quad at the start of b as haproxy's url2ipv4: it
// stops at the first byte that is neither a digit nor a dot, and returns
// how many bytes it read, 0 if there is no address.
func urlIPv4(b []byte) (netip.Addr, int) {
	var out [4]byte
	octets, sawDigit, i := 0, false, 0
	for ; i < len(b); i++ {
		ch := b[i]
		if ch == 0 || (ch < '0' || ch > '9') && ch != '.' {
			break
		}
		if ch >= '0' && ch <= '9' {
			if !sawDigit {
				if octets++; octets > 4 {
					return netip.Addr{}, 0
				}
				sawDigit = true
			}
			v := uint(out[octets-1])*10 + uint(ch-'0')
			if v > 255 {
				return netip.Addr{}, 0
			}
			out[octets-1] = byte(v)
		} else if sawDigit {
			if octets == 4 {
				return netip.Addr{}, 0
			}
			sawDigit = false
		} else {
			return netip.Addr{}, 0
		}
	}
	if octets < 4 {
		return netip.Addr{}, 0
	}
	return netip.AddrFrom4(out), i
}

// hdrIP is a header value read as an address: an IPv4 address, possibly
// followed by ':' and a port, or an IPv6 address. A plain fetch looks at
// the value hdr() would return; from an ACL, values that are not
// addresses are skipped.
func hdrIP(pick func(*Ctx) HeaderList) fetchFunc {
	return func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
		h := pick(c)
		for {
			v, next, ok := fetchHeader(h, a, cur, true)
			if !ok {
				return Value{}, cursor{}, false
			}
			if ip, ok := headerAddr(v.Str); ok {
				return IP(ip), next, true
			}
			if !next.more {
				return Value{}, cursor{}, false
			}
			cur = next
		}
	}
}

func headerAddr(b []byte) (netip.Addr, bool) {
	ip, n := urlIPv4(b)
	switch {
	case n > 0 && n == len(b):
		return ip, true
	case n > 0 && b[n] == ':' && validPort(b[n+1:]):
		return ip, true
	}
	return parseIPv6(cutNUL(b))
}

// validPort is haproxy's strl2irc check on a port: digits, possibly after
// a minus sign, within 0..65535.
func validPort(b []byte) bool {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 10 {
		return false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535 && (!neg || n == 0)
}
