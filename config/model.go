package config

import (
	"net/netip"
	"time"

	"switchyard/backend"
	"switchyard/check"
	"switchyard/http1"
	"switchyard/logformat"
	"switchyard/persist"
	"switchyard/sample"
	"switchyard/ssl"
)

// Config is a whole parsed and validated configuration: the typed model the
// proxy compiles into a running snapshot. It holds no sockets and no runtime
// state, so building one has no side effects and a broken one can be thrown
// away without harm.
type Config struct {
	Files  []string
	Global Global
	// Patterns are the pattern files and maps the configuration's ACLs
	// and converters refer to, each once by name.
	Patterns *sample.PatternRefs
	Proxies  []*Proxy // frontends, backends and listens in declaration order
	// Env is what setenv, presetenv and unsetenv do, in order; see
	// ApplyEnv.
	Env []EnvChange
	// procVars are the proc.* variables the configuration names, which
	// ApplyVars creates (the sample environment collected them; keeping
	// the environment would keep the whole parser alive).
	procVars []sample.VarRef
}

// Pos is where something was declared, for messages.
type Pos struct {
	File string
	Line int
}

// Global is the `global` section (several sections merge into one).
type Global struct {
	Ext          Ext // keywords registered from other packages
	Log          GlobalLogging
	Daemon       bool
	MasterWorker bool
	// Vars are the set-var and set-var-fmt lines (kw_globalvars.go).
	Vars          []GlobalVar
	MaxConn       int // 0: derived from the descriptor limit at run time, as haproxy
	NbThread      int
	PidFile       string
	HardStopAfter time.Duration // 0: wait for connections forever, as haproxy
	BufSize       int           // tune.bufsize
	MaxHdr        int           // tune.http.maxhdr
	MaxRewrite    int           // tune.maxrewrite
	StrictLimits  bool
	ZeroWarning   bool
	LocalPeer     string
	Node          string
	Description   string
	// tune.pool-low-fd-ratio and tune.pool-high-fd-ratio: percentages of
	// the descriptor limit past which idle server connections are not
	// added, then not kept at all.
	PoolLowFDRatio  int
	PoolHighFDRatio int
	// Experimental: expose-experimental-directives (normalize-uri needs it).
	Experimental bool
	// SpreadChecks is spread-checks: each check interval varies randomly
	// by up to this percentage either way.
	SpreadChecks int
	// Privileges are chroot, user/uid and group/gid (kw_privileges.go).
	Privileges Privileges
	// StatsSockets are the runtime API's sockets (`stats socket`), in
	// order; StatsTimeout and StatsMaxConn bound their sessions (0:
	// DefaultStatsTimeout, DefaultStatsMaxConn).
	StatsSockets []*StatsSocket
	StatsTimeout time.Duration
	StatsMaxConn int
	// SSL is the global TLS settings (kw_ssl.go).
	SSL GlobalSSL
}

// Mode is a proxy's `mode`.
type Mode uint8

const (
	ModeTCP Mode = iota
	ModeHTTP
)

func (m Mode) String() string {
	if m == ModeHTTP {
		return "http"
	}
	return "tcp"
}

// Cap says what a proxy section can do, as haproxy's PR_CAP_* bits.
type Cap uint8

const (
	CapFE Cap = 1 << iota
	CapBE
	CapDef
)

// Kind names the section type for messages.
func (c Cap) Kind() string {
	switch c {
	case CapFE:
		return "frontend"
	case CapBE:
		return "backend"
	case CapFE | CapBE:
		return "listen"
	}
	return "defaults"
}

// ConnMode is the HTTP connection mode of a proxy, chosen by
// `option http-keep-alive|http-server-close|httpclose`.
type ConnMode uint8

const (
	ConnKeepAlive ConnMode = iota
	ConnServerClose
	ConnClose
)

// Reuse is `http-reuse`.
type Reuse uint8

const (
	ReuseSafe Reuse = iota // haproxy's default
	ReuseNever
	ReuseAggressive
	ReuseAlways
)

// Timeouts of a proxy; zero means unset.
type Timeouts struct {
	Client, Server, Connect, HTTPRequest, HTTPKeepAlive time.Duration
	Tunnel, ClientFin, ServerFin                        time.Duration
	Check                                               time.Duration // 0: inter bounds the whole check
	Queue                                               time.Duration // 0: timeout connect
	Tarpit                                              time.Duration // 0: timeout connect, as haproxy
}

// ForwardFor is `option forwardfor`.
type ForwardFor struct {
	Header      string // default "x-forwarded-for"
	HeaderBytes []byte // Header, ready for the request path
	Except      netip.Prefix
	IfNone      bool
}

// Proxy is a frontend, backend, listen or defaults section. Defaults are
// proxies too: a new section starts as a copy of its defaults, exactly as
// haproxy does it, so every keyword allowed in defaults is inherited without a
// field-by-field list.
type Proxy struct {
	Name string
	Cap  Cap
	Pos  Pos
	Ext  Ext // keywords registered from other packages
	ID   int

	Mode        Mode
	Description string
	MaxConn     int
	Timeouts    Timeouts
	ConnMode    ConnMode
	ForwardFor  *ForwardFor
	OriginalTo  *ForwardFor // option originalto (IfNone unused)
	// RestrictHdrNames is option http-restrict-req-hdr-names: what
	// happens to request header names outside [A-Za-z0-9-].
	RestrictHdrNames HdrNamePolicy
	Reuse            Reuse
	Retries          int
	RetryOn          RetryOn // retry-on (kw_retry.go); the default is conn-failure
	// Redispatch is `option redispatch`'s interval: 0 never, -1 the last
	// retry, N > 0 every Nth retry, N < 0 the Nth retry before the last.
	Redispatch int
	ErrorFiles map[int]*http1.Reply // errorfile: status → response
	Log        Logging

	// Frontend side.
	Binds          []*Bind
	ACLs           *sample.ACLSet
	DefaultBackend string
	DefaultBackPos Pos
	UseBackends    []*UseBackend
	HTTPRequest    []*HTTPRule
	HTTPResponse   []*HTTPRule
	// HTTPAfterResponse runs on every response, the proxy's own included.
	HTTPAfterResponse []*HTTPRule
	// Redirects are the `redirect` lines (Args is a *RedirectOp), run after
	// the section's http-request rules.
	Redirects []*HTTPRule
	TCP       TCPRules // tcp-request and tcp-response rules (kw_tcp.go)
	// MonitorURI is monitor-uri; MonitorFail the monitor fail conditions
	// (kw_monitor.go).
	MonitorURI  string
	MonitorFail []*sample.Cond

	// Backend side.
	Balance backend.Algorithm
	// BalanceSet says that a `balance` line applies (the section's or its
	// defaults'): the backend load-balances over its servers even with
	// dispatch or transparent (kw_dispatch.go).
	BalanceSet bool
	// Dispatch is the `dispatch` address and Transparent `option
	// transparent`: where a backend that does not balance sends what
	// persistence does not send to a server (kw_dispatch.go). Once
	// validated, at most one of them is set, and neither with BalanceSet.
	Dispatch      *DispatchAddr
	Transparent   bool
	DefaultServer ServerOpts
	Servers       []*Server
	// Check is what `option httpchk`, `http-check`, `tcp-check` and the
	// protocol check options configured (kw_check.go); nil: none, the
	// servers' checks are plain connects.
	Check *check.Config
	// AllBackups is `option allbackups`: with no active server left, all
	// usable backups share the load, not only the first.
	AllBackups bool
	// Cookie is the `cookie` line (kw_cookie.go): cookie persistence;
	// nil: none.
	Cookie *persist.Cookie
	// Stats is the stats page (kw_stats.go); nil: none. SocketStats is
	// option socket-stats: per-listener statistics.
	Stats       *StatsPage
	SocketStats bool
	// Persist is option persist; ForcePersist and IgnorePersist the
	// force-persist and ignore-persist conditions; UseServers the
	// use-server rules (kw_persist.go).
	Persist      bool
	PersistRules []PersistRule
	// DynamicCookieKey is dynamic-cookie-key: the secret that, with a
	// server's address, makes its cookie under `cookie … dynamic`.
	DynamicCookieKey string
	// AbortOnClose is option abortonclose: a request whose client closed
	// is dropped while queued or connecting.
	AbortOnClose bool
	UseServers   []*UseServer
	// FullConn is fullconn: the backend load at which servers with a
	// minconn reach their maxconn (0: 10% of the frontends' maxconn).
	FullConn int

	// ignored holds what the lines haproxy ignores in this proxy set (a
	// keyword of the other side: `balance` in a frontend, `bind` in a
	// backend), kept only to be validated as haproxy validates them.
	ignored *Proxy
	// rulesFor is, on a defaults section with rules, the kind of proxy
	// (CapFE or CapBE) that inherits them: haproxy lets only one kind.
	rulesFor Cap
}

// Bind is one address of a `bind` line (a line with several addresses or a
// port range yields several Binds sharing options).
type Bind struct {
	Pos     Pos
	Ext     Ext    // options registered from other packages
	Network string // "tcp", "tcp4", "tcp6", "unix", "fd"
	Addr    string // host:port, socket path, or fd number
	Name    string
	V4V6    bool
	V6Only  bool
	Backlog int
	MaxConn int
	Mode    uint32 // unix socket permissions (0: default)
	// SSL is the `ssl` option: the bind speaks TLS, with the certificates
	// and settings of TLS (kw_ssl.go). TLSServer is built from them once
	// the configuration is read.
	SSL       bool
	TLS       ssl.Bind
	TLSServer *ssl.Server
}

// Key identifies a listening socket across reloads.
func (b *Bind) Key() string { return b.Network + "@" + b.Addr }

// UseBackend is a `use_backend` rule.
type UseBackend struct {
	Pos     Pos
	Backend string
	Cond    *sample.Cond // nil: always
}

// ServerOpts are the options a `server` line (or `default-server`) sets.
type ServerOpts struct {
	Ext Ext // options registered from other packages
	// TLS to the server (kw_ssl.go), the PROXY header sent to it
	// (kw_sendproxy.go), the SOCKS4 proxy to reach it by (kw_socks4.go).
	TLS       ServerTLS
	SendProxy SendProxy
	Socks4    Socks4
	Weight    int
	// Idle connection pool (pool-max-conn, pool-low-conn,
	// pool-purge-delay); see PoolSettings for the defaults.
	PoolMaxConn    *int
	PoolLowConn    int
	PoolPurgeDelay *time.Duration

	// Health checks and server roles (kw_health.go). Zero values mean
	// haproxy's defaults: inter 2s, rise 2, fall 3.
	Check                       bool
	Inter, FastInter, DownInter time.Duration
	Rise, Fall                  int
	CheckPort                   int    // port: where checks connect
	CheckAddrPort               int    // the port given with addr, which port overrides
	CheckAddr                   string // addr: where checks connect
	CheckSendProxy              bool
	Backup, Disabled            bool
	// Connection limits and queues (kw_health.go); 0: none.
	MaxConn, MaxQueue, MinConn int
	// Cookie is the server's `cookie` value for cookie persistence.
	Cookie string
}

// PoolSettings are the server's idle-pool settings, haproxy's defaults
// filled in.
func (o *ServerOpts) PoolSettings() backend.PoolSettings {
	set := backend.DefaultPoolSettings()
	if o.PoolMaxConn != nil {
		set.MaxIdle = *o.PoolMaxConn
	}
	if o.PoolPurgeDelay != nil {
		set.PurgeDelay = *o.PoolPurgeDelay
	}
	set.LowIdle = o.PoolLowConn
	return set
}

// Server is a `server` line.
type Server struct {
	Pos  Pos
	Name string
	ID   int
	Host string // as written
	Port int    // the server's port (0 without MapPorts: port 0, which refuses)
	// MapPorts: the address has no port; connections go to the port the
	// client connected to.
	MapPorts bool
	// Unix: the server is a UNIX socket, Host and Addr its path.
	Unix bool
	// Dynamic: added by the runtime API (add server), whose checks
	// speak TLS only with an explicit check-ssl, as in haproxy.
	Dynamic bool

	Addr string // resolved host:port ("" + Port==0 handled by the proxy), or the socket's path
	// Referenced: a use-server rule or a sample fetch's argument names
	// the server, so `del server` may not remove it (haproxy's
	// SRV_F_NON_PURGEABLE).
	Referenced bool
	ServerOpts
}

// HTTPAction is what an `http-request` rule does.
type HTTPAction uint8

const (
	ActAllow HTTPAction = iota
	ActDeny
	ActReturn
)

// HTTPRule is one rule of a rule set (`http-request`, `http-response`):
// its action, the action's arguments, and its condition.
type HTTPRule struct {
	Pos    Pos
	Def    *ActionDef // the action, from the registry
	Set    RuleSet    // the rule set it belongs to
	Action HTTPAction // which built-in action, for the built-in ones
	Cond   *sample.Cond
	// Args holds what the parser of an action registered from outside
	// this package made of its arguments.
	Args any
	// deny/return
	Status      int
	ContentType string
	Body        []byte            // string S or file F
	BodyFormat  *logformat.Format // lf-string
	Headers     []RuleHeader
	// Reply is the complete response of an `errorfile` payload.
	Reply *http1.Reply
	// UseErrorFile: answer with the proxy's error response for Status
	// (deny without a payload, or default-errorfiles).
	UseErrorFile bool
}

// RuleHeader is a `hdr NAME FMT` argument of return/deny.
type RuleHeader struct {
	Name  string
	Value *logformat.Format
}
