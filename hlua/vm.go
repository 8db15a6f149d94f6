package hlua

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"
)

// vm is one Lua state with what its scripts registered. A shared vm
// (lua-load) runs its calls one at a time under mu, each in a Lua thread
// of its own; a vm of the per-thread pool is used by one call at a time
// and runs it in its main state.
type vm struct {
	prog   *Program
	L      *glua.LState
	shared bool
	mu     sync.Mutex        // shared: held while Lua code runs
	byID   []*glua.LFunction // registered functions by decl.id
	free   []*thread         // idle threads (shared)
	main   *thread           // the main state as a thread (per-thread vms, loading)
	// loading is set while the scripts' bodies run: core.register_*
	// are allowed then only.
	loading bool
	// primary says that this vm's register_init and register_task
	// count: a per-thread pool's other states load the same scripts
	// and would register them again.
	primary bool
	inits   []*glua.LFunction
	tasks   []*glua.LFunction
}

// regKey names a registered function: its kind and name.
type regKey struct {
	kind Kind
	name string
}

// Kind is what a script registered a function as.
type Kind uint8

const (
	KindFetch Kind = iota + 1
	KindConverter
	KindAction
	KindService
	KindCLI
)

// String names the kind as haproxy's messages do ("Lua function 'x'").
func (k Kind) String() string {
	switch k {
	case KindFetch:
		return "sample-fetch"
	case KindConverter:
		return "converter"
	case KindAction:
		return "function"
	case KindService:
		return "applet"
	case KindCLI:
		return "cli"
	}
	return "?"
}

// thread runs calls: a Lua thread of a shared vm, or a pool vm's main
// state. Its objects (txn, applet…) are made once and bound to whatever
// call it runs.
type thread struct {
	vm  *vm
	L   *glua.LState
	cur *call
	// ctx is cancelled by the watchdog when a call runs too long; a
	// new one is made for the next call.
	ctx    context.Context
	cancel context.CancelFunc
	// parent is what ctx derives from (nil: none): set for a task.
	parent context.Context
	// running is when Lua code started running (the program's clock),
	// 0 while the thread waits or is idle; used is the Lua time of the
	// call before that; limit is the call's budget (0: none); all in ms.
	running atomic.Int64
	used    atomic.Int64
	limit   atomic.Int64
	locked  bool // shared: holds vm.mu
	objs    *objects
	// callBuf and args are reused by each call the thread runs, so
	// that a call allocates nothing of its own for them.
	callBuf call
	args    []glua.LValue
	// end gives the thread back after a call (made once).
	end func()
	// returned says that the last call returned a value.
	returned bool
}

// newVM makes a state with the standard libraries, haproxy's classes and
// the shims for Lua 5.3 functions.
func newVM(p *Program, shared bool) *vm {
	L := glua.NewState(glua.Options{SkipOpenLibs: false})
	v := &vm{prog: p, L: L, shared: shared}
	v.main = &thread{vm: v, L: L}
	openCompat(L)
	openFastIO(L)
	if osTable, ok := L.GetGlobal("os").(*glua.LTable); ok {
		osTable.RawSetString("getenv", L.NewFunction(func(L *glua.LState) int {
			name := L.CheckString(1)
			lookup := os.LookupEnv
			if p.envLookup != nil {
				lookup = p.envLookup
			}
			if v, ok := lookup(name); ok {
				L.Push(glua.LString(v))
			} else {
				L.Push(glua.LNil)
			}
			return 1
		}))
	}
	for _, pp := range p.paths {
		applyPath(L, pp)
	}
	L.SetGlobal("core", v.coreTable())
	openClasses(v)
	return v
}

// load runs a compiled script's body, as lua-load does, with args as its
// `...`.
func (v *vm) load(s *script) error {
	v.loading = true
	defer func() { v.loading = false }()
	fn := v.L.NewFunctionFromProto(s.proto)
	v.L.Push(fn)
	for _, a := range s.args {
		v.L.Push(glua.LString(a))
	}
	return v.L.PCall(len(s.args), glua.MultRet, nil)
}

// acquire returns a thread to run a call on, and takes the state's lock
// for a shared vm.
func (v *vm) acquire() *thread {
	if !v.shared {
		return v.main
	}
	v.mu.Lock()
	if n := len(v.free); n > 0 {
		t := v.free[n-1]
		v.free = v.free[:n-1]
		t.locked = true
		return t
	}
	co, _ := v.L.NewThread()
	t := &thread{vm: v, L: co, locked: true}
	return t
}

// release gives the thread back (and the lock).
func (v *vm) release(t *thread) {
	t.cur = nil
	if !v.shared {
		return
	}
	if !t.locked {
		v.mu.Lock()
	}
	t.locked = false
	keep := t.L.GetTop() == 0 && len(v.free) < maxIdleThreads
	if keep {
		v.free = append(v.free, t)
	}
	v.mu.Unlock()
	if !keep {
		// Dropped: the watchdog forgets it too, or a burst of waiting
		// calls would grow its list for good.
		v.prog.unregister(t)
	}
}

// maxIdleThreads bounds the Lua threads a shared state keeps for reuse.
const maxIdleThreads = 64

// errTimeout is a call stopped by its timeout.
var errTimeout = errors.New("execution timeout")

// run calls fn with args on t, within the call's time budget, and returns
// its first result when nret is 1 (nil otherwise; nil also when the
// function returned nothing, which t.returned tells apart).
func (t *thread) run(fn *glua.LFunction, nret int, args ...glua.LValue) (glua.LValue, error) {
	L := t.L
	if t.ctx == nil || t.ctx.Err() != nil {
		parent := context.Background()
		if t.parent != nil {
			parent = t.parent // a task's: the program's stop ends it
		}
		ctx, cancel := context.WithCancel(parent)
		t.vm.prog.mu.Lock() // the watchdog reads cancel
		t.ctx, t.cancel = ctx, cancel
		t.vm.prog.mu.Unlock()
		L.SetContext(ctx)
	}
	t.used.Store(0)
	t.start()
	base := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	want := nret
	if nret > 0 {
		want = glua.MultRet
	}
	err := L.PCall(len(args), want, nil)
	t.stop()
	if err != nil {
		L.SetTop(base)
		if t.ctx.Err() != nil {
			return nil, errTimeout
		}
		return nil, err
	}
	var out glua.LValue = glua.LNil
	t.returned = L.GetTop() > base
	if nret > 0 && t.returned {
		out = L.Get(base + 1)
	}
	L.SetTop(base)
	return out, nil
}

// start and stop account the call's Lua time on the program's coarse
// clock (the watchdog's ticks): reading the system clock twice per call
// would cost more than a small script.
func (t *thread) start() { t.running.Store(t.vm.prog.clock.Load()) }

func (t *thread) stop() {
	if s := t.running.Swap(0); s != 0 {
		t.used.Add(t.vm.prog.clock.Load() - s)
	}
}

// block runs fn, which waits (a sleep, a socket), outside the call's time
// budget and, for a shared state, without its lock, so that other calls
// run meanwhile: haproxy's yield.
func (t *thread) block(fn func()) {
	t.stop()
	if t.locked {
		t.vm.mu.Unlock()
		t.locked = false
		defer func() {
			t.vm.mu.Lock()
			t.locked = true
		}()
	}
	defer t.start()
	if c := t.cur; c != nil && c.flush != nil {
		c.flush()
	}
	fn()
}

// overdue says whether the thread's call ran longer than its budget, at
// clock now.
func (t *thread) overdue(now int64) bool {
	s := t.running.Load()
	limit := t.limit.Load()
	return s != 0 && limit > 0 && t.used.Load()+now-s > limit
}

// errorText is a Lua error as haproxy logs it: the script's file and line,
// then the message.
func errorText(err error) string {
	var le *glua.ApiError
	if errors.As(err, &le) {
		if s, ok := le.Object.(glua.LString); ok {
			return string(s)
		}
		return le.Object.String()
	}
	return err.Error()
}

// loadError is a script error at load, as the configuration reports it.
func loadError(file string, err error) error {
	return fmt.Errorf("Lua runtime error while loading '%s': %s", file, errorText(err))
}

// setThread sets core.thread: 0 for the shared state, from 1 for the
// per-thread ones, as haproxy numbers its states.
func (v *vm) setThread(n int) {
	if core, ok := v.L.GetGlobal("core").(*glua.LTable); ok {
		core.RawSetString("thread", glua.LNumber(n))
	}
}

// setLimit sets the Lua time budget of the thread's call (0: none).
func (t *thread) setLimit(d time.Duration) { t.limit.Store(d.Milliseconds()) }
