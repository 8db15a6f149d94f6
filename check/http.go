package check

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"

	"switchyard/http1"
)

// ver11 says whether an HTTP version string means 1.1 or later, as
// haproxy's HTTP/1 multiplexer reads it: "HTTP/x.y" with x.y >= 1.1.
func ver11(v string) bool {
	return len(v) == 8 && (v[5] > '1' || v[5] == '1' && v[7] >= '1')
}

func methodOf(m string) http1.Method {
	switch m {
	case "GET":
		return http1.MethodGET
	case "HEAD":
		return http1.MethodHEAD
	case "POST":
		return http1.MethodPOST
	case "PUT":
		return http1.MethodPUT
	case "DELETE":
		return http1.MethodDELETE
	case "OPTIONS":
		return http1.MethodOPTIONS
	case "TRACE":
		return http1.MethodTRACE
	case "CONNECT":
		return http1.MethodCONNECT
	}
	return http1.MethodOther
}

var errBadRequest = errors.New("cannot build the request")

// authority finds the authority of a URI in absolute or authority form
// (without user info), as haproxy's URI parser: after "scheme://" if
// there is one, up to the first '/'.
func authority(uri string) (start, end int, ok bool) {
	p := 0
	if uri != "" && isAlpha(uri[0]) {
		i := 1
		for i < len(uri) && (isAlpha(uri[i]) || uri[i] >= '0' && uri[i] <= '9' || uri[i] == '+' || uri[i] == '-' || uri[i] == '.') {
			i++
		}
		if strings.HasPrefix(uri[i:], "://") {
			p = i + 3
		}
	}
	start, end = p, p
	for end < len(uri) && uri[end] != '/' {
		if uri[end] == '@' {
			start = end + 1
		}
		end++
	}
	return start, end, end > start
}

type field struct{ name, value string }

// httpRequest builds the bytes of request h as haproxy's checks put them
// on the wire: the request haproxy builds (defaults OPTIONS / HTTP/1.0,
// the Host header rewriting an absolute URI's authority, "Connection:
// close" unless a Connection header is given, a Content-Length when the
// method calls for one or there is a body), then what its HTTP/1
// multiplexer does with it (lower-case names, the connection header
// normalised and moved last).
func (x *run) httpRequest(h *httpSend) ([]byte, error) {
	meth := h.meth
	if meth == "" {
		meth = "OPTIONS"
	}
	x.reqMethod = meth
	uri := h.uri
	if h.uriLF != nil {
		uri = h.uriLF.render(x)
	}
	if uri == "" {
		uri = "/"
	}
	vsn := h.vsn
	if vsn == "" {
		vsn = "HTTP/1.0"
	}
	lineVer11 := len(vsn) == 6 && vsn[5] == '2' || ver11(vsn)
	hasAuth := uri[0] != '*' && uri[0] != '/'
	if hasAuth {
		if _, _, ok := authority(uri); !ok {
			return nil, errBadRequest
		}
	}
	var fields []field
	connHdr := false
	for _, hd := range h.hdrs {
		v := hd.value.render(x)
		if v == "" {
			continue
		}
		fields = append(fields, field{strings.ToLower(hd.name), v})
		if hasAuth && strings.EqualFold(hd.name, "host") {
			start, end, ok := authority(uri)
			if !ok {
				return nil, errBadRequest
			}
			uri = uri[:start] + v + uri[end:]
		}
		if strings.EqualFold(hd.name, "connection") {
			connHdr = true
		}
	}
	if x.rs.sendState {
		fields = append(fields, field{"x-haproxy-server-state", x.stateHeader()})
	}
	body, bodyless := "", true
	switch {
	case h.bodyLF != nil:
		body, bodyless = h.bodyLF.render(x), false
	case h.hasBody:
		body, bodyless = h.body, false
	}
	if !connHdr {
		fields = append(fields, field{"connection", "close"})
	}
	switch meth {
	case "OPTIONS", "GET", "HEAD", "DELETE":
		if body == "" {
			break
		}
		fallthrough
	default:
		fields = append(fields, field{"content-length", strconv.Itoa(len(body))})
	}
	return h1Request(meth, uri, vsn, lineVer11, fields, body, bodyless), nil
}

// h1Request serialises a request as haproxy's HTTP/1 multiplexer does on
// the server side.
func h1Request(meth, uri, vsn string, lineVer11 bool, fields []field, body string, bodyless bool) []byte {
	b := make([]byte, 0, 256+len(body))
	b = append(b, meth...)
	b = append(b, ' ')
	b = append(b, uri...)
	b = append(b, ' ')
	if lineVer11 {
		b = append(b, "HTTP/1.1"...)
	} else {
		b = append(b, vsn...)
	}
	b = append(b, "\r\n"...)
	muxVer11 := ver11(vsn)
	clen, chunked := bodyless, false
	var connClose, connUpgrade, wsUpgrade, wsKey bool
	for _, f := range fields {
		v := f.value
		switch f.name {
		case "transfer-encoding":
			chunked = lastToken(v) == "chunked"
		case "content-length":
			clen = true
		case "connection":
			var cl, up bool
			v, cl, up = cleanConnection(v)
			connClose = connClose || cl
			connUpgrade = connUpgrade || up
			if v == "" {
				continue
			}
		case "upgrade":
			wsUpgrade = hasToken(v, "websocket")
		case "sec-websocket-key":
			wsKey = true
		case "te":
			// Only "TE: trailers" may go to a server.
			i := strings.Index(v, "trailers")
			if i < 0 || len(v) > i+8 && v[i+8] != ',' {
				continue
			}
			v = "trailers"
		}
		b = appendField(b, f.name, v)
	}
	if !connUpgrade {
		// haproxy keeps the connection alive unless told to close, and
		// says whichever is not the version's default.
		if !connClose && !muxVer11 {
			b = appendField(b, "connection", "keep-alive")
		} else if connClose && muxVer11 {
			b = appendField(b, "connection", "close")
		}
	}
	if meth != "CONNECT" && muxVer11 && !clen && !chunked {
		b = appendField(b, "transfer-encoding", "chunked")
		chunked = true
	}
	if connUpgrade && wsUpgrade && !wsKey {
		var k [16]byte
		rand.Read(k[:])
		b = appendField(b, "Sec-Websocket-Key", base64.StdEncoding.EncodeToString(k[:]))
	}
	b = append(b, "\r\n"...)
	if chunked {
		if body != "" {
			b = strconv.AppendInt(b, int64(len(body)), 16)
			b = append(b, "\r\n"...)
			b = append(b, body...)
			b = append(b, "\r\n"...)
		}
		return append(b, "0\r\n\r\n"...)
	}
	return append(b, body...)
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' }

// valueEnd is where the comma-separated element of v starting at i ends
// (commas inside quoted strings do not count).
func valueEnd(v string, i int) int {
	quoted, pair := false, false
	for ; i < len(v); i++ {
		switch {
		case pair:
			pair = false
		case quoted:
			if v[i] == '\\' {
				pair = true
			} else if v[i] == '"' {
				quoted = false
			}
		case v[i] == '"':
			quoted = true
		case v[i] == ',':
			return i
		}
	}
	return i
}

// elements calls f on each comma-separated element of v, trimmed of
// blanks, as haproxy's header lookups iterate values; it stops when f
// returns true.
func elements(v string, f func(string) bool) bool {
	i := 0
	for {
		for i < len(v) && isLWS(v[i]) {
			i++
		}
		end := valueEnd(v, i)
		if f(strings.TrimRight(v[i:end], " \t")) {
			return true
		}
		if end >= len(v) {
			return false
		}
		i = end + 1
	}
}

func hasToken(v, tok string) bool {
	return elements(v, func(e string) bool { return strings.EqualFold(e, tok) })
}

func lastToken(v string) string {
	last := ""
	elements(v, func(e string) bool { last = strings.ToLower(e); return false })
	return last
}

// cleanConnection removes "close" and "keep-alive" from a Connection
// value as haproxy's multiplexer does before deciding the connection mode
// itself, and says which tokens it saw.
func cleanConnection(v string) (out string, close, upgrade bool) {
	var rw []byte
	rewritten := false
	kept, p := 0, 0 // v[:kept] is the value so far, until a rewrite
	for w := 0; w < len(v); w++ {
		if isLWS(v[w]) {
			continue
		}
		n := valueEnd(v, w)
		word := strings.TrimRight(v[w:n], " \t")
		drop := false
		switch {
		case strings.EqualFold(word, "keep-alive"):
			drop = true
		case strings.EqualFold(word, "close"):
			close, drop = true, true
		case strings.EqualFold(word, "upgrade"):
			upgrade = true
		}
		if !drop {
			if !rewritten && kept == p {
				kept = n
			} else {
				if !rewritten {
					rw, rewritten = append(rw, v[:kept]...), true
				}
				if len(rw) > 0 {
					rw = append(rw, ',')
				}
				rw = append(rw, word...)
			}
		}
		p, w = n, n
	}
	if rewritten {
		return string(rw), close, upgrade
	}
	return v[:kept], close, upgrade
}

// httpResp is the response read so far, parsed.
type httpResp struct {
	resp     http1.Response
	parsed   bool // the head is complete
	bad      bool // haproxy would refuse it
	body     []byte
	complete bool // the whole message is in
	at       int  // len(buf) when parsed
	eos      bool
}

// response parses what was read, again if more came since last time.
func (x *run) response() *httpResp {
	if h := x.http; h != nil && h.at == len(x.buf) && h.eos == x.eos {
		return h
	}
	h := &httpResp{at: len(x.buf), eos: x.eos}
	x.http = h
	n, err := h.resp.Parse(x.buf, http1.DefaultLimits, methodOf(x.reqMethod))
	switch {
	case err == http1.ErrIncomplete:
		return h
	case err != nil:
		h.bad = true
		return h
	}
	h.parsed = true
	h.body, h.complete, err = decodeBody(&h.resp, x.buf[n:], x.eos)
	if err != nil {
		h.bad = true
	}
	return h
}

// decodeBody returns the body of resp found in rest and whether it is
// complete.
func decodeBody(resp *http1.Response, rest []byte, eos bool) ([]byte, bool, error) {
	switch resp.BodyKind {
	case http1.BodyLength:
		if int64(len(rest)) >= resp.ContentLength {
			return rest[:resp.ContentLength], true, nil
		}
		return rest, false, nil
	case http1.BodyUntilClose:
		return rest, eos, nil
	case http1.BodyChunked:
		rd := http1.NewReader(bytes.NewReader(rest))
		rd.Attach(make([]byte, 0, len(rest)+1))
		var br http1.BodyReader
		br.ForResponse(rd, resp, http1.DefaultLimits)
		var body []byte
		for {
			span, err := br.Next()
			body = append(body, span...)
			switch err {
			case nil:
				continue
			case io.EOF:
				return body, true, nil
			case io.ErrUnexpectedEOF:
				return body, false, nil
			}
			return body, false, err
		}
	}
	return nil, true, nil
}

// expectHTTP evaluates an http-check expect rule, as haproxy's
// tcpcheck_eval_expect_http.
func (x *run) expectHTTP(r *rule, lastRead bool) evalRet {
	h := x.response()
	lastRead = lastRead || h.complete
	if h.bad {
		return x.expectFail(r, StatusL7Resp, false, "")
	}
	if !h.parsed {
		if lastRead {
			return x.expectFail(r, StatusL7Resp, false, "")
		}
		return evalWait
	}
	resp := &h.resp
	x.code = resp.Status
	if x.rs.disable404 && !x.t.Down && x.code == 404 {
		// A 404 is judged when the rules end (conditional pass).
		return evalContinue
	}
	e := &r.expect
	or := func(def Status) Status {
		if e.errStatus != StatusUnknown {
			return e.errStatus
		}
		return def
	}
	reason := ""
	if e.onError == nil {
		reason = string(resp.Reason())
	}
	var st Status
	var desc string
	match := false
	switch e.typ {
	case expHTTPStatus:
		for _, c := range e.codes {
			if resp.Status >= c[0] && resp.Status <= c[1] {
				match = true
				break
			}
		}
		st, desc = or(StatusL7Status), reason
	case expHTTPStatusRegex:
		match = e.re.Match(resp.Code())
		st, desc = or(StatusL7Status), reason
	case expHTTPHeader:
		m, fail := x.matchHeader(&e.hdr, resp)
		if fail != "" {
			return x.expectFail(r, StatusL7Resp, false, fail)
		}
		match = m
		st, desc = or(StatusL7Status), reason
	case expHTTPBody, expHTTPBodyRegex, expHTTPBodyLF:
		body := h.body
		if len(body) == 0 {
			if !lastRead {
				return evalWait
			}
			if e.onError == nil {
				desc = "HTTP content check could not find a response body"
			}
			return x.expectFail(r, or(StatusL7Resp), false, desc)
		}
		var pat []byte
		if e.typ == expHTTPBodyLF {
			p := e.lf.render(x)
			if p == "" {
				return x.expectFail(r, StatusL7Resp, false, "log-format string evaluated to an empty string")
			}
			pat = []byte(p)
		}
		if !lastRead && (e.typ == expHTTPBody && len(body) < len(e.data) ||
			e.typ == expHTTPBodyLF && len(body) < len(pat) ||
			e.minRecv > 0 && len(body) < e.minRecv) {
			return evalWait
		}
		switch e.typ {
		case expHTTPBody:
			match = bytes.Contains(body, e.data)
		case expHTTPBodyLF:
			match = bytes.Contains(body, pat)
		default:
			match = e.re.Match(body)
		}
		if !match && !lastRead && e.minRecv == -1 {
			return evalWait
		}
		st = or(StatusL7Resp)
		if e.onError == nil {
			desc = "HTTP content check did not match"
			if e.inverse {
				desc = "HTTP check matched unwanted content"
			}
		}
	default:
		return x.expectFail(r, or(StatusL7Resp), false, "")
	}
	if match == e.inverse {
		return x.expectFail(r, st, false, desc)
	}
	return evalContinue
}

// matchHeader tests an hdr/fhdr pattern on the response's fields; fail
// is set when a log-format pattern renders empty.
func (x *run) matchHeader(hm *hdrMatch, resp *http1.Response) (match bool, fail string) {
	npat, vpat := hm.name, hm.value
	if hm.nameLF != nil {
		if npat = hm.nameLF.render(x); npat == "" {
			return false, "log-format string evaluated to an empty string"
		}
	}
	if hm.valueLF != nil {
		if vpat = hm.valueLF.render(x); vpat == "" {
			return false, "log-format string evaluated to an empty string"
		}
	}
	full := hm.full || hm.noValue
	for i := 0; i < resp.NumHeaders(); i++ {
		n, v := resp.Header(i)
		name := string(n)
		if !nameMatch(hm, npat, name) {
			continue
		}
		if hm.noValue {
			return true, ""
		}
		value := strings.Trim(string(v), " \t")
		test := func(e string) bool { return valueMatch(hm, vpat, e) }
		if full {
			if test(value) {
				return true, ""
			}
		} else if elements(value, test) {
			return true, ""
		}
	}
	return false, ""
}

func nameMatch(hm *hdrMatch, pat, name string) bool {
	if hm.nameMeth == matchReg {
		return hm.nameRE.MatchString(strings.ToLower(name))
	}
	if pat == "" {
		return true
	}
	name, pat = strings.ToLower(name), strings.ToLower(pat)
	switch hm.nameMeth {
	case matchBeg:
		return strings.HasPrefix(name, pat)
	case matchEnd:
		return strings.HasSuffix(name, pat)
	case matchSub:
		return strings.Contains(name, pat)
	}
	return name == pat
}

func valueMatch(hm *hdrMatch, pat, v string) bool {
	switch hm.valueMeth {
	case matchBeg:
		return strings.HasPrefix(v, pat)
	case matchEnd:
		return strings.HasSuffix(v, pat)
	case matchSub:
		return strings.Contains(v, pat)
	case matchReg:
		return hm.valueRE.MatchString(v)
	}
	return v == pat
}
