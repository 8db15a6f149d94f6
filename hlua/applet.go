package hlua

import (
	"bytes"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// Applet is the exchange of a Lua service (`use-service lua.NAME`): the
// request it reads and the response it builds. The proxy fills the
// request side, runs the service and writes the response.
type Applet struct {
	Method, Path, Query, Version string
	Headers                      [][2]string // the request's, in order
	// Body is the request's body, read by getline and receive.
	Body []byte
	// The response: Status 200 unless set_status changed it.
	Status  int
	Reason  string
	RespHdr [][2]string
	Out     bytes.Buffer
	// Started says start_response was called; a service that sends
	// without it gets a head made for it.
	Started bool
}

// RunService runs the Lua service name for a; it reports false when the
// script failed (the proxy answers 500, as haproxy does when a service
// errs before it replied).
func (p *Program) RunService(name string, st Stream, a *Applet) bool {
	t, fn, end, err := p.begin(KindService, name)
	if err != nil {
		p.logError(st, KindService, name, err)
		return false
	}
	defer end()
	var ctx *sample.Ctx
	if st != nil {
		ctx = st.Ctx()
	}
	t.cur = &call{kind: KindService, name: name, st: st, ctx: ctx, applet: a}
	t.limit.Store(p.Settings.ServiceTimeout.Milliseconds())
	if a.Status == 0 {
		a.Status = 200
	}
	_, err = t.run(fn, 0, t.appletHTTP(a))
	if err != nil && !t.cur.exit {
		p.logError(st, KindService, name, err)
		return false
	}
	return true
}

// ServiceMode is "http" or "tcp" for a registered service, "" when none.
func (p *Program) ServiceMode(name string) string {
	if d := p.declared(KindService, name); d != nil {
		return d.mode
	}
	return ""
}

// appletHTTP makes the AppletHTTP object of a service call.
func (t *thread) appletHTTP(a *Applet) *glua.LTable {
	L := t.L
	ap := L.NewTable()
	ap.RawSetString("method", glua.LString(a.Method))
	ap.RawSetString("path", glua.LString(a.Path))
	ap.RawSetString("qs", glua.LString(a.Query))
	ap.RawSetString("version", glua.LString(strings.TrimPrefix(a.Version, "HTTP/")))
	ap.RawSetString("length", glua.LNumber(len(a.Body)))
	ap.RawSetString("headers", headersTable(L, func(fn func(name, value []byte)) {
		for _, h := range a.Headers {
			fn([]byte(h[0]), []byte(h[1]))
		}
	}))
	ap.RawSetString("f", t.fetchObject(false))
	ap.RawSetString("sf", t.fetchObject(true))
	ap.RawSetString("c", t.convObject(false))
	ap.RawSetString("sc", t.convObject(true))
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"set_status": func(L *glua.LState) int {
			a.Status = L.CheckInt(2)
			a.Reason = L.OptString(3, "")
			return 0
		},
		"add_header": func(L *glua.LState) int {
			a.RespHdr = append(a.RespHdr, [2]string{strings.ToLower(L.CheckString(2)), L.CheckString(3)})
			return 0
		},
		"start_response": func(L *glua.LState) int {
			a.Started = true
			return 0
		},
		"getline": func(L *glua.LState) int {
			i := bytes.IndexByte(a.Body, '\n')
			if i < 0 {
				i = len(a.Body) - 1
			}
			line := a.Body[:i+1]
			a.Body = a.Body[i+1:]
			L.Push(glua.LString(line))
			return 1
		},
		"receive": func(L *glua.LState) int {
			n := L.OptInt(2, -1)
			if n < 0 || n > len(a.Body) {
				n = len(a.Body)
			}
			L.Push(glua.LString(a.Body[:n]))
			a.Body = a.Body[n:]
			return 1
		},
		"send": func(L *glua.LState) int {
			a.Out.WriteString(L.CheckString(2))
			return 0
		},
		"get_var": func(L *glua.LState) int { return getVar(L, t.cur, L.CheckString(2)) },
		"set_var": func(L *glua.LState) int {
			return setVar(L, t.cur, L.CheckString(2), L.CheckAny(3), L.OptBool(4, false))
		},
		"unset_var": func(L *glua.LState) int { return unsetVar(L, t.cur, L.CheckString(2)) },
		"get_priv":  func(L *glua.LState) int { return getPriv(L, t.cur) },
		"set_priv":  func(L *glua.LState) int { return setPriv(L, t.cur) },
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(ap, meta)
	return ap
}
