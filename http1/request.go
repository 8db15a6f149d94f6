package http1

import "math"

// BodyKind is how a message body is delimited.
type BodyKind uint8

// Body framings.
const (
	BodyNone       BodyKind = iota // no body
	BodyLength                     // Content-Length bytes
	BodyChunked                    // chunked transfer coding
	BodyUntilClose                 // response bytes until the server closes
)

// Request is a parsed request head. Its slices point into the buffer given
// to Parse, which Parse may modify (folded lines, Connection values, default
// ports); they stay valid as long as that buffer is not overwritten. A
// Request is meant to be reused: its header list keeps its capacity.
type Request struct {
	Headers
	method, uri, version []byte

	Meth         Method
	Major, Minor int // from the version, e.g. 1 and 1
	BodyKind     BodyKind
	// ContentLength is the announced length for BodyLength. haproxy
	// accepts lengths up to 2^64-1; those beyond int64 are reported as
	// math.MaxInt64, which no client will ever complete.
	ContentLength int64
	// Close: the client connection is to be closed after this exchange
	// (HTTP/1.0 without keep-alive, "Connection: close", or a body framed
	// by both Transfer-Encoding and Content-Length, or chunked in 1.0).
	Close bool
	// Upgrade: the client asked to switch protocols ("Connection:
	// upgrade"); UpgradeTo returns to what. haproxy ignores the request
	// when the message has a body.
	Upgrade bool
	// Expect100: "Expect: 100-continue".
	Expect100 bool

	wsKey []byte // the websocket key, kept for the response's accept key
	flags msgFlags
	err   ParseError
	again rescan
}

// Method, URI and Version return the request line's parts; with Header and
// NumHeaders they implement sample.Request.
func (r *Request) Method() []byte  { return r.method }
func (r *Request) URI() []byte     { return r.uri }
func (r *Request) Version() []byte { return r.version }

// HTTP11 reports whether the request is HTTP/1.1 or later, which is how
// haproxy forwards it ("HTTP/1.1", whatever the minor or major).
func (r *Request) HTTP11() bool { return r.flags&fVer11 != 0 }

// SetMethod replaces the method (http-request set-method).
func (r *Request) SetMethod(m []byte) {
	r.method = m
	r.Meth = methodOf(m)
}

// SetURI replaces the request target (http-request set-uri).
func (r *Request) SetURI(u []byte) { r.uri = u }

// Host returns the Host field's value.
func (r *Request) Host() ([]byte, bool) { return r.Get("host") }

// UpgradeTo returns the Upgrade field when the request asks to upgrade.
func (r *Request) UpgradeTo() []byte {
	if !r.Upgrade {
		return nil
	}
	v, _ := r.Get("upgrade")
	return v
}

// Parse parses the request head at the start of buf. It returns the head's
// length (the body, if any, follows), ErrIncomplete when buf ends first, or a
// *ParseError telling what haproxy would answer. The error is owned by r and
// valid until the next Parse.
func (r *Request) Parse(buf []byte, lim Limits) (int, error) {
	r.again.reset()
	return r.Continue(buf, lim)
}

// Continue is Parse for a buffer that holds the bytes given to the previous
// call, which returned ErrIncomplete, followed by more. It may answer
// ErrIncomplete without parsing again while the new bytes cannot complete
// the head, which keeps the work linear against a peer sending a byte at a
// time.
func (r *Request) Continue(buf []byte, lim Limits) (int, error) {
	return continueHead(&r.again, &r.err, buf, lim, 400, "request head too large", func(b []byte) (int, error) {
		r.reset()
		return r.parse(b, lim)
	})
}

// continueHead is Continue for both kinds of head: it answers
// ErrIncomplete at once while the new bytes cannot end the head, parses the
// part of buf a head may fill, and turns an incomplete head that fills it
// into haproxy's "too large" refusal (status, what).
func continueHead(again *rescan, perr *ParseError, buf []byte, lim Limits, status int, what string, parse func([]byte) (int, error)) (int, error) {
	max := lim.RawHeadMax()
	if len(buf) <= max && again.wait(buf, true) {
		return 0, ErrIncomplete
	}
	n, err := parse(buf[:min(len(buf), max)])
	switch {
	case err != ErrIncomplete:
		again.reset()
	case len(buf) >= max:
		// haproxy cannot hold more while waiting for a head's end.
		again.reset()
		return 0, perr.fail(status, max, what)
	default:
		again.failed(buf)
	}
	return n, err
}

func (r *Request) reset() {
	r.Headers.reset()
	r.method, r.uri, r.version = nil, nil, nil
	r.Meth, r.Major, r.Minor = MethodOther, 0, 0
	r.BodyKind, r.ContentLength = BodyNone, 0
	r.Close, r.Upgrade, r.Expect100 = false, false, false
	r.wsKey, r.flags = nil, 0
}

func (r *Request) parse(buf []byte, lim Limits) (int, error) {
	i, err := r.requestLine(buf)
	if err != nil {
		return 0, err
	}
	p := fieldParser{buf: buf, hdrs: &r.Headers, err: &r.err, status: 400,
		max: lim.MaxHeaders, host: -1, clean: true, hostOK: true}
	if r.flags&fVer11 != 0 {
		p.flags = fVer11
	}
	end := i
	if len(r.version) > 0 {
		if end, err = p.parse(i); err != nil {
			return 0, err
		}
	}
	// An HTTP/0.9 request line ends the message; it is refused below.
	if err := r.checkAuthority(&p, end); err != nil {
		return 0, err
	}
	if err := p.finish(end); err != nil {
		return 0, err
	}
	r.flags = p.flags
	if !validVersion(r.version, true) {
		return 0, r.err.fail(400, 0, "invalid HTTP version")
	}
	if headCost(r.method, r.uri, r.version, r.list) > lim.headRoom() {
		return 0, r.err.fail(400, end, "request head too large")
	}
	r.Major, r.Minor = int(r.version[5]-'0'), int(r.version[7]-'0')
	r.frame(p.clen)
	if err := r.refuse(end); err != nil {
		return 0, err
	}
	if r.Meth != MethodCONNECT && len(r.uri) > 0 && r.uri[0] != '/' && r.uri[0] != '*' {
		r.normalizeAuthority()
	}
	return end, nil
}

// requestLine parses up to and including the request line's end. Anything
// haproxy reads as HTTP/0.9 (no version) leaves r.version empty.
func (r *Request) requestLine(buf []byte) (int, error) {
	i, err := skipEmptyLines(buf, &r.err, 400)
	if err != nil {
		return 0, err
	}
	start := i
	for i < len(buf) && isToken(buf[i]) {
		i++
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	r.method = buf[start:i]
	r.Meth = methodOf(r.method)
	switch c := buf[i]; {
	case isCRLF(c):
		r.uri = buf[i:i]
		return lineEnd(buf, i, &r.err, 400)
	case !isSPHT(c):
		return 0, r.err.fail(400, i, "invalid character in method")
	}
	if i = skipSPHT(buf, i); i >= len(buf) {
		return 0, ErrIncomplete
	}
	start = i
	for ; i < len(buf); i++ {
		// Printable ASCII but '#': a fragment never goes on the wire.
		if c := buf[i]; c-33 > 93 || c == '#' {
			break
		}
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	r.uri = buf[start:i]
	switch c := buf[i]; {
	case isCRLF(c):
		return lineEnd(buf, i, &r.err, 400)
	case !isSPHT(c):
		return 0, r.err.fail(400, i, "invalid character in URI")
	}
	if i = skipSPHT(buf, i); i >= len(buf) {
		return 0, ErrIncomplete
	}
	start = i
	for i < len(buf) && isVer(buf[i]) {
		i++
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	if !isCRLF(buf[i]) {
		return 0, r.err.fail(400, i, "invalid character in version")
	}
	r.version = buf[start:i]
	if v := r.version; len(v) == 8 && (v[5] > '1' || v[5] == '1' && v[7] >= '1') {
		r.flags |= fVer11
	}
	return lineEnd(buf, i, &r.err, 400)
}

// lineEnd returns where the line ending at buf[i] (CR LF or a bare LF)
// stops; a CR must be followed by LF.
func lineEnd(buf []byte, i int, perr *ParseError, status int) (int, error) {
	if buf[i] == '\r' {
		if i+1 >= len(buf) {
			return 0, ErrIncomplete
		}
		if buf[i+1] != '\n' {
			return 0, perr.fail(status, i+1, "CR not followed by LF")
		}
		return i + 2, nil
	}
	return i + 1, nil
}

// skipEmptyLines skips the empty lines haproxy tolerates before a message and
// stops at its first byte, which must be a token character.
func skipEmptyLines(buf []byte, perr *ParseError, status int) (int, error) {
	i := 0
	for {
		if i >= len(buf) {
			return 0, ErrIncomplete
		}
		switch c := buf[i]; {
		case isToken(c):
			return i, nil
		case c == '\n':
			i++
		case c == '\r':
			if i+1 >= len(buf) {
				return 0, ErrIncomplete
			}
			if buf[i+1] != '\n' {
				return 0, perr.fail(status, i+1, "CR not followed by LF")
			}
			i += 2
		default:
			return 0, perr.fail(status, i, "invalid character before message")
		}
	}
}

func skipSPHT(buf []byte, i int) int {
	for i < len(buf) && isSPHT(buf[i]) {
		i++
	}
	return i
}

// validVersion is RFC 7230's "HTTP/" DIGIT "." DIGIT. For responses haproxy
// only checks the shape, not the letters.
func validVersion(v []byte, request bool) bool {
	if len(v) != 8 || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return false
	}
	if request {
		return string(v[:5]) == "HTTP/"
	}
	return v[4] == '/'
}

// frame derives the body framing and the client's connection wish.
func (r *Request) frame(clen int64) {
	f := r.flags
	switch {
	case r.Meth == MethodCONNECT:
		// The bytes after a CONNECT are tunnelled, never a body.
	case f&fChunked != 0:
		r.BodyKind = BodyChunked
	case f&fCLen != 0:
		r.BodyKind = BodyLength
		r.ContentLength = clen
		if clen < 0 {
			r.ContentLength = math.MaxInt64
		}
	}
	r.Close = f&fConnClose != 0 || f&(fVer11|fConnKeepAlive) == 0
	if f&fConnUpgrade != 0 {
		if r.BodyKind == BodyNone || r.BodyKind == BodyLength && r.ContentLength == 0 {
			r.Upgrade = true
		} else {
			// haproxy will not switch protocols under a body: it
			// forgets the upgrade and drops the Upgrade field.
			r.flags &^= fConnUpgrade
			r.Del("upgrade")
		}
	}
	if v, ok := r.Get("expect"); ok && eqFold(v, "100-continue") {
		r.Expect100 = true
	}
}

// refuse applies the checks haproxy's H1 multiplexer makes on a parsed head.
func (r *Request) refuse(end int) error {
	if r.flags&fVer11 == 0 && (r.BodyKind == BodyLength && r.ContentLength > 0 || r.BodyKind == BodyChunked) &&
		(r.Meth == MethodGET || r.Meth == MethodHEAD || r.Meth == MethodDELETE) {
		return r.err.fail(413, end, "HTTP/1.0 GET/HEAD/DELETE with a body")
	}
	if r.flags&fTEOther != 0 {
		return r.err.fail(422, end, "unsupported transfer-encoding")
	}
	if r.Upgrade && r.flags&fUpgWebsocket != 0 {
		for _, f := range r.list {
			if eqFold(f.Name, "sec-websocket-key") && len(f.Value) == 24 {
				r.wsKey = f.Value
				return nil
			}
		}
		return r.err.fail(400, end, "websocket upgrade without a key")
	}
	return nil
}
