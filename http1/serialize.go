package http1

// HTTPMode is the connection option of a proxy section.
type HTTPMode uint8

// Connection options.
const (
	ModeKeepAlive   HTTPMode = iota // option http-keep-alive (the default)
	ModeServerClose                 // option http-server-close
	ModeClose                       // option httpclose
)

// Out is what writing a head decided.
type Out struct {
	// Close: the connection the head was written to must be closed once
	// this exchange is over.
	Close bool
	// Chunked: the body must be sent chunk-encoded (see AppendChunk...),
	// either because it was received so or because haproxy would add
	// "transfer-encoding: chunked" to a message whose length a rule
	// removed. Never set for a message without a body.
	Chunked bool
	// BadLength: a rule set a Content-Length that is not the length of
	// the body that will be sent. The head must not go out: the receiver
	// would frame the body differently (haproxy's output refuses such a
	// message: 500 for a request, an abort for a response).
	BadLength bool
}

// badLength says whether the Content-Length the head announces (flags and
// clen, as written) differs from the body about to follow.
func badLength(f msgFlags, clen int64, kind BodyKind, length int64) bool {
	if f&fCLen == 0 || f&fChunked != 0 {
		return false
	}
	switch kind {
	case BodyNone:
		return clen != 0
	case BodyLength:
		return clen != length
	}
	return true
}

// AppendHead appends the request head as haproxy 2.6 sends it to a server:
// names in lower case, "HTTP/1.1" for any version from 1.1 up,
// Connection stripped of close/keep-alive and TE of anything but
// "trailers", invalid Content-Length fields dropped, and a Connection field
// added to say what will happen to the connection.
//
// mode is the strictest of the frontend's and the backend's options; close
// forces the server connection to close (e.g. the proxy is stopping).
func (r *Request) AppendHead(dst []byte, mode HTTPMode, close bool) ([]byte, Out) {
	ver11 := isVer11(r.version)
	dst = append(dst, r.method...)
	dst = append(dst, ' ')
	dst = append(dst, r.uri...)
	dst = append(dst, ' ')
	dst = appendVersion(dst, r.version, ver11)
	dst = append(dst, '\r', '\n')
	var w headWriter
	if r.BodyKind == BodyNone || r.BodyKind == BodyLength && r.ContentLength == 0 {
		// haproxy treats a body-less request as having length 0, which
		// is why a CONNECT keeps "content-length: 0" and no other.
		w.flags, w.clen = fCLen, 0
	}
	dst = w.fields(dst, r.list)
	f := w.flags
	switch {
	case f&(fXferEnc|fCLen) == fXferEnc|fCLen, f&fXferEnc != 0 && !ver11, f&fConnClose != 0:
		close = true
	case f&fConnKeepAlive == 0 && mode != ModeKeepAlive:
		close = true
	}
	if f&fConnUpgrade == 0 {
		dst = appendConnection(dst, close, ver11, true)
	}
	out := Out{Close: close, Chunked: f&fChunked != 0 && r.BodyKind != BodyNone}
	out.BadLength = badLength(f, w.clen, r.BodyKind, r.ContentLength)
	if r.Meth != MethodCONNECT && ver11 && f&(fCLen|fChunked) == 0 {
		dst = append(dst, "transfer-encoding: chunked\r\n"...)
		out.Chunked = true
	}
	return append(dst, '\r', '\n'), out
}

// AppendHead appends the response head as haproxy 2.6 sends it to a client
// in answer to req. mode is the frontend's option; close is true when the
// client connection is already bound to close (req.Close, or the response
// is made by the proxy before the request was fully received).
func (r *Response) AppendHead(dst []byte, mode HTTPMode, close bool, req *Request) ([]byte, Out) {
	return r.appendHead(dst, mode, close, req, r.reqMethod)
}

func (r *Response) appendHead(dst []byte, mode HTTPMode, close bool, req *Request, reqMethod Method) ([]byte, Out) {
	ver11 := isVer11(r.version)
	dst = appendVersion(dst, r.version, ver11)
	dst = append(dst, ' ')
	dst = append(dst, r.code...)
	dst = append(dst, ' ')
	dst = append(dst, r.reason...)
	dst = append(dst, '\r', '\n')
	s := r.Status
	w := headWriter{flags: fResp, noLength: s < 200 || s == 204}
	dst = w.fields(dst, r.list)
	var out Out
	if s >= 200 {
		// Interim and 101 responses carry no connection decision.
		dst, out = r.connection(dst, mode, close, req, reqMethod, w.flags)
		bodyless := reqMethod == MethodHEAD || s == 204 || s == 304 || reqMethod == MethodCONNECT && s < 300
		out.BadLength = !bodyless && badLength(w.flags, w.clen, r.BodyKind, r.ContentLength)
	}
	if w.flags&(fConnUpgrade|fUpgWebsocket) == fConnUpgrade|fUpgWebsocket && !w.wsAccept {
		// haproxy completes a websocket handshake the server left
		// without its key, from the key the client sent.
		var key []byte
		if req != nil {
			key = req.wsKey
		}
		dst = append(dst, "Sec-Websocket-Accept: "...)
		dst = appendWebsocketAccept(dst, key)
		dst = append(dst, '\r', '\n')
	}
	return append(dst, '\r', '\n'), out
}

// connection adds the fields of a final response that depend on what will
// happen to the client connection.
func (r *Response) connection(dst []byte, mode HTTPMode, close bool, req *Request, reqMethod Method, f msgFlags) ([]byte, Out) {
	s := r.Status
	ver11 := isVer11(r.version)
	tunnel := reqMethod == MethodCONNECT && s < 300
	lengthKnown := r.BodyKind != BodyUntilClose
	switch {
	case tunnel:
		close = false
	case f&(fXferEnc|fCLen) == fXferEnc|fCLen, f&fXferEnc != 0 && !ver11:
		close = true
	case !lengthKnown, f&fConnClose != 0:
		close = true
	case f&fConnKeepAlive == 0 && mode == ModeClose:
		close = true
	}
	if !tunnel && f&fConnUpgrade == 0 {
		dst = appendConnection(dst, close, ver11, req == nil || req.HTTP11())
	}
	bodyless := reqMethod == MethodHEAD || s == 204 || s == 304
	out := Out{Close: close, Chunked: f&fChunked != 0 && !bodyless && !tunnel}

	if !bodyless && !tunnel && ver11 && lengthKnown && f&(fCLen|fChunked) == 0 {
		dst = append(dst, "transfer-encoding: chunked\r\n"...)
		out.Chunked = true
	}
	return dst, out
}

// trailers is the only TE value haproxy forwards.
var trailers = []byte("trailers")

func isVer11(v []byte) bool {
	return len(v) == 8 && (v[5] > '1' || v[5] == '1' && v[7] >= '1')
}

func appendVersion(dst, v []byte, ver11 bool) []byte {
	if ver11 {
		return append(dst, "HTTP/1.1"...)
	}
	return append(dst, v...)
}

// appendConnection adds haproxy's connection field: "close" to an HTTP/1.1
// message when the connection will close, "keep-alive" when it stays open
// but the message or the request it answers is HTTP/1.0.
func appendConnection(dst []byte, close, ver11, reqVer11 bool) []byte {
	switch {
	case close && ver11:
		return append(dst, "connection: close\r\n"...)
	case !close && (!ver11 || !reqVer11):
		return append(dst, "connection: keep-alive\r\n"...)
	}
	return dst
}

// headWriter writes header fields re-reading them the way haproxy's output
// side does, since rules may have edited them since the parse.
type headWriter struct {
	flags    msgFlags
	clen     int64
	noLength bool // 1xx and 204: framing fields are not sent
	wsAccept bool // a Sec-WebSocket-Accept field was written
}

func (w *headWriter) fields(dst []byte, list []Header) []byte {
	for _, f := range list {
		v := f.Value
		switch {
		case eqFold(f.Name, "transfer-encoding"):
			if w.noLength {
				continue
			}
			transferEncoding(v, &w.flags)
		case eqFold(f.Name, "content-length"):
			if w.noLength {
				continue
			}
			if _, _, ok := contentLength(v, &w.flags, &w.clen); !ok {
				continue
			}
		case eqFold(f.Name, "connection"):
			dst = w.connection(dst, f.Name, v)
			continue
		case eqFold(f.Name, "upgrade"):
			upgrade(v, &w.flags)
		case eqFold(f.Name, "sec-websocket-accept"):
			w.wsAccept = true
		case eqFold(f.Name, "te"):
			if !teTrailers(v) {
				continue
			}
			v = trailers
		}
		dst = appendField(dst, f.Name, v)
	}
	return dst
}

// connection writes a Connection field cleaned of close and keep-alive,
// which are recorded in the flags instead; an emptied field is not written.
func (w *headWriter) connection(dst, name, v []byte) []byte {
	mark := len(dst)
	dst = appendLower(dst, name)
	dst = append(dst, ':', ' ')
	vs := len(dst)
	dst = append(dst, v...)
	n := connection(dst[vs:], &w.flags, true, true)
	if n == 0 {
		return dst[:mark]
	}
	return append(dst[:vs+n], '\r', '\n')
}

func appendField(dst, name, value []byte) []byte {
	dst = appendLower(dst, name)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, '\r', '\n')
}

func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, lower(c))
	}
	return dst
}
