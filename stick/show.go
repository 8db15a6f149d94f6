package stick

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
)

// AppendHead appends the head line of "show table" for the table.
func (t *Table) AppendHead(dst []byte) []byte {
	return fmt.Appendf(dst, "# table: %s, type: %s, size:%d, used:%d\n", t.spec.Name, t.spec.Type, t.Size(), t.Len())
}

// Entries returns the table's entries in haproxy's order (by key bytes,
// as its trees walk them).
func (t *Table) Entries() []*Entry {
	t.mu.Lock()
	t.purgeLocked(NowMs())
	out := make([]*Entry, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, e)
	}
	t.mu.Unlock()
	if t.spec.Type == KeyInteger {
		// haproxy keeps integer keys in host order (little-endian on
		// its usual hosts) and its tree compares their bytes: the least
		// significant byte first.
		sort.Slice(out, func(i, j int) bool { return leKey(out[i].key) < leKey(out[j].key) })
		return out
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// leKey is an integer key's bytes reversed into a number, so that numbers
// compare as haproxy's tree orders them.
func leKey(k string) uint32 {
	if len(k) != 4 {
		return 0
	}
	return uint32(k[3])<<24 | uint32(k[2])<<16 | uint32(k[1])<<8 | uint32(k[0])
}

// AppendKey appends a key as "show table" prints it.
func (s *Spec) AppendKey(dst, key []byte) []byte {
	switch s.Type {
	case KeyIP, KeyIPv6:
		a, _ := netip.AddrFromSlice(key)
		return a.AppendTo(dst)
	case KeyInteger:
		if len(key) == 4 {
			return strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(key)), 10)
		}
	case KeyString:
		return appendText(dst, key)
	}
	const hex = "0123456789ABCDEF"
	for _, c := range key {
		dst = append(dst, hex[c>>4], hex[c&15])
	}
	return dst
}

// appendText escapes a string key as haproxy's dump_text.
func appendText(dst, b []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range b {
		switch {
		case c == 0:
			return dst
		case c > ' ' && c < 0x7f && c != '\\' && c != '=':
			dst = append(dst, c)
		case c == ' ' || c == '\\' || c == '=':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == 0x1b:
			dst = append(dst, '\\', 'e')
		default:
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// AppendShow appends the entry's line of "show table", at tick now:
// "0x…: key=K use=N exp=MS" then each stored data type. extraRef is the
// reference the caller holds, which haproxy's dump takes and does not show.
func (e *Entry) AppendShow(dst []byte, now uint32, extraRef int) []byte {
	t := e.t
	dst = fmt.Appendf(dst, "%p: key=", e)
	dst = t.spec.AppendKey(dst, []byte(e.key))
	t.mu.Lock()
	use, exp := int(e.ref.Load())-extraRef, uint32(0)
	if x := e.expire.Load(); t.exp.Load() != 0 && int32(x-now) > 0 {
		exp = x - now
	}
	t.mu.Unlock()
	dst = fmt.Appendf(dst, " use=%d exp=%d", use, exp)
	e.mu.Lock()
	defer e.mu.Unlock()
	for d := DataType(0); d < NumDataTypes; d++ {
		if t.off[d] < 0 {
			continue
		}
		info := dataInfo[d]
		if info.Std == StdDict {
			v := e.srv
			if v == "" {
				v = "-"
			}
			dst = append(dst, " server_key="...)
			dst = append(dst, v...)
			continue
		}
		for i := 0; i < int(t.elems[d]); i++ {
			dst = append(dst, ' ')
			dst = appendDataName(dst, d, i, t.period[d])
			dst = append(dst, '=')
			v, _ := e.readLocked(d, i, now)
			if info.Std == StdULL {
				// 64-bit counters print unsigned (%llu).
				dst = strconv.AppendUint(dst, uint64(v), 10)
			} else {
				dst = strconv.AppendInt(dst, v, 10)
			}
		}
	}
	return append(dst, '\n')
}

// appendDataName appends a data type's name as "show table" and the
// exporter name it: gpc0_rate(10000), or gpc3_rate(10000) for the fourth
// element of gpc_rate.
func appendDataName(dst []byte, d DataType, idx int, period uint32) []byte {
	name := dataInfo[d].Name
	if dataInfo[d].Array {
		pfx, sfx := name, ""
		for i := 0; i < len(name); i++ {
			if name[i] == '_' {
				pfx, sfx = name[:i], name[i:]
				break
			}
		}
		dst = strconv.AppendInt(append(dst, pfx...), int64(idx), 10)
		dst = append(dst, sfx...)
	} else {
		dst = append(dst, name...)
	}
	if dataInfo[d].Delay {
		dst = strconv.AppendUint(append(dst, '('), uint64(period), 10)
		dst = append(dst, ')')
	}
	return dst
}
