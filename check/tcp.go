package check

import "bytes"

const hexDigits = "0123456789ABCDEF"

// hexDump is haproxy's dump_binary into a tune.bufsize buffer: upper-case
// hexadecimal of what fits, which rbinary patterns match against.
func hexDump(b []byte) []byte {
	if len(b) > bufSize/2 {
		b = b[:bufSize/2]
	}
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = hexDigits[c>>4], hexDigits[c&0xf]
	}
	if len(out) > bufSize-1 {
		out = out[:bufSize-1]
	}
	return out
}

// expectTCP evaluates a tcp-check expect rule on the bytes read so far,
// as haproxy's tcpcheck_eval_expect: it waits for more while an exact
// pattern or min-recv wants more bytes, and on a mismatch unless min-recv
// is set (then the absence of a match is conclusive).
func (x *run) expectTCP(r *rule, lastRead bool) evalRet {
	e := &r.expect
	buf := x.buf
	lastRead = lastRead || x.full()
	if !lastRead {
		if (e.typ == expString || e.typ == expBinary) && len(buf) < len(e.data) {
			return evalWait
		}
		if e.minRecv > 0 && len(buf) < e.minRecv {
			return evalWait
		}
	}
	st := e.errStatus
	if st == StatusUnknown {
		st = StatusL7Resp
	}
	match := false
	switch e.typ {
	case expString, expBinary:
		match = bytes.Contains(buf, e.data)
	case expRegex:
		match = e.re.Match(buf[:min(len(buf), bufSize-1)])
	case expBinaryRegex:
		match = e.re.Match(hexDump(buf))
	case expStringLF, expBinaryLF:
		s := e.lf.render(x)
		if s == "" {
			return x.expectFail(r, StatusL7Resp, false, "log-format string evaluated to an empty string")
		}
		pat := []byte(s)
		if e.typ == expBinaryLF {
			b, err := parseHex(s)
			if err != nil {
				return x.expectFail(r, StatusL7Resp, false, "Failed to parse hexastring resulting of eval of a log-format string")
			}
			pat = b
		}
		if len(buf) < len(pat) {
			if !lastRead {
				return evalWait
			}
			break
		}
		match = bytes.Contains(buf, pat)
	case expCustom:
		return e.custom(x, r, lastRead)
	default:
		return x.fail(StatusL7Resp, "")
	}
	if !match && !lastRead && e.minRecv == -1 {
		return evalWait
	}
	if match != e.inverse {
		return evalContinue
	}
	return x.expectFail(r, st, match, "")
}
