package hlua

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
	"switchyard/stick"
)

// The StickTable class of haproxy 2.6 (hlua_fcn.c): Proxy.stktable, for
// a proxy with a stick-table line, and its methods info(), lookup(key)
// and dump([filter]). What they read is what `show table` shows at the
// same moment: the same entries, the same rates.

// stickTableProxy is a Proxy that may have a stick table (nil: none).
type stickTableProxy interface{ StickTable() *stick.Table }

// stktableFilters is haproxy's STKTABLE_FILTER_LEN.
const stktableFilters = 4

func openStickTable(v *vm) {
	newClass(v.L, "StickTable", map[string]glua.LGFunction{
		"info":   stktableInfo,
		"lookup": stktableLookup,
		"dump":   stktableDump,
	})
}

func checkStickTable(L *glua.LState) *stick.Table {
	t, ok := objectValue(L, 1).(*stick.Table)
	if !ok {
		L.ArgError(1, "StickTable expected")
	}
	return t
}

// stktableInfo: the table's attributes; data maps each stored type to
// its period in ms, -1 for a type that has none.
func stktableInfo(L *glua.LState) int {
	t := checkStickTable(L)
	in := t.Info()
	out := L.CreateTable(0, 7)
	out.RawSetString("type", glua.LString(in.Type.String()))
	out.RawSetString("length", glua.LNumber(in.KeySize))
	out.RawSetString("size", glua.LNumber(in.Size))
	out.RawSetString("used", glua.LNumber(in.Used))
	out.RawSetString("nopurge", glua.LBool(in.NoPurge))
	out.RawSetString("expire", glua.LNumber(in.Expire))
	data := L.CreateTable(0, t.StoredTypes())
	for d := stick.DataType(0); d < stick.NumDataTypes; d++ {
		if !t.Stores(d) {
			continue
		}
		p := glua.LNumber(-1)
		if d.Info().Delay {
			p = glua.LNumber(t.Period(d))
		}
		data.RawSetString(d.String(), p)
	}
	out.RawSetString("data", data)
	L.Push(out)
	return 1
}

// entryTable fills tb with the entry's data: type names to values.
func entryTable(tb *glua.LTable, e *stick.Entry, now uint32) {
	e.EachValue(now, func(d stick.DataType, v int64, s string) {
		if d.Info().Std == stick.StdDict {
			tb.RawSetString(d.String(), glua.LString(s))
			return
		}
		tb.RawSetString(d.String(), glua.LNumber(v))
	})
}

// stktableLookup: the entry of a key, converted from its text as a
// sample string is to the table's type; nil when the key does not
// convert or has no entry. Beyond the data, use is the count of its
// trackers and expire the ms it has left.
func stktableLookup(L *glua.LState) int {
	t := checkStickTable(L)
	var text string
	switch k := L.Get(2).(type) {
	case glua.LString:
		text = string(k)
	case glua.LNumber:
		text = k.String()
	default:
		L.Push(glua.LNil)
		return 1
	}
	key, ok := t.KeyOf(&sample.Ctx{}, sample.Str([]byte(text)), nil)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	now := stick.NowMs()
	e := t.LookupAt(key, now)
	if e == nil {
		L.Push(glua.LNil)
		return 1
	}
	out := L.CreateTable(0, t.StoredTypes()+2)
	out.RawSetString("use", glua.LNumber(e.Refs()))
	out.RawSetString("expire", glua.LNumber(e.Remain(now)))
	entryTable(out, e, now)
	L.Push(out)
	return 1
}

// stktableDump: every entry the filters accept, by key, its data as
// lookup's (without use and expire). A bad filter is answered with nil
// and a message, not raised, as haproxy does.
func stktableDump(L *glua.LState) int {
	t := checkStickTable(L)
	var filters []stick.Filter
	switch f := L.Get(2).(type) {
	case *glua.LNilType:
	case *glua.LTable:
		var msg string
		if filters, msg = parseStktableFilters(t, f); msg != "" {
			L.Push(glua.LNil)
			L.Push(glua.LString(msg))
			return 2
		}
	default:
		L.Push(glua.LNil)
		L.Push(glua.LString("filter table expected"))
		return 2
	}
	now := stick.NowMs()
	entries := t.Entries()
	out := L.CreateTable(0, len(entries))
	spec := t.Spec()
	hcap := t.StoredTypes()
next:
	for _, e := range entries {
		for i := range filters {
			if !filters[i].Match(e, now) {
				continue next
			}
		}
		k := luaStickKey(spec, e.Key())
		if k == nil {
			L.Push(glua.LNil)
			L.Push(glua.LString("Unsupported stick table key type"))
			return 2
		}
		tb := L.CreateTable(0, hcap)
		entryTable(tb, e, now)
		out.RawSet(k, tb)
	}
	L.Push(out)
	return 1
}

// parseStktableFilters reads dump's filter: up to four {name, op, value}
// triplets, walked as haproxy walks them (lua_next), with its messages.
func parseStktableFilters(t *stick.Table, f *glua.LTable) ([]stick.Filter, string) {
	var out []stick.Filter
	for k, v := f.Next(glua.LNil); k != glua.LNil; k, v = f.Next(k) {
		n := len(out) + 1
		if len(out) >= stktableFilters {
			return nil, fmt.Sprintf("Filter table too large (len > %d)", stktableFilters)
		}
		trip, ok := v.(*glua.LTable)
		if !ok || trip.Len() != 3 {
			return nil, fmt.Sprintf("Filter table entry must be a triplet: {\"data_col\", \"op\", val} (entry #%d)", n)
		}
		var flt stick.Filter
		idx := 0
		for tk, tv := trip.Next(glua.LNil); tk != glua.LNil; tk, tv = trip.Next(tk) {
			switch idx {
			case 0:
				s, ok := tv.(glua.LString)
				if !ok {
					return nil, fmt.Sprintf("Filter table data column must be string (entry #%d)", n)
				}
				d, ok := stick.LookupDataType(string(s))
				if !ok || !t.Stores(d) {
					return nil, fmt.Sprintf("Filter table data column not present in stick table (entry #%d)", n)
				}
				flt.Type = d
			case 1:
				s, ok := tv.(glua.LString)
				if !ok {
					return nil, fmt.Sprintf("Filter table operator must be string (entry #%d)", n)
				}
				op, ok := stick.ParseOp(string(s))
				if !ok {
					return nil, fmt.Sprintf("Unknown operator in filter table (entry #%d)", n)
				}
				flt.Op = op
			case 2:
				flt.Value = luaToInteger(tv)
				out = append(out, flt)
			}
			idx++
		}
	}
	return out, ""
}

// luaToInteger is Lua 5.3's lua_tointeger: a number or a numeric string
// with an integer value, else 0.
func luaToInteger(v glua.LValue) int64 {
	var f float64
	switch x := v.(type) {
	case glua.LNumber:
		f = float64(x)
	case glua.LString:
		// Lua's string to number conversion: decimal, hexadecimal or a
		// float, blanks around.
		t := strings.TrimSpace(string(x))
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return n
		}
		neg := strings.HasPrefix(t, "-")
		h := strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
		if len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") {
			n, err := strconv.ParseUint(h[2:], 16, 64)
			if err != nil {
				return 0
			}
			if neg {
				return -int64(n)
			}
			return int64(n)
		}
		n, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return 0
		}
		f = n
	default:
		return 0
	}
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0
	}
	return int64(f)
}

// luaStickKey is the key of an entry in dump's answer, as haproxy 2.6
// pushes it: an address as inet_ntop writes it, a string up to its first
// NUL, and an integer key as the first byte of its host-order (little
// endian) 32 bits, that is its value modulo 256 (entries whose keys share
// it overwrite each other). nil for a binary table, which haproxy does
// not dump.
func luaStickKey(spec *stick.Spec, key []byte) glua.LValue {
	switch spec.Type {
	case stick.KeyIP, stick.KeyIPv6:
		a, ok := netip.AddrFromSlice(key)
		if !ok {
			return glua.LString("")
		}
		return glua.LString(ntop(a))
	case stick.KeyInteger:
		if len(key) != 4 {
			return glua.LNumber(0)
		}
		return glua.LNumber(key[3]) // big-endian here: the low byte is last
	case stick.KeyString:
		for i, c := range key {
			if c == 0 {
				key = key[:i]
				break
			}
		}
		return glua.LString(key)
	}
	return nil
}

// ntop writes an address as glibc's inet_ntop: as netip does, but for an
// IPv6 address whose first 96 bits are zero (but :: and ::1), written
// with its last 32 bits dotted ("::1.2.3.4", "::0.0.0.2").
func ntop(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	for _, c := range b[:12] {
		if c != 0 {
			return a.String()
		}
	}
	w6 := uint16(b[12])<<8 | uint16(b[13])
	w7 := uint16(b[14])<<8 | uint16(b[15])
	if w6 == 0 && (w7 == 0 || w7 == 1) {
		return a.String()
	}
	return "::" + netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}).String()
}
