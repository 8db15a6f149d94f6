package persist

import (
	"slices"
	"time"

	"switchyard/http1"
)

var (
	setCookieName    = []byte("set-cookie")
	cacheControlName = []byte("cache-control")
	private          = []byte("private")
)

// Response applies the cookie line to a server's response, where haproxy
// does: after the http-response rules, before the http-after-response
// ones; not for an interim (1xx) response other than 101, nor for a
// response haproxy makes itself. server says whether the response came
// from a server of the backend (false only for a backend without servers,
// such as a dispatch); srvCookie is that server's `cookie` value ("" for
// none).
//
// It edits the persistence cookie a server set: removed in insert mode or
// when indirect and the request came by cookie (unless preserve), given
// the server's value in rewrite mode, prefixed with "value~" in prefix
// mode. In insert mode it then adds a Set-Cookie when the client needs
// one (it came without a valid cookie, or the dates must be refreshed),
// followed by "Cache-control: private" with nocache when the response is
// cacheable. It sets t.Res.
func (c *Cookie) Response(t *Txn, resp *http1.Response, server bool, srvCookie string, now time.Time) {
	if resp.Status < 200 && resp.Status != 101 {
		return
	}
	h := &resp.Headers
	t.dels = t.dels[:0]
	// haproxy looks at every Set-Cookie, then every Set-Cookie2.
	for _, two := range [2]bool{false, true} {
		for i, f := range h.Fields() {
			if two && http1.EqualFoldLower(f.Name, "set-cookie2") || !two && http1.EqualFoldLower(f.Name, "set-cookie") {
				c.responseField(t, h, i, f.Value, two, server, srvCookie)
			}
		}
	}
	slices.Sort(t.dels)
	delFields(h, t.dels)

	if !server || c.opts&optInsert == 0 || t.Ignore ||
		t.Res == ResFound && c.opts&optPreserve != 0 ||
		c.opts&optPostOnly != 0 && !t.post {
		return
	}
	secs := now.Unix()
	refresh := (c.maxIdle != 0 || t.lastDate != 0) && (t.lastDate == 0 || int64(t.lastDate)-secs < 0) ||
		c.maxLife != 0 && t.firstDate == 0 ||
		c.maxLife == 0 && t.firstDate != 0
	if t.Direct && !refresh {
		return
	}
	start := len(t.buf)
	if srvCookie == "" {
		t.buf = append(t.buf, c.deleted...)
	} else {
		t.buf = append(append(append(t.buf, c.name...), '='), srvCookie...)
		if c.maxIdle != 0 || c.maxLife != 0 {
			// Dates count 4-second units; now is rounded up.
			date := uint32((secs + 3) >> 2)
			t.buf = appendDate(append(t.buf, '|'), date)
			if c.maxLife != 0 {
				if t.firstDate != 0 {
					date = t.firstDate >> 2
				}
				t.buf = appendDate(append(t.buf, '|'), date)
			}
		}
		t.buf = append(t.buf, c.tail...)
	}
	h.Add(setCookieName, t.buf[start:len(t.buf):len(t.buf)])
	if srvCookie != "" && t.Direct {
		t.Res = ResUpdated
	} else {
		t.Res = ResInserted
	}
	// HTTP/1.0 caches store the cookies with the page; "private" is
	// understood by more of them than no-cache="set-cookie".
	if c.opts&optNoCache != 0 && cacheable(t.cacheable, resp) {
		h.Add(cacheControlName, private)
	}
}

// responseField handles one Set-Cookie (or Set-Cookie2, two) field, i
// being its index. A Set-Cookie holds one cookie followed by attributes
// (whose values may hold commas); a Set-Cookie2 holds comma-separated
// cookies. As on the request side, the value is copied before it changes.
func (c *Cookie) responseField(t *Txn, h *http1.Headers, i int, v []byte, two, server bool, srvCookie string) {
	w, end := v, len(v)
	// size is the length haproxy keeps for the field, which is not
	// always end: removing a cookie from the middle of a Set-Cookie2
	// shifts the bytes but leaves the length as it was, so that the
	// shifted tail shows twice. The bytes of w beyond end are that tail.
	size := len(v)
	owned := false
	own := func() {
		if !owned {
			start := len(t.buf)
			t.buf = append(t.buf, v...)
			w, owned = t.buf[start:len(t.buf):len(t.buf)], true
		}
	}
	// replace puts s (and "~" when sep) in place of w[a:b] in a new copy,
	// and returns how much longer the value got.
	replace := func(a, b int, s string, sep bool) int {
		start := len(t.buf)
		t.buf = append(append(t.buf, w[:a]...), s...)
		if sep {
			t.buf = append(t.buf, '~')
		}
		t.buf = append(t.buf, w[b:size]...)
		d := len(t.buf) - start - size
		w, owned, size = t.buf[start:len(t.buf):len(t.buf)], true, size+d
		return d
	}
	for prev, first := 0, true; prev < end; first = false {
		attBeg := prev
		if !first {
			attBeg++
		}
		attBeg, attEnd, equal, valBeg, valEnd, next := scanPair(w[:end], attBeg, two)
		if next < end {
			// Skip the attributes: to the next cookie of a
			// Set-Cookie2, to the end of a Set-Cookie (an Expires date
			// has a comma).
			if two {
				next = http1.NextValue(w[:end], next)
			} else {
				next = end
			}
		}
		if equal == valEnd {
			prev = next
			continue
		}
		if attEnd != equal || valBeg > equal+1 {
			own()
			d := 0
			if attEnd != equal {
				copy(w[attEnd:], w[equal:end])
				d = attEnd - equal
				equal += d
				valBeg += d
			}
			if valBeg > equal+1 {
				copy(w[equal+1:], w[valBeg:end+d])
				d2 := equal + 1 - valBeg
				valBeg += d2
				d += d2
			}
			valEnd += d
			next += d
			end += d
			size = end
		}
		if t.Ignore || string(w[attBeg:attEnd]) != c.name {
			prev = next
			continue
		}
		t.Res = ResFound
		switch {
		case c.opts&optPreserve != 0:
			// The server's cookie is kept as it is.
		case server && c.opts&optInsert != 0 || t.Direct && c.opts&optIndirect != 0:
			// Insert mode will add its own; indirect hides the cookie
			// from a client that came with it.
			t.Res = ResDeleted
			if prev == 0 && next == end {
				t.dels = append(t.dels, i)
				return
			}
			own()
			d := delValue(w, end, &prev, next)
			next = prev
			end += d
		case server && srvCookie != "" && c.opts&optRewrite != 0:
			d := replace(valBeg, valEnd, srvCookie, false)
			next += d
			end += d
			t.Res = ResReplaced
		case server && srvCookie != "" && c.opts&optPrefix != 0:
			d := replace(valBeg, valBeg, srvCookie, true)
			next += d
			end += d
			t.Res = ResReplaced
		}
		prev = next
	}
	if owned || size != len(v) {
		h.SetValue(i, w[:size])
	}
}

// cacheable says whether haproxy takes the response as cacheable, which is
// when nocache adds "Cache-control: private": the request's method allowed
// it (methodOK) and the status is cacheable by default, unless the
// response's Pragma or Cache-Control say otherwise ("public" makes any
// response cacheable); and in any case the response must say how long it
// stays fresh (max-age, s-maxage, Expires) or carry a validator (ETag,
// Last-Modified). That last rule is a fix haproxy 2.6.12 has and 2.6.0
// lacks (commit 879debeec): the reference is 2.6.12.
func cacheable(methodOK bool, resp *http1.Response) bool {
	if resp.Status < 200 {
		return false
	}
	ok := methodOK
	switch resp.Status {
	case 200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501:
	default:
		ok = false
	}
	if v, found := resp.Get("pragma"); found && http1.EqualFoldLower(trimLWS(v), "no-cache") {
		return false
	}
	fresh := false
	for _, f := range resp.Fields() {
		if !http1.EqualFoldLower(f.Name, "cache-control") {
			continue
		}
		for j := 0; j <= len(f.Value); j++ {
			k := http1.NextValue(f.Value, j)
			e := trimLWS(f.Value[j:k])
			switch {
			case http1.EqualFoldLower(e, "public"):
				ok = true
			case http1.EqualFoldLower(e, "private"), http1.EqualFoldLower(e, "no-cache"),
				http1.EqualFoldLower(e, "no-store"), http1.EqualFoldLower(e, "max-age=0"),
				http1.EqualFoldLower(e, "s-maxage=0"):
				ok = false
			case hasPrefixFold(e, `no-cache="set-cookie`):
			case hasPrefixFold(e, "s-maxage"), hasPrefixFold(e, "max-age"):
				fresh = true
			}
			j = k
		}
	}
	if !fresh {
		_, fresh = resp.Get("expires")
	}
	if !fresh {
		_, etag := resp.Get("etag")
		_, lastMod := resp.Get("last-modified")
		fresh = etag || lastMod
	}
	return ok && fresh
}

// hasPrefixFold reports whether b starts with the lower-case prefix,
// ignoring case.
func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && http1.EqualFoldLower(b[:len(prefix)], prefix)
}

func trimLWS(b []byte) []byte {
	for len(b) > 0 && spht(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && spht(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
