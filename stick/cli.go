package stick

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
)

// What the runtime API's table commands need from tables: keys typed by
// an operator, and haproxy's walk of "clear table".

// Errors of ParseCLIKey.
var (
	// ErrCLIKeyInvalid: the text is not a key of the table's type.
	ErrCLIKeyInvalid = errors.New("invalid key")
	// ErrCLIKeyType: haproxy 2.6 takes keys on the CLI for ip, ipv6,
	// integer and string tables only, never for binary ones.
	ErrCLIKeyType = errors.New("key type not supported on the CLI")
)

// ParseCLIKey converts a key typed on the CLI (set/show/clear table …
// key K) to the table's key bytes, reading it as haproxy 2.6 does, quirks
// included, so that the same words name the same entry in both:
//   - ip: inetaddr_host, which never fails: digits up to a non-digit make
//     a byte, a dot moves to the next byte, anything else ends the
//     address (what is missing is 0, "foo" is 0.0.0.0), only the last
//     three digits of a byte count and a byte over 255 carries into the
//     one before it;
//   - ipv6: inet_pton (no IPv4 form, no zone);
//   - integer: strtoul in base 10 (leading blanks and a sign allowed,
//     what follows the digits ignored, "-1" wraps and so is too large),
//     at most 2^32-1;
//   - string: the text, cut to the key size.
func (s *Spec) ParseCLIKey(text string) ([]byte, error) {
	if i := strings.IndexByte(text, 0); i >= 0 {
		text = text[:i] // haproxy's words are C strings
	}
	switch s.Type {
	case KeyIP:
		return binary.BigEndian.AppendUint32(nil, inetaddrHost(text)), nil
	case KeyIPv6:
		a, err := netip.ParseAddr(text)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, ErrCLIKeyInvalid
		}
		b := a.As16()
		return b[:], nil
	case KeyInteger:
		v, ok := strtoul10(text)
		if !ok || v > 0xffffffff {
			return nil, ErrCLIKeyInvalid
		}
		return binary.BigEndian.AppendUint32(nil, uint32(v)), nil
	case KeyString:
		if len(text) > s.KeySize-1 {
			text = text[:s.KeySize-1]
		}
		return []byte(text), nil
	}
	return nil, ErrCLIKeyType
}

// inetaddrHost reads an IPv4 address as haproxy's inetaddr_host: each
// byte's last three digits, weighted and summed without masking, so that
// a byte's excess carries into the next higher one.
func inetaddrHost(text string) uint32 {
	var v uint32
	p := 0
	for shift := 24; ; shift -= 8 {
		start := p
		for p < len(text) && text[p] >= '0' && text[p] <= '9' {
			p++
		}
		var b uint32
		// The digits kept are the last three, each weighted by its rank.
		weight := uint32(1)
		for i := p - 1; i >= start && i >= p-3; i-- {
			b += uint32(text[i]-'0') * weight
			weight *= 10
		}
		v += b << shift
		if shift == 0 || p >= len(text) || text[p] != '.' {
			return v
		}
		p++
	}
}

// strtoul10 is C's strtoul(text, &end, 10) on 64 bits: ok is false when
// no digit is read or the value overflows (ERANGE).
func strtoul10(text string) (uint64, bool) {
	p := 0
	for p < len(text) && (text[p] == ' ' || (text[p] >= '\t' && text[p] <= '\r')) {
		p++
	}
	neg := false
	if p < len(text) && (text[p] == '+' || text[p] == '-') {
		neg = text[p] == '-'
		p++
	}
	var v uint64
	digits := 0
	for ; p < len(text) && text[p] >= '0' && text[p] <= '9'; p++ {
		d := uint64(text[p] - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// ClearCLI removes the entries match accepts as haproxy 2.6's "clear
// table" walk does, and returns how many went. The walk goes in key
// order, holding a reference on the entry it visits; it frees an entry
// once it holds the next one, and only when that next entry's reference
// count was zero (its test reads the next entry's count where it means
// the one it frees): so an entry that nothing tracks stays when the one
// after it is tracked. The last entry goes when nothing tracks it.
func (t *Table) ClearCLI(match func(e *Entry) bool) int {
	list := t.Entries()
	keep := make([]bool, len(list))
	for i, e := range list {
		keep[i] = match != nil && !match(e)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for i, e := range list {
		if keep[i] || e.gone || e.ref.Load() > 0 {
			continue
		}
		if i+1 < len(list) && list[i+1].ref.Load() > 0 {
			continue
		}
		t.removeLocked(e)
		n++
	}
	return n
}
