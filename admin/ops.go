package admin

import (
	"errors"
	"strconv"
	"strings"

	"switchyard/backend"
	"switchyard/proxy"
	"switchyard/stats"
)

// The operations of the surface. The runtime API, the stats page and the
// exporter call these and nothing else; each checks the caller's level
// first. An error's text is what haproxy answers (the CLI prints it as is).

// errUnknownAction answers a stats page action that has no operation.
var errUnknownAction = errors.New("unknown action\n")

// StatFilter selects rows of `show stat`: a proxy by numeric id (IID, -1:
// all), the object types (a mask of 1<<stats.TypeFrontend…; 0: all) and a
// server id (SID, -1: all), haproxy's `show stat [iid type sid]`. Scope,
// when not empty, keeps only the proxies it names (`stats scope`); NoMaint
// leaves out servers in maintenance.
type StatFilter struct {
	IID, SID int
	Types    uint8
	Scope    []string
	NoMaint  bool
	// Legends adds the servers' addresses and cookies and the backends'
	// algorithms (the CLI always; the page with `stats show-legends`).
	Legends bool
}

// AllStats selects every row.
var AllStats = StatFilter{IID: -1, SID: -1, Legends: true}

// Info returns the process's `show info` fields.
func (a *Surface) Info() stats.InfoRow { return a.info() }

// Stats returns the rows of `show stat`, in haproxy's order: for each
// proxy in configuration order, its frontend, its listeners (when
// `option socket-stats`), its servers, then its backend.
func (a *Surface) Stats(f StatFilter) []stats.Row { return a.stats(nil, f) }

// StatsInto is Stats appending to dst, so that a frequent reader (the
// exporter) reuses its rows rather than allocate megabytes per scrape.
func (a *Surface) StatsInto(dst []stats.Row, f StatFilter) []stats.Row { return a.stats(dst, f) }

// server finds a backend's server as haproxy's cli_find_server, with
// its error texts (the caller splits "backend/server"; an empty server
// name is the form's missing half).
func (a *Surface) server(bname, sname string) (*proxy.Backend, *backend.Server, error) {
	if sname == "" {
		return nil, nil, errors.New("Require 'backend/server'.\n")
	}
	snap := a.rt.Snapshot()
	be := snap.Backend(bname)
	if be == nil {
		return nil, nil, errors.New("No such backend.\n")
	}
	for _, s := range be.Servers() {
		if s.Name == sname {
			return be, s, nil
		}
	}
	return be, nil, errors.New("No such server.\n")
}

// adminServer checks the level (admin) and finds the server.
func (a *Surface) adminServer(lvl Level, be, srv string) (*backend.Server, error) {
	if err := need(lvl, Admin); err != nil {
		return nil, err
	}
	_, s, err := a.server(be, srv)
	return s, err
}

// SetServerState is `set server B/S state ready|drain|maint` (and the
// stats page's actions of the same names).
func (a *Surface) SetServerState(lvl Level, be, srv, state string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	switch state {
	case "ready":
		s.SetReady()
	case "drain":
		s.SetDrain()
	case "maint":
		s.SetMaint()
	default:
		return errors.New("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n")
	}
	return nil
}

// SetServerWeight is `set server B/S weight W[%]` and `set weight B/S
// W[%]`.
func (a *Surface) SetServerWeight(lvl Level, be, srv, weight string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	return s.SetWeight(weight)
}

// GetWeight is `get weight B/S`: "N (initial M)\n" (any level).
func (a *Surface) GetWeight(lvl Level, be, srv string) (string, error) {
	_, s, err := a.server(be, srv)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(s.Weight()) + " (initial " + strconv.Itoa(s.InitialWeight()) + ")\n", nil
}

// SetServerHealth is `set server B/S health up|stopping|down`.
func (a *Surface) SetServerHealth(lvl Level, be, srv, state string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if s.Settings().Track != "" {
		return errors.New("cannot change health on a tracking server.\n")
	}
	switch state {
	case "up", "stopping", "down":
	default:
		return errors.New("'set server <srv> health' expects 'up', 'stopping', or 'down'.\n")
	}
	if s.Settings().Check == nil || s.ChecksDisabled(false) {
		return nil // haproxy changes nothing, and says nothing
	}
	return s.SetHealth(state)
}

// SetServerAgent is `set server B/S agent up|down`.
func (a *Surface) SetServerAgent(lvl Level, be, srv, state string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if s.Settings().Agent == nil || s.ChecksDisabled(true) {
		return errors.New("agent checks are not enabled on this server.\n")
	}
	if state != "up" && state != "down" {
		return errors.New("'set server <srv> agent' expects 'up' or 'down'.\n")
	}
	return s.SetAgent(state)
}

// SetServerAddr is `set server B/S addr IP [port P]`.
// The answer is haproxy's report of what changed or was refused, which the
// CLI prints as a warning either way (as an error here).
func (a *Surface) SetServerAddr(lvl Level, be, srv, addr, port string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if addr == "" {
		return errors.New("set server <b>/<s> addr requires an address and optionally a port.\n")
	}
	return errors.New(s.SetAddr(addr, port))
}

// SetServerCheckAddr is `set server B/S check-addr IP [port P]` and,
// with ip "", `check-port P`; SetServerAgentAddr is `agent-addr A [port
// P]` and `agent-port P`. A refusal is haproxy's warning, which the CLI
// prints (as an error here); nil: changed.
func (a *Surface) SetServerCheckAddr(lvl Level, be, srv, ip, port string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	return warning(s.SetCheckAddr(ip, port))
}

func (a *Surface) SetServerAgentAddr(lvl Level, be, srv, addr, port string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	return warning(s.SetAgentAddr(addr, port))
}

// SetServerAgentSend is `set server B/S agent-send STRING`.
func (a *Surface) SetServerAgentSend(lvl Level, be, srv, send string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if s.SetAgentSend(send) != nil {
		return errors.New("agent checks are not enabled on this server.\n")
	}
	return nil
}

// SetServerSSL is `set server B/S ssl on|off`, with haproxy's refusals
// in its order: a dynamic server, a server without TLS settings, then a
// word other than on or off.
func (a *Surface) SetServerSSL(lvl Level, be, srv, onOff string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	set := s.Settings()
	switch {
	case set.Dynamic:
		return errors.New(backend.ErrSSLDynamic.Error() + "\n")
	case set.PreparedTLS == nil:
		return errors.New(backend.ErrSSLNotPrepared.Error() + "\n")
	case onOff != "on" && onOff != "off":
		return errors.New("'set server <srv> ssl' expects 'on' or 'off'.\n")
	}
	if err := s.SetSSL(onOff == "on"); err != nil {
		return errors.New(err.Error() + "\n")
	}
	return nil
}

func warning(msg string) error {
	if msg == "" {
		return nil
	}
	return errors.New(msg)
}

// EnableServer and DisableServer are `enable|disable server B/S` (leave
// or enter forced maintenance).
func (a *Surface) EnableServer(lvl Level, be, srv string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err == nil {
		s.SetReady()
	}
	return err
}

func (a *Surface) DisableServer(lvl Level, be, srv string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err == nil {
		s.SetMaint()
	}
	return err
}

// EnableHealth, DisableHealth, EnableAgent and DisableAgent resume and
// pause a server's checks without changing its state.
func (a *Surface) EnableHealth(lvl Level, be, srv string) error {
	return a.enableChecks(lvl, be, srv, false)
}
func (a *Surface) DisableHealth(lvl Level, be, srv string) error {
	return a.disableChecks(lvl, be, srv, false)
}
func (a *Surface) EnableAgent(lvl Level, be, srv string) error {
	return a.enableChecks(lvl, be, srv, true)
}
func (a *Surface) DisableAgent(lvl Level, be, srv string) error {
	return a.disableChecks(lvl, be, srv, true)
}

func (a *Surface) enableChecks(lvl Level, be, srv string, agent bool) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if s.EnableChecks(agent) != nil {
		if agent {
			return errors.New("Agent was not configured on this server, cannot enable.\n")
		}
		return errors.New("Health check was not configured on this server, cannot enable.\n")
	}
	return nil
}

func (a *Surface) disableChecks(lvl Level, be, srv string, agent bool) error {
	s, err := a.adminServer(lvl, be, srv)
	if err == nil {
		s.DisableChecks(agent)
	}
	return err
}

// EnableFrontend and DisableFrontend resume and pause a frontend's
// listeners; ShutdownFrontend stops it for good (until a reload).
func (a *Surface) EnableFrontend(lvl Level, fe string) error {
	return a.frontendOp(lvl, fe, a.rt.ResumeFrontend)
}

func (a *Surface) DisableFrontend(lvl Level, fe string) error {
	return a.frontendOp(lvl, fe, a.rt.PauseFrontend)
}

func (a *Surface) ShutdownFrontend(lvl Level, fe string) error {
	return a.frontendOp(lvl, fe, a.rt.ShutdownFrontend)
}

func (a *Surface) frontendOp(lvl Level, fe string, op func(string) error) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	if fe == "" {
		return errors.New("A frontend name is expected.\n")
	}
	return op(fe)
}

// SetMaxConn is `set maxconn frontend NAME N`, `set maxconn server B/S N`
// and `set maxconn global N` (what is "frontend", "server" or "global").
func (a *Surface) SetMaxConn(lvl Level, what, name, value string) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	switch what {
	case "frontend":
		if name == "" {
			return errors.New("A frontend name is expected.\n")
		}
		if a.rt.Snapshot().Frontend(name) == nil {
			return errors.New("No such frontend.\n")
		}
		if value == "" {
			return errors.New("Integer value expected.\n")
		}
		n, _ := strconv.Atoi(strings.TrimSpace(value))
		if n < 0 {
			return errors.New("Value out of range.\n")
		}
		return a.rt.SetFrontendMaxConn(name, n)
	case "global":
		if value == "" {
			return errors.New("Expects an integer value.\n")
		}
		n, _ := strconv.Atoi(strings.TrimSpace(value))
		hard := a.rt.Process().HardMaxConn
		if hard > 0 && n > hard {
			return errors.New("Value out of range.\n")
		}
		if n <= 0 {
			n = hard
		}
		a.rt.SetGlobalMaxConn(n)
		return nil
	}
	be, srv, _ := strings.Cut(name, "/")
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	if value == "" {
		return errors.New("Require <maxconn>.\n")
	}
	n, rest := backend.LeadingInt(value)
	switch {
	case len(rest) == len(value):
		return errors.New("maxconn string empty or preceded by garbage")
	case rest != "":
		return errors.New("Trailing garbage in maxconn string")
	}
	s.SetMaxConn(n)
	return nil
}

// SetRateLimit is `set rate-limit connections|sessions|ssl-sessions|
// http-compression global N`.
func (a *Surface) SetRateLimit(lvl Level, what, value string) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	if value == "" {
		return errors.New("Expects an integer value.\n")
	}
	n, _ := strconv.Atoi(strings.TrimSpace(value))
	if n < 0 {
		return errors.New("Value out of range.\n")
	}
	switch what {
	case "connections", "sessions":
		a.rt.SetRateLimit(what, n)
		return nil
	}
	// Without TLS nor compression, the other limits have nothing to limit.
	return errors.New("'set rate-limit " + what + "' is not supported yet by switchyard.\n")
}

// ShutdownServerSessions is `shutdown sessions server B/S`;
// ShutdownSession `shutdown session ID` (an id from Sessions).
func (a *Surface) ShutdownServerSessions(lvl Level, be, srv string) error {
	s, err := a.adminServer(lvl, be, srv)
	if err != nil {
		return err
	}
	a.rt.ShutdownServerSessions(s)
	return nil
}

func (a *Surface) ShutdownSession(lvl Level, id string) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	n, err := strconv.ParseUint(id, 0, 64)
	if err != nil || n == 0 {
		return errors.New("Session pointer expected (use 'show sess').\n")
	}
	if !a.rt.ShutdownSession(n) {
		return errors.New("No such session (use 'show sess').\n")
	}
	return nil
}

// Sessions lists the client connections (`show sess`, operator).
func (a *Surface) Sessions(lvl Level) ([]proxy.Session, error) {
	if err := need(lvl, Operator); err != nil {
		return nil, err
	}
	return a.rt.Sessions(), nil
}

// ClearCounters is `clear counters` (maxima, operator) and `clear
// counters all` (everything, admin).
func (a *Surface) ClearCounters(lvl Level, all bool) error {
	min := Operator
	if all {
		min = Admin
	}
	if err := need(lvl, min); err != nil {
		return err
	}
	snap := a.rt.Snapshot()
	for _, px := range snap.Proxies() {
		if fe := snap.Frontend(px.Name); fe != nil {
			fe.Counters().Clear(all)
			for _, b := range px.Binds {
				if c := fe.ListenerCounters(b.Key()); c != nil {
					c.Clear(all)
				}
			}
		}
		if be := snap.Backend(px.Name); be != nil {
			be.State().C.Clear(all)
			for _, s := range be.Servers() {
				s.C.Clear(all)
			}
		}
	}
	a.rt.ClearCounters(all)
	return nil
}

// AddServer is `add server B/S ADDR [options]` (a dynamic server, in
// maintenance until enabled); DelServer `del server B/S` (in maintenance,
// without connections).
func (a *Surface) AddServer(lvl Level, be, srv string, args []string) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	return a.rt.AddServer(be, srv, args)
}

func (a *Surface) DelServer(lvl Level, be, srv string) error {
	if err := need(lvl, Admin); err != nil {
		return err
	}
	return a.rt.DelServer(be, srv)
}

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
	UseSSL        int // haproxy's use_ssl: 1 TLS, 0 clear, -1 clear by no-ssl
}
