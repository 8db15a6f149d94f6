package hlua

import (
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// call is what a thread runs for: the stream (nil for tasks and init
// functions).
type call struct {
	kind Kind
	name string
	st   Stream
	ctx  *sample.Ctx
	// private is txn:set_priv's value for calls without a stream
	// (priv.go).
	private glua.LValue
	// exit is set by core.done() and txn:done(): the Lua code ended
	// there, with exitVal as its result; txnDone says that txn:done()
	// also ended the transaction (an action's).
	exit    bool
	exitVal glua.LValue
	txnDone bool
	res     bool // an action on the response side
	// flush, when set, runs before the call waits (thread.block): a
	// service sends what it gathered (applet.go).
	flush func()
	// A service call's applet, and the Lua object made of it, which the
	// thread's shared applet methods check they are called on
	// (applet.go, applet_tcp.go). order keeps the names add_header
	// used, in order: the head lists them so (haproxy's follows its
	// table's hash order).
	applet    *Applet
	tcpApplet *TCPApplet
	appletObj *glua.LTable
	order     []string
}

// ActionResult is what a Lua action tells its rule set, haproxy's
// ACT_RET_* (the act.* constants scripts return).
type ActionResult int

const (
	ActContinue ActionResult = iota
	ActStop
	ActYield
	ActError
	ActDone
	ActDeny
	ActAbort
	ActInvalid
	// ActTxnDone is txn:done(): the transaction ends, with the reply
	// the script gave the stream, if any.
	ActTxnDone ActionResult = 100
)

// Fetch is the sample.Dynamic source of lua.NAME fetches.
func (p *Program) Fetch(name string) (sample.FetchDef, bool) {
	short, ok := strings.CutPrefix(name, "lua.")
	d := p.declared(KindFetch, short)
	if !ok || d == nil {
		return sample.FetchDef{}, false
	}
	return sample.FetchDef{Name: name, Args: strArgs, Out: sample.TypeAny,
		// haproxy lets Lua fetches run anywhere: they read what exists.
		Src: 0,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
			words := argWords(args)
			return func(c *sample.Ctx) (sample.Value, bool) {
				return p.callSample(d, c, nil, words)
			}, nil
		}}, true
}

// Converter is the sample.Dynamic source of lua.NAME converters.
func (p *Program) Converter(name string) (sample.ConverterDef, bool) {
	short, ok := strings.CutPrefix(name, "lua.")
	d := p.declared(KindConverter, short)
	if !ok || d == nil {
		return sample.ConverterDef{}, false
	}
	return sample.ConverterDef{Name: name, Args: strArgs, In: sample.TypeStr, Out: sample.TypeAny,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.ConvFunc, error) {
			words := argWords(args)
			return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
				in := toLua(v)
				return p.callSample(d, c, in, words)
			}, nil
		}}, true
}

// strArgs are the arguments of Lua fetches and converters: up to 12
// optional strings, as haproxy declares them.
var strArgs = []sample.ArgType{sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr,
	sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr, sample.ArgStr}

func argWords(args []sample.Arg) []glua.LValue {
	var out []glua.LValue
	for _, a := range args {
		if !a.Set {
			break
		}
		out = append(out, glua.LString(a.Str))
	}
	return out
}

// callSample runs a Lua fetch (in nil) or converter on the stream of c.
// A script error is logged and gives no sample.
func (p *Program) callSample(d *decl, c *sample.Ctx, in glua.LValue, words []glua.LValue) (sample.Value, bool) {
	kind, name := d.kind, d.name
	t, fn, end, err := p.beginDecl(d)
	if err != nil {
		p.logError(nil, kind, name, err)
		return sample.Value{}, false
	}
	defer end()
	st := StreamOf(c)
	t.cur = t.newCall(kind, name, st, c)
	t.setLimit(p.Settings.SessionTimeout)
	args := t.args[:0]
	if kind == KindConverter {
		args = append(args, in) // converters get the value, no txn
	} else {
		args = append(args, t.objects().txnFor(t.cur, false))
	}
	args = append(args, words...)
	t.args = args
	out, err := t.run(fn, 1, args...)
	clear(args)
	returned := t.returned
	if t.cur.exit {
		out, err, returned = t.cur.exitVal, nil, true
	}
	if err != nil {
		p.logError(st, kind, name, err)
		return sample.Value{}, false
	}
	if !returned {
		return sample.Value{}, false // no value: no sample
	}
	if s, ok := out.(glua.LString); ok {
		// The string lives in Lua's memory; the sample lives as long as
		// the transaction: copied into its scratch, without a []byte
		// conversion of its own.
		start := len(c.Scratch)
		c.Scratch = append(c.Scratch, s...)
		return sample.Str(c.Scratch[start:len(c.Scratch):len(c.Scratch)]), true
	}
	return toSample(out)
}

// ctxOf is st's sample context, nil without a stream.
func ctxOf(st Stream) *sample.Ctx {
	if st == nil {
		return nil
	}
	return st.Ctx()
}

// newCall readies the thread's call for a new one.
func (t *thread) newCall(kind Kind, name string, st Stream, c *sample.Ctx) *call {
	t.callBuf = call{kind: kind, name: name, st: st, ctx: c}
	return &t.callBuf
}

// runAction runs the Lua action name on st with the rule's words (Lua
// strings); res says it runs on the response side (txn.http's res_*).
func (p *Program) runAction(name string, st Stream, words []glua.LValue, res bool) ActionResult {
	t, fn, end, err := p.begin(KindAction, name)
	if err != nil {
		p.logError(st, KindAction, name, err)
		return ActError
	}
	defer end()
	t.cur = t.newCall(KindAction, name, st, st.Ctx())
	t.cur.res = res
	t.setLimit(p.Settings.SessionTimeout)
	args := append(t.args[:0], t.objects().txnFor(t.cur, true))
	args = append(args, words...)
	t.args = args
	out, err := t.run(fn, 1, args...)
	clear(args)
	if t.cur.txnDone {
		return ActTxnDone
	}
	if t.cur.exit {
		out, err = t.cur.exitVal, nil
	}
	if err != nil {
		// haproxy's hlua_action logs the error and goes on with the
		// rule set (ACT_RET_CONT): an error is not act.ERROR.
		p.logError(st, KindAction, name, err)
		return ActContinue
	}
	if n, ok := out.(glua.LNumber); ok {
		if r := luaInteger(n); r >= 0 && r <= int64(ActInvalid) {
			return ActionResult(r)
		}
	}
	return ActContinue
}

// logError reports a script's failure where haproxy does: the stream's
// proxy's loggers (or the global ones) at err, and the process's own
// log as an alert.
func (p *Program) logError(st Stream, kind Kind, name string, err error) {
	what := kind.String()
	if kind == KindService {
		what += " " + p.ServiceMode(name)
	}
	msg := "Lua " + what + " '" + name + "': [state-id 0] runtime error: " + errorText(err) + "."
	p.log(st, logErr, msg)
	if p.host != nil {
		p.host.Alert(msg)
	}
}

// Log levels, as syslog's and core.emerg…core.debug.
const (
	logEmerg = iota
	logAlert
	logCrit
	logErr
	logWarning
	logNotice
	logInfo
	logDebug
)

// log sends a message to the stream's loggers, the global ones, and
// stderr as tune.lua.log.stderr says.
func (p *Program) log(st Stream, level int, msg string) {
	sent := false
	if p.Settings.LogLoggers {
		switch {
		case st != nil:
			st.Log(level, msg)
			sent = true
		case p.host != nil:
			p.host.Log(level, msg)
			sent = true
		}
	}
	if p.Settings.LogStderr == "on" || p.Settings.LogStderr == "auto" && !sent {
		stderrLog(level, msg)
	}
}

// runInit runs a register_init function once, before traffic.
func (p *Program) runInit(v *vm, fn *glua.LFunction) {
	t := v.acquire()
	defer v.release(t)
	t.cur = &call{}
	if _, err := t.run(fn, 0); err != nil {
		p.log(nil, logErr, "Lua init: "+errorText(err)+".")
	}
}

// startTask runs a register_task function in its own thread until it
// returns or the program stops.
func (p *Program) startTask(v *vm, fn *glua.LFunction) {
	stop := p.stopping()
	p.tasks.Add(1)
	go func() {
		defer p.tasks.Done()
		t := v.acquire()
		if t.objs == nil {
			p.register(t)
		}
		defer v.release(t)
		t.cur = &call{}
		t.setLimit(p.Settings.TaskTimeout)
		// The task's context derives from the program's stop: Stop
		// ends it at its next Lua instruction, even one that begins
		// after the stop.
		p.mu.Lock()
		t.parent, t.ctx = p.stopCtx, nil
		p.mu.Unlock()
		_, err := t.run(fn, 0)
		p.mu.Lock()
		if t.cancel != nil {
			t.cancel() // detaches it from stopCtx
		}
		t.parent, t.ctx = nil, nil
		p.mu.Unlock()
		if err != nil && !isStopped(stop) {
			p.log(nil, logErr, "Lua task: "+errorText(err)+".")
		}
	}()
}

func isStopped(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// sleep waits d on behalf of t's call, or until the program stops.
func (t *thread) sleep(d time.Duration) {
	t.block(func() {
		stop := t.vm.prog.stopping()
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-stop:
		}
	})
}
