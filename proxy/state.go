package proxy

import (
	"sync"

	"switchyard/backend"
	"switchyard/config"
)

// State is what outlives snapshots: server counters and connection pools,
// frontend connection slots. A new snapshot finds its pieces here by name, so
// a reload keeps a server's idle connections and counters.
type State struct {
	mu      sync.Mutex
	servers map[string]*backend.Server // "backend/server"
	slots   map[string]*semaphore
}

// NewState returns an empty registry.
func NewState() *State {
	return &State{servers: map[string]*backend.Server{}, slots: map[string]*semaphore{}}
}

// server returns the long-lived server for a server line, creating it or
// updating its settings. A server whose address changed gets a new pool:
// idle connections to the old address must not be reused.
func (st *State) server(be string, sc *config.Server) *backend.Server {
	st.mu.Lock()
	defer st.mu.Unlock()
	key := be + "/" + sc.Name
	old := st.servers[key]
	if old != nil && old.Addr == sc.Addr && old.ID == sc.ID && old.Weight == sc.Weight {
		return old
	}
	srv := &backend.Server{Name: sc.Name, ID: sc.ID, Addr: sc.Addr, Weight: sc.Weight, Pool: backend.NewPool()}
	if old != nil {
		// Counters carry over; only settings changed. In-flight requests
		// still hold the old server and decrement its Cur, so Cur restarts.
		srv.Total.Store(old.Total.Load())
		if old.Addr == sc.Addr {
			srv.Pool = old.Pool
		} else {
			old.Pool.CloseIdle()
		}
	}
	st.servers[key] = srv
	return srv
}

// frontendSlots returns the maxconn semaphore of a frontend (nil: unlimited).
func (st *State) frontendSlots(name string, n int) *semaphore {
	if n <= 0 {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if s := st.slots[name]; s != nil && s.size() == n {
		return s
	}
	s := newSemaphore(n)
	st.slots[name] = s
	return s
}

// semaphore bounds concurrent connections. A channel of empty structs costs
// no memory per slot, so a maxconn of 100000 is cheap.
type semaphore struct{ ch chan struct{} }

func newSemaphore(n int) *semaphore { return &semaphore{ch: make(chan struct{}, n)} }
func (s *semaphore) size() int      { return cap(s.ch) }
func (s *semaphore) release()       { <-s.ch }
