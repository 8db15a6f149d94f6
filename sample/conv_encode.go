package sample

import "fmt"

// encodeConvs change the representation of a sample: base64, hex, JSON
// and URL escaping. Results are built in c.Scratch.
var encodeConvs = []convDef{
	{name: "base64", in: TypeBin, out: TypeStr, fn: convB64Enc(b64Std, true)},
	{name: "b64dec", in: TypeStr, out: TypeBin, fn: convB64Dec},
	{name: "ub64enc", in: TypeBin, out: TypeStr, fn: convB64Enc(b64URL, false)},
	{name: "ub64dec", in: TypeStr, out: TypeBin, fn: convUB64Dec},
	{name: "hex", in: TypeBin, out: TypeStr, fn: convHex},
	{name: "hex2i", in: TypeStr, out: TypeInt, fn: convHex2i},
	{name: "json", args: args(1, ArgStr), validate: validateJSONMode, in: TypeStr, out: TypeStr, fn: convJSON},
	{name: "url_dec", args: args(0, ArgInt), in: TypeStr, out: TypeStr, fn: convURLDec},
	{name: "url_enc", args: args(1, ArgStr), validate: validateURLEnc, in: TypeStr, out: TypeStr, fn: convURLEnc},
}

const (
	b64Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// b64Rev maps a character to its 6-bit value in either alphabet, 0xff for
// invalid characters; '=' is b64Pad.
var b64Rev, ub64Rev = b64Table(b64Std), b64Table(b64URL)

const b64Pad = 0xfe

func b64Table(alphabet string) (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}

func init() {
	b64Rev['='] = b64Pad
	ub64Rev['='] = 63 // an oddity of haproxy's table, kept for compatibility
}

func binVal(b []byte) Value { return Value{Kind: KindBin, Str: b} }

// scratchFrom returns what was appended to c.Scratch since start, capped
// so that later appends cannot overwrite it.
func scratchFrom(c *Ctx, start int) []byte {
	return c.Scratch[start:len(c.Scratch):len(c.Scratch)]
}

func convB64Enc(alphabet string, pad bool) convFunc {
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		start := len(c.Scratch)
		in := v.Str
		for len(in) >= 3 {
			n := uint(in[0])<<16 | uint(in[1])<<8 | uint(in[2])
			c.Scratch = append(c.Scratch, alphabet[n>>18], alphabet[n>>12&63], alphabet[n>>6&63], alphabet[n&63])
			in = in[3:]
		}
		switch len(in) {
		case 1:
			n := uint(in[0]) << 16
			c.Scratch = append(c.Scratch, alphabet[n>>18], alphabet[n>>12&63])
			if pad {
				c.Scratch = append(c.Scratch, '=', '=')
			}
		case 2:
			n := uint(in[0])<<16 | uint(in[1])<<8
			c.Scratch = append(c.Scratch, alphabet[n>>18], alphabet[n>>12&63], alphabet[n>>6&63])
			if pad {
				c.Scratch = append(c.Scratch, '=')
			}
		}
		return Str(scratchFrom(c, start)), true
	}
}

// convB64Dec decodes standard base64 as haproxy does: the length must be a
// multiple of 4, and padding may end any group of four (after at least two
// characters), not only the last one.
func convB64Dec(c *Ctx, _ []arg, v Value) (Value, bool) {
	in := v.Str
	if len(in)%4 != 0 {
		return Value{}, false
	}
	start := len(c.Scratch)
	for ; len(in) > 0; in = in[4:] {
		var t [4]byte
		pad := 0
		for i := 0; i < 4; i++ {
			b := b64Rev[in[i]]
			switch {
			case b == 0xff, pad > 0 && b != b64Pad, b == b64Pad && i < 2:
				c.Scratch = c.Scratch[:start]
				return Value{}, false
			case b == b64Pad:
				pad++
				b = 0
			}
			t[i] = b
		}
		c.Scratch = append(c.Scratch, t[0]<<2|t[1]>>4, t[1]<<4|t[2]>>2, t[2]<<6|t[3])
		c.Scratch = c.Scratch[:len(c.Scratch)-pad]
	}
	return binVal(scratchFrom(c, start)), true
}

// convUB64Dec decodes unpadded base64url; a length of 1 modulo 4 cannot
// be.
func convUB64Dec(c *Ctx, _ []arg, v Value) (Value, bool) {
	in := v.Str
	if len(in)%4 == 1 {
		return Value{}, false
	}
	start := len(c.Scratch)
	for len(in) > 0 {
		var t [4]byte
		n := min(len(in), 4)
		for i := 0; i < n; i++ {
			if t[i] = ub64Rev[in[i]]; t[i] == 0xff {
				c.Scratch = c.Scratch[:start]
				return Value{}, false
			}
		}
		c.Scratch = append(c.Scratch, t[0]<<2|t[1]>>4, t[1]<<4|t[2]>>2, t[2]<<6|t[3])
		c.Scratch = c.Scratch[:len(c.Scratch)-(4-n)]
		in = in[n:]
	}
	return binVal(scratchFrom(c, start)), true
}

const upperHex = "0123456789ABCDEF"

func convHex(c *Ctx, _ []arg, v Value) (Value, bool) {
	start := len(c.Scratch)
	for _, b := range v.Str {
		c.Scratch = append(c.Scratch, upperHex[b>>4], upperHex[b&15])
	}
	return Str(scratchFrom(c, start)), true
}

// convHex2i reads hexadecimal digits as an integer; any other character
// fails, and overflowing digits shift the first ones out.
func convHex2i(_ *Ctx, _ []arg, v Value) (Value, bool) {
	var n int64
	for _, b := range v.Str {
		d, ok := digitVal(b)
		if !ok {
			return Value{}, false
		}
		n = n<<4 + int64(d)
	}
	return Int(n), true
}

// The input modes of the json converter.
const (
	jsonASCII = iota
	jsonUTF8
	jsonUTF8S
	jsonUTF8P
	jsonUTF8PS
)

func validateJSONMode(a []arg) error {
	modes := map[string]int64{"": jsonASCII, "ascii": jsonASCII, "utf8": jsonUTF8, "utf8s": jsonUTF8S,
		"utf8p": jsonUTF8P, "utf8ps": jsonUTF8PS}
	m, ok := modes[a[0].s]
	if !ok {
		return fmt.Errorf("Unexpected input code type. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'")
	}
	a[0].i = m
	return nil
}

// The problems utf8Next reports, as haproxy's UTF8_CODE_* bits.
const (
	utf8Overlong = 1 << iota
	utf8InvRange
	utf8BadSeq
)

// utf8Next decodes the character at the start of s the permissive way
// haproxy does (up to 6-byte sequences), returning it, its length and the
// problems found.
func utf8Next(s []byte) (r uint32, n int, code int) {
	b := s[0]
	var extra int
	switch {
	case b < 0x80:
		return uint32(b), 1, 0
	case b < 0xc0:
		return uint32(b), 1, utf8BadSeq
	case b < 0xe0:
		r, extra = uint32(b&0x1f), 1
	case b < 0xf0:
		r, extra = uint32(b&0x0f), 2
	case b < 0xf8:
		r, extra = uint32(b&0x07), 3
	case b < 0xfc:
		r, extra = uint32(b&0x03), 4
	case b < 0xfe:
		r, extra = uint32(b&0x01), 5
	default:
		return uint32(b), 1, utf8BadSeq
	}
	if len(s) < extra+1 {
		return uint32(b), 1, utf8BadSeq
	}
	n = 1
	for ; extra > 0; extra-- {
		if s[n]&0xc0 != 0x80 {
			return r, n, utf8BadSeq
		}
		r = r<<6 | uint32(s[n]&0x3f)
		n++
	}
	if r <= 0x7f && n > 1 || r >= 0x80 && r <= 0x7ff && n > 2 || r >= 0x800 && r <= 0xffff && n > 3 ||
		r >= 0x10000 && r <= 0x1fffff && n > 4 {
		code |= utf8Overlong
	}
	if r >= 0xd800 && r <= 0xdfff || r >= 0xfffe && r <= 0xffff {
		code |= utf8InvRange
	}
	return r, n, code
}

// convJSON escapes a string to be put between double quotes in JSON.
func convJSON(c *Ctx, a []arg, v Value) (Value, bool) {
	mode := a[0].i
	start := len(c.Scratch)
	fail := func() (Value, bool) {
		c.Scratch = c.Scratch[:start]
		return Value{}, false
	}
	for p := v.Str; len(p) > 0; {
		var r uint32
		if mode == jsonASCII {
			r, p = uint32(p[0]), p[1:]
		} else {
			var n, code int
			r, n, code = utf8Next(p)
			p = p[n:]
			switch {
			case mode == jsonUTF8 && code != 0:
				return fail()
			case mode == jsonUTF8S && code != 0:
				continue
			case mode == jsonUTF8P && code&(utf8InvRange|utf8BadSeq) != 0:
				return fail()
			case mode == jsonUTF8PS && code&(utf8InvRange|utf8BadSeq) != 0:
				continue
			}
			if r > 0xffff {
				if mode == jsonUTF8 || mode == jsonUTF8P {
					return fail()
				}
				continue
			}
		}
		switch r {
		case '"', '\\', '/':
			c.Scratch = append(c.Scratch, '\\', byte(r))
		case '\b':
			c.Scratch = append(c.Scratch, '\\', 'b')
		case '\f':
			c.Scratch = append(c.Scratch, '\\', 'f')
		case '\r':
			c.Scratch = append(c.Scratch, '\\', 'r')
		case '\n':
			c.Scratch = append(c.Scratch, '\\', 'n')
		case '\t':
			c.Scratch = append(c.Scratch, '\\', 't')
		default:
			if r >= 0x20 && r < 0x7f {
				c.Scratch = append(c.Scratch, byte(r))
				break
			}
			c.Scratch = append(c.Scratch, '\\', 'u')
			for shift := 12; shift >= 0; shift -= 4 {
				c.Scratch = append(c.Scratch, "0123456789abcdef"[r>>uint(shift)&15])
			}
		}
	}
	return Str(scratchFrom(c, start)), true
}

// convURLDec decodes %XX escapes, and '+' as a space in the query string
// (after a '?') or everywhere when the argument is non-zero. A bad escape
// fails; decoding stops at a NUL byte.
func convURLDec(c *Ctx, a []arg, v Value) (Value, bool) {
	inForm := a[0].set && a[0].i != 0
	start := len(c.Scratch)
	in := v.Str
	for i := 0; i < len(in) && in[i] != 0; i++ {
		switch b := in[i]; b {
		case '+':
			if inForm {
				b = ' '
			}
			c.Scratch = append(c.Scratch, b)
		case '%':
			if i+2 >= len(in) {
				c.Scratch = c.Scratch[:start]
				return Value{}, false
			}
			h, ok1 := digitVal(in[i+1])
			l, ok2 := digitVal(in[i+2])
			if !ok1 || !ok2 {
				c.Scratch = c.Scratch[:start]
				return Value{}, false
			}
			c.Scratch = append(c.Scratch, byte(h<<4|l))
			i += 2
		case '?':
			inForm = true
			c.Scratch = append(c.Scratch, b)
		default:
			c.Scratch = append(c.Scratch, b)
		}
	}
	return Str(scratchFrom(c, start)), true
}

func validateURLEnc(a []arg) error {
	if a[0].s != "" && a[0].s != "query" {
		return fmt.Errorf("Unexpected encode type. Allowed value is 'query'")
	}
	return nil
}

// convURLEnc escapes every byte but the unreserved characters of RFC
// 3986, as a query string component; hex digits are upper case.
func convURLEnc(c *Ctx, _ []arg, v Value) (Value, bool) {
	start := len(c.Scratch)
	for _, b := range v.Str {
		if isAlnum(b) || b == '-' || b == '.' || b == '_' || b == '~' {
			c.Scratch = append(c.Scratch, b)
			continue
		}
		c.Scratch = append(c.Scratch, '%', upperHex[b>>4], upperHex[b&15])
	}
	return Str(scratchFrom(c, start)), true
}
