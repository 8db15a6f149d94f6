package hlua

import (
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"switchyard/sample"
)

// call is what a thread runs for: the stream (nil for tasks and init
// functions), and, for services, the applet's exchange.
type call struct {
	kind   Kind
	name   string
	st     Stream
	ctx    *sample.Ctx
	applet *Applet
	// private is txn:set_priv's value.
	private glua.LValue
	// done is set by txn:done(): the action ends its rule set.
	done bool
	// flush, when set, runs before the call waits (thread.block): a
	// service sends what it gathered (applet.go).
	flush func()
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
)

// Fetch is the sample.Dynamic source of lua.NAME fetches.
func (p *Program) Fetch(name string) (sample.FetchDef, bool) {
	short, ok := strings.CutPrefix(name, "lua.")
	if !ok || p.declared(KindFetch, short) == nil {
		return sample.FetchDef{}, false
	}
	return sample.FetchDef{Name: name, Args: strArgs, Out: sample.TypeAny,
		// haproxy lets Lua fetches run anywhere: they read what exists.
		Src: 0,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
			words := argWords(args)
			return func(c *sample.Ctx) (sample.Value, bool) {
				return p.callSample(KindFetch, short, c, nil, words)
			}, nil
		}}, true
}

// Converter is the sample.Dynamic source of lua.NAME converters.
func (p *Program) Converter(name string) (sample.ConverterDef, bool) {
	short, ok := strings.CutPrefix(name, "lua.")
	if !ok || p.declared(KindConverter, short) == nil {
		return sample.ConverterDef{}, false
	}
	return sample.ConverterDef{Name: name, Args: strArgs, In: sample.TypeStr, Out: sample.TypeAny,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.ConvFunc, error) {
			words := argWords(args)
			return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
				in := toLua(v)
				return p.callSample(KindConverter, short, c, in, words)
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
func (p *Program) callSample(kind Kind, name string, c *sample.Ctx, in glua.LValue, words []glua.LValue) (sample.Value, bool) {
	t, fn, end, err := p.begin(kind, name)
	if err != nil {
		p.logError(nil, kind, name, err)
		return sample.Value{}, false
	}
	defer end()
	st := StreamOf(c)
	t.cur = &call{kind: kind, name: name, st: st, ctx: c}
	t.limit.Store(int64(p.Settings.SessionTimeout))
	args := make([]glua.LValue, 0, len(words)+2)
	if kind == KindConverter {
		args = append(args, in) // converters get the value, no txn
	} else {
		args = append(args, t.objects().txnFor(t.cur, false))
	}
	args = append(args, words...)
	out, err := t.run(fn, 1, args...)
	if err != nil {
		p.logError(st, kind, name, err)
		return sample.Value{}, false
	}
	v, ok := toSample(out[0])
	if ok && v.Kind == sample.KindStr {
		// The string lives in Lua's memory; the sample must outlive
		// nothing but the transaction: copy it into its scratch.
		start := len(c.Scratch)
		c.Scratch = append(c.Scratch, v.Str...)
		v.Str = c.Scratch[start:len(c.Scratch):len(c.Scratch)]
	}
	return v, ok
}

// RunAction runs the Lua action name on st with the rule's words; res
// says it runs on the response side (txn.http's res_* apply).
func (p *Program) RunAction(name string, st Stream, words []string, res bool) ActionResult {
	t, fn, end, err := p.begin(KindAction, name)
	if err != nil {
		p.logError(st, KindAction, name, err)
		return ActError
	}
	defer end()
	t.cur = &call{kind: KindAction, name: name, st: st, ctx: st.Ctx()}
	t.limit.Store(int64(p.Settings.SessionTimeout))
	args := make([]glua.LValue, 0, len(words)+1)
	args = append(args, t.objects().txnFor(t.cur, true))
	for _, w := range words {
		args = append(args, glua.LString(w))
	}
	out, err := t.run(fn, 1, args...)
	if t.cur.done {
		return ActDone
	}
	if err != nil {
		// haproxy's hlua_action logs the error and goes on with the
		// rule set (ACT_RET_CONT): an error is not act.ERROR.
		p.logError(st, KindAction, name, err)
		return ActContinue
	}
	if n, ok := out[0].(glua.LNumber); ok && n >= 0 && n <= glua.LNumber(ActInvalid) {
		return ActionResult(n)
	}
	return ActContinue
}

// logError reports a script's failure where haproxy does: the stream's
// proxy's loggers, or the global ones.
func (p *Program) logError(st Stream, kind Kind, name string, err error) {
	msg := "Lua " + kind.String() + " '" + name + "': "
	if err == errTimeout {
		msg += "execution timeout."
	} else {
		msg += "runtime error: " + errorText(err) + "."
	}
	p.log(st, logErr, msg)
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
	go func() {
		t := v.acquire()
		if t.objs == nil {
			p.register(t)
		}
		defer v.release(t)
		t.cur = &call{}
		t.limit.Store(int64(p.Settings.TaskTimeout))
		go func() {
			// Stopping the program ends the task at its next Lua
			// instruction.
			<-stop
			p.mu.Lock()
			if t.cancel != nil {
				t.cancel()
			}
			p.mu.Unlock()
		}()
		if _, err := t.run(fn, 0); err != nil && !isStopped(stop) {
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
