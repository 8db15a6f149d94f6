package stick

import (
	"encoding/binary"
	"net/netip"

	"switchyard/sample"
)

// KeyOf converts a sample to a key of the table as haproxy's smp_to_stkey
// does, appending it to dst: an address to its 4 or 16 bytes, an integer
// to 32 bits, a string cut to the key size, binary data cut or padded
// with zeros to it. ok is false when the sample does not convert (an IPv6
// address for an ip table).
func (t *Table) KeyOf(c *sample.Ctx, v sample.Value, dst []byte) ([]byte, bool) {
	return t.spec.KeyOf(c, v, dst)
}

// KeyOf is Table.KeyOf for a table of the spec.
func (s *Spec) KeyOf(c *sample.Ctx, v sample.Value, dst []byte) ([]byte, bool) {
	switch s.Type {
	case KeyIP:
		v, ok := sample.Cast(c, v, sample.TypeIPv4)
		if !ok {
			return dst, false
		}
		a := v.IP.Unmap().As4()
		return append(dst, a[:]...), true
	case KeyIPv6:
		v, ok := sample.Cast(c, v, sample.TypeIPv6)
		if !ok {
			return dst, false
		}
		a := v.IP.As16()
		return append(dst, a[:]...), true
	case KeyInteger:
		v, ok := sample.Cast(c, v, sample.TypeInt)
		if !ok {
			return dst, false
		}
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int)), true
	case KeyString:
		v, ok := sample.Cast(c, v, sample.TypeStr)
		if !ok {
			return dst, false
		}
		b := v.Str
		if len(b) > s.KeySize-1 {
			b = b[:s.KeySize-1]
		}
		return append(dst, b...), true
	case KeyBinary:
		v, ok := sample.Cast(c, v, sample.TypeBin)
		if !ok {
			return dst, false
		}
		b := v.Str
		if len(b) > s.KeySize {
			b = b[:s.KeySize]
		}
		dst = append(dst, b...)
		for i := len(b); i < s.KeySize; i++ {
			dst = append(dst, 0)
		}
		return dst, true
	}
	return dst, false
}

// AddrKey is the key of an address in a table of the spec (src, dst), or
// false when the table is not an address table or the address does not
// fit (IPv6 in an ip table).
func (s *Spec) AddrKey(a netip.Addr, dst []byte) ([]byte, bool) {
	switch s.Type {
	case KeyIP:
		a = a.Unmap()
		if !a.Is4() {
			return dst, false
		}
		b := a.As4()
		return append(dst, b[:]...), true
	case KeyIPv6:
		b := a.As16()
		return append(dst, b[:]...), true
	}
	return dst, false
}
