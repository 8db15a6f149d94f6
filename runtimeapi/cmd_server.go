package runtimeapi

import (
	"strings"

	"switchyard/admin"
)

// The server commands, server.c's. The admin surface finds the backend
// and the server and answers with haproxy's words; here the words of the
// command line are taken apart as haproxy does, in its order.

const requireBackendServer = "Require 'backend/server'.\n"

// splitServer reads "backend/server" as cli_find_server: both parts are
// required.
func splitServer(s string) (be, srv string, ok bool) {
	be, srv, _ = strings.Cut(s, "/")
	return be, srv, be != "" && srv != ""
}

// serverCmd is a command of one "backend/server" argument, at word i,
// which needs the admin level.
func serverCmd(i int, op func(*admin.Surface, admin.Level, string, string) error) func(c *call) {
	return func(c *call) {
		if !c.need(admin.Admin) {
			return
		}
		be, srv, ok := splitServer(c.arg(i))
		if !ok {
			c.err(requireBackendServer)
			return
		}
		c.fail(op(c.s.srv.surf, c.s.level, be, srv), logErr)
	}
}

func cmdSetMaxConnServer(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	if _, _, ok := splitServer(c.arg(3)); !ok {
		c.err(requireBackendServer)
		return
	}
	c.fail(c.s.srv.surf.SetMaxConn(c.s.level, "server", c.arg(3), c.arg(4)), logErr)
}

const setServerUsage = "usage: set server <backend>/<server> " +
	"addr | agent | agent-addr | agent-port | agent-send | " +
	"check-addr | check-port | fqdn | health | ssl | " +
	"state | weight\n"

// cmdSetServer is `set server B/S <what> …`.
func cmdSetServer(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	be, srv, ok := splitServer(c.arg(2))
	if !ok {
		c.err(requireBackendServer)
		return
	}
	surf, lvl := c.s.srv.surf, c.s.level
	switch c.arg(3) {
	case "weight":
		c.fail(surf.SetServerWeight(lvl, be, srv, c.arg(4)), logErr)
		return
	case "state":
		c.fail(surf.SetServerState(lvl, be, srv, c.arg(4)), logErr)
		return
	case "health":
		c.fail(surf.SetServerHealth(lvl, be, srv, c.arg(4)), logErr)
		return
	case "agent":
		c.fail(surf.SetServerAgent(lvl, be, srv, c.arg(4)), logErr)
		return
	case "addr":
		if !c.findServer(be, srv) {
			return
		}
		if c.arg(4) == "" {
			c.err("set server <b>/<s> addr requires an address and optionally a port.\n")
			return
		}
		port := ""
		if c.arg(5) == "port" {
			port = c.arg(6)
		}
		// haproxy reports what changed, or what it refused, as a
		// warning either way.
		c.fail(surf.SetServerAddr(lvl, be, srv, c.arg(4), port), logWarning)
		return
	}
	// The options without an operation of the surface: the server is
	// looked up first, as haproxy does.
	if !c.findServer(be, srv) {
		return
	}
	switch c.arg(3) {
	case "check-addr", "agent-addr":
		if c.arg(4) == "" {
			c.err("set server <b>/<s> " + c.arg(3) + " requires an address and optionally a port.\n")
			return
		}
		port := ""
		if c.arg(5) == "port" {
			port = c.arg(6)
		}
		c.setCheckAddr(be, srv, c.arg(3) == "agent-addr", c.arg(4), port)
	case "check-port", "agent-port":
		if c.arg(4) == "" {
			c.err("set server <b>/<s> " + c.arg(3) + " requires a port.\n")
			return
		}
		c.setCheckAddr(be, srv, c.arg(3) == "agent-port", "", c.arg(4))
	case "agent-send":
		c.fail(surf.SetServerAgentSend(lvl, be, srv, c.arg(4)), logErr)
	case "fqdn":
		if c.arg(4) == "" {
			c.err("set server <b>/<s> fqdn requires a FQDN.\n")
			return
		}
		// No resolvers section exists in switchyard yet.
		c.err("set server <b>/<s> fqdn failed because no resolution is configured.\n")
	case "ssl":
		if c.fail(surf.SetServerSSL(lvl, be, srv, c.arg(4)), logErr) {
			return
		}
		c.msg(logNotice, "server ssl setting updated.\n")
	default:
		c.err(setServerUsage)
	}
}

// setCheckAddr moves a server's health checks or agent; a refusal is
// haproxy's warning.
func (c *call) setCheckAddr(be, srv string, agent bool, addr, port string) {
	surf, lvl := c.s.srv.surf, c.s.level
	if agent {
		c.fail(surf.SetServerAgentAddr(lvl, be, srv, addr, port), logWarning)
	} else {
		c.fail(surf.SetServerCheckAddr(lvl, be, srv, addr, port), logWarning)
	}
}

// findServer checks that a backend and its server exist, with haproxy's
// answers, for the options the admin surface does not look up itself.
func (c *call) findServer(be, srv string) bool {
	snap := c.s.srv.surf.Runtime().Snapshot()
	b := snap.Backend(be)
	if b == nil {
		c.err("No such backend.\n")
		return false
	}
	for _, s := range b.Servers() {
		if s.Name == srv {
			return true
		}
	}
	c.err("No such server.\n")
	return false
}

// cmdGetWeight is `get weight B/S`, at any level; only the slash is
// required ("/s" names a backend "").
func cmdGetWeight(c *call) {
	be, srv, found := strings.Cut(c.arg(2), "/")
	if !found || srv == "" {
		c.err(requireBackendServer)
		return
	}
	w, err := c.s.srv.surf.GetWeight(c.s.level, be, srv)
	if c.fail(err, logErr) {
		return
	}
	if !strings.HasSuffix(w, "\n") {
		w += "\n"
	}
	c.data([]byte(w))
}

func cmdSetWeight(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	be, srv, ok := splitServer(c.arg(2))
	if !ok {
		c.err(requireBackendServer)
		return
	}
	c.fail(c.s.srv.surf.SetServerWeight(c.s.level, be, srv, c.arg(3)), logErr)
}

// splitDynamic reads the "backend/server" of add and del server, whose
// messages haproxy ends without a newline.
func splitDynamic(c *call) (be, srv string, ok bool) {
	be, srv, _ = strings.Cut(c.arg(2), "/")
	if be == "" || srv == "" {
		c.err("Require 'backend/server'.")
		return "", "", false
	}
	return be, srv, true
}

func cmdAddServer(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	be, srv, ok := splitDynamic(c)
	if !ok {
		return
	}
	var opts []string
	if len(c.args) > 3 {
		opts = c.args[3:]
	}
	if c.fail(c.s.srv.surf.AddServer(c.s.level, be, srv, opts), logErr) {
		return
	}
	c.msg(logInfo, "New server registered.\n")
}

func cmdDelServer(c *call) {
	if !c.need(admin.Admin) {
		return
	}
	be, srv, ok := splitDynamic(c)
	if !ok {
		return
	}
	if c.fail(c.s.srv.surf.DelServer(c.s.level, be, srv), logErr) {
		return
	}
	c.msg(logInfo, "Server deleted.")
}
