// Package backend holds the servers of each backend and what decides where a
// request goes: their settings, their long-lived state (connections,
// counters, pools), the load-balancing algorithms, and the registry that
// keeps that state across reloads.
package backend

import (
	"sync"
	"sync/atomic"
	"time"

	"switchyard/check"
)

// ServerSettings are one `server` line as configured. They are immutable:
// a reload that changes them installs a new value.
type ServerSettings struct {
	Name   string
	ID     int    // `id`, or the number haproxy gives the server (see config)
	Addr   string // host:port as dialled; port 0 means the client's port
	Weight int    // configured weight, 0..256 (default 1)
	Pool   PoolSettings

	Backup   bool // `backup`: used only when no active server is usable
	Disabled bool // `disabled`: starts in maintenance
	// SlowStart is how long the weight takes to ramp up after the server
	// comes back up (0: at once).
	SlowStart time.Duration
	Check     *CheckSettings // nil: not checked, always up

	// Connection limits (queue.go): 0 means none.
	MaxConn, MaxQueue, MinConn int
	// Cookie is the server's persistence cookie value ("" for none).
	Cookie string
}

// Server is the long-lived state of one server, keyed by backend and server
// name in the Registry: a reload that keeps the name keeps the state (its
// connections, counters and idle pool), whatever else changed, unless the
// address changed, which makes it a different server.
type Server struct {
	Name string
	set  atomic.Pointer[ServerSettings]
	be   *Backend // the backend it belongs to, for the balancer and logs

	// state packs OpState and Admin, read on every pick of a
	// persistent request and by the balancer's rebuild.
	state  atomic.Uint32
	mu     sync.Mutex // guards health
	health health

	// FailedChecks counts failed checks (chkfail); DownTrans the
	// transitions to down (chkdown).
	FailedChecks atomic.Uint64
	DownTrans    atomic.Uint64
	// Retries counts the retries on this server (wretr).
	Retries atomic.Uint64

	queue fifo        // requests waiting for this server (queue.go)
	inLB  atomic.Bool // a member of the balancer with a weight: takes from the backend's queue

	// Cur is the number of requests/connections currently assigned to
	// this server; leastconn reads it, the data plane updates it.
	Cur atomic.Int64
	// Total counts connections/requests sent to the server (lbtot).
	Total atomic.Uint64

	// Pool holds idle connections to the server for reuse.
	Pool *Pool
}

// NewServer returns the state of a server that is not in any registry:
// for tests and tools that pick servers without running them.
func NewServer(set ServerSettings) *Server {
	s := &Server{Name: set.Name}
	s.set.Store(&set)
	s.health.last.Status = check.StatusInit
	return s
}

// Settings returns the server's settings in force.
func (s *Server) Settings() *ServerSettings { return s.set.Load() }

// Addr returns the address the server is dialled at.
func (s *Server) Addr() string { return s.set.Load().Addr }
