package hlua

import (
	glua "github.com/yuin/gopher-lua"
)

// proxiesTable is core.proxies (or frontends, backends): name to Proxy
// object.
func (v *vm) proxiesTable(L *glua.LState, keep func(Proxy) bool) *glua.LTable {
	out := L.NewTable()
	h := v.prog.host
	if h == nil {
		return out
	}
	for _, px := range h.Proxies() {
		if keep(px) {
			out.RawSetString(px.Name(), proxyObject(L, px))
		}
	}
	return out
}

func statsTable(L *glua.LState, m map[string]string) *glua.LTable {
	tb := L.NewTable()
	for k, v := range m {
		tb.RawSetString(k, glua.LString(v))
	}
	return tb
}

func proxyObject(L *glua.LState, px Proxy) *glua.LTable {
	o := L.NewTable()
	o.RawSetString("name", glua.LString(px.Name()))
	o.RawSetString("uuid", glua.LNumber(px.ID()))
	servers := L.NewTable()
	for _, s := range px.Servers() {
		servers.RawSetString(s.Name(), serverObject(L, s))
	}
	o.RawSetString("servers", servers)
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"get_stats": func(L *glua.LState) int { L.Push(statsTable(L, px.Stats())); return 1 },
		"pause":     func(L *glua.LState) int { px.Pause(); return 0 },
		"resume":    func(L *glua.LState) int { px.Resume(); return 0 },
		"get_cap": func(L *glua.LState) int {
			switch {
			case px.Frontend() && px.Backend():
				L.Push(glua.LString("proxy"))
			case px.Frontend():
				L.Push(glua.LString("frontend"))
			default:
				L.Push(glua.LString("backend"))
			}
			return 1
		},
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(o, meta)
	return o
}

func serverObject(L *glua.LState, s Server) *glua.LTable {
	o := L.NewTable()
	o.RawSetString("name", glua.LString(s.Name()))
	o.RawSetString("puid", glua.LNumber(s.ID()))
	cmd := func(words ...string) glua.LGFunction {
		return func(L *glua.LState) int {
			out := s.Command(words...)
			if out == "" {
				L.Push(glua.LNil)
			} else {
				L.Push(glua.LString(out))
			}
			return 1
		}
	}
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"get_name":  func(L *glua.LState) int { L.Push(glua.LString(s.Name())); return 1 },
		"get_puid":  func(L *glua.LState) int { L.Push(glua.LNumber(s.ID())); return 1 },
		"get_addr":  func(L *glua.LState) int { L.Push(glua.LString(s.Addr())); return 1 },
		"get_stats": func(L *glua.LState) int { L.Push(statsTable(L, s.Stats())); return 1 },
		"is_draining": func(L *glua.LState) int {
			L.Push(glua.LBool(s.Stats()["status"] == "DRAIN"))
			return 1
		},
		"set_weight": func(L *glua.LState) int {
			out := s.Command("set", "weight", L.CheckString(2))
			if out == "" {
				L.Push(glua.LNil)
			} else {
				L.Push(glua.LString(out))
			}
			return 1
		},
		"get_weight": func(L *glua.LState) int {
			L.Push(glua.LString(s.Stats()["weight"]))
			return 1
		},
		"set_maint":        cmd("set", "state", "maint"),
		"set_drain":        cmd("set", "state", "drain"),
		"set_ready":        cmd("set", "state", "ready"),
		"check_enable":     cmd("enable", "health"),
		"check_disable":    cmd("disable", "health"),
		"check_force_up":   cmd("set", "health", "up"),
		"check_force_nolb": cmd("set", "health", "stopping"),
		"check_force_down": cmd("set", "health", "down"),
		"agent_enable":     cmd("enable", "agent"),
		"agent_disable":    cmd("disable", "agent"),
		"agent_force_up":   cmd("set", "agent", "up"),
		"agent_force_down": cmd("set", "agent", "down"),
		"shut_sess":        cmd("shutdown", "sessions"),
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(o, meta)
	return o
}
