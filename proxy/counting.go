package proxy

import (
	"errors"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/counters"
	"switchyard/logformat"
)

// Counting: where the data plane adds to the long-lived counters (package
// counters) that the stats, the exporter and the CLI read. Each event is
// counted where it happens, on the frontend, its listener and the process;
// a transaction's outcome (status, bytes, timings) on the frontend, the
// backend and the server once it ends.

// procCounters are the process's counters (`show info`): connections,
// sessions and requests, their rates, the bytes sent.
type procCounters struct {
	conns, sess, reqs           atomic.Uint64
	ConnRate, SessRate, ReqRate counters.Rate
	bytesOut                    atomic.Uint64
}

type atomicU64 = atomic.Uint64

type timers = logformat.Timers

// countConn counts an accepted connection (conn_tot, conn_rate).
func (rt *Runtime) countConn(fe *Frontend, key string, now time.Duration) {
	rt.pc.conns.Add(1)
	rt.pc.ConnRate.AddAt(now)
	for _, c := range fe.counterSet(key) {
		if c != nil {
			c.CumConn.Add(1)
			c.ConnRate.AddAt(now)
		}
	}
}

// countSess counts a connection that passed the tcp-request connection
// and session rules: a session (stot, rate, smax).
func (rt *Runtime) countSess(fe *Frontend, key string) {
	now := counters.Now()
	rt.pc.sess.Add(1)
	rt.pc.SessRate.AddAt(now)
	cur := uint64(fe.slotsNow().current())
	for _, c := range fe.counterSet(key) {
		if c != nil {
			c.CumSess.Add(1)
			c.SessRate.AddAt(now)
			c.ConnMax.Observe(cur)
		}
	}
}

// counterSet is the frontend's counters and its listener's (nil when
// the listener has none).
func (fe *Frontend) counterSet(key string) [2]*counters.FE {
	return [2]*counters.FE{fe.counters, fe.listeners[key]}
}

// feCount adds to one counter of the frontend and of the listener.
func (fe *Frontend) feCount(key string, pick func(*counters.FE) *atomicU64) {
	addBoth(fe.counterSet(key), pick)
}

// countHandshake counts the outcome of a client's TLS handshake on the
// frontend's and the listener's "ssl" module, and in the process's
// frontend key rate when it made a new session.
func (fe *Frontend) countHandshake(tp *counters.TLSProcess, key string, ok, resumed bool) {
	var px, li *counters.SSL
	if c := fe.counters; c != nil {
		px = &c.SSL
	}
	if c := fe.listeners[key]; c != nil {
		li = &c.SSL
	}
	tp.Handshake(px, li, false, ok, resumed)
}

// counterSet and feCount are the stream's frontend and listener
// counters, the listener's taken at accept (s.lc) rather than looked up
// by bind key on every request.
func (s *httpStream) counterSet() [2]*counters.FE {
	return [2]*counters.FE{s.fe.counters, s.lc}
}

func (s *httpStream) feCount(pick func(*counters.FE) *atomicU64) {
	addBoth(s.counterSet(), pick)
}

func addBoth(set [2]*counters.FE, pick func(*counters.FE) *atomicU64) {
	for _, c := range set {
		if c != nil {
			pick(c).Add(1)
		}
	}
}

// countRequest counts an HTTP request whose head was read.
func (s *httpStream) countRequest() {
	now := counters.Now()
	s.rt.pc.reqs.Add(1)
	s.rt.pc.ReqRate.AddAt(now)
	s.fe.counters.HTTP.CumReq.Add(1)
	s.fe.counters.ReqRate.AddAt(now)
	if l := s.lc; l != nil {
		l.HTTP.CumReq.Add(1)
		l.ReqRate.AddAt(now)
	}
}

// countDenied counts a request (or, resp, a response) a rule refused, on
// the frontend and, when the rule was the backend's or the request had
// gone to one, on the backend.
func (s *httpStream) countDenied(resp bool, be *Backend) {
	pick := func(c *counters.FE) *atomicU64 { return &c.DeniedReq }
	if resp {
		pick = func(c *counters.FE) *atomicU64 { return &c.DeniedResp }
	}
	s.feCount(pick)
	if be == nil || be.state == nil {
		return
	}
	if resp {
		be.state.C.DeniedResp.Add(1)
	} else {
		be.state.C.DeniedReq.Add(1)
	}
}

// countEnd counts the end of a transaction: the response's class, the
// bytes each way and, when a server answered, the times. It runs once per
// transaction whether or not the frontend logs.
func (s *httpStream) countEnd() {
	t := s.t
	if t == nil || t.counted {
		return
	}
	t.counted = true
	s.cc.using(nil, nil)
	l := &t.lg
	// In: the request as received (head and body payload); out: what
	// was written to the client.
	in, out := uint64(t.headLen), uint64(s.cl.wrote-l.wrote)
	if t.headLen > 0 {
		in += uint64(s.requestBodyHTX())
	}
	status := l.rec.Status
	if l.rec.Timers.Data < 0 && l.rec.Timers.Connect >= 0 && (status == 502 || status == 504) {
		// A server was reached and gave no response (haproxy's 502 and
		// 504 of http_wait_for_response): a failure. One that could not
		// be reached, or none to choose (503), is not, as in haproxy.
		s.cc.trk.countStatus(status)
	}
	s.cc.trk.countBytes(in, out)
	s.rt.pc.bytesOut.Add(out)
	for _, c := range s.counterSet() {
		if c == nil {
			continue
		}
		c.BytesIn.Add(in)
		c.BytesOut.Add(out)
		if status > 0 {
			c.HTTP.Response(status)
		}
	}
	be, srv := l.be, l.srv
	if be == nil || be.state == nil {
		// Answered before any backend was chosen (a service, a rule's
		// reply): haproxy counts the bytes on the stream's backend,
		// which in a listen section is the listen itself.
		if own := currentBackend(s.snap, s.fe, nil); own != nil && own.state != nil {
			own.state.C.BytesIn.Add(in)
			own.state.C.BytesOut.Add(out)
		}
		return
	}
	beC := &be.state.C
	beC.HTTP.CumReq.Add(1)
	beC.BytesIn.Add(in)
	beC.BytesOut.Add(out)
	if status > 0 {
		beC.HTTP.Response(status)
	}
	if srv == nil {
		return
	}
	sc := &srv.C
	sc.BytesIn.Add(in)
	sc.BytesOut.Add(out)
	if l.rec.Timers.Data >= 0 {
		// As haproxy, a server's request is counted with its answer:
		// one whose connection failed, or that got none, is not.
		sc.HTTP.CumReq.Add(1)
		if status > 0 {
			sc.HTTP.Response(status) // the server's own answers only
		}
	}
	if tm, ok := sessionTimings(&l.rec.Timers, l.ms()); ok {
		sc.Session(tm, true)
		beC.Session(tm, true)
	}
}

// sessionTimings splits a stream's timers as haproxy's
// stream_update_time_stats does; ok is false for a stream that never got
// a server's response (no time is counted then).
func sessionTimings(t *timers, total int64) (counters.Timings, bool) {
	if t.Connect < 0 || t.Data < 0 {
		return counters.Timings{}, false
	}
	req := max(t.Request, 0)
	return counters.Timings{Queue: t.Queue - req, Connect: t.Connect - t.Queue, Data: t.Data - t.Connect, Total: total}, true
}

// countServerFailure counts a failed connection attempt (econ) or a
// failed response (eresp) on the server and its backend.
func countServerFailure(be *Backend, srv *backend.Server, connect bool) {
	if connect {
		be.state.C.FailedConns.Add(1)
		if srv != nil {
			srv.C.FailedConns.Add(1)
		}
		return
	}
	be.state.C.FailedResp.Add(1)
	if srv != nil {
		srv.C.FailedResp.Add(1)
	}
}

// countAbort counts a transfer the client (cli) or the server ended
// during the data phase.
func (s *httpStream) countAbort(be *Backend, srv *backend.Server, cli bool) {
	countAbort(s.counterSet(), be, srv, cli)
}

// countAbort counts an abort on a frontend and listener counter set, the
// backend and the server.
func countAbort(set [2]*counters.FE, be *Backend, srv *backend.Server, cli bool) {
	pick := func(c *counters.FE) *atomicU64 { return &c.SrvAborts }
	if cli {
		pick = func(c *counters.FE) *atomicU64 { return &c.CliAborts }
	}
	addBoth(set, pick)
	if be == nil || be.state == nil {
		return
	}
	bc := &be.state.C
	if cli {
		bc.CliAborts.Add(1)
	} else {
		bc.SrvAborts.Add(1)
	}
	if srv != nil {
		if cli {
			srv.C.CliAborts.Add(1)
		} else {
			srv.C.SrvAborts.Add(1)
		}
	}
}

// countBadRequest counts a request that could not be read whole or
// parsed (ereq) when the client sent something (a connection that only
// timed out or closed is not an error in haproxy's count either), and the
// error it was answered with. A request a tcp-request content rule
// rejected (status -1) was counted as denied.
func (s *httpStream) countBadRequest(anyBytes bool) {
	if anyBytes && s.t.lg.rec.Status > 0 {
		s.feCount(func(c *counters.FE) *atomicU64 { return &c.FailedReq })
	}
	s.countEnd()
}

// countReuse counts a request sent on a connection already open.
func countReuse(be *Backend, srv *backend.Server) {
	be.state.C.Reuse.Add(1)
	srv.C.Reuse.Add(1)
}

// tcpTally is what a TCP stream's counters need, as mono() times
// (-1: not reached) and the tunnel's termination state.
type tcpTally struct {
	start, queued, connected time.Duration
	term                     [2]byte
}

// count counts a TCP stream's end: its bytes on the frontend, the
// backend and the server, aborts in the data phase, and its times.
func (tl *tcpTally) count(rt *Runtime, fe *Frontend, key string, be *Backend, srv *backend.Server, toClient, toServer int64) {
	in, out := uint64(max(toServer, 0)), uint64(max(toClient, 0))
	rt.pc.bytesOut.Add(out)
	set := fe.counterSet(key)
	for _, c := range set {
		if c != nil {
			c.BytesIn.Add(in)
			c.BytesOut.Add(out)
		}
	}
	if be == nil || be.state == nil {
		return
	}
	be.state.C.BytesIn.Add(in)
	be.state.C.BytesOut.Add(out)
	if srv == nil {
		return
	}
	srv.C.BytesIn.Add(in)
	srv.C.BytesOut.Add(out)
	if tl.term[1] == 'D' {
		switch tl.term[0] {
		case 'C', 'c':
			countAbort(set, be, srv, true)
		case 'S', 's':
			countAbort(set, be, srv, false)
		}
	}
	if tl.connected < 0 {
		return
	}
	ms := func(d time.Duration) int64 { return int64((d - tl.start) / time.Millisecond) }
	q, c := ms(tl.queued), ms(tl.connected)
	tm := counters.Timings{Queue: q, Connect: c - q, Data: 0, Total: ms(mono())}
	srv.C.Session(tm, false)
	be.state.C.Session(tm, false)
}

// countAssignFailure counts a request that got no server as haproxy
// counts it: a failed connection on the backend when no server is usable
// or the queue gave up, and on the server too when its queue was full or
// timed out. A client that left while waiting is not a failure.
func countAssignFailure(be *Backend, srv *backend.Server, err error) {
	if errors.Is(err, backend.ErrAborted) {
		return
	}
	countServerFailure(be, srv, true)
}
