package backend

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Changes an operator asks for (the runtime API, the stats page), as
// haproxy's CLI makes them: through the same state machine as the checks
// and agents, so that the logs, the balancer, the queues and the tracking
// servers follow.

// cliReason is how haproxy's state lines name a change made by an
// operator.
var cliReason = &reason{text: "changed from CLI", duration: -1}

// SetReady leaves forced maintenance and forced drain (srv_adm_set_ready).
func (s *Server) SetReady() {
	s.admin(func() {
		s.clrAdmin(AdminFMaint)
		s.clrAdmin(AdminFDrain)
	})
}

// SetDrain enters forced drain and leaves forced maintenance.
func (s *Server) SetDrain() {
	s.admin(func() {
		s.setAdmin(AdminFDrain, "")
		s.clrAdmin(AdminFMaint)
	})
}

// SetMaint enters forced maintenance and leaves forced drain.
func (s *Server) SetMaint() {
	s.admin(func() {
		s.setAdmin(AdminFMaint, "")
		s.clrAdmin(AdminFDrain)
	})
}

func (s *Server) admin(f func()) {
	reg := s.be.reg
	reg.smu.Lock()
	defer reg.smu.Unlock()
	f()
}

// ErrNoCheck is the answer to a change of a check the server does not run.
var ErrNoCheck = errors.New("no check")

// SetHealth forces the health check's verdict: "up" (full health,
// running), "stopping" (full health, NOLB) or "down" (health 0, stopped),
// as `set server B/S health`.
func (s *Server) SetHealth(state string) error {
	cs := s.Settings().Check
	if cs == nil {
		return ErrNoCheck
	}
	reg := s.be.reg
	reg.smu.Lock()
	defer reg.smu.Unlock()
	s.mu.Lock()
	switch state {
	case "up", "stopping":
		s.health.n = cs.Rise + cs.Fall - 1
	case "down":
		s.health.n = 0
	}
	s.mu.Unlock()
	switch state {
	case "up":
		s.setRunning(cliReason)
	case "stopping":
		s.setStopping(cliReason)
	case "down":
		s.setStopped(cliReason)
	}
	return nil
}

// SetAgent forces the agent's verdict: "up" or "down" (`set server B/S
// agent`).
func (s *Server) SetAgent(state string) error {
	as := s.Settings().Agent
	if as == nil {
		return ErrNoCheck
	}
	reg := s.be.reg
	reg.smu.Lock()
	defer reg.smu.Unlock()
	s.mu.Lock()
	if state == "up" {
		s.agent.n = as.Rise + as.Fall - 1
	} else {
		s.agent.n = 0
	}
	s.mu.Unlock()
	if state == "up" {
		if s.checksAllowUp() {
			s.setRunning(cliReason)
		}
		return nil
	}
	s.setStopped(cliReason)
	return nil
}

// SetWeight applies `set server B/S weight W[%]`: an absolute weight
// (0-256) or a percentage of the configured one. It returns haproxy's
// error text for a bad value or one the algorithm cannot take, and then
// changes nothing.
func (s *Server) SetWeight(arg string) error {
	iw := s.Settings().Weight
	if arg == "" {
		return errors.New("Require <weight> or <weight%>.\n")
	}
	n, rest := LeadingInt(arg)
	if len(rest) == len(arg) {
		return errors.New("Empty weight string empty or preceded by garbage")
	}
	w := n
	switch {
	case rest == "%":
		if n < 0 {
			return errors.New("Relative weight must be positive.\n")
		}
		w = iw * min(n, 25600) / 100
		w = min(w, 256)
	case n < 0 || n > 256:
		return errors.New("Absolute weight can only be between 0 and 256 inclusive.\n")
	case rest != "":
		return errors.New("Trailing garbage in weight string")
	}
	if w != 0 && w != iw && !dynamicWeights(s.be.set().Algo) {
		return errors.New("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n")
	}
	s.admin(func() {
		s.uweight.Store(int32(w))
		op, adm := s.State()
		s.update(op, adm, nil, "")
	})
	return nil
}

// LeadingInt reads a decimal integer at the start of s as strtol does
// (optional blanks and sign), returning it and what follows; rest == s
// when there is none.
func LeadingInt(s string) (n int, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<40 {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == start {
		return 0, s
	}
	if neg {
		n = -n
	}
	return n, s[i:]
}

// InitialWeight is the configured weight (`get weight`'s "initial").
func (s *Server) InitialWeight() int { return s.Settings().Weight }

// SetMaxConn changes the server's maxconn at runtime (`set maxconn
// server`); queued requests take the slots it opens.
func (s *Server) SetMaxConn(n int) {
	s.admin(func() { s.setMaxConn(n) })
}

// ChecksDisabled says whether an operator disabled the health check
// (agent false) or the agent.
func (s *Server) ChecksDisabled(agent bool) bool { return s.checksOff[b2i(agent)].Load() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DisableChecks stops the health check or the agent without changing the
// server's state (`disable health|agent`): it stays as it was until the
// checks are enabled again.
func (s *Server) DisableChecks(agent bool) {
	s.checksOff[b2i(agent)].Store(true)
	s.stopChecks(agent)
}

// EnableChecks resumes them; ErrNoCheck when none is configured.
func (s *Server) EnableChecks(agent bool) error {
	set := s.Settings()
	if agent && set.Agent == nil || !agent && set.Check == nil {
		return ErrNoCheck
	}
	s.checksOff[b2i(agent)].Store(false)
	s.startChecks(agent, 0)
	return nil
}

// Transitions returns how many times the server went up and down.
func (s *Server) Transitions() (up, down uint64) { return s.trans[0].Load(), s.trans[1].Load() }

// SavedState is a server's line of a server state file (`show servers
// state`), as haproxy's srv_state_srv_update applies it at start.
type SavedState struct {
	OpState      int   // SRV_ST_*: 0 stopped, 1 starting, 2 running, 3 stopping
	AdminState   Admin // the file's admin flags (only forced ones count)
	UWeight      int
	IWeight      int
	SinceChange  time.Duration
	CheckOff     bool // the health check was disabled at runtime
	AgentOff     bool
	HadCheckConf bool // the check was configured when the state was saved
	HadAgentConf bool
}

var stateFileReason = &reason{text: "changed from server-state after a reload", duration: -1}

// ApplySaved puts the server back in the state a file saved, as haproxy
// does: the operational state with its health, the forced maintenance or
// drain unless the configuration's `disabled` changed, checks disabled at
// runtime, and the runtime weight when the configured one is unchanged.
func (s *Server) ApplySaved(st SavedState) {
	set := s.Settings()
	s.applySaved(st, set)
	// Checks disabled at runtime stay so; stopped out of the state lock,
	// which a running check may be waiting for.
	if st.CheckOff && st.HadCheckConf && set.Check != nil {
		s.DisableChecks(false)
	}
	if st.AgentOff && st.HadAgentConf && set.Agent != nil {
		s.DisableChecks(true)
	}
}

func (s *Server) applySaved(st SavedState, set *ServerSettings) {
	reg := s.be.reg
	reg.smu.Lock()
	defer reg.smu.Unlock()
	rise, fall := 1, 1
	if cs := set.Check; cs != nil {
		rise, fall = cs.Rise, cs.Fall
	}
	setHealth := func(n int) {
		s.mu.Lock()
		s.health.n = n
		s.mu.Unlock()
	}
	switch st.OpState {
	case 0:
		setHealth(0)
		s.setStopped(stateFileReason)
	case 1, 2:
		setHealth(rise + fall - 1)
		s.setRunning(nil)
	case 3:
		if fall == 1 {
			setHealth(0)
			s.setStopped(stateFileReason)
			break
		}
		setHealth(rise)
		s.setStopping(stateFileReason)
	}
	cfgMaint := set.Disabled
	if st.AdminState&AdminCMaint != 0 != cfgMaint {
		// The configuration's `disabled` changed: it wins.
		if cfgMaint {
			s.setAdmin(AdminFMaint, "")
		} else {
			s.clrAdmin(AdminFMaint)
		}
	} else if st.AdminState&AdminFMaint != 0 && !cfgMaint {
		s.setAdmin(AdminFMaint, "")
	} else if st.AdminState&AdminFMaint == 0 && cfgMaint {
		s.clrAdmin(AdminFMaint)
	}
	if _, adm := s.State(); adm&AdminFMaint == 0 && st.AdminState&AdminFDrain != 0 && (st.IWeight > 0 || set.Weight == 0) {
		s.setAdmin(AdminFDrain, "")
	}
	s.mu.Lock()
	s.health.lastChange = s.now().Add(-st.SinceChange)
	s.mu.Unlock()
	if st.IWeight == set.Weight && st.UWeight != s.Weight() {
		s.uweight.Store(int32(st.UWeight))
		op, adm := s.State()
		s.update(op, adm, nil, "")
	}
}

// AcceptsDynamic says whether servers can be added to the backend at
// runtime: its balancing must let weights change (haproxy checks it
// before reading the rest of `add server`).
func (b *Backend) AcceptsDynamic() error {
	if !dynamicWeights(b.set().Algo) {
		return errors.New("Backend must use a dynamic load balancing to support dynamic servers.")
	}
	return nil
}

// AddServer adds a server to the backend at runtime (`add server`), in
// maintenance with its checks disabled, as haproxy creates dynamic
// servers: `enable server` and `enable health` put it in service. Its id
// is the first free one. A reload that does not name it removes it.
//
// With set.Track (resolved by the caller: a running server that is not
// dynamic), it joins the head of the tracked server's trackers, as
// haproxy's srv_apply_track, and follows that server's changes from then
// on; it does not take the server's present state (the tracked server's
// maintenance is not inherited, as in haproxy). The tracked server can no
// longer be deleted.
func (b *Backend) AddServer(set ServerSettings) (*Server, error) {
	if err := b.AcceptsDynamic(); err != nil {
		return nil, err
	}
	r := b.reg
	key := b.Name + "/" + set.Name
	r.mu.Lock()
	var tracked *Server
	if set.Track != "" {
		// Resolved by the caller; deleted since, it is no longer found.
		if tracked = r.servers[set.Track]; tracked == nil {
			r.mu.Unlock()
			_, name, _ := strings.Cut(set.Track, "/")
			return nil, fmt.Errorf("unable to find required server '%s' for tracking.\n", name)
		}
		// Pinned once the track resolves, even if the server is
		// refused below, as haproxy (srv_apply_track sets the flag
		// before the name is checked); under r.mu, where DelServer
		// looks last.
		tracked.MarkReferenced()
	}
	if r.servers[key] != nil {
		r.mu.Unlock()
		// An alert in haproxy, which ends it with a newline.
		return nil, errors.New("Already exists a server with the same name in backend.\n")
	}
	b.mu.Lock()
	used := map[int]bool{}
	for _, s := range b.servers {
		used[s.Settings().ID] = true
	}
	b.mu.Unlock()
	if set.ID == 0 {
		set.ID = 1
		for used[set.ID] {
			set.ID++
		}
	} else if used[set.ID] {
		r.mu.Unlock()
		return nil, fmt.Errorf("'id' %d is already used in backend", set.ID)
	}
	set.Disabled, set.Dynamic = true, true
	s := newServer(b, r.pools, &set)
	s.checksOff[0].Store(true)
	s.checksOff[1].Store(true)
	r.servers[key] = s
	r.mu.Unlock()
	r.smu.Lock()
	if tracked != nil {
		s.track.Store(tracked)
		l := append([]*Server{s}, tracked.trackerList()...)
		tracked.trackers.Store(&l)
	}
	b.mu.Lock()
	b.servers = append(slices.Clone(b.servers), s)
	setCuttable(b.servers)
	b.rebuild()
	b.mu.Unlock()
	r.smu.Unlock()
	return s, nil
}

var errReferenced = errors.New("This server cannot be removed at runtime due to other configuration elements pointing to it.")

// DelServer removes a server added or configured, at runtime (`del
// server`): it must be in maintenance, without connections or waiting
// requests, and no other server may track it, nor may a dynamic one have
// tracked it. A server that tracks another leaves that server's list.
func (b *Backend) DelServer(name string) error {
	r := b.reg
	key := b.Name + "/" + name
	r.mu.Lock()
	s := r.servers[key]
	r.mu.Unlock()
	if s == nil {
		return errors.New("No such server.")
	}
	if len(s.trackerList()) > 0 || s.Settings().Referenced || s.pinned.Load() {
		return errReferenced
	}
	if _, adm := s.State(); adm&AdminMaint == 0 {
		return errors.New("Only servers in maintenance mode can be deleted.")
	}
	if s.Cur.Load() > 0 || s.QueueLen() > 0 {
		return errors.New("Server still has connections attached to it, cannot remove it.")
	}
	r.mu.Lock()
	switch {
	case r.servers[key] != s:
		r.mu.Unlock()
		return errors.New("No such server.") // deleted meanwhile
	case s.pinned.Load():
		r.mu.Unlock()
		return errReferenced // add server … track pinned it meanwhile
	}
	delete(r.servers, key)
	r.mu.Unlock()
	r.smu.Lock()
	if t := s.track.Load(); t != nil {
		// Out of the tracked server's list: its changes pass on no more.
		l := slices.DeleteFunc(slices.Clone(t.trackerList()), func(o *Server) bool { return o == s })
		if len(l) == 0 {
			t.trackers.Store(nil)
		} else {
			t.trackers.Store(&l)
		}
	}
	b.mu.Lock()
	b.servers = slices.DeleteFunc(slices.Clone(b.servers), func(o *Server) bool { return o == s })
	b.rebuild()
	b.mu.Unlock()
	r.smu.Unlock()
	s.stopChecks(false)
	s.stopChecks(true)
	s.Pool.CloseIdle()
	return nil
}
