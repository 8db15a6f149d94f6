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

// SampleType is the sample type a key of this type is cast from.
func (k KeyType) SampleType() sample.Type {
	switch k {
	case KeyIP:
		return sample.TypeIPv4
	case KeyIPv6:
		return sample.TypeIPv6
	case KeyInteger:
		return sample.TypeInt
	case KeyString:
		return sample.TypeStr
	}
	return sample.TypeBin
}

// KeyOf is Table.KeyOf for a table of the spec.
func (s *Spec) KeyOf(c *sample.Ctx, v sample.Value, dst []byte) ([]byte, bool) {
	if v.Kind == sample.KindIP && (s.Type == KeyIP || s.Type == KeyIPv6) {
		// An address in an address table (track-sc src): what the cast
		// below would do, without its copies of the sample.
		return s.AddrKey(v.IP, dst)
	}
	v, ok := sample.Cast(c, v, s.Type.SampleType())
	if !ok {
		return dst, false
	}
	switch s.Type {
	case KeyIP:
		a := v.IP.Unmap().As4()
		return append(dst, a[:]...), true
	case KeyIPv6:
		a := v.IP.As16()
		return append(dst, a[:]...), true
	case KeyInteger:
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int)), true
	case KeyString:
		return append(dst, v.Str[:min(len(v.Str), s.KeySize-1)]...), true
	}
	b := v.Str[:min(len(v.Str), s.KeySize)]
	dst = append(dst, b...)
	for i := len(b); i < s.KeySize; i++ {
		dst = append(dst, 0)
	}
	return dst, true
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
