package http1

import (
	"errors"
	"strconv"
)

// Reply is a canned response: one of haproxy's built-in messages or the
// content of an errorfile, parsed once at configuration time and then
// shared, read-only, by every connection.
type Reply struct {
	resp Response
	body []byte
	raw  []byte
	// Truncated: the file was longer than tune.bufsize and, like haproxy,
	// only its beginning was kept; the configuration should warn.
	Truncated bool
	// Dynamic is set on a reply that its owner renders for each request
	// (an http-error whose values are log-format strings): what it renders
	// from. AppendTo, for a user that cannot render it, writes haproxy's
	// built-in message for the status instead.
	Dynamic any
}

// DynamicReply returns a reply of status that its owner renders from d.
func DynamicReply(status int, d any) *Reply {
	r := &Reply{Dynamic: d}
	r.resp.Status = status
	return r
}

// Status is the reply's status code, 0 for an empty errorfile (haproxy then
// closes the connection without answering).
func (e *Reply) Status() int { return e.resp.Status }

// AppendTo appends the reply as haproxy sends a reply made by the stream
// (a deny, a 503, a 504...) in answer to req: names in lower case and a
// connection field as for Response.AppendHead; no body to a HEAD request.
func (e *Reply) AppendTo(dst []byte, mode HTTPMode, close bool, req *Request) ([]byte, Out) {
	if e.Dynamic != nil {
		e = builtinReplies[knownStatus(e.resp.Status)]
	}
	if len(e.raw) == 0 {
		return dst, Out{Close: true}
	}
	dst, out := e.resp.appendHead(dst, mode, close, req, req.Meth)
	if req.Meth != MethodHEAD {
		dst = append(dst, e.body...)
	}
	return dst, out
}

var builtinReplies = func() map[int]*Reply {
	m := make(map[int]*Reply, len(builtinMessages))
	for status, msg := range builtinMessages {
		r, err := ParseErrorFile([]byte(msg), DefaultLimits.BufSize)
		if err != nil || r.Status() != status {
			panic("http1: bad built-in message " + strconv.Itoa(status))
		}
		m[status] = r
	}
	return m
}()

// knownStatus maps a status to the one haproxy has a message for: unknown
// codes get the 500 message, as in haproxy.
func knownStatus(status int) int {
	if _, ok := builtinMessages[status]; ok {
		return status
	}
	return 500
}

// ErrorResponse returns haproxy's built-in message for status exactly as its
// H1 multiplexer writes it for errors it detects before a stream exists:
// malformed requests (400, 413, 422) and request timeouts (408). The slice
// is shared: do not modify it.
func ErrorResponse(status int) []byte { return builtinReplies[knownStatus(status)].raw }

// ErrorReply returns the built-in message for status as a Reply, for the
// errors a stream produces (deny_status, 503, 504, 502...).
func ErrorReply(status int) *Reply { return builtinReplies[knownStatus(status)] }

// ParseErrorFile checks the content of an errorfile as haproxy 2.6 does and
// returns it ready to send. bufSize is tune.bufsize: a longer file is cut
// (see Reply.Truncated) and the message must fit haproxy's buffer.
func ParseErrorFile(data []byte, bufSize int) (*Reply, error) {
	e := &Reply{}
	if len(data) > bufSize {
		data, e.Truncated = data[:bufSize], true
	}
	if len(data) == 0 {
		return e, nil
	}
	e.raw = data
	// The parse rewrites its buffer (folded lines), so it gets a copy:
	// raw must stay as written.
	buf := append([]byte(nil), data...)
	lim := DefaultLimits
	lim.BufSize = bufSize
	r := &e.resp
	n, err := r.parse(buf, lim, MethodGET, false)
	if err != nil {
		return nil, errors.New("unable to parse headers: " + err.Error())
	}
	s := r.Status
	switch {
	case len(r.version) != 8:
		return nil, errors.New("invalid http version (" + string(r.version) + ")")
	case s < 200 && (s == 100 || s >= 102):
		return nil, errors.New("invalid http status code for an error message (" + strconv.Itoa(s) + ")")
	case r.BodyKind == BodyChunked:
		return nil, errors.New("chunk-encoded payload not supported")
	case len(buf) > n && (r.BodyKind == BodyNone || r.BodyKind == BodyLength && r.ContentLength == 0):
		return nil, errors.New("message payload not expected")
	case r.BodyKind == BodyLength && r.ContentLength != int64(len(buf)-n):
		return nil, errors.New("payload size does not match the announced content-length (" +
			strconv.Itoa(len(buf)-n) + " != " + strconv.FormatInt(r.ContentLength, 10) + ")")
	}
	e.body = buf[n:]
	size := headCost(r.version, r.code, r.reason, r.list)
	if len(e.body) > 0 {
		size += htxBlock + len(e.body)
	}
	if size > bufSize-htxHeader {
		return nil, errors.New("message too large for tune.bufsize")
	}
	return e, nil
}
