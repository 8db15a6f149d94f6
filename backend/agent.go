package backend

import (
	"context"
	"time"

	"switchyard/check"
)

// AgentSettings are a server's `agent-check` settings. The agent runs
// beside the health check, in its own goroutine, with its own health
// counter; what it replies may set the server's weight, maxconn and
// administrative state, and its health words take the server down or let
// it up (see agentResult).
type AgentSettings struct {
	Send  string // agent-send: sent verbatim once connected ("": nothing)
	Inter time.Duration
	// Rise and Fall are the agent's, which haproxy sets to 1 and 1 with
	// no keyword to change them: one "up" is enough, one "down" too.
	Rise, Fall int
	// ConnectTimeout, ReadTimeout and Timeout are as CheckSettings',
	// with the agent's interval in place of inter.
	ConnectTimeout, ReadTimeout time.Duration
	Timeout                     time.Duration

	// probe replaces check.RunAgent in tests.
	probe func(ctx context.Context, t *check.Target, send string) check.AgentResult
}

// incompleteLine is the description package check gives an agent reply
// cut before its end of line: haproxy keeps the previous status then.
const incompleteLine = "Ignoring incomplete line from agent"

// staticWeightWarning is what haproxy answers a weight other than 0% and
// 100% when the algorithm cannot change weights at run time.
const staticWeightWarning = "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n"

// agentInterval is the agent's interval: haproxy's srv_getinter with no
// fastinter nor downinter (no keyword sets them for agents).
func (s *Server) agentInterval() time.Duration {
	if as := s.Settings().Agent; as != nil {
		return as.Inter
	}
	return time.Second
}

// runAgent asks the agent once and applies its reply. An agent runs in
// maintenance too: its "ready" is how a server leaves it.
func (s *Server) runAgent(ctx context.Context) {
	set := s.Settings()
	as := set.Agent
	if as == nil {
		return
	}
	t := &check.Target{Addr: set.AgentAddr(), ConnectTimeout: as.ConnectTimeout, ReadTimeout: as.ReadTimeout,
		Backend: s.be.Name, Server: s.Name}
	actx := ctx
	if as.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, as.Timeout)
		defer cancel()
	}
	run := check.RunAgent
	if as.probe != nil {
		run = as.probe
	}
	a := run(actx, t, as.Send)
	if ctx.Err() != nil {
		return // stopped: the check was cut short, it says nothing
	}
	s.agentResult(a)
}

// agentResult applies an agent's reply as haproxy's
// tcpcheck_agent_expect_reply and the end of process_chk_conn do: the
// administrative word first (drain, maint, ready: the forced flags, which
// the runtime API shares), then the weight and the maxconn, then the
// health word, which sets the agent's health (up: full, down, stopped,
// fail: 0) before the result is recorded and notified. A connection
// failure is recorded (and logged with log-health-checks) but changes
// nothing.
func (s *Server) agentResult(a check.AgentResult) {
	as := s.Settings().Agent
	if as == nil {
		return
	}
	reg := s.be.reg
	reg.smu.Lock()
	defer reg.smu.Unlock()
	if a.Result.Status == check.StatusUnknown && a.Result.Desc == incompleteLine {
		// haproxy reports the line with the status it had.
		s.mu.Lock()
		prev, last := s.agent.status, s.agent.last
		s.mu.Unlock()
		r := &result{key: prev, out: prev.outcome(), why: &reason{status: prev.description(), code: last.Code,
			hasCode: prev >= 0 && check.Status(prev).HasCode(), info: incompleteLine, duration: a.Result.Duration}}
		last.Desc, last.Duration = incompleteLine, a.Result.Duration
		r.res = &last
		s.setCheckStatus(true, r)
		s.notify(true, r)
		return
	}
	switch a.Admin {
	case check.AgentDrain:
		s.setAdmin(AdminFDrain, "")
		s.clrAdmin(AdminFMaint)
	case check.AgentMaint:
		s.setAdmin(AdminFMaint, "")
		s.clrAdmin(AdminFDrain)
	case check.AgentReady:
		s.clrAdmin(AdminFDrain)
		s.clrAdmin(AdminFMaint)
	}
	if a.Weight >= 0 {
		if msg := s.setWeightPercent(a.Weight); msg != "" {
			a.SetWeightWarning(msg)
		}
	}
	if a.MaxConn >= 0 {
		s.setMaxConn(a.MaxConn)
	}
	switch a.State {
	case check.AgentUp:
		s.mu.Lock()
		s.agent.n = as.Rise + as.Fall - 1
		s.mu.Unlock()
	case check.AgentDown, check.AgentStopped, check.AgentFail:
		s.mu.Lock()
		s.agent.n = 0
		s.mu.Unlock()
	}
	r := fromCheck(a.Result)
	if a.Result.Status == check.StatusUnknown {
		r.key, r.why.status = statusChecked, statusChecked.description()
	}
	s.setCheckStatus(true, r)
	s.notify(true, r)
}

// setWeightPercent sets the runtime weight to pct% of the configured one
// (at most 256), as server_parse_weight_change_request; it returns
// haproxy's complaint when the algorithm cannot take that weight.
func (s *Server) setWeightPercent(pct int) string {
	iw := s.Settings().Weight
	w := min(iw*pct/100, 256)
	if w != 0 && w != iw && !dynamicWeights(s.be.set().Algo) {
		return staticWeightWarning
	}
	s.uweight.Store(int32(w))
	op, adm := s.State()
	s.update(op, adm, nil, "") // server_recalc_eweight(sv, 1)
	return ""
}

// setMaxConn sets the runtime maxconn (see Limits) and lets queued
// requests take the slots it opened.
func (s *Server) setMaxConn(v int) {
	s.rtMaxConn.Store(int64(v))
	b := s.be
	b.mu.Lock()
	b.rebuild() // whether the backend has limited servers may change
	b.mu.Unlock()
	b.qmu.Lock()
	b.dispatch(s)
	b.qmu.Unlock()
}

// outcome is what a status means for the health.
func (k statusKey) outcome() check.Outcome {
	switch k {
	case statusChecked:
		return check.Neutral
	case statusHANA:
		return check.Failed
	}
	return check.Status(k).Outcome()
}

// description is the status as state lines name it.
func (k statusKey) description() string {
	switch k {
	case statusChecked:
		return "No status change"
	case statusHANA:
		return "Health analyze"
	}
	return check.Status(k).Description()
}
