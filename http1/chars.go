package http1

// Character classes of RFC 7230 as haproxy applies them. A table lookup per
// byte keeps the parser's inner loops branch-light.
const (
	cTok   = 1 << iota // tchar: may appear in a method or a header name
	cVer               // may appear in an HTTP version ("HTTP/1.1")
	cSPHT              // space or horizontal tab
	cCRLF              // CR or LF
	cDigit             // 0-9
)

var charClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= cTok | cVer | cDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cTok | cVer
		t[c+'a'-'A'] |= cTok
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] |= cTok
	}
	t['.'] |= cVer
	t['/'] |= cVer
	t[' '] |= cSPHT
	t['\t'] |= cSPHT
	t['\r'] |= cCRLF
	t['\n'] |= cCRLF
	return t
}()

func isToken(c byte) bool { return charClass[c]&cTok != 0 }
func isVer(c byte) bool   { return charClass[c]&cVer != 0 }
func isSPHT(c byte) bool  { return charClass[c]&cSPHT != 0 }
func isCRLF(c byte) bool  { return charClass[c]&cCRLF != 0 }
func isDigit(c byte) bool { return charClass[c]&cDigit != 0 }

// isLWS is haproxy's "linear white space": SP, HT, CR or LF.
func isLWS(c byte) bool { return charClass[c]&(cSPHT|cCRLF) != 0 }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// eqFold reports whether b equals the lower-case ASCII string s, ignoring
// the case of b. Header names and tokens are compared this way without
// allocating.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// eqFoldBytes is eqFold for two byte slices of unknown case.
func eqFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// trimLWS strips haproxy's linear white space from both ends of b.
func trimLWS(b []byte) []byte {
	for len(b) > 0 && isLWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
