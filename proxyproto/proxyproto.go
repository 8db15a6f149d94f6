// Package proxyproto reads the PROXY protocol header (versions 1 and 2)
// that a load balancer in front of us sends before the client's bytes, to
// tell the client's and the destination's real addresses. See
// https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt.
//
// Parse works on bytes already received and says how many it took, so the
// caller reads with its own buffers and deadlines and keeps what follows
// the header (the start of the client's request).
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strconv"
)

// ErrIncomplete says that the bytes end before the header does: read more
// and parse again from the start.
var ErrIncomplete = errors.New("proxyproto: incomplete header")

// Error is a malformed header.
type Error struct{ Msg string }

func (e *Error) Error() string { return "proxyproto: " + e.Msg }

func bad(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Header is what a PROXY header says.
type Header struct {
	Version int // 1 or 2
	// Local is set when the header carries no addresses to use (v1
	// UNKNOWN, v2 LOCAL, or a v2 family other than TCP over IPv4/IPv6):
	// the connection's own addresses stay.
	Local    bool
	Src, Dst netip.AddrPort
	// TLVs of a version 2 header, in order (the CRC32C one is checked).
	TLVs []TLV
}

// TLV is a type-length-value field of a version 2 header.
type TLV struct {
	Type  byte
	Value []byte // points into the parsed bytes
}

// Well-known TLV types.
const (
	TypeALPN      = 0x01
	TypeAuthority = 0x02
	TypeCRC32C    = 0x03
	TypeNoop      = 0x04
	TypeUniqueID  = 0x05
	TypeSSL       = 0x20
	TypeNetNS     = 0x30
)

// MaxV1 is the longest version 1 header the specification allows (with its
// CRLF).
const MaxV1 = 107

var (
	v1Prefix = []byte("PROXY ")
	v2Sig    = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// Parse reads the PROXY header at the start of b and returns it with the
// number of bytes it spans. ErrIncomplete asks for more bytes; any other
// error means that b does not start with a valid header.
func Parse(b []byte) (Header, int, error) {
	switch {
	case len(b) == 0:
		return Header{}, 0, ErrIncomplete
	case b[0] == 'P':
		return parseV1(b)
	case b[0] == '\r':
		return parseV2(b)
	}
	return Header{}, 0, bad("not a PROXY protocol header")
}

// V2HeaderLen is the fixed part of a version 2 header.
const V2HeaderLen = 16

// LooksLikeHeader says whether b begins as a PROXY header of either
// version does, so that a header Parse refuses can be told from bytes
// that are no header at all (haproxy's "invalid" against "does not look
// like" a PROXY protocol header).
func LooksLikeHeader(b []byte) bool {
	ok1, _ := prefixOK(b, v1Prefix)
	ok2, _ := prefixOK(b, v2Sig)
	return ok1 || ok2
}

// prefixOK checks that what is there of b matches p; more says that b is a
// prefix of p.
func prefixOK(b, p []byte) (ok, more bool) {
	if len(b) < len(p) {
		return bytes.HasPrefix(p, b), true
	}
	return bytes.HasPrefix(b, p), false
}

func parseV1(b []byte) (Header, int, error) {
	ok, more := prefixOK(b, v1Prefix)
	if !ok {
		return Header{}, 0, bad("not a PROXY protocol header")
	}
	if more {
		return Header{}, 0, ErrIncomplete
	}
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		if len(b) >= MaxV1 {
			return Header{}, 0, bad("version 1 header longer than %d bytes", MaxV1)
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return Header{}, 0, bad("version 1 header ends with a bare LF")
		}
		return Header{}, 0, ErrIncomplete
	}
	if end+2 > MaxV1 {
		return Header{}, 0, bad("version 1 header longer than %d bytes", MaxV1)
	}
	line := string(b[len(v1Prefix):end])
	n := end + 2
	h := Header{Version: 1}
	// The specification lets UNKNOWN carry addresses to ignore; haproxy
	// 2.6 accepts the bare word only, and so do we.
	if line == "UNKNOWN" {
		h.Local = true
		return h, n, nil
	}
	f := splitSpaces(line)
	if len(f) != 5 {
		return Header{}, 0, bad("version 1 header: expects 5 fields after PROXY, got %d", len(f))
	}
	var want6 bool
	switch f[0] {
	case "TCP4":
	case "TCP6":
		want6 = true
	default:
		return Header{}, 0, bad("version 1 header: unknown protocol '%s'", f[0])
	}
	var addrs [2]netip.Addr
	for i := 0; i < 2; i++ {
		a, err := netip.ParseAddr(f[1+i])
		if err != nil || a.Zone() != "" || a.Is4() == want6 {
			return Header{}, 0, bad("version 1 header: invalid %s address '%s'", f[0], f[1+i])
		}
		addrs[i] = a
	}
	var ports [2]uint16
	for i := 0; i < 2; i++ {
		p, err := strconv.ParseUint(f[3+i], 10, 16)
		if err != nil || f[3+i][0] == '+' {
			return Header{}, 0, bad("version 1 header: invalid port '%s'", f[3+i])
		}
		ports[i] = uint16(p)
	}
	h.Src = netip.AddrPortFrom(addrs[0], ports[0])
	h.Dst = netip.AddrPortFrom(addrs[1], ports[1])
	return h, n, nil
}

// splitSpaces splits on single spaces; an empty field (two spaces in a
// row) is kept, so that it is refused.
func splitSpaces(s string) []string {
	var out []string
	for {
		i := bytes.IndexByte([]byte(s), ' ')
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

const v2HeaderLen = 16

func parseV2(b []byte) (Header, int, error) {
	ok, more := prefixOK(b, v2Sig)
	if !ok {
		return Header{}, 0, bad("not a PROXY protocol header")
	}
	if more || len(b) < v2HeaderLen {
		return Header{}, 0, ErrIncomplete
	}
	verCmd, fam := b[12], b[13]
	if verCmd>>4 != 2 {
		return Header{}, 0, bad("version 2 header: unsupported version %d", verCmd>>4)
	}
	total := v2HeaderLen + int(binary.BigEndian.Uint16(b[14:16]))
	if len(b) < total {
		return Header{}, 0, ErrIncomplete
	}
	b = b[:total]
	h := Header{Version: 2}
	switch verCmd & 0xf {
	case 0x0: // LOCAL: the addresses (if any) are not to be used
		h.Local = true
		return h, total, nil
	case 0x1:
	default:
		return Header{}, 0, bad("version 2 header: unsupported command %d", verCmd&0xf)
	}
	body := b[v2HeaderLen:]
	off := 0
	switch fam {
	case 0x11: // TCP over IPv4
		if len(body) < 12 {
			return Header{}, 0, bad("version 2 header: short IPv4 address block")
		}
		h.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:10]))
		h.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[4:8])), binary.BigEndian.Uint16(body[10:12]))
		off = 12
	case 0x21: // TCP over IPv6
		if len(body) < 36 {
			return Header{}, 0, bad("version 2 header: short IPv6 address block")
		}
		h.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])), binary.BigEndian.Uint16(body[32:34]))
		h.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[16:32])), binary.BigEndian.Uint16(body[34:36]))
		off = 36
	default:
		// UDP, unix sockets, unspecified: the connection's own addresses
		// stay, as in haproxy; the address block is skipped.
		h.Local = true
		off = map[byte]int{0x12: 12, 0x22: 36, 0x31: 216, 0x32: 216}[fam]
		if off > len(body) {
			return Header{}, 0, bad("version 2 header: short address block")
		}
	}
	for off < len(body) {
		if off+3 > len(body) {
			return Header{}, 0, bad("version 2 header: truncated TLV")
		}
		typ := body[off]
		n := int(binary.BigEndian.Uint16(body[off+1 : off+3]))
		start := off + 3
		if start+n > len(body) {
			return Header{}, 0, bad("version 2 header: TLV longer than the header")
		}
		val := body[start : start+n]
		switch typ {
		case TypeCRC32C:
			if n != 4 {
				return Header{}, 0, bad("version 2 header: CRC32C TLV of %d bytes", n)
			}
			if crcOf(b, v2HeaderLen+start) != binary.BigEndian.Uint32(val) {
				return Header{}, 0, bad("version 2 header: CRC32C mismatch")
			}
		case TypeAuthority:
			if n > 255 {
				return Header{}, 0, bad("version 2 header: authority TLV too long")
			}
		case TypeUniqueID:
			if n > 128 {
				return Header{}, 0, bad("version 2 header: unique-id TLV too long")
			}
		}
		h.TLVs = append(h.TLVs, TLV{Type: typ, Value: val})
		off = start + n
	}
	return h, total, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcOf is the CRC32C of the whole header with the 4 bytes of the
// checksum at at taken as zeroes, without modifying the header.
func crcOf(hdr []byte, at int) uint32 {
	c := crc32.Update(0, castagnoli, hdr[:at])
	c = crc32.Update(c, castagnoli, []byte{0, 0, 0, 0})
	return crc32.Update(c, castagnoli, hdr[at+4:])
}

// AppendV1 appends a version 1 header for src and dst (a server's
// send-proxy).
func AppendV1(dst []byte, src, to netip.AddrPort) []byte {
	proto := "TCP4"
	if src.Addr().Is6() && !src.Addr().Is4In6() {
		proto = "TCP6"
	}
	return fmt.Appendf(dst, "PROXY %s %s %s %d %d\r\n", proto, src.Addr().Unmap(), to.Addr().Unmap(), src.Port(), to.Port())
}

// AppendV2 appends a version 2 PROXY header for src and dst with the given
// TLVs; crc adds a CRC32C TLV, first, where haproxy puts it.
func AppendV2(dst []byte, src, to netip.AddrPort, crc bool, tlvs ...TLV) []byte {
	start := len(dst)
	dst = append(dst, v2Sig...)
	dst = append(dst, 0x21)
	var addr []byte
	if src.Addr().Unmap().Is4() && to.Addr().Unmap().Is4() {
		dst = append(dst, 0x11)
		a, b := src.Addr().Unmap().As4(), to.Addr().Unmap().As4()
		addr = append(append(addr, a[:]...), b[:]...)
	} else {
		dst = append(dst, 0x21)
		a, b := src.Addr().As16(), to.Addr().As16()
		addr = append(append(addr, a[:]...), b[:]...)
	}
	addr = binary.BigEndian.AppendUint16(addr, src.Port())
	addr = binary.BigEndian.AppendUint16(addr, to.Port())
	lenAt := len(dst)
	dst = append(dst, 0, 0)
	dst = append(dst, addr...)
	crcAt := 0
	if crc {
		dst = append(dst, TypeCRC32C, 0, 4)
		crcAt = len(dst)
		dst = append(dst, 0, 0, 0, 0)
	}
	for _, t := range tlvs {
		dst = append(dst, t.Type)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(t.Value)))
		dst = append(dst, t.Value...)
	}
	binary.BigEndian.PutUint16(dst[lenAt:], uint16(len(dst)-start-v2HeaderLen))
	if crc {
		binary.BigEndian.PutUint32(dst[crcAt:], crc32.Checksum(dst[start:], castagnoli))
	}
	return dst
}

// AppendV2Local appends a version 2 LOCAL header (a health check's, say).
func AppendV2Local(dst []byte) []byte {
	dst = append(dst, v2Sig...)
	return append(dst, 0x20, 0x00, 0, 0)
}
