package sample

// cookieFetches read the request's Cookie headers. Cookie names compare
// case-sensitively; blanks around names and values are ignored.
var cookieFetches = []fetchDef{
	{name: "cook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: fetchCookie},
	{name: "cook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: fetchCookieCnt},
	{name: "cook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: fetchCookieVal},
	{name: "req.cook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: fetchCookie},
	{name: "req.cook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: fetchCookieCnt},
	{name: "req.cook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: fetchCookieVal},
}

// fetchCookie returns the last cookie called name, or the first cookie
// when no name is given; from an ACL it returns every matching cookie.
func fetchCookie(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	name := a[0].s
	if cur.all || name == "" {
		v, next, ok := nextCookie(c.Req, name, cur)
		next.all, next.more = cur.all, cur.all
		return Str(v), next, ok
	}
	var last []byte
	found := false
	for pos := (cursor{}); ; {
		v, next, ok := nextCookie(c.Req, name, pos)
		if !ok {
			return Str(last), cursor{}, found
		}
		last, found, pos = v, true, next
	}
}

func fetchCookieCnt(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	n := 0
	for pos := (cursor{}); ; n++ {
		var ok bool
		if _, pos, ok = nextCookie(c.Req, a[0].s, pos); !ok {
			return Int(int64(n)), cursor{}, true
		}
	}
}

// fetchCookieVal is a cookie read as a decimal integer.
func fetchCookieVal(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	v, next, ok := fetchCookie(c, a, cur)
	return Int(leadingInt(v.Str)), next, ok
}

// nextCookie finds the next cookie called name (any cookie if name is "")
// from cur, where i and j locate a Cookie header element as for nextElem
// and k is the resume offset inside that element plus one.
func nextCookie(r Request, name string, cur cursor) ([]byte, cursor, bool) {
	i, j, k := cur.i, cur.j, cur.k
	for {
		elem, ni, nj, ok := nextElem(r, "cookie", true, i, j)
		if !ok {
			return nil, cursor{}, false
		}
		// haproxy skips header values too short to hold "name=".
		if len(elem) >= len(name)+1 {
			if v, resume, found := extractCookie(elem, max(k-1, 0), name); found {
				return v, cursor{i: i, j: j, k: resume + 1}, true
			}
		}
		i, j, k = ni, nj, 0
	}
}

// extractCookie scans "n1=v1; n2=v2" from offset p for the cookie called
// name and returns its value and where to resume. Attributes starting with
// '$' and names without '=' are skipped. As in haproxy, a cookie must start
// more than len(name)+1 bytes before the end to be considered, so that an
// empty value at the very end ("a=") is not found from its first byte.
func extractCookie(elem []byte, p int, name string) ([]byte, int, bool) {
	e := len(elem)
	for att := p; att+len(name)+1 < e; {
		for att < e && isLWS(elem[att]) {
			att++
		}
		eq, attEnd := att, att
		for eq < e && elem[eq] != '=' && elem[eq] != ';' && elem[eq] != ',' {
			if !isLWS(elem[eq]) {
				attEnd = eq + 1
			}
			eq++
		}
		valBeg, valEnd, next := eq, eq, eq
		if eq < e && elem[eq] == '=' {
			valBeg = eq + 1
			for valBeg < e && isLWS(elem[valBeg]) {
				valBeg++
			}
			next = cookieValueEnd(elem, valBeg)
			valEnd = next
			for valEnd > valBeg && isLWS(elem[valEnd-1]) {
				valEnd--
			}
		}
		dollar := att < e && elem[att] == '$'
		if !dollar && eq != next && (name == "" || string(elem[att:attEnd]) == name) {
			return elem[valBeg:valEnd], next + 1, true
		}
		att = next + 1
	}
	return nil, 0, false
}

// cookieValueEnd returns the offset of the ';' or ',' ending the value
// starting at s, skipping over double-quoted parts.
func cookieValueEnd(b []byte, s int) int { return unquotedIndex(b, s, ';', ',') }
