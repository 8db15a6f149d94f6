package backend

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"switchyard/sample"
)

// Registry is the state of every backend and server that outlives a
// configuration: a reload finds its servers here by "backend/server" name
// and its backends by name, so counters, connections, pools, health and the
// balancer's position carry over. Changes are staged and committed, so a
// configuration that fails to apply leaves the running state untouched.
type Registry struct {
	pools *Pools

	mu       sync.Mutex
	backends map[string]*Backend
	servers  map[string]*Server // "backend/server"
}

// NewRegistry returns an empty registry whose pools count against pools'
// descriptor budget.
func NewRegistry(pools *Pools) *Registry {
	return &Registry{pools: pools, backends: map[string]*Backend{}, servers: map[string]*Server{}}
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
	Algo Algorithm
}

// Backend is the long-lived state of one backend section: its servers as
// configured, and the balancer over those usable now, behind an atomic
// pointer so that a change of health or weight swaps it under running
// requests.
type Backend struct {
	Name string

	lb atomic.Pointer[lbView]

	mu      sync.Mutex // serialises changes of what follows and rebuilds
	set     BackendSettings
	servers []*Server
}

// lbView is a balancer and what it was built from, to tell whether a
// change needs a new one.
type lbView struct {
	Balancer
	algo    Algorithm
	members []Member
}

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

// members lists the servers as the balancer must see them now. b.mu is held.
func (b *Backend) members() []Member {
	ms := make([]Member, len(b.servers))
	for i, s := range b.servers {
		set := s.Settings()
		ms[i] = Member{Server: s, ID: set.ID, Weight: set.Weight}
	}
	return ms
}

// rebuild installs a balancer over the servers usable now, unless the one
// in force was built from the same members. b.mu is held.
func (b *Backend) rebuild() {
	ms := b.members()
	if cur := b.lb.Load(); cur != nil && cur.algo == b.set.Algo && slices.Equal(cur.members, ms) {
		return
	}
	bal, err := NewBalancer(b.set.Algo, ms)
	if err != nil {
		// Stage validated the configured set; a runtime set differs only
		// in weights, which NewBalancer accepts in range.
		panic(fmt.Sprintf("backend %s: %v", b.Name, err))
	}
	b.lb.Store(&lbView{Balancer: bal, algo: b.set.Algo, members: ms})
}

// Stage is a configuration being applied: the backends and servers it
// names, attached to the running ones by name, not yet visible.
type Stage struct {
	r        *Registry
	backends map[string]*stagedBackend
	servers  map[string]*Server
	settings map[*Server]*ServerSettings
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
		b = &Backend{Name: name}
	}
	sb := &stagedBackend{b: b, set: set, servers: make([]*Server, len(servers))}
	ms := make([]Member, len(servers))
	for i, sc := range servers {
		s := old[i]
		if s == nil || s.Addr() != sc.Addr {
			s = &Server{Name: sc.Name, Pool: NewPool(g.r.pools, sc.Pool)}
			s.set.Store(&servers[i])
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

// Commit makes the staged configuration the running one: new settings are
// installed, balancers rebuilt where their servers changed, and the idle
// connections of servers that left are closed.
func (g *Stage) Commit() {
	g.r.mu.Lock()
	oldServers := g.r.servers
	g.r.servers = g.servers
	g.r.backends = make(map[string]*Backend, len(g.backends))
	for name, sb := range g.backends {
		g.r.backends[name] = sb.b
	}
	g.r.mu.Unlock()
	for s, set := range g.settings {
		s.set.Store(set)
		s.Pool.SetSettings(set.Pool)
	}
	for _, sb := range g.backends {
		sb.b.mu.Lock()
		sb.b.set, sb.b.servers = sb.set, sb.servers
		sb.b.rebuild()
		sb.b.mu.Unlock()
	}
	for key, s := range oldServers {
		if g.servers[key] != s {
			s.Pool.CloseIdle()
		}
	}
}
