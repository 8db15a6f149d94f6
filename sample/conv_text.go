package sample

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"regexp"
	"regexp/syntax"
)

// textConvs cut, compare and rewrite strings.
var textConvs = []convDef{
	{name: "length", in: TypeStr, out: TypeInt, fn: func(_ *Ctx, _ []arg, v Value) (Value, bool) { return Int(int64(len(v.Str))), true }},
	{name: "bytes", args: args(1, ArgInt, ArgInt), in: TypeBin, out: TypeBin, fn: convBytes},
	{name: "field", args: args(2, ArgInt, ArgStr, ArgInt), validate: validateField, in: TypeStr, out: TypeStr, fn: convField},
	{name: "word", args: args(2, ArgInt, ArgStr, ArgInt), validate: validateField, in: TypeStr, out: TypeStr, fn: convWord},
	{name: "ltrim", args: args(1, ArgStr), in: TypeStr, out: TypeStr, fn: convLTrim},
	{name: "rtrim", args: args(1, ArgStr), in: TypeStr, out: TypeStr, fn: convRTrim},
	{name: "regsub", args: args(2, ArgStr, ArgStr, ArgStr), in: TypeStr, out: TypeStr, compile: compileRegsub},
	{name: "concat", args: args(1, ArgStr, ArgStr, ArgStr), validate: validateConcat, in: TypeStr, out: TypeStr, fn: convConcat},
	{name: "strcmp", args: args(1, ArgStr), validate: validateVarOperand, in: TypeStr, out: TypeInt, fn: convStrcmp},
	{name: "secure_memcmp", args: args(1, ArgStr), validate: validateVarOperand, in: TypeBin, out: TypeBool, fn: convSecureMemcmp},
	{name: "iif", args: args(2, ArgStr, ArgStr), in: TypeBool, out: TypeStr, fn: convIif},
}

// convBytes keeps length bytes (all if absent) from offset. As in haproxy
// 2.6, a negative offset gives an empty sample and a negative length is
// ignored.
func convBytes(_ *Ctx, a []arg, v Value) (Value, bool) {
	off := a[0].i
	if off < 0 || off >= int64(len(v.Str)) {
		v.Str = v.Str[:0]
		return v, true
	}
	v.Str = v.Str[off:]
	if a[1].set && a[1].i >= 0 && a[1].i < int64(len(v.Str)) {
		v.Str = v.Str[:a[1].i]
	}
	return v, true
}

func validateField(a []arg) error {
	if a[0].i == 0 {
		return fmt.Errorf("Unexpected value 0 for index")
	}
	if a[1].s == "" {
		return fmt.Errorf("Empty separators list")
	}
	return nil
}

// fieldCount is the optional third argument of field and word: how many
// fields to return, 0 or less meaning all up to the end.
func fieldCount(a []arg) int64 {
	if a[2].set {
		return a[2].i
	}
	return 1
}

// convField returns field number index (from 1, or from the end when
// negative) of the string cut at any of the separator bytes, and count-1
// more fields with their separators. A field that does not exist is no
// sample.
func convField(_ *Ctx, a []arg, v Value) (Value, bool) {
	idx, seps, count := a[0].i, a[1].b, fieldCount(a)
	s := v.Str
	isSep := func(b byte) bool { return bytes.IndexByte(seps, b) >= 0 }
	if idx < 0 {
		field, start, end := int64(-1), len(s), len(s)
		for start > 0 {
			if isSep(s[start-1]) {
				if field == idx {
					if count == 1 {
						return Str(s[start:end]), true
					} else if count > 1 {
						count--
					}
				} else {
					end = start - 1
					field--
				}
			}
			start--
		}
		if field != idx {
			return Value{}, false
		}
		return Str(s[start:end]), true
	}
	field, start, end := int64(1), 0, 0
	for ; end < len(s); end++ {
		if isSep(s[end]) {
			if field == idx {
				if count == 1 {
					return Str(s[start:end]), true
				} else if count > 1 {
					count--
				}
			} else {
				start = end + 1
				field++
			}
		}
	}
	if field != idx {
		return Value{}, false
	}
	return Str(s[start:end]), true
}

// convWord is convField where runs of separators count as one and
// leading or trailing ones are ignored; a word that does not exist is the
// empty string.
func convWord(_ *Ctx, a []arg, v Value) (Value, bool) {
	idx, seps, count := a[0].i, a[1].b, fieldCount(a)
	s := v.Str
	isSep := func(b byte) bool { return bytes.IndexByte(seps, b) >= 0 }
	word, inWord := int64(0), false
	if idx < 0 {
		start, end := len(s), len(s)
		for ; start > 0; start-- {
			sep := isSep(s[start-1])
			if !inWord {
				if !sep {
					if word != idx {
						word--
						end = start
					}
					inWord = true
				}
			} else if sep {
				if word == idx {
					if count == 1 {
						return Str(s[start:end]), true
					} else if count > 1 {
						count--
					}
				}
				inWord = false
			}
		}
		if word != idx {
			return Str(s[:0]), true
		}
		return Str(s[start:end]), true
	}
	start, end := 0, 0
	for ; end < len(s); end++ {
		sep := isSep(s[end])
		if !inWord {
			if !sep {
				if word != idx {
					word++
					start = end
				}
				inWord = true
			}
		} else if sep {
			if word == idx {
				if count == 1 {
					return Str(s[start:end]), true
				} else if count > 1 {
					count--
				}
			}
			inWord = false
		}
	}
	if word != idx {
		return Str(s[:0]), true
	}
	return Str(s[start:end]), true
}

func convLTrim(_ *Ctx, a []arg, v Value) (Value, bool) {
	for len(v.Str) > 0 && bytes.IndexByte(a[0].b, v.Str[0]) >= 0 {
		v.Str = v.Str[1:]
	}
	return v, true
}

func convRTrim(_ *Ctx, a []arg, v Value) (Value, bool) {
	for n := len(v.Str); n > 0 && bytes.IndexByte(a[0].b, v.Str[n-1]) >= 0; n-- {
		v.Str = v.Str[:n-1]
	}
	return v, true
}

// compileRegsub compiles regsub(regex,replacement[,flags]). haproxy
// restarts the search after each match on the rest of the string with
// PCRE's NOTBOL, so a second regex, where '^' never matches, serves the
// later rounds.
func compileRegsub(_ *Env, a []arg) (convFunc, error) {
	icase, global := false, false
	for i := 0; i < len(a[2].s); i++ {
		switch f := a[2].s[i]; f {
		case 'i':
			icase = true
		case 'g':
			global = true
		default:
			return nil, fmt.Errorf("invalid regex flag '%c', only 'i' and 'g' are supported", f)
		}
	}
	first, err := CompileRegex(a[0].s, icase)
	if err != nil {
		return nil, err
	}
	rest := first
	if global {
		if rest, err = withoutBeginText(first); err != nil {
			return nil, err
		}
	}
	repl := a[1].s
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		return regsub(c, first, rest, repl, global, v.Str), true
	}, nil
}

// withoutBeginText recompiles re with '^' (start of text) never matching.
func withoutBeginText(re *regexp.Regexp) (*regexp.Regexp, error) {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil, err
	}
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		if r.Op == syntax.OpBeginText {
			r.Op = syntax.OpNoMatch
		}
		for _, sub := range r.Sub {
			walk(sub)
		}
	}
	walk(tree)
	return regexp.Compile(tree.String())
}

// regsub replaces the first match of the regex in s, or every match when
// global, with repl, where \0 to \9 insert groups and \xHH a byte.
func regsub(c *Ctx, first, rest *regexp.Regexp, repl string, global bool, s []byte) Value {
	start := len(c.Scratch)
	pos, round := 0, 0
	for {
		var m []int
		if round == 0 {
			m = first.FindSubmatchIndex(s[pos:])
		} else if global {
			m = rest.FindSubmatchIndex(s[pos:])
		}
		if m == nil {
			c.Scratch = append(c.Scratch, s[pos:]...)
			break
		}
		sub := s[pos:]
		c.Scratch = append(c.Scratch, sub[:m[0]]...)
		c.Scratch = expandRepl(c.Scratch, repl, sub, m)
		if pos >= len(s) {
			break
		}
		end := m[1]
		if end == 0 { // an empty match at the start: keep one byte, go on
			c.Scratch = append(c.Scratch, sub[0])
			end = 1
		}
		pos += end
		round++
	}
	return Str(scratchFrom(c, start))
}

// expandRepl appends a regsub replacement, as haproxy's exp_replace.
func expandRepl(dst []byte, repl string, sub []byte, m []int) []byte {
	for i := 0; i < len(repl); i++ {
		if repl[i] != '\\' || i+1 == len(repl) {
			dst = append(dst, repl[i])
			continue
		}
		i++
		switch ch := repl[i]; {
		case ch >= '0' && ch <= '9':
			n := int(ch - '0')
			if 2*n+1 < len(m) && m[2*n] >= 0 {
				dst = append(dst, sub[m[2*n]:m[2*n+1]]...)
			}
		case ch == 'x' && i+2 < len(repl):
			dst = append(dst, hexNibble(repl[i+1])<<4+hexNibble(repl[i+2]))
			i += 2
		default:
			dst = append(dst, ch)
		}
	}
	return dst
}

// hexNibble is haproxy's lenient hex digit: anything is turned into a
// value, valid or not.
func hexNibble(b byte) byte {
	if b >= 'a' && b <= 'z' {
		b -= 'a' - 'A'
	}
	v := b - '0'
	if v > 9 {
		v -= 'A' - '9' - 1
	}
	return v
}

// validateConcat resolves concat's variable name, if one is given.
func validateConcat(a []arg) error {
	if a[1].s == "" {
		return nil
	}
	ref, err := ParseVarName(a[1].s)
	if err != nil {
		return fmt.Errorf("failed to register variable name '%s'", a[1].s)
	}
	a[1].v = ref
	return nil
}

// convConcat appends a string, a variable's value as a string when it is
// set and castable, and another string.
func convConcat(c *Ctx, a []arg, v Value) (Value, bool) {
	start := len(c.Scratch)
	c.Scratch = append(c.Scratch, v.Str...)
	c.Scratch = append(c.Scratch, a[0].b...)
	if a[1].v.Scope != 0 {
		if vv, ok := c.Vars.Get(a[1].v); ok {
			c.Scratch = vv.appendString(c.Scratch)
		}
	}
	c.Scratch = append(c.Scratch, a[2].b...)
	return Str(scratchFrom(c, start)), true
}

// appendString appends a variable's value cast to a string, as the
// str cast: binary data up to its first NUL.
func (v Value) appendString(dst []byte) []byte { return v.AppendText(dst) }

// validateVarOperand resolves the mandatory variable of strcmp and
// secure_memcmp.
func validateVarOperand(a []arg) error {
	if a[0].s == "" {
		return fmt.Errorf("missing variable name")
	}
	ref, err := ParseVarName(a[0].s)
	if err != nil {
		return fmt.Errorf("failed to register variable name '%s'", a[0].s)
	}
	a[0].v = ref
	return nil
}

// varAs returns a variable's value cast to type t.
func varAs(c *Ctx, ref VarRef, t Type) (Value, bool) {
	v, ok := c.Vars.Get(ref)
	if !ok {
		return Value{}, false
	}
	return convert(c, v, t)
}

// convStrcmp compares like haproxy: strncmp over the shorter length (so
// the difference of the first differing bytes, stopping at a NUL), then
// -1 or 1 if the lengths differ.
func convStrcmp(c *Ctx, a []arg, v Value) (Value, bool) {
	w, ok := varAs(c, a[0].v, TypeStr)
	if !ok {
		return Value{}, false
	}
	x, y := v.Str, w.Str
	n := min(len(x), len(y))
	for i := 0; i < n; i++ {
		if x[i] != y[i] {
			return Int(int64(x[i]) - int64(y[i])), true
		}
		if x[i] == 0 {
			break
		}
	}
	switch {
	case len(x) < len(y):
		return Int(-1), true
	case len(x) > len(y):
		return Int(1), true
	}
	return Int(0), true
}

func convSecureMemcmp(c *Ctx, a []arg, v Value) (Value, bool) {
	w, ok := varAs(c, a[0].v, TypeBin)
	if !ok {
		return Value{}, false
	}
	return Bool(subtle.ConstantTimeCompare(v.Str, w.Str) == 1), true
}

func convIif(_ *Ctx, a []arg, v Value) (Value, bool) {
	if v.Int != 0 {
		return Str(a[0].b), true
	}
	return Str(a[1].b), true
}
