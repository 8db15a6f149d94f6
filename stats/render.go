package stats

import (
	"math"
	"strconv"
	"strings"
)

// The renderers append to dst and return it, as strconv's Append functions
// do, so that callers reuse their buffers. They print what haproxy's stats
// applet prints and nothing more: haproxy's CLI ends every command's answer
// with one more "\n" (the empty line a script waits for), which is the
// CLI's business, not the renderer's; over HTTP that line is absent.

// appendNum appends a numeric field's value as haproxy's printf does
// ("%u", "%d", "%llu", "%lld", or "%f" trimmed of its useless zeroes).
// Reading a 32-bit kind through its own width keeps a field built by hand
// with too large a value printed as haproxy would print it.
func appendNum(dst []byte, f *Field) []byte {
	switch f.Kind {
	case S32:
		return strconv.AppendInt(dst, int64(int32(f.S)), 10)
	case U32:
		return strconv.AppendUint(dst, uint64(uint32(f.U)), 10)
	case S64:
		return strconv.AppendInt(dst, f.S, 10)
	case U64:
		return strconv.AppendUint(dst, f.U, 10)
	case Flt:
		return appendFlt(dst, f.F)
	}
	return dst
}

// appendFlt is C's "%f" followed by haproxy's flt_trim: at most six
// decimals, trailing zeroes and a bare decimal point removed.
func appendFlt(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, "nan"...)
	case math.IsInf(v, 1):
		return append(dst, "inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-inf"...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'f', 6, 64)
	dot := -1
	for i := start; i < len(dst); i++ {
		if dst[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return dst
	}
	end := dot // drop the point too when nothing significant follows it
	for i := dot + 1; i < len(dst); i++ {
		if dst[i] != '0' {
			end = i + 1
		}
	}
	return dst[:end]
}

// appendCSVValue appends a field as a CSV cell's content: nothing for an
// empty field, the number, or the string quoted when it holds a comma, a
// quote or a line break (quotes doubled), as haproxy's csv_enc does.
func appendCSVValue(dst []byte, f *Field) []byte {
	if f.Kind != Str {
		return appendNum(dst, f)
	}
	s := f.Str
	if !strings.ContainsAny(s, "\n\r,\"") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// appendTypedValue appends "type:value" as the typed outputs print it;
// strings go out raw, as haproxy prints them.
func appendTypedValue(dst []byte, f *Field) []byte {
	dst = append(dst, f.Kind.String()...)
	dst = append(dst, ':')
	if f.Kind == Str {
		return append(dst, f.Str...)
	}
	return appendNum(dst, f)
}

// pid is the process number a row or the info prints in its keys: haproxy
// always fills it with 1; a row without it is still of process 1.
func pid(f *Field) uint64 {
	if f.Kind == U32 || f.Kind == U64 {
		return uint64(uint32(f.U))
	}
	return 1
}
