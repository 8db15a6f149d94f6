package proxy

import (
	"bytes"
	"sort"

	"switchyard/config"
)

// normalize-uri, with the semantics of haproxy 2.6's URI normalizers. Each
// works on the path of the request target (see pathStart); a target
// without one is left alone. The result is built in the transaction's
// scratch space.

func compileNormalize(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.NormalizeOp)
	return func(s *httpStream) (ruleVerdict, bool) {
		req := &s.t.req
		uri := req.URI()
		start, ok := pathStart(uri)
		if !ok {
			return ruleContinue, false
		}
		path := uri[start:]
		mark := len(s.ctx.Scratch)
		buf := append(s.ctx.Scratch, uri[:start]...)
		valid := true
		switch op.Kind {
		case config.NormMergeSlashes:
			q := queryStart(path)
			buf = mergeSlashes(buf, path[:q])
			buf = append(buf, path[q:]...)
		case config.NormStripDot:
			q := queryStart(path)
			buf = stripDot(buf, path[:q])
			buf = append(buf, path[q:]...)
		case config.NormStripDotDot:
			q := queryStart(path)
			buf = stripDotDot(buf, path[:q], op.Strict)
			buf = append(buf, path[q:]...)
		case config.NormSortQuery:
			q := queryStart(path)
			buf = append(buf, path[:q]...)
			if q < len(path) {
				buf = sortQuery(buf, path[q:])
			}
		case config.NormPercentUpper:
			buf, valid = percentUpper(buf, path, op.Strict)
		case config.NormPercentDecode:
			buf, valid = percentDecodeUnreserved(buf, path, op.Strict)
		case config.NormFragmentStrip:
			if i := bytes.IndexByte(path, '#'); i >= 0 {
				path = path[:i]
			}
			buf = append(buf, path...)
		case config.NormFragmentEncode:
			for i, part := range bytes.Split(path, []byte("#")) {
				if i > 0 {
					buf = append(buf, "%23"...)
				}
				buf = append(buf, part...)
			}
		}
		if !valid {
			// haproxy answers 400 to what a strict normalizer refuses.
			s.ctx.Scratch = s.ctx.Scratch[:mark]
			return s.internalError(r.Set, 400)
		}
		nu := buf[mark:len(buf):len(buf)]
		_, cost, room := s.message(r.Set)
		if cost+len(nu)-len(uri) > room {
			s.ctx.Scratch = s.ctx.Scratch[:mark]
			return s.rewriteFailed(r.Set)
		}
		s.ctx.Scratch = buf
		req.SetURI(nu)
		return ruleContinue, false
	}
}

// mergeSlashes turns runs of '/' into one.
func mergeSlashes(dst, p []byte) []byte {
	for i := 0; i < len(p); i++ {
		dst = append(dst, p[i])
		if p[i] == '/' {
			for i+1 < len(p) && p[i+1] == '/' {
				i++
			}
		}
	}
	return dst
}

// stripDot drops the "." segments.
func stripDot(dst, p []byte) []byte {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '/')
		seg, last := p, true
		if i >= 0 {
			seg, p, last = p[:i], p[i+1:], false
		} else {
			p = nil
		}
		if string(seg) == "." {
			continue
		}
		dst = append(dst, seg...)
		if !last {
			dst = append(dst, '/')
		}
	}
	return dst
}

// stripDotDot resolves "/../" segments against the one before, scanning
// from the end as haproxy does; those that climb above the root are kept
// unless full.
func stripDotDot(dst, p []byte, full bool) []byte {
	// Built backwards into out, then appended.
	out := make([]byte, len(p)) // normalize-uri is rare; a small copy per use
	head := len(out)
	off := len(p) - 1
	up := 0
	if off >= 2 && string(p[off-2:off+1]) == "/.." {
		up++
		off -= 2
	}
	for off >= 0 {
		if off >= 3 && string(p[off-3:off+1]) == "/../" {
			up++
			off -= 3
			continue
		}
		if up > 0 {
			off--
			if off >= 0 {
				up--
				for off >= 0 && p[off] != '/' {
					off--
				}
			}
		} else {
			head--
			out[head] = p[off]
			off--
			for off >= 0 && p[off] != '/' {
				head--
				out[head] = p[off]
				off--
			}
		}
	}
	var pre []byte
	if up > 0 {
		if !full {
			for ; up > 0; up-- {
				pre = append(pre, "/.."...)
			}
		}
		pre = append(pre, '/')
	}
	dst = append(dst, pre...)
	return append(dst, out[head:]...)
}

// sortQuery sorts the '&'-separated parameters of q (which starts with its
// '?') by name, stably.
func sortQuery(dst, q []byte) []byte {
	dst = append(dst, q[0])
	params := bytes.Split(q[1:], []byte("&"))
	if len(q) == 1 {
		params = nil
	}
	if n := len(params); n > 0 && len(params[n-1]) == 0 {
		// As haproxy's split, which stops when the input runs out: a
		// trailing '&' ends the last parameter, it starts none.
		params = params[:n-1]
	}
	name := func(b []byte) []byte {
		if i := bytes.IndexByte(b, '='); i >= 0 {
			return b[:i]
		}
		return b
	}
	sort.SliceStable(params, func(i, j int) bool { return bytes.Compare(name(params[i]), name(params[j])) < 0 })
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p...)
	}
	return dst
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// percentUpper upper-cases the hex digits of percent escapes; a '%' not
// followed by two hex digits is kept, or refused when strict.
func percentUpper(dst, p []byte, strict bool) ([]byte, bool) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 <= len(p)-1 && isHex(p[i+1]) && isHex(p[i+2]) {
				dst = append(dst, '%', upper(p[i+1]), upper(p[i+2]))
				i += 2
				continue
			}
			if strict {
				return dst, false
			}
		}
		dst = append(dst, c)
	}
	return dst, true
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// percentDecodeUnreserved decodes the escapes of unreserved characters.
func percentDecodeUnreserved(dst, p []byte, strict bool) ([]byte, bool) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 <= len(p)-1 && isHex(p[i+1]) && isHex(p[i+2]) {
				d := hexVal(p[i+1])<<4 | hexVal(p[i+2])
				if unreserved(d) {
					dst = append(dst, d)
				} else {
					dst = append(dst, p[i:i+3]...)
				}
				i += 2
				continue
			}
			if strict {
				return dst, false
			}
		}
		dst = append(dst, c)
	}
	return dst, true
}
