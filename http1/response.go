package http1

import "math"

// Response is a parsed response head; see Request for the buffer rules.
type Response struct {
	Headers
	version, code, reason []byte

	// Status is the numeric code, computed as haproxy does (16 bits, no
	// range check: "2000" is accepted, "099" is not interim).
	Status       int
	Major, Minor int
	BodyKind     BodyKind
	// ContentLength: see Request.ContentLength.
	ContentLength int64
	// Close: the server connection cannot be reused after this response
	// (no length, "Connection: close", HTTP/1.0 without keep-alive, or
	// both framings).
	Close bool
	// Upgrade: a 101 response with "Connection: upgrade"; any other
	// status saying so is not taken at its word.
	Upgrade bool

	tunnel    bool
	reqMethod Method
	flags     msgFlags
	err       ParseError
	again     rescan
}

// Version, Code and Reason return the status line's parts.
func (r *Response) Version() []byte { return r.version }
func (r *Response) Code() []byte    { return r.code }
func (r *Response) Reason() []byte  { return r.reason }

// StatusCode is Status, for readers that see the response through an
// interface (sample.Response).
func (r *Response) StatusCode() int { return r.Status }

// HTTP11 reports whether the response is HTTP/1.1 or later.
func (r *Response) HTTP11() bool { return r.flags&fVer11 != 0 }

// Interim reports a 1xx response other than 101: haproxy forwards it and
// then reads the final response.
func (r *Response) Interim() bool { return r.Status >= 100 && r.Status < 200 && r.Status != 101 }

// Tunnel reports a response after which both directions carry opaque bytes:
// 101 Switching Protocols, or a 2xx to CONNECT.
func (r *Response) Tunnel() bool { return r.tunnel }

// Parse parses the response head at the start of buf for a request made
// with method reqMethod (HEAD and CONNECT change the framing). Results are
// as for Request.Parse; refusals carry status 502.
func (r *Response) Parse(buf []byte, lim Limits, reqMethod Method) (int, error) {
	r.again.reset()
	return r.Continue(buf, lim, reqMethod)
}

// Continue is Parse after ErrIncomplete, as Request.Continue.
func (r *Response) Continue(buf []byte, lim Limits, reqMethod Method) (int, error) {
	return continueHead(&r.again, &r.err, buf, lim, 502, "response head too large", func(b []byte) (int, error) {
		r.reset()
		r.reqMethod = reqMethod
		return r.parse(b, lim, reqMethod, true)
	})
}

func (r *Response) reset() {
	r.Headers.reset()
	r.version, r.code, r.reason = nil, nil, nil
	r.Status, r.Major, r.Minor = 0, 0, 0
	r.BodyKind, r.ContentLength = BodyNone, 0
	r.Close, r.Upgrade, r.tunnel = false, false, false
	r.flags = 0
}

// parse parses a response from a server (forwarded) or, with forwarded
// unset, from an errorfile: haproxy loads those with its bare header parser,
// which keeps Connection fields as written and skips the checks its
// multiplexer makes on live traffic.
func (r *Response) parse(buf []byte, lim Limits, reqMethod Method, forwarded bool) (int, error) {
	i, err := r.statusLine(buf)
	if err != nil {
		return 0, err
	}
	p := fieldParser{buf: buf, hdrs: &r.Headers, err: &r.err, status: 502,
		max: lim.MaxHeaders, host: -1, clean: forwarded, flags: fResp}
	if r.flags&fVer11 != 0 {
		p.flags |= fVer11
	}
	end, err := p.parse(i)
	if err != nil {
		return 0, err
	}
	if err := p.finish(end); err != nil {
		return 0, err
	}
	r.flags = p.flags
	if !forwarded {
		r.frame(reqMethod, p.clen)
		return end, nil
	}
	if !validVersion(r.version, false) {
		return 0, r.err.fail(502, 0, "invalid HTTP version")
	}
	if headCost(r.version, r.code, r.reason, r.list) > lim.headRoom() {
		return 0, r.err.fail(502, end, "response head too large")
	}
	r.Major, r.Minor = int(r.version[5]-'0'), int(r.version[7]-'0')
	if r.Status != 101 {
		// Only a 101 switches protocols: anything else saying so is
		// forwarded as is but not taken at its word.
		r.flags &^= fConnUpgrade | fUpgWebsocket
	}
	r.frame(reqMethod, p.clen)
	if r.flags&fTEOther != 0 {
		return 0, r.err.fail(502, end, "unsupported transfer-encoding")
	}
	if r.flags&(fConnUpgrade|fUpgWebsocket) == fConnUpgrade|fUpgWebsocket {
		if _, ok := r.Get("sec-websocket-accept"); !ok {
			return 0, r.err.fail(502, end, "websocket upgrade without an accept key")
		}
	}
	return end, nil
}

func (r *Response) statusLine(buf []byte) (int, error) {
	i, err := skipEmptyLines(buf, &r.err, 502)
	if err != nil {
		return 0, err
	}
	start := i
	for i < len(buf) && isVer(buf[i]) {
		i++
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	if !isSPHT(buf[i]) {
		return 0, r.err.fail(502, i, "invalid character in version")
	}
	r.version = buf[start:i]
	if v := r.version; len(v) == 8 && (v[5] > '1' || v[5] == '1' && v[7] >= '1') {
		r.flags |= fVer11
	}
	if i = skipSPHT(buf, i); i >= len(buf) {
		return 0, ErrIncomplete
	}
	if isCRLF(buf[i]) {
		return 0, r.err.fail(502, i, "missing status code")
	}
	start = i
	var status uint16
	for ; i < len(buf) && isDigit(buf[i]); i++ {
		status = status*10 + uint16(buf[i]-'0')
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	if !isLWS(buf[i]) {
		return 0, r.err.fail(502, i, "invalid character in status code")
	}
	r.code = buf[start:i]
	r.Status = int(status)
	if i = skipSPHT(buf, i); i >= len(buf) {
		return 0, ErrIncomplete
	}
	start = i
	for i < len(buf) && !isCRLF(buf[i]) {
		i++
	}
	if i >= len(buf) {
		return 0, ErrIncomplete
	}
	r.reason = buf[start:i]
	return lineEnd(buf, i, &r.err, 502)
}

func (r *Response) frame(reqMethod Method, clen int64) {
	f := r.flags
	s := r.Status
	lengthKnown := true
	switch {
	case reqMethod == MethodCONNECT && s >= 200 && s < 300 || s == 101:
		r.tunnel = true
	case reqMethod == MethodHEAD || s >= 100 && s < 200 || s == 204 || s == 304:
	case f&fChunked != 0:
		r.BodyKind = BodyChunked
	case f&fCLen != 0:
		r.BodyKind = BodyLength
		r.ContentLength = clen
		if clen < 0 {
			r.ContentLength = math.MaxInt64
		}
	default:
		r.BodyKind = BodyUntilClose
		lengthKnown = false
	}
	r.Upgrade = f&fConnUpgrade != 0
	r.Close = !r.tunnel && (!lengthKnown || f&fConnClose != 0 || f&(fVer11|fConnKeepAlive) == 0)
}
