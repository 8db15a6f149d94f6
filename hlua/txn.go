package hlua

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// objects are a thread's instances of haproxy's classes, made once and
// bound to the call the thread runs (t.cur): a call allocates no Lua
// object of its own for them.
type objects struct {
	txn  *glua.LTable
	http *glua.LTable
	// samples are f, sf, c and sc, which TXN and the applets share.
	samples [4]*glua.LTable
	// The applets' metatables, made on a thread's first service call:
	// their methods find the running call's applet (applet.go).
	appletHTTPMeta, appletTCPMeta *glua.LTable
}

// sampleKeys are the fields of objects.samples.
var sampleKeys = [4]string{"f", "sf", "c", "sc"}

// setSamples gives obj (a TXN or an applet) the thread's f, sf, c and sc.
func (o *objects) setSamples(obj *glua.LTable) {
	for i, k := range sampleKeys {
		obj.RawSetString(k, o.samples[i])
	}
}

func (t *thread) objects() *objects {
	if t.objs == nil {
		t.objs = newObjects(t)
	}
	return t.objs
}

// txnFor prepares the TXN object for c. txn.http exists on HTTP streams.
func (o *objects) txnFor(c *call, action bool) *glua.LTable {
	if c.st != nil && c.st.HTTP() {
		o.txn.RawSetString("http", o.http)
	} else {
		o.txn.RawSetString("http", glua.LNil)
	}
	return o.txn
}

func newObjects(t *thread) *objects {
	L := t.L
	o := &objects{}
	txn := L.NewTable()
	methods := L.NewTable()
	L.SetFuncs(methods, t.txnMethods())
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(txn, meta)
	o.samples = [4]*glua.LTable{t.fetchObject(false), t.fetchObject(true), t.convObject(false), t.convObject(true)}
	o.setSamples(txn)
	o.txn = txn
	http := L.NewTable()
	hm := L.NewTable()
	L.SetFuncs(hm, t.httpMethods())
	hmeta := L.NewTable()
	hmeta.RawSetString("__index", hm)
	L.SetMetatable(http, hmeta)
	o.http = http
	return o
}

// ---- variables ----

// varRef parses a variable name; invalid names are an error to scripts
// only through a false or nil result, as haproxy's.
func varRef(name string) (sample.VarRef, bool) {
	r, err := sample.ParseVarName(name)
	return r, err == nil
}

// vars are the variables a call reaches: the stream's, or, outside
// streams, only proc.* ones.
func (c *call) vars() *sample.Vars {
	if c != nil && c.ctx != nil {
		return &c.ctx.Vars
	}
	return &sample.Vars{}
}

func getVar(L *glua.LState, c *call, name string) int {
	r, ok := varRef(name)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	if c == nil || c.ctx == nil {
		if r.Scope != sample.ScopeProc {
			L.Push(glua.LNil)
			return 1
		}
	}
	v, ok := c.vars().Get(r)
	if !ok {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(toLua(v))
	return 1
}

func setVar(L *glua.LState, c *call, name string, val glua.LValue, ifexist bool) int {
	r, ok := varRef(name)
	if !ok || (c == nil || c.ctx == nil) && r.Scope != sample.ScopeProc {
		L.Push(glua.LFalse)
		return 1
	}
	vs := c.vars()
	// ifexist: a proc.* variable is only updated, never created (it
	// exists once the configuration names it).
	if ifexist && r.Scope == sample.ScopeProc && !vs.Exists(r) {
		L.Push(glua.LFalse)
		return 1
	}
	v, ok := toSample(val)
	if !ok {
		L.Push(glua.LFalse)
		return 1
	}
	vs.Set(r, v)
	L.Push(glua.LTrue)
	return 1
}

func unsetVar(L *glua.LState, c *call, name string) int {
	r, ok := varRef(name)
	if !ok || (c == nil || c.ctx == nil) && r.Scope != sample.ScopeProc {
		L.Push(glua.LFalse)
		return 1
	}
	c.vars().Unset(r)
	L.Push(glua.LTrue)
	return 1
}

// ---- TXN ----

func (t *thread) txnMethods() map[string]glua.LGFunction {
	logAt := func(level int) glua.LGFunction {
		return func(L *glua.LState) int {
			msg := L.CheckString(2)
			t.vm.prog.log(t.stream(), level, msg)
			return 0
		}
	}
	return withVarMethods(t, map[string]glua.LGFunction{
		"set_loglevel": func(L *glua.LState) int {
			level := L.CheckInt(2)
			if level < -1 || level > logDebug {
				L.ArgError(2, "Invalid loglevel.")
			}
			if st := t.stream(); st != nil {
				st.SetLogLevel(level)
			}
			return 0
		},
		// IP_TOS and SO_MARK are not set by switchyard (see docs/lua.md).
		"set_tos":             func(L *glua.LState) int { L.CheckInt(2); return 0 },
		"set_mark":            func(L *glua.LState) int { L.CheckInt(2); return 0 },
		"set_priority_class":  func(L *glua.LState) int { L.CheckInt(2); return 0 },
		"set_priority_offset": func(L *glua.LState) int { L.CheckInt(2); return 0 },
		"done": func(L *glua.LState) int {
			var r *Reply
			if tb, ok := L.Get(2).(*glua.LTable); ok {
				r = replyOf(tb)
			}
			if t.cur != nil {
				// In a fetch or a converter, it only ends the Lua code.
				t.cur.exit, t.cur.exitVal = true, glua.LNil
				if t.cur.st != nil && t.cur.kind == KindAction {
					t.cur.txnDone = true
					t.cur.st.Done(r)
				}
			}
			L.RaiseError("%s", doneSignal)
			return 0
		},
		"reply": func(L *glua.LState) int {
			L.Push(newReply(L, L.OptTable(2, nil)))
			return 1
		},
		"log": func(L *glua.LState) int {
			level := L.CheckInt(2)
			msg := L.CheckString(3)
			if level < 0 || level > logDebug {
				L.ArgError(2, "Invalid loglevel.")
			}
			t.vm.prog.log(t.stream(), level, msg)
			return 0
		},
		"deflog":  logAt(logInfo),
		"Debug":   logAt(logDebug),
		"Info":    logAt(logInfo),
		"Warning": logAt(logWarning),
		"Alert":   logAt(logAlert),
	})
}

// withVarMethods adds to methods those that TXN, AppletHTTP and AppletTCP
// share: variables, and the stream's private value (priv.go).
func withVarMethods(t *thread, methods map[string]glua.LGFunction) map[string]glua.LGFunction {
	methods["get_var"] = func(L *glua.LState) int { return getVar(L, t.cur, L.CheckString(2)) }
	methods["set_var"] = func(L *glua.LState) int {
		return setVar(L, t.cur, L.CheckString(2), L.CheckAny(3), L.OptBool(4, false))
	}
	methods["unset_var"] = func(L *glua.LState) int { return unsetVar(L, t.cur, L.CheckString(2)) }
	methods["get_priv"] = func(L *glua.LState) int { L.Push(t.cur.getPriv()); return 1 }
	methods["set_priv"] = func(L *glua.LState) int { t.cur.setPriv(L.Get(2)); return 0 }
	return methods
}

// doneSignal is the error core.done() and txn:done() raise to end the Lua
// code; it is not reported (the call's exit flag says what happened).
const doneSignal = "\x00lua:done"

func (t *thread) stream() Stream {
	if t.cur == nil {
		return nil
	}
	return t.cur.st
}

// ---- Fetches and Converters ----

var luaNames struct {
	once        sync.Once
	fetch, conv map[string]string
}

// luaName maps the method names scripts use (req_fhdr) to the keywords
// (req.fhdr): '.' and '-' become '_', as haproxy exports them.
func luaNameMaps() (fetch, conv map[string]string) {
	luaNames.once.Do(func() {
		luaNames.fetch, luaNames.conv = map[string]string{}, map[string]string{}
		r := strings.NewReplacer(".", "_", "-", "_")
		for _, n := range sample.FetchNames() {
			luaNames.fetch[r.Replace(n)] = n
		}
		for _, n := range sample.ConverterNames() {
			luaNames.conv[r.Replace(n)] = n
		}
	})
	return luaNames.fetch, luaNames.conv
}

// compiled is a fetch or converter call compiled once (or why it could
// not be).
type compiled[T any] struct {
	v   T
	err error
}

// compiledCall returns the compiled call of a keyword with its
// arguments from cache, compiling it on first use; the cache is bounded
// (scripts that build arguments from traffic get each compiled anew).
func compiledCall[T any](mu *sync.Mutex, cache map[string]*compiled[T], name string, args []string, compile func() (T, error)) (T, error) {
	key := name + "\x00" + strings.Join(args, "\x00")
	mu.Lock()
	c := cache[key]
	mu.Unlock()
	if c == nil {
		v, err := compile()
		c = &compiled[T]{v, err}
		mu.Lock()
		if len(cache) < 4096 {
			cache[key] = c
		}
		mu.Unlock()
	}
	return c.v, c.err
}

func (p *Program) compiledFetch(name string, args []string) (*sample.Expr, error) {
	return compiledCall(&p.fetchMu, p.fetchC, name, args, func() (*sample.Expr, error) {
		return sample.CompileFetchCall(p.env, name, args)
	})
}

func (p *Program) compiledConv(name string, args []string) (*sample.ConvCall, error) {
	return compiledCall(&p.fetchMu, p.convC, name, args, func() (*sample.ConvCall, error) {
		return sample.CompileConverterCall(p.env, name, args)
	})
}

// fetchObject is txn.f (str false) or txn.sf: every fetch of the sample
// engine as a method, resolved on first use.
func (t *thread) fetchObject(str bool) *glua.LTable {
	fetchNames, _ := luaNameMaps()
	return t.methodObject(fetchNames, str, func(L *glua.LState, name string) (sample.Value, bool) {
		e, err := t.vm.prog.compiledFetch(name, argTexts(L, 2))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		if t.cur == nil || t.cur.ctx == nil {
			return sample.Value{}, false
		}
		return e.Eval(t.cur.ctx)
	})
}

// convObject is txn.c or txn.sc: every converter as a method taking the
// value to convert first.
func (t *thread) convObject(str bool) *glua.LTable {
	_, convNames := luaNameMaps()
	return t.methodObject(convNames, str, func(L *glua.LState, name string) (sample.Value, bool) {
		in, _ := toSample(L.Get(2))
		cc, err := t.vm.prog.compiledConv(name, argTexts(L, 3))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		ctx := &sample.Ctx{}
		if t.cur != nil && t.cur.ctx != nil {
			ctx = t.cur.ctx
		}
		return cc.Apply(ctx, in)
	})
}

// methodObject makes an object whose methods are the keywords of names
// (by their Lua names), each running call: the sample it gives, as a Lua
// value (str false: nil for none) or as a string ("" for none).
func (t *thread) methodObject(names map[string]string, str bool, call func(L *glua.LState, name string) (sample.Value, bool)) *glua.LTable {
	L := t.L
	obj := L.NewTable()
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
		key := L.CheckString(2)
		name, ok := names[key]
		if !ok {
			L.Push(glua.LNil)
			return 1
		}
		fn := L.NewFunction(func(L *glua.LState) int {
			v, ok := call(L, name)
			switch {
			case !ok && str:
				L.Push(glua.LString(""))
			case !ok:
				L.Push(glua.LNil)
			case str:
				L.Push(glua.LString(v.AppendText(nil)))
			default:
				L.Push(toLua(v))
			}
			return 1
		})
		L.RawSet(obj, glua.LString(key), fn)
		L.Push(fn)
		return 1
	}))
	L.SetMetatable(obj, meta)
	return obj
}

// argTexts are the arguments of a method from the from-th on, as text.
func argTexts(L *glua.LState, from int) []string {
	args := make([]string, 0, L.GetTop())
	for i := from; i <= L.GetTop(); i++ {
		args = append(args, argText(L.Get(i)))
	}
	return args
}

// ---- HTTP ----

// headersTable is haproxy's header table: lower-case name to the list of
// values, indexed from 0.
func headersTable(L *glua.LState, each func(fn func(name, value []byte))) *glua.LTable {
	// Sized tables: NewTable reserves 32 array slots and a 32-entry map,
	// some 2.5 kB for each name's list of one or two values.
	tb := L.CreateTable(0, 16)
	each(func(name, value []byte) {
		n := glua.LString(strings.ToLower(string(name)))
		// A name's first value is at 0, in the table's hash part; the
		// next ones at 1, 2… in its array part, whose length Len gives.
		i := 0
		vals, ok := tb.RawGet(n).(*glua.LTable)
		if ok {
			i = vals.Len() + 1
		} else {
			vals = L.CreateTable(0, 0)
			tb.RawSet(n, vals)
		}
		vals.RawSet(glua.LNumber(i), glua.LString(string(value)))
	})
	return tb
}

func (t *thread) httpMethods() map[string]glua.LGFunction {
	m := map[string]glua.LGFunction{}
	for _, side := range []struct {
		prefix string
		res    bool
	}{{"req_", false}, {"res_", true}} {
		res := side.res
		m[side.prefix+"get_headers"] = func(L *glua.LState) int {
			st := t.stream()
			if st == nil {
				L.Push(L.NewTable())
				return 1
			}
			L.Push(headersTable(L, func(fn func(name, value []byte)) { st.Headers(res, fn) }))
			return 1
		}
		m[side.prefix+"set_header"] = t.editing(res, func(L *glua.LState, st Stream) {
			st.SetHeader(res, L.CheckString(2), L.CheckString(3), true)
		})
		m[side.prefix+"add_header"] = t.editing(res, func(L *glua.LState, st Stream) {
			st.AddHeader(res, L.CheckString(2), L.CheckString(3))
		})
		m[side.prefix+"del_header"] = t.editing(res, func(L *glua.LState, st Stream) {
			st.SetHeader(res, L.CheckString(2), "", false)
		})
		for _, full := range []bool{true, false} {
			name := "rep_header"
			if !full {
				name = "rep_value"
			}
			full := full
			m[side.prefix+name] = t.editing(res, func(L *glua.LState, st Stream) {
				hdr, reS, repl := L.CheckString(2), L.CheckString(3), L.CheckString(4)
				re, err := regexp.Compile(reS)
				if err != nil {
					L.ArgError(3, err.Error())
				}
				st.ReplaceHeaders(res, hdr, func(v []byte) []byte { return replaceValue(re, v, repl, full) })
			})
		}
	}
	for _, part := range []string{"method", "path", "query", "uri"} {
		part := part
		m["req_set_"+part] = func(L *glua.LState) int {
			v := L.CheckString(2)
			st := t.editStream(L, false)
			L.Push(glua.LBool(st != nil && st.SetLine(part, v)))
			return 1
		}
	}
	m["res_set_status"] = func(L *glua.LState) int {
		code := L.CheckInt(2)
		reason := L.OptString(3, "")
		st := t.editStream(L, true)
		L.Push(glua.LBool(st != nil && st.SetStatus(code, reason)))
		return 1
	}
	return m
}

// editStream is the stream a call may change: actions only (fetches and
// converters read), and, as haproxy, the request's side (req_*) from
// request rules only, the response's from response rules.
func (t *thread) editStream(L *glua.LState, res bool) Stream {
	if t.cur == nil || t.cur.st == nil || t.cur.kind != KindAction {
		L.RaiseError("this function is only available from an action")
	}
	if t.cur.res != res {
		if res {
			L.RaiseError("the response is not available from a request action")
		}
		L.RaiseError("the request cannot be changed from a response action")
	}
	return t.cur.st
}

func (t *thread) editing(res bool, fn func(L *glua.LState, st Stream)) glua.LGFunction {
	return func(L *glua.LState) int {
		fn(L, t.editStream(L, res))
		return 0
	}
}

// replaceValue applies a rep_header (the whole value) or rep_value (each
// comma-separated value) rewrite.
func replaceValue(re *regexp.Regexp, v []byte, repl string, full bool) []byte {
	expand := func(src []byte) []byte {
		m := re.FindSubmatchIndex(src)
		if m == nil || m[0] != 0 || m[1] != len(src) {
			return src
		}
		return re.Expand(nil, []byte(haproxyRefs(repl)), src, m)
	}
	if full {
		return expand(v)
	}
	parts := strings.Split(string(v), ",")
	for i, p := range parts {
		lead := len(p) - len(strings.TrimLeft(p, " \t"))
		parts[i] = p[:lead] + string(expand([]byte(p[lead:])))
	}
	return []byte(strings.Join(parts, ","))
}

// haproxyRefs turns \1 back-references into Go's ${1}.
func haproxyRefs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			b.WriteString("${" + s[i+1:i+2] + "}")
			i++
			continue
		}
		if s[i] == '$' {
			b.WriteString("$$")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ---- reply ----

// newReply makes a reply object (txn:reply()), from an optional table of
// status, reason, headers and body.
func newReply(L *glua.LState, init *glua.LTable) *glua.LTable {
	r := L.CreateTable(0, 4)
	r.RawSetString("status", glua.LNumber(200))
	r.RawSetString("reason", glua.LString(""))
	r.RawSetString("headers", L.CreateTable(0, 4))
	r.RawSetString("body", glua.LString(""))
	if init != nil {
		init.ForEach(func(k, v glua.LValue) {
			if ks, ok := k.(glua.LString); ok {
				switch ks {
				case "status", "body": // haproxy ignores a reason given here
					r.RawSet(k, v)
				case "headers":
					if ht, ok := v.(*glua.LTable); ok {
						h := L.NewTable()
						ht.ForEach(func(n, vals glua.LValue) {
							list := L.NewTable()
							if vt, ok := vals.(*glua.LTable); ok {
								vt.ForEach(func(_, x glua.LValue) { list.Append(x) })
							} else {
								list.Append(vals)
							}
							h.RawSet(glua.LString(strings.ToLower(n.String())), list)
						})
						r.RawSetString("headers", h)
					}
				}
			}
		})
	}
	methods := L.NewTable()
	L.SetFuncs(methods, map[string]glua.LGFunction{
		"set_status": func(L *glua.LState) int {
			self := L.CheckTable(1)
			code := L.CheckInt(2)
			if code < 100 || code > 599 {
				L.Push(glua.LFalse)
				return 1
			}
			self.RawSetString("status", glua.LNumber(code))
			self.RawSetString("reason", glua.LString(L.OptString(3, "")))
			L.Push(glua.LTrue)
			return 1
		},
		"add_header": func(L *glua.LState) int {
			self := L.CheckTable(1)
			name := glua.LString(strings.ToLower(L.CheckString(2)))
			hs := self.RawGetString("headers").(*glua.LTable)
			list, ok := hs.RawGet(name).(*glua.LTable)
			if !ok {
				list = L.NewTable()
				hs.RawSet(name, list)
			}
			list.Append(glua.LString(L.CheckString(3)))
			L.Push(glua.LTrue)
			return 1
		},
		"del_header": func(L *glua.LState) int {
			self := L.CheckTable(1)
			hs := self.RawGetString("headers").(*glua.LTable)
			hs.RawSet(glua.LString(strings.ToLower(L.CheckString(2))), glua.LNil)
			L.Push(glua.LTrue)
			return 1
		},
		"set_body": func(L *glua.LState) int {
			self := L.CheckTable(1)
			self.RawSetString("body", glua.LString(L.CheckString(2)))
			L.Push(glua.LTrue)
			return 1
		},
	})
	meta := L.NewTable()
	meta.RawSetString("__index", methods)
	L.SetMetatable(r, meta)
	return r
}

// replyOf reads a reply object.
func replyOf(tb *glua.LTable) *Reply {
	r := &Reply{Status: 200}
	if n, ok := tb.RawGetString("status").(glua.LNumber); ok {
		r.Status = int(n)
	}
	r.Reason = glua.LVAsString(tb.RawGetString("reason"))
	r.Body = []byte(glua.LVAsString(tb.RawGetString("body")))
	if hs, ok := tb.RawGetString("headers").(*glua.LTable); ok {
		hs.ForEach(func(n, vals glua.LValue) {
			if vt, ok := vals.(*glua.LTable); ok {
				vt.ForEach(func(_, v glua.LValue) { r.Headers = append(r.Headers, [2]string{n.String(), v.String()}) })
			} else {
				r.Headers = append(r.Headers, [2]string{n.String(), vals.String()})
			}
		})
	}
	return r
}

var _ = strconv.Itoa
