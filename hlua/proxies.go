package hlua

import (
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// The Proxy and Server classes of haproxy 2.6 (hlua_fcn.c): core.proxies,
// core.frontends and core.backends map names to Proxy objects; a proxy's
// servers map names to Server objects. What they read comes from the
// rows of `show stat`, what they change goes through the runtime API's
// commands, so that a script and an operator act alike.

// proxiesTable is core.proxies (or frontends, backends): name to Proxy
// object.
//
// As haproxy's, they exist once the configuration runs (init functions,
// tasks, traffic): nil while the scripts load.
func (v *vm) proxiesTable(L *glua.LState, keep func(Proxy) bool) glua.LValue {
	h := v.prog.host
	if h == nil {
		return glua.LNil
	}
	out := L.NewTable()
	for _, px := range h.Proxies() {
		if keep(px) {
			out.RawSetString(px.Name(), proxyObject(L, px))
		}
	}
	return out
}

// statsTable is a get_stats() result: numbers as numbers, as haproxy's
// hlua_fcn_pushfield; empty fields absent.
func statsTable(L *glua.LState, m map[string]any) *glua.LTable {
	tb := L.NewTable()
	for k, v := range m {
		switch x := v.(type) {
		case string:
			tb.RawSetString(k, glua.LString(x))
		case int64:
			tb.RawSetString(k, glua.LNumber(x))
		case uint64:
			tb.RawSetString(k, glua.LNumber(x))
		case float64:
			tb.RawSetString(k, glua.LNumber(x))
		case int:
			tb.RawSetString(k, glua.LNumber(x))
		}
	}
	return tb
}

// capName is what haproxy 2.6.12's get_cap answers (a listen section
// is "proxy" there).
func capName(px Proxy) string {
	switch {
	case px.Frontend() && px.Backend():
		return "proxy"
	case px.Frontend():
		return "frontend"
	case px.Backend():
		return "backend"
	}
	return "none"
}

func proxyObject(L *glua.LState, px Proxy) *glua.LTable {
	o := L.NewTable()
	o.RawSetString("name", glua.LString(px.Name()))
	o.RawSetString("uuid", glua.LString(strconv.Itoa(px.ID()))) // a string in haproxy
	servers := L.NewTable()
	for _, s := range px.Servers() {
		servers.RawSetString(s.Name(), serverObject(L, px, s))
	}
	o.RawSetString("servers", servers)
	listeners := L.NewTable()
	if lp, ok := px.(listenerProxy); ok {
		for _, li := range lp.Listeners() {
			listeners.RawSetString(li.Name(), listenerObject(L, li))
		}
	}
	o.RawSetString("listeners", listeners)
	if sp, ok := px.(stickTableProxy); ok {
		if t := sp.StickTable(); t != nil {
			o.RawSetString("stktable", newObject(L, "StickTable", t))
		}
	}
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"get_stats":    func(L *glua.LState) int { L.Push(statsTable(L, px.Stats())); return 1 },
		"pause":        func(L *glua.LState) int { px.Pause(); return 0 },
		"resume":       func(L *glua.LState) int { px.Resume(); return 0 },
		"stop":         func(L *glua.LState) int { px.Stop(); return 0 },
		"get_cap":      func(L *glua.LState) int { L.Push(glua.LString(capName(px))); return 1 },
		"get_mode":     func(L *glua.LState) int { L.Push(glua.LString(px.Mode())); return 1 },
		"shut_bcksess": func(L *glua.LState) int { return 0 }, // see docs/lua.md
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(o, meta)
	return o
}

// Listener is a frontend's listener (Proxy.listeners), for a Proxy that
// lists them (Listeners() []Listener).
type Listener interface {
	Name() string
	// Stats is the listener's row of `show stat`, as Proxy.Stats.
	Stats() map[string]any
}

type listenerProxy interface{ Listeners() []Listener }

func listenerObject(L *glua.LState, li Listener) *glua.LTable {
	o := L.NewTable()
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"get_stats": func(L *glua.LState) int { L.Push(statsTable(L, li.Stats())); return 1 },
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(o, meta)
	return o
}

// cmdResult is what a set_* method returns: nil when the command took,
// else its message without the trailing newline (haproxy's
// hlua_pushstrippedstring).
func cmdResult(L *glua.LState, out string) int {
	out = strings.TrimRight(out, " \t\r\n")
	if out == "" {
		L.Push(glua.LNil)
	} else {
		L.Push(glua.LString(out))
	}
	return 1
}

func serverObject(L *glua.LState, px Proxy, s Server) *glua.LTable {
	o := L.NewTable()
	o.RawSetString("name", glua.LString(s.Name()))
	o.RawSetString("puid", glua.LString(strconv.Itoa(s.ID()))) // a string in haproxy
	// act runs a command whose answer the method does not return.
	act := func(words ...string) glua.LGFunction {
		return func(L *glua.LState) int {
			s.Command(words...)
			return 0
		}
	}
	num := func(field string) int64 {
		switch x := s.Stats()[field].(type) {
		case int64:
			return x
		case uint64:
			return int64(x)
		}
		return 0
	}
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"get_name":  func(L *glua.LState) int { L.Push(glua.LString(s.Name())); return 1 },
		"get_puid":  func(L *glua.LState) int { L.Push(glua.LNumber(s.ID())); return 1 },
		"get_addr":  func(L *glua.LState) int { L.Push(glua.LString(s.Addr())); return 1 },
		"get_stats": func(L *glua.LState) int { L.Push(statsTable(L, s.Stats())); return 1 },
		// haproxy 2.6 returns an integer here (0 or 1), not a boolean.
		"is_draining": func(L *glua.LState) int {
			st, _ := s.Stats()["status"].(string)
			n := 0
			if st == "DRAIN" || strings.HasPrefix(st, "DRAIN ") {
				n = 1
			}
			L.Push(glua.LNumber(n))
			return 1
		},
		"set_weight": func(L *glua.LState) int {
			return cmdResult(L, s.Command("set", "weight", "%s", L.CheckString(2)))
		},
		// get_weight is the weight set by configuration or at run time
		// (haproxy's uweight): `get weight`'s first number.
		"get_weight": func(L *glua.LState) int {
			out := s.Command("get", "weight", "%s")
			w, _, _ := strings.Cut(out, " ")
			n, _ := strconv.Atoi(w)
			L.Push(glua.LNumber(n))
			return 1
		},
		"set_maxconn": func(L *glua.LState) int {
			return cmdResult(L, s.Command("set", "maxconn", "server", "%s", L.CheckString(2)))
		},
		"get_maxconn": func(L *glua.LState) int { L.Push(glua.LNumber(num("slim"))); return 1 },
		// set_addr answers what the change did, as haproxy's
		// srv_update_addr_port ("IP changed from … by 'Lua script'").
		"set_addr": func(L *glua.LState) int {
			words := []string{"set", "server", "%s", "addr", L.CheckString(2)}
			if L.GetTop() >= 3 {
				words = append(words, "port", L.CheckString(3))
			}
			out := s.Command(words...)
			return cmdResult(L, strings.ReplaceAll(out, "by 'stats socket command'", "by 'Lua script'"))
		},
		"shut_sess":        act("shutdown", "sessions", "server", "%s"),
		"set_drain":        act("set", "server", "%s", "state", "drain"),
		"set_maint":        act("set", "server", "%s", "state", "maint"),
		"set_ready":        act("set", "server", "%s", "state", "ready"),
		"check_enable":     act("enable", "health", "%s"),
		"check_disable":    act("disable", "health", "%s"),
		"check_force_up":   act("set", "server", "%s", "health", "up"),
		"check_force_nolb": act("set", "server", "%s", "health", "stopping"),
		"check_force_down": act("set", "server", "%s", "health", "down"),
		"agent_enable":     act("enable", "agent", "%s"),
		"agent_disable":    act("disable", "agent", "%s"),
		"agent_force_up":   act("set", "server", "%s", "agent", "up"),
		"agent_force_down": act("set", "server", "%s", "agent", "down"),
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(o, meta)
	return o
}
