package sample

// cookieFetches read the request's Cookie headers or the response's
// Set-Cookie headers; "cookie" reads the one of the rule's direction.
// Cookie names compare case-sensitively; blanks around names and values
// are ignored.
var cookieFetches = []fetchDef{
	{name: "cook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: cookieFetch(reqCookies)},
	{name: "cook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: cookieCount(reqCookies)},
	{name: "cook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: cookieValue(reqCookies)},
	{name: "cookie", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPMsg, fn: cookieFetch(dirCookies)},
	{name: "req.cook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: cookieFetch(reqCookies)},
	{name: "req.cook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: cookieCount(reqCookies)},
	{name: "req.cook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: cookieValue(reqCookies)},
	{name: "res.cook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPRes, fn: cookieFetch(resCookies)},
	{name: "res.cook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: cookieCount(resCookies)},
	{name: "res.cook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: cookieValue(resCookies)},
	{name: "scook", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPRes, fn: cookieFetch(resCookies)},
	{name: "scook_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: cookieCount(resCookies)},
	{name: "scook_val", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: cookieValue(resCookies)},
}

// cookieSrc is where cookie fetches look: the headers, the header name,
// and whether a header line may hold several cookies. As in haproxy, that
// depends on the direction of the rule, not on the header: request rules
// read lists, response rules only the first cookie of each line (the
// attributes of a Set-Cookie follow it).
type cookieSrc func(c *Ctx) (h HeaderList, hdr string, list bool)

func reqCookies(c *Ctx) (HeaderList, string, bool) {
	return reqHeaders(c), "cookie", !c.OnResponse
}

func resCookies(c *Ctx) (HeaderList, string, bool) {
	return resHeaders(c), "set-cookie", !c.OnResponse
}

func dirCookies(c *Ctx) (HeaderList, string, bool) {
	if c.OnResponse {
		return resCookies(c)
	}
	return reqCookies(c)
}

// fetchCookie returns the last cookie called name, or the first cookie
// when no name is given; from an ACL it returns every matching cookie.
func cookieFetch(src cookieSrc) fetchFunc {
	return func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
		h, hdr, list := src(c)
		if h == nil {
			return Value{}, cursor{}, false
		}
		name := a[0].s
		if cur.all || name == "" {
			v, next, ok := nextCookie(h, hdr, name, list, cur)
			next.all, next.more = cur.all, cur.all
			return Str(v), next, ok
		}
		var last []byte
		found := false
		for pos := (cursor{}); ; {
			v, next, ok := nextCookie(h, hdr, name, list, pos)
			if !ok {
				return Str(last), cursor{}, found
			}
			last, found, pos = v, true, next
		}
	}
}

// cookieCount counts the cookies cookieFetch would return.
func cookieCount(src cookieSrc) fetchFunc {
	return func(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
		h, hdr, list := src(c)
		if h == nil {
			return Value{}, cursor{}, false
		}
		n := 0
		for pos := (cursor{}); ; n++ {
			var ok bool
			if _, pos, ok = nextCookie(h, hdr, a[0].s, list, pos); !ok {
				return Int(int64(n)), cursor{}, true
			}
		}
	}
}

// cookieValue is a cookie read as a decimal integer.
func cookieValue(src cookieSrc) fetchFunc {
	fetch := cookieFetch(src)
	return func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
		v, next, ok := fetch(c, a, cur)
		return Int(leadingInt(v.Str)), next, ok
	}
}

// nextCookie finds the next cookie called name (any cookie if name is "")
// from cur in the headers called hdr, where i and j locate a header
// element as for nextElem and k is the resume offset inside that element
// plus one.
func nextCookie(r HeaderList, hdr, name string, list bool, cur cursor) ([]byte, cursor, bool) {
	i, j, k := cur.i, cur.j, cur.k
	for {
		elem, ni, nj, ok := nextElem(r, hdr, true, i, j)
		if !ok {
			return nil, cursor{}, false
		}
		// haproxy skips header values too short to hold "name=".
		if len(elem) >= len(name)+1 {
			if v, resume, found := extractCookie(elem, max(k-1, 0), name, list); found {
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
// Without list, only the first cookie of the element is considered, and a
// comma does not end its name.
func extractCookie(elem []byte, p int, name string, list bool) ([]byte, int, bool) {
	e := len(elem)
	for att := p; att+len(name)+1 < e; {
		for att < e && isLWS(elem[att]) {
			att++
		}
		eq, attEnd := att, att
		for eq < e && elem[eq] != '=' && elem[eq] != ';' && (!list || elem[eq] != ',') {
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
		if !list && !dollar && eq != next {
			break
		}
		att = next + 1
	}
	return nil, 0, false
}

// cookieValueEnd returns the offset of the ';' or ',' ending the value
// starting at s, skipping over double-quoted parts.
func cookieValueEnd(b []byte, s int) int { return unquotedIndex(b, s, ';', ',') }
