package proxy

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/counters"
	"switchyard/ssl"
	"switchyard/stick"
)

// State is what outlives snapshots: the backends and servers (their
// counters, connection pools, health and balancers, kept by the backend
// package's registry) and the frontends' connection slots. A new snapshot
// finds its pieces here by name.
type State struct {
	pools    *backend.Pools // every server's idle pool, and the descriptor budget
	registry *backend.Registry
	log      *slog.Logger // the process's log, for server state changes
	mu       sync.Mutex
	controls map[string]*feControl
	counters map[string]*feCounters
	errSnaps errorSnapshots // show errors (errsnap.go)
	// tables are the stick tables, by name, with what they counted.
	tables *stick.Registry
}

// feCounters are a frontend's counters that outlive snapshots.
type feCounters = counters.FE

// newState returns an empty registry whose state messages also go to log.
func newState(log *slog.Logger) *State {
	pools := backend.NewPools()
	return &State{pools: pools, registry: backend.NewRegistry(pools), log: log, controls: map[string]*feControl{}, counters: map[string]*feCounters{},
		tables: stick.NewRegistry()}
}

// staged is the state a snapshot being built will use. Nothing in it is
// visible, and nothing running is touched, until commit: a configuration
// that fails to apply leaves the running state as it was.
type staged struct {
	st       *State
	backends *backend.Stage
	// slots are the frontends' semaphores to put in force at commit.
	slots    map[*feControl]*semaphore
	controls map[string]*feControl
	counters map[string]*feCounters
	tables   *stick.Stage
}

func (st *State) stage() *staged {
	return &staged{st: st, backends: st.registry.Stage(), slots: map[*feControl]*semaphore{},
		controls: map[string]*feControl{}, counters: map[string]*feCounters{}, tables: st.tables.Stage()}
}

// backend stages the long-lived state of a backend section and its servers.
func (g *staged) backend(px *config.Proxy, gl *config.Global, algo backend.Algorithm, fullConn int) (*backend.Backend, []*backend.Server, error) {
	rules, err := checkRules(px)
	if err != nil {
		return nil, nil, err
	}
	sets := make([]backend.ServerSettings, len(px.Servers))
	for i, sc := range px.Servers {
		sets[i] = serverSettings(px, sc, rules)
	}
	b, servers, err := g.backends.Backend(px.Name, g.backendSettings(px, gl, algo, fullConn), sets)
	for i, s := range servers {
		if t := sets[i].TLS; t != nil && !t.NoReuse {
			// The sessions outlive the snapshot, with the server; they
			// are kept by the client certificate presented, which the
			// runtime API may replace.
			t.Config.ClientSessionCache = ssl.SessionCache(s.SessionCache(), px.Servers[i].TLS.Ref)
		}
	}
	return b, servers, err
}

// frontendSlots stages the maxconn semaphore of a frontend (nil:
// unlimited), put in force at commit.
func (g *staged) frontendSlots(c *feControl, n int) {
	g.slots[c] = c.slotsFor(n)
}

// frontendCounters returns the long-lived counters of a frontend, or of
// a listener ("frontend\x00bind key").
func (g *staged) frontendCounters(name string) *feCounters {
	g.st.mu.Lock()
	c := g.st.counters[name]
	g.st.mu.Unlock()
	if c == nil {
		c = &feCounters{}
	}
	g.counters[name] = c
	return c
}

// commit makes the staged state current.
func (g *staged) commit() {
	g.st.mu.Lock()
	g.st.controls, g.st.counters = g.controls, g.counters
	g.st.mu.Unlock()
	for c, s := range g.slots {
		c.slots.Store(s)
	}
	g.backends.Commit()
	g.tables.Commit()
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
