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

// Admin is a server's administrative state: flags an operator, an agent
// or the configuration set, which override what checks find. They are
// haproxy's SRV_ADMF_*: a flag says who set it, so that each party clears
// only its own (the agent's "ready" clears the forced flags, not the
// maintenance a tracked server passes on).
type Admin uint8

const (
	// AdminFMaint is forced maintenance: `disabled`, an agent's "maint",
	// the runtime API. No traffic, no health checks (agents go on).
	AdminFMaint Admin = 1 << iota
	// AdminIMaint is maintenance inherited from the tracked server.
	AdminIMaint
	// AdminCMaint says the maintenance came from `disabled` (set with
	// AdminFMaint, which is what counts).
	AdminCMaint
	// AdminFDrain is forced drain: an agent's "drain", the runtime API.
	// No new traffic except persistent.
	AdminFDrain
	// AdminIDrain is drain inherited from the tracked server.
	AdminIDrain
)

// Masks: a server is in maintenance or drain whoever set it.
const (
	AdminMaint = AdminFMaint | AdminIMaint
	AdminDrain = AdminFDrain | AdminIDrain
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
	SendProxy bool // check-send-proxy (a v2 LOCAL header when the server has send-proxy-v2)
	TLS       check.TLS

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

// checkState is one check's state as haproxy keeps it in struct check. A
// server has two: its health check (health) and its agent (agent).
// Guarded by Server.mu.
type checkState struct {
	// n is haproxy's check->health: 0..rise+fall-1, up from rise.
	n    int
	last check.Result // the last result (INI before any)
	// status is the last status as haproxy compares it to decide whether
	// log-health-checks reports a check: it also knows an agent reply
	// without a health word (CHECKED) and an `observe` verdict (HANA),
	// which package check has no status for.
	status  statusKey
	running *checker // the goroutine running the checks, nil when none
}

// health is the health check's state, and when the server last changed
// state. Guarded by Server.mu.
type health struct {
	checkState
	lastChange time.Time
}

// checker runs a server's checks (or its agent) until stopped.
type checker struct {
	stop context.CancelFunc
	wake chan struct{} // settings changed: reschedule now
	// hurry asks for the next check within the duration, if it is due
	// later (observe's fastinter).
	hurry chan time.Duration
	done  chan struct{}
}

func newChecker(cancel context.CancelFunc) *checker {
	return &checker{stop: cancel, wake: make(chan struct{}, 1), hurry: make(chan time.Duration, 1), done: make(chan struct{})}
}

// statusKey is a check status as haproxy's set_server_check_status
// compares them: package check's, and two it does not report.
type statusKey int16

const (
	statusChecked statusKey = -1 // an agent reply that changes no health (HCHK_STATUS_CHECKED)
	statusHANA    statusKey = -2 // observe found too many errors (HCHK_STATUS_HANA)
)

// reason is what a state line says of its cause, as haproxy's
// srv_append_status prints a check's result.
type reason struct {
	status   string // "Layer7 wrong status"
	code     int
	hasCode  bool
	info     string        // the check's description, escaped when printed
	duration time.Duration // < 0: not printed (HANA)
	text     string        // instead of all the above: the operator's words
}

func checkReason(res *check.Result) *reason {
	return &reason{status: res.Status.Description(), code: res.Code, hasCode: res.Status.HasCode(),
		info: res.Desc, duration: res.Duration}
}

// result is one finished check as the state machine sees it.
type result struct {
	key statusKey
	out check.Outcome
	why *reason
	res *check.Result // what LastCheck reports; nil: unchanged (HANA)
}

func fromCheck(res check.Result) *result {
	return &result{key: statusKey(res.Status), out: res.Status.Outcome(), why: checkReason(&res), res: &res}
}

// State returns the server's operational and administrative state.
func (s *Server) State() (OpState, Admin) {
	v := s.state.Load()
	return OpState(v & 0xff), Admin(v >> 8)
}

func (s *Server) setState(op OpState, adm Admin) {
	wasDown := s.down()
	prevOp, _ := s.State()
	s.state.Store(uint32(op) | uint32(adm)<<8)
	switch {
	case prevOp == Stopped && op != Stopped:
		s.trans[0].Add(1)
	case prevOp != Stopped && op == Stopped:
		s.trans[1].Add(1)
	}
	if isDown := s.down(); isDown != wasDown {
		now := s.now().UnixNano()
		if isDown {
			s.downSince.Store(now)
		} else if since := s.downSince.Swap(0); since != 0 {
			s.downTotal.Add(now - since)
		}
	}
}

// down says whether the server is down or in maintenance: the time it
// spends so is its downtime.
func (s *Server) down() bool {
	op, adm := s.State()
	return op == Stopped || adm&AdminMaint != 0
}

// now is the registry's clock (tests move it), or the wall clock for a
// server outside any registry.
func (s *Server) now() time.Time {
	if s.be != nil && s.be.reg != nil {
		return s.be.reg.clock()
	}
	return time.Now()
}

// Downtime returns the time the server has spent down or in maintenance
// (haproxy's srv_downtime).
func (s *Server) Downtime() time.Duration {
	d := s.downTotal.Load()
	if since := s.downSince.Load(); since != 0 {
		d += s.now().UnixNano() - since
	}
	return time.Duration(max(d, 0))
}

// Usable says whether the server takes new traffic: up, not in
// maintenance or drain, with a weight (haproxy's srv_willbe_usable).
func (s *Server) Usable() bool {
	op, adm := s.State()
	return (op == Running || op == Starting) && adm&(AdminMaint|AdminDrain) == 0 && s.uweight.Load() > 0
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

// LastAgent returns the agent check's last result and health counter.
func (s *Server) LastAgent() (check.Result, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agent.last, s.agent.n
}

// LastChange returns when the server last changed state.
func (s *Server) LastChange() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.health.lastChange
}

// checkResult applies one health check's result, as haproxy's
// set_server_check_status and check_notify_*: failures count down to 0
// (and any failure below `rise` means down at once, so a freshly started
// server, at `rise`, falls at its first failure); successes count up, and
// reaching `rise` means up again at full health.
func (s *Server) checkResult(res check.Result) {
	if s.Settings().Check == nil {
		return
	}
	s.be.reg.smu.Lock()
	defer s.be.reg.smu.Unlock()
	r := fromCheck(res)
	s.setCheckStatus(false, r)
	s.notify(false, r)
}

// riseFall returns the rise and fall of the health check or the agent.
func (s *Server) riseFall(agent bool) (rise, fall int) {
	set := s.Settings()
	switch {
	case agent && set.Agent != nil:
		return set.Agent.Rise, set.Agent.Fall
	case !agent && set.Check != nil:
		return set.Check.Rise, set.Check.Fall
	}
	return 1, 1
}

// checkOf returns the state of the health check or of the agent.
func (s *Server) checkOf(agent bool) *checkState {
	if agent {
		return &s.agent
	}
	return &s.health.checkState
}

// setCheckStatus records a check's result as haproxy's
// set_server_check_status: the health counter moves (an agent's failure
// to answer does not count: only its "down" does), and with
// log-health-checks a line says so when the status or the counter
// changed. reg.smu is held.
func (s *Server) setCheckStatus(agent bool, r *result) {
	rise, fall := s.riseFall(agent)
	c := s.checkOf(agent)
	s.mu.Lock()
	prev := c.status
	c.status = r.key
	if r.res != nil {
		c.last = *r.res
	}
	if r.out == check.Neutral {
		s.mu.Unlock()
		return // no change expected
	}
	report := false
	full := rise + fall - 1
	switch r.out {
	case check.Failed:
		if (!agent || r.key >= 0 && check.Status(r.key).HasCode()) && c.n > 0 {
			s.C.FailedChecks.Add(1)
			report = true
			c.n--
			if c.n < rise {
				c.n = 0
			}
		}
	case check.Passed, check.CondPass:
		if c.n < full {
			report = true
			c.n++
			if c.n >= rise {
				c.n = full
			}
		}
		// A passed check forgets the errors observe counted.
		s.errs.Store(0)
	}
	n := c.n
	s.mu.Unlock()
	if s.be.set().LogHealthChecks && (r.key != prev || report) {
		s.logCheck(agent, r, n, rise, fall)
	}
}

// logCheck sends the line `option log-health-checks` asks for after a
// check whose result or counter changed.
func (s *Server) logCheck(agent bool, r *result, n, rise, fall int) {
	var m strings.Builder
	kind := "Health"
	if agent {
		kind = "Agent"
	}
	backup := ""
	if s.Settings().Backup {
		backup = "backup "
	}
	cond, verdict := "", "failed"
	switch r.out {
	case check.CondPass:
		cond, verdict = "conditionally ", "succeeded"
	case check.Passed:
		verdict = "succeeded"
	}
	fmt.Fprintf(&m, "%s check for %sserver %s/%s %s%s", kind, backup, s.be.Name, s.Name, cond, verdict)
	appendReason(&m, r.why)
	if n >= rise {
		word := "UP"
		if s.uweight.Load() == 0 {
			word = "DRAIN"
		}
		fmt.Fprintf(&m, ", status: %d/%d %s", n-rise+1, fall, word)
	} else {
		fmt.Fprintf(&m, ", status: %d/%d DOWN", n, rise)
	}
	m.WriteByte('.')
	s.be.log(LevelNotice, m.String())
}

// appendReason writes haproxy's ", reason: …, code: …, info: "…", check
// duration: …ms".
func appendReason(m *strings.Builder, r *reason) {
	if r.text != "" {
		m.WriteString(", " + r.text) // an operator's change: "changed from CLI"
		return
	}
	fmt.Fprintf(m, ", reason: %s", r.status)
	if r.hasCode {
		fmt.Fprintf(m, ", code: %d", r.code)
	}
	if r.info != "" {
		m.WriteString(`, info: "`)
		m.WriteString(check.LogDesc(r.info))
		m.WriteByte('"')
	}
	if r.duration >= 0 {
		fmt.Fprintf(m, ", check duration: %dms", r.duration.Milliseconds())
	}
}

// notify acts on a finished check as the end of haproxy's
// process_chk_conn: a failure may take the server down, a success up.
// reg.smu is held.
func (s *Server) notify(agent bool, r *result) {
	switch r.out {
	case check.Failed:
		s.notifyFailure(agent, r)
	case check.CondPass:
		s.notifyStopping(agent, r)
	case check.Passed:
		s.notifySuccess(agent, r)
	}
}

// stateReason is the reason a state line gives for a check's verdict:
// none with log-health-checks (its own line said it) or for a tracking
// server (its line says "via").
func (s *Server) stateReason(r *result) *reason {
	if s.track.Load() != nil || s.be.set().LogHealthChecks {
		return nil
	}
	return r.why
}

// notifyFailure is haproxy's check_notify_failure: the server goes down
// when the check's health reached 0; an agent takes it down only when it
// said so (down, fail, stopped: L7STS), not when it could not be reached.
func (s *Server) notifyFailure(agent bool, r *result) {
	if agent && r.key != statusKey(check.StatusL7Status) {
		return
	}
	s.mu.Lock()
	n := s.checkOf(agent).n
	s.mu.Unlock()
	if n > 0 {
		return
	}
	s.setStopped(s.stateReason(r))
}

// checksAllowUp says whether neither the health check nor the agent nor
// the tracked server holds the server down.
func (s *Server) checksAllowUp() bool {
	if t := s.track.Load(); t != nil {
		if op, _ := t.State(); op == Stopped {
			return false
		}
	}
	set := s.Settings()
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs := set.Check; cs != nil && s.health.n < cs.Rise {
		return false
	}
	if as := set.Agent; as != nil && s.agent.n < as.Rise {
		return false
	}
	return true
}

// notifySuccess is haproxy's check_notify_success: the server is up
// unless in maintenance, tracking a down server, or held down by the
// other check. An agent's "up" does not end a NOLB a check asked for.
func (s *Server) notifySuccess(agent bool, r *result) {
	op, adm := s.State()
	if adm&AdminMaint != 0 || !s.checksAllowUp() || agent && op == Stopping {
		return
	}
	s.setRunning(s.stateReason(r))
}

// notifyStopping is haproxy's check_notify_stopping: a conditional pass
// (disable-on-404) takes an up server out of the balancer (NOLB).
func (s *Server) notifyStopping(agent bool, r *result) {
	_, adm := s.State()
	if agent || adm&AdminMaint != 0 || !s.checksAllowUp() {
		return
	}
	s.setStopping(s.stateReason(r))
}

// setStopped marks the server down, whatever its checks say, and the
// servers tracking it (haproxy's srv_set_stopped). why is the check that
// caused it (nil: none to give). reg.smu is held.
func (s *Server) setStopped(why *reason) {
	op, adm := s.State()
	if adm&AdminMaint != 0 || op == Stopped {
		return
	}
	s.update(Stopped, adm, why, "")
	for _, t := range s.trackerList() {
		t.setStopped(nil)
	}
}

// setRunning marks the server up (Starting when it has a slowstart) and
// the servers tracking it (srv_set_running).
func (s *Server) setRunning(why *reason) {
	op, adm := s.State()
	if adm&AdminMaint != 0 || op == Starting || op == Running {
		return
	}
	next := Running
	if s.Settings().SlowStart > 0 {
		next = Starting
	}
	s.update(next, adm, why, "")
	for _, t := range s.trackerList() {
		t.setRunning(nil)
	}
}

// setStopping marks the server NOLB and the servers tracking it
// (srv_set_stopping).
func (s *Server) setStopping(why *reason) {
	op, adm := s.State()
	if adm&AdminMaint != 0 || op == Stopping {
		return
	}
	s.update(Stopping, adm, why, "")
	for _, t := range s.trackerList() {
		t.setStopping(nil)
	}
}

// setAdmin sets one admin flag, and passes the inherited one on to the
// servers tracking this one unless they had it already through another
// flag (srv_set_admin_flag). cause, if not empty, ends the log lines in
// parentheses. reg.smu is held.
func (s *Server) setAdmin(mode Admin, cause string) {
	op, adm := s.State()
	if mode == 0 || adm&mode != 0 {
		return
	}
	s.update(op, adm|mode, nil, cause)
	if mode&AdminMaint != 0 && adm&AdminMaint != 0 || mode&AdminDrain != 0 && adm&AdminDrain != 0 {
		return
	}
	inherited := AdminIDrain
	if mode&AdminMaint != 0 {
		inherited = AdminIMaint
	}
	for _, t := range s.trackerList() {
		t.setAdmin(inherited, cause)
	}
}

// clrAdmin clears one admin flag, and the inherited one of the servers
// tracking this one once no flag of the kind is left (srv_clr_admin_flag).
func (s *Server) clrAdmin(mode Admin) {
	op, adm := s.State()
	if mode == 0 || adm&mode == 0 {
		return
	}
	next := adm &^ mode
	s.update(op, next, nil, "")
	if mode&AdminMaint != 0 && next&AdminMaint != 0 || mode&AdminDrain != 0 && next&AdminDrain != 0 {
		return
	}
	inherited := AdminIDrain
	if mode&AdminMaint != 0 {
		inherited = AdminIMaint
	}
	for _, t := range s.trackerList() {
		t.clrAdmin(inherited)
	}
}

// stateLine is a state-change message waiting for the counts it prints.
type stateLine struct {
	level int
	text  string
	// counts: the line ends with the servers left or online and the
	// sessions requeued (srv_append_status with xferred).
	counts bool
}

// update moves the server from its state to (nextOp, nextAdm) as
// haproxy's srv_update_status does: the operational change first (unless
// in maintenance), then the administrative one; the balancer is rebuilt,
// queued requests move, streams are cut where on-marked-down or
// on-marked-up ask for it, and each change is logged in haproxy's words.
// why is the operational change's cause (nil: none), cause the admin
// change's. reg.smu is held.
func (s *Server) update(nextOp OpState, nextAdm Admin, why *reason, cause string) {
	b := s.be
	set := s.Settings()
	now := b.reg.clock()
	name := b.Name + "/" + s.Name
	prefix := ""
	if set.Backup {
		prefix = "Backup "
	}
	if cause != "" {
		cause = " (" + cause + ")"
	}
	var lines []stateLine
	var kill, killBackups, requeue, grab, closeIdle, warm bool

	b.mu.Lock()
	curOp, curAdm := s.State()
	prevCount := b.act + b.bck
	wasStopping := curOp == Stopping || curAdm&AdminDrain != 0
	op := curOp
	changed := func() {
		s.mu.Lock()
		s.health.lastChange = now
		s.mu.Unlock()
	}
	if curAdm&AdminMaint == 0 {
		switch {
		case curOp != Stopped && nextOp == Stopped:
			op = Stopped
			changed()
			kill, requeue = set.OnMarkedDown, true
			level := LevelAlert
			if wasStopping {
				level = LevelNotice
			}
			lines = append(lines, stateLine{level, prefix + "Server " + name + " is DOWN" + s.status(why, false), true})
			s.C.DownTrans.Add(1)
		case curOp != Stopping && nextOp == Stopping:
			op = Stopping
			changed()
			requeue = true
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " is stopping" + s.status(why, false), true})
		case curOp != Running && nextOp == Running, curOp != Starting && nextOp == Starting:
			op = nextOp
			changed()
			warm = op == Starting
			killBackups = set.OnMarkedUp && !set.Backup
			grab = true
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " is UP" + s.status(why, false), true})
		}
	}
	switch {
	case curAdm&AdminMaint == 0 && nextAdm&AdminMaint != 0:
		s.mu.Lock()
		s.health.n = 0 // checks pause
		s.mu.Unlock()
		forced := nextAdm&AdminFMaint != 0
		if op == Stopped {
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " was DOWN and now enters maintenance" + cause + s.status(nil, forced), false})
		} else {
			op = Stopped
			changed()
			kill, closeIdle, requeue = set.OnMarkedDown, true, true
			level := LevelAlert
			if wasStopping {
				level = LevelNotice
			}
			lines = append(lines, stateLine{level, prefix + "Server " + name + " is going DOWN for maintenance" + cause + s.status(nil, forced), true})
			s.C.DownTrans.Add(1)
		}
	case curAdm&AdminMaint != 0 && nextAdm&AdminMaint == 0:
		// Leaving maintenance: up at once (the health check restarts
		// at rise, so that its first failure takes it down) unless the
		// agent or the tracked server says otherwise.
		if cs := set.Check; cs != nil {
			s.mu.Lock()
			s.health.n = cs.Rise
			s.mu.Unlock()
		}
		if s.checksAllowUp() {
			if t := s.track.Load(); t != nil && opOf(t) == Stopping {
				op = Stopping
			} else {
				changed()
				op = Running
				if set.SlowStart > 0 {
					op, warm = Starting, true
				}
			}
		}
		upDown, drain := "UP", "READY"
		if op == Stopped {
			upDown = "DOWN"
		}
		if nextAdm&AdminDrain != 0 {
			drain = "DRAIN"
		}
		text := ""
		if nextAdm&AdminFMaint == 0 && curAdm&AdminFMaint != 0 {
			text = prefix + "Server " + name + " is " + upDown + "/" + drain + " (leaving forced maintenance)"
		}
		if nextAdm&AdminIMaint == 0 && curAdm&AdminIMaint != 0 {
			text = prefix + "Server " + name + " is " + upDown + "/" + drain + " (leaving maintenance)"
		}
		lines = append(lines, stateLine{LevelNotice, text, false})
		killBackups = set.OnMarkedUp && !set.Backup
		grab = true
	case nextAdm&AdminMaint != 0:
		// Still in maintenance: say which flag went.
		if nextAdm&AdminFMaint == 0 && curAdm&AdminFMaint != 0 {
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " is leaving forced maintenance but remains in maintenance" + s.via(), false})
		} else if nextAdm&AdminIMaint == 0 && curAdm&AdminIMaint != 0 {
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " remains in forced maintenance", false})
		}
	}
	if nextAdm&AdminMaint == 0 {
		switch {
		case curAdm&AdminDrain == 0 && nextAdm&AdminDrain != 0:
			changed()
			requeue = true
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " enters drain state" + cause + s.status(nil, nextAdm&AdminFDrain != 0), true})
		case curAdm&AdminDrain != 0 && nextAdm&AdminDrain == 0:
			changed()
			upDown := "UP"
			if op == Stopped {
				upDown = "DOWN"
			}
			// haproxy says "forced" whichever flag it was.
			lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " is " + upDown + " (leaving forced drain)", false})
		case nextAdm&AdminDrain != 0:
			// haproxy says this at every update of a drained
			// server, whatever changed: so does switchyard.
			if nextAdm&AdminFDrain == 0 {
				lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " is leaving forced drain but remains in drain mode" + s.via(), false})
			} else {
				lines = append(lines, stateLine{LevelNotice, prefix + "Server " + name + " remains in forced drain mode", false})
			}
		}
	}
	s.setState(op, nextAdm)
	b.rebuild()
	act, bck := b.act, b.bck
	b.mu.Unlock()

	if warm {
		s.scheduleWarmup()
	}
	if kill {
		s.streams.cut(ErrServerDown)
	}
	if killBackups && s.eweight() > 0 {
		for _, o := range b.Servers() {
			if o.Settings().Backup {
				o.streams.cut(ErrServerUp)
			}
		}
	}
	if closeIdle {
		s.Pool.CloseIdle()
	}
	xferred := 0
	if requeue {
		xferred = b.redistribute(s)
	}
	if grab {
		b.qmu.Lock()
		xferred = b.dispatch(s)
		b.qmu.Unlock()
	}
	onBackup := ""
	if bck > 0 && act == 0 {
		onBackup = " Running on backup."
	}
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		msg := l.text
		if l.counts {
			if op == Stopped {
				msg += fmt.Sprintf(". %d active and %d backup servers left.%s %d sessions active, %d requeued, %d remaining in queue",
					act, bck, onBackup, s.Cur.Load(), xferred, s.QueueLen())
			} else {
				msg += fmt.Sprintf(". %d active and %d backup servers online.%s %d sessions requeued, %d total in queue",
					act, bck, onBackup, xferred, s.QueueLen())
			}
		}
		b.log(l.level, msg+".")
	}
	if prevCount > 0 && act+bck == 0 {
		b.log(LevelEmerg, b.set().Kind+" "+b.Name+" has no server available!")
	}
}

// status is what srv_append_status says of a change's cause: the check's
// result, or for a tracking server whose change was not forced on it,
// " via backend/server".
func (s *Server) status(why *reason, forced bool) string {
	if why != nil {
		var m strings.Builder
		appendReason(&m, why)
		return m.String()
	}
	if !forced {
		return s.via()
	}
	return ""
}

// via is " via backend/server" for a tracking server, "" otherwise.
func (s *Server) via() string {
	if t := s.track.Load(); t != nil {
		return " via " + t.be.Name + "/" + t.Name
	}
	return ""
}

func opOf(s *Server) OpState {
	op, _ := s.State()
	return op
}

// startChecks starts the server's health-check goroutine (agent false) or
// agent goroutine (agent true), first running after delay, unless one
// runs: that one is told to take the new settings.
func (s *Server) startChecks(agent bool, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.checkOf(agent)
	if cs.running != nil {
		select {
		case cs.running.wake <- struct{}{}:
		default:
		}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := newChecker(cancel)
	cs.running = c
	go s.runChecks(ctx, c, agent, delay)
}

// stopChecks stops the server's health-check or agent goroutine, if any,
// and waits for it.
func (s *Server) stopChecks(agent bool) {
	s.mu.Lock()
	cs := s.checkOf(agent)
	c := cs.running
	cs.running = nil
	s.mu.Unlock()
	if c != nil {
		c.stop()
		<-c.done
	}
}

// running says whether the health-check or agent goroutine runs.
func (s *Server) running(agent bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkOf(agent).running != nil
}

// hurry asks the health-check goroutine for its next check within d, if
// it planned it later (observe's on-error: fastinter).
func (s *Server) hurry(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.health.running; c != nil {
		select {
		case c.hurry <- d:
		default:
		}
	}
}

func (s *Server) runChecks(ctx context.Context, c *checker, agent bool, delay time.Duration) {
	defer close(c.done)
	interval := s.interval
	if agent {
		interval = s.agentInterval
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	due := time.Now().Add(delay)
	last := due.Add(-interval()) // as if a check had run one interval before the first
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
			// New settings: the next check is due one new interval
			// after the last, so frequent reloads do not hold it back.
			due = last.Add(interval())
			t.Reset(time.Until(due))
			continue
		case d := <-c.hurry:
			if time.Until(due) > d {
				due = time.Now().Add(d)
				t.Reset(d)
			}
			continue
		case <-t.C:
		}
		last = time.Now()
		if agent {
			s.runAgent(ctx)
		} else {
			s.runHealthCheck(ctx)
		}
		if ctx.Err() != nil {
			return // stopped: the check was cut short, it says nothing
		}
		next := interval() + s.be.reg.spread(interval())
		due = time.Now().Add(next)
		t.Reset(next)
	}
}

// runHealthCheck runs one health check, unless the server is in
// maintenance, and applies its result.
func (s *Server) runHealthCheck(ctx context.Context) {
	cs := s.Settings().Check
	if cs == nil {
		return
	}
	if _, adm := s.State(); adm&AdminMaint != 0 {
		return
	}
	res := s.runCheck(ctx, s.Settings(), cs)
	if ctx.Err() != nil {
		return
	}
	s.checkResult(res)
	if res.Twice {
		// haproxy reports these checks twice (mysql, ldap): the
		// counter moves twice, the second report without the
		// description.
		res.Desc = ""
		s.checkResult(res)
	}
}

// runCheck runs one check with the server's current settings.
// The server's PROXY and SOCKS4 settings serve its checks too: a check
// sends a v2 header when the server gets v2 ones, and goes through the
// server's SOCKS4 proxy with check-via-socks4 (or a connect via-socks4
// rule).
func (s *Server) runCheck(ctx context.Context, set *ServerSettings, cs *CheckSettings) check.Result {
	op, _ := s.State()
	t := &check.Target{Addr: set.CheckAddr(), ConnectTimeout: cs.ConnectTimeout, ReadTimeout: cs.ReadTimeout,
		SendProxy: cs.SendProxy, ProxyV2: set.SendProxy.V2, Socks4: set.Socks4.Proxy, ViaSocks4: set.Socks4.Checks, TLS: cs.TLS,
		Backend: s.be.Name, Server: s.Name, Counter: s,
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
	return check.SendState{Up: up, Weight: s.EWeight(), TotalWeight: tot, Active: act, Backup: bck,
		Sessions: int(s.Cur.Load()), Queue: s.QueueLen(), Address: host, Port: port,
		Node: b.reg.node.Load().(string), BackendSessions: b.Conns() - b.Queued(), Throttle: s.throttleRatio()}
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

// stopAll stops every check, agent and warmup of servers (they left, or
// the process stops).
func stopAll(servers []*Server) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stopChecks(false)
			s.stopChecks(true)
			s.stopWarmup()
		}()
	}
	wg.Wait()
}
