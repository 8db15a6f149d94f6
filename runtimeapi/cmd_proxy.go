package runtimeapi

import (
	"fmt"
	"strconv"
	"time"

	"switchyard/admin"
	"switchyard/stats"
)

// The frontend, backend and session commands: proxy.c's, stream.c's.

// notices are the answers haproxy gives as notices rather than errors
// (the change was already made); only set severity-output tells them
// apart.
var notices = map[string]bool{
	"All sockets are already enabled.\n":                   true,
	"All sockets are already disabled.\n":                  true,
	"Frontend was already shut down.\n":                    true,
	"Frontend was previously shut down, cannot disable.\n": true,
}

// frontendCmd is a command of one frontend name, which needs the admin
// level.
func frontendCmd(op func(*admin.Surface, admin.Level, string) error) func(c *call) {
	return func(c *call) {
		if !c.need(admin.Admin) {
			return
		}
		if c.arg(2) == "" {
			c.err("A frontend name is expected.\n")
			return
		}
		err := op(c.s.srv.surf, c.s.level, c.arg(2))
		if err != nil && notices[err.Error()] {
			c.msg(logNotice, err.Error())
			return
		}
		c.fail(err, logErr)
	}
}

func cmdSetMaxConnFrontend(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	if c.arg(3) == "" {
		c.err("A frontend name is expected.\n")
		return
	}
	c.fail(c.s.srv.surf.SetMaxConn(c.s.level, "frontend", c.arg(3), c.arg(4)), logErr)
}

// cmdShowServers is `show servers state|conn [backend]`, at any level.
func cmdShowServers(c *call) {
	conn := c.arg(2) == "conn"
	be := c.arg(3)
	if be != "" && c.s.srv.surf.Runtime().Snapshot().Backend(be) == nil {
		c.err("Can't find backend.\n")
		return
	}
	views, err := c.s.srv.surf.Servers(be)
	if c.fail(err, logErr) {
		return
	}
	if conn {
		c.text = appendServersConn(c.text, views)
	} else {
		c.text = appendServersState(c.text, views, time.Now().Unix())
	}
}

// cmdShowBackend is `show backend`: the backends' names.
func cmdShowBackend(c *call) {
	c.data([]byte("# name\n"))
	for _, name := range c.s.srv.surf.Backends() {
		c.data([]byte(name + "\n"))
	}
}

// proxyExists says whether a frontend, backend or listen section has
// that name.
func (c *call) proxyExists(name string) bool {
	_, ok := c.proxyID(name)
	return ok
}

// proxyID returns the numeric id of a proxy (haproxy's uuid).
func (c *call) proxyID(name string) (int, bool) {
	for _, px := range c.s.srv.surf.Runtime().Snapshot().Proxies() {
		if px.Name == name {
			return px.ID, true
		}
	}
	return 0, false
}

func cmdClearCounters(c *call) {
	all := c.arg(2) == "all"
	if !c.need(admin.Operator) || (all && !c.need(admin.Admin)) {
		return
	}
	c.fail(c.s.srv.surf.ClearCounters(c.s.level, all), logErr)
}

// cmdShowSess is `show sess`: one line per client connection, in
// haproxy's layout for what switchyard knows of it (its id, protocol,
// addresses, frontend, the backend and server of its current request,
// its age). haproxy's scheduler fields (calls, rate, cpu, channels) have
// no counterpart and are left out.
func cmdShowSess(c *call) {
	sess, err := c.s.srv.surf.Sessions(c.s.level)
	if c.fail(err, logErr) {
		return
	}
	var b []byte
	for _, s := range sess {
		proto := "tcpv4"
		if s.Src.Addr().Is6() && !s.Src.Addr().Is4In6() {
			proto = "tcpv6"
		}
		b = fmt.Appendf(b, "%#x: proto=%s src=%s fe=%s be=%s srv=%s ts=00 age=%s\n",
			s.ID, proto, s.Src, s.Frontend, dash(s.Backend), dash(s.Server), stats.AppendHumanTime(nil, int64(s.Age/time.Second)))
	}
	c.data(b)
}

// cmdShutdownSession is `shutdown session <id>`, an id `show sess`
// prints (a number, in any base strtoul reads).
func cmdShutdownSession(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	if n, err := strconv.ParseUint(c.arg(2), 0, 64); err != nil || n == 0 {
		c.err("Session pointer expected (use 'show sess').\n")
		return
	}
	c.fail(c.s.srv.surf.ShutdownSession(c.s.level, c.arg(2)), logErr)
}

func cmdShutdownServerSessions(c *call) {
	serverCmd(3, (*admin.Surface).ShutdownServerSessions)(c)
}

// The servers' states, haproxy's server-state file format (version 1)
// and its `show servers conn` layout.

const serversStateHeader = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight " +
	"srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state " +
	"bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n"

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// appendServersState appends `show servers state`. Fields the view does
// not carry are haproxy's values for what switchyard lacks: no forced
// server ids, no SRV records.
func appendServersState(dst []byte, views []admin.ServerView, now int64) []byte {
	dst = append(dst, serversStateHeader...)
	for _, v := range views {
		since := now - v.LastChange
		if v.LastChange == 0 || since < 0 {
			since = 0
		}
		dst = fmt.Appendf(dst, "%d %s %d %s %s %d %d %d %d %d %d %d %d %d %d %d %d %s %d %s %d %d %s %s %d\n",
			v.BackendID, v.Backend, v.ID, v.Name, dash(v.Addr),
			v.OpState, v.AdminState, v.UWeight, v.IWeight, since,
			v.CheckStatus, v.CheckResult, v.CheckHealth, v.CheckState, v.AgentState,
			v.BackendForced, 0, dash(v.FQDN), v.Port,
			"-", v.UseSSL, v.CheckPort,
			dash(v.CheckAddr), dash(v.AgentAddr), v.AgentPort)
	}
	return dst
}

// appendServersConn appends `show servers conn`. switchyard keeps one
// pool of idle connections per server for the whole process, so there is
// one "thread" column; the pool's purge delay is haproxy's default.
func appendServersConn(dst []byte, views []admin.ServerView) []byte {
	dst = append(dst, "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]\n"...)
	for _, v := range views {
		// used_max and need_est are not kept; all idle connections
		// are safe to reuse; the pools have no limit by default (-1).
		dst = fmt.Appendf(dst, "%s/%s %d/%d %s %d - %d %d %d %d %d %d %d %d %d\n",
			v.Backend, v.Name, v.BackendID, v.ID, dash(v.Addr), v.Port,
			5000, v.Cur, 0, 0, 0, v.Idle, -1, v.Idle, v.Idle)
	}
	return dst
}
