package hlua

import (
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"
)

// coreTable is the `core` global of a state: registrations, logging,
// variables, maps, time.
func (v *vm) coreTable() *glua.LTable {
	L := v.L
	core := L.NewTable()
	for i, n := range []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"} {
		core.RawSetString(n, glua.LNumber(i))
	}
	core.RawSetString("thread", glua.LNumber(0))
	L.SetFuncs(core, v.registerFuncs())
	// core.log and its kin write to the global loggers even within a
	// request, as haproxy's (txn:log writes to the stream's proxy's).
	logAt := func(level int) glua.LGFunction {
		return func(L *glua.LState) int {
			v.prog.log(nil, level, L.CheckString(1))
			return 0
		}
	}
	L.SetFuncs(core, map[string]glua.LGFunction{
		"log": func(L *glua.LState) int {
			level := L.CheckInt(1)
			if level < 0 || level > logDebug {
				L.ArgError(1, "Invalid loglevel.")
			}
			v.prog.log(nil, level, L.CheckString(2))
			return 0
		},
		"Debug":   logAt(logDebug),
		"Info":    logAt(logInfo),
		"Warning": logAt(logWarning),
		"Alert":   logAt(logAlert),
		"now": func(L *glua.LState) int {
			now := time.Now()
			tb := L.CreateTable(0, 2)
			tb.RawSetString("sec", glua.LNumber(now.Unix()))
			tb.RawSetString("usec", glua.LNumber(now.Nanosecond()/1000))
			L.Push(tb)
			return 1
		},
		"msleep": func(L *glua.LState) int {
			v.sleep(L, time.Duration(L.CheckInt64(1))*time.Millisecond)
			return 0
		},
		"sleep": func(L *glua.LState) int {
			v.sleep(L, time.Duration(L.CheckInt64(1))*time.Second)
			return 0
		},
		"yield": func(L *glua.LState) int {
			v.sleep(L, 0)
			return 0
		},
		"get_var": func(L *glua.LState) int {
			return getVar(L, nil, L.CheckString(1))
		},
		"set_var": func(L *glua.LState) int {
			return setVar(L, nil, L.CheckString(1), L.CheckAny(2), L.OptBool(3, false))
		},
		"unset_var": func(L *glua.LState) int {
			return unsetVar(L, nil, L.CheckString(1))
		},
		"add_acl": v.patEdit(func(L *glua.LState, ref patRef) error { return ref.AddIfMissing(L.CheckString(2)) }),
		"del_acl": v.patEdit(func(L *glua.LState, ref patRef) error { ref.Delete(L.CheckString(2)); return nil }),
		"set_map": v.patEdit(func(L *glua.LState, ref patRef) error {
			return ref.SetOrAdd(L.CheckString(2), L.CheckString(3))
		}),
		"del_map": v.patEdit(func(L *glua.LState, ref patRef) error { ref.Delete(L.CheckString(2)); return nil }),
		"parse_addr": func(L *glua.LState) int {
			p, err := parseNet(L.CheckString(1))
			if err != nil {
				L.Push(glua.LNil)
				return 1
			}
			ud := L.NewUserData()
			ud.Value = p
			L.Push(ud)
			return 1
		},
		"match_addr": func(L *glua.LState) int {
			a, ok1 := L.CheckUserData(1).Value.(netip.Prefix)
			b, ok2 := L.CheckUserData(2).Value.(netip.Prefix)
			L.Push(glua.LBool(ok1 && ok2 && matchNets(a, b)))
			return 1
		},
		"tokenize": func(L *glua.LState) int {
			s, seps := L.CheckString(1), L.CheckString(2)
			noblank := L.OptBool(3, false)
			out := L.CreateTable(4, 0)
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
				out.Append(glua.LString(w))
			}
			if !noblank {
				// haproxy keeps empty words between adjacent separators.
				out = L.CreateTable(4, 0)
				start := 0
				for i := 0; i < len(s); i++ {
					if strings.IndexByte(seps, s[i]) >= 0 {
						out.Append(glua.LString(s[start:i]))
						start = i + 1
					}
				}
				out.Append(glua.LString(s[start:]))
			}
			L.Push(out)
			return 1
		},
		"done": func(L *glua.LState) int {
			// The Lua code ends here, with the argument as its result.
			if t := v.threadOf(L); t != nil && t.cur != nil {
				t.cur.exit, t.cur.exitVal = true, L.Get(1)
			}
			L.RaiseError("%s", doneSignal)
			return 0
		},
		"concat": func(L *glua.LState) int {
			L.Push(newConcat(L))
			return 1
		},
		// The HTTP date parsers: the epoch second, or nil.
		"http_date":    dateParser(http.TimeFormat, time.RFC850, time.ANSIC),
		"imf_date":     dateParser(http.TimeFormat),
		"rfc850_date":  dateParser(time.RFC850),
		"asctime_date": dateParser(time.ANSIC),
		"set_nice": func(L *glua.LState) int {
			L.CheckInt(1) // switchyard has no task priorities
			return 0
		},
		"get_info": func(L *glua.LState) int {
			tb := L.NewTable()
			tb.RawSetString("Name", glua.LString("switchyard"))
			tb.RawSetString("Pid", glua.LNumber(os.Getpid()))
			L.Push(tb)
			return 1
		},
	})
	// core.proxies, core.frontends and core.backends are the running
	// configuration's, read when a script asks.
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		if v.prog.host == nil {
			// While the scripts load there are no proxies yet: nil,
			// as in haproxy.
			L.Push(glua.LNil)
			return 1
		}
		switch L.CheckString(2) {
		case "proxies":
			L.Push(v.proxiesTable(L, func(Proxy) bool { return true }))
		case "frontends":
			L.Push(v.proxiesTable(L, Proxy.Frontend))
		case "backends":
			L.Push(v.proxiesTable(L, Proxy.Backend))
		default:
			L.Push(glua.LNil)
		}
		return 1
	}))
	L.SetMetatable(core, meta)
	act := L.NewTable()
	for i, n := range []string{"CONTINUE", "STOP", "YIELD", "ERROR", "DONE", "DENY", "ABORT", "INVALID"} {
		act.RawSetString(n, glua.LNumber(i))
	}
	act.RawSetString("wake_time", L.NewFunction(func(L *glua.LState) int { return 0 }))
	L.SetGlobal("act", act)
	return core
}

// threadOf finds the thread a function runs on.
// waitingThread is the thread a wait of L blocks: L's, or, for a
// coroutine the script made, the thread that resumed it, on whose behalf
// it runs (so that its sleeps and socket waits release the shared state).
func (v *vm) waitingThread(L *glua.LState) *thread {
	t := v.threadOf(L)
	for co := L.Parent; t == nil && co != nil && co != L; co = co.Parent {
		t = v.threadOf(co)
	}
	return t
}

func (v *vm) threadOf(L *glua.LState) *thread {
	if !v.shared {
		return v.main
	}
	p := v.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.threads {
		if t.L == L {
			return t
		}
	}
	return nil
}

// sleep waits without holding the state (a yield when d is 0). While the
// scripts load, it really sleeps: nothing else runs then.
func (v *vm) sleep(L *glua.LState, d time.Duration) {
	t := v.waitingThread(L)
	if t == nil || v.loading {
		time.Sleep(d)
		return
	}
	t.sleep(d)
}

// registerFuncs are core.register_*: allowed while the scripts load.
func (v *vm) registerFuncs() map[string]glua.LGFunction {
	p := v.prog
	loading := func(L *glua.LState, what string) {
		if !v.loading {
			L.RaiseError("%s: not available outside of body context", what)
		}
	}
	return map[string]glua.LGFunction{
		"register_fetches": func(L *glua.LState) int {
			loading(L, "register_fetches")
			p.declare(v, &decl{kind: KindFetch}, L.CheckString(1), L.CheckFunction(2))
			return 0
		},
		"register_converters": func(L *glua.LState) int {
			loading(L, "register_converters")
			p.declare(v, &decl{kind: KindConverter}, L.CheckString(1), L.CheckFunction(2))
			return 0
		},
		"register_action": func(L *glua.LState) int {
			loading(L, "register_action")
			name := L.CheckString(1)
			where := L.CheckTable(2)
			fn := L.CheckFunction(3)
			d := &decl{kind: KindAction, nargs: L.OptInt(4, 0)}
			var bad string
			where.ForEach(func(_, w glua.LValue) {
				s := w.String()
				switch s {
				case "http-req", "http-res", "tcp-req", "tcp-res":
					d.where = append(d.where, s)
				default:
					bad = s
				}
			})
			if bad != "" {
				L.ArgError(2, fmt.Sprintf("Lua action environment '%s' is unknown. 'tcp-req', 'tcp-res', 'http-req' or 'http-res' are expected.", bad))
			}
			p.declare(v, d, name, fn)
			return 0
		},
		"register_service": func(L *glua.LState) int {
			loading(L, "register_service")
			name, mode := L.CheckString(1), L.CheckString(2)
			if mode != "http" && mode != "tcp" {
				L.ArgError(2, "'tcp' or 'http' expected")
			}
			p.declare(v, &decl{kind: KindService, mode: mode}, name, L.CheckFunction(3))
			return 0
		},
		"register_cli": func(L *glua.LState) int {
			loading(L, "register_cli")
			words := L.CheckTable(1)
			d := &decl{kind: KindCLI, help: L.CheckString(2)}
			words.ForEach(func(_, w glua.LValue) { d.words = append(d.words, w.String()) })
			if len(d.words) == 0 || len(d.words) > 5 {
				L.ArgError(1, "1 to 5 words expected")
			}
			p.declare(v, d, strings.Join(d.words, " "), L.CheckFunction(3))
			return 0
		},
		"register_filter": func(L *glua.LState) int {
			L.RaiseError("core.register_filter: Lua filters are not supported by switchyard")
			return 0
		},
		"register_init": func(L *glua.LState) int {
			loading(L, "register_init")
			fn := L.CheckFunction(1)
			if v.primary {
				v.inits = append(v.inits, fn)
			}
			return 0
		},
		"register_task": func(L *glua.LState) int {
			fn := L.CheckFunction(1)
			if v.loading {
				if v.primary {
					v.tasks = append(v.tasks, fn)
				}
				return 0
			}
			// At run time, a task starts at once.
			p.startTask(v, fn)
			return 0
		},
	}
}

// patRef is what core.add_acl and its kin edit.
type patRef interface {
	AddIfMissing(key string) error
	Delete(key string) bool
	SetOrAdd(key, value string) error
}

// patEdit runs edit on the pattern file named by the first argument; an
// unknown file is an error, as in haproxy.
func (v *vm) patEdit(edit func(L *glua.LState, ref patRef) error) glua.LGFunction {
	return func(L *glua.LState) int {
		name := L.CheckString(1)
		var ref patRef
		if v.prog.env != nil && v.prog.env.Patterns != nil {
			if r := v.prog.env.Patterns.Lookup(name); r != nil {
				ref = r
			}
		}
		if ref == nil {
			L.RaiseError("'%s': unknown map or ACL file", name)
		}
		if err := edit(L, ref); err != nil {
			L.RaiseError("%s", err.Error())
		}
		return 0
	}
}

// parseNet reads an address or a network (core.parse_addr).
func parseNet(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.Masked(), nil
		}
		// a dotted mask
		a, m, _ := strings.Cut(s, "/")
		addr, err := netip.ParseAddr(a)
		mask, err2 := netip.ParseAddr(m)
		if err != nil || err2 != nil || !addr.Is4() || !mask.Is4() {
			return netip.Prefix{}, fmt.Errorf("bad network %q", s)
		}
		b := mask.As4()
		bits := 0
		for _, x := range b {
			for i := 7; i >= 0; i-- {
				if x&(1<<i) != 0 {
					bits++
				}
			}
		}
		return netip.PrefixFrom(addr, bits).Masked(), nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// matchNets says whether either network contains the other's address, as
// haproxy's core.match_addr.
func matchNets(a, b netip.Prefix) bool {
	if a.Addr().Is4() != b.Addr().Is4() {
		return false
	}
	bits := min(a.Bits(), b.Bits())
	pa, _ := a.Addr().Prefix(bits)
	pb, _ := b.Addr().Prefix(bits)
	return pa == pb
}

// newConcat is core.concat(): a buffer that add() appends to and dump()
// returns.
func newConcat(L *glua.LState) *glua.LTable {
	var b strings.Builder
	c := L.NewTable()
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"add": func(L *glua.LState) int {
			b.WriteString(L.CheckString(2))
			return 0
		},
		"dump": func(L *glua.LState) int {
			L.Push(glua.LString(b.String()))
			return 1
		},
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(c, meta)
	return c
}

// stderrLog writes a Lua message to stderr, as haproxy's
// tune.lua.log.stderr does.
func stderrLog(level int, msg string) {
	names := []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	name := "info"
	if level >= 0 && level < len(names) {
		name = names[level]
	}
	now := time.Now()
	// haproxy's layout: the day of the year from 0, then HHMMSS.
	fmt.Fprintf(os.Stderr, "[%s] %03d/%02d%02d%02d (%d) : %s\n", name, now.YearDay()-1, now.Hour(), now.Minute(), now.Second(), os.Getpid(), msg)
}

// dateParser is core.http_date and its kin: the date in one of layouts
// as the epoch second, nil when it is none of them.
func dateParser(layouts ...string) glua.LGFunction {
	return func(L *glua.LState) int {
		s := L.CheckString(1)
		for _, layout := range layouts {
			if t, err := time.Parse(layout, s); err == nil {
				L.Push(glua.LNumber(t.Unix()))
				return 1
			}
		}
		L.Push(glua.LNil)
		return 1
	}
}
