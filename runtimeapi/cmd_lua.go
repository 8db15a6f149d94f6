package runtimeapi

import (
	"strings"
	"time"

	"switchyard/admin"
	"switchyard/proxy"
	"switchyard/stats"
)

// Lua and the runtime API: the commands scripts register with
// core.register_cli are the running configuration's (found after the
// built-in ones, as haproxy's later-registered keywords), and the Proxy
// and Server objects of core.proxies read `show stat` rows and run the
// server commands through this package (proxy.LuaAdminOf).

func init() {
	proxy.LuaAdminOf = func(rt *proxy.Runtime) proxy.LuaAdmin {
		surf := admin.New(rt)
		return &luaAdmin{surf: surf, srv: New(surf)}
	}
}

// luaCommand finds a register_cli command of the running configuration
// for args; nil when none. Sessions made for Lua's own calls (without a
// connection) never reach Lua commands: a script's state is busy then.
func luaCommand(s *session, args []string) *command {
	if s.conn == nil || s.srv == nil || s.srv.surf == nil {
		return nil
	}
	prog := s.srv.surf.Runtime().LuaProgram()
	name, ok := prog.CLICommand(args)
	if !ok {
		return nil
	}
	return &command{name: name, run: func(c *call) {
		c.sev = sevData
		c.text = append(c.text, prog.RunCLI(name, c.args, sessionInput{c.s})...)
	}}
}

// sessionInput is what the client sends after a command, which a Lua
// command reads (applet:getline(), receive()), each read within the
// session's timeout.
type sessionInput struct{ s *session }

func (r sessionInput) Read(b []byte) (int, error) {
	if r.s.timeout > 0 {
		r.s.conn.SetReadDeadline(time.Now().Add(r.s.timeout))
	}
	return r.s.br.Read(b)
}

// luaAdmin is proxy.LuaAdmin on the admin surface; srv is the runtime API
// server its commands run on.
type luaAdmin struct {
	surf *admin.Surface
	srv  *Server
}

// Stats returns the row of `show stat` of proxy/server (FRONTEND,
// BACKEND or a server's name), by column name.
// Only px's rows are made: a script's get_stats() would otherwise lay out
// every proxy's and server's row to keep one.
func (a *luaAdmin) Stats(px, server string) map[string]any {
	f := admin.AllStats
	f.Scope = []string{px}
	rows := a.surf.Stats(f)
	for i := range rows {
		r := &rows[i]
		if r.Fields[stats.FPxname].Str == px && r.Fields[stats.FSvname].Str == server {
			return statMap(r)
		}
	}
	return nil
}

// ListenerStats is the row of a frontend's listener (its bind's rank,
// from 1), by column name.
func (a *luaAdmin) ListenerStats(frontend string, luid int) map[string]any {
	r, ok := a.surf.ListenerStats(frontend, luid)
	if !ok {
		return nil
	}
	return statMap(&r)
}

// statMap is a row by column name, as Lua's get_stats() gives it:
// numbers as numbers, empty fields left out.
func statMap(r *stats.Row) map[string]any {
	out := make(map[string]any, stats.NumStat)
	for i := range r.Fields {
		f := &r.Fields[i]
		name := stats.StatFields[i].Name
		switch f.Kind {
		case stats.Str:
			out[name] = f.Str
		case stats.U32, stats.U64:
			out[name] = f.U
		case stats.S32, stats.S64:
			out[name] = f.S
		case stats.Flt:
			out[name] = f.F
		}
	}
	return out
}

// Command runs a command line at level admin, as a script acts with the
// process's rights; it returns the answer.
func (a *luaAdmin) Command(line string) string {
	s := &session{srv: a.srv, level: admin.Admin, sockLevel: admin.Admin}
	s.exec(line, "")
	return string(s.out)
}

// withLuaCommands is the command list that help and "Unknown command"
// answers show: the built-in commands, then the running configuration's
// register_cli ones, whose usage line is the script's message, as
// haproxy's.
func withLuaCommands(s *session) []*command {
	if s.conn == nil || s.srv == nil || s.srv.surf == nil {
		return commands
	}
	prog := s.srv.surf.Runtime().LuaProgram()
	lua := prog.CLIUsage()
	if len(lua) == 0 {
		return commands
	}
	out := make([]*command, 0, len(commands)+len(lua))
	out = append(out, commands...)
	for _, u := range lua {
		out = append(out, &command{name: u[0], words: strings.Fields(u[0]), usage: u[1]})
	}
	return out
}
