package backend

import "net/netip"

// RDP cookies: `balance rdp-cookie` and `persist rdp-cookie` read the
// cookie a Remote Desktop client sends in its first packet, an X.224
// Connection Request whose variable part starts with a line such as
// "Cookie: mstshash=alice\r\n". The parsing is haproxy 2.6's
// fetch_rdp_cookie_name() (src/payload.c), byte for byte: the same bytes
// must give the same key, or the same user lands on another server.

// x224Header is the size of the TPKT and X.224 headers that precede the
// cookie line; haproxy skips them without looking.
const x224Header = 11

// RDPCookieValue returns the value of the RDP cookie name (any name when
// name is "") in data, the first bytes a client sent, and whether one was
// found.
// Nothing is found when data is too short to tell yet; the caller decides
// whether to wait for more (haproxy's tcp-request content rules with the
// RDP_COOKIE ACL) or to go on without. The name is compared
// case-insensitively; the value is what follows '=' up to the CRLF that
// must end the line.
func RDPCookieValue(data []byte, name string) ([]byte, bool) {
	start, end, ok := rdpCookieAt(data, name)
	return data[start:end], ok
}

// rdpCookieAt is RDPCookieValue returning where the value is in data.
func rdpCookieAt(data []byte, name string) (start, end int, ok bool) {
	// haproxy needs strictly more than the headers plus "Cookie:".
	if len(data) <= x224Header+len("Cookie:") {
		return 0, 0, false
	}
	i := x224Header
	if !equalFoldASCII(data[i:i+7], "Cookie:") {
		return 0, 0, false
	}
	i += 7
	for i < len(data) && data[i] == ' ' {
		i++
	}
	if name != "" {
		if len(data)-i <= len(name) || data[i+len(name)] != '=' || !equalFoldASCII(data[i:i+len(name)], name) {
			return 0, 0, false
		}
		i += len(name) + 1
	} else {
		for i < len(data) && data[i] != '=' {
			if data[i] == '\r' || data[i] == '\n' {
				return 0, 0, false
			}
			i++
		}
		if i == len(data) {
			return 0, 0, false
		}
		i++
	}
	start = i
	for i < len(data) && data[i] != '\r' {
		i++
	}
	// The value must be followed by CRLF, all of it received.
	if len(data)-i < 2 || data[i+1] != '\n' {
		return 0, 0, false
	}
	return start, i, true
}

// equalFoldASCII compares b with s ignoring ASCII case, as strncasecmp in
// the C locale does. len(b) must be len(s).
func equalFoldASCII(b []byte, s string) bool {
	for i := range len(s) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// pickRDP is `balance rdp-cookie`: the cookie's value hashed like the other
// keys (get_server_rch()), round robin when there is none or it is empty.
func (b *hashed) pickRDP(payload []byte) *Server {
	v, ok := RDPCookieValue(payload, b.a.Cookie)
	if !ok || len(v) == 0 {
		return b.tab.next()
	}
	if b.single {
		return b.tab.lookup(0)
	}
	return b.tab.lookup(b.a.hashKey(v))
}

// RDPPersist is `persist rdp-cookie(name)` (haproxy's
// tcp_persist_rdp_cookie()): the cookie, as a Windows terminal-server
// broker writes it, names the server by address, "<ip>.<port>.<rest>" where
// ip and port are the decimal values of the address and port bytes read as
// little-endian integers ("msts=16777226.15629.0000" is 10.0.0.1:3389).
// It returns the first server (in declaration order, backups included)
// dialled at that IPv4 address and port that is up, or down too when
// keepDown (option persist); nil when the cookie is missing, malformed or
// names no such server, and the request is balanced as usual.
// Servers whose address is a host name are never matched: haproxy
// compares the address it resolved at startup, which we do not keep.
func RDPPersist(payload []byte, name string, servers []*Server, keepDown bool) *Server {
	start, end, ok := rdpCookieAt(payload, name)
	if !ok || start == end {
		return nil
	}
	target, ok := rdpTarget(payload[start:])
	if !ok {
		return nil
	}
	for _, s := range servers {
		ap, err := netip.ParseAddrPort(s.Addr())
		if err != nil || !ap.Addr().Is4() || ap != target {
			continue
		}
		if keepDown || s.Up() {
			return s
		}
	}
	return nil
}

// rdpTarget decodes "<ip>.<port>." at the start of b, which runs from the
// cookie value to the end of what was received: haproxy parses the two
// numbers with strtoul(), which reads on past the value when it is made of
// blanks, and does not check that the value continues after the second
// dot.
func rdpTarget(b []byte) (netip.AddrPort, bool) {
	addr, n := strtoul(b)
	if n >= len(b) || b[n] != '.' {
		return netip.AddrPort{}, false
	}
	b = b[n+1:]
	port, n := strtoul(b)
	if n >= len(b) || b[n] != '.' {
		return netip.AddrPort{}, false
	}
	a := uint32(addr) // sin_addr.s_addr: the address bytes, little-endian
	ip := netip.AddrFrom4([4]byte{byte(a), byte(a >> 8), byte(a >> 16), byte(a >> 24)})
	p := uint16(port)
	return netip.AddrPortFrom(ip, p<<8|p>>8), true // ntohs on a little-endian host
}

// strtoul is C's strtoul(s, &end, 10) on a 64-bit system: leading white
// space, an optional sign (a minus negates the unsigned result), decimal
// digits, saturating at the maximum on overflow. It returns the value and
// the offset of end: 0 when there are no digits, as C then sets end to s.
func strtoul(b []byte) (uint64, int) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	over := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (1<<64-1-d)/10 {
			over = true
		}
		v = v*10 + d
	}
	if i == start {
		return 0, 0
	}
	if over {
		return 1<<64 - 1, i
	}
	if neg {
		v = -v
	}
	return v, i
}
