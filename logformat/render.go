package logformat

import (
	"net/netip"
	"strconv"
)

// opt holds the per-node options of haproxy's log-format nodes: the flags
// of the format's kind plus the +Q, +X, +E and +M modifiers.
type opt uint8

const (
	optMandatory opt = 1 << iota // an absent value prints "-"
	optQuote                     // +Q: strings between double quotes
	optHex                       // +X: addresses, ports and some counters in hex
	optEscape                    // +E: '"', '\' and ']' escaped with '\' (RFC 5424)
	optHTTP                      // %[...] values %-encode control characters
)

const hexDigits = "0123456789ABCDEF"

// escapeMap marks the bytes each encoding rewrites, as haproxy's maps.
type escapeMap [256]bool

var (
	// urlEncode is for the request line (%r, %HU...): control bytes,
	// non-ASCII, '"' and '#' become "#XX".
	urlEncode = buildMap(func(c int) bool { return c < 32 || c >= 127 || c == '"' || c == '#' })
	// httpEncode is for values placed in HTTP messages: control bytes but
	// tab become "%XX".
	httpEncode = buildMap(func(c int) bool { return c <= 8 || (c >= 10 && c <= 31) || c == 127 })
	// rfc5424Escape is what +E prefixes with a backslash.
	rfc5424Escape = buildMap(func(c int) bool { return c == '"' || c == '\\' || c == ']' })
)

func buildMap(f func(int) bool) *escapeMap {
	var m escapeMap
	for c := range m {
		m[c] = f(c)
	}
	return &m
}

// appendText writes a string field as haproxy's lf_text_len: quoted with
// +Q, escaped with +E, cut at a NUL byte, and "-" when empty if the format
// is mandatory and not quoted.
func appendText[T string | []byte](dst []byte, src T, o opt) []byte {
	if o&optQuote != 0 {
		dst = append(dst, '"')
	}
	if len(src) > 0 {
		for i := 0; i < len(src); i++ {
			c := src[i]
			if c == 0 {
				break
			}
			if o&optEscape != 0 && rfc5424Escape[c] {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
	} else if o&(optQuote|optMandatory) == optMandatory {
		dst = append(dst, '-')
	}
	if o&optQuote != 0 {
		dst = append(dst, '"')
	}
	return dst
}

// appendEncoded writes src with the bytes marked in m as esc and two hex
// digits, and, with +E, '"', '\' and ']' escaped by a backslash.
func appendEncoded(dst, src []byte, esc byte, m *escapeMap, o opt) []byte {
	for _, c := range src {
		switch {
		case m[c]:
			dst = append(dst, esc, hexDigits[c>>4], hexDigits[c&15])
		case o&optEscape != 0 && rfc5424Escape[c]:
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendAddr writes an address, in hex with +X; an absent one is an
// absent text field.
func appendAddr(dst []byte, ap netip.AddrPort, o opt) []byte {
	if !ap.IsValid() {
		return appendText(dst, "", o)
	}
	a := ap.Addr()
	if o&optHex != 0 {
		for _, b := range a.AsSlice() {
			dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
		}
		return dst
	}
	var buf [64]byte
	return appendText(dst, a.AppendTo(buf[:0]), o)
}

// appendPort writes a port, as "%02X%02X" with +X; never quoted.
func appendPort(dst []byte, ap netip.AddrPort, o opt) []byte {
	if !ap.IsValid() {
		return appendText(dst, "", o)
	}
	p := ap.Port()
	if o&optHex != 0 {
		return append(dst, hexDigits[p>>12], hexDigits[p>>8&15], hexDigits[p>>4&15], hexDigits[p&15])
	}
	return strconv.AppendUint(dst, uint64(p), 10)
}

// appendCounter writes a number, in hex padded to width digits with +X.
func appendCounter(dst []byte, n int64, o opt, width int) []byte {
	if o&optHex == 0 {
		return strconv.AppendInt(dst, n, 10)
	}
	start := len(dst)
	dst = strconv.AppendUint(dst, uint64(n), 16)
	for i := start; i < len(dst); i++ {
		if dst[i] >= 'a' {
			dst[i] -= 'a' - 'A'
		}
	}
	for len(dst)-start < width {
		dst = append(dst, 0)
		copy(dst[start+1:], dst[start:])
		dst[start] = '0'
	}
	return dst
}
