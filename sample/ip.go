package sample

import (
	"net/netip"
	"unsafe"
)

// parseIPv4 reads a dotted quad of decimal numbers up to 255 at the start
// of b, as haproxy's buf2ip does when it casts a string sample to an
// address: parsing stops at the first byte that is neither a digit nor a
// dot, so "10.0.0.1:80" yields 10.0.0.1. It works on bytes so that a header
// value is parsed without a copy.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var out [4]byte
	n, val, digit := 0, 0, false
	for _, c := range b {
		if c == '.' {
			if !digit || n == 3 {
				return netip.Addr{}, false
			}
			out[n] = byte(val)
			n, val, digit = n+1, 0, false
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		val = val*10 + int(c-'0')
		if val > 255 {
			return netip.Addr{}, false
		}
		digit = true
	}
	if n != 3 || !digit {
		return netip.Addr{}, false
	}
	out[3] = byte(val)
	return netip.AddrFrom4(out), true
}

// parseIPv6 accepts an IPv6 address in text form without a zone, as
// inet_pton(AF_INET6) does.
func parseIPv6(b []byte) (netip.Addr, bool) {
	if len(b) == 0 || len(b) > 45 {
		return netip.Addr{}, false
	}
	for _, c := range b {
		if c == '%' { // zones are not part of inet_pton's syntax
			return netip.Addr{}, false
		}
	}
	// ParseAddr only reads its argument (it copies the zone, and we have
	// rejected zones), so a string view of the bytes avoids a copy on the
	// request path.
	a, err := netip.ParseAddr(unsafe.String(&b[0], len(b)))
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseInetAton accepts the historical forms of inet_aton(3): one to four
// parts, each decimal, octal (leading 0) or hexadecimal (leading 0x), the
// last part filling the remaining bytes ("127.1" is 127.0.0.1). haproxy
// reaches it through the resolver when a pattern is not a plain dotted quad.
func parseInetAton(s string) (netip.Addr, bool) {
	var parts [4]uint64
	n := 0
	for {
		if n == 4 || s == "" {
			return netip.Addr{}, false
		}
		v, rest, ok := atonPart(s)
		if !ok {
			return netip.Addr{}, false
		}
		parts[n] = v
		n++
		if rest == "" {
			break
		}
		if rest[0] != '.' {
			return netip.Addr{}, false
		}
		s = rest[1:]
	}
	// Every part but the last is one byte; the last fills what is left.
	for i := 0; i < n-1; i++ {
		if parts[i] > 255 {
			return netip.Addr{}, false
		}
	}
	last := parts[n-1]
	if last >= 1<<(8*(5-n)) {
		return netip.Addr{}, false
	}
	var u uint32
	for i := 0; i < n-1; i++ {
		u |= uint32(parts[i]) << (24 - 8*i)
	}
	u |= uint32(last)
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}), true
}

// atonPart reads one number of an inet_aton address.
func atonPart(s string) (v uint64, rest string, ok bool) {
	base := uint64(10)
	i := 0
	if len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, i = 16, 2
	} else if s[0] == '0' {
		base = 8
	}
	start := i
	for ; i < len(s); i++ {
		d, valid := digitVal(s[i])
		if !valid || d >= base {
			break
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, "", false
		}
	}
	if i == start && base != 8 {
		return 0, "", false
	}
	return v, s[i:], true
}

func digitVal(c byte) (uint64, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}
