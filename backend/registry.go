package backend

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/counters"
	"switchyard/sample"
)

// Registry is the state of every backend and server that outlives a
// configuration: a reload finds its servers here by "backend/server" name
// and its backends by name, so counters, connections, pools, health and the
// balancer's position carry over. Changes are staged and committed, so a
// configuration that fails to apply leaves the running state untouched.
type Registry struct {
	pools *Pools
	spreader
	node atomic.Value // string: the global `node` name, for send-state

	mu       sync.Mutex
	backends map[string]*Backend
	servers  map[string]*Server // "backend/server"

	// smu serialises the servers' state changes (checks, agents,
	// observe, slowstart steps, commits), which walk from a server to
	// those tracking it, across backends, as haproxy does under its
	// server locks. It is taken before any Backend.mu. These are rare
	// events; the data plane never takes it.
	smu sync.Mutex
	// clock is the time source of state changes and slowstart, after
	// the timer of slowstart steps (tests replace them before staging).
	clock func() time.Time
	after func(time.Duration, func()) *time.Timer

	// tls are the process's TLS counters (show info's Ssl* lines): the
	// registry outlives every snapshot, as they must.
	tls counters.TLSProcess
}

// TLS returns the process's TLS counters, which the frontends' handshakes
// and the servers' (traffic and checks) count in.
func (r *Registry) TLS() *counters.TLSProcess { return &r.tls }

// NewRegistry returns an empty registry whose pools count against pools'
// descriptor budget.
func NewRegistry(pools *Pools) *Registry {
	r := &Registry{pools: pools, backends: map[string]*Backend{}, servers: map[string]*Server{},
		clock: time.Now, after: time.AfterFunc}
	r.node.Store("")
	return r
}

// Pools returns the set of idle pools of the registry's servers.
func (r *Registry) Pools() *Pools { return r.pools }

// Server returns the running state of a server, or nil.
func (r *Registry) Server(backend, server string) *Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.servers[backend+"/"+server]
}

// BackendSettings are a backend's settings that its long-lived state uses.
type BackendSettings struct {
	Algo       Algorithm
	AllBackups bool // option allbackups: every usable backup server, not only the first
	// LogHealthChecks is `option log-health-checks`: a line for every
	// check whose result changed, and state lines without the reason.
	LogHealthChecks bool
	// Kind is how state messages name the section: "backend" or "proxy"
	// (a listen section).
	Kind string
	// FullConn is the backend load at which servers reach their maxconn
	// when they have a minconn (fullconn).
	FullConn int
	// Log receives the state-change messages ("Server be/s is DOWN…"),
	// with their syslog level; nil drops them.
	Log func(level int, msg string)
	// Dispatch ("host:port") and Transparent make a backend that does not
	// balance: what persistence does not send to a server goes to the
	// dispatch address, or to the address the client connected to
	// (implicit.go). Dispatch wins when both are set.
	Dispatch    string
	Transparent bool
}

// Backend is the long-lived state of one backend section: its servers as
// configured, and the balancer over those usable now, behind an atomic
// pointer so that a change of health or weight swaps it under running
// requests.
type Backend struct {
	Name string
	reg  *Registry

	lb       atomic.Pointer[lbView]
	settings atomic.Pointer[BackendSettings]
	// implicit is the server that takes what persistence does not bind
	// when the backend does not balance; nil when it does (implicit.go).
	implicit atomic.Pointer[Server]

	mu      sync.Mutex // serialises changes of what follows and rebuilds
	servers []*Server
	// act and bck count the usable active and backup servers (haproxy's
	// srv_act, srv_bck); totWeight is the weight of those in use.
	act, bck, totWeight int
	// up is whether a server was usable at the last rebuild; lastChange
	// when that last changed; downTotal the time spent without one.
	up         bool
	lastChange time.Time
	downTotal  time.Duration

	// Slots and queues (queue.go). limited says whether any server has
	// a maxconn: without, no lock is taken.
	limited atomic.Bool
	// C are the backend's counters. inflight counts the requests
	// assigned or waiting (haproxy's beconn), for its maximum.
	C        counters.BE
	inflight atomic.Int64
	qmu      sync.Mutex
	queue    fifo
}

func (b *Backend) set() *BackendSettings { return b.settings.Load() }

// log sends a state-change message to the backend's log.
func (b *Backend) log(level int, msg string) {
	if f := b.set().Log; f != nil {
		f(level, msg)
	}
}

// TotalWeight returns the weight of the servers in use (the stats'
// backend weight).
func (b *Backend) TotalWeight() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.totWeight
}

// Counts returns the number of usable active and backup servers.
func (b *Backend) Counts() (act, bck int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.act, b.bck
}

// lbView is a balancer and what it was built from, to tell whether a
// change needs a new one.
type lbView struct {
	Balancer
	algo    Algorithm
	members []Member
	usable  int // members with a weight
}

// rr returns the view's balancer if it is a roundrobin.
func (v *lbView) rr() (*roundRobin, bool) {
	if v == nil {
		return nil, false
	}
	rr, ok := v.Balancer.(*roundRobin)
	return rr, ok
}

// empty says whether no server can be picked.
func (v *lbView) empty() bool { return v.usable == 0 }

// Pick returns the server for a request, or nil when none is usable.
func (b *Backend) Pick(r sample.Request, src netip.Addr) *Server {
	return b.lb.Load().Pick(r, src)
}

// Servers returns the backend's servers in declaration order.
func (b *Backend) Servers() []*Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.servers
}

// members lists the servers as the balancer must see them now: a server
// that is not usable has weight 0; backup servers have theirs only when no
// active server is usable, and then, without `option allbackups`, only the
// first usable one. It counts the usable servers as it goes. b.mu is held.
func (b *Backend) members() []Member {
	ms := make([]Member, len(b.servers))
	b.act, b.bck, b.totWeight = 0, 0, 0
	for i, s := range b.servers {
		set := s.Settings()
		ms[i] = Member{Server: s, ID: set.ID}
		if !s.Usable() {
			continue
		}
		// The weight in force (an agent's), ramping during a
		// slowstart.
		ms[i].Weight, ms[i].EW = s.eweight(), s.eweight16(s.be.reg.clock())
		if set.Backup {
			b.bck++
		} else {
			b.act++
		}
	}
	all := b.set().AllBackups
	firstBackup := true
	for i := range ms {
		if !ms[i].Settings().Backup || ms[i].Weight == 0 {
			continue
		}
		if b.act > 0 || !all && !firstBackup {
			ms[i].Held, ms[i].Weight = ms[i].ew(), 0
		}
		firstBackup = false
	}
	if b.implicit.Load() != nil {
		return ms // no balancing: haproxy's total weight stays 0 (implicit.go)
	}
	for _, m := range ms {
		b.totWeight += m.Weight
	}
	return ms
}

// rebuild installs a balancer over the servers usable now, unless the one
// in force was built from the same members. b.mu is held.
func (b *Backend) rebuild() { b.rebuildLB(false) }

// rebuildLB is rebuild; reload says the change comes from a new
// configuration rather than from a server's state or weight, so that a
// roundrobin starts a new cycle, as a new haproxy process does, instead of
// adjusting the one in progress.
func (b *Backend) rebuildLB(reload bool) {
	ms := b.members()
	algo := b.set().Algo
	limited := false
	for _, m := range ms {
		mc, _ := m.Limits()
		limited = limited || mc > 0
	}
	b.limited.Store(limited)
	cur := b.lb.Load()
	if cur != nil && cur.algo == algo && slices.Equal(cur.members, ms) {
		return
	}
	var bal Balancer
	if rr, ok := cur.rr(); ok && cur.algo == algo && !reload {
		// haproxy adjusts its round robin in place: the order after
		// the change depends on where the cycle was.
		rr.update(ms)
		bal = rr
	} else {
		var err error
		if bal, err = NewBalancer(algo, ms); err != nil {
			// Stage validated the configured set; a runtime set differs
			// only in weights, which NewBalancer accepts in range.
			panic(fmt.Sprintf("backend %s: %v", b.Name, err))
		}
	}
	usable := 0
	for _, m := range ms {
		m.inLB.Store(m.Weight > 0)
		if m.Weight > 0 {
			usable++
		}
	}
	b.lb.Store(&lbView{Balancer: bal, algo: algo, members: ms, usable: usable})
	b.noteUsable(usable > 0)
}

// noteUsable follows the backend's own state, up while a server is
// usable, for its last change and its downtime (the stats' lastchg,
// downtime and chkdown). b.mu is held.
func (b *Backend) noteUsable(up bool) {
	now := b.reg.clock()
	if b.lastChange.IsZero() {
		// The state the backend is born in is no transition: haproxy
		// counts none for a backend without servers, or whose servers
		// all start disabled.
		b.lastChange, b.up = now, up
		return
	}
	if up == b.up {
		return
	}
	if !up {
		b.C.DownTrans.Add(1)
	} else {
		b.downTotal += now.Sub(b.lastChange)
	}
	b.up, b.lastChange = up, now
}

// LastChange returns when the backend last went up or down.
func (b *Backend) LastChange() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastChange
}

// Downtime returns the time the backend had no usable server.
func (b *Backend) Downtime() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.downTotal
	if !b.up {
		d += b.reg.clock().Sub(b.lastChange)
	}
	return d
}

// Stage is a configuration being applied: the backends and servers it
// names, attached to the running ones by name, not yet visible.
type Stage struct {
	r        *Registry
	backends map[string]*stagedBackend
	servers  map[string]*Server
	settings map[*Server]*ServerSettings
	spread   int
	node     string
}

type stagedBackend struct {
	b        *Backend
	set      BackendSettings
	servers  []*Server
	implicit *Server
	seq      int // the order in which the backend was staged
}

// Stage begins applying a configuration.
func (r *Registry) Stage() *Stage {
	return &Stage{r: r, backends: map[string]*stagedBackend{}, servers: map[string]*Server{}, settings: map[*Server]*ServerSettings{}}
}

// SpreadChecks sets `spread-checks`: each check interval varies randomly
// by up to pct percent either way.
func (g *Stage) SpreadChecks(pct int) { g.spread = pct }

// Node sets the global `node` name ("": the host name), which
// `http-check send-state` reports.
func (g *Stage) Node(name string) { g.node = name }

// Backend stages a backend and its servers, in declaration order, and
// returns their long-lived state. A server keeps its state when the running
// configuration has a server of that name at the same address; otherwise it
// starts fresh. Nothing running changes until Commit.
func (g *Stage) Backend(name string, set BackendSettings, servers []ServerSettings) (*Backend, []*Server, error) {
	g.r.mu.Lock()
	b := g.r.backends[name]
	old := make([]*Server, len(servers))
	for i, sc := range servers {
		old[i] = g.r.servers[name+"/"+sc.Name]
	}
	g.r.mu.Unlock()
	if b == nil {
		b = &Backend{Name: name, reg: g.r}
	}
	sb := &stagedBackend{b: b, set: set, servers: make([]*Server, len(servers)), seq: len(g.backends)}
	ms := make([]Member, len(servers))
	for i, sc := range servers {
		if cs := sc.Check; cs != nil && (cs.Rise < 1 || cs.Fall < 1 || cs.Inter <= 0 || cs.Rules == nil) {
			return nil, nil, fmt.Errorf("server %s: invalid check settings (rise %d, fall %d, inter %v)", sc.Name, cs.Rise, cs.Fall, cs.Inter)
		}
		if as := sc.Agent; as != nil && (as.Rise < 1 || as.Fall < 1 || as.Inter <= 0) {
			return nil, nil, fmt.Errorf("server %s: invalid agent settings (rise %d, fall %d, inter %v)", sc.Name, as.Rise, as.Fall, as.Inter)
		}
		s := old[i]
		if s != nil {
			if rt, ok := s.addr.keep(sc.Addr); ok {
				// The configuration still names the address a runtime
				// change replaced: the runtime one stays.
				servers[i].Addr = rt
				sc.Addr = rt
			}
			if s.Addr() == sc.Addr {
				// Also where checks connect, following the
				// address kept.
				s.keepCheckOverrides(&servers[i])
				s.keepSSLOverride(&servers[i])
			}
		}
		if s == nil || s.Addr() != sc.Addr {
			s = newServer(b, g.r.pools, &servers[i])
		}
		g.settings[s] = &servers[i]
		g.servers[name+"/"+sc.Name] = s
		sb.servers[i] = s
		ms[i] = Member{Server: s, ID: sc.ID, Weight: sc.Weight}
	}
	// Validate now, so that Commit cannot fail.
	if _, err := NewBalancer(set.Algo, ms); err != nil {
		return nil, nil, err
	}
	sb.implicit = g.stageImplicit(b, &set)
	g.backends[name] = sb
	return b, sb.servers, nil
}

// newServer returns the fresh state of a server: up, at the health of a
// server that falls at its first failed check (as haproxy starts one), or
// in maintenance when `disabled`.
func newServer(b *Backend, pools *Pools, set *ServerSettings) *Server {
	s := &Server{Name: set.Name, be: b, Pool: NewPool(pools, set.Pool)}
	s.set.Store(set)
	s.initState(set)
	s.health.lastChange = b.reg.clock()
	if set.Check != nil {
		s.health.n = set.Check.Rise
	}
	if set.Agent != nil {
		s.agent.n = set.Agent.Rise // up, but down at the first "down"
	}
	s.observe.Store(observeMode(set))
	if set.Disabled {
		// `disabled` in the configuration; a server added at runtime is
		// only in forced maintenance, as haproxy's dynamic servers.
		adm := AdminFMaint | AdminCMaint
		if set.Dynamic {
			adm = AdminFMaint
		}
		s.setState(Stopped, adm)
		s.health.n = 0
	}
	return s
}

// reconfigure installs a reloaded server's settings, adapting its state:
// `disabled` added or removed, checks or an agent added (the server stays
// up, at the health of a fresh one) or removed (what they held down comes
// back up), rise and fall changed (the counter keeps its side), a changed
// weight or maxconn replacing what an agent set, `track` changed (Commit
// then takes the tracked server's state).
func (s *Server) reconfigure(set *ServerSettings) {
	old := s.Settings()
	s.set.Store(set)
	s.Pool.SetSettings(set.Pool)
	if set.Weight != old.Weight {
		s.uweight.Store(int32(set.Weight))
	}
	if set.MaxConn != old.MaxConn || set.MinConn != old.MinConn {
		s.rtMaxConn.Store(-1)
	}
	s.observe.Store(observeMode(set))
	op, adm := s.State()
	if set.Disabled != old.Disabled {
		if set.Disabled {
			adm |= AdminFMaint | AdminCMaint
			op = Stopped
		} else {
			adm &^= AdminFMaint | AdminCMaint
			if set.Check == nil {
				op = Running
			}
		}
	}
	if set.Track != old.Track {
		// What the old tracked server passed on goes; the new one's
		// state comes with Commit's syncTracks.
		adm &^= AdminIMaint | AdminIDrain
		if adm&AdminMaint == 0 && set.Check == nil {
			op = Running
		}
	}
	s.mu.Lock()
	switch oc, nc := old.Check, set.Check; {
	case nc == nil:
		s.health.n = 0
		if oc != nil && adm&AdminMaint == 0 {
			op = Running
		}
	case oc == nil:
		s.health.n = nc.Rise
	case s.health.n >= oc.Rise:
		s.health.n = nc.Rise + nc.Fall - 1
	default:
		s.health.n = min(s.health.n, nc.Rise-1)
	}
	switch oa, na := old.Agent, set.Agent; {
	case na == nil:
		s.agent.n = 0
		// An agent that said "down" no longer holds the server.
		if oa != nil && adm&AdminMaint == 0 && (set.Check == nil || s.health.n >= set.Check.Rise) {
			op = Running
		}
	case oa == nil:
		s.agent.n = na.Rise
	case s.agent.n >= oa.Rise:
		s.agent.n = na.Rise + na.Fall - 1
	default:
		s.agent.n = min(s.agent.n, na.Rise-1)
	}
	s.mu.Unlock()
	s.setState(op, adm)
}

// Commit makes the staged configuration the running one: new settings are
// installed, balancers rebuilt where their servers changed, checks started
// for new checked servers (spread over their interval, so that a thousand
// servers are not probed at the same instant) and stopped for servers that
// left or lost their `check`, and the idle connections of servers that left
// are closed.
func (g *Stage) Commit() {
	g.r.mu.Lock()
	oldServers := g.r.servers
	g.r.servers = g.servers
	g.r.backends = make(map[string]*Backend, len(g.backends))
	for name, sb := range g.backends {
		g.r.backends[name] = sb.b
	}
	g.r.mu.Unlock()
	g.r.pct.Store(int32(g.spread))
	g.r.node.Store(g.node)
	g.r.smu.Lock()
	for s, set := range g.settings {
		if s.Settings() != set {
			s.reconfigure(set)
		}
	}
	g.linkTracks()
	g.syncTracks()
	for _, sb := range g.backends {
		setCuttable(sb.servers)
		sb.b.mu.Lock()
		set := sb.set
		sb.b.settings.Store(&set)
		sb.b.servers = sb.servers
		sb.b.implicit.Store(sb.implicit)
		sb.b.rebuildLB(true)
		servers := sb.b.servers
		sb.b.mu.Unlock()
		// Limits may have risen or gone: waiting requests take the
		// slots there are now.
		sb.b.qmu.Lock()
		for _, s := range servers {
			if s.inLB.Load() || s.queue.head != nil {
				sb.b.dispatch(s)
			}
		}
		sb.b.qmu.Unlock()
	}
	g.r.smu.Unlock()
	var gone []*Server
	for key, s := range oldServers {
		if g.servers[key] != s {
			s.Pool.CloseIdle()
			gone = append(gone, s)
		}
	}
	stopAll(gone)
	g.startChecks()
}

// startChecks starts the check and agent goroutines of the staged servers
// that need one and stops those no longer configured. New ones start
// spread over the shortest interval, in order (a server's check, then its
// agent), as haproxy spreads them at start-up; running ones are told to
// take their new settings.
func (g *Stage) startChecks() {
	type job struct {
		s     *Server
		agent bool
	}
	var fresh []job
	var unchecked, noAgent []*Server
	var minInter time.Duration
	for s := range g.settings {
		set := s.Settings()
		for _, agent := range []bool{false, true} {
			inter := time.Duration(0)
			switch {
			case !agent && set.Check != nil:
				inter = set.Check.Inter
			case agent && set.Agent != nil:
				inter = set.Agent.Inter
			case agent:
				noAgent = append(noAgent, s)
				continue
			default:
				unchecked = append(unchecked, s)
				continue
			}
			if s.ChecksDisabled(agent) {
				continue // `disable health|agent` holds across reloads
			}
			if s.running(agent) {
				s.startChecks(agent, 0) // a wake-up
				continue
			}
			fresh = append(fresh, job{s, agent})
			if minInter == 0 || inter < minInter {
				minInter = inter
			}
		}
	}
	stopLoops(unchecked, false)
	stopLoops(noAgent, true)
	// Declaration order (backends as staged, then their servers), as
	// haproxy's start_checks walks its proxies and their servers: the
	// first declared is checked at once, the others later. Tests (and
	// haproxy's reg-tests) count on a server declared late not being
	// checked yet while the first commands run.
	pos := map[*Server]int{}
	for _, sb := range g.backends {
		for i, s := range sb.servers {
			pos[s] = sb.seq<<20 | i
		}
	}
	slices.SortFunc(fresh, func(a, b job) int {
		if c := cmp.Compare(pos[a.s], pos[b.s]); c != 0 {
			return c
		}
		if a.agent == b.agent {
			return 0
		}
		if b.agent {
			return -1
		}
		return 1
	})
	for i, j := range fresh {
		j.s.startChecks(j.agent, minInter*time.Duration(i)/time.Duration(len(fresh)))
	}
}

// stopLoops stops the health checks (agent false) or agents of servers.
func stopLoops(servers []*Server, agent bool) {
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stopChecks(agent)
		}()
	}
	wg.Wait()
}

// Close stops every check.
func (r *Registry) Close() {
	r.mu.Lock()
	all := make([]*Server, 0, len(r.servers))
	for _, s := range r.servers {
		all = append(all, s)
	}
	r.mu.Unlock()
	stopAll(all)
}

// FullConn returns the backend's fullconn in force.
func (b *Backend) FullConn() int { return b.set().FullConn }
