package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
)

type exchangeResult int

const (
	exDone       exchangeResult = iota // response relayed; see closeAfter
	exAnswered                         // the proxy answered an error itself; see closeAfter
	exStale                            // the idle connection was unusable; nothing was sent
	exFail                             // broken: close
	exConnFailed                       // no connection could be made to the server
	exRetry                            // a failure retry-on retries: nothing was sent to the client
)

// forward sends the request to a server of be and relays the response.
func (s *httpStream) forward(be *Backend) bool {
	prefer, forced := s.persistence(be)
	stopWatch := func() {}
	s.t.abort = context.Background()
	if be.cfg.AbortOnClose {
		stopWatch = s.abortOnClose()
		defer func() { stopWatch() }() // whatever way forward ends (it is idempotent)
	}
	a, err := be.state.AssignCtx(s.t.abort, &s.ctx, nil, prefer, be.queueTimeout())
	srv := a.Srv
	s.logServer(be, &a, err)
	if err != nil {
		stopWatch()
		s.termAssign(err)
		countAssignFailure(be, a.Srv, err)
		if errors.Is(err, backend.ErrAborted) {
			return false // the client is gone: nobody to answer
		}
		return s.reply(503, be)
	}
	// The slot and the pool's count follow the server: a redispatch
	// moves them.
	s.t.detach = s.attachCut(srv)
	s.t.slot = srv
	defer func() {
		s.t.detach()
		s.logCut()
		if a.Srv != nil {
			s.endUse(a.Srv)
		}
		s.releaseSlot(be)
	}()
	srv.Pool.Begin()
	s.t.pooled = false
	s.addForwardedFor(be)
	s.addUniqueIDHeader()
	s.prepareRequest(be)
	if s.t.reqInfo.BadLength {
		// A rule changed Content-Length: the server would frame the
		// body otherwise, and read a request no rule saw in its end.
		// haproxy's output refuses the message with a 500 (the client
		// connection goes on if the body was all read).
		s.term('P', 'R')
		return s.reply(500, be)
	}

	rs := retryState{direct: prefer != nil, forced: forced}
	watchStopped := false
	defer s.logCookie(be)
	for {
		if be.cfg.AbortOnClose && watchStopped {
			// A retry connects again: the client is watched again
			// (the exchange that failed had stopped the watch).
			stopWatch, watchStopped = s.abortOnClose(), false
		}
		s.t.retryOn = 0
		if s.t.whole && rs.n < be.cfg.Retries && be.cfg.Mode == config.ModeHTTP {
			s.t.retryOn = be.cfg.RetryOn // the request can be sent again
		}
		sc, from, err := s.serverConn(be, srv)
		if s.t.abort.Err() != nil {
			// option abortonclose: the client left while connecting.
			if sc != nil {
				sc.Close()
			}
			s.logRetries(&rs)
			s.term('C', 'C')
			return false
		}
		if err == nil {
			// The exchange reads the client from here. A failed
			// connect keeps the watch through the retry's pause.
			stopWatch()
			watchStopped = true
		}
		var res exchangeResult
		fail := failResponse
		if errors.Is(err, errNoDestination) {
			// haproxy: an internal error, which no retry can mend.
			s.logRetries(&rs)
			s.term('I', 'C')
			return s.reply(500, be)
		}
		if err != nil {
			srv.Observe(backend.ObserveL4Err)
			res, fail = exConnFailed, connFailure(err)
		} else {
			if from == fromDial {
				srv.Observe(backend.ObserveL4OK)
			}
			s.logConnected(sc)
			// An idle connection, private or pooled, is checked
			// first: the server may have closed it meanwhile.
			res = s.exchange(be, srv, sc, from != fromDial)
		}
		switch res {
		case exDone, exAnswered:
			s.logRetries(&rs)
			return !s.t.closeAfter
		case exStale:
			continue // another idle connection, or a new one
		case exConnFailed, exRetry:
			if s.nextAttempt(be, &a, &rs, fail) {
				srv = a.Srv
				continue
			}
			s.logRetries(&rs)
			if a.Srv == nil { // redispatched, and no server took it
				s.termAssign(rs.err)
				return s.reply(503, be)
			}
			if res == exConnFailed {
				s.term('S', 'C')
				return s.reply(503, be)
			}
			// An L7 retry was wanted but none is left: exchange said
			// so before answering, so this does not happen.
			return false
		default:
			s.logRetries(&rs)
			return false
		}
	}
}

// releaseSlot gives the request's server slot back, once.
func (s *httpStream) releaseSlot(be *Backend) {
	if s.t.slot != nil {
		be.state.Release(s.t.slot)
		s.t.slot = nil
	}
}

// observe reports an outcome to the current server's `observe` (a load
// and nothing more when the server does not observe).
func (s *httpStream) observe(ev backend.ObserveEvent) {
	if srv := s.t.lg.srv; srv != nil {
		srv.Observe(ev)
	}
}

// nextAttempt moves the request to its next attempt after a failure,
// keeping the server's pool count with the server the request is on.
func (s *httpStream) nextAttempt(be *Backend, a *backend.Assignment, rs *retryState, f failure) bool {
	old := a.Srv
	if !rs.next(be, a, &s.ctx, nil, f, s.rt.stopCh, s.t.abort.Done()) {
		if a.Srv != old {
			s.endUse(old)
			a.Srv, s.t.slot = nil, nil // the redispatch gave the slot back
		}
		return false
	}
	if rs.moved {
		s.t.ck.Redispatched(a.Srv == old)
	}
	s.t.slot = a.Srv // the retry released the old slot and took this one
	if a.Srv != old {
		// The stream follows its server for on-marked-down.
		s.t.detach()
		s.t.detach = s.attachCut(a.Srv)
	}
	if a.Srv != old {
		s.endUse(old)
		a.Srv.Pool.Begin()
		s.t.pooled = false
		s.logServer(be, a, nil)
	}
	return true
}

// prepareRequest serialises the request head, followed by the body when it
// is already all in the buffer, into reqOut: the bytes a retry sends again.
// A body that is not all here streams later (and cannot be retried).
func (s *httpStream) prepareRequest(be *Backend) {
	reqMode := max(httpMode(s.fe.cfg.ConnMode), httpMode(be.cfg.ConnMode))
	s.t.reqOut, s.t.reqInfo = s.t.req.AppendHead(s.t.reqOut[:0], reqMode, s.rt.Stopping())
	r := &s.t.req
	s.t.whole = r.BodyKind == http1.BodyNone ||
		r.BodyKind == http1.BodyLength && !s.t.reqInfo.Chunked && int64(len(s.cr.Buffered())) >= r.ContentLength
	if s.t.whole && r.BodyKind == http1.BodyLength {
		n := int(r.ContentLength)
		s.t.reqOut = append(s.t.reqOut, s.cr.Buffered()[:n]...)
		s.cr.Discard(n)
		s.t.bodyRead = true
	}
}

// addForwardedFor applies `option forwardfor` and `option originalto`.
func (s *httpStream) addForwardedFor(be *Backend) {
	s.addAddrHeader(s.fe.cfg.ForwardFor, be.cfg.ForwardFor, s.ctx.Src.Addr(), s.t.xff[:0])
	s.addAddrHeader(s.fe.cfg.OriginalTo, be.cfg.OriginalTo, s.ctx.Dst.Addr(), s.t.xot[:0])
}

// addAddrHeader adds an address header as the backend's option says, or
// else the frontend's, unless either's except network holds addr; buf
// holds the value.
func (s *httpStream) addAddrHeader(fe, be *config.ForwardFor, addr netip.Addr, buf []byte) {
	ff := be
	if ff == nil {
		ff = fe
	}
	if ff == nil || !addr.IsValid() {
		return
	}
	for _, x := range [...]*config.ForwardFor{fe, be} {
		if x != nil && x.Except.IsValid() && x.Except.Contains(addr.Unmap()) {
			return
		}
	}
	if ff.IfNone {
		if _, ok := s.t.req.Get(ff.Header); ok {
			return
		}
	}
	s.t.req.Add(ff.HeaderBytes, addr.AppendTo(buf))
}

// Where a server connection came from.
type connFrom uint8

const (
	fromDial    connFrom = iota // new
	fromPrivate                 // kept by this client connection (privateConns)
	fromPool                    // idle in the server's pool: checked before use
)

// serverConn returns a connection to srv: one this client connection
// kept private, an idle one from the pool, or a new one.
func (s *httpStream) serverConn(be *Backend, srv *backend.Server) (*timedConn, connFrom, error) {
	pp := proxyHeader(srv, &s.ctx, s.uniqueID)
	tlsSet := srv.Settings().TLS
	sni := serverSNI(tlsSet, &s.ctx)
	if c := s.private.take(srv, s.ctx.Dst, pp, sni, tlsSet); c != nil {
		countReuse(be, srv)
		return c, fromPrivate, nil
	}
	if share, safeOnly := s.mayShare(be.cfg.Reuse); share && !privateConns(be, srv) {
		for {
			c, _ := srv.Pool.Get(safeOnly).(*timedConn)
			if c == nil {
				break
			}
			if c.x.tls != tlsSet {
				// Made before a reload changed the server's TLS.
				c.Close()
				continue
			}
			countReuse(be, srv)
			return c, fromPool, nil
		}
	}
	be.state.C.Connect.Add(1)
	srv.C.Connect.Add(1)
	c, err := s.rt.dial(s.t.abort, be, srv, s.ctx.Dst, pp, tlsSet, sni)
	if err != nil {
		if s.t.abort.Err() == nil { // not the client's leaving
			countServerFailure(be, srv, true)
		}
		return nil, fromDial, err
	}
	sc := newServerConn(c)
	// Only a request with the same header and name may reuse it.
	sc.x.pp, sc.x.sni, sc.x.tls = string(pp), sni, tlsSet
	return sc, fromDial, nil
}

// mayShare says whether this request may take an idle connection from the
// shared pool, and whether only a "safe" one (one that has carried more than
// one request). haproxy 2.6: a request that is not the first of its client
// connection takes any; a first request takes none with `safe` (the client
// could not retry it if the server closed the idle connection at the wrong
// time), a safe one with `aggressive`, any with `always`.
func (s *httpStream) mayShare(r config.Reuse) (share, safeOnly bool) {
	switch {
	case r == config.ReuseNever:
		return false, false
	case !s.first:
		return true, false
	case r == config.ReuseAggressive:
		return true, true
	case r == config.ReuseAlways:
		return true, false
	}
	return false, false
}

// exchange sends the request on sc and relays the response to the client.
// pooled says that sc was idle (in the pool or kept private) and must be
// checked first.
func (s *httpStream) exchange(be *Backend, srv *backend.Server, sc *timedConn, pooled bool) exchangeResult {
	fe := s.fe
	srvTimeout, cliTimeout := s.sx.serverTimeout(be), fe.cfg.Timeouts.Client
	// A hard stop must be able to cut a stream blocked on its server.
	s.cc.setPeer(sc)
	defer s.cc.peer.Store(nil)
	s.t.backTLS = sc.tlsState()
	s.t.backRandoms = nil
	if s.t.backTLS != nil {
		s.t.backRandoms = sc.x.randoms
	}
	reqOut, whole := s.t.reqInfo, s.t.whole
	sbuf := s.pool.get()
	defer s.pool.put(sbuf)

	// The head, and the body when it is already all here, go in one write.
	// The wait for the answer is armed once, when the request is sent:
	// readResponseHead goes on with the same deadline, whether or not
	// roundTrip waited already.
	sc.readWithin(srvTimeout)
	// option abortonclose: while the answer to a whole request is
	// awaited, nothing else reads the client; one that closes gives the
	// request up, and its server connection with it (haproxy's CH).
	stopWatch := func() {}
	if be.cfg.AbortOnClose && whole {
		stopAbort := s.abortOnClose()
		unhook := context.AfterFunc(s.t.abort, func() { sc.Close() })
		stopWatch = func() { unhook(); stopAbort() }
	}
	defer stopWatch()
	got := 0
	switch s.t.rt.run(sc, s.t.reqOut, *sbuf, pooled, whole) {
	case rtStale:
		sc.Close()
		return exStale
	case rtSendFailed:
		if s.t.abort.Err() != nil {
			return s.clientAbortedWait(be, sc)
		}
		return s.sendFailed(sc, be)
	case rtPartial:
		sc.writeWithin(srvTimeout)
		if _, err := sc.Write(s.t.reqOut[s.t.rt.sent:]); err != nil {
			return s.sendFailed(sc, be)
		}
		sc.readWithin(srvTimeout) // inactivity counts from the end of the write
	case rtAnswered:
		got = s.t.rt.n
	}
	// Otherwise the body streams from the client while the response is
	// read, so that a server answering early, or with 100-continue, does
	// not deadlock against a client waiting for it.
	var pump chan error
	if !whole {
		s.t.reqBody.ForRequest(&s.cr, &s.t.req, fe.limits)
		pump = make(chan error, 1)
		s.t.pumping = true
		go func() { pump <- s.pumpRequestBody(sc, reqOut.Chunked, srvTimeout) }()
	}

	s.t.sr.Reset(sc)
	s.t.sr.AttachRead(*sbuf, got)
	defer s.t.sr.Detach()

	res := s.readResponseHead(be, sc, pump, srvTimeout)
	stopWatch()
	if res != exDone {
		return res
	}
	if s.t.retryOn.Status(s.t.resp.Status) {
		sc.Close() // retry-on <status>: this answer is dropped
		return exRetry
	}
	if s.t.resp.Status == 101 && s.t.resp.Tunnel() && !s.t.req.Upgrade {
		// A switch nobody asked for would turn the connection into a
		// tunnel that no rule inspects: haproxy answers 502, before any
		// http-response rule runs.
		sc.Close()
		s.stopPump(pump)
		s.t.closeAfter = true
		s.term('P', 'H')
		s.failed(502, be)
		return exAnswered
	}
	// haproxy counts the server's 4xx and 5xx on the tracked entries as
	// the response comes in, before the response rules read them.
	s.cc.trk.countStatus(s.t.resp.StatusCode())
	switch s.responseContentRules(be) {
	case tcpReject:
		sc.Close()
		s.abandonPump(pump)
		return exFail
	case tcpClose:
		// The server side is shut before haproxy parses the response:
		// its 502.
		sc.Close()
		s.abandonPump(pump)
		return s.failed(502, be)
	}
	// haproxy stores before its http-response rules run.
	s.stickResponse(be, srv)
	s.t.resScan.ok = false // a new response: nothing of it decoded yet
	if s.hasResponseRules(be) {
		// What the head takes in haproxy's buffer bounds the rules'
		// rewrites (message) and whether an answered response's server
		// connection can be kept; without rules neither happens.
		s.t.respAt = s.t.resp.Cost()
		// The rules read the body that came with the head (res.body);
		// a framing error in it is answered below.
		s.resBodySoFar()
	}
	// The persistence cookie is applied between the two rule sets, as
	// haproxy applies it.
	answered := s.responseRules(be)
	if !answered {
		s.cookieResponse(be, srv)
		answered = s.afterResponseRules(be)
	}
	s.ctx.ResBody, s.ctx.ResBodyLeft = nil, 0
	if answered {
		// A rule answered instead of the server: the server's response
		// is dropped. Its connection is kept, as haproxy keeps it, when
		// the whole response is already here (in what haproxy's buffer
		// holds) and so is the request; a body still streaming, or a
		// switched protocol, closes it.
		if pump != nil && len(pump) == 0 {
			sc.Close() // the transfer may be blocked on the server
		}
		s.abandonPump(pump)
		if n, ok := s.bufferedResponseLen(); ok && s.fe.limits.BodyFits(s.t.respAt, n) && !s.t.resp.Tunnel() && (pump == nil || s.t.bodyRead) {
			s.t.sr.Discard(n)
			s.keepServerConn(be, srv, sc, reqOut.Close)
		} else {
			sc.Close()
		}
		return exAnswered
	}
	s.logEarly()
	if s.t.resp.Tunnel() {
		return s.upgrade(be, sc, pump, cliTimeout)
	}

	if s.bufferedResponseError() != nil {
		sc.Close()
		s.abandonPump(pump)
		s.term('P', 'H')
		return s.failed(502, be)
	}
	s.t.lg.rec.Status = s.t.resp.Status
	var out http1.Out
	clientClose := s.t.req.Close || s.ending()
	s.t.out, out = s.t.resp.AppendHead(s.t.out[:0], s.respMode(), clientClose, &s.t.req)
	if out.BadLength {
		// A rule changed Content-Length: the client would frame the
		// body otherwise (and misread the responses after it). haproxy
		// aborts the response; so do we, before any byte is sent.
		sc.Close()
		s.abandonPump(pump)
		s.t.closeAfter = true
		s.term('P', 'H')
		return exFail
	}
	if s.t.lg.on {
		// haproxy counts the head (%B) as the server sent it, before
		// the response rules rewrote it.
		s.t.lg.adjust += s.t.lg.respHead - int64(len(s.t.out))
	}
	s.t.respCopy.framing = 0
	rerr := s.relayResponseBody(sc, out.Chunked, srvTimeout, cliTimeout)
	ok := rerr == nil
	if rerr != nil {
		s.termBody(rerr)
	}
	if pump != nil {
		// The request body may still be on its way (a server answering
		// early, or refusing an Expect): the client gets the answer
		// first, then the body is waited for.
		if ok && !s.writeRaw(s.t.out) {
			ok = false
			s.term('C', 'D')
		}
		s.t.out = s.t.out[:0]
		if err := s.finishPump(pump, sc, cliTimeout); err != nil {
			s.t.closeAfter = true
			reqOut.Close = true
			var bad *http1.ParseError
			if errors.As(err, &bad) {
				s.term('P', 'D') // a malformed body after the answer
			} else if !errors.Is(err, errPumpStopped) && !isSendError(err) {
				s.term('C', 'D')
			}
		} else {
			s.t.bodyRead = true
		}
	}
	s.t.closeAfter = s.t.closeAfter || out.Close || clientClose
	if !ok {
		sc.Close()
		s.t.closeAfter = true
		return exDone
	}
	// The response is all read: the server connection is released first,
	// as haproxy does, then the client gets the last bytes. (Otherwise the
	// client could send its next request before the connection is back
	// in the pool.)
	s.releaseServerConn(be, srv, sc, reqOut.Close)
	// So is the server's slot: the client's next request, maybe on
	// another connection, must find it free (balance first, maxconn).
	s.releaseSlot(be)
	if !s.writeRaw(s.t.out) {
		s.t.closeAfter = true
		s.term('C', 'D')
	}
	return exDone
}

// responseRules runs the http-response rules between the server's head and
// the client, the backend's then the frontend's (a listen's once), as
// haproxy does, and reports whether one answered the client itself.
func (s *httpStream) responseRules(be *Backend) bool {
	if len(be.resRules) == 0 && len(s.fe.resRules) == 0 {
		return false
	}
	s.t.be = be // error files: the backend's first
	defer func() { s.t.be = nil }()
	done, keep := s.runResponseRules(be)
	if done && !keep {
		s.t.closeAfter = true
	}
	return done
}

// runResponseRules runs the http-response rules on s.t.resp: be's (when
// there is one) then the frontend's, a listen's once. The request's head
// is gone by then in haproxy (forwarded): request fetches find nothing in
// response rules, and config warns of them.
func (s *httpStream) runResponseRules(be *Backend) (done, keep bool) {
	req := s.ctx.Req
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.Resp, s.ctx.OnResponse = nil, req, &s.t.resp, true
	defer func() { s.ctx.Req, s.ctx.ReqInfo, s.ctx.OnResponse = req, nil, false }()
	if be != nil {
		done, keep = s.runRules(be.resRules)
	}
	if !done && (be == nil || be.cfg != s.fe.cfg) {
		done, keep = s.runRules(s.fe.resRules)
	}
	return done, keep
}

// releaseServerConn keeps a server connection for reuse if it is clean,
// or closes it.
func (s *httpStream) releaseServerConn(be *Backend, srv *backend.Server, sc *timedConn, mustClose bool) {
	if !s.t.respBody.Done() {
		sc.Close()
		return
	}
	s.keepServerConn(be, srv, sc, mustClose)
}

// bufferedResponseLen says whether the whole body of the response is
// already buffered, and how long it is: nothing to read from the server
// before its connection can carry another request.
func (s *httpStream) bufferedResponseLen() (int, bool) {
	r := &s.t.resp
	switch r.BodyKind {
	case http1.BodyNone:
		return 0, true
	case http1.BodyLength:
		if int64(len(s.t.sr.Buffered())) >= r.ContentLength {
			return int(r.ContentLength), true
		}
	}
	return 0, false
}

// keepServerConn keeps a server connection whose response has been read
// whole, for reuse, if it is clean; otherwise it closes it.
func (s *httpStream) keepServerConn(be *Backend, srv *backend.Server, sc *timedConn, mustClose bool) {
	if mustClose || s.t.resp.Close || len(s.t.sr.Buffered()) > 0 {
		// Bytes after the response mean a confused server: never reuse.
		sc.Close()
		return
	}
	sc.uses++
	if privateConns(be, srv) {
		if s.private == nil {
			s.private = new(privateIdle)
		}
		s.private.keep(sc, srv, s.ctx.Dst)
	} else {
		// From here the connection is the pool's: a hard stop cutting
		// this stream must not close it.
		s.cc.peer.Store(nil)
		srv.Pool.Put(sc, sc.uses > 1)
		s.t.pooled = true
	}
}

// endUse ends the use of a server connection that forward began, unless
// giving the connection to the pool ended it.
func (s *httpStream) endUse(srv *backend.Server) {
	if !s.t.pooled {
		srv.Pool.End()
	}
}

// sendFailed ends an exchange whose request could not be sent, as one
// whose server closed without answering.
func (s *httpStream) sendFailed(sc *timedConn, be *Backend) exchangeResult {
	sc.Close()
	return s.serverDropped(be)
}

// serverDropped ends an exchange whose server closed or reset the
// connection before a whole response head came back. As haproxy does, and
// as RFC 9112 9.3.1 expects, a request that is not the first of its client
// connection gets no error: the client connection is closed without a word,
// so that the client retries. The request is never sent again by the proxy:
// the server may have acted on it. The first request gets 502.
func (s *httpStream) serverDropped(be *Backend) exchangeResult {
	if s.t.retryOn&config.RetryEmptyResponse != 0 {
		return exRetry // retry-on empty-response: the proxy may send it again
	}
	countServerFailure(be, s.t.lg.srv, false)
	if !s.first {
		s.t.closeAfter = true
		s.t.lg.on = false // and haproxy logs nothing
		return exFail
	}
	s.observe(backend.ObserveHTTPBrokenPipe)
	s.term('S', 'H')
	return s.failed(502, be)
}

// readResponseHead reads the response head, relaying interim (1xx)
// responses to the client.
func (s *httpStream) readResponseHead(be *Backend, sc *timedConn, pump chan error, srvTimeout time.Duration) exchangeResult {
	lim := s.fe.limits
	started := false
	for {
		if buf := s.t.sr.Buffered(); len(buf) > 0 {
			var n int
			var err error
			if started {
				n, err = s.t.resp.Continue(buf, lim, s.t.req.Meth)
			} else {
				n, err = s.t.resp.Parse(buf, lim, s.t.req.Meth)
				started = true
			}
			if err == nil {
				s.observe(backend.HTTPStatus(s.t.resp.Status))
				if !s.t.resp.Interim() {
					s.t.sr.Discard(n)
					s.logResponse()
					return exDone
				}
				s.t.retryOn = 0 // the client has seen this attempt's answer
				s.t.out, _ = s.t.resp.AppendHead(s.t.out[:0], s.respMode(), false, &s.t.req)
				s.countHead(s.t.out)
				s.t.sr.Discard(n)
				started = false
				if !s.writeRaw(s.t.out) {
					sc.Close()
					s.stopPump(pump)
					return exFail
				}
				continue
			}
			if !errors.Is(err, http1.ErrIncomplete) {
				s.captureBadResponse(be, s.t.lg.srv, buf, errPos(buf, err))
				s.observe(backend.ObserveHTTPHdrRsp)
				sc.Close()
				s.abandonPump(pump)
				if s.t.retryOn&config.RetryJunkResponse != 0 {
					return exRetry
				}
				countServerFailure(be, s.t.lg.srv, false)
				s.term('P', 'H')
				return s.failed(502, be)
			}
		}
		_, err := s.t.sr.Fill()
		if err == nil {
			continue
		}
		if s.t.abort.Err() != nil {
			return s.clientAbortedWait(be, sc)
		}
		timedOut := errors.Is(err, os.ErrDeadlineExceeded)
		if timedOut && pump != nil && srvTimeout > 0 {
			// Sending the body to the server refreshes the wait for
			// its answer, as haproxy refreshes a side's read timeout
			// on write activity: a slow upload that moves is not late.
			if at := time.Duration(s.t.reqCopy.wrote.Load()) + srvTimeout; at > mono() {
				sc.readAt(at)
				continue
			}
		}
		sc.Close()
		perr := s.stopPump(pump)
		if pump != nil && perr == nil {
			s.t.bodyRead = true
		}
		var bad *http1.ParseError
		switch {
		case errors.As(perr, &bad):
			// The request body was malformed: haproxy answers the
			// client's error (400) and drops the server connection.
			s.t.closeAfter = true
			s.term('P', 'D')
			return s.failed(bad.Status, be)
		case timedOut && s.t.retryOn&config.RetryResponseTimeout != 0:
			return exRetry
		case timedOut:
			countServerFailure(be, s.t.lg.srv, false)
			s.observe(backend.ObserveHTTPReadTimeout)
			s.term('s', 'H')
			// haproxy answers 504 at timeout server even to a client
			// that stalled in its body (timeout client does not run
			// while the answer is awaited); the connection then closes
			// unless the body had all arrived.
			return s.failed(504, be)
		case perr != nil && !errors.Is(perr, errPumpStopped) && !isSendError(perr):
			// The client went away while sending its body.
			s.t.closeAfter = true
			s.term('C', 'D')
			return exFail
		}
		return s.serverDropped(be)
	}
}

// abandonPump stops a request body transfer before an error is answered:
// the client connection can go on only if the body had all arrived.
func (s *httpStream) abandonPump(pump chan error) {
	if pump == nil {
		return
	}
	if s.stopPump(pump) == nil {
		s.t.bodyRead = true
	} else {
		s.t.closeAfter = true
	}
}

// pumpEnded notes that the request body transfer is over, with err.
func (s *httpStream) pumpEnded(err error) error {
	s.t.pumping = false
	return err
}

func isSendError(err error) bool {
	var se *sendError
	return errors.As(err, &se)
}

// errPumpStopped is how a request body transfer ends when the exchange
// gives it up.
var errPumpStopped = errors.New("request body transfer stopped")

// stopPump ends a request body transfer that the exchange gives up on, and
// returns how it ended. A transfer blocked on the server fails as the
// caller closed the server connection; one waiting for the client is woken.
func (s *httpStream) stopPump(pump chan error) error {
	if pump == nil {
		return nil
	}
	if len(pump) == 0 {
		s.t.reqCopy.stopped.Store(true)
		s.cl.kick()
	}
	err := s.pumpEnded(<-pump)
	if s.t.reqCopy.stopped.Swap(false) {
		// The kick is spent: whether it stopped the transfer or came
		// too late, the next read must not see it. Only the timeout it
		// caused is relabelled: a transfer that failed on its own (a
		// malformed body, a client gone) says so.
		s.cl.kicked.Store(false)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = errPumpStopped
		}
	}
	return err
}

// failed answers an error to the client; the connection then closes unless
// the request was fully read.
func (s *httpStream) failed(status int, be *Backend) exchangeResult {
	if !s.reply(status, be) {
		s.t.closeAfter = true
	}
	return exAnswered
}

// pumpRequestBody streams the rest of the request body to the server.
// When the client side fails it closes the server connection, which also
// ends the wait for a response. When sending to the server fails, the
// connection is left to the wait for the response: a server that answers
// early and resets (it will not read the rest) may have sent its answer
// already, and haproxy relays it.
func (s *httpStream) pumpRequestBody(sc *timedConn, chunked bool, srvTimeout time.Duration) (err error) {
	defer func() {
		// A bug here must end this exchange, not the process.
		if r := recover(); r != nil {
			s.rt.Log.Error("internal error in a request body transfer", "frontend", s.fe.Name, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("internal error: %v", r)
		}
		var se *sendError
		if err != nil && !errors.As(err, &se) {
			sc.Conn.Close()
		}
	}()
	// No client timeout while the server's answer is awaited, as in
	// haproxy: a client stalled in its body gets the server's answer or
	// the 504 of timeout server. finishPump bounds the rest.
	c := &s.t.reqCopy
	c.src, c.dst, c.out, c.chunked, c.readTimeout, c.writeTimeout = &s.cl, sc, &s.t.bodyOut, chunked, 0, srvTimeout
	c.wrote.Store(int64(mono()))
	return c.run(&s.t.reqBody, &s.cr)
}

// relayResponseBody streams the response body after the head in s.t.out.
func (s *httpStream) relayResponseBody(sc *timedConn, chunked bool, srvTimeout, cliTimeout time.Duration) error {
	s.t.respBody.ForResponse(&s.t.sr, &s.t.resp, s.fe.limits)
	c := &s.t.respCopy
	c.src, c.dst, c.out, c.chunked, c.readTimeout, c.writeTimeout = sc, &s.cl, &s.t.out, chunked, srvTimeout, cliTimeout
	c.keepLast = true
	return c.run(&s.t.respBody, &s.t.sr)
}

// termBody sets the termination state of a response body that could not
// be relayed: the client's side failed (a write), or the server's (a
// read that timed out, or a close before the end).
func (s *httpStream) termBody(err error) {
	var se *sendError
	s.countAbort(s.t.lg.be, s.t.lg.srv, errors.As(err, &se))
	switch {
	case errors.As(err, &se):
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.term('c', 'D')
		} else {
			s.term('C', 'D')
		}
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.term('s', 'D')
	default:
		var bad *http1.ParseError
		if errors.As(err, &bad) {
			// A malformed body from the server: observe layer7
			// counts it, as haproxy's HANA_STATUS_HTTP_RSP.
			s.observe(backend.ObserveHTTPRsp)
		}
		s.term('S', 'D')
	}
}

// flushAt is how much output is gathered before writing it.
const flushAt = 32 << 10

// bodyCopy moves one message body from src to dst. out holds bytes already
// waiting to be written (a head); body spans are appended to it, framed in
// chunks if asked, and written when it fills up or just before the source
// is read again (so nothing waits in out while the source is slow: a
// streamed response reaches the client as it comes). Every read and write
// has its own inactivity deadline. (Splicing between the sockets would save
// a copy, but a write deadline expiring inside a splice loses the bytes in
// flight, and one deadline per splice cannot express inactivity.) It lives
// in the pooled transaction state, so that its read hook is made once.
type bodyCopy struct {
	src, dst                  *timedConn
	out                       *[]byte
	chunked                   bool
	readTimeout, writeTimeout time.Duration
	// keepLast leaves the last bytes in out for the caller to write: a
	// response's server connection is released before the client has them.
	keepLast bool
	hook     func() error // beforeFill, bound once
	// wrote is when bytes last went to dst (since epoch), read by the
	// exchange while a request body streams: it refreshes the wait for
	// the server's answer and measures the client's inactivity.
	wrote atomic.Int64
	// stopped says that the exchange gave the transfer up and kicked its
	// source awake.
	stopped atomic.Bool
	// framing counts the chunk framing bytes written, which haproxy's
	// byte counts leave out; payload the body bytes moved (%U).
	framing, payload int64
	// pend gathers the data of a chunked body until it is sent: haproxy
	// sends the data it received since it last sent as one chunk, however
	// many chunks brought it.
	pend []byte
}

// endChunk frames the pending data as one chunk at the end of out.
func (c *bodyCopy) endChunk() {
	if len(c.pend) == 0 {
		return
	}
	n := len(*c.out)
	*c.out = http1.AppendChunkHeader(*c.out, len(c.pend))
	*c.out = append(*c.out, c.pend...)
	*c.out = http1.AppendChunkEnd(*c.out)
	c.framing += int64(len(*c.out) - n - len(c.pend))
	c.pend = c.pend[:0]
}

func (c *bodyCopy) flush() error {
	c.endChunk()
	if len(*c.out) == 0 {
		return nil
	}
	c.dst.writeWithin(c.writeTimeout)
	_, err := c.dst.Write(*c.out)
	*c.out = (*c.out)[:0]
	if err != nil {
		return &sendError{err}
	}
	c.wrote.Store(int64(mono()))
	return nil
}

// sendError is a body transfer that failed on its destination's side, not
// its source's.
type sendError struct{ err error }

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// beforeFill sends what is pending before the source is read, and arms the
// source's inactivity timeout.
func (c *bodyCopy) beforeFill() error {
	if err := c.flush(); err != nil {
		return err
	}
	c.src.readWithin(c.readTimeout)
	return nil
}

func (c *bodyCopy) run(d *http1.BodyReader, rd *http1.Reader) error {
	if c.hook == nil {
		c.hook = c.beforeFill
	}
	rd.BeforeFill = c.hook
	defer func() {
		rd.BeforeFill = nil
		if cap(c.pend) > maxPooledOut {
			c.pend = nil // a pooled transaction keeps no large buffer
		}
	}()
	c.pend = c.pend[:0]
	for {
		span, err := d.Next()
		c.payload += int64(len(span))
		if err == io.EOF {
			if c.chunked {
				c.endChunk()
				n := len(*c.out)
				*c.out = http1.AppendLastChunk(*c.out, d.Trailers())
				// haproxy counts one byte for the end of a chunked body.
				c.framing += int64(len(*c.out)-n) - 1
			}
			if c.keepLast {
				return nil
			}
			return c.flush()
		}
		if err != nil {
			c.flush()
			return err
		}
		if c.chunked {
			c.pend = append(c.pend, span...)
		} else {
			*c.out = append(*c.out, span...)
		}
		if len(*c.out)+len(c.pend) >= flushAt {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
}

// finishPump waits for the request body once the answer has been relayed.
// The client timeout, suspended while the answer was awaited, runs again:
// a body idle for that long is given up, and with it the server connection
// (the server may be what blocks it).
func (s *httpStream) finishPump(pump chan error, sc *timedConn, cliTimeout time.Duration) error {
	if pump == nil {
		return nil
	}
	if cliTimeout <= 0 {
		return s.pumpEnded(<-pump)
	}
	t := time.NewTimer(cliTimeout)
	defer t.Stop()
	for {
		select {
		case err := <-pump:
			return s.pumpEnded(err)
		case <-t.C:
		}
		idle := mono() - time.Duration(s.t.reqCopy.wrote.Load())
		if idle >= cliTimeout {
			sc.Conn.Close()
			return s.stopPump(pump)
		}
		t.Reset(cliTimeout - idle)
	}
}

// upgrade relays a 101 (or a successful CONNECT) and turns the connection
// into a tunnel under `timeout tunnel`.
func (s *httpStream) upgrade(be *Backend, sc *timedConn, pump chan error, cliTimeout time.Duration) exchangeResult {
	if s.finishPump(pump, sc, cliTimeout) != nil {
		sc.Close()
		return exFail
	}
	s.t.out, _ = s.t.resp.AppendHead(s.t.out[:0], s.respMode(), false, &s.t.req)
	s.countHead(s.t.out)
	s.t.lg.rec.Status = s.t.resp.Status
	s.t.out = append(s.t.out, s.t.sr.Buffered()...)
	if !s.writeRaw(s.t.out) {
		sc.Close()
		return exFail
	}
	if rest := s.cr.Buffered(); len(rest) > 0 {
		sc.writeWithin(s.sx.serverTimeout(be))
		if _, err := sc.Write(rest); err != nil {
			sc.Close()
			return exFail
		}
		s.cr.Discard(len(rest))
	}
	// The tunnel needs no client buffer; the transaction state is given
	// back when the stream ends.
	if s.crBuf != nil && s.cr.Detach() != nil {
		s.pool.put(s.crBuf)
		s.crBuf = nil
	}
	// The tunnel sets its own deadlines on the raw connections.
	s.cl.clearDeadlines()
	sc.clearDeadlines()
	s.cc.setPeer(sc)
	ct, st := s.fe.cfg.Timeouts.Client, s.sx.serverTimeout(be)
	if t := s.sx.tunnelTimeout(be); t > 0 {
		ct, st = t, t
	}
	s.sx.tunneling = true
	end := tunnel(s.cc.c, sc.Conn, ct, st, s.fe.cfg.Timeouts.ClientFin, be.cfg.Timeouts.ServerFin)
	s.loggedTunnel(end)
	return exFail // the tunnel consumed the connection
}

// clientAbortedWait ends an exchange whose client closed while the answer
// was awaited, under option abortonclose: the server connection closes
// and haproxy logs the request as a 400 with CH.
func (s *httpStream) clientAbortedWait(be *Backend, sc *timedConn) exchangeResult {
	sc.Close()
	s.t.closeAfter = true
	s.term('C', 'H')
	s.t.lg.rec.Status = 400
	s.countAbort(be, s.t.lg.srv, true)
	return exFail
}
