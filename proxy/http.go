package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"switchyard/hlua"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
	"switchyard/persist"
	"switchyard/sample"
	"switchyard/ssl"
)

// httpStream is one client connection in `mode http`. One goroutine runs it:
// read a request, run the rules, forward it, relay the response, repeat. One
// goroutine per connection, and none per request in the common case, is
// what keeps the cost per request low.
type httpStream struct {
	rt      *Runtime
	snap    *Snapshot // the configuration the stream runs on
	bindKey string    // the listener it came from
	cc      *clientConn
	cl      timedConn // the client connection
	fe      *Frontend
	in      pooledReader // reads the first bytes of a request into a pooled buffer

	pool  *bufPool
	cr    http1.Reader // client bytes; no buffer while idle
	crBuf *[]byte      // the pooled buffer attached to cr
	ctx   sample.Ctx
	// t is the state of the transaction in progress, taken from a pool
	// when a request starts arriving and given back when the connection
	// goes idle: an idle connection does not carry it.
	t *txnState

	slots    *semaphore  // frontend and global connection slots held
	lc       *feCounters // the listener's counters, for its current connections
	global   *semaphore
	fresh    bool          // running on a goroutine that has not served yet
	idleFrom time.Duration // start of the current wait for a request, since epoch (0: none)
	accepted time.Time
	first    bool // no request has been completed on this connection yet
	leaving  bool // the frontend left the configuration: close after this request
	// private are the idle server connections this client connection
	// keeps for itself (http_private.go).
	private *privateIdle // nil until one is kept: most connections keep none
	rw      rewriteState // the rewriting actions' (actions_rewrite.go)
	// cutFn and cutBy: a server state change cutting the stream
	// (on-marked-down, on-marked-up; persist.go).
	cutFn func(error)
	cutBy atomic.Pointer[error]
	sx    streamTxn // the stream actions' (actions_stream.go)

	// For the traffic log: when the current stream began (the accept, or
	// the end of the previous request), as a date and as mono(), and
	// when the current request's first byte came.
	logAccept time.Time
	logFrom   time.Duration
	firstByte time.Duration
}

// txnState is what one transaction needs.
type txnState struct {
	// luaReply is the reply a Lua action's txn:done() asked for;
	// luaPriv the transaction's txn:set_priv value (lua.go).
	luaReply *hlua.Reply
	luaPriv  any
	// backTLS is the handshake of the server connection the request
	// uses, for the ssl_bc_* fetches (nil: none, or in clear).
	backTLS *tls.ConnectionState
	// backRandoms are its hellos' randoms (ssl_bc_*_random).
	backRandoms *ssl.Randoms
	// bodyWaited: a rule waited for the request body (wait-for-body,
	// option http-buffer-request), as haproxy's analysers then have.
	bodyWaited bool
	// slot is the server whose connection slot the request holds; nil
	// once given back (releaseSlot).
	slot *backend.Server
	// abort ends when the client goes away while the request waits for
	// a server (option abortonclose; abort.go); Background otherwise.
	abort  context.Context
	detach func()      // ends the request's registration with its server (attachCut)
	ck     persist.Txn // the persistence cookie's state (persist.go)
	// stk: the keys to store the server under (stick.go).
	stk stickPending
	// retryOn is what a failure of the current attempt may be retried
	// on (retry-on); 0 when no retry is possible.
	retryOn  config.RetryOn
	req      http1.Request
	reqOut   []byte    // the request as sent to the server: head and whole body
	reqInfo  http1.Out // what serialising the head decided
	whole    bool      // reqOut holds the whole body (or there is none)
	rt       roundTrip // sends a whole request and reads the first bytes back
	reqCopy  bodyCopy
	respCopy bodyCopy
	out      []byte       // serialised heads and small bodies
	sr       http1.Reader // server bytes
	resp     http1.Response
	respBody http1.BodyReader
	reqBody  http1.BodyReader
	bodyOut  []byte // chunk framing written by the request body pump
	scratch  []byte // checkChunks' copy (the pump may be using bodyOut)

	// bodyAt is what the head took in haproxy's buffer when the body
	// bytes now buffered came: the room they took is fixed then, so that
	// a head grown by rewrites since eats into maxrewrite's reserve.
	bodyAt int
	respAt int // the same for the response's buffered body
	// resScan is what the last decoding of the response's buffered
	// chunked body found (decodeResponseChunks), so that checking the
	// same bytes for framing errors does not decode them again.
	resScan struct {
		ok  bool
		n   int // the bytes it covered
		err error
	}

	headLen    int      // the request head's length on the wire
	counted    bool     // countEnd ran for this transaction
	closeAfter bool     // the current exchange ends the client connection
	bodyRead   bool     // the request body has been consumed
	pumping    bool     // the request body is streaming: its buffer is the pump's
	be         *Backend // while response rules run: whose error files answer
	pooled     bool     // the server connection went to the pool, which ended its use
	xff        [64]byte
	xot        [64]byte // x-original-to's value
	lg         txnLog   // the traffic log record
}

var txnPool = sync.Pool{New: func() any { return new(txnState) }}

// maxPooledOut bounds the output buffer a pooled transaction keeps.
const maxPooledOut = 64 << 10

func (s *httpStream) releaseTxn() {
	if s.t == nil {
		return
	}
	if cap(s.t.out) > maxPooledOut {
		s.t.out = nil
	}
	if cap(s.t.bodyOut) > maxPooledOut {
		s.t.bodyOut = nil
	}
	if cap(s.t.reqOut) > maxPooledOut {
		s.t.reqOut = nil
	}
	if cap(s.t.scratch) > maxPooledOut {
		s.t.scratch = nil
	}
	// Drop references to this connection's readers and buffers.
	s.t.sr.Reset(nil)
	s.t.reqBody, s.t.respBody = http1.BodyReader{}, http1.BodyReader{}
	for _, c := range []*bodyCopy{&s.t.reqCopy, &s.t.respCopy} {
		c.src, c.dst, c.out = nil, nil, nil // the hook stays bound
	}
	txnPool.Put(s.t)
	s.t = nil
}

// newHTTPStream prepares the stream of an accepted connection; slots and
// global are the connection slots it holds until it ends.
func (rt *Runtime) newHTTPStream(c net.Conn, key string, snap *Snapshot, fe *Frontend, slots, global *semaphore) *httpStream {
	s := &httpStream{rt: rt, fe: fe, bindKey: key, snap: snap,
		pool: fe.bufPool, first: true, slots: slots, global: global}
	s.accepted = time.Now()
	s.idleFrom = mono()
	s.logAccept, s.logFrom = s.accepted, s.idleFrom
	s.ctx.Owner = s
	fe.log.logConnect(fe, c)
	s.cl.Conn = c
	_, s.cl.exactWrites = c.(*serverTLS)
	s.cc = rt.newClientConn(c, &s.cl, fe.Name)
	s.in.init(c, s.pool)
	s.cr.Reset(&s.cl)
	s.ctx.Src, s.ctx.Dst = addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	return s
}

// serve is the connection's goroutine: requests in a loop until the
// connection ends.
func (s *httpStream) serve() {
	parked := false
	defer func() {
		// A bug hit by one connection is logged and ends that connection
		// only.
		if r := recover(); r != nil {
			s.rt.Log.Error("internal error: connection closed", "frontend", s.fe.Name, "panic", r, "stack", string(debug.Stack()))
			parked = false
			// A request body pump may still be using the transaction
			// and the client buffer: leave them to the collector rather
			// than hand them to another connection.
			s.t, s.crBuf = nil, nil
			s.cc.c.Close()
		}
		if !parked {
			s.end()
		}
	}()
	for {
		if len(s.cr.Buffered()) == 0 {
			switch s.awaitRequest() {
			case reqEnd:
				return
			case reqPark:
				parked = true
				s.fresh = true
				s.rt.janitor.touch() // so that the old stack gets freed
				go s.serve()
				return
			}
		}
		s.fresh = false
		if s.firstByte == 0 && s.fe.log != nil {
			s.firstByte = mono() // a pipelined request, already buffered
		}
		if !s.readRequest() || !s.follow() {
			return
		}
		keep := s.transaction()
		s.endTxnLog()
		s.cc.trk.releaseStream()
		s.sx.end(&s.ctx)
		s.ctx.Reset()
		// keep means the response told the client the connection stays
		// open: a stop (or the frontend leaving) that began since must
		// not close it now, while the client may be sending its next
		// request (the kernel would reset it). The connection waits as
		// an idle one does, and that request gets the connection's end.
		if !keep {
			return
		}
		s.first = false
		s.idleBuffer()
	}
}

// parkAfter is how long a keep-alive connection waits for its next request
// on the goroutine that served the previous one. Serving grows a goroutine's
// stack to 4 or 8 kB, and Go never shrinks a stack below 4 kB once grown,
// so a connection idle for longer moves its wait to a fresh goroutine whose
// stack is the 2 kB minimum; the janitor then frees the old stack.
const parkAfter = 250 * time.Millisecond

// end releases everything the stream holds.
func (s *httpStream) end() {
	linger := s.inputLeft()
	s.releaseAll()
	s.cc.trk.releaseStream()
	s.cc.trk.releaseSession()
	if linger {
		s.lingerClose()
	}
	s.rt.releaseConn(s.slots, s.global, s.lc)
	s.cc.close()
	s.rt.wg.Done()
}

// inputLeft says whether the client may still be sending a request body
// that nobody read: closing then would make the kernel reset the
// connection, and the reset can destroy the answer the client has not read
// yet.
func (s *httpStream) inputLeft() bool {
	return s.t != nil && !s.t.bodyRead && s.t.req.BodyKind != http1.BodyNone && !s.bodyDone()
}

// lingerTime bounds how long a closing connection drains the client's
// leftover input.
const lingerTime = 500 * time.Millisecond

// lingerClose is haproxy's lingering close: our side is shut first, so the
// client reads the answer and then the end, and what it still sends is
// read and dropped for a short while before the socket is closed.
func (s *httpStream) lingerClose() {
	buf := s.pool.get()
	defer s.pool.put(buf)
	lingerClose(s.cc.c, *buf)
}

// lingerClose shuts c's sending side, then reads and drops what the
// client still sends, for lingerTime at most, into buf.
func lingerClose(c net.Conn, buf []byte) {
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(lingerTime))
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func (s *httpStream) releaseAll() {
	s.releaseTxn()
	if s.crBuf != nil {
		s.cr.Detach()
		s.pool.put(s.crBuf)
		s.crBuf = nil
	}
	s.private.closeAll()
}

// follow moves a keep-alive connection to the configuration in force: a
// request runs entirely on the snapshot it started on, and the next one on
// the newest. A connection whose frontend left the configuration, or stopped
// being an HTTP one, is closed.
func (s *httpStream) follow() bool {
	cur := s.rt.snap.Load()
	if cur == s.snap {
		return true
	}
	fe := cur.byBind[s.bindKey]
	if fe == nil || fe.cfg.Mode != config.ModeHTTP || fe.limits.BufSize != s.fe.limits.BufSize {
		// Answer this request on the old configuration, then close (a
		// new tune.bufsize needs new buffers, hence a new connection).
		s.leaving = true
		return true
	}
	s.snap, s.fe = cur, fe
	return true
}

// ending reports that the connection closes after the current response
// (the process is stopping, or its listener left the configuration).
func (s *httpStream) ending() bool { return s.leaving || s.rt.Stopping() }

// idleBuffer gives the client buffer back when nothing is left in it, so an
// idle keep-alive connection holds no buffer.
func (s *httpStream) idleBuffer() {
	if s.crBuf != nil && s.cr.Detach() != nil {
		s.pool.put(s.crBuf)
		s.crBuf = nil
	}
	if s.crBuf == nil {
		s.releaseTxn()
	}
}

// fill reads more client bytes. Without a buffer it first waits for
// readability, then reads straight into a pooled buffer.
func (s *httpStream) fill() error {
	if s.crBuf != nil {
		_, err := s.cr.Fill()
		return err
	}
	buf, n, err := s.in.read()
	for err != nil && s.cl.readRearmed(err) {
		buf, n, err = s.in.read()
	}
	if err != nil {
		return err
	}
	s.crBuf = buf
	s.cr.AttachRead(*buf, n)
	return nil
}

// What awaitRequest found.
type reqState uint8

const (
	reqReady reqState = iota // bytes of a request are in the buffer
	reqEnd                   // the connection is over
	reqPark                  // idle for parkAfter: continue on a fresh goroutine
)

// idleTimeout is how long a connection may wait for its next request:
// keep-alive timeout between requests, http-request for the first (and
// for later ones without a keep-alive timeout), and never longer than
// timeout client, which haproxy runs whenever it waits for the client.
func (s *httpStream) idleTimeout() time.Duration {
	t := &s.fe.cfg.Timeouts
	idle := t.HTTPRequest
	if !s.first && t.HTTPKeepAlive > 0 {
		idle = t.HTTPKeepAlive
	}
	return shorter(idle, t.Client)
}

// shorter returns the shorter of two timeouts, 0 meaning none.
func shorter(a, b time.Duration) time.Duration {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// awaitRequest waits, holding no buffer, for the first bytes of the next
// request. It is kept apart from parsing, with few locals, because its
// frames are what an idle connection's stack holds.
func (s *httpStream) awaitRequest() reqState {
	idle := s.idleTimeout()
	now := mono()
	if s.idleFrom == 0 {
		s.idleFrom = now
	}
	var until time.Duration // the idle deadline, 0 for none
	if idle > 0 {
		until = s.idleFrom + idle
	}
	parkable := !s.fresh && (idle == 0 || until-now > parkAfter)
	if parkable {
		until = now + parkAfter
	}
	// A stop does not close an idle connection under its client, which
	// may be sending a request at that very moment (the request would be
	// lost): the next request is answered with the connection's end
	// (ending), and a connection that stays idle ends at its idle
	// timeout, as with haproxy's option idle-close-on-response. The
	// stop's grace (hard-stop-after) bounds the wait.
	s.cl.readAt(until)
	err := s.fill()
	if err == nil {
		s.idleFrom = 0
		if s.fe.log != nil {
			s.firstByte = mono() // the log's idle time (%Ti)
		}
		return reqReady
	}
	timedOut := errors.Is(err, os.ErrDeadlineExceeded)
	if timedOut && parkable {
		return reqPark
	}
	// haproxy answers 408 to a new connection that sent nothing; an idle
	// keep-alive connection closes silently, and so does any once the
	// process is stopping.
	if timedOut && s.first && !s.rt.Stopping() {
		s.timedOut()
		s.logBegin(s.logFrom, mono())
		s.logBadRequest(408, 'c', false)
	} else if s.first && !timedOut && !s.rt.Stopping() {
		s.clientLeft(false)
	}
	return reqEnd
}

// timedOut sends haproxy's 408.
func (s *httpStream) timedOut() {
	if s.t == nil {
		s.t = txnPool.Get().(*txnState)
	}
	// No request was parsed: forget what a previous one left behind, so
	// that an errorfile reply is not shaped by it (HEAD drops the body).
	s.t.req.Parse(nil, s.fe.limits)
	s.t.out = s.fe.errors.early(s.t.out[:0], 408, &s.t.req)
	s.writeRaw(s.t.out)
}

// readRequest parses the request head whose first bytes are buffered,
// reading more until it is complete. It returns false when the connection
// must end (closed, timed out, or an error was answered).
func (s *httpStream) readRequest() bool {
	if s.t == nil {
		s.t = txnPool.Get().(*txnState)
	}
	s.t.backTLS, s.t.backRandoms = nil, nil // no server connection yet
	s.t.bodyWaited = false
	// Lua's values last the transaction, from its first rule (a
	// tcp-request content action) on.
	s.t.luaReply, s.t.luaPriv = nil, nil
	s.logBegin(s.logFrom, s.firstByte)
	var reqDeadline time.Time
	started := false
	for {
		buf := s.cr.Buffered()
		var n int
		var err error
		if started {
			n, err = s.t.req.Continue(buf, s.fe.limits)
		} else {
			n, err = s.t.req.Parse(buf, s.fe.limits)
			started = true
		}
		if err == nil {
			s.cr.Discard(n)
			s.t.headLen = n
			s.logRequest()
			s.countRequest()
			return true
		}
		if !errors.Is(err, http1.ErrIncomplete) {
			s.captureBadRequest(buf, errPos(buf, err))
			s.t.out = s.fe.errors.early(s.t.out[:0], parseStatus(err), &s.t.req)
			s.writeRaw(s.t.out)
			s.logBadRequest(parseStatus(err), 'P', true)
			return false
		}
		if reqDeadline.IsZero() {
			// The first request's time runs from the accept, as it did
			// while awaiting it; later ones' from their first byte.
			from := time.Now()
			if s.first {
				from = s.accepted
			}
			if d := s.fe.cfg.Timeouts.HTTPRequest; d > 0 {
				reqDeadline = from.Add(d)
			}
		}
		// timeout client bounds each wait for more of the head too.
		by := reqDeadline
		if d := s.fe.cfg.Timeouts.Client; d > 0 {
			if inactive := time.Now().Add(d); by.IsZero() || inactive.Before(by) {
				by = inactive
			}
		}
		s.cl.readBy(by)
		if err := s.fill(); err != nil {
			// haproxy answers 408 to a partial request.
			if errors.Is(err, os.ErrDeadlineExceeded) && !s.rt.Stopping() {
				s.timedOut()
				s.logBadRequest(408, 'c', true)
			} else if !s.rt.Stopping() {
				s.clientLeft(true)
			}
			return false
		}
	}
}

func parseStatus(err error) int {
	var pe *http1.ParseError
	if errors.As(err, &pe) && pe.Status != 0 {
		return pe.Status
	}
	return 400
}

// writeRaw sends bytes to the client within the client timeout.
func (s *httpStream) writeRaw(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	s.cl.writeWithin(s.fe.cfg.Timeouts.Client)
	_, err := s.cl.Write(b)
	return err == nil
}

// reply sends one of the proxy's own responses (deny, 502, 503, 504) to the
// current request, through the usual response path so that the connection
// header and HEAD handling follow the request. It returns whether the client
// connection can go on.
func (s *httpStream) reply(status int, be *Backend) bool {
	r := s.fe.errors.reply(status)
	if be != nil {
		if br, ok := be.errors.custom[status]; ok {
			r = br
		}
	}
	mustClose := s.t.closeAfter || s.t.req.Close || s.ending() || !s.bodyDone()
	var out http1.Out
	s.t.lg.rec.Status = status
	if rule, ok := r.Dynamic.(*config.HTTPRule); ok {
		// An http-error with log-format values: rendered as a return.
		s.t.out = appendRuleResponse(s.t.out[:0], &s.t.scratch, rule, &s.ctx, &s.t.req, mustClose)
	} else {
		s.t.out, out = r.AppendTo(s.t.out[:0], s.respMode(), mustClose, &s.t.req)
	}
	s.t.out = s.afterReply(s.t.out, be, mustClose)
	s.countHead(s.t.out)
	if !s.writeRaw(s.t.out) {
		return false
	}
	return !out.Close && !mustClose
}

// bodyDone reports whether the request body, if any, has been read, so that
// the next request can be parsed after an early answer. A body already in
// the buffer is skipped.
func (s *httpStream) bodyDone() bool {
	if s.t.bodyRead {
		return true
	}
	if s.t.pumping {
		return false // the transfer owns the client buffer until it ends
	}
	switch s.t.req.BodyKind {
	case http1.BodyNone:
		return true
	case http1.BodyLength:
		if int64(len(s.cr.Buffered())) >= s.t.req.ContentLength {
			s.cr.Discard(int(s.t.req.ContentLength))
			s.t.req.BodyKind = http1.BodyNone
			return true
		}
	case http1.BodyChunked:
		// A chunked body all in the buffer (the last chunk and the
		// trailers included) is skipped too, as haproxy, which has
		// received it, keeps the connection.
		if n, complete, _ := s.scanChunks(s.cr.Buffered(), s.requestChunks, nil); complete {
			s.cr.Discard(n)
			s.t.req.BodyKind = http1.BodyNone
			return true
		}
	}
	return false
}

// transaction runs one request through rules, routing and a server. It
// returns whether the client connection can carry another request.
func (s *httpStream) transaction() bool {
	s.rt.janitor.touch()
	s.t.closeAfter, s.t.bodyRead, s.t.pumping, s.t.whole, s.t.reqCopy.payload = false, false, false, false, 0
	if isH2Preface(&s.t.req) {
		// HTTP/2 with prior knowledge is not served yet: say so in
		// HTTP/2 (an empty SETTINGS, then GOAWAY HTTP_1_1_REQUIRED)
		// rather than forward a "PRI" request to a server.
		s.writeRaw(h2Refusal)
		return false
	}
	if err := s.bufferedBodyError(); err != nil {
		s.t.out = s.fe.errors.early(s.t.out[:0], parseStatus(err), &s.t.req)
		s.writeRaw(s.t.out)
		s.logBadRequest(parseStatus(err), 'P', true)
		return false
	}
	s.ctx.Req = &s.t.req
	if s.t.req.BodyKind != http1.BodyNone {
		s.t.bodyAt = s.t.req.Cost() // only a buffered body needs it (message)
	}
	s.bodySoFar()
	if s.requestContentRules(s.fe.tcp) {
		s.rejectedByContent(nil)
		return false // tcp-request content reject: closed unanswered
	}
	s.cc.trk.countRequest()
	if s.fe.cfg.MonitorURI != "" && s.isMonitorRequest() {
		return s.monitorReply()
	}
	if done, keep := s.runRules(s.fe.reqRules); done {
		return keep
	}
	if done, keep := s.restrictHdrNames(s.fe.cfg, nil); done {
		return keep
	}
	// The stats page is looked for once the proxy's rules let the
	// request through, as haproxy does.
	if done, keep := s.statsPage(s.fe.cfg); done {
		return keep
	}
	be := s.fe.route(&s.ctx)
	if be == nil {
		// haproxy logs this one as if the request had not been read.
		s.term('S', 'C')
		s.t.lg.rec.Timers.Request = -1
		return s.reply(503, nil)
	}
	// A backend's own rules run after routing; a listen section's rules
	// already ran when it served as the frontend.
	if be.cfg != s.fe.cfg {
		if s.requestContentRules(be.tcp) {
			s.rejectedByContent(be)
			return false
		}
		s.cc.trk.countBackendRequest()
		s.t.be = be // a deny answers with the backend's error file first
		done, keep := s.runRules(be.reqRules)
		if !done {
			done, keep = s.restrictHdrNames(be.cfg, be)
		}
		if !done {
			done, keep = s.statsPage(be.cfg)
		}
		s.t.be = nil
		if done {
			return keep
		}
	}
	return s.forward(be)
}

// runRules evaluates one section's rules of a set in order. done reports
// that a rule answered the request itself.
func (s *httpStream) runRules(rules []compiledRule) (done, keep bool) {
	// The stick table clock is read once for the conditions and the
	// actions of the list, until an action that may wait ran
	// (stickClock). It lives with what the connection tracks: a
	// connection that tracks nothing reads the clock, if ever, without
	// it (and its first request runs before it tracks).
	st := s.tracked()
	if st == nil {
		return s.runRuleList(rules, nil)
	}
	was := st.clk.on
	st.clk.on, st.clk.ok = true, false
	done, keep = s.runRuleList(rules, st)
	st.clk.on, st.clk.ok = was, false
	return done, keep
}

// runRuleList runs rules; clk is the stick state whose clock the list
// caches (nil: none, and one made by a rule of the list caches nothing).
func (s *httpStream) runRuleList(rules []compiledRule, clk *stickState) (done, keep bool) {
	s.rw.soft = false // strict-mode holds for one list
	for i := range rules {
		r := &rules[i]
		if r.cond != nil && !r.cond.Eval(&s.ctx) {
			continue
		}
		v, keep := r.run(s)
		if clk != nil && !r.instant {
			clk.clk.ok = false // the action may have waited (wait-for-body…)
		}
		switch v {
		case ruleStop:
			r.ended(&s.ctx)
			return false, false
		case ruleAnswered:
			r.ended(&s.ctx)
			return true, keep
		}
	}
	return false, false
}

// answer sends the response of a deny/return rule. The connection stays open
// when the request body (if any) was already received, as haproxy does.
func (s *httpStream) answer(r *config.HTTPRule) bool {
	s.termAnswer(r)
	if r.Action != config.ActReturn {
		s.countDenied(r.Set == config.HTTPResponseRules, s.t.be)
		if r.Set == config.HTTPRequestRules {
			s.cc.trk.countError()
		}
	}
	switch {
	case r.UseErrorFile:
		return s.reply(r.Status, s.t.be)
	case r.Reply != nil:
		mustClose := s.t.req.Close || s.ending() || !s.bodyDone()
		var out http1.Out
		s.t.out, out = r.Reply.AppendTo(s.t.out[:0], s.respMode(), mustClose, &s.t.req)
		s.t.lg.rec.Status = r.Reply.Status()
		s.t.out = s.afterReply(s.t.out, s.t.be, mustClose)
		s.countHead(s.t.out)
		return s.writeRaw(s.t.out) && !out.Close && !mustClose
	}
	mustClose := s.t.req.Close || s.ending() || !s.bodyDone()
	// Rendered apart from bodyOut, which a request body transfer may be
	// using while a response rule answers.
	s.t.out = appendRuleResponse(s.t.out[:0], &s.t.scratch, r, &s.ctx, &s.t.req, mustClose)
	s.t.lg.rec.Status = r.Status
	s.t.out = s.afterReply(s.t.out, s.t.be, mustClose)
	s.countHead(s.t.out)
	return s.writeRaw(s.t.out) && !mustClose
}

// bufferedBodyError checks the part of a chunked request body that arrived
// with the head. haproxy parses everything it has received before
// processing the request, so a malformed chunk there is refused with a 400
// before any rule runs or any server is contacted.
func (s *httpStream) bufferedBodyError() error {
	if s.t.req.BodyKind != http1.BodyChunked {
		return nil
	}
	_, _, err := s.scanChunks(s.cr.Buffered(), s.requestChunks, nil)
	return err
}

// requestChunks starts reading the request's chunked body, for scanChunks.
func (s *httpStream) requestChunks(d *http1.BodyReader, rd *http1.Reader) {
	d.ForRequest(rd, &s.t.req, s.fe.limits)
}

// bufferedResponseError is bufferedBodyError for a response: a malformed
// chunk that came with the head makes haproxy answer 502 instead of
// sending the head.
func (s *httpStream) bufferedResponseError() error {
	if s.t.resp.BodyKind != http1.BodyChunked {
		return nil
	}
	buf := s.t.sr.Buffered()
	if m := &s.t.resScan; m.ok && m.n == len(buf) {
		return m.err // the response rules decoded these very bytes
	}
	_, _, err := s.scanChunks(buf, func(d *http1.BodyReader, rd *http1.Reader) {
		d.ForResponse(rd, &s.t.resp, s.fe.limits)
	}, nil)
	return err
}

// scanChunks decodes the chunked body at the start of buf, on a copy that
// leaves buf for the real transfer, handing each span of data to data
// (when not nil; spans are valid only during the call). It reports how
// many bytes of buf the body takes once it is complete, and the first
// framing error; neither when more is to come.
func (s *httpStream) scanChunks(buf []byte, start func(*http1.BodyReader, *http1.Reader), data func([]byte)) (n int, complete bool, err error) {
	if len(buf) == 0 {
		return 0, false, nil
	}
	scratch := append(s.t.scratch[:0], buf...)
	scratch = append(scratch, 0)[:len(buf)] // room to try one more read
	s.t.scratch = scratch[:0]               // keep the capacity, not the bytes
	var rd http1.Reader
	rd.Reset(eofReader{})
	rd.AttachRead(scratch[:cap(scratch)], len(buf))
	var d http1.BodyReader
	start(&d, &rd)
	for {
		span, err := d.Next()
		if data != nil && len(span) > 0 {
			data(span)
		}
		var bad *http1.ParseError
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return len(buf) - len(rd.Buffered()), true, nil
		case errors.As(err, &bad):
			return 0, false, err
		default:
			return 0, false, nil // more to come: the transfer decides
		}
	}
}

// eofReader is a source with nothing more to give.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// h2Refusal is a server connection preface (an empty SETTINGS frame) and a
// GOAWAY with last stream 0 and error HTTP_1_1_REQUIRED (0xd).
var h2Refusal = []byte{
	0, 0, 0, 0x4, 0, 0, 0, 0, 0,
	0, 0, 8, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd,
}

func isH2Preface(r *http1.Request) bool {
	return string(r.Method()) == "PRI" && string(r.URI()) == "*" && string(r.Version()) == "HTTP/2.0"
}

// respMode is the connection option that governs the client side: the
// frontend's (a backend's httpclose only closes the server side, as in
// haproxy 2.6).
func (s *httpStream) respMode() http1.HTTPMode {
	return httpMode(s.fe.cfg.ConnMode)
}

func httpMode(m config.ConnMode) http1.HTTPMode {
	switch m {
	case config.ConnServerClose:
		return http1.ModeServerClose
	case config.ConnClose:
		return http1.ModeClose
	}
	return http1.ModeKeepAlive
}
