package proxy

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
	"switchyard/logformat"
	"switchyard/logsink"
	"switchyard/sample"
)

// frontLog is a frontend's traffic log, compiled: where lines go, what
// they say, and which exchanges are left out.
type frontLog struct {
	targets []*logsink.Target
	meta    logsink.Meta
	format  *logformat.Format // nil: the "Connect from" line at accept
	sd      *logformat.Format
	// uid renders unique-id-format; uidHeader is unique-id-header.
	uid       *logformat.Format
	uidHeader []byte

	dontLogNull, separateErrors, dontLogNormal bool
	// asap sends the line early: option logasap, or a format that reads
	// nothing only the end knows (logformat.Format.WaitsForEnd).
	asap             bool
	reqCaps, resCaps []config.Capture
	// maxLen is what a line is built to: haproxy's max_syslog_len, the
	// largest `len` of the targets, 1024 at least.
	maxLen int
}

// compileLog builds a frontend's log; nil when it logs nothing and has no
// unique id to make, so that the request path skips all of it.
func compileLog(px *config.Proxy, g *config.Global) *frontLog {
	lg := &px.Log
	if len(lg.Targets) == 0 && lg.UniqueID == nil && len(lg.ReqCaptures) == 0 && len(lg.ResCaptures) == 0 {
		return nil
	}
	fl := &frontLog{
		targets: lg.Targets,
		meta:    logMeta(px, g),
		format:  lg.Compiled, sd: lg.CompiledSD, uid: lg.UniqueID,
		dontLogNull: lg.DontLogNull, separateErrors: lg.SeparateErrors, dontLogNormal: lg.DontLogNormal,
		// haproxy gathers what a proxy's formats wait for (its to_log),
		// unique-id-format's included.
		asap: lg.LogASAP || lg.Compiled != nil && !lg.Compiled.WaitsForEnd() && !lg.CompiledSD.WaitsForEnd() && !lg.UniqueID.WaitsForEnd(),
	}
	if lg.UniqueIDHeader != "" {
		fl.uidHeader = []byte(lg.UniqueIDHeader)
	}
	fl.maxLen = maxLogLine
	for _, t := range lg.Targets {
		fl.maxLen = max(fl.maxLen, t.MaxLen)
	}
	if px.Mode == config.ModeHTTP {
		fl.reqCaps, fl.resCaps = lg.ReqCaptures, lg.ResCaptures
	}
	return fl
}

// logMeta is what a proxy's lines say of the process: its tag and host.
func logMeta(px *config.Proxy, g *config.Global) logsink.Meta {
	tag := px.Log.Tag
	if tag == "" {
		tag = g.Log.Tag
	}
	if tag == "" {
		// haproxy's default is its program name; switchyard keeps
		// "haproxy", so that syslog rules filtering on it still match.
		tag = "haproxy"
	}
	return logsink.Meta{Tag: tag, Hostname: g.Log.Hostname}
}

// logs says whether lines are sent for each exchange.
func (fl *frontLog) logs() bool { return fl != nil && len(fl.targets) > 0 && fl.format != nil }

// logConnect sends haproxy's line for a frontend that has log targets
// but no log format: one per accepted connection.
func (fl *frontLog) logConnect(fe *Frontend, c net.Conn) {
	if fl == nil || len(fl.targets) == 0 || fl.format != nil {
		return
	}
	mode := "TCP"
	if fe.cfg.Mode == config.ModeHTTP {
		mode = "HTTP"
	}
	buf := logBufs.Get().(*[]byte)
	b := (*buf)[:0]
	src, dst := addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	if src.IsValid() {
		b = append(b, "Connect from "...)
		b = appendHostPort(b, src)
		b = append(b, " to "...)
		b = appendHostPort(b, dst)
	} else {
		b = append(b, "Connect to unix:1"...)
	}
	b = append(append(append(append(append(b, " ("...), fe.Name...), '/'), mode...), ')')
	logsink.Send(fl.targets, &fl.meta, logsink.LevelInfo, b, nil)
	*buf = b
	logBufs.Put(buf)
}

func appendHostPort(b []byte, ap netip.AddrPort) []byte {
	b = ap.Addr().Unmap().AppendTo(b)
	return strconv.AppendUint(append(b, ':'), uint64(ap.Port()), 10)
}

var logBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxLogLine is haproxy's default global.max_syslog_len: lines are built
// to at most this length.
const maxLogLine = 1024

// txnLog is what a transaction's log line needs beyond the sample
// context: the record the format renders, filled as the exchange goes.
type txnLog struct {
	on   bool
	rec  logformat.Stream
	from time.Duration // mono() at the start of the stream (accept, or the end of the previous request)
	// wrote is the client connection's byte count when the transaction
	// began: %B is what was written since.
	wrote int64
	// Captured header values point into caps.
	caps    []byte
	reqCaps [][]byte
	resCaps [][]byte
	uid     []byte
	adjust  int64 // %B minus the wire bytes (see htxAdjust)
	// asapAt is when option logasap logged the stream (the response
	// head's arrival), -1 when it did not.
	asapAt int64
	// asapBytes is the response as haproxy's buffer held it then.
	asapBytes int64
	// respHead is the server's response head as haproxy counts it, taken
	// before the response rules rewrite it.
	respHead int64
	uidDone  bool   // uid was made for this request
	line     []byte // the request line's copy, for saved
	saved    savedRequest
	level    int             // set-log-level: 0 none, level+1, or -1 silent
	be       *Backend        // where the request went, for %bc
	srv      *backend.Server // and %sc
}

// ms is the time since the start of the stream in milliseconds.
func (l *txnLog) ms() int64 { return int64((mono() - l.from) / time.Millisecond) }

// logBegin starts the record of a request whose first byte came at
// firstByte, on a stream that started at from (both mono()).
func (s *httpStream) logBegin(from, firstByte time.Duration) {
	fl := s.fe.log
	l := &s.t.lg
	l.on = fl.logs()
	// Everything a previous transaction left, whatever its frontend: the
	// state is pooled across connections.
	l.be, l.srv, l.level, l.uid, l.uidDone, l.line, l.saved = nil, nil, 0, l.uid[:0], false, l.line[:0], savedRequest{}
	l.reqCaps, l.resCaps, l.caps = l.reqCaps[:0], l.resCaps[:0], l.caps[:0]
	// The status, the termination state and the timers are kept for
	// every request, logged or not: the counters read them (countEnd).
	s.t.counted, s.t.headLen = false, 0
	l.from, l.wrote, l.asapAt = from, s.cl.wrote, -1
	l.rec.Status, l.rec.Term = -1, [2]byte{}
	l.rec.Timers = logformat.Timers{Handshake: 0, Idle: int64((firstByte - from) / time.Millisecond),
		Request: -1, Queue: -1, Connect: -1, Data: -1, Close: -1}
	if fl == nil {
		return // nothing else of the record is read
	}
	l.reqCaps, l.resCaps = emptySlots(l.reqCaps, len(fl.reqCaps)), emptySlots(l.resCaps, len(fl.resCaps))
	// haproxy numbers every stream when it is created (%rt); switchyard
	// numbers the requests of the frontends that read the number, so that
	// the others share no counter.
	l.rec.RequestID = s.rt.requests.Add(1) - 1
	if !l.on {
		// What unique-id-format may still read.
		l.rec.Frontend, l.rec.Accept = s.fe.Name, s.logAccept
		return
	}
	l.rec = logformat.Stream{Frontend: s.fe.Name, Accept: s.logAccept, RequestID: l.rec.RequestID, Status: -1, Timers: l.rec.Timers}
	l.adjust = 0
}

// logRequest notes that the request head is in, and captures its headers
// and its request line: the head lives in the client buffer, which the
// body and later requests reuse, and haproxy logs the line as received
// (before any rewrite).
func (s *httpStream) logRequest() {
	l := &s.t.lg
	fl := s.fe.log
	if fl == nil {
		return
	}
	if len(fl.reqCaps) > 0 {
		s.capture(l.reqCaps, fl.reqCaps, &s.t.req)
	}
	r := &s.t.req
	l.line = append(append(append(l.line[:0], r.Method()...), r.URI()...), r.Version()...)
	l.saved = savedRequest{line: l.line, meth: len(r.Method()), uri: len(r.URI())}
	l.rec.Timers.Request = l.ms()
	if l.on {
		l.rec.BytesIn = s.requestHeadHTX()
	}
}

// savedRequest is the request line a log line reads (%r, %HM, %HU...) and
// the capture.req.* fetches: a copy made when the head was complete.
type savedRequest struct {
	line      []byte // method, URI and version, back to back
	meth, uri int
}

func (r *savedRequest) NumHeaders() int                 { return 0 }
func (r *savedRequest) Header(int) (name, value []byte) { return nil, nil }
func (r *savedRequest) Method() []byte                  { return r.line[:r.meth] }
func (r *savedRequest) URI() []byte                     { return r.line[r.meth : r.meth+r.uri] }
func (r *savedRequest) Version() []byte                 { return r.line[r.meth+r.uri:] }
func (r *savedRequest) valid() bool                     { return len(r.line) > 0 }

// requestHeadHTX is the size haproxy counts for the request head (%U):
// as htxAdjust counts a response head.
func (s *httpStream) requestHeadHTX() int64 {
	r := &s.t.req
	return int64(20+len(r.Method())+len(r.URI())+len(r.Version())+1) + fieldsHTX(r)
}

// fieldsHTX is what haproxy counts for a message's header fields: each
// name and value, the Connection field left out (the HTTP/1 layer removes
// it on input and writes its own on output).
func fieldsHTX(h headerList) int64 {
	var n int64
	for i := 0; i < h.NumHeaders(); i++ {
		name, value := h.Header(i)
		if !http1.EqualFoldLower(name, "connection") {
			n += int64(len(name) + len(value))
		}
	}
	return n
}

// emptySlots returns n empty capture slots, reusing dst.
func emptySlots(dst [][]byte, n int) [][]byte {
	dst = dst[:0]
	for range n {
		dst = append(dst, nil)
	}
	return dst
}

// logResponse notes that the response head is in, and captures its
// headers.
func (s *httpStream) logResponse() {
	l := &s.t.lg
	if fl := s.fe.log; fl != nil && len(fl.resCaps) > 0 {
		s.capture(l.resCaps, fl.resCaps, &s.t.resp)
	}
	l.rec.Timers.Data = l.ms()
	if l.on {
		l.respHead = s.responseHeadHTX() // before the response rules
	}
}

// logEarly sends the line of an early-logging frontend (option logasap,
// or a format that waits for nothing only the end knows) once the
// response rules have let the server's response through, as haproxy's
// http_process_res_common does at its end: with the response as its
// buffer holds it then as the bytes sent, and the head's arrival as the
// end. A response a rule answered instead logs at its end.
func (s *httpStream) logEarly() {
	l := &s.t.lg
	if !l.on || !s.fe.log.asap {
		return
	}
	l.asapAt = l.rec.Timers.Data
	l.rec.Status = s.t.resp.Status
	l.asapBytes = s.responseHeadHTX() + s.bodySoFarHTX()
	s.emitLog()
}

// headerList is the part of a message capture reads.
type headerList interface {
	NumHeaders() int
	Header(i int) (name, value []byte)
}

// capture copies the headers a frontend captures into their slots, the
// last occurrence of each, cut to its length, as haproxy does.
func (s *httpStream) capture(slots [][]byte, caps []config.Capture, m headerList) {
	for i := 0; i < m.NumHeaders(); i++ {
		name, value := m.Header(i)
		for j, c := range caps {
			if c.Header != "" && http1.EqualFoldLower(name, c.Header) {
				s.setCapture(slots, j, value, c.Len)
			}
		}
	}
}

// setCapture stores v, cut to n bytes, in slot i. Captured bytes live in
// one buffer per transaction; a slot written twice leaves its old bytes
// there until the transaction ends.
func (s *httpStream) setCapture(slots [][]byte, i int, v []byte, n int) {
	if i >= len(slots) {
		return
	}
	l := &s.t.lg
	v = v[:min(len(v), n)]
	off := len(l.caps)
	l.caps = append(l.caps, v...)
	slots[i] = l.caps[off:len(l.caps):len(l.caps)]
}

// logServer notes where the request went, and how it waited for it.
func (s *httpStream) logServer(be *Backend, a *backend.Assignment, err error) {
	l := &s.t.lg
	l.be, l.srv = be, a.Srv // for be_name, srv_name, and the counters
	if a.Srv != nil {
		s.cc.using(be, a.Srv)
	}
	if err == nil || a.Queued { // out of the queue, or given up waiting (%Tw)
		l.rec.Timers.Queue = l.ms()
	}
	if !l.on {
		return
	}
	l.rec.Backend = be.Name
	l.rec.SrvQueue, l.rec.BackendQueue = a.SrvQueue, a.BeQueue
	if a.Srv != nil {
		l.rec.Server = a.Srv.Name
	}
}

// termAssign sets the termination state of a request that found no
// server: none usable ("SC"), its server's queue full ("SQ"), or it waited
// too long in a queue ("sQ").
func (s *httpStream) termAssign(err error) {
	t := assignTerm(err)
	s.term(t[0], t[1])
}

func (l *tcpLog) termAssign(err error) {
	t := assignTerm(err)
	l.term(t[0], t[1])
}

func assignTerm(err error) [2]byte {
	switch {
	case errors.Is(err, backend.ErrNoServer):
		return [2]byte{'S', 'C'}
	case errors.Is(err, backend.ErrQueueFull):
		return [2]byte{'S', 'Q'}
	case errors.Is(err, backend.ErrAborted):
		return [2]byte{'C', 'Q'}
	}
	return [2]byte{'s', 'Q'}
}

// logRetries notes the request's retries (%rc).
func (s *httpStream) logRetries(rs *retryState) {
	if l := &s.t.lg; l.on {
		l.rec.Retries, l.rec.Redispatched = rs.n, rs.redispatched
	}
}

// logConnected notes that a server connection is ready, and where it goes.
func (s *httpStream) logConnected(sc *timedConn) {
	l := &s.t.lg
	l.rec.Timers.Connect = l.ms()
	if !l.on {
		return
	}
	l.rec.ServerAddr, l.rec.BackendSrc = addrPort(sc.RemoteAddr()), addrPort(sc.LocalAddr())
}

// term sets the termination state (%ts): the cause of the end and the
// step the stream was at. The first cause found is kept.
func (s *httpStream) term(cause, step byte) {
	if s.t == nil || s.t.lg.rec.Term[0] != 0 {
		return
	}
	s.t.lg.rec.Term = [2]byte{cause, step}
}

// logBadRequest ends the record of a request that could not be parsed or
// did not arrive in time: haproxy logs it as "<BADREQ>", with no bytes.
func (s *httpStream) logBadRequest(status int, cause byte, anyBytes bool) {
	if s.t == nil {
		return
	}
	s.t.lg.rec.Status = status
	s.countBadRequest(anyBytes)
	if anyBytes {
		// As haproxy's HTTP/1 layer: a request on the session's tracked
		// entries, and a client error unless the client was only slow.
		s.cc.trk.countRequest()
		if status != 408 && status >= 400 && status < 500 {
			s.cc.trk.countError()
		}
	}
	if !s.t.lg.on {
		return
	}
	s.term(cause, 'R')
	s.t.lg.rec.Status = status
	s.t.lg.rec.Timers.Request = -1
	s.t.lg.wrote = s.cl.wrote // the error is the mux's: not counted
	if !anyBytes && s.fe.log.dontLogNull {
		s.t.lg.on = false
		return
	}
	req := s.ctx.Req
	s.ctx.Req = nil
	s.emitLog()
	s.ctx.Req = req
}

// emitLog completes the transaction's record (the end timer, byte and
// connection counts, the unique id) and sends its line.
func (s *httpStream) emitLog() {
	l := &s.t.lg
	if !l.on {
		return
	}
	be, srv := l.be, l.srv
	l.on = false
	fl := s.fe.log
	r := &l.rec
	r.Timers.Close = l.ms()
	r.BytesOut = s.cl.wrote - l.wrote + l.adjust - s.t.respCopy.framing
	if l.asapAt >= 0 {
		r.Timers.Close, r.BytesOut = l.asapAt, l.asapBytes
	}
	r.ReqCaptures, r.ResCaptures = nil, nil
	if len(fl.reqCaps) > 0 {
		r.ReqCaptures = l.reqCaps
	}
	if len(fl.resCaps) > 0 {
		r.ResCaptures = l.resCaps
	}
	if l.saved.valid() { // a request was read: its body counts (%U)
		r.BytesIn += s.requestBodyHTX()
	}
	r.ActConn, r.FeConn = s.global.current(), s.slots.current()
	if be != nil {
		r.BeConn = be.state.Conns()
	}
	if srv != nil && !srv.Implicit() { // %sc: 0 without a server, as haproxy
		r.SrvConn = int(srv.Cur.Load())
	}
	if l.level < 0 {
		return
	}
	req := s.ctx.Req
	if !l.uidDone {
		// Made only now: the request is gone, as in haproxy.
		s.ctx.Req = nil
	}
	r.UniqueID = s.uniqueID()
	if req != nil && l.saved.valid() {
		s.ctx.Req = &l.saved
	}
	s.fe.sendLog(s.rt, &s.ctx, r, l.level-1)
	s.ctx.Req = req
}

// requestBodyHTX is the request body as haproxy counts it (%U): the
// payload, and one byte for the end of a chunked body.
func (s *httpStream) requestBodyHTX() int64 {
	r := &s.t.req
	switch r.BodyKind {
	case http1.BodyLength:
		if s.t.whole {
			return r.ContentLength
		}
		return s.t.reqCopy.payload
	case http1.BodyChunked:
		return s.t.reqCopy.payload + 1
	}
	return 0
}

// sendLog renders and sends a stream's line, unless the options leave it
// out: haproxy's strm_log. level is the one set-log-level set, or -1.
func (fe *Frontend) sendLog(rt *Runtime, ctx *sample.Ctx, r *logformat.Stream, level int) {
	fl := fe.log
	err := r.Term[0] != 0 && r.Term[0] != 'L' || r.Status >= 500
	if !err && fl.dontLogNormal {
		return
	}
	if level < 0 {
		level = logsink.LevelInfo
		if err && fl.separateErrors {
			level = logsink.LevelErr
		}
	}
	r.LogCount = fe.logCount.Add(1) - 1
	r.ASAP = fl.asap
	r.FrontendSSL = ctx.FrontTLS != nil // %ft: "fe~" on a TLS listener
	buf := logBufs.Get().(*[]byte)
	line := fl.format.Append((*buf)[:0], ctx, r)
	if len(line) > fl.maxLen {
		line = line[:fl.maxLen]
	}
	var sd []byte
	if fl.sd != nil {
		sd = fl.sd.Append(line[len(line):], ctx, r)
	}
	logsink.Send(fl.targets, &fl.meta, level, line, sd)
	*buf = line[:0]
	logBufs.Put(buf)
}

// endTxnLog sends the line of the transaction that just ended, and starts
// the next stream's clock: haproxy's next stream begins when this one
// ends.
func (s *httpStream) endTxnLog() {
	s.firstByte = 0
	s.countEnd()
	if s.t == nil || !s.fe.log.logs() {
		return
	}
	s.emitLog()
	s.logFrom, s.logAccept = mono(), time.Now()
}

// termAnswer sets the termination state of a request a rule answered:
// haproxy blames a deny on the proxy's rules ('P'), a return is a local
// answer ('L'); in response rules the stream was at the response headers.
func (s *httpStream) termAnswer(r *config.HTTPRule) {
	step := byte('R')
	if r.Set == config.HTTPResponseRules {
		step = 'H'
		if s.t.lg.on {
			// haproxy had already put the server's response in the
			// outgoing channel: it is counted, and the response timer
			// is not.
			s.t.lg.adjust += s.serverResponseHTX()
			s.t.lg.rec.Timers.Data = -1
		}
	}
	if r.Action == config.ActReturn {
		s.term('L', step)
	} else {
		s.term('P', step)
	}
}

// uniqueID renders unique-id-format for the request once, when first
// needed, as haproxy generates it: when the request goes to a server (after
// the http-request rules), when the unique-id fetch asks, or at log time,
// when the request's headers are gone (a request answered by a rule).
func (s *httpStream) uniqueID() []byte {
	fl := s.fe.log
	if fl == nil || fl.uid == nil {
		return nil
	}
	l := &s.t.lg
	if !l.uidDone {
		l.uid = fl.uid.Append(l.uid[:0], &s.ctx, &l.rec)
		l.uidDone = true
	}
	return l.uid
}

// addUniqueIDHeader makes the request's unique id and applies
// unique-id-header.
func (s *httpStream) addUniqueIDHeader() {
	uid := s.uniqueID()
	if fl := s.fe.log; fl != nil && fl.uidHeader != nil && uid != nil {
		s.t.req.Add(fl.uidHeader, uid)
	}
}

// htxAdjust is what haproxy's byte count (%B) differs by from the wire
// bytes of a response head: haproxy counts the head as its internal HTX
// blocks, a 20-byte start line record plus the version, code and reason,
// each header's name and value, and one byte for the end of the head.
// The Connection header is not among them: the HTTP/1 layer removes it on
// input and writes its own on output.
func htxAdjust(head []byte) int64 {
	var adj int64
	first := true
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		line := head[:i+1]
		head = head[i+1:]
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(content) == 0:
			return adj + 1 - int64(len(line)) // the end of the head
		case first:
			// The two spaces between version, code and reason are not
			// counted (the reason's own spaces are).
			first = false
			seps := int64(len(bytes.SplitN(content, []byte(" "), 3)) - 1)
			adj += 20 - int64(len(line)-len(content)) - seps
		default:
			name, value, _ := bytes.Cut(content, []byte(":"))
			value = bytes.TrimSpace(value)
			if http1.EqualFoldLower(name, "connection") {
				adj -= int64(len(line))
			} else {
				adj += int64(len(name)+len(value)) - int64(len(line))
			}
		}
	}
	return adj
}

// countHead adds a response head written to the client to the log's byte
// count adjustment (see htxAdjust).
func (s *httpStream) countHead(head []byte) {
	if s.t.lg.on {
		s.t.lg.adjust += htxAdjust(head)
	}
}

// tcpLog is the record of a mode tcp stream; nil when the frontend logs
// no traffic.
type tcpLog struct {
	*tcpScope // for the fetches (fetch_backend.go)
	rec       logformat.Stream
	from      time.Duration
	sent      bool // logged already (option logasap)
}

func newTCPLog(fe *Frontend, c net.Conn) *tcpLog {
	fe.log.logConnect(fe, c)
	if !fe.log.logs() {
		return nil
	}
	l := &tcpLog{from: mono()}
	l.rec = logformat.Stream{Frontend: fe.Name, Accept: time.Now(), Timers: logformat.Timers{
		Handshake: 0, Idle: 0, Request: 0, Queue: -1, Connect: -1, Data: -1, Close: -1}}
	if n := len(fe.cfg.Log.ReqCaptures); n > 0 {
		l.rec.ReqCaptures = make([][]byte, n) // tcp-request content capture
	}
	return l
}

func (l *tcpLog) ms() int64 { return int64((mono() - l.from) / time.Millisecond) }

// server notes where the stream goes, and that it is out of the queue.
func (l *tcpLog) server(be *Backend, a *backend.Assignment, err error) {
	if l == nil {
		return
	}
	l.rec.Backend = be.Name
	l.rec.SrvQueue, l.rec.BackendQueue = a.SrvQueue, a.BeQueue
	if err == nil || a.Queued {
		l.rec.Timers.Queue = l.ms()
	}
	if a.Srv != nil {
		l.rec.Server = a.Srv.Name
	}
}

func (l *tcpLog) retries(rs *retryState) {
	if l != nil {
		l.rec.Retries, l.rec.Redispatched = rs.n, rs.redispatched
	}
}

func (l *tcpLog) connected(sc net.Conn) {
	if l == nil {
		return
	}
	l.rec.Timers.Connect = l.ms()
	l.rec.ServerAddr, l.rec.BackendSrc = addrPort(sc.RemoteAddr()), addrPort(sc.LocalAddr())
}

// logASAP sends the line at once under option logasap, as haproxy does
// when the server connection is established, with that as the end.
func (l *tcpLog) logASAP(rt *Runtime, fe *Frontend, ctx *sample.Ctx, srv *backend.Server) {
	if l == nil || !fe.log.asap {
		return
	}
	l.rec.Timers.Close = l.rec.Timers.Connect
	l.fill(rt, fe, srv)
	if l.tcpScope != nil && l.be != nil {
		l.rec.BeConn = l.be.state.Conns()
	}
	l.sent = true
	if level, ok := l.level(); ok {
		fe.sendLog(rt, ctx, &l.rec, level)
	}
}

// level is the level txn:set_loglevel gave the stream's line (-1: the
// default), false when it made the stream silent.
func (l *tcpLog) level() (int, bool) {
	if l.tcpScope == nil {
		return -1, true
	}
	switch lv := l.tcpScope.logLevel; {
	case lv < 0:
		return 0, false
	case lv > 0:
		return lv - 1, true
	}
	return -1, true
}

func (l *tcpLog) term(cause, step byte) {
	if l != nil && l.rec.Term[0] == 0 {
		l.rec.Term = [2]byte{cause, step}
	}
}

// send sends the stream's line once it is over.
func (l *tcpLog) send(rt *Runtime, fe *Frontend, ctx *sample.Ctx, toClient, toServer int64, srv *backend.Server) {
	if l == nil || l.sent {
		return
	}
	if toServer == 0 && fe.log.dontLogNull {
		return // option dontlognull: the client sent nothing
	}
	r := &l.rec
	r.Timers.Close = l.ms()
	r.BytesOut, r.BytesIn = toClient, max(toServer, 0)
	l.fill(rt, fe, srv)
	if level, ok := l.level(); ok {
		fe.sendLog(rt, ctx, r, level)
	}
}

// fill completes the record with the connection counts.
func (l *tcpLog) fill(rt *Runtime, fe *Frontend, srv *backend.Server) {
	r := &l.rec
	rt.mu.Lock()
	g := rt.global
	rt.mu.Unlock()
	r.ActConn, r.FeConn = g.current(), fe.slotsNow().current()
	if srv != nil && !srv.Implicit() { // %sc: 0 without a server, as haproxy
		r.SrvConn = int(srv.Cur.Load())
	}
}

// redirected notes a redirect for the log: a local answer, as haproxy
// logs it.
func (s *httpStream) redirected(set config.RuleSet) {
	step := byte('R')
	if set == config.HTTPResponseRules {
		step = 'H'
	}
	s.term('L', step)
	s.countHead(s.t.out)
}

// responseHeadHTX is the size haproxy counts for the server's response
// head (see htxAdjust).
func (s *httpStream) responseHeadHTX() int64 {
	r := &s.t.resp
	return int64(20+len(r.Version())+len(r.Code())+len(r.Reason())+1) + fieldsHTX(r)
}

// bodySoFarHTX is the size haproxy counts for the response body that
// came with the head: its data, and one byte for the end of a chunked
// body that is all here.
func (s *httpStream) bodySoFarHTX() int64 {
	complete, err := s.resBodySoFar()
	n := int64(len(s.ctx.ResBody))
	if err == nil && complete && s.t.resp.BodyKind == http1.BodyChunked {
		n++
	}
	s.ctx.ResBody, s.ctx.ResBodyLeft = nil, 0
	return n
}

// serverResponseHTX is the size haproxy counts for the server's response
// received so far: its head, and the body bytes buffered (as the response
// rules see them, when they do: decoded, and what the buffer takes).
func (s *httpStream) serverResponseHTX() int64 {
	r := &s.t.resp
	n := s.t.lg.respHead
	switch {
	case s.ctx.ResBody != nil:
		n += int64(len(s.ctx.ResBody))
	case r.BodyKind == http1.BodyLength:
		n += min(int64(len(s.t.sr.Buffered())), r.ContentLength)
	}
	return n
}

// loggedTunnel adds what went through a tunnel (an upgraded connection) to
// the transaction's record: haproxy counts it, and its end is the stream's.
func (s *httpStream) loggedTunnel(end tunnelEnd) {
	l := &s.t.lg
	if !l.on {
		return
	}
	l.adjust += end.toClient
	l.rec.BytesIn += end.toServer
	if end.term[0] != 0 {
		s.term(end.term[0], end.term[1])
	}
}

// tarpitted notes a tarpit for the log as haproxy does: the request timer
// is not reported, the wait shows as time in the queue, and the stream
// ends as refused during the tarpit (PT).
func (s *httpStream) tarpitted() {
	l := &s.t.lg
	if !l.on {
		return
	}
	l.rec.Timers.Request = -1
	l.rec.Timers.Queue = l.ms()
	s.term('P', 'T')
}

// rejectedByContent logs a request a tcp-request content rule rejected:
// closed without an answer, and logged by haproxy as a bad request.
func (s *httpStream) rejectedByContent(be *Backend) {
	if s.t == nil {
		return
	}
	s.countDenied(false, be)
	s.t.lg.rec.Status = -1
	s.logBadRequest(-1, 'P', true)
}

// clientLeft ends a first request the client closed (or half-closed)
// before sending it whole: as haproxy, it answers 400 to a client that may
// still read, and logs it (CR), unless nothing came and dontlognull.
func (s *httpStream) clientLeft(anyBytes bool) {
	if s.t == nil {
		s.t = txnPool.Get().(*txnState)
	}
	if !anyBytes {
		s.logBegin(s.logFrom, mono())
	}
	s.t.req.Parse(nil, s.fe.limits) // no request: nothing shapes the page
	s.t.out = s.fe.errors.early(s.t.out[:0], 400, &s.t.req)
	s.writeRaw(s.t.out)
	s.logBadRequest(400, 'C', anyBytes)
}
