package proxy

import (
	"strconv"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/hlua"
	"switchyard/stick"
)

// core.proxies, core.frontends and core.backends: the Proxy and Server
// objects of hlua/proxies.go on the running configuration. What they read
// and change goes through the admin surface (LuaAdmin), as the runtime
// API's commands do.

// proxies are the running configuration's frontend, backend and listen
// sections, in configuration order (core.proxies and its kin).
func (h *luaHost) proxies() []hlua.Proxy {
	snap := h.rt.Snapshot()
	if snap == nil {
		return nil
	}
	var out []hlua.Proxy
	for _, px := range snap.Proxies() {
		p := &luaProxy{rt: h.rt, cfg: px, admin: h.admin}
		if px.Cap&config.CapBE != 0 {
			p.be = snap.Backend(px.Name)
		}
		if config.StickTable(px) != nil {
			p.table = snap.LookupStickTable(px.Name)
		}
		out = append(out, p)
	}
	return out
}

// LuaAdmin is what core.proxies' objects reach through the admin surface,
// which this package cannot import: the rows of `show stat` and the
// runtime API's commands. runtimeapi sets LuaAdminOf.
type LuaAdmin interface {
	// Stats returns a row of `show stat` by column name: the proxy's
	// frontend (server "FRONTEND"), backend ("BACKEND") or a server's;
	// nil when there is none. Values are int64, uint64, float64 or
	// string; empty cells are left out.
	Stats(proxy, server string) map[string]any
	// ListenerStats is the row of a frontend's listener, luid being its
	// bind's rank from 1 (nil when there is none).
	ListenerStats(frontend string, luid int) map[string]any
	// Command runs a runtime API command line at level admin and
	// returns its answer.
	Command(line string) string
}

// LuaAdminOf gives the admin surface of a runtime (nil: none linked in).
var LuaAdminOf func(rt *Runtime) LuaAdmin

// LuaProgram is the running configuration's Lua program, nil when it
// loads no script: its register_cli commands are the runtime API's.
func (rt *Runtime) LuaProgram() *hlua.Program {
	rt.applyMu.Lock()
	defer rt.applyMu.Unlock()
	if rt.luaHost == nil {
		return nil
	}
	return rt.luaHost.prog
}

type luaProxy struct {
	rt    *Runtime
	cfg   *config.Proxy
	be    *Backend
	admin LuaAdmin     // the host's (nil: none)
	table *stick.Table // its stick-table line's (nil: none)
}

func (p *luaProxy) Name() string   { return p.cfg.Name }
func (p *luaProxy) ID() int        { return p.cfg.ID }
func (p *luaProxy) Frontend() bool { return p.cfg.Cap&config.CapFE != 0 }
func (p *luaProxy) Backend() bool  { return p.cfg.Cap&config.CapBE != 0 }
func (p *luaProxy) Mode() string   { return p.cfg.Mode.String() }

// StickTable is the table of the proxy's stick-table line, nil when it
// has none (Proxy.stktable).
func (p *luaProxy) StickTable() *stick.Table { return p.table }

// Stats is the proxy's row of `show stat`: the backend's for a backend or
// a listen section, the frontend's for a frontend (haproxy's
// hlua_proxy_get_stats).
func (p *luaProxy) Stats() map[string]any {
	a := p.admin
	if a == nil {
		return nil
	}
	if p.Backend() {
		return a.Stats(p.cfg.Name, "BACKEND")
	}
	return a.Stats(p.cfg.Name, "FRONTEND")
}

func (p *luaProxy) Servers() []hlua.Server {
	if p.be == nil {
		return nil
	}
	var out []hlua.Server
	for _, s := range p.be.Servers() {
		out = append(out, &luaServer{px: p, srv: s})
	}
	return out
}

// Listeners are a frontend's binds, named by their `name` or "sock-N"
// (N the bind's rank from 1), as haproxy 2.6.12's Proxy.listeners.
func (p *luaProxy) Listeners() []hlua.Listener {
	if !p.Frontend() {
		return nil
	}
	var out []hlua.Listener
	for i, b := range p.cfg.Binds {
		name := b.Name
		if name == "" {
			name = "sock-" + strconv.Itoa(i+1)
		}
		out = append(out, &luaListener{px: p, name: name, luid: i + 1})
	}
	return out
}

type luaListener struct {
	px   *luaProxy
	name string
	luid int
}

func (l *luaListener) Name() string { return l.name }

func (l *luaListener) Stats() map[string]any {
	if a := l.px.admin; a != nil {
		return a.ListenerStats(l.px.cfg.Name, l.luid)
	}
	return nil
}

func (p *luaProxy) Pause() bool  { return p.rt.PauseFrontend(p.cfg.Name) == nil }
func (p *luaProxy) Resume() bool { return p.rt.ResumeFrontend(p.cfg.Name) == nil }
func (p *luaProxy) Stop() bool   { return p.rt.ShutdownFrontend(p.cfg.Name) == nil }

type luaServer struct {
	px  *luaProxy
	srv *backend.Server
}

// The methods of a Lua Server object mark the server as referenced
// (haproxy's hlua_check_server): del server then refuses it. Its name
// and id are fields, read without a call.
func (s *luaServer) Name() string { return s.srv.Name }
func (s *luaServer) ID() int      { return s.srv.Settings().ID }
func (s *luaServer) Addr() string { s.srv.MarkReferenced(); return s.srv.Addr() }

func (s *luaServer) Stats() map[string]any {
	s.srv.MarkReferenced()
	if a := s.px.admin; a != nil {
		return a.Stats(s.px.cfg.Name, s.srv.Name)
	}
	return nil
}

// Command runs a server command of the runtime API on this server: the
// words before the server's "backend/server", then those after.
func (s *luaServer) Command(args ...string) string {
	s.srv.MarkReferenced()
	a := s.px.admin
	if a == nil {
		return "the runtime API is not available"
	}
	line := ""
	ref := s.px.cfg.Name + "/" + s.srv.Name
	placed := false
	for _, w := range args {
		if w == "%s" {
			w, placed = ref, true
		}
		line += w + " "
	}
	if !placed {
		line += ref
	}
	return a.Command(line)
}
