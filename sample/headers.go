package sample

// Header scanning shared by the header and cookie fetches. haproxy sees a
// list-valued header ("X: a, b") as several values, each a sample, and
// "full" fetches (fhdr) as one value per header line.

// nextElem returns the next value of the headers called name (any header
// when name is ""), starting at header i and, when j > 0, at offset j-1
// inside it. It returns where to resume. With split, values are the
// comma-separated elements of each header, otherwise whole header values.
func nextElem(r HeaderList, name string, split bool, i, j int) (val []byte, ni, nj int, ok bool) {
	for ; i < r.NumHeaders(); i, j = i+1, 0 {
		n, v := r.Header(i)
		if j == 0 && name != "" && !equalFold(n, name) {
			continue
		}
		if !split {
			return trimLWS(v), i + 1, 0, true
		}
		elem, comma := splitElem(v, max(j-1, 0))
		if comma < 0 {
			return elem, i + 1, 0, true
		}
		return elem, i, comma + 2, true // resume after the comma
	}
	return nil, i, 0, false
}

// HeaderElem returns value number occ (from 1; negative counts from the
// last) of the headers called name, each header split on commas outside
// quotes and trimmed of blanks: the value hdr(name,occ) fetches.
func HeaderElem(r HeaderList, name string, occ int) ([]byte, bool) {
	return nthElem(r, name, true, occ)
}

// countElems counts the values nextElem would return.
func countElems(r HeaderList, name string, split bool) int {
	n, i, j := 0, 0, 0
	for {
		var ok bool
		if _, i, j, ok = nextElem(r, name, split, i, j); !ok {
			return n
		}
		n++
	}
}

// nthElem returns value number occ (from 1) of the headers called name,
// counting from the last one when occ is negative (-1 is the last).
func nthElem(r HeaderList, name string, split bool, occ int) ([]byte, bool) {
	if occ == -1 { // the common case: one pass, remembering the last value
		var last []byte
		found := false
		for v, i, j, ok := nextElem(r, name, split, 0, 0); ok; v, i, j, ok = nextElem(r, name, split, i, j) {
			last, found = v, true
		}
		return last, found
	}
	if occ < 0 {
		occ += countElems(r, name, split) + 1
		if occ < 1 {
			return nil, false
		}
	}
	i, j := 0, 0
	for ; occ > 0; occ-- {
		var v []byte
		var ok bool
		if v, i, j, ok = nextElem(r, name, split, i, j); !ok {
			return nil, false
		} else if occ == 1 {
			return v, true
		}
	}
	return nil, false
}

// splitElem returns the comma-separated element of v starting at off,
// trimmed of blanks, and the offset of the comma ending it, or -1 when it
// is the last one. Commas inside double-quoted strings do not separate.
func splitElem(v []byte, off int) ([]byte, int) {
	k := unquotedIndex(v, off, ',', ',')
	if k == len(v) {
		return trimLWS(v[off:]), -1
	}
	return trimLWS(v[off:k]), k
}

// unquotedIndex returns the offset of the first d1 or d2 at or after s
// that is outside a double-quoted string (with backslash escapes), or
// len(b).
func unquotedIndex(b []byte, s int, d1, d2 byte) int {
	quoted, escaped := false, false
	for ; s < len(b); s++ {
		c := b[s]
		switch {
		case escaped:
			escaped = false
		case quoted:
			if c == '\\' {
				escaped = true
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == d1 || c == d2:
			return s
		}
	}
	return s
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' }

func trimLWS(b []byte) []byte {
	for len(b) > 0 && isLWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b and s are equal ignoring ASCII case, as
// header names compare.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
