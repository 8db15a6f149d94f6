package hlua

import (
	"bytes"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// Applet is the exchange of a Lua service (`use-service lua.NAME`): the
// request it reads and the response it builds. The proxy fills the
// request side, runs the service and writes the response: through Sink
// as the script makes it when one is set, else from Out once it ends.
type Applet struct {
	Method, Path, Query, Version string
	// NoPath: the request's URI has no path (haproxy then leaves
	// applet.path and applet.qs out).
	NoPath  bool
	Headers [][2]string // the request's, in order
	// Body is the request's body, read by getline and receive; More,
	// when set, reads what follows (io.EOF at its end) once Body is used
	// up. Length is applet.length (the body's announced size).
	Body    []byte
	More    func() ([]byte, error)
	Length  int64
	bodyEnd bool
	// The response: Status 200 unless set_status changed it; Reason ""
	// for the default one. RespHdr are the fields as start_response
	// found them in applet.response.
	Status  int
	Reason  string
	RespHdr [][2]string
	Out     bytes.Buffer
	// Started says start_response was called.
	Started bool
	// Sink, when set, takes the response head at start_response and
	// what the script sends (see AppletSink).
	Sink AppletSink
}

// AppletSink writes a service's response as the script makes it. As
// haproxy's applet, it gathers what the script sends while it runs and
// sends it when the script waits (Flush), when a buffer's worth is
// there, or when it ends.
type AppletSink interface {
	// Head lays out the status line and a.RespHdr.
	Head(a *Applet) error
	// Body adds a part of the body; full says a buffer's worth waits.
	Body(p []byte) (full bool)
	// Flush sends what waits.
	Flush() error
}

// ServiceResult is how a service call ended.
type ServiceResult uint8

const (
	// ServiceDone: the script returned after start_response.
	ServiceDone ServiceResult = iota
	// ServiceNoResponse: the script failed, or returned without
	// start_response: haproxy answers 500.
	ServiceNoResponse
	// ServiceFailed: the script failed after start_response: the
	// response stops where it was and the connection closes.
	ServiceFailed
)

// RunService runs the Lua service name for a, as haproxy's
// hlua_applet_http_fct.
func (p *Program) RunService(name string, st Stream, a *Applet) ServiceResult {
	t, fn, end, err := p.begin(KindService, name)
	if err != nil {
		p.logAppletError(st, "http", name, err)
		return ServiceNoResponse
	}
	defer end()
	t.cur = t.newCall(KindService, name, st, ctxOf(st))
	if a.Sink != nil {
		t.cur.flush = func() { a.Sink.Flush() } // the script waits: what it sent goes
	}
	t.setLimit(p.Settings.ServiceTimeout)
	if a.Status == 0 {
		a.Status = 200
	}
	_, err = t.run(fn, 0, t.appletHTTP(a))
	if isDoneSignal(err) || t.cur.exit {
		err = nil // core.done(): the service ends as if it returned
	}
	switch {
	case err != nil:
		if !isClientGone(err) {
			p.logAppletError(st, "http", name, err)
		}
		if a.Started {
			return ServiceFailed
		}
		return ServiceNoResponse
	case !a.Started:
		return ServiceNoResponse
	}
	return ServiceDone
}

// ServiceMode is "http" or "tcp" for a registered service, "" when none.
func (p *Program) ServiceMode(name string) string {
	if d := p.declared(KindService, name); d != nil {
		return d.mode
	}
	return ""
}

// appletHTTP makes the AppletHTTP object of a service call, with
// haproxy's fields: method, version ("HTTP/1.1"), path and qs (when the
// URI has a path), length, headers (lower-case names, values indexed
// from 0) and response (what add_header adds, indexed from 1).
func (t *thread) appletHTTP(a *Applet) *glua.LTable {
	L := t.L
	ap := L.CreateTable(0, 16) // its fields, f sf c sc and set_var's kin
	ap.RawSetString("method", glua.LString(a.Method))
	ap.RawSetString("version", glua.LString(a.Version))
	if !a.NoPath {
		ap.RawSetString("path", glua.LString(a.Path))
		ap.RawSetString("qs", glua.LString(a.Query))
	}
	ap.RawSetString("length", glua.LNumber(a.Length))
	ap.RawSetString("headers", headersTable(L, func(fn func(name, value []byte)) {
		for _, h := range a.Headers {
			fn([]byte(h[0]), []byte(h[1]))
		}
	}))
	ap.RawSetString("response", L.CreateTable(0, 4))
	t.cur.applet = a
	o := t.objects()
	return t.bindApplet(ap, &o.appletHTTPMeta, t.appletHTTPMeta)
}

// bindApplet makes ap the running call's applet object, with the
// thread's metatable for its class, made on first use.
func (t *thread) bindApplet(ap *glua.LTable, meta **glua.LTable, build func() *glua.LTable) *glua.LTable {
	t.objects().setSamples(ap) // bound to the running call, made once
	if *meta == nil {
		*meta = build()
	}
	t.cur.appletObj = ap
	t.L.SetMetatable(ap, *meta)
	return ap
}

// appletCall is the running service call whose applet object the method
// was called on (argument 1). An object kept past its call, or passed to
// another, belongs to no running service: an error, as the objects of a
// finished haproxy applet are unusable.
func (t *thread) appletCall(L *glua.LState) *call {
	c := t.cur
	if c == nil || c.appletObj != L.CheckTable(1) {
		L.RaiseError("Lua: the applet object is used outside of its service")
	}
	return c
}

// appletHTTPMeta makes the metatable of a thread's AppletHTTP objects,
// once: building ten closures and two tables per request was the largest
// fixed cost of a Lua service.
func (t *thread) appletHTTPMeta() *glua.LTable {
	L := t.L
	methods := L.NewTable()
	L.SetFuncs(methods, withVarMethods(t, map[string]glua.LGFunction{
		"set_status": func(L *glua.LState) int {
			a := t.appletCall(L).applet
			code := L.CheckInt(2)
			reason := L.OptString(3, "")
			if code < 100 || code > 599 {
				L.Push(glua.LFalse)
				return 1
			}
			a.Status, a.Reason = code, reason
			L.Push(glua.LTrue)
			return 1
		},
		"add_header": func(L *glua.LState) int {
			t.appletCall(L) // refuses an object past its call
			self := L.CheckTable(1)
			name := L.CheckString(2)
			value := L.CheckString(3)
			resp, ok := self.RawGetString("response").(*glua.LTable)
			if !ok {
				L.RaiseError("Lua: 'add_header' internal error: AppletHTTP['response'] is expected as an array. %s found",
					self.RawGetString("response").Type().String())
			}
			list, ok := resp.RawGetString(name).(*glua.LTable)
			if !ok {
				list = L.CreateTable(1, 0)
				resp.RawSetString(name, list)
				t.cur.order = append(t.cur.order, name)
			}
			list.Append(glua.LString(value))
			L.Push(glua.LTrue)
			return 1
		},
		"start_response": func(L *glua.LState) int {
			a := t.appletCall(L).applet
			self := L.CheckTable(1)
			if a.Started {
				return 0
			}
			resp, ok := self.RawGetString("response").(*glua.LTable)
			if !ok {
				L.RaiseError("Lua applet http '%s': AppletHTTP['response'] missing.\n", t.cur.name)
			}
			a.RespHdr = a.RespHdr[:0]
			seen := map[string]bool{}
			add := func(name string, vals glua.LValue) {
				list, ok := vals.(*glua.LTable)
				if !ok {
					L.RaiseError("Lua applet http '%s': AppletHTTP['response']['%s'] element must be an table. got %s.\n",
						t.cur.name, name, vals.Type().String())
				}
				list.ForEach(func(_, v glua.LValue) {
					if s, ok := v.(glua.LString); ok {
						a.RespHdr = append(a.RespHdr, [2]string{name, string(s)})
					} else if n, ok := v.(glua.LNumber); ok {
						a.RespHdr = append(a.RespHdr, [2]string{name, n.String()})
					}
				})
			}
			for _, n := range t.cur.order {
				if v := resp.RawGetString(n); v != glua.LNil {
					seen[n] = true
					add(n, v)
				}
			}
			resp.ForEach(func(k, v glua.LValue) {
				ks, ok := k.(glua.LString)
				if !ok {
					L.RaiseError("Lua applet http '%s': AppletHTTP['response'][] element must be a string. got %s.\n",
						t.cur.name, k.Type().String())
				}
				if !seen[string(ks)] {
					add(string(ks), v)
				}
			})
			for _, h := range a.RespHdr {
				if strings.EqualFold(h[0], "content-length") {
					if _, err := strconv.ParseUint(strings.TrimSpace(h[1]), 10, 63); err != nil {
						L.RaiseError("Lua applet http '%s': Invalid '%s' header.\n", t.cur.name, h[0])
					}
				}
			}
			a.Started = true
			if a.Sink != nil {
				var err error
				t.block(func() { err = a.Sink.Head(a) })
				if err != nil {
					L.RaiseError("%s", clientGone)
				}
			}
			return 0
		},
		// getline returns the next line of the request's body with its
		// "\n", or what is left at its end ("" once nothing is).
		"getline": func(L *glua.LState) int {
			a := t.appletCall(L).applet
			L.Push(glua.LString(takeLine(&a.Body, 0, func() bool { return t.moreBody(a) })))
			return 1
		},
		// receive([size]) returns size bytes of the body (fewer at its
		// end), or without size all of it.
		"receive": func(L *glua.LState) int {
			a := t.appletCall(L).applet
			if L.GetTop() > 2 {
				L.RaiseError("The 'receive' function requires between 1 and 2 arguments.")
			}
			n := L.OptInt(2, -1)
			L.Push(glua.LString(takeN(&a.Body, n, func() bool { return t.moreBody(a) })))
			return 1
		},
		"send": func(L *glua.LState) int {
			a := t.appletCall(L).applet
			msg := L.CheckString(2)
			if !a.Started {
				L.RaiseError("Lua: 'send' you must call start_response() before sending data.")
			}
			if a.Sink == nil {
				a.Out.WriteString(msg)
			} else if a.Sink.Body([]byte(msg)) {
				var err error
				t.block(func() { err = a.Sink.Flush() })
				if err != nil {
					L.RaiseError("%s", clientGone) // the script ends here
				}
			}
			L.Push(glua.LNumber(len(msg)))
			return 1
		},
	}))
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	return meta
}

// moreBody reads more of the request's body into a.Body, outside the
// call's time budget and the state's lock; false at its end.
func (t *thread) moreBody(a *Applet) bool {
	if a.More == nil || a.bodyEnd {
		return false
	}
	var p []byte
	var err error
	t.block(func() { p, err = a.More() })
	a.Body = append(a.Body, p...)
	if err != nil {
		a.bodyEnd = true
	}
	return len(p) > 0 || !a.bodyEnd
}

// takeLine takes the next line of *buf with its "\n", reading more with
// fill (false at the end of the input) while there is none; max > 0
// hands over max bytes without a newline as they are. At the end it
// takes what is left ("" once nothing is). AppletHTTP and AppletTCP's
// getline.
func takeLine(buf *[]byte, max int, fill func() bool) []byte {
	for {
		b := *buf
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			*buf = b[i+1:]
			return b[:i+1]
		}
		if max > 0 && len(b) >= max {
			*buf = b[max:]
			return b[:max]
		}
		if !fill() {
			*buf = nil
			return b
		}
	}
}

// takeN takes n bytes of *buf, reading more with fill as needed (fewer at
// the end of the input), or with n < 0 everything until the end.
// AppletHTTP and AppletTCP's receive.
func takeN(buf *[]byte, n int, fill func() bool) []byte {
	for n < 0 || len(*buf) < n {
		if !fill() {
			break
		}
	}
	b := *buf
	if n < 0 || n > len(b) {
		n = len(b)
	}
	*buf = b[n:]
	return b[:n]
}
