package sample

import (
	"encoding/binary"
	"net/netip"
)

// Type is the type a fetch or converter declares at config time. It is
// finer than Kind because haproxy decides at load time which casts are
// possible (an IPv4 casts to an integer, an IPv6 does not; a method is a
// string that cannot become an integer), and we must reject the same
// configurations it rejects.
type Type uint8

const (
	TypeAny Type = iota // decided at run time (variables)
	TypeBool
	TypeInt
	TypeAddr // IPv4 or IPv6
	TypeIPv4
	TypeIPv6
	TypeStr
	TypeBin
	TypeMeth // an HTTP method: a string with its own ACL matcher
)

// castable mirrors haproxy's sample_casts matrix: whether a sample of type
// from may be turned into type to. It is checked when expressions are
// compiled; convert does the run-time work.
func castable(from, to Type) bool {
	if from == TypeAny || to == TypeAny || from == to {
		return true
	}
	switch from {
	case TypeBool:
		return to == TypeInt || to == TypeStr || to == TypeBin
	case TypeInt:
		return to != TypeMeth
	case TypeIPv4:
		return to == TypeInt || to == TypeAddr || to == TypeIPv6 || to == TypeStr || to == TypeBin
	case TypeIPv6:
		return to == TypeAddr || to == TypeIPv4 || to == TypeStr || to == TypeBin
	case TypeStr:
		return true
	case TypeBin:
		return to == TypeStr || to == TypeMeth
	case TypeMeth:
		return to == TypeStr || to == TypeBin
	}
	return false
}

// convert casts v to type to at run time, following haproxy's cast
// functions. Text produced by the cast is appended to c.Scratch so that no
// allocation happens once the scratch buffer has grown.
func convert(c *Ctx, v Value, to Type) (Value, bool) {
	switch to {
	case TypeAny, TypeMeth:
		return v, true
	case TypeStr:
		switch v.Kind {
		case KindStr:
			return v, true
		case KindBin:
			return Str(cutNUL(v.Str)), true
		}
		return Str(scratchText(c, v)), true
	case TypeBin:
		return toBin(c, v)
	case TypeBool, TypeInt:
		return toInt(v)
	case TypeAddr:
		return toAddr(v)
	case TypeIPv4:
		v, ok := toAddr(v)
		if !ok {
			return v, false
		}
		if v.IP.Is4In6() {
			v.IP = v.IP.Unmap()
		}
		return v, v.IP.Is4()
	case TypeIPv6:
		v, ok := toAddr(v)
		if ok && v.IP.Is4() {
			v.IP = netip.AddrFrom16(v.IP.As16())
		}
		return v, ok
	}
	return v, false
}

// scratchText renders v as text at the end of c.Scratch.
func scratchText(c *Ctx, v Value) []byte {
	start := len(c.Scratch)
	c.Scratch = v.AppendText(c.Scratch)
	return c.Scratch[start:len(c.Scratch):len(c.Scratch)]
}

func toInt(v Value) (Value, bool) {
	switch v.Kind {
	case KindInt, KindBool:
		return Int(v.Int), true
	case KindIP:
		if !v.IP.Is4() {
			return v, false
		}
		b := v.IP.As4()
		return Int(int64(binary.BigEndian.Uint32(b[:]))), true
	case KindStr:
		if len(v.Str) == 0 {
			return v, false
		}
		return Int(leadingInt(v.Str)), true
	}
	return v, false
}

func toAddr(v Value) (Value, bool) {
	switch v.Kind {
	case KindIP:
		return v, true
	case KindInt:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v.Int))
		return IP(netip.AddrFrom4(b)), true
	case KindStr:
		if a, ok := parseIPv4(v.Str); ok {
			return IP(a), true
		}
		if a, ok := parseIPv6(v.Str); ok {
			return IP(a), true
		}
	}
	return v, false
}

func toBin(c *Ctx, v Value) (Value, bool) {
	start := len(c.Scratch)
	switch v.Kind {
	case KindStr, KindBin:
		return Value{Kind: KindBin, Str: v.Str}, true
	case KindInt, KindBool:
		n := v.Int
		if v.Kind == KindBool && n != 0 {
			n = 1
		}
		c.Scratch = binary.BigEndian.AppendUint64(c.Scratch, uint64(n))
	case KindIP:
		c.Scratch = append(c.Scratch, v.IP.AsSlice()...)
	default:
		return v, false
	}
	return Value{Kind: KindBin, Str: c.Scratch[start:len(c.Scratch):len(c.Scratch)]}, true
}

// leadingInt parses an optional sign and the leading decimal digits of b,
// saturating on overflow, as haproxy's read_int64: "12abc" is 12 and "abc"
// is 0.
func leadingInt(b []byte) int64 {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		d := uint64(c - '0')
		if u > (1<<64-1-d)/10 {
			u = 1<<64 - 1
			continue
		}
		u = u*10 + d
	}
	if neg {
		if u > 1<<63 {
			return -1 << 63
		}
		return -int64(u)
	}
	if u > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(u)
}

// CastsTo says whether the expression's output may be converted to t at
// run time (a stick table's key type, say). An address that may be
// either family converts where either does.
func (e *Expr) CastsTo(t Type) bool {
	out := e.outType()
	if out == TypeAddr {
		return castable(TypeIPv4, t) || castable(TypeIPv6, t)
	}
	return castable(out, t)
}
