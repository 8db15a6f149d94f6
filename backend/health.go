package backend

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/check"
)

// OpState is a server's operational state, as haproxy's SRV_ST_*.
type OpState uint8

const (
	Running  OpState = iota // up
	Starting                // up, weight ramping up (slowstart)
	Stopping                // up but taking no new traffic (NOLB: disable-on-404, agent drain…)
	Stopped                 // down
)

var opStateNames = [...]string{Running: "UP", Starting: "UP", Stopping: "NOLB", Stopped: "DOWN"}

func (s OpState) String() string { return opStateNames[s] }

// Admin is a server's administrative state: flags an operator or the
// configuration set, which override what checks find.
type Admin uint8

const (
	AdminMaint Admin = 1 << iota // maintenance: no traffic, no checks (`disabled`, `set server … state maint`)
	AdminDrain                   // no new traffic except persistent (`set server … state drain`, agent `drain`)
)

// Syslog levels of the state-change messages, as haproxy sends them.
const (
	LevelEmerg  = 0
	LevelAlert  = 1
	LevelNotice = 5
	LevelInfo   = 6
)

// CheckSettings are a server's health-check settings (`check` and the
// options that go with it).
type CheckSettings struct {
	Rules     Prober
	Addr      string // where checks connect: the server's address, or `addr`/`port`
	SendProxy bool   // check-send-proxy

	Inter, FastInter, DownInter time.Duration
	Rise, Fall                  int
	// ConnectTimeout and ReadTimeout are haproxy's: with `timeout check`,
	// connect within min(timeout connect, inter) then read within
	// timeout check; without, inter bounds the whole check.
	ConnectTimeout, ReadTimeout time.Duration
	// Timeout bounds the whole check (0: none).
	Timeout time.Duration
}

// Prober runs one check: a compiled rule set (check.Ruleset).
type Prober interface {
	Run(ctx context.Context, t *check.Target) check.Result
	SendsState() bool
}

// health is a server's check state, guarded by Server.mu.
type health struct {
	// n is haproxy's check->health: 0..rise+fall-1, up from rise.
	n          int
	last       check.Result // the last check's result (INI before any)
	lastChange time.Time
	running    *checker // the check goroutine, nil when not checked
}

// checker runs a server's checks until stopped.
type checker struct {
	stop context.CancelFunc
	wake chan struct{} // settings changed: reschedule now
	done chan struct{}
}

// State returns the server's operational and administrative state.
func (s *Server) State() (OpState, Admin) {
	v := s.state.Load()
	return OpState(v & 0xff), Admin(v >> 8)
}

func (s *Server) setState(op OpState, adm Admin) {
	s.state.Store(uint32(op) | uint32(adm)<<8)
}

// Usable says whether the server takes new traffic: up, not in
// maintenance or drain, with a weight.
func (s *Server) Usable() bool {
	op, adm := s.State()
	return (op == Running || op == Starting) && adm&(AdminMaint|AdminDrain) == 0 && s.Settings().Weight > 0
}

// Up says whether the server may take traffic for persistent clients:
// not down and not in maintenance.
func (s *Server) Up() bool {
	op, adm := s.State()
	return op != Stopped && adm&AdminMaint == 0
}

// LastCheck returns the last check's result and the health counter as
// haproxy's stats show it ("2/3").
func (s *Server) LastCheck() (check.Result, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.health.last, s.health.n
}

// LastChange returns when the server last changed state.
func (s *Server) LastChange() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.health.lastChange
}

// checkResult applies one check's result to the server's health, as
// haproxy's set_server_check_status and check_notify_*: failures count
// down to 0 (and any failure below `rise` means down at once, so a
// freshly started server, at `rise`, falls at its first failure);
// successes count up, and reaching `rise` means up again at full health.
func (s *Server) checkResult(res check.Result) {
	set := s.Settings()
	cs := set.Check
	if cs == nil {
		return
	}
	s.mu.Lock()
	prev := s.health.last.Status
	s.health.last = res
	report := false
	full := cs.Rise + cs.Fall - 1
	out := res.Status.Outcome()
	switch out {
	case check.Failed:
		if s.health.n > 0 {
			s.FailedChecks.Add(1)
			report = true
			s.health.n--
			if s.health.n < cs.Rise {
				s.health.n = 0
			}
		}
	case check.Passed, check.CondPass:
		if s.health.n < full {
			report = true
			s.health.n++
			if s.health.n >= cs.Rise {
				s.health.n = full
			}
		}
	}
	n := s.health.n
	s.mu.Unlock()
	b := s.be
	if b.set().LogHealthChecks && (res.Status != prev || report) && out != check.Neutral {
		b.logHealth(s, set, res, n, cs)
	}
	// With log-health-checks the state line leaves the reason out: the
	// health line just said it.
	reason := &res
	if b.set().LogHealthChecks {
		reason = nil
	}
	switch {
	case out == check.Failed && n == 0:
		s.transition(Stopped, reason)
	case out == check.Passed && n >= cs.Rise:
		s.transition(Running, reason)
	case out == check.CondPass && n >= cs.Rise:
		s.transition(Stopping, reason)
	}
}

// logHealth sends the line `option log-health-checks` asks for after a
// check whose result or counter changed.
func (b *Backend) logHealth(s *Server, set *ServerSettings, res check.Result, n int, cs *CheckSettings) {
	var m strings.Builder
	backup := ""
	if set.Backup {
		backup = "backup "
	}
	cond, verdict := "", "failed"
	switch res.Status.Outcome() {
	case check.CondPass:
		cond, verdict = "conditionally ", "succeeded"
	case check.Passed:
		verdict = "succeeded"
	}
	fmt.Fprintf(&m, "Health check for %sserver %s/%s %s%s", backup, b.Name, s.Name, cond, verdict)
	appendReason(&m, &res)
	if n >= cs.Rise {
		word := "UP"
		if set.Weight == 0 {
			word = "DRAIN"
		}
		fmt.Fprintf(&m, ", status: %d/%d %s", n-cs.Rise+1, cs.Fall, word)
	} else {
		fmt.Fprintf(&m, ", status: %d/%d DOWN", n, cs.Rise)
	}
	m.WriteByte('.')
	b.log(LevelNotice, m.String())
}

// appendReason writes haproxy's ", reason: …, code: …, info: "…", check
// duration: …ms" for a check result.
func appendReason(m *strings.Builder, res *check.Result) {
	fmt.Fprintf(m, ", reason: %s", res.Status.Description())
	if res.Status.HasCode() {
		fmt.Fprintf(m, ", code: %d", res.Code)
	}
	if res.Desc != "" {
		m.WriteString(`, info: "`)
		m.WriteString(check.LogDesc(res.Desc))
		m.WriteByte('"')
	}
	fmt.Fprintf(m, ", check duration: %dms", res.Duration.Milliseconds())
}

// transition moves the server to op, unless it is in maintenance or
// already there, rebuilds the backend's balancer and logs the change in
// haproxy's words. reason is the check that caused it (nil: none to give).
func (s *Server) transition(op OpState, reason *check.Result) {
	b := s.be
	b.mu.Lock()
	cur, adm := s.State()
	if adm&AdminMaint != 0 || cur == op || op == Running && cur == Starting {
		b.mu.Unlock()
		return
	}
	prevCount := b.act + b.bck
	s.setState(op, adm)
	s.mu.Lock()
	s.health.lastChange = time.Now()
	s.mu.Unlock()
	if op == Stopped {
		s.DownTrans.Add(1)
	}
	b.rebuild()
	act, bck := b.act, b.bck
	b.mu.Unlock()
	var xferred int
	if op == Running {
		b.qmu.Lock()
		xferred = b.dispatch(s)
		b.qmu.Unlock()
	} else {
		xferred = b.redistribute(s)
	}

	set := s.Settings()
	var m strings.Builder
	if set.Backup {
		m.WriteString("Backup ")
	}
	verb := map[OpState]string{Running: "UP", Stopping: "stopping", Stopped: "DOWN"}[op]
	fmt.Fprintf(&m, "Server %s/%s is %s", b.Name, s.Name, verb)
	if reason != nil {
		appendReason(&m, reason)
	}
	onBackup := ""
	if bck > 0 && act == 0 {
		onBackup = " Running on backup."
	}
	level := LevelNotice
	if op == Stopped {
		fmt.Fprintf(&m, ". %d active and %d backup servers left.%s %d sessions active, %d requeued, %d remaining in queue.",
			act, bck, onBackup, s.Cur.Load(), xferred, s.QueueLen())
		if cur != Stopping && adm&AdminDrain == 0 {
			level = LevelAlert
		}
	} else {
		fmt.Fprintf(&m, ". %d active and %d backup servers online.%s %d sessions requeued, %d total in queue.",
			act, bck, onBackup, xferred, s.QueueLen())
	}
	b.log(level, m.String())
	if prevCount > 0 && act+bck == 0 {
		b.log(LevelEmerg, b.set().Kind+" "+b.Name+" has no server available!")
	}
}

// startChecks starts the server's check goroutine, first running after
// delay, unless one runs. reg tracks it for shutdown.
func (s *Server) startChecks(delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.health.running != nil {
		select {
		case s.health.running.wake <- struct{}{}:
		default:
		}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checker{stop: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.health.running = c
	go s.runChecks(ctx, c, delay)
}

// stopChecks stops the server's check goroutine, if any, and waits for it.
func (s *Server) stopChecks() {
	s.mu.Lock()
	c := s.health.running
	s.health.running = nil
	s.mu.Unlock()
	if c != nil {
		c.stop()
		<-c.done
	}
}

func (s *Server) runChecks(ctx context.Context, c *checker, delay time.Duration) {
	defer close(c.done)
	t := time.NewTimer(delay)
	defer t.Stop()
	last := time.Now().Add(delay - s.interval()) // as if a check had run one interval before the first
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
			// New settings: the next check is due one new interval
			// after the last, so frequent reloads do not hold it back.
			t.Stop()
			t.Reset(time.Until(last.Add(s.interval())))
			continue
		case <-t.C:
		}
		last = time.Now()
		set := s.Settings()
		if cs := set.Check; cs != nil {
			if _, adm := s.State(); adm&AdminMaint == 0 {
				res := s.runCheck(ctx, cs)
				if ctx.Err() != nil {
					return // stopped: the check was cut short, it says nothing
				}
				s.checkResult(res)
				if res.Twice {
					// haproxy reports these checks twice (mysql,
					// ldap): the counter moves twice, the second
					// report without the description.
					res.Desc = ""
					s.checkResult(res)
				}
			}
		}
		t.Reset(s.interval() + s.be.reg.spread(s.interval()))
	}
}

// runCheck runs one check with the server's current settings.
func (s *Server) runCheck(ctx context.Context, cs *CheckSettings) check.Result {
	op, _ := s.State()
	t := &check.Target{Addr: cs.Addr, ConnectTimeout: cs.ConnectTimeout, ReadTimeout: cs.ReadTimeout,
		SendProxy: cs.SendProxy, Backend: s.be.Name, Server: s.Name,
		Down: op == Stopped} // a down server gets no conditional pass (disable-on-404)
	if cs.Rules.SendsState() {
		t.State = s.sendState(cs)
	}
	if cs.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cs.Timeout)
		defer cancel()
	}
	return cs.Rules.Run(ctx, t)
}

// sendState is what `http-check send-state` tells the server of itself.
func (s *Server) sendState(cs *CheckSettings) check.SendState {
	s.mu.Lock()
	n := s.health.n
	s.mu.Unlock()
	op, adm := s.State()
	var up string
	switch {
	case adm&AdminMaint != 0:
		up = "MAINT"
	case n < cs.Rise:
		up = "DOWN " + strconv.Itoa(n) + "/" + strconv.Itoa(cs.Rise)
	case op == Stopping || adm&AdminDrain != 0:
		up = "NOLB " + strconv.Itoa(n-cs.Rise+1) + "/" + strconv.Itoa(cs.Fall)
	default:
		up = "UP " + strconv.Itoa(n-cs.Rise+1) + "/" + strconv.Itoa(cs.Fall)
	}
	b := s.be
	b.mu.Lock()
	act, bck, tot := b.act, b.bck, b.totWeight
	b.mu.Unlock()
	set := s.Settings()
	host, port, _ := net.SplitHostPort(set.Addr)
	return check.SendState{Up: up, Weight: set.Weight, TotalWeight: tot, Active: act, Backup: bck,
		Sessions: int(s.Cur.Load()), Queue: s.QueueLen(), Address: host, Port: port,
		Node: b.reg.node.Load().(string), BackendSessions: b.Conns() - b.Queued()}
}

// interval is haproxy's srv_getinter: inter at full health, downinter
// when down, fastinter in between (each falling back to inter).
func (s *Server) interval() time.Duration {
	cs := s.Settings().Check
	if cs == nil {
		return time.Second
	}
	s.mu.Lock()
	n := s.health.n
	s.mu.Unlock()
	op, _ := s.State()
	switch {
	case n == cs.Rise+cs.Fall-1:
		return cs.Inter
	case op == Stopped && n == 0 && cs.DownInter > 0:
		return cs.DownInter
	case op != Stopped || n != 0:
		if cs.FastInter > 0 {
			return cs.FastInter
		}
	}
	return cs.Inter
}

// spreader adds `spread-checks`' random jitter to intervals.
type spreader struct {
	pct atomic.Int32
}

// spread returns a random offset within ±pct% of inter.
func (sp *spreader) spread(inter time.Duration) time.Duration {
	pct := sp.pct.Load()
	if pct <= 0 {
		return 0
	}
	r := int64(inter) * int64(pct) / 100
	if r <= 0 {
		return 0
	}
	return time.Duration(r - rand.Int64N(2*r+1))
}

// stopAll stops every check goroutine of servers (the process stops).
func stopAll(servers []*Server) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stopChecks()
		}()
	}
	wg.Wait()
}
