package sample

import (
	"net/netip"
	"strconv"
)

// Kind is the run-time type of a sample, as haproxy's sample types (str,
// sint, bool, ip, bin). HTTP methods are plain strings here: haproxy's
// special "meth" type only matters when an ACL is compiled.
type Kind uint8

const (
	KindNone Kind = iota
	KindStr
	KindInt
	KindBool
	KindIP
	KindBin
)

// Value is one sample. Str may point into request buffers or Ctx.Scratch, so
// a Value is only valid until the request is released or the Ctx is reset;
// copy it to keep it longer.
type Value struct {
	Kind Kind
	Str  []byte // KindStr and KindBin
	Int  int64  // KindInt, and KindBool as 0 or 1
	IP   netip.Addr
}

// Str returns a string sample.
func Str(b []byte) Value { return Value{Kind: KindStr, Str: b} }

// Int returns an integer sample.
func Int(i int64) Value { return Value{Kind: KindInt, Int: i} }

// Bool returns a boolean sample.
func Bool(b bool) Value {
	if b {
		return Value{Kind: KindBool, Int: 1}
	}
	return Value{Kind: KindBool}
}

// IP returns an address sample.
func IP(a netip.Addr) Value { return Value{Kind: KindIP, IP: a} }

// AppendText appends the sample as haproxy casts it to a string: decimal
// integers, booleans as 0/1, addresses in their usual notation, and binary
// data up to its first NUL byte.
func (v Value) AppendText(dst []byte) []byte {
	switch v.Kind {
	case KindStr:
		return append(dst, v.Str...)
	case KindBin:
		return append(dst, cutNUL(v.Str)...)
	case KindInt, KindBool:
		return strconv.AppendInt(dst, v.Int, 10)
	case KindIP:
		return v.IP.AppendTo(dst)
	}
	return dst
}

// cutNUL truncates b at its first NUL byte, as haproxy's bin-to-str cast.
func cutNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
