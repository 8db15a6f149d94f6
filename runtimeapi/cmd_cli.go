package runtimeapi

import (
	"os"
	"strings"

	"switchyard/admin"
	"switchyard/config"
	"switchyard/stats"
)

// The commands about the session itself and the process, cli.c's.

// handlers are the commands switchyard implements, by name; the level each
// needs is checked in the handler, first, as haproxy's handlers do.
var handlers = map[string]func(c *call){
	// cli.c
	"help":                cmdHelp,
	"prompt":              func(c *call) { c.s.interactive = !c.s.interactive },
	"quit":                func(c *call) { c.s.quit = true },
	"_getsocks":           cmdGetSocks,
	"expert-mode":         cmdMode,
	"experimental-mode":   cmdMode,
	"operator":            cmdLowerLevel,
	"user":                cmdLowerLevel,
	"set maxconn global":  cmdSetMaxConnGlobal,
	"set rate-limit":      cmdSetRateLimit,
	"set severity-output": cmdSetSeverity,
	"set timeout":         cmdSetTimeout,
	"show env":            cmdShowEnv,
	"show cli sockets":    cmdShowSockets,
	"show cli level":      func(c *call) { c.msg(logInfo, c.s.level.String()+"\n") },
	"show activity":       cmdShowActivity,
	"show version":        func(c *call) { c.msg(logInfo, c.s.srv.Version+"\n") },
	"show pools":          cmdShowPools,
	// acme.c (cmd_acme.go)
	"acme renew":  cmdACMERenew,
	"acme status": cmdACMEStatus,
	// server.c
	"disable agent":      serverCmd(2, (*admin.Surface).DisableAgent),
	"disable health":     serverCmd(2, (*admin.Surface).DisableHealth),
	"disable server":     serverCmd(2, (*admin.Surface).DisableServer),
	"enable agent":       serverCmd(2, (*admin.Surface).EnableAgent),
	"enable health":      serverCmd(2, (*admin.Surface).EnableHealth),
	"enable server":      serverCmd(2, (*admin.Surface).EnableServer),
	"set maxconn server": cmdSetMaxConnServer,
	"set server":         cmdSetServer,
	"get weight":         cmdGetWeight,
	"set weight":         cmdSetWeight,
	"add server":         cmdAddServer,
	"del server":         cmdDelServer,
	// proxy.c
	"disable frontend":     frontendCmd((*admin.Surface).DisableFrontend),
	"enable frontend":      frontendCmd((*admin.Surface).EnableFrontend),
	"shutdown frontend":    frontendCmd((*admin.Surface).ShutdownFrontend),
	"set maxconn frontend": cmdSetMaxConnFrontend,
	"show servers conn":    cmdShowServers,
	"show servers state":   cmdShowServers,
	"show backend":         cmdShowBackend,
	"show errors":          cmdShowErrors,
	// vars.c
	"get var": cmdGetVar,
	"set var": cmdSetVar,
	// stats.c
	"clear counters":   cmdClearCounters,
	"show info":        cmdShowInfo,
	"show stat":        cmdShowStat,
	"show schema json": func(c *call) { c.text = stats.AppendJSONSchema(c.text) },
	// stream.c
	"show sess":                cmdShowSess,
	"shutdown session":         cmdShutdownSession,
	"shutdown sessions server": cmdShutdownServerSessions,
	// map.c
	"show map":    cmdShowMap,
	"show acl":    cmdShowMap,
	"get map":     cmdGetMap,
	"get acl":     cmdGetMap,
	"add map":     cmdAddMap,
	"add acl":     cmdAddMap,
	"set map":     cmdSetMap,
	"del map":     cmdDelMap,
	"del acl":     cmdDelMap,
	"clear map":   cmdClearMap,
	"clear acl":   cmdClearMap,
	"prepare map": cmdPrepareMap,
	"prepare acl": cmdPrepareMap,
	"commit map":  cmdCommitMap,
	"commit acl":  cmdCommitMap,
}

func cmdHelp(c *call) { c.msg(logInfo, usage(c.s, c.args[1:], true)) }

// cmdMode is expert-mode and experimental-mode [on|off] [-]: without an
// argument it tells the mode's state.
func cmdMode(c *call) {
	if c.arg(1) != "" && c.arg(2) == "-" {
		c.s.noLF = true
	}
	if !c.need(admin.Admin) {
		return
	}
	flag := &c.s.expert
	if c.arg(0) == "experimental-mode" {
		flag = &c.s.experimental
	}
	if c.arg(1) == "" {
		state := "OFF"
		if *flag {
			state = "ON"
		}
		c.msg(logInfo, c.arg(0)+" is "+state+"\n")
		return
	}
	*flag = c.arg(1) == "on"
}

// cmdLowerLevel is `operator` and `user`: a session's level only goes
// down, and the expert and experimental modes end with it.
func cmdLowerLevel(c *call) {
	if c.arg(1) == "-" {
		c.s.noLF = true
	}
	l := admin.User
	if c.arg(0) == "operator" {
		l = admin.Operator
	}
	if !c.need(l) {
		return
	}
	c.s.level = l
	c.s.expert, c.s.experimental = false, false
}

func cmdSetSeverity(c *call) {
	if v, ok := parseSeverityOutput(c.arg(2)); ok {
		c.s.severity = v
		return
	}
	c.err("one of 'none', 'number', 'string' is a required argument\n")
}

// cmdSetTimeout is `set timeout cli <delay>`: the session's idle timeout,
// in seconds unless a unit says otherwise.
func cmdSetTimeout(c *call) {
	if c.arg(2) != "cli" {
		c.err("'set timeout' only supports 'cli'.\n")
		return
	}
	if c.arg(3) == "" {
		c.err("Expects an integer value.\n")
		return
	}
	d, err := config.ParseDuration(c.arg(3) + unitIfNone(c.arg(3), "s"))
	if err != nil || d < 1e9 {
		c.err("Invalid timeout value.\n")
		return
	}
	c.s.timeout = d
}

// unitIfNone returns unit when v has no unit of its own.
func unitIfNone(v, unit string) string {
	if v != "" && v[len(v)-1] >= '0' && v[len(v)-1] <= '9' {
		return unit
	}
	return ""
}

func cmdSetMaxConnGlobal(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	c.fail(c.s.srv.surf.SetMaxConn(c.s.level, "global", "", c.arg(3)), logErr)
}

const rateLimitUsage = "'set rate-limit' only supports :\n" +
	"   - 'connections global' to set the per-process maximum connection rate\n" +
	"   - 'sessions global' to set the per-process maximum session rate\n" +
	"   - 'ssl-sessions global' to set the per-process maximum SSL session rate\n" +
	"   - 'http-compression global' to set the per-process maximum compression speed in kB/s\n"

func cmdSetRateLimit(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	switch c.arg(2) {
	case "connections", "sessions", "ssl-sessions", "http-compression":
		if c.arg(3) == "global" {
			c.fail(c.s.srv.surf.SetRateLimit(c.s.level, c.arg(2), c.arg(4)), logErr)
			return
		}
	}
	c.err(rateLimitUsage)
}

// cmdShowEnv is `show env [name]`: the process's environment, or one
// variable of it.
func cmdShowEnv(c *call) {
	if !c.need(admin.Operator) {
		return
	}
	env := os.Environ()
	if name := c.arg(2); name != "" {
		for _, kv := range env {
			if strings.HasPrefix(kv, name) && len(kv) > len(name) && kv[len(name)] == '=' {
				c.data([]byte(kv + "\n"))
				return
			}
		}
		c.err("Variable not found\n")
		return
	}
	for _, kv := range env {
		c.data([]byte(kv + "\n"))
	}
}

// cmdShowSockets is `show cli sockets`: every CLI socket, its level, and
// the processes it serves ("all": there is one).
func cmdShowSockets(c *call) {
	c.data([]byte("# socket lvl processes\n"))
	for _, sk := range c.s.srv.socketList() {
		c.data([]byte(sk.name + " " + sk.options().Level.String() + " all\n"))
	}
}
