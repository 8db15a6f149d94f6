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
	"switchyard/counters"
)

// ServerSettings are one `server` line as configured. They are immutable:
// a reload that changes them installs a new value.
type ServerSettings struct {
	Name string
	ID   int    // `id`, or the number haproxy gives the server (see config)
	Addr string // host:port as dialled, but for MapPorts
	// MapPorts: the configured address has no port; connections go to
	// the port the client connected to (Addr's port is 0).
	MapPorts bool
	// Transparent: the server has no address at all; connections go to
	// the address the client connected to (option transparent: only a
	// backend's implicit server, see implicit.go).
	Transparent bool
	Weight      int // configured weight, 0..256 (default 1)
	Pool        PoolSettings

	Backup   bool // `backup`: used only when no active server is usable
	Disabled bool // `disabled`: starts in maintenance
	// SlowStart is how long the weight and the connection limit take to
	// ramp up after the server comes back up (0: at once). haproxy counts
	// it in whole seconds (rounded up), and so does slowstart.go.
	SlowStart time.Duration
	Check     *CheckSettings // nil: not checked, always up
	Agent     *AgentSettings // agent-check; nil: none
	// CheckTarget and AgentTarget are where checks and the agent connect
	// when not to the server itself (`addr`, `port`, `agent-addr`,
	// `agent-port`, or their runtime changes), as haproxy keeps them and
	// `show servers state` prints them, whether or not the server is
	// checked. CheckAddr and AgentAddr are where they connect now.
	CheckTarget, AgentTarget Target
	// Rise is the configured rise, checked or not: haproxy keeps a check
	// structure for every server and shows an unchecked one's health at
	// it.
	Rise int

	// Observe is `observe`: which outcomes of real traffic count as
	// errors (observe.go); ErrorLimit (`error-limit`, haproxy's default
	// 10) consecutive errors trigger OnError. It needs `check`.
	Observe    ObserveMode
	ErrorLimit int
	OnError    OnError
	// OnMarkedDown is `on-marked-down shutdown-sessions`: the server's
	// streams are cut when it goes down. OnMarkedUp is `on-marked-up
	// shutdown-backup-sessions`: the backup servers' streams are cut when
	// this active server comes up.
	OnMarkedDown, OnMarkedUp bool
	// Track is `track`: "backend/server" whose state this server follows
	// ("": none). A tracking server has no `check` of its own.
	Track string

	// Connection limits (queue.go): 0 means none.
	MaxConn, MaxQueue, MinConn int
	// Cookie is the server's persistence cookie value ("" for none).
	Cookie string
	// SendProxy: connections to the server start with a PROXY header.
	SendProxy SendProxy
	// Socks4: connections (and, with Checks, checks) go through a SOCKS4
	// proxy.
	Socks4 Socks4
	// TLS: connections speak TLS (`ssl`, or `set server … ssl on`);
	// nil: in clear.
	TLS *TLS
	// PreparedTLS is the server's TLS whether or not connections speak
	// it now (haproxy's prepared SSL context: `ssl` on the line or its
	// default-server, or check-ssl); nil: none, and `set server … ssl`
	// is refused. UseSSL is haproxy's use_ssl, which `show servers
	// state` prints: 1 TLS on, 0 off, -1 turned off by `no-ssl` (and not
	// turned on or off since). SetSSL changes both TLS and UseSSL.
	PreparedTLS *TLS
	UseSSL      int8
	// Dynamic: the server was added at runtime (`add server`).
	Dynamic bool
	// Referenced: the configuration names the server elsewhere (a
	// use-server rule, a fetch's argument); `del server` refuses it.
	Referenced bool
}

// Server is the long-lived state of one server, keyed by backend and server
// name in the Registry: a reload that keeps the name keeps the state (its
// connections, counters and idle pool), whatever else changed, unless the
// address changed, which makes it a different server.
type Server struct {
	Name string
	set  atomic.Pointer[ServerSettings]
	be   *Backend // the backend it belongs to, for the balancer and logs
	// implicit: the backend's dispatch or transparent destination, not
	// a configured server (implicit.go).
	implicit bool

	// state packs OpState and Admin, read on every pick of a
	// persistent request and by the balancer's rebuild.
	state atomic.Uint32
	// downSince is when the server went down or into maintenance (unix
	// nanoseconds; 0 while it is not), downTotal the time it spent so
	// before (Downtime).
	downSince, downTotal atomic.Int64
	// trans counts the operational transitions up (0) and down (1),
	// whatever caused them: flapping shows as their rate.
	trans  [2]atomic.Uint64
	mu     sync.Mutex // guards health
	health health

	// C are the server's traffic and health counters: among them
	// FailedChecks (chkfail), DownTrans (chkdown) and FailedHANA, the
	// times `observe` found error-limit consecutive errors (hanafail).
	C counters.BE

	// agent is the agent check's state, guarded by mu like health.
	agent checkState
	// uweight is the weight in force (haproxy's uweight): the configured
	// one, or what an agent set. rtMaxConn is the maxconn an agent set,
	// -1 for none (see Limits).
	uweight   atomic.Int32
	rtMaxConn atomic.Int64
	// tlsSessions are the TLS sessions connections resume (tls.go).
	tlsSessions sessions
	// warmup is the slowstart timer while the server is Starting
	// (slowstart.go), guarded by mu.
	warmup *time.Timer

	// track is the server this one follows; trackers those that follow
	// this one (track.go). Both are set by Commit.
	track    atomic.Pointer[Server]
	trackers atomic.Pointer[[]*Server]

	// observe is the `observe` mode in force, 0 when the server is not
	// observed (no `observe` or no `check`), so that Observe costs one
	// load; errs counts consecutive errors (observe.go).
	observe atomic.Uint32
	errs    atomic.Int32
	// streams are the streams to cut on a state change, when
	// on-marked-down or a backend's on-marked-up asks for it
	// (observe.go's AttachStream); cuttable says whether to register.
	streams  streamSet
	cuttable atomic.Bool
	// pinned: something outside the configuration holds the server (a
	// Lua script called one of its methods, a dynamic server tracks it):
	// haproxy's SRV_F_NON_PURGEABLE, del server refuses it for good.
	pinned atomic.Bool

	queue fifo        // requests waiting for this server (queue.go)
	inLB  atomic.Bool // a member of the balancer with a weight: takes from the backend's queue

	// Cur is the number of requests/connections currently assigned to
	// this server; leastconn reads it, the data plane updates it.
	Cur atomic.Int64

	// addr is an address set at runtime (addr.go), if any.
	addr overridden[string]
	// checkTarget, agentTarget and agentSend are check settings set at
	// runtime (checkaddr.go).
	checkTarget, agentTarget overridden[Target]
	agentSend                overridden[string]
	// useSSL is use_ssl set at runtime (ssl.go).
	useSSL overridden[int8]
	// checksOff are `disable health` and `disable agent` in force
	// (index 1: the agent).
	checksOff [2]atomic.Bool

	// Pool holds idle connections to the server for reuse.
	Pool *Pool
}

// NewServer returns the state of a server that is not in any registry:
// for tests and tools that pick servers without running them.
func NewServer(set ServerSettings) *Server {
	s := &Server{Name: set.Name}
	s.set.Store(&set)
	s.initState(&set)
	return s
}

// Settings returns the server's settings in force.
func (s *Server) Settings() *ServerSettings { return s.set.Load() }

// Addr returns the address the server is dialled at.
func (s *Server) Addr() string { return s.set.Load().Addr }

// initState sets the runtime state a server starts with: no check run
// yet, the configured weight, no runtime maxconn.
func (s *Server) initState(set *ServerSettings) {
	s.health.last.Status = check.StatusInit
	s.health.status = statusKey(check.StatusInit)
	s.agent.last.Status = check.StatusInit
	s.agent.status = statusKey(check.StatusInit)
	s.uweight.Store(int32(set.Weight))
	s.rtMaxConn.Store(-1)
}

// Weight returns the server's weight in force: the configured one, or the
// one an agent set (haproxy's uweight). A reload that changes the
// configured weight resets it.
func (s *Server) Weight() int { return int(s.uweight.Load()) }

// Limits returns the server's maxconn and minconn in force: the
// configured ones, unless an agent sent "maxconn:N", which replaces
// maxconn, and minconn too when the two were equal (a static limit), as
// haproxy's server_parse_maxconn_change_request does. queue.go's maxConn
// should read these rather than the settings.
func (s *Server) Limits() (maxConn, minConn int) {
	set := s.Settings()
	maxConn, minConn = set.MaxConn, set.MinConn
	if v := s.rtMaxConn.Load(); v >= 0 {
		// A static limit (minconn unset, or equal) moves as a whole.
		if minConn != 0 && minConn == maxConn {
			minConn = int(v)
		}
		maxConn = int(v)
	}
	return maxConn, minConn
}

// Backend returns the name of the server's backend.
func (s *Server) Backend() string {
	if s.be == nil {
		return ""
	}
	return s.be.Name
}

// MarkReferenced notes that something outside the configuration holds the
// server (a Lua script called one of its methods, a dynamic server tracks
// it): `del server` refuses it from then on, as haproxy's
// SRV_F_NON_PURGEABLE, which no later change clears.
func (s *Server) MarkReferenced() { s.pinned.Store(true) }
