// Package backend holds servers, the load-balancing algorithms that choose
// between them, and (later) queues and health checks.
package backend

import "sync/atomic"

// Server is one `server` line of a backend at run time. Its counters live
// here rather than in the config snapshot so that a reload which keeps the
// server (same backend/server name) keeps its state.
type Server struct {
	Name   string
	ID     int    // `id`, or the 1-based position in the backend as haproxy numbers it
	Addr   string // host:port as dialled
	Weight int    // configured weight, 0..256 (default 1)

	// Cur is the number of requests/connections currently assigned to
	// this server; leastconn reads it, the data plane updates it.
	Cur atomic.Int64
	// Total counts connections/requests sent to the server (lbtot).
	Total atomic.Uint64

	// Pool holds idle connections to Addr for reuse.
	Pool *Pool
}
