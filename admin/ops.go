package admin

import (
	"errors"

	"switchyard/stats"
)

// The operations of the surface. The runtime API, the stats page and the
// exporter call these and nothing else; each checks the caller's level
// first. An error's text is what haproxy answers (the CLI prints it as is).

var errTODO = errors.New("not supported yet\n")

// StatFilter selects rows of `show stat`: a proxy by numeric id (IID, -1:
// all), the object types (a mask of 1<<stats.TypeFrontend…; 0: all) and a
// server id (SID, -1: all), haproxy's `show stat [iid type sid]`. Scope,
// when not empty, keeps only proxies whose name contains it (`stats
// scope`); NoMaint leaves out servers in maintenance.
type StatFilter struct {
	IID, SID int
	Types    uint8
	Scope    []string
	NoMaint  bool
}

// AllStats selects every row.
var AllStats = StatFilter{IID: -1, SID: -1}

// Info returns the process's `show info` fields.
func (a *Surface) Info() stats.InfoRow { return a.info() }

// Stats returns the rows of `show stat`, in haproxy's order: for each
// proxy in configuration order, its frontend, its listeners (when
// `option socket-stats`), its servers, then its backend.
func (a *Surface) Stats(f StatFilter) []stats.Row { return a.stats(f) }

// ServerState is haproxy's `set server B/S state ready|drain|maint` (and
// the stats page's actions of the same names).
func (a *Surface) SetServerState(lvl Level, be, srv, state string) error { return errTODO }

// SetServerWeight is `set server B/S weight W[%]` and `set weight B/S W[%]`.
func (a *Surface) SetServerWeight(lvl Level, be, srv, weight string) error { return errTODO }

// GetWeight is `get weight B/S`: "N (initial M)".
func (a *Surface) GetWeight(lvl Level, be, srv string) (string, error) { return "", errTODO }

// SetServerHealth is `set server B/S health up|stopping|down`;
// SetServerAgent `set server B/S agent up|down`.
func (a *Surface) SetServerHealth(lvl Level, be, srv, state string) error { return errTODO }
func (a *Surface) SetServerAgent(lvl Level, be, srv, state string) error  { return errTODO }

// SetServerAddr is `set server B/S addr IP [port P]`.
func (a *Surface) SetServerAddr(lvl Level, be, srv, addr, port string) error { return errTODO }

// EnableServer and DisableServer are `enable|disable server B/S` (leave
// or enter forced maintenance); EnableHealth… the checks' and agents'.
func (a *Surface) EnableServer(lvl Level, be, srv string) error  { return errTODO }
func (a *Surface) DisableServer(lvl Level, be, srv string) error { return errTODO }
func (a *Surface) EnableHealth(lvl Level, be, srv string) error  { return errTODO }
func (a *Surface) DisableHealth(lvl Level, be, srv string) error { return errTODO }
func (a *Surface) EnableAgent(lvl Level, be, srv string) error   { return errTODO }
func (a *Surface) DisableAgent(lvl Level, be, srv string) error  { return errTODO }

// EnableFrontend and DisableFrontend resume and pause a frontend's
// listeners; ShutdownFrontend stops it for good (until a reload).
func (a *Surface) EnableFrontend(lvl Level, fe string) error   { return errTODO }
func (a *Surface) DisableFrontend(lvl Level, fe string) error  { return errTODO }
func (a *Surface) ShutdownFrontend(lvl Level, fe string) error { return errTODO }

// SetMaxConn is `set maxconn frontend NAME N`, `set maxconn server B/S N`
// and `set maxconn global N` (what is "frontend", "server" or "global").
func (a *Surface) SetMaxConn(lvl Level, what, name, value string) error { return errTODO }

// SetRateLimit is `set rate-limit connections|sessions|ssl-sessions|
// http-compression global N`.
func (a *Surface) SetRateLimit(lvl Level, what, value string) error { return errTODO }

// ShutdownServerSessions is `shutdown sessions server B/S`;
// ShutdownSession `shutdown session ID` (an id from Sessions).
func (a *Surface) ShutdownServerSessions(lvl Level, be, srv string) error { return errTODO }
func (a *Surface) ShutdownSession(lvl Level, id string) error             { return errTODO }

// ClearCounters is `clear counters` (maxima, operator) and `clear
// counters all` (everything, admin).
func (a *Surface) ClearCounters(lvl Level, all bool) error { return errTODO }

// AddServer is `add server B/S ADDR [options]` (a dynamic server, in
// maintenance until enabled); DelServer `del server B/S` (in maintenance,
// without connections).
func (a *Surface) AddServer(lvl Level, be, srv string, args []string) error { return errTODO }
func (a *Surface) DelServer(lvl Level, be, srv string) error                { return errTODO }

// Servers returns the state of the servers of one backend ("" for all),
// for `show servers state`, `show servers conn` and `show backend`.
func (a *Surface) Servers(be string) ([]ServerView, error) { return nil, errTODO }

// Backends returns the backends' names in configuration order (`show
// backend`).
func (a *Surface) Backends() []string { return nil }

// ServerView is a server's state as `show servers state` prints it.
type ServerView struct {
	Backend       string
	BackendID     int
	Name          string
	ID            int
	Addr          string // IP as configured/resolved
	Port          int
	OpState       int // haproxy's SRV_ST_*: 0 stopped, 1 starting, 2 running, 3 stopping
	AdminState    int // SRV_ADMF_* bits
	UWeight       int // weight in force
	IWeight       int // initial (configured) weight
	LastChange    int64
	CheckStatus   int // haproxy's HCHK_STATUS_* number
	CheckResult   int // CHK_RES_*
	CheckHealth   int
	CheckState    int // CHK_ST_* bits
	AgentState    int
	BackendForced int
	FQDN          string
	CheckPort     int
	CheckAddr     string
	AgentAddr     string
	AgentPort     int
	Cur           int // current connections (show servers conn)
	Idle          int // idle connections in the pool
}
