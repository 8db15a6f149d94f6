package sample

import "bytes"

// fetchURLParam implements url_param(name[,delim]): the value of the first
// parameter called name (any parameter without a name) in the part of the
// target after the first delim ('?' by default). Parameters end at '&',
// ';' or delim; values are not URL-decoded. From an ACL it returns every
// matching parameter in turn.
func fetchURLParam(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	uri := c.Req.URI()
	delim := byte('?')
	if a[1].set {
		delim = firstByte(a[1].s)
	}
	pos := cur.i - 1 // cur.i is the resume offset plus one
	if cur.i == 0 {
		q := bytes.IndexByte(uri, delim)
		if q < 0 {
			return Value{}, cursor{}, false
		}
		pos = q + 1
	}
	start, ok := findParamValue(uri, pos, a[0].s, delim)
	if !ok {
		return Value{}, cursor{}, false
	}
	end := start
	for end < len(uri) && !isParamDelim(uri[end], delim) {
		end++
	}
	next := cursor{all: cur.all, i: end + 1, more: cur.all && end < len(uri)}
	return Str(uri[start:end]), next, true
}

// fetchURLParamVal is url_param() read as a decimal integer.
func fetchURLParamVal(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	v, next, ok := fetchURLParam(c, a, cur)
	return Int(leadingInt(v.Str)), next, ok
}

// findParamValue returns the offset of the value of the next parameter
// called name at or after pos. Without a name, the first '=' anywhere after
// pos starts the value, as haproxy does.
func findParamValue(uri []byte, pos int, name string, delim byte) (int, bool) {
	if name == "" {
		i := bytes.IndexByte(uri[pos:], '=')
		return pos + i + 1, i >= 0
	}
	for pos < len(uri) {
		eq := pos + len(name)
		if eq >= len(uri) {
			return 0, false
		}
		if uri[eq] == '=' {
			if string(uri[pos:eq]) == name {
				return eq + 1, true
			}
			pos = eq + 1
		}
		for pos < len(uri) && !isParamDelim(uri[pos], delim) {
			pos++
		}
		if pos == len(uri) {
			return 0, false
		}
		pos++
	}
	return 0, false
}

func isParamDelim(c, delim byte) bool { return c == '&' || c == ';' || c == delim }

// firstByte is haproxy's "only the first character counts" for delimiter
// arguments; an empty one is NUL.
func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}
