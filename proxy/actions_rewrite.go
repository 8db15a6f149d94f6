package proxy

import (
	"bytes"
	"regexp"
	"strconv"
	"sync"

	"switchyard/config"
	"switchyard/http1"
	"switchyard/logformat"
	"switchyard/sample"
)

// The rewriting actions (see config/kw_rewrite.go): header edits,
// request-line edits, set-status, redirect, variables, normalize-uri and
// strict-mode, for http-request, http-response and http-after-response.
//
// Values a rule computes are rendered into the transaction's temporary
// buffer (s.t.scratch), then kept in the sample context's scratch space,
// which lives until the transaction ends and only ever grows within it, so
// the edited head can point at them until it is written. Once a connection
// has warmed up, a rule allocates nothing (a regex with references to its
// groups excepted: Go's regexp API returns them in a new slice).

// rewriteState is what the rewriting actions keep on a stream.
type rewriteState struct {
	// soft: a strict-mode off ran in the rule list being evaluated, so a
	// rewrite that does not fit is skipped instead of failing the
	// transaction (haproxy resets it at each list).
	soft bool
	// inReply: http-after-response rules are editing one of the proxy's
	// own replies, whose body is replyBody bytes long (otherwise the
	// response rules edit the server's response).
	inReply   bool
	replyBody int
}

func init() {
	const req, res, after = config.HTTPRequestRules, config.HTTPResponseRules, config.HTTPAfterResponseRules
	for _, set := range []config.RuleSet{req, res, after} {
		for _, name := range []string{"set-header", "add-header", "del-header", "replace-header", "replace-value"} {
			compileAction(set, name, compileHeaderOp)
		}
		for _, name := range []string{"set-var", "set-var-fmt", "unset-var"} {
			compileAction(set, name, compileVarOp)
		}
		compileAction(set, "strict-mode", func(r *config.HTTPRule) ruleFunc {
			soft := !r.Args.(*config.StrictModeOp).On
			return func(s *httpStream) (ruleVerdict, bool) {
				s.rw.soft = soft
				return ruleContinue, false
			}
		})
	}
	for _, name := range []string{"set-method", "set-path", "set-pathq", "set-query", "set-uri",
		"replace-path", "replace-pathq", "replace-uri"} {
		compileAction(req, name, compileLineOp)
	}
	compileAction(req, "normalize-uri", compileNormalize)
	compileAction(req, "redirect", compileRedirect)
	compileAction(res, "redirect", compileRedirect)
	compileAction(res, "set-status", compileSetStatus)
	compileAction(after, "set-status", compileSetStatus)
	compileAction(after, "allow", func(*config.HTTPRule) ruleFunc {
		return func(*httpStream) (ruleVerdict, bool) { return ruleStop, false }
	})
}

// render renders a rule's format into the temporary buffer; the result is
// valid until the next render.
func (s *httpStream) render(f *logformat.Format) []byte {
	s.t.scratch = f.Append(s.t.scratch[:0], &s.ctx, nil)
	return s.t.scratch
}

// keep copies b where it lives until the transaction ends.
func (s *httpStream) keep(b []byte) []byte {
	start := len(s.ctx.Scratch)
	s.ctx.Scratch = append(s.ctx.Scratch, b...)
	return s.ctx.Scratch[start:len(s.ctx.Scratch):len(s.ctx.Scratch)]
}

// editedResponse is the response the response-side rules edit: the
// server's, or the proxy's own reply under http-after-response.
func (s *httpStream) editedResponse() *http1.Response {
	r, _ := s.ctx.Resp.(*http1.Response)
	return r
}

// message returns the header list a rule of set edits and what the message
// takes in haproxy's buffer now, against the room it may grow into.
func (s *httpStream) message(set config.RuleSet) (h *http1.Headers, cost, room int) {
	lim := s.fe.limits
	if set == config.HTTPRequestRules {
		r := &s.t.req
		cost = r.Cost()
		if r.BodyKind != http1.BodyNone && !s.t.bodyRead {
			n := len(s.cr.Buffered())
			if r.BodyKind == http1.BodyLength && int64(n) > r.ContentLength {
				n = int(r.ContentLength)
			}
			cost += lim.BufferedBodyCost(s.t.bodyAt, n)
		}
		return &r.Headers, cost, lim.RewriteRoom()
	}
	r := s.editedResponse()
	if r == nil {
		return nil, 0, 0
	}
	cost = r.Cost()
	if s.rw.inReply {
		if s.rw.replyBody > 0 {
			cost += 8 + s.rw.replyBody
		}
	} else if r.BodyKind != http1.BodyNone {
		n := len(s.t.sr.Buffered())
		switch {
		case s.ctx.ResBody != nil:
			n = len(s.ctx.ResBody) // decoded, as haproxy holds it
		case r.BodyKind == http1.BodyLength && int64(n) > r.ContentLength:
			n = int(r.ContentLength)
		}
		cost += lim.BufferedBodyCost(s.t.respAt, n)
	}
	return &r.Headers, cost, lim.RewriteRoom()
}

// rewriteFailed ends a rule whose rewrite did not fit: skipped after a
// strict-mode off, otherwise the transaction fails with a 500 (haproxy's
// internal error), whichever side the rule was on.
func (s *httpStream) rewriteFailed(set config.RuleSet) (ruleVerdict, bool) {
	if s.rw.soft {
		return ruleContinue, false
	}
	return s.internalError(set, 500)
}

// internalError answers status in place of the request or the response:
// the server's response, if any, is dropped first. Under
// http-after-response it only reports the failure (afterRules answers).
func (s *httpStream) internalError(set config.RuleSet, status int) (ruleVerdict, bool) {
	switch set {
	case config.HTTPAfterResponseRules:
		return ruleAnswered, false
	case config.HTTPResponseRules:
		s.ctx.Resp = nil
	}
	return ruleAnswered, s.reply(status, s.t.be)
}

// ---- header edits ----

func compileHeaderOp(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.HeaderOp)
	set := r.Set
	switch op.Kind {
	case config.HdrDel:
		if op.Match == config.MatchReg {
			// haproxy holds names in lower case: the regex sees them so.
			re := op.Re
			return func(s *httpStream) (ruleVerdict, bool) {
				if h, _, _ := s.message(set); h != nil {
					h.DelFunc(func(n []byte) bool {
						s.t.scratch = appendLower(s.t.scratch[:0], n)
						return re.Match(s.t.scratch)
					})
				}
				return ruleContinue, false
			}
		}
		match := headerMatcher(op)
		return func(s *httpStream) (ruleVerdict, bool) {
			if h, _, _ := s.message(set); h != nil {
				h.DelFunc(match)
			}
			return ruleContinue, false
		}
	case config.HdrSet, config.HdrAdd:
		del := op.Kind == config.HdrSet
		return func(s *httpStream) (ruleVerdict, bool) {
			v := s.render(op.Value)
			h, cost, room := s.message(set)
			if h == nil {
				return ruleContinue, false
			}
			if del {
				// Removed first, as haproxy does: a value that then does
				// not fit leaves the field gone.
				if n := countName(h, op.Name); n > 0 {
					h.DelName(op.Name)
					_, cost, room = s.message(set)
				}
			}
			if cost+http1.FieldCost(op.Name, v) > room {
				return s.rewriteFailed(set)
			}
			h.Add(op.Name, s.keep(v))
			return ruleContinue, false
		}
	}
	full := op.Kind == config.HdrReplace
	return func(s *httpStream) (ruleVerdict, bool) {
		h, cost, room := s.message(set)
		if h == nil {
			return ruleContinue, false
		}
		repl := s.render(op.Value)
		for i, f := range h.Fields() {
			if !http1.EqualFold(f.Name, op.Name) {
				continue
			}
			nv, changed, ok := s.replaceValue(op.Re, f.Value, repl, full)
			if !ok {
				return s.rewriteFailed(set)
			}
			if !changed {
				continue
			}
			if cost += len(nv) - len(f.Value); cost > room {
				return s.rewriteFailed(set)
			}
			h.SetValue(i, nv)
		}
		return ruleContinue, false
	}
}

func countName(h *http1.Headers, name []byte) int {
	n := 0
	for _, f := range h.Fields() {
		if http1.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// headerMatcher is del-header's comparison of field names.
func headerMatcher(op *config.HeaderOp) func([]byte) bool {
	name := op.Name
	switch op.Match {
	case config.MatchBeg:
		return func(n []byte) bool { return len(n) >= len(name) && http1.EqualFold(n[:len(name)], name) }
	case config.MatchEnd:
		return func(n []byte) bool { return len(n) >= len(name) && http1.EqualFold(n[len(n)-len(name):], name) }
	case config.MatchSub:
		return func(n []byte) bool { return containsFold(n, name) }
	}
	return func(n []byte) bool { return http1.EqualFold(n, name) }
}

func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func containsFold(s, sub []byte) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if http1.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// replaceValue applies replace-header (full) or replace-value to one field
// value: the whole value, or each comma-separated element of it, that re
// matches is replaced by repl with its \N references expanded (the rest of
// the value is not kept, as in haproxy). The new value is built where it
// lives until the transaction ends. changed is false when nothing matched;
// ok is false when the replacement is malformed.
func (s *httpStream) replaceValue(re *regexp.Regexp, v, repl []byte, full bool) (nv []byte, changed, ok bool) {
	mark := len(s.ctx.Scratch)
	buf := s.ctx.Scratch
	if full {
		buf, changed, ok = expandAppend(buf, re, v, repl)
	} else {
		for i := 0; ; {
			j := http1.NextValue(v, i)
			a, b := i, j
			for a < b && http1.IsLWS(v[a]) {
				a++
			}
			for b > a && http1.IsLWS(v[b-1]) {
				b--
			}
			var matched bool
			if buf, matched, ok = expandAppend(buf, re, v[a:b], repl); !ok {
				break
			}
			if matched {
				changed = true
			} else {
				buf = append(buf, v[i:j]...)
			}
			if j >= len(v) {
				break
			}
			buf = append(buf, ',')
			i = j + 1
		}
	}
	if !changed || !ok {
		s.ctx.Scratch = s.ctx.Scratch[:mark]
		return nil, false, ok
	}
	s.ctx.Scratch = buf
	return buf[mark:len(buf):len(buf)], true, true
}

// expandAppend matches re against src and, if it matches, appends repl to
// dst with its references replaced as haproxy's exp_replace does: \0 to \9
// are groups, \xHH a byte, a backslash before anything else that
// character.
func expandAppend(dst []byte, re *regexp.Regexp, src, repl []byte) (out []byte, matched, ok bool) {
	if bytes.IndexByte(repl, '\\') < 0 {
		if !re.Match(src) {
			return dst, false, true
		}
		return append(dst, repl...), true, true
	}
	m := re.FindSubmatchIndex(src)
	if m == nil {
		return dst, false, true
	}
	out, ok = expandRefs(dst, src, repl, m)
	return out, true, ok
}

// expandRefs is exp_replace: it appends repl to dst with \N (a group of m
// over src), \xHH and \c expanded; ok is false on a dangling backslash.
func expandRefs(dst, src, repl []byte, m []int) ([]byte, bool) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(repl) {
			return dst, false
		}
		c = repl[i]
		switch {
		case c >= '0' && c <= '9':
			n := int(c - '0')
			if 2*n+1 < len(m) && m[2*n] >= 0 && m[2*n+1] >= 0 {
				dst = append(dst, src[m[2*n]:m[2*n+1]]...)
			}
		case c == 'x':
			if i+2 >= len(repl) {
				return dst, false
			}
			h1, h2 := hexNibble(repl[i+1]), hexNibble(repl[i+2])
			dst = append(dst, h1<<4+h2)
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

// hexNibble converts as haproxy does, without checking the digit.
func hexNibble(c byte) byte {
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	c -= '0'
	if c > 9 {
		c -= 'A' - '9' - 1
	}
	return c
}

// ---- request line ----

func compileLineOp(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.LineOp)
	return func(s *httpStream) (ruleVerdict, bool) {
		req := &s.t.req
		uri := req.URI()
		var part []byte
		if op.Re != nil {
			// replace-*: the regex runs on the part, the replacement
			// becomes the whole part.
			subj := uri
			switch op.Part {
			case config.PartPath, config.PartPathQ:
				start, ok := pathStart(uri)
				if !ok {
					subj = nil
				} else {
					subj = uri[start:]
					if op.Part == config.PartPath {
						subj = subj[:queryStart(subj)]
					}
				}
			}
			if len(subj) == 0 {
				return ruleContinue, false
			}
			repl := s.render(op.Value)
			mark := len(s.ctx.Scratch)
			out, matched, ok := expandAppend(s.ctx.Scratch, op.Re, subj, repl)
			if !matched || !ok {
				s.ctx.Scratch = s.ctx.Scratch[:mark]
				if !ok {
					return s.rewriteFailed(r.Set)
				}
				return ruleContinue, false
			}
			s.ctx.Scratch = out
			part = out[mark:]
		} else if op.Part == config.PartQuery {
			// The new query string comes with its '?'.
			s.t.scratch = op.Value.Append(append(s.t.scratch[:0], '?'), &s.ctx, nil)
			part = s.t.scratch
		} else {
			part = s.render(op.Value)
		}
		_, cost, room := s.message(r.Set)
		if op.Part == config.PartMethod {
			if cost+len(part)-len(req.Method()) > room {
				return s.rewriteFailed(r.Set)
			}
			req.SetMethod(s.keep(part))
			return ruleContinue, false
		}
		mark := len(s.ctx.Scratch)
		nu := buildURI(s.ctx.Scratch, uri, part, op.Part)
		if cost+len(nu)-mark-len(uri) > room {
			return s.rewriteFailed(r.Set)
		}
		if op.Part == config.PartURI && !hasAuthority(nu[mark:]) {
			// An absolute URI without a host cannot update Host:
			// haproxy fails the rewrite.
			s.ctx.Scratch = nu[:mark]
			return s.rewriteFailed(r.Set)
		}
		s.ctx.Scratch = nu
		req.SetURI(nu[mark:len(nu):len(nu)])
		if op.Part == config.PartURI {
			s.updateHost(nu[mark:])
		}
		return ruleContinue, false
	}
}

// buildURI appends to dst the request target with part replaced.
func buildURI(dst, uri, part []byte, which config.LinePart) []byte {
	switch which {
	case config.PartURI:
		return append(dst, part...)
	case config.PartQuery:
		// part starts with the '?'; an empty query leaves no '?' unless
		// the URI already had one.
		q := queryStart(uri)
		if q < len(uri) {
			dst = append(dst, uri[:q+1]...)
			return append(dst, part[1:]...)
		}
		dst = append(dst, uri...)
		if len(part) > 1 {
			return append(dst, part...)
		}
		return dst
	}
	start, ok := pathStart(uri)
	if !ok {
		start = 0
	}
	end := len(uri)
	if which == config.PartPath {
		end = start + queryStart(uri[start:])
	}
	dst = append(dst, uri[:start]...)
	dst = append(dst, part...)
	return append(dst, uri[end:]...)
}

// pathStart finds the path of a request target as haproxy's URI parser
// does: all of an origin-form target, what follows the authority of an
// absolute one; none for "*", an authority alone or an empty target.
func pathStart(uri []byte) (int, bool) {
	if len(uri) == 0 || uri[0] == '*' {
		return 0, false
	}
	if uri[0] == '/' {
		return 0, true
	}
	i := schemeEnd(uri)
	if i < 0 {
		return 0, false
	}
	for i < len(uri) && uri[i] != '/' {
		i++
	}
	if i == len(uri) {
		return 0, false
	}
	return i, true
}

// schemeEnd returns the index after "scheme://", or -1.
func schemeEnd(uri []byte) int {
	if len(uri) == 0 || !isAlpha(uri[0]) {
		return -1
	}
	i := 1
	for i < len(uri) && (isAlpha(uri[i]) || uri[i] >= '0' && uri[i] <= '9' || uri[i] == '+' || uri[i] == '-' || uri[i] == '.') {
		i++
	}
	if i+3 > len(uri) || string(uri[i:i+3]) != "://" {
		return -1
	}
	return i + 3
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func queryStart(b []byte) int {
	if i := bytes.IndexByte(b, '?'); i >= 0 {
		return i
	}
	return len(b)
}

// updateHost makes the Host field follow the authority of an absolute
// target that set-uri wrote, as haproxy does.
func (s *httpStream) updateHost(uri []byte) {
	i := schemeEnd(uri)
	if i < 0 {
		return
	}
	a := i
	for i < len(uri) && uri[i] != '/' {
		if uri[i] == '@' {
			a = i + 1
		}
		i++
	}
	host := uri[a:i]
	if len(host) == 0 {
		return
	}
	h := &s.t.req.Headers
	for j, f := range h.Fields() {
		if http1.EqualFold(f.Name, hostName) {
			h.SetValue(j, host)
			return
		}
	}
}

var hostName = []byte("host")

// hasAuthority says whether a request target that has a scheme has a host
// too (an origin-form target has neither, and needs none).
func hasAuthority(uri []byte) bool {
	i := schemeEnd(uri)
	if i < 0 {
		return true
	}
	a := i
	for i < len(uri) && uri[i] != '/' {
		if uri[i] == '@' {
			a = i + 1
		}
		i++
	}
	return i > a
}

// ---- set-status ----

func compileSetStatus(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.StatusOp)
	code := []byte(strconv.Itoa(op.Code))
	reason := []byte(op.Reason)
	if !op.HasReason {
		reason = []byte(statusReason(op.Code))
	}
	set := r.Set
	return func(s *httpStream) (ruleVerdict, bool) {
		resp := s.editedResponse()
		if resp == nil {
			return ruleContinue, false
		}
		_, cost, room := s.message(set)
		if cost+len(code)+len(reason)-len(resp.Code())-len(resp.Reason()) > room {
			// haproxy reads the request's strict-mode flag here, which
			// is never off by then: always an error.
			return s.internalError(set, 500)
		}
		resp.SetStatus(op.Code, code, reason)
		return ruleContinue, false
	}
}

// statusReason is the reason phrase haproxy's set-status gives a status
// (its http_get_reason table, which differs from the phrases of its own
// replies).
func statusReason(code int) string {
	if r, ok := setStatusReasons[code]; ok {
		return r
	}
	switch {
	case code >= 100 && code <= 199:
		return "Informational"
	case code >= 200 && code <= 299:
		return "Success"
	case code >= 300 && code <= 399:
		return "Redirection"
	case code >= 400 && code <= 499:
		return "Client Error"
	case code >= 500 && code <= 599:
		return "Server Error"
	}
	return "Other"
}

var setStatusReasons = map[int]string{
	100: "Continue", 101: "Switching Protocols", 102: "Processing", 200: "OK", 201: "Created",
	202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content", 205: "Reset Content",
	206: "Partial Content", 207: "Multi-Status", 210: "Content Different", 226: "IM Used",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other",
	304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
	310: "Too many Redirects", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
	403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
	407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict", 410: "Gone",
	411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
	414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Requested range unsatisfiable",
	417: "Expectation failed", 418: "I'm a teapot", 421: "Misdirected Request",
	422: "Unprocessable Content", 423: "Locked", 424: "Method failure", 425: "Too Early",
	426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large", 449: "Retry With",
	450: "Blocked by Windows Parental Controls", 451: "Unavailable For Legal Reasons",
	456: "Unrecoverable Error", 499: "client has closed connection", 500: "Internal Server Error",
	501: "Not Implemented", 502: "Bad Gateway or Proxy Error", 503: "Service Unavailable",
	504: "Gateway Time-out", 505: "HTTP Version not supported", 506: "Variant also negotiate",
	507: "Insufficient storage", 508: "Loop detected", 509: "Bandwidth Limit Exceeded",
	510: "Not extended", 511: "Network authentication required",
	520: "Web server is returning an unknown error",
}

// ---- variables ----

func compileVarOp(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.VarOp)
	if op.Unset {
		return func(s *httpStream) (ruleVerdict, bool) {
			s.ctx.Vars.Unset(op.Ref)
			return ruleContinue, false
		}
	}
	return func(s *httpStream) (ruleVerdict, bool) {
		var v sample.Value
		if op.Fmt != nil {
			v = sample.Str(s.render(op.Fmt))
		} else {
			mark := len(s.ctx.Scratch)
			v, ok := op.Expr.Eval(&s.ctx)
			if ok {
				s.ctx.Vars.SetIf(op.Ref, v, op.Conds) // Set copies the value
			}
			s.ctx.Scratch = s.ctx.Scratch[:mark]
			return ruleContinue, false
		}
		s.ctx.Vars.SetIf(op.Ref, v, op.Conds)
		return ruleContinue, false
	}
}

// ---- redirect ----

func compileRedirect(r *config.HTTPRule) ruleFunc {
	op := r.Args.(*config.RedirectOp)
	set := r.Set
	static := []byte(op.Static)
	return func(s *httpStream) (ruleVerdict, bool) { return s.redirect(op, set, static) }
}

// redirect answers a redirect rule (or the `redirect` keyword) with
// haproxy's 30x; it does not answer (ignore-empty) when the location comes
// out empty.
func (s *httpStream) redirect(op *config.RedirectOp, set config.RuleSet, static []byte) (ruleVerdict, bool) {
	loc := s.t.scratch[:0]
	dest := static
	if op.Value != nil {
		loc = op.Value.Append(loc, &s.ctx, nil)
		dest = nil
	}
	if op.Type == config.RedirectLocation {
		loc = append(loc, dest...)
		if len(loc) == 0 && op.IgnoreEmpty && op.Value != nil {
			s.t.scratch = loc
			return ruleContinue, false
		}
	} else {
		var host []byte
		req := &s.t.req
		if op.Type == config.RedirectScheme {
			if v, ok := req.Get("host"); ok {
				host = v[:valueEndOf(v)]
			}
		}
		path := []byte("/")
		uri := req.URI()
		if start, ok := pathStart(uri); ok {
			path = uri[start:]
			if op.DropQuery {
				path = path[:queryStart(path)]
			}
		}
		loc = append(loc, dest...)
		if op.Type == config.RedirectScheme {
			loc = append(loc, "://"...)
			loc = append(loc, host...)
		}
		loc = append(loc, path...)
		if op.AppendSlash && len(loc) > 0 && loc[len(loc)-1] != '/' {
			loc = append(loc, '/')
		}
	}
	s.t.scratch = loc
	if set == config.HTTPResponseRules {
		s.ctx.Resp = nil // the server's response is dropped
	}
	// haproxy closes after a redirect whenever the request has a body
	// its analysers have not reached the end of when the rules run, all
	// of it come or not; one waited for is done. (Read before bodyDone,
	// which drops a body that is all here.)
	unread := set != config.HTTPResponseRules && !s.t.bodyWaited &&
		(s.t.req.BodyKind == http1.BodyChunked || s.t.req.BodyKind == http1.BodyLength && s.t.req.ContentLength > 0)
	bodyClose := !s.bodyDone() || unread
	mustClose := s.t.req.Close || s.ending() || bodyClose
	out := http1.AppendReplyHead(s.t.out[:0], op.Code)
	// haproxy's phrase for 302 here is "Found"; AppendReplyHead agrees.
	out = append(out, "content-length: 0\r\nlocation: "...)
	out = append(out, loc...)
	out = append(out, "\r\n"...)
	if op.Code == 302 || op.Code == 303 || op.Code == 307 {
		out = append(out, "cache-control: no-cache\r\n"...)
	}
	if op.Cookie != "" {
		out = append(out, "set-cookie: "...)
		out = append(out, op.Cookie...)
		out = append(out, "\r\n"...)
	}
	switch {
	case mustClose:
		out = append(out, "connection: close\r\n"...)
	case !s.t.req.HTTP11():
		out = append(out, "connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	s.t.lg.rec.Status = op.Code
	s.t.out = s.afterReply(out, s.t.be, mustClose)
	s.redirected(set)
	if bodyClose && s.t.lg.on {
		// For a body, haproxy's redirect puts its own Connection field
		// in the message it counts (%B); otherwise the HTTP/1 layer
		// writes it, uncounted (htxAdjust leaves it out).
		s.t.lg.adjust += int64(len("connection") + len("close"))
	}
	return ruleAnswered, s.writeRaw(s.t.out) && !mustClose
}

// valueEndOf is the end of the first comma-separated element of v.
func valueEndOf(v []byte) int {
	e := http1.NextValue(v, 0)
	for e > 0 && http1.IsLWS(v[e-1]) {
		e--
	}
	return e
}

// ---- request rules with the redirect keyword ----

// compileRequestRules compiles a proxy's http-request rules followed by its
// `redirect` lines, which haproxy evaluates after them even when an allow
// stopped them, and before use_backend.
func compileRequestRules(px *config.Proxy) ([]compiledRule, error) {
	rules, err := compileRules(px, px.HTTPRequest)
	if err != nil || len(px.Redirects) == 0 {
		return rules, err
	}
	redirects := make([]compiledRule, 0, len(px.Redirects))
	for _, r := range px.Redirects {
		redirects = append(redirects, compiledRule{cond: r.Cond, run: compileRedirect(r)})
	}
	allowDef := config.LookupAction(config.HTTPRequestRules, "allow")
	for i, r := range px.HTTPRequest {
		if r.Def == allowDef {
			rules[i].run = func(s *httpStream) (ruleVerdict, bool) {
				if done, keep := s.runRules(redirects); done {
					return ruleAnswered, keep
				}
				return ruleStop, false
			}
		}
	}
	return append(rules, redirects...), nil
}

// ---- http-after-response ----

// afterRules runs the http-after-response rules on a response, the
// backend's then the frontend's (a listen's once), and reports whether one
// failed.
func (s *httpStream) afterRules(be *Backend) (failed bool) {
	lists := [2][]compiledRule{s.fe.afterRules, nil}
	if be != nil && be.cfg != s.fe.cfg {
		lists = [2][]compiledRule{be.afterRules, s.fe.afterRules}
	}
	for _, rules := range lists {
		if done, _ := s.runRules(rules); done {
			return true
		}
	}
	return false
}

func hasAfterRules(fe *Frontend, be *Backend) bool {
	return len(fe.afterRules) > 0 || be != nil && len(be.afterRules) > 0
}

var replyResponses = sync.Pool{New: func() any { return new(http1.Response) }}

// afterReply runs the http-after-response rules on one of the proxy's own
// replies (an error, a deny, a return, a redirect) laid out in out, and
// returns it as rewritten. A rule that fails turns the reply into a plain
// 500 (no rules run on that one), as in haproxy.
func (s *httpStream) afterReply(out []byte, be *Backend, mustClose bool) []byte {
	if !hasAfterRules(s.fe, be) || len(out) == 0 {
		return out
	}
	buf := s.keep(out)
	resp := replyResponses.Get().(*http1.Response)
	defer replyResponses.Put(resp)
	n, err := resp.Parse(buf, s.fe.limits, s.t.req.Meth)
	if err != nil {
		return out
	}
	savedResp, savedOn := s.ctx.Resp, s.ctx.OnResponse
	savedBody, savedLeft := s.ctx.ResBody, s.ctx.ResBodyLeft
	// res.body reads the reply's body, which haproxy's buffer holds whole.
	s.ctx.Resp, s.ctx.OnResponse = resp, true
	s.ctx.ResBody, s.ctx.ResBodyLeft = buf[n:len(buf):len(buf)], 0
	s.rw.inReply, s.rw.replyBody = true, len(buf)-n
	failed := s.afterRules(be)
	s.rw.inReply = false
	s.ctx.Resp, s.ctx.OnResponse = savedResp, savedOn
	s.ctx.ResBody, s.ctx.ResBodyLeft = savedBody, savedLeft
	if failed {
		r := s.fe.errors.reply(500)
		if be != nil {
			if br, ok := be.errors.custom[500]; ok {
				r = br
			}
		}
		out, _ = r.AppendTo(out[:0], s.respMode(), mustClose, &s.t.req)
		s.t.lg.rec.Status = 500
		return out
	}
	s.t.lg.rec.Status = resp.Status // set-status may have changed it
	out, _ = resp.AppendHead(out[:0], s.respMode(), mustClose, &s.t.req)
	return append(out, buf[n:]...)
}

// afterResponseRules runs the http-after-response rules on the server's
// response before its head is written. When one fails, the client gets a
// 500 instead (reported as answered, like an http-response deny).
func (s *httpStream) afterResponseRules(be *Backend) bool {
	if !hasAfterRules(s.fe, be) {
		return false
	}
	req := s.ctx.Req
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.Resp, s.ctx.OnResponse = nil, req, &s.t.resp, true
	failed := s.afterRules(be)
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.OnResponse = req, nil, false
	if !failed {
		return false
	}
	s.ctx.Resp = nil
	s.t.be = be
	if !s.reply(500, be) {
		s.t.closeAfter = true
	}
	s.t.be = nil
	return true
}

// ---- option http-restrict-req-hdr-names ----

// restrictHdrNames applies a proxy's option http-restrict-req-hdr-names
// after its http-request rules, as haproxy does: headers whose names step
// outside [A-Za-z0-9-] are removed, or make the request refused. It
// answers a refusal with a 403, counted and logged as a deny; done and
// keep are runRules'.
func (s *httpStream) restrictHdrNames(px *config.Proxy, be *Backend) (done, keep bool) {
	switch px.RestrictHdrNames {
	case config.HdrNamesDelete:
		s.t.req.DelFunc(badHdrName)
	case config.HdrNamesReject:
		for i := 0; i < s.t.req.NumHeaders(); i++ {
			if name, _ := s.t.req.Header(i); badHdrName(name) {
				s.term('P', 'R')
				s.countDenied(false, s.t.be)
				return true, s.reply(403, be)
			}
		}
	}
	return false, false
}

func badHdrName(name []byte) bool {
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return true
		}
	}
	return false
}
