package proxy

import (
	"switchyard/config"
	"switchyard/sample"
	"switchyard/stick"
)

// This file ties stick tables to streams: the track-sc actions, the
// sc-inc-gpc/sc-set-gpt/sc-add-gpc actions, and the counting haproxy does
// on tracked entries (sessions, HTTP requests, errors, failures, bytes).

// stickState is what a connection tracks: the session's counters (tracked
// by tcp-request connection and session rules) and the current stream's
// (tcp-request content, http-request and http-response rules; one request
// in mode http).
type stickState struct {
	sess, strm stick.Trackers
	clk        stickClock
}

// tracker is what the actions and fetches need of a stream: its tracked
// counters. httpStream, tcpScope and tcpLog have them.
type tracker interface {
	scoper
	trackers() *stickState // made if missing: to track
	tracked() *stickState  // nil when nothing was ever tracked: to read
	stickNow() uint32      // the table clock (stick.NowMs)
}

// stickClock is the stick table clock of an HTTP stream while a rule list
// runs: read once for its conditions and actions, as haproxy's rules all
// see the now_ms of the poll loop's pass. A clock read costs tens of ns,
// and a rate limit's rules (track, count, a rate, src_conn_cur) read it at
// each step. Conditions run without waiting; an action may wait (for a
// body, say), so the reading is dropped after each action, and outside a
// rule list every call reads the clock.
type stickClock struct {
	now    uint32
	ok, on bool // now is valid; the list's run caches it
}

func (c *stickClock) tick() uint32 {
	if c.ok {
		return c.now
	}
	now := stick.NowMs()
	c.now, c.ok = now, c.on
	return now
}

func (s *httpStream) stickNow() uint32 {
	if st := s.tracked(); st != nil {
		return st.clk.tick()
	}
	return stick.NowMs()
}
func (t *tcpScope) stickNow() uint32 { return stick.NowMs() }

// trackers returns the stream's counters, made when first needed: most
// connections never track anything, and an idle one should not pay for
// them.
func (s *httpStream) trackers() *stickState {
	if s.cc.trk == nil {
		s.cc.trk = new(stickState)
	}
	return s.cc.trk
}

// tracked is what the connection tracks, nil when nothing (or when the
// stream has no connection: tests).
func (s *httpStream) tracked() *stickState {
	if s.cc == nil {
		return nil
	}
	return s.cc.trk
}
func (t *tcpScope) tracked() *stickState { return t.trk }

func (t *tcpScope) trackers() *stickState {
	if t.trk == nil {
		t.trk = new(stickState)
	}
	return t.trk
}

// releaseStream ends the stream's trackings (the end of a request).
func (st *stickState) releaseStream() {
	if st != nil {
		st.strm.Release()
	}
}

// releaseSession ends the session's trackings (the end of a connection).
func (st *stickState) releaseSession() {
	if st != nil {
		st.sess.Release()
	}
}

// counter returns the entry tracked in slot i, the stream's first, then
// the session's (haproxy's smp_fetch_sc_stkctr), nil when none.
func (st *stickState) counter(i int) *stick.Tracker {
	if st.strm[i].E != nil {
		return &st.strm[i]
	}
	if st.sess[i].E != nil {
		return &st.sess[i]
	}
	return nil
}

// each calls fn on the entry of each slot: the stream's, or else the
// session's (haproxy's stream_inc_*_ctr).
func (st *stickState) each(fn func(e *stick.Entry)) {
	for i := range st.strm {
		if t := st.counter(i); t != nil {
			fn(t.E)
		}
	}
}

// countRequest counts a request on every tracked entry.
func (st *stickState) countRequest() {
	if st == nil {
		return
	}
	st.each(func(e *stick.Entry) { e.Count(stick.DTHTTPReqCnt, stick.DTHTTPReqRate, 1) })
}

// countBackendRequest counts a request on the entries a backend's rules
// tracked (haproxy's stream_inc_be_http_req_ctr).
func (st *stickState) countBackendRequest() {
	if st == nil {
		return
	}
	for i := range st.strm {
		if t := st.strm[i]; t.E != nil && t.Backend {
			t.E.Count(stick.DTHTTPReqCnt, stick.DTHTTPReqRate, 1)
		}
	}
}

// countStatus counts a response's status: a 4xx is an error (the
// client's), a 5xx other than 501 and 505 a failure (the server's).
func (st *stickState) countStatus(status int) {
	if st == nil || status < 400 {
		return
	}
	st.each(func(e *stick.Entry) { countStatusOn(e, status) })
}

// countStatusOn counts a response's status on one entry.
func countStatusOn(e *stick.Entry, status int) {
	switch {
	case status >= 400 && status < 500:
		e.Count(stick.DTHTTPErrCnt, stick.DTHTTPErrRate, 1)
	case status >= 500 && status < 600 && status != 501 && status != 505:
		e.Count(stick.DTHTTPFailCnt, stick.DTHTTPFailRate, 1)
	}
}

// countError counts a client error (a 4xx, a denied request).
func (st *stickState) countError() {
	if st == nil {
		return
	}
	st.each(func(e *stick.Entry) { e.Count(stick.DTHTTPErrCnt, stick.DTHTTPErrRate, 1) })
}

// countBytes counts a stream's bytes from the client (in) and to it (out).
func (st *stickState) countBytes(in, out uint64) {
	if st == nil || !st.strm.Any() && !st.sess.Any() {
		return
	}
	st.each(func(e *stick.Entry) {
		if in > 0 {
			e.Count(stick.DTBytesInCnt, stick.DTBytesInRate, in)
		}
		if out > 0 {
			e.Count(stick.DTBytesOutCnt, stick.DTBytesOutRate, out)
		}
	})
}

// countSession counts a session on the entries tracked by connection
// rules (haproxy's session_count_new).
func (st *stickState) countSession() {
	if st == nil {
		return
	}
	for i := range st.sess {
		if e := st.sess[i].E; e != nil {
			e.Count(stick.DTSessCnt, stick.DTSessRate, 1)
		}
	}
}

// track runs a track-sc action: the key's entry in the table is tracked
// in the slot, by the session (connection and session rules) or the
// stream. It returns the entry when it began tracking. With req, the new
// entry counts the stream's HTTP request too (http-request and
// http-response track-sc: the request was counted before the rule could
// track it, and haproxy counts it on the new entry then).
func track(ctx *sample.Ctx, a *config.TrackAction, session, req bool) *stick.Entry {
	o, ok := ctx.Owner.(tracker)
	if !ok {
		return nil
	}
	st := o.trackers()
	set := &st.strm
	if session {
		set = &st.sess
	}
	if set[a.Slot].E != nil {
		return nil
	}
	snap, _, _ := o.scope()
	t := snap.tables[a.Table]
	if t == nil {
		return nil
	}
	v, ok := a.Key.Eval(ctx)
	if !ok {
		return nil
	}
	var buf [64]byte
	key, ok := t.KeyOf(ctx, v, buf[:0])
	if !ok {
		return nil
	}
	e := set.TrackAt(a.Slot, t, key, o.stickNow(), req)
	if e != nil && !session {
		set[a.Slot].Backend = a.Backend
	}
	return e
}

// counterEntry is the entry an sc-* action acts on: the one tracked in
// its slot.
func counterEntry(ctx *sample.Ctx, slot int) *stick.Entry {
	o, ok := ctx.Owner.(tracker)
	if !ok {
		return nil
	}
	if st := o.tracked(); st != nil {
		if t := st.counter(slot); t != nil {
			return t.E
		}
	}
	return nil
}

// runCounter runs sc-inc-gpc0/1, sc-inc-gpc, sc-set-gpt0, sc-set-gpt or
// sc-add-gpc.
func runCounter(ctx *sample.Ctx, a *config.CounterAction) {
	e := counterEntry(ctx, a.Slot)
	if e == nil {
		return
	}
	value := func() (int64, bool) {
		if a.Expr == nil {
			return a.Value, true
		}
		v, ok := a.Expr.Eval(ctx)
		if !ok {
			return 0, false
		}
		v, ok = sample.Cast(ctx, v, sample.TypeInt)
		return v.Int, ok
	}
	switch a.Data {
	case stick.DTGPC0:
		e.IncGPC(stick.DTGPC0, stick.DTGPC0Rate, 0, 1)
	case stick.DTGPC1:
		e.IncGPC(stick.DTGPC1, stick.DTGPC1Rate, 0, 1)
	case stick.DTGPC:
		n := int64(1)
		if a.Add {
			v, ok := value()
			if !ok || v == 0 {
				return
			}
			n = v
		}
		e.IncGPC(stick.DTGPC, stick.DTGPCRate, a.Index, uint64(n))
	case stick.DTGPT0, stick.DTGPT:
		v, ok := value()
		if !ok {
			return
		}
		if d, i, ok := e.Table().Resolve(a.Data, a.Index); ok {
			e.Set(d, i, v)
		}
	}
}

func init() {
	httpSets := []config.RuleSet{config.HTTPRequestRules, config.HTTPResponseRules}
	for i := 0; i < config.MaxTrackers; i++ {
		name := "track-sc" + string(rune('0'+i))
		compileTCPAction(name, tcpReqSets, func(r *config.HTTPRule) tcpRuleFunc {
			a := r.Args.(*config.TrackAction)
			session := r.Set != config.TCPRequestContentRules
			return func(run *tcpRun) tcpVerdict {
				track(run.ctx, a, session, false)
				return tcpContinue
			}
		})
		for _, set := range httpSets {
			compileInstantAction(set, name, func(r *config.HTTPRule) ruleFunc {
				a := r.Args.(*config.TrackAction)
				onResponse := r.Set == config.HTTPResponseRules
				return func(s *httpStream) (ruleVerdict, bool) {
					// track counts the request on the new entry; a
					// response's error or failure counts here.
					e := track(&s.ctx, a, false, true)
					if e == nil {
						return ruleContinue, false
					}
					if onResponse && s.ctx.Resp != nil {
						countStatusOn(e, s.ctx.Resp.StatusCode())
					}
					return ruleContinue, false
				}
			})
		}
	}
	for _, name := range []string{"sc-inc-gpc0", "sc-inc-gpc1", "sc-inc-gpc", "sc-set-gpt0", "sc-set-gpt", "sc-add-gpc"} {
		compileTCPAction(name, tcpAllSets, func(r *config.HTTPRule) tcpRuleFunc {
			a := r.Args.(*config.CounterAction)
			return func(run *tcpRun) tcpVerdict {
				runCounter(run.ctx, a)
				return tcpContinue
			}
		})
		for _, set := range httpSets {
			compileInstantAction(set, name, func(r *config.HTTPRule) ruleFunc {
				a := r.Args.(*config.CounterAction)
				return func(s *httpStream) (ruleVerdict, bool) {
					runCounter(&s.ctx, a)
					return ruleContinue, false
				}
			})
		}
	}
}
