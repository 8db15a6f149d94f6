package proxy

import (
	"errors"
	"os"
	"time"

	"switchyard/backend"
	"switchyard/http1"
)

// http-response wait-for-body and the response body fetches. haproxy's
// response rules see the body its buffer holds: what came with the head,
// or, after wait-for-body, all of it (or at-least bytes of it, or what the
// buffer takes). The bytes stay in the server reader meanwhile, so that
// the body is relayed whole afterwards; Ctx.ResBody shows them, a chunked
// body decoded as haproxy's HTX presents it. (The action is compiled in
// actions_body.go: both rule sets share its definition.)

// hasResponseRules says whether any rule will look at the server's
// response: only then is its body worth presenting.
func (s *httpStream) hasResponseRules(be *Backend) bool {
	return len(be.resRules) > 0 || len(s.fe.resRules) > 0 || hasAfterRules(s.fe, be)
}

// resBodySoFar sets Ctx.ResBody to the body bytes the server reader holds,
// as much of them as haproxy's buffer takes after the head, and says
// whether they are the whole body. A framing error is returned; the body
// is then what came before it.
func (s *httpStream) resBodySoFar() (complete bool, err error) {
	r := &s.t.resp
	room := s.resBodyRoom()
	buf := s.t.sr.Buffered()
	switch r.BodyKind {
	case http1.BodyNone:
		s.ctx.ResBody, s.ctx.ResBodyLeft = noBody, 0
		return true, nil
	case http1.BodyLength:
		n := min(int64(len(buf)), r.ContentLength)
		complete = n == r.ContentLength
		n = min(n, int64(room))
		s.ctx.ResBody, s.ctx.ResBodyLeft = buf[:n], r.ContentLength-n
		return complete, nil
	case http1.BodyUntilClose:
		s.ctx.ResBody, s.ctx.ResBodyLeft = buf[:min(len(buf), room)], -1
		return false, nil
	}
	return s.decodeResponseChunks(buf, room)
}

// resBodyRoom is how much of the response body haproxy's buffer takes
// after the head as it is now.
func (s *httpStream) resBodyRoom() int {
	r := &s.t.resp
	return s.fe.limits.BodyRoom(r.Cost(), r.BodyKind == http1.BodyChunked)
}

// decodeResponseChunks decodes the chunked body at the start of buf, up to
// room bytes of data, into the context's scratch space (it must outlive
// the rules, which use the transaction's own scratch buffer). ResBodyLeft
// is then what the chunk being received still holds.
func (s *httpStream) decodeResponseChunks(buf []byte, room int) (bool, error) {
	start := len(s.ctx.Scratch)
	if b := s.ctx.ResBody; len(b) > 0 && start >= len(b) && &s.ctx.Scratch[start-1] == &b[len(b)-1] {
		// The last decoding is the last thing there: a wait decodes
		// again after every read, in the same room.
		start -= len(b)
		s.ctx.Scratch = s.ctx.Scratch[:start]
	}
	var dec *http1.BodyReader
	left, full := int64(0), false
	_, complete, err := s.scanChunks(buf, func(d *http1.BodyReader, rd *http1.Reader) {
		d.ForResponse(rd, &s.t.resp, s.fe.limits)
		dec = d
	}, func(span []byte) {
		if full {
			return
		}
		took := len(s.ctx.Scratch) - start
		if took+len(span) >= room {
			// haproxy's buffer is full in this chunk: the rest of it
			// is announced, not received.
			full = true
			left = dec.ChunkLeft() + int64(took+len(span)-room)
			span = span[:room-took]
		}
		s.ctx.Scratch = append(s.ctx.Scratch, span...)
	})
	if !full && !complete && dec != nil {
		left = dec.ChunkLeft()
	}
	end := len(s.ctx.Scratch)
	s.ctx.ResBody, s.ctx.ResBodyLeft = s.ctx.Scratch[start:end:end], left
	s.t.resScan.ok, s.t.resScan.n, s.t.resScan.err = true, len(buf), err
	return complete && !full, err
}

// waitResponseBody waits until the response body is all here, or at
// least atLeast bytes of it (when not 0), or haproxy's buffer is full, or
// the server stopped sending, then lets the rules go on with it. After
// limit (0: none), or timeout server without a byte, it answers 504 in
// place of the response, as haproxy.
func (s *httpStream) waitResponseBody(limit time.Duration, atLeast int64) (ruleVerdict, bool) {
	if s.t.req.Meth == http1.MethodCONNECT {
		return ruleContinue, false
	}
	sc, _ := s.t.sr.Source().(*timedConn)
	be := s.t.be
	srvTimeout := s.sx.serverTimeout(be)
	var deadline time.Duration
	if limit > 0 {
		deadline = mono() + limit
	}
	owned := false
	for {
		complete, err := s.resBodySoFar()
		if err != nil {
			return s.badResponseBody(be)
		}
		n := int64(len(s.ctx.ResBody))
		if complete || atLeast > 0 && n >= atLeast || n >= int64(s.resBodyRoom()) || sc == nil {
			return ruleContinue, false
		}
		at := deadline
		if srvTimeout > 0 {
			if inactive := mono() + srvTimeout; at == 0 || inactive < at {
				at = inactive
			}
		}
		sc.readAt(at)
		if !owned {
			// The head was parsed in the server buffer, which the
			// body may now take over.
			s.t.resp.Own(nil)
			owned = true
		}
		// Bytes that come now fill the buffer up to its receive limit
		// with the head as it is now, rewrites included.
		s.t.respAt = s.t.resp.Cost()
		_, err = s.t.sr.Fill()
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			// The server closed, or the buffer is full of chunk
			// framing: the rules go on with what came.
			if _, err := s.resBodySoFar(); err != nil {
				return s.badResponseBody(be)
			}
			return ruleContinue, false
		}
		if deadline == 0 || mono() < deadline {
			// timeout server. A request body still being sent
			// refreshes it, as in readResponseHead.
			if s.t.pumping && srvTimeout > 0 {
				if next := time.Duration(s.t.reqCopy.wrote.Load()) + srvTimeout; next > mono() {
					continue
				}
			}
		}
		return s.responseBodyTimeout(be)
	}
}

// responseBodyTimeout answers the 504 of a wait that ran out of time.
// haproxy 2.6 logs it as a server timeout while the request was still
// being processed (sR), without a response time (the server's response
// was not a valid one), and counts the bytes the server's response had
// brought into the buffer.
func (s *httpStream) responseBodyTimeout(be *Backend) (ruleVerdict, bool) {
	s.droppedResponse()
	s.term('s', 'R')
	return ruleAnswered, s.reply(504, be)
}

// badResponseBody answers the 502 of a chunked body found malformed while
// it was waited for, which haproxy counts as a failed response.
func (s *httpStream) badResponseBody(be *Backend) (ruleVerdict, bool) {
	countServerFailure(be, s.t.lg.srv, false)
	s.observe(backend.ObserveHTTPRsp)
	s.droppedResponse()
	s.term('P', 'H')
	return ruleAnswered, s.reply(502, be)
}

// droppedResponse notes for the log that the server's response gives way
// to the proxy's answer, and drops it for the rules' formats.
func (s *httpStream) droppedResponse() {
	if s.t.lg.on {
		s.t.lg.adjust += s.serverResponseHTX()
		s.t.lg.rec.Timers.Data = -1
	}
	s.ctx.Resp = nil
}
