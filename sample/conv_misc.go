package sample

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// miscConvs: address masks, variables set from an expression, JSON
// queries.
var miscConvs = []convDef{
	{name: "ipmask", args: args(1, ArgMask4, ArgMask6), in: TypeAddr, out: TypeIPv4, fn: convIPMask},
	{name: "set-var", args: args(1, ArgStr, ArgStr, ArgStr, ArgStr, ArgStr), validate: validateSetVar, in: TypeAny, out: TypeAny, fn: convSetVar},
	{name: "unset-var", args: args(1, ArgStr), validate: validateSetVar, in: TypeAny, out: TypeAny, fn: convUnsetVar},
	{name: "json_query", args: args(1, ArgStr, ArgStr), validate: validateJSONQuery, in: TypeStr, out: TypeAny, fn: convJSONQuery},
}

// parseMask reads an IPv4 mask (a length or a dotted mask) or an IPv6
// mask (a length or an address), as haproxy's str2mask and str2mask6.
func parseMask(s string, v6 bool) (netip.Addr, bool) {
	sep, bits := ".", 32
	if v6 {
		sep, bits = ":", 128
	}
	if strings.Contains(s, sep) {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Zone() != "" || ip.Is4() == v6 {
			return netip.Addr{}, false
		}
		return ip, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > bits {
		return netip.Addr{}, false
	}
	if v6 {
		return maskOf(netip.IPv6Unspecified(), n), true
	}
	return maskOf(netip.IPv4Unspecified(), n), true
}

// maskOf returns the mask of n leading one bits in the family of zero.
func maskOf(zero netip.Addr, n int) netip.Addr {
	b := zero.AsSlice()
	for i := range b {
		switch {
		case n >= 8:
			b[i], n = 0xff, n-8
		case n > 0:
			b[i], n = byte(0xff<<(8-n)), 0
		}
	}
	ip, _ := netip.AddrFromSlice(b)
	return ip
}

// convIPMask masks an address; an IPv6 one (unless IPv4-mapped) needs the
// IPv6 mask, or the converter fails.
func convIPMask(_ *Ctx, a []arg, v Value) (Value, bool) {
	ip := v.IP.Unmap()
	if ip.Is4() {
		x, m := ip.As4(), a[0].ip.As4()
		for i := range x {
			x[i] &= m[i]
		}
		return IP(netip.AddrFrom4(x)), true
	}
	if !a[1].ip.IsValid() {
		return Value{}, false
	}
	x, m := ip.As16(), a[1].ip.As16()
	for i := range x {
		x[i] &= m[i]
	}
	return IP(netip.AddrFrom16(x)), true
}

// validateSetVar resolves the variable and folds the conditions into
// a[0].i.
func validateSetVar(a []arg) error {
	ref, err := ParseVarName(a[0].s)
	if err != nil {
		return err
	}
	a[0].v = ref
	var conds VarConds
	for _, x := range a[1:] {
		if !x.set {
			break
		}
		c, ok := ParseVarCond(x.s)
		if !ok {
			return fmt.Errorf("unknown condition \"%s\"", x.s)
		}
		conds |= c
	}
	a[0].i = int64(conds)
	return nil
}

// convSetVar stores the sample in a variable and passes it on. As in
// haproxy, when a condition prevents the store the converter fails, and
// so does the expression.
func convSetVar(c *Ctx, a []arg, v Value) (Value, bool) {
	if !c.Vars.SetIf(a[0].v, v, VarConds(a[0].i)) {
		return Value{}, false
	}
	return v, true
}

func convUnsetVar(c *Ctx, a []arg, v Value) (Value, bool) {
	c.Vars.Unset(a[0].v)
	return v, true
}

func validateJSONQuery(a []arg) error {
	if a[0].s == "" {
		return fmt.Errorf("json_path must not be empty")
	}
	if a[1].s != "" && a[1].s != "int" {
		return fmt.Errorf("output_type only supports \"int\" as argument")
	}
	a[1].i = 0
	if a[1].s == "int" {
		a[1].i = 1
	}
	return nil
}

// jsonIntMax bounds the integers json_query returns, as RFC 7159 advises.
const jsonIntMax = 1<<53 - 1

// convJSONQuery returns the value at a JSON path ("$.a.b[0]") of a JSON
// document: numbers as text (printf's %g) or, with "int", as integers;
// booleans; strings unescaped. Objects, arrays and null are no sample.
func convJSONQuery(c *Ctx, a []arg, v Value) (Value, bool) {
	tok, val := mjsonFind(v.Str, a[0].s)
	switch tok {
	case mjNumber:
		if a[1].i == 1 {
			n := strtoll0(val)
			if n < -jsonIntMax || n > jsonIntMax {
				return Value{}, false
			}
			return Int(n), true
		}
		f, _ := mjsonStrtod(val)
		start := len(c.Scratch)
		c.Scratch = appendCG(c.Scratch, f)
		return Str(scratchFrom(c, start)), true
	case mjTrue:
		return Bool(true), true
	case mjFalse:
		return Bool(false), true
	case mjString:
		start := len(c.Scratch)
		var ok bool
		if c.Scratch, ok = mjsonUnescape(c.Scratch, val[1:len(val)-1]); !ok {
			c.Scratch = c.Scratch[:start]
			return Value{}, false
		}
		return Str(scratchFrom(c, start)), true
	}
	return Value{}, false
}

// strtoll0 is strtoll(s, NULL, 0) on a JSON number: a leading 0 means
// octal, and parsing stops at the first invalid digit; it saturates.
func strtoll0(s []byte) int64 {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	base := uint64(10)
	if len(s) > 1 && s[0] == '0' {
		base = 8
	}
	var u uint64
	over := false
	for _, b := range s {
		d, ok := digitVal(b)
		if !ok || d >= base {
			break
		}
		if u > (1<<64-1-d)/base {
			over = true
			continue
		}
		u = u*base + d
	}
	switch {
	case neg && (over || u > 1<<63):
		return -1 << 63
	case neg:
		return -int64(u)
	case over || u > 1<<63-1:
		return 1<<63 - 1
	}
	return int64(u)
}

// appendCG formats f as C's printf("%g"): six significant digits,
// trailing zeros removed, an exponent of at least two digits.
func appendCG(dst []byte, f float64) []byte {
	const prec = 6
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	if f == 0 {
		if 1/f < 0 {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	var buf [40]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', prec-1, 64)
	i := bytes.LastIndexByte(e, 'e')
	exp := int(leadingInt(e[i+1:]))
	if exp < -4 || exp >= prec {
		mant := trimFracZeros(e[:i])
		dst = append(dst, mant...)
		dst = append(dst, 'e')
		if exp < 0 {
			dst, exp = append(dst, '-'), -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	return append(dst, trimFracZeros(strconv.AppendFloat(buf[:0], f, 'f', prec-1-exp, 64))...)
}

func trimFracZeros(b []byte) []byte {
	if bytes.IndexByte(b, '.') < 0 {
		return b
	}
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}
