package sample

import (
	"fmt"
	"net/netip"
	"strings"
)

// ArgType is the declared type of a fetch or converter argument.
type ArgType uint8

const (
	ArgStr ArgType = iota + 1
	ArgInt
	ArgIPv4
	ArgIPv6
	ArgMask4 // an IPv4 mask: a length, or a dotted mask
	ArgMask6 // an IPv6 mask: a length, or an address
)

var argTypeNames = [...]string{
	0: "end of arguments", ArgStr: "string", ArgInt: "integer",
	ArgIPv4: "IPv4 address", ArgIPv6: "IPv6 address", ArgMask4: "IPv4 mask", ArgMask6: "IPv6 mask",
}

// argSpec is what a keyword accepts: the types of its arguments in order,
// of which the first min are mandatory.
type argSpec struct {
	types []ArgType
	min   int
}

func args(min int, types ...ArgType) argSpec { return argSpec{types: types, min: min} }

// arg is one parsed argument. Keywords always receive one arg per declared
// type, with set false for the optional ones that were not given.
type arg struct {
	set bool
	s   string
	b   []byte // s as bytes, so that fetches return it without copying
	i   int64
	ip  netip.Addr
	v   VarRef // filled by validators of variable names
}

// argError is a failed argument parse. pos is the 0-based argument the
// error is about, which converters report to the user.
type argError struct {
	msg string
	pos int
}

func (e *argError) Error() string { return e.msg }

// parseArgs parses a parenthesised, comma-separated argument list at the
// start of in, following haproxy's make_arg_list: arguments may be quoted
// with ' or ", backslash escapes \\ \' \" \<space> \r \n \t inside double
// quotes or unquoted text, an empty or absent list is allowed when nothing
// is mandatory, and an empty optional argument ends the list. It returns the
// arguments and the text after the closing parenthesis.
func parseArgs(in string, spec argSpec) ([]arg, string, *argError) {
	out := make([]arg, len(spec.types))
	empty := in == "" || in[0] != '('
	after := in // what follows an absent list
	if empty {
		in = "" // mandatory arguments then read as empty strings
	} else {
		in = in[1:]
	}
	typeAt := func(pos int) string {
		if pos < len(spec.types) {
			return argTypeNames[spec.types[pos]]
		}
		return argTypeNames[0]
	}
	pos := 0
	if len(spec.types) > 0 && !(empty && spec.min == 0) {
		for pos < len(spec.types) {
			word, rest, err := unquoteArg(in)
			if err != nil {
				return nil, "", &argError{fmt.Sprintf("failed to parse '%s' after '%s' as type '%s' at position %d",
					rest, word, typeAt(pos), pos+1), pos}
			}
			in = rest
			t := spec.types[pos]
			if word == "" && t != ArgStr {
				if pos >= spec.min {
					break // an empty optional argument ends the list
				}
				return nil, "", &argError{fmt.Sprintf("expected type '%s' at position %d, but got nothing",
					typeAt(pos), pos+1), pos}
			}
			a, ok := convertArg(word, t)
			if !ok {
				return nil, "", &argError{fmt.Sprintf("failed to parse '%s' as type '%s' at position %d",
					word, typeAt(pos), pos+1), pos}
			}
			out[pos] = a
			pos++
			if in == "" || in[0] == ')' || pos >= len(spec.types) {
				break
			}
			in = in[1:] // the comma
		}
	}
	if pos < spec.min {
		return nil, "", &argError{fmt.Sprintf("missing arguments (got %d/%d), type '%s' expected",
			pos, spec.min, typeAt(pos)), pos}
	}
	if empty {
		return out, after, nil
	}
	if in == "" || in[0] != ')' {
		msg := "expected ')'"
		if in != "" {
			msg = fmt.Sprintf("expected ')' before '%s'", in)
		}
		if pos > 1 {
			pos--
		}
		return nil, "", &argError{msg, pos}
	}
	return out, in[1:], nil
}

// unquoteArg reads one argument up to an unquoted ',' or ')' or the end of
// in. On a trailing lone backslash it returns what was read and the
// unparsable remainder with an error.
func unquoteArg(in string) (word, rest string, err error) {
	var b strings.Builder
	squote, dquote := false, false
	i := 0
	for i < len(in) {
		c := in[i]
		switch {
		case c == '"' && !squote:
			dquote = !dquote
			i++
		case c == '\'' && !dquote:
			squote = !squote
			i++
		case c == '\\' && !squote:
			if i+1 == len(in) {
				return b.String(), in[i:], fmt.Errorf("trailing backslash")
			}
			switch n := in[i+1]; n {
			case '\\', ' ', '"', '\'':
				b.WriteByte(n)
				i += 2
			case 'r':
				b.WriteByte('\r')
				i += 2
			case 'n':
				b.WriteByte('\n')
				i += 2
			case 't':
				b.WriteByte('\t')
				i += 2
			default: // a lone backslash is kept as is
				b.WriteByte(c)
				i++
			}
		case !squote && !dquote && (c == ',' || c == ')'):
			return b.String(), in[i:], nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), "", nil
}

func convertArg(word string, t ArgType) (arg, bool) {
	a := arg{set: true, s: word, b: []byte(word)}
	switch t {
	case ArgInt:
		n, ok := parseWholeInt(word)
		a.i = n
		return a, ok
	case ArgIPv4, ArgIPv6:
		ip, err := netip.ParseAddr(word)
		if err != nil || ip.Zone() != "" || ip.Is4() != (t == ArgIPv4) {
			return a, false
		}
		a.ip = ip
	case ArgMask4, ArgMask6:
		m, ok := parseMask(word, t == ArgMask6)
		a.ip = m
		return a, ok
	}
	return a, true
}

// parseWholeInt accepts an optional sign followed by decimal digits only,
// as haproxy's integer arguments.
func parseWholeInt(s string) (int64, bool) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	return leadingInt([]byte(s)), true
}
