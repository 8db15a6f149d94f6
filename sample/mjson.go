package sample

import "math"

// A JSON scanner and path lookup with the behaviour of the mjson library
// haproxy's json_query uses: a single pass over the document reporting
// tokens to a path matcher, which stops at the first value at the path.
// Its path syntax is "$", then ".key" and "[index]" steps; like mjson,
// an index step expects a single digit.

const (
	mjInvalid = 0
	mjKey     = 1
	mjString  = 2
	mjNumber  = 3
	mjTrue    = 4
	mjFalse   = 5
	mjNull    = 6
	mjArray   = '['
	mjObject  = '{'
)

const mjMaxDepth = 20

// mjsonFind returns the type and text of the value at path in s.
func mjsonFind(s []byte, path string) (int, []byte) {
	if path == "" || path[0] != '$' {
		return mjInvalid, nil
	}
	m := mjMatcher{path: path, pos: 1, obj: -1}
	mjsonScan(s, &m)
	return m.tok, m.val
}

// mjMatcher is the state of a path lookup during the scan.
type mjMatcher struct {
	path   string
	pos    int // in path
	d1, d2 int // depth reached, depth matched
	i1, i2 int // current and wanted array index
	obj    int // where the object or array being matched starts
	tok    int
	val    []byte
}

// at returns the path byte at i, NUL past the end as in C.
func (m *mjMatcher) at(i int) byte {
	if i < len(m.path) {
		return m.path[i]
	}
	return 0
}

// token handles one token of s at [off, off+n); it returns true to stop.
func (m *mjMatcher) token(tok int, s []byte, off, n int) bool {
	if m.tok != mjInvalid {
		return true
	}
	switch {
	case tok == '{':
		if m.at(m.pos) == 0 && m.d1 == m.d2 {
			m.obj = off
		}
		m.d1++
	case tok == '[':
		if m.d1 == m.d2 && m.at(m.pos) == '[' {
			m.i1 = 0
			f, _ := mjsonStrtod(m.path[min(m.pos+1, len(m.path)):])
			m.i2 = int(f)
			if m.i1 == m.i2 {
				m.d2++
				m.pos += 3
			}
		}
		if m.at(m.pos) == 0 && m.d1 == m.d2 {
			m.obj = off
		}
		m.d1++
	case tok == ',':
		if m.d1 == m.d2+1 {
			m.i1++
			if m.i1 == m.i2 {
				for m.pos < len(m.path) && m.path[m.pos] != ']' {
					m.pos++
				}
				m.pos++
				m.d2++
			}
		}
	case tok == mjKey && m.d1 == m.d2+1 && m.at(m.pos) == '.' && s[off] == '"' && s[off+n-1] == '"' &&
		m.keyMatches(s[off+1:off+n-1]):
		m.d2++
		m.pos += m.keyEnd() + 1
	case tok == mjKey && m.d1 == m.d2:
		return true // the path is exhausted: not found
	case tok == '}' || tok == ']':
		m.d1--
		if m.at(m.pos) == 0 && m.d1 == m.d2 && m.obj != -1 {
			m.tok = tok - 2
			m.val = s[m.obj : off+1]
			return true
		}
	case tok > mjKey && tok < 7:
		if m.d1 == m.d2 && m.at(m.pos) == 0 {
			m.tok, m.val = tok, s[off:off+n]
			return true
		}
	}
	return false
}

// keyMatches compares a key with the path step after the '.', where a
// backslash escapes the next character.
func (m *mjMatcher) keyMatches(key []byte) bool {
	i, n := m.pos+1, 0
	for m.at(i) != 0 && m.at(i) != '.' && m.at(i) != '[' {
		if m.at(i) == '\\' {
			i++
		}
		if n >= len(key) || key[n] != m.at(i) {
			return false
		}
		i, n = i+1, n+1
	}
	return n == len(key)
}

// keyEnd is the length in the path of the step after the '.'.
func (m *mjMatcher) keyEnd() int {
	i := m.pos + 1
	for m.at(i) != 0 && m.at(i) != '.' && m.at(i) != '[' {
		if m.at(i) == '\\' {
			i++
		}
		i++
	}
	return i - (m.pos + 1)
}

// mjsonScan tokenizes one JSON value and reports each token to m until
// m asks to stop. It returns false on invalid input.
func mjsonScan(s []byte, m *mjMatcher) bool {
	const (
		expValue = iota
		expKey
		expColon
		expCommaOrEnd
	)
	var nesting [mjMaxDepth]byte
	expecting, depth := expValue, 0
	for i := 0; i < len(s); i++ {
		start := i
		c := s[i]
		tok := int(c)
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		// closing ends a container; at depth 0 the document is done
		closing := func() (done, ok bool) {
			if depth == 0 || c != nesting[depth-1]+2 {
				return false, false
			}
			depth--
			if depth == 0 {
				m.token(tok, s, start, i-start+1)
				return true, true
			}
			return false, true
		}
		switch expecting {
		case expValue:
			switch {
			case c == '{' || c == '[':
				if depth >= mjMaxDepth {
					return false
				}
				nesting[depth] = c
				depth++
				if c == '{' {
					expecting = expKey
				}
				if m.token(tok, s, start, 1) {
					return true
				}
				continue
			case c == ']' && depth > 0:
				done, ok := closing()
				if !ok {
					return false
				}
				if done {
					return true
				}
			case c == 't' && i+3 < len(s) && string(s[i:i+4]) == "true":
				i, tok = i+3, mjTrue
			case c == 'n' && i+3 < len(s) && string(s[i:i+4]) == "null":
				i, tok = i+3, mjNull
			case c == 'f' && i+4 < len(s) && string(s[i:i+5]) == "false":
				i, tok = i+4, mjFalse
			case c == '-' || c >= '0' && c <= '9':
				_, n := mjsonStrtod(s[i:])
				i += n - 1
				tok = mjNumber
			case c == '"':
				n := mjsonPassString(s[i+1:])
				if n < 0 {
					return false
				}
				i += n + 1
				tok = mjString
			default:
				return false
			}
			if depth == 0 {
				m.token(tok, s, start, i-start+1)
				return true
			}
			expecting = expCommaOrEnd
		case expKey:
			switch c {
			case '"':
				n := mjsonPassString(s[i+1:])
				if n < 0 {
					return false
				}
				i += n + 1
				tok = mjKey
				expecting = expColon
			case '}':
				done, ok := closing()
				if !ok {
					return false
				}
				if done {
					return true
				}
				expecting = expCommaOrEnd
			default:
				return false
			}
		case expColon:
			if c != ':' {
				return false
			}
			expecting = expValue
		case expCommaOrEnd:
			if depth <= 0 {
				return false
			}
			switch c {
			case ',':
				expecting = expValue
				if nesting[depth-1] == '{' {
					expecting = expKey
				}
			case ']', '}':
				done, ok := closing()
				if !ok {
					return false
				}
				if done {
					return true
				}
			default:
				return false
			}
		}
		if m.token(tok, s, start, i-start+1) {
			return true
		}
	}
	return false
}

// mjsonPassString returns the offset of the closing quote of a string
// whose text starts s, or -1.
func mjsonPassString(s []byte) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && isMJEscaped(s[i+1]):
			i++
		case s[i] == 0:
			return -1
		case s[i] == '"':
			return i
		}
	}
	return -1
}

// isMJEscaped: mjson only skips a backslash before these bytes (the
// control characters themselves, a backslash or a quote).
func isMJEscaped(c byte) bool {
	switch c {
	case '\b', '\f', '\n', '\r', '\t', '\\', '"':
		return true
	}
	return false
}

// mjsonStrtod parses a number the way mjson does and returns its value and
// length (possibly 0).
func mjsonStrtod[T ~string | ~[]byte](s T) (float64, int) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	d, sign, p, a := 0.0, 1.0, 0, 0
	switch at(p) {
	case '-':
		sign = -1
		p++
	case '+':
		p++
	}
	if isDigit(at(p)) {
		for isDigit(at(p)) {
			d = d*10 + float64(at(p)-'0')
			p++
		}
		a = p
	} else if at(p) != '.' {
		return d, a
	}
	d *= sign
	if at(p) == '.' {
		f, base := 0.0, 0.1
		p++
		for isDigit(at(p)) {
			f += base * float64(at(p)-'0')
			base /= 10
			p++
		}
		d += f * sign
		a = p
	}
	if at(p) == 'e' || at(p) == 'E' {
		e, neg := 0, false
		p++
		if at(p) == '-' {
			p, neg = p+1, true
		}
		if at(p) == '+' {
			p++
		}
		for isDigit(at(p)) && e < 100000 {
			e = e*10 + int(at(p)-'0')
			p++
		}
		for isDigit(at(p)) {
			p++
		}
		if neg {
			e = -e
		}
		for i := 0; i < e && d != 0 && !math.IsInf(d, 0); i++ {
			d *= 10
		}
		for i := 0; i < -e && d != 0; i++ {
			d /= 10
		}
		a = p
	} else if p > 0 && !isDigit(at(p-1)) {
		a = 0
	}
	return d, a
}

// mjsonUnescape appends the text of a JSON string without its quotes;
// mjson only decodes \u00XX escapes and the one-letter ones other than
// "\/".
func mjsonUnescape(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+5 < len(s) && s[i+1] == 'u':
			if s[i+2] != '0' || s[i+3] != '0' {
				return dst, false
			}
			dst = append(dst, mjNibble(s[i+4])<<4|mjNibble(s[i+5]))
			i += 5
		case s[i] == '\\' && i+1 < len(s):
			var c byte
			switch s[i+1] {
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case '\\':
				c = '\\'
			case '"':
				c = '"'
			default:
				return dst, false
			}
			dst = append(dst, c)
			i++
		default:
			dst = append(dst, s[i])
		}
	}
	return dst, true
}

// mjNibble is mjson's lenient hex digit.
func mjNibble(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - '7'
	}
	return c - 'W'
}
