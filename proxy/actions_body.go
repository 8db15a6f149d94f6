package proxy

import (
	"errors"
	"math"
	"os"
	"time"

	"switchyard/config"
	"switchyard/http1"
)

// option http-buffer-request and http-request wait-for-body: the request
// body is received into the client buffer (up to what haproxy's buffer
// holds: tune.bufsize less tune.maxrewrite and the head) before the rules
// that follow run, and given to req.body and its kin through Ctx.Body. It
// is then forwarded from there as usual.

func init() {
	// One action serves both rule sets; the response's wait is in
	// actions_resbody.go.
	compileAction(config.HTTPRequestRules, "wait-for-body", func(r *config.HTTPRule) ruleFunc {
		w := r.Args.(*config.WaitForBody)
		if r.Set == config.HTTPResponseRules {
			return func(s *httpStream) (ruleVerdict, bool) { return s.waitResponseBody(w.Time, w.AtLeast) }
		}
		return func(s *httpStream) (ruleVerdict, bool) { return s.waitBody(w.Time, w.AtLeast) }
	})
}

// withBufferRequest puts the wait of option http-buffer-request before the
// http-request rules of px, whose timeout http-request bounds it.
func withBufferRequest(px *config.Proxy, rules []compiledRule) []compiledRule {
	if !config.BufferRequest(px) {
		return rules
	}
	limit := px.Timeouts.HTTPRequest
	wait := compiledRule{run: func(s *httpStream) (ruleVerdict, bool) { return s.waitBody(limit, 0) }}
	return append([]compiledRule{wait}, rules...)
}

// waitBody waits until the request body is all here, or at least atLeast
// bytes of it (when not 0), or the buffer is full, or the client stopped
// sending, then sets Ctx.Body. After limit (0: none), or timeout client
// without a byte, it answers 408 and the connection ends, as haproxy.
func (s *httpStream) waitBody(limit time.Duration, atLeast int64) (ruleVerdict, bool) {
	r := &s.t.req
	s.t.bodyWaited = true
	if r.BodyKind == http1.BodyNone || r.Meth == http1.MethodCONNECT || s.t.bodyRead || s.t.pumping {
		if s.ctx.Body == nil {
			s.ctx.Body = []byte{}
		}
		return ruleContinue, false
	}
	if r.Expect100 && r.HTTP11() {
		// The client waits for a go-ahead: haproxy gives it, and the
		// server does not see the Expect field.
		if !s.writeRaw([]byte("HTTP/1.1 100 Continue\r\n\r\n")) {
			s.t.closeAfter = true
			return ruleStop, false
		}
		r.DelName([]byte("expect"))
		r.Expect100 = false
	}
	// The head was parsed in the client buffer; the body may now take
	// its room.
	r.Own(nil)
	room := s.bodyRoom()
	var deadline time.Time
	if limit > 0 {
		deadline = time.Now().Add(limit)
	}
	for {
		body, done, err := s.bufferedBody()
		if err != nil {
			s.term('P', 'R')
			s.t.closeAfter = true
			s.reply(400, s.t.be)
			return ruleAnswered, false
		}
		if len(body) > room {
			body = body[:room] // what haproxy's buffer took of it
		}
		s.ctx.Body = body
		if r.BodyKind == http1.BodyLength {
			s.ctx.BodyLeft = r.ContentLength - int64(len(body))
		}
		if done || atLeast > 0 && int64(len(body)) >= atLeast || len(body) >= room {
			return ruleContinue, false
		}
		by := deadline
		if d := s.fe.cfg.Timeouts.Client; d > 0 {
			if inactive := time.Now().Add(d); by.IsZero() || inactive.Before(by) {
				by = inactive
			}
		}
		s.cl.readBy(by)
		// Bytes that come now fill the buffer up to its receive limit
		// with the head as it is now, rewrites included.
		s.t.bodyAt = r.Cost()
		if err := s.fill(); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// haproxy: a client timeout while the request is
				// still being received (cR), the request not whole.
				s.term('c', 'R')
				s.t.lg.rec.Timers.Request = -1
				s.t.closeAfter = true
				s.reply(408, s.t.be)
				return ruleAnswered, false
			}
			// The client stopped sending (or the buffer is full of
			// chunk framing): the rules go on with what came.
			return ruleContinue, false
		}
	}
}

// bodyRoom is how many body bytes haproxy's buffer takes after this head.
func (s *httpStream) bodyRoom() int {
	lim := s.fe.limits
	cost := s.t.req.Cost()
	full := lim.BufferedBodyCost(cost, math.MaxInt32)
	if full == 0 {
		return 0
	}
	return full - lim.BufferedBodyCost(cost, 1) + 1
}

// bufferedBody returns the body data in the client buffer, whether it is
// the whole body, and a framing error of a chunked body.
func (s *httpStream) bufferedBody() ([]byte, bool, error) {
	buf := s.cr.Buffered()
	r := &s.t.req
	if r.BodyKind == http1.BodyLength {
		if int64(len(buf)) >= r.ContentLength {
			return buf[:r.ContentLength], true, nil
		}
		return buf, false, nil
	}
	if r.BodyKind != http1.BodyChunked {
		return buf, false, nil // until the close: requests do not have it
	}
	// Kept for the rules: the copy scanChunks decodes is reused.
	body := []byte{}
	_, complete, err := s.scanChunks(buf, s.requestChunks, func(span []byte) { body = append(body, span...) })
	if err != nil {
		return nil, false, err
	}
	return body, complete, nil
}

// bodySoFar gives the body fetches what haproxy's give without a wait:
// the body bytes that came with the head (none for a request without a
// body). A chunked body is only decoded when waited for (wait-for-body,
// option http-buffer-request): until then its fetches find nothing.
func (s *httpStream) bodySoFar() {
	r := &s.t.req
	switch r.BodyKind {
	case http1.BodyNone:
		s.ctx.Body = noBody
	case http1.BodyLength:
		buf := s.cr.Buffered()
		s.ctx.Body = buf[:min(int64(len(buf)), r.ContentLength)]
		s.ctx.BodyLeft = r.ContentLength - int64(len(s.ctx.Body))
	}
}

// noBody is the body of a request that has none: found, and empty.
var noBody = []byte{}
