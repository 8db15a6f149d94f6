package backend

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/check"
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
}

// NewRegistry returns an empty registry whose pools count against pools'
// descriptor budget.
func NewRegistry(pools *Pools) *Registry {
	r := &Registry{pools: pools, backends: map[string]*Backend{}, servers: map[string]*Server{}}
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

	mu      sync.Mutex // serialises changes of what follows and rebuilds
	servers []*Server
	// act and bck count the usable active and backup servers (haproxy's
	// srv_act, srv_bck); totWeight is the weight of those in use.
	act, bck, totWeight int

	// Slots and queues (queue.go). limited says whether any server has
	// a maxconn: without, no lock is taken.
	limited atomic.Bool
	conns   atomic.Int64 // requests assigned or queued (beconn)
	// SessRate counts the sessions assigned per second, when rates are
	// counted (see CountRates).
	SessRate Rate
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
		ms[i].Weight = set.Weight
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
			ms[i].Weight = 0
		}
		firstBackup = false
	}
	for _, m := range ms {
		b.totWeight += m.Weight
	}
	return ms
}

// rebuild installs a balancer over the servers usable now, unless the one
// in force was built from the same members. b.mu is held.
func (b *Backend) rebuild() {
	ms := b.members()
	algo := b.set().Algo
	if cur := b.lb.Load(); cur != nil && cur.algo == algo && slices.Equal(cur.members, ms) {
		return
	}
	bal, err := NewBalancer(algo, ms)
	if err != nil {
		// Stage validated the configured set; a runtime set differs only
		// in weights, which NewBalancer accepts in range.
		panic(fmt.Sprintf("backend %s: %v", b.Name, err))
	}
	usable := 0
	limited := false
	for _, m := range ms {
		m.inLB.Store(m.Weight > 0)
		if m.Weight > 0 {
			usable++
		}
		limited = limited || m.Settings().MaxConn > 0
	}
	b.limited.Store(limited)
	b.lb.Store(&lbView{Balancer: bal, algo: algo, members: ms, usable: usable})
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
	b       *Backend
	set     BackendSettings
	servers []*Server
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
	sb := &stagedBackend{b: b, set: set, servers: make([]*Server, len(servers))}
	ms := make([]Member, len(servers))
	for i, sc := range servers {
		if cs := sc.Check; cs != nil && (cs.Rise < 1 || cs.Fall < 1 || cs.Inter <= 0 || cs.Rules == nil) {
			return nil, nil, fmt.Errorf("server %s: invalid check settings (rise %d, fall %d, inter %v)", sc.Name, cs.Rise, cs.Fall, cs.Inter)
		}
		s := old[i]
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
	g.backends[name] = sb
	return b, sb.servers, nil
}

// newServer returns the fresh state of a server: up, at the health of a
// server that falls at its first failed check (as haproxy starts one), or
// in maintenance when `disabled`.
func newServer(b *Backend, pools *Pools, set *ServerSettings) *Server {
	s := &Server{Name: set.Name, be: b, Pool: NewPool(pools, set.Pool)}
	s.set.Store(set)
	s.health.last.Status = check.StatusInit
	s.health.lastChange = time.Now()
	if set.Check != nil {
		s.health.n = set.Check.Rise
	}
	if set.Disabled {
		s.setState(Stopped, AdminMaint)
		s.health.n = 0
	}
	return s
}

// reconfigure installs a reloaded server's settings, adapting its state:
// `disabled` added or removed, checks added (the server stays up, at the
// health of a fresh one) or removed (the server is up again, nothing
// says otherwise), rise and fall changed (the counter keeps its side).
func (s *Server) reconfigure(set *ServerSettings) {
	old := s.Settings()
	s.set.Store(set)
	s.Pool.SetSettings(set.Pool)
	op, adm := s.State()
	if set.Disabled != old.Disabled {
		adm ^= AdminMaint
		if set.Disabled {
			op = Stopped
		} else if set.Check == nil {
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
	for s, set := range g.settings {
		if s.Settings() != set {
			s.reconfigure(set)
		}
	}
	for _, sb := range g.backends {
		sb.b.mu.Lock()
		set := sb.set
		sb.b.settings.Store(&set)
		sb.b.servers = sb.servers
		sb.b.rebuild()
		sb.b.mu.Unlock()
	}
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

// startChecks starts the check goroutines of the staged servers that need
// one and stops those of servers that no longer have `check`. New checks
// start spread over the shortest interval, in order, as haproxy spreads
// them at start-up; running ones are told to take their new settings.
func (g *Stage) startChecks() {
	var fresh, unchecked []*Server
	var minInter time.Duration
	for s := range g.settings {
		cs := s.Settings().Check
		if cs == nil {
			unchecked = append(unchecked, s)
			continue
		}
		s.mu.Lock()
		running := s.health.running != nil
		s.mu.Unlock()
		if running {
			s.startChecks(0) // a wake-up
			continue
		}
		fresh = append(fresh, s)
		if minInter == 0 || cs.Inter < minInter {
			minInter = cs.Inter
		}
	}
	stopAll(unchecked)
	// Declaration order, so that the spread is the same at every start.
	slices.SortFunc(fresh, func(a, b *Server) int {
		return strings.Compare(a.be.Name+"/"+a.Name, b.be.Name+"/"+b.Name)
	})
	for i, s := range fresh {
		s.startChecks(minInter * time.Duration(i) / time.Duration(len(fresh)))
	}
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
