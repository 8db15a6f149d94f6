package proxy

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"switchyard/hlua"
	"switchyard/http1"
)

// `http-request use-service lua.NAME`: the stream side of haproxy's
// AppletHTTP (hlua/applet.go is the script's side).

// serveLua answers the request with the Lua service of `use-service
// lua.NAME`, as haproxy's AppletHTTP: the response goes out as the script
// makes it (what it sent so far leaves whenever it waits, fills a buffer
// or ends). It returns whether the client connection goes on.
func (s *httpStream) serveLua(ref *hlua.ServiceRef) bool {
	r := &s.t.req
	// The fields as the client sent them (waitBody removes an Expect it
	// answered; haproxy's applet still sees it).
	hdrs := make([][2]string, 0, r.NumHeaders())
	for i := 0; i < r.NumHeaders(); i++ {
		n, v := r.Header(i)
		hdrs = append(hdrs, [2]string{string(n), string(v)})
	}
	if r.BodyKind != http1.BodyNone {
		if v, keep := s.waitBody(s.fe.cfg.Timeouts.HTTPRequest, 0); v != ruleContinue {
			return keep
		}
	}
	if s.t.be == nil {
		s.feCount(func(c *feCounters) *atomicU64 { return &c.Intercepted })
	}
	path, query := servicePathQuery(r.URI())
	version := "HTTP/1.0"
	if r.HTTP11() {
		version = "HTTP/1.1"
	}
	a := &hlua.Applet{Method: string(r.Method()), Path: path, Query: query, Version: version,
		NoPath: !strings.HasPrefix(path, "/"), Length: int64(len(s.ctx.Body))}
	switch r.BodyKind {
	case http1.BodyLength:
		a.Length = r.ContentLength // haproxy counts what is still to come
	case http1.BodyChunked:
		a.Length = chunkedLength(s.cr.Buffered())
	}
	// The script reads the body from the client as it comes (what the
	// rules waited for is still in the client buffer).
	var body *http1.BodyReader
	if r.BodyKind != http1.BodyNone && !s.t.bodyRead {
		body = &s.t.reqBody
		body.ForRequest(&s.cr, r, s.fe.limits)
		a.More = func() ([]byte, error) {
			p, err := s.nextBody(body)
			return append([]byte(nil), p...), err
		}
	}
	a.Headers = hdrs
	sink := &luaSink{s: s, mustClose: r.Close || s.ending(), length: -1}
	a.Sink = sink
	s.term('L', 'R')
	// Tr ends with the response's head, which the script starts.
	s.logApplet("<lua."+ref.Name+">", false)
	l := &s.t.lg
	result := ref.Prog.RunService(ref.Name, (*luaStream)(s), a)
	// The rest of the body is drained, as haproxy's applet eats the
	// request: the connection can go on if it all comes.
	if body != nil && result != hlua.ServiceFailed && !sink.failed {
		s.ctx.Body = nil // it pointed into the client buffer
		for {
			if _, err := s.nextBody(body); err != nil {
				if err != io.EOF {
					sink.mustClose = true
				}
				break
			}
		}
		s.t.bodyRead = true
	}
	switch result {
	case hlua.ServiceNoResponse:
		// haproxy's 500, which its applet puts in the response channel:
		// the response rules see it as any other response.
		s.t.lg.rec.Status = 500
		l.rec.Timers.Data = l.ms()
		out := http1.AppendReplyHead(s.t.out[:0], 500)
		out = append(out, "content-length: "...)
		out = strconv.AppendInt(out, int64(len(luaErr500)), 10)
		out = append(out, "\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n"...)
		switch {
		case sink.mustClose:
			out = append(out, "connection: close\r\n"...)
		case !r.HTTP11():
			out = append(out, "connection: keep-alive\r\n"...)
		}
		out = append(out, "\r\n"...)
		var answered bool
		if out, answered = s.luaResponseRules(out, sink); answered {
			return !sink.mustClose
		}
		out = s.afterReply(out, s.t.be, sink.mustClose)
		if r.Meth != http1.MethodHEAD {
			out = append(out, luaErr500...)
		}
		s.t.out = out
		s.countHead(out)
		return s.writeRaw(out) && !sink.mustClose
	}
	if sink.answered {
		return !sink.mustClose
	}
	switch result {
	case hlua.ServiceFailed:
		// The response stops where it was: what was sent goes, then the
		// connection closes.
		sink.Flush()
		s.term('I', 'D')
		return false
	}
	if sink.chunked && !sink.head {
		sink.frame()
		n := len(sink.pending)
		sink.pending = http1.AppendLastChunk(sink.pending, nil)
		sink.framing += int64(len(sink.pending) - n)
	}
	if sink.Flush() != nil {
		return false
	}
	if sink.length >= 0 && sink.sent != sink.length {
		return false // fewer bytes than announced: only a close ends it
	}
	return !sink.mustClose
}

// nextBody reads the next part of a Lua service's request body, waiting
// within the client timeout.
func (s *httpStream) nextBody(body *http1.BodyReader) ([]byte, error) {
	if d := s.fe.cfg.Timeouts.Client; d > 0 {
		s.cl.readWithin(d)
	}
	return body.Next()
}

// chunkedLength is applet.length of a chunked body: the sizes of the
// chunks whose size line has arrived, as haproxy counts the data it holds
// plus the rest of the chunk being received.
func chunkedLength(b []byte) int64 {
	var total int64
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return total
		}
		line := bytes.TrimRight(b[:i], "\r")
		if j := bytes.IndexByte(line, ';'); j >= 0 {
			line = line[:j]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n <= 0 {
			return total
		}
		total += n
		skip := int64(i+1) + n + 2
		if skip >= int64(len(b)) {
			return total
		}
		b = b[skip:]
	}
}

// luaErr500 is the body of haproxy's built-in 500 (http1's), which a
// failed service answers with a head of its own.
var luaErr500 = func() []byte {
	raw := http1.ErrorResponse(500)
	return raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
}()

// luaBufSize is how much a service's response gathers before it is sent
// even though the script runs on: haproxy's buffer.
const luaBufSize = 16384

// luaSink lays out a Lua service's response and sends it.
type luaSink struct {
	s         *httpStream
	pending   []byte // laid out, to send
	body      []byte // sent by the script since the last Flush
	framing   int64  // chunk framing bytes in pending
	mustClose bool
	head      bool // a HEAD request: no body goes out
	chunked   bool
	length    int64 // content-length announced, -1: none
	sent      int64
	failed    bool
	answered  bool // an http-response rule answered instead
}

// Head lays out the status line and the script's fields, framed as
// haproxy's hlua_applet_http_send_response: the script's content-length
// or chunked transfer-encoding when it gave one, else chunked for an
// HTTP/1.1 response that may have a body, else the end of the connection
// ends the body.
func (k *luaSink) Head(a *hlua.Applet) error {
	s := k.s
	k.head = s.t.req.Meth == http1.MethodHEAD
	out := append(s.t.out[:0], a.Version...)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(a.Status), 10)
	out = append(out, ' ')
	if a.Reason != "" {
		out = append(out, a.Reason...)
	} else {
		out = append(out, statusReason(a.Status)...)
	}
	out = append(out, "\r\n"...)
	for _, h := range a.RespHdr {
		switch {
		case strings.EqualFold(h[0], "transfer-encoding"):
			if !strings.Contains(strings.ToLower(h[1]), "chunked") {
				continue
			}
			k.chunked = true
		case strings.EqualFold(h[0], "content-length"):
			n, _ := strconv.ParseInt(strings.TrimSpace(h[1]), 10, 64)
			k.length = n
		case strings.EqualFold(h[0], "connection"):
			// haproxy's HTTP/1 output writes its own: the script's
			// only says whether to close.
			if strings.Contains(strings.ToLower(h[1]), "close") {
				k.mustClose = true
			}
			continue
		}
		out = http1.AppendReplyFieldName(out, h[0])
		out = append(append(out, h[1]...), "\r\n"...)
	}
	if k.chunked {
		k.length = -1
	}
	bodyless := a.Status < 200 || a.Status == 204 || a.Status == 304
	if !k.chunked && k.length < 0 {
		if a.Version == "HTTP/1.1" && !bodyless {
			out = append(out, "transfer-encoding: chunked\r\n"...)
			k.chunked = true
		} else {
			k.mustClose = true // no length: the end of the connection is the end
		}
	}
	if a.Version == "HTTP/1.1" && k.mustClose {
		out = append(out, "connection: close\r\n"...)
	} else if a.Version != "HTTP/1.1" && !k.mustClose {
		out = append(out, "connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	s.t.lg.rec.Status = a.Status
	s.t.lg.rec.Timers.Data = s.t.lg.ms()
	// haproxy's applets answer through the same channel as servers: the
	// http-response rules (the backend's, then the frontend's) and the
	// http-after-response rules see the head too.
	var answered bool
	if out, answered = s.luaResponseRules(out, k); answered {
		k.answered = true // a rule answered instead: the script's output goes nowhere
		return nil
	}
	out = s.afterReply(out, s.t.be, k.mustClose)
	s.t.out = out
	s.countHead(out)
	k.pending = append(k.pending, out...)
	return nil
}

// luaResponseRules runs the http-response rules on a service's head
// (serviceResponseRules); answered says a rule answered instead, which
// it wrote.
func (s *httpStream) luaResponseRules(head []byte, k *luaSink) ([]byte, bool) {
	out, answered, keep := s.serviceResponseRules(head, k.mustClose)
	if answered {
		k.mustClose = k.mustClose || !keep
		return nil, true
	}
	return out, false
}

// Body adds a part of the body.
func (k *luaSink) Body(p []byte) bool {
	if k.failed {
		return true // Flush says the client is gone: the script stops
	}
	if len(p) == 0 || k.head || k.answered {
		return false
	}
	k.sent += int64(len(p))
	k.body = append(k.body, p...)
	return len(k.pending)+len(k.body) >= luaBufSize
}

// Flush sends what waits: the body gathered since the last one is one
// chunk when chunked, as haproxy's H1 output frames a buffer's data.
func (k *luaSink) Flush() error {
	if k.failed {
		return errLuaClient
	}
	if k.answered {
		k.pending, k.body = k.pending[:0], k.body[:0]
		return nil
	}
	k.frame()
	if len(k.pending) == 0 {
		return nil
	}
	if l := &k.s.t.lg; l.on {
		l.adjust -= k.framing // %B counts the body, not its chunks' framing, as haproxy's
	}
	k.framing = 0
	ok := k.s.writeRaw(k.pending)
	k.pending = k.pending[:0]
	if !ok {
		k.failed = true
		return errLuaClient
	}
	return nil
}

// frame moves the gathered body behind what is laid out.
func (k *luaSink) frame() {
	if len(k.body) > 0 {
		if k.chunked {
			n := len(k.pending)
			k.pending = http1.AppendChunkHeader(k.pending, len(k.body))
			k.framing += int64(len(k.pending) - n + 2)
			k.pending = append(k.pending, k.body...)
			k.pending = http1.AppendChunkEnd(k.pending)
		} else {
			k.pending = append(k.pending, k.body...)
		}
		k.body = k.body[:0]
	}
}

var errLuaClient = errors.New("client gone")
