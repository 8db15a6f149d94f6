package proxy

import (
	"strconv"
	"strings"

	"switchyard/config"
	"switchyard/hlua"
	"switchyard/http1"
	"switchyard/logsink"
	"switchyard/sample"
)

// Lua in the data plane: the rule sets' lua.NAME actions, `use-service
// lua.NAME`, the Stream that Lua's TXN and HTTP classes act on, and the
// program's life beside the configuration's.

// luaStream is an HTTP stream as Lua sees it: a conversion of the
// stream's pointer, so that handing it to a script allocates nothing.
type luaStream httpStream

func init() {
	hlua.StreamOf = func(c *sample.Ctx) hlua.Stream {
		if s, ok := c.Owner.(*httpStream); ok {
			return (*luaStream)(s)
		}
		return nil
	}
	// One definition serves the three HTTP rule sets: the rule says which
	// it is in.
	compileAction(config.HTTPRequestRules, "lua.", compileLuaAction)
}

func compileLuaAction(r *config.HTTPRule) ruleFunc {
	a := r.Args.(*hlua.ActionRule)
	set := r.Set
	res := set != config.HTTPRequestRules
	return func(s *httpStream) (ruleVerdict, bool) {
		switch a.Run((*luaStream)(s), res) {
		case hlua.ActStop, hlua.ActDone:
			// Both end the rule set; the stream goes on (to the
			// backend, or the client).
			return ruleStop, false
		case hlua.ActTxnDone:
			return ruleAnswered, s.luaDone()
		case hlua.ActDeny:
			if set == config.HTTPRequestRules {
				s.countDenied(false, s.t.be)
				s.cc.trk.countError()
				s.term('P', 'R')
				return ruleAnswered, s.reply(403, s.t.be)
			}
			s.countDenied(true, s.t.be)
			return s.internalError(set, 502)
		case hlua.ActInvalid:
			if set == config.HTTPRequestRules {
				s.term('P', 'R')
				return ruleAnswered, s.reply(400, s.t.be)
			}
			return s.internalError(set, 502)
		case hlua.ActAbort:
			// haproxy ends the stream where it is; with no reply made
			// by the script, the client gets its 503 (502 to a
			// response), logged as the proxy's doing (PR).
			s.term('P', 'R')
			if set == config.HTTPRequestRules {
				return ruleAnswered, s.reply(503, s.t.be)
			}
			return s.internalError(set, 502)
		case hlua.ActError:
			return s.internalError(set, 500)
		}
		// act.CONTINUE, and act.YIELD, which switchyard does not
		// re-run: its Lua calls wait where haproxy would yield.
		return ruleContinue, false
	}
}

// luaDone ends the transaction as txn:done() asked: with the script's
// reply, or by closing the connection when it gave none.
func (s *httpStream) luaDone() bool {
	r := s.t.luaReply
	s.t.luaReply = nil
	if r == nil {
		s.term('L', 'R')
		return false
	}
	s.term('L', 'R')
	mustClose := s.t.req.Close || s.ending() || !s.bodyDone()
	// As haproxy lays it out: the status line with the script's reason,
	// the script's fields in their order, then the length.
	out := s.t.out[:0]
	if r.Reason != "" {
		out = append(out, "HTTP/1.1 "...)
		out = strconv.AppendInt(out, int64(r.Status), 10)
		out = append(append(append(out, ' '), r.Reason...), "\r\n"...)
	} else {
		out = http1.AppendReplyHead(out, r.Status)
	}
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "content-length") {
			continue // made from the body
		}
		out = http1.AppendReplyFieldName(out, h[0])
		out = append(append(out, h[1]...), "\r\n"...)
	}
	out = http1.AppendReplyTail(out, r.Body, "", mustClose, &s.t.req)
	s.t.lg.rec.Status = r.Status
	out = s.afterReply(out, s.t.be, mustClose)
	s.t.out = out
	s.countHead(out)
	return s.writeRaw(out) && !mustClose
}

// ---- hlua.Stream ----

func (l *luaStream) s() *httpStream   { return (*httpStream)(l) }
func (l *luaStream) Ctx() *sample.Ctx { return &l.ctx }
func (l *luaStream) HTTP() bool       { return l.t != nil }
func (l *luaStream) Frontend() string { return l.fe.Name }

// SetLogLevel is txn:set_loglevel: level+1 in the log record, -1 silent.
func (l *luaStream) SetLogLevel(lvl int) {
	if lvl < 0 {
		l.t.lg.level = -1
		return
	}
	l.t.lg.level = lvl + 1
}

func (l *luaStream) Backend() string {
	if l.t != nil && l.t.be != nil {
		return l.t.be.Name
	}
	return ""
}

// headers is the header list of the request or of the response being
// edited (nil before the response).
func (l *luaStream) headers(res bool) *http1.Headers {
	s := l.s()
	if !res {
		return &s.t.req.Headers
	}
	if r := s.editedResponse(); r != nil {
		return &r.Headers
	}
	return nil
}

func (l *luaStream) Headers(res bool, fn func(name, value []byte)) {
	h := l.headers(res)
	if h == nil {
		return
	}
	for i := 0; i < h.NumHeaders(); i++ {
		fn(h.Header(i))
	}
}

func (l *luaStream) SetHeader(res bool, name, value string, add bool) {
	h := l.headers(res)
	if h == nil {
		return
	}
	h.DelName([]byte(name))
	if add {
		h.Add([]byte(name), l.s().keep([]byte(value)))
	}
}

func (l *luaStream) AddHeader(res bool, name, value string) {
	if h := l.headers(res); h != nil {
		h.Add([]byte(name), l.s().keep([]byte(value)))
	}
}

func (l *luaStream) ReplaceHeaders(res bool, name string, edit func(v []byte) []byte) {
	h := l.headers(res)
	if h == nil {
		return
	}
	for i, f := range h.Fields() {
		if http1.EqualFold(f.Name, []byte(name)) {
			h.SetValue(i, l.s().keep(edit(f.Value)))
		}
	}
}

func (l *luaStream) SetLine(part, value string) bool {
	s := l.s()
	req := &s.t.req
	switch part {
	case "method":
		req.SetMethod(s.keep([]byte(value)))
		return true
	case "uri":
		req.SetURI(s.keep([]byte(value)))
		s.updateHost(req.URI())
		return true
	}
	which := config.PartPath
	v := []byte(value)
	if part == "query" {
		which = config.PartQuery
		if !strings.HasPrefix(value, "?") {
			v = append([]byte{'?'}, v...)
		}
	}
	mark := len(s.ctx.Scratch)
	nu := buildURI(s.ctx.Scratch, req.URI(), v, which)
	s.ctx.Scratch = nu
	req.SetURI(nu[mark:len(nu):len(nu)])
	return true
}

func (l *luaStream) SetStatus(code int, reason string) bool {
	resp := l.s().editedResponse()
	if resp == nil || code < 100 || code > 999 {
		return false
	}
	if reason == "" {
		reason = statusReason(code)
	}
	resp.SetStatus(code, []byte(strconv.Itoa(code)), []byte(reason))
	return true
}

func (l *luaStream) Done(r *hlua.Reply) { l.t.luaReply = r }

// LuaPriv keeps txn:set_priv's value for the transaction (hlua.PrivStream).
func (l *luaStream) LuaPriv() *any { return &l.t.luaPriv }

func (l *luaStream) Log(level int, msg string) {
	if targets := l.fe.cfg.Log.Targets; len(targets) > 0 {
		meta := logMeta(l.fe.cfg, &l.snap.Global)
		logsink.Send(targets, &meta, level, []byte(msg), nil)
		return
	}
	if h := l.rt.luaHost; h != nil {
		h.Log(level, msg)
	}
}

// ---- the program's life ----

// luaHost is the process as Lua scripts see it outside streams.
type luaHost struct {
	rt   *Runtime
	cfg  *config.Config
	prog *hlua.Program
	// admin is the runtime's admin surface for core.proxies' objects
	// (nil: none linked in), made once.
	admin LuaAdmin
}

func (h *luaHost) Log(level int, msg string) { luaGlobalLog(&h.cfg.Global, level, msg) }

// luaGlobalLog sends a Lua log line to the global loggers, if any: core.log
// outside a stream, or in a stream whose proxy has none.
func luaGlobalLog(g *config.Global, level int, msg string) {
	if len(g.Log.Targets) == 0 {
		return
	}
	meta := logsink.Meta{Tag: g.Log.Tag, Hostname: g.Log.Hostname}
	if meta.Tag == "" {
		meta.Tag = "haproxy"
	}
	logsink.Send(g.Log.Targets, &meta, level, []byte(msg), nil)
}

func (h *luaHost) Alert(msg string) { h.rt.Log.Error(msg) }

func (h *luaHost) Proxies() []hlua.Proxy { return h.proxies() } // lua_proxies.go

// applyLua starts the Lua program of a configuration just put in force
// (its init functions, its tasks) and stops the one it replaces.
func (rt *Runtime) applyLua(cfg *config.Config) {
	prog := hlua.ProgramOf(cfg)
	old := rt.luaHost
	if prog == nil {
		rt.luaHost = nil
	} else {
		rt.luaHost = &luaHost{rt: rt, cfg: cfg, prog: prog}
		if LuaAdminOf != nil {
			rt.luaHost.admin = LuaAdminOf(rt)
		}
		prog.Start(rt.luaHost)
	}
	if old != nil && old.prog != prog {
		old.prog.Stop()
	}
}

func (rt *Runtime) stopLua() {
	rt.applyMu.Lock()
	defer rt.applyMu.Unlock()
	if rt.luaHost != nil {
		rt.luaHost.prog.Stop()
	}
}
