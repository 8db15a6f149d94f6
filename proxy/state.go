package proxy

import (
	"sync"
	"sync/atomic"

	"switchyard/backend"
	"switchyard/config"
)

// State is what outlives snapshots: server counters and connection pools,
// frontend connection slots. A new snapshot finds its pieces here by name, so
// a reload keeps a server's idle connections and counters.
type State struct {
	pools   *backend.Pools // every server's idle pool, and the descriptor budget
	mu      sync.Mutex
	servers map[string]*backend.Server // "backend/server"
	slots   map[string]*semaphore
}

// NewState returns an empty registry.
func NewState() *State {
	return &State{pools: backend.NewPools(), servers: map[string]*backend.Server{}, slots: map[string]*semaphore{}}
}

// staged is the state a snapshot being built will use. Nothing in it is
// visible, and nothing running is touched, until commit: a configuration
// that fails to apply leaves the running state as it was.
type staged struct {
	st       *State
	servers  map[string]*backend.Server
	slots    map[string]*semaphore
	poolSets []poolSet
}

// poolSet is the pool settings a staged server line asks for.
type poolSet struct {
	key string
	set backend.PoolSettings
}

func (st *State) stage() *staged {
	return &staged{st: st, servers: map[string]*backend.Server{}, slots: map[string]*semaphore{}}
}

// server returns the long-lived server for a server line: the running one
// when its settings are unchanged, otherwise a new one that keeps the
// running one's counters, and its pool if the address is the same.
func (g *staged) server(be string, sc *config.Server) *backend.Server {
	key := be + "/" + sc.Name
	g.st.mu.Lock()
	old := g.st.servers[key]
	g.st.mu.Unlock()
	// The pool's settings change when the configuration is applied (see
	// commit): until then the running configuration's apply.
	g.poolSets = append(g.poolSets, poolSet{key, sc.PoolSettings()})
	if old != nil && old.Addr == sc.Addr && old.ID == sc.ID && old.Weight == sc.Weight {
		g.servers[key] = old
		return old
	}
	srv := &backend.Server{Name: sc.Name, ID: sc.ID, Addr: sc.Addr, Weight: sc.Weight}
	if old != nil {
		// In-flight requests still hold the old server and decrement its
		// Cur, so Cur restarts from zero; totals carry over.
		srv.Total.Store(old.Total.Load())
		if old.Addr == sc.Addr {
			srv.Pool = old.Pool
		}
	}
	if srv.Pool == nil {
		srv.Pool = backend.NewPool(g.st.pools, sc.PoolSettings())
	}
	g.servers[key] = srv
	return srv
}

// frontendSlots returns the maxconn semaphore of a frontend (nil: unlimited).
func (g *staged) frontendSlots(name string, n int) *semaphore {
	if n <= 0 {
		return nil
	}
	g.st.mu.Lock()
	s := g.st.slots[name]
	g.st.mu.Unlock()
	if s == nil || s.size() != n {
		s = newSemaphore(n)
	}
	g.slots[name] = s
	return s
}

// commit makes the staged state current and closes the idle connections of
// pools no server uses any more.
func (g *staged) commit() {
	g.st.mu.Lock()
	old := g.st.servers
	g.st.servers, g.st.slots = g.servers, g.slots
	g.st.mu.Unlock()
	for _, ps := range g.poolSets {
		g.servers[ps.key].Pool.SetSettings(ps.set)
	}
	for key, srv := range old {
		if cur := g.servers[key]; cur == nil || cur.Pool != srv.Pool {
			srv.Pool.CloseIdle()
		}
	}
}

// semaphore bounds concurrent connections. A channel of empty structs costs
// no memory per slot, so a maxconn of 100000 is cheap.
type semaphore struct {
	ch chan struct{}
	// conns counts the connections holding a slot: the channel also
	// holds the slot each accept loop takes before it accepts.
	conns atomic.Int64
}

// current is the number of connections holding a slot (%ac, %fc).
func (s *semaphore) current() int {
	if s == nil {
		return 0
	}
	return int(s.conns.Load())
}

func newSemaphore(n int) *semaphore { return &semaphore{ch: make(chan struct{}, n)} }
func (s *semaphore) size() int      { return cap(s.ch) }
func (s *semaphore) release()       { <-s.ch }
