package hlua

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"switchyard/sample"
)

// Settings are the global tune.lua.* keywords.
type Settings struct {
	// SessionTimeout bounds the Lua time of a fetch, converter or action
	// (4s); TaskTimeout that of a task (none); ServiceTimeout that of a
	// service (4s). Time spent waiting (sleeps, sockets) is not counted,
	// as in haproxy.
	SessionTimeout, TaskTimeout, ServiceTimeout time.Duration
	// LogLoggers: core.log and txn:log reach the proxy's loggers (on).
	LogLoggers bool
	// LogStderr: "auto" (to stderr when no logger took the message),
	// "on" or "off".
	LogStderr string
}

// DefaultSettings are haproxy's defaults.
func DefaultSettings() Settings {
	return Settings{SessionTimeout: 4 * time.Second, ServiceTimeout: 4 * time.Second, LogLoggers: true, LogStderr: "auto"}
}

// script is a compiled `lua-load` or `lua-load-per-thread` file.
type script struct {
	file  string
	args  []string
	proto *glua.FunctionProto
}

// decl is what the configuration may use of a registered function.
type decl struct {
	kind      Kind
	name      string
	id        int // index of the function in each state's byID
	perThread bool
	nargs     int      // actions: how many words of the rule it takes
	where     []string // actions: http-req, http-res, tcp-req, tcp-res, http-after-res
	mode      string   // services: "http" or "tcp"
	help      string   // cli
	words     []string // cli: the command's words
}

// Program is the Lua of one configuration: its scripts, what they
// registered, and the states that run them.
type Program struct {
	Settings Settings
	// sockets are the scripts' open connections (core.tcp), closed by
	// Stop; under mu.
	sockets map[*connBox]struct{}
	// Paths are lua-prepend-path entries: package.path (or cpath)
	// prefixes, applied before each script loads.
	paths    []prependPath
	env      *sample.Env
	decls    map[regKey]*decl
	shared   *vm
	perLoads []*script // per-thread scripts, in order
	pool     *pool

	// clock counts ms from the program's start (from 1), advanced by the
	// watchdog: the coarse time calls are budgeted in.
	clock   atomic.Int64
	mu      sync.Mutex
	threads []*thread // every thread, for the watchdog
	host    Host
	started bool
	stopped bool
	// stopCtx is the parent of the tasks' contexts, cancelled by Stop.
	stopCtx    context.Context
	stopCancel context.CancelFunc
	tasks      sync.WaitGroup
	stop       chan struct{}
	fetchMu    sync.Mutex
	fetchC     map[string]*compiled[*sample.Expr] // compiled txn.f calls
	convC      map[string]*compiled[*sample.ConvCall]
	// envLookup is the configuration's view of the environment while a
	// script loads (nil otherwise: the process's).
	envLookup func(name string) (string, bool)
}

type prependPath struct {
	path string
	c    bool // cpath
}

// NewProgram returns an empty program: scripts are added by Load.
func NewProgram(env *sample.Env) *Program {
	p := &Program{Settings: DefaultSettings(), env: env, decls: map[regKey]*decl{},
		fetchC: map[string]*compiled[*sample.Expr]{}, convC: map[string]*compiled[*sample.ConvCall]{}}
	p.stopCtx, p.stopCancel = context.WithCancel(context.Background())
	p.clock.Store(1)
	return p
}

// compile reads and compiles a script once; every state loads the same
// compiled chunk.
func compile(file string) (*glua.FunctionProto, error) {
	src, err := readSource(file)
	if err != nil {
		return nil, fmt.Errorf("failed to load Lua file '%s': %v", file, err)
	}
	chunk, err := parse.Parse(bytes.NewReader(src), file)
	if err != nil {
		return nil, fmt.Errorf("failed to load Lua file '%s': %v", file, err)
	}
	proto, err := glua.Compile(chunk, file)
	if err != nil {
		return nil, fmt.Errorf("failed to load Lua file '%s': %v", file, err)
	}
	return proto, nil
}

// Load compiles file and runs it, as lua-load (perThread false) or
// lua-load-per-thread do while the configuration is read: what it
// registers is known from then on.
func (p *Program) Load(file string, args []string, perThread bool) error {
	proto, err := compile(file)
	if err != nil {
		return err
	}
	s := &script{file: file, args: args, proto: proto}
	var v *vm
	if perThread {
		if p.pool == nil {
			p.pool = &pool{prog: p}
			first := newVM(p, false)
			first.primary = true
			first.setThread(1)
			p.pool.made = 1
			p.pool.free = append(p.pool.free, first)
			p.register(first.main)
		}
		p.perLoads = append(p.perLoads, s)
		v = p.pool.free[0]
	} else {
		if p.shared == nil {
			p.shared = newVM(p, true)
			p.shared.primary = true
			p.register(p.shared.main)
		}
		v = p.shared
	}
	if err := v.load(s); err != nil {
		return loadError(file, err)
	}
	return nil
}

// PrependPath is lua-prepend-path: the states that exist get it at once
// (it matters to the scripts loaded after it), states made later with
// the others, in order.
func (p *Program) PrependPath(path string, cpath bool) {
	pp := prependPath{path, cpath}
	p.paths = append(p.paths, pp)
	for _, v := range p.primaries() {
		applyPath(v.L, pp)
	}
}

// applyPath prefixes package.path (or cpath) with a path.
func applyPath(L *glua.LState, pp prependPath) {
	pkg, ok := L.GetGlobal("package").(*glua.LTable)
	if !ok {
		return
	}
	field := "path"
	if pp.c {
		field = "cpath"
	}
	cur := glua.LVAsString(pkg.RawGetString(field))
	pkg.RawSetString(field, glua.LString(pp.path+";"+cur))
}

// unregister forgets a thread that is no longer used.
func (p *Program) unregister(t *thread) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.threads {
		if x == t {
			last := len(p.threads) - 1
			p.threads[i], p.threads[last] = p.threads[last], nil
			p.threads = p.threads[:last]
			return
		}
	}
}

// register notes a thread for the watchdog.
func (p *Program) register(t *thread) {
	p.mu.Lock()
	p.threads = append(p.threads, t)
	p.mu.Unlock()
}

// declare records a registration made while a script loads. A name
// registered again replaces the first, as in haproxy (with a warning
// there); a per-thread state loading after the first only refreshes its
// own table.
func (p *Program) declare(v *vm, d *decl, name string, fn *glua.LFunction) {
	k := regKey{d.kind, name}
	d.name = name
	if old := p.decls[k]; old != nil {
		d.id = old.id // a name registered again keeps its slot
	} else {
		d.id = len(p.decls)
	}
	for len(v.byID) <= d.id {
		v.byID = append(v.byID, nil)
	}
	v.byID[d.id] = fn
	if v.shared || v.primary {
		d.perThread = !v.shared
		p.decls[k] = d
	}
}

// Declared returns what the configuration may use of a registered name.
func (p *Program) declared(kind Kind, name string) *decl {
	if p == nil {
		return nil
	}
	return p.decls[regKey{kind, name}]
}

// Empty says whether no script was loaded.
func (p *Program) Empty() bool { return p == nil || p.shared == nil && p.pool == nil }

// pool holds the states of per-thread scripts: a call takes one for
// itself and gives it back; more are made, each loading the scripts,
// when all are busy.
type pool struct {
	prog *Program
	mu   sync.Mutex
	free []*vm
	made int // states made, the first included: core.thread of the next
}

func (pl *pool) get() (*vm, error) {
	pl.mu.Lock()
	if n := len(pl.free); n > 0 {
		v := pl.free[n-1]
		pl.free = pl.free[:n-1]
		pl.mu.Unlock()
		return v, nil
	}
	pl.made++
	n := pl.made
	pl.mu.Unlock()
	v := newVM(pl.prog, false)
	v.setThread(n)
	for _, s := range pl.prog.perLoads {
		if err := v.load(s); err != nil {
			v.L.Close()
			return nil, loadError(s.file, err)
		}
	}
	pl.prog.register(v.main)
	return v, nil
}

func (pl *pool) put(v *vm) {
	pl.mu.Lock()
	pl.free = append(pl.free, v)
	pl.mu.Unlock()
}

// begin takes a thread to run the function registered as (kind, name).
// The returned function ends the call.
func (p *Program) begin(kind Kind, name string) (*thread, *glua.LFunction, func(), error) {
	d := p.declared(kind, name)
	if d == nil {
		return nil, nil, nil, fmt.Errorf("Lua %s '%s' is not registered", kind, name)
	}
	return p.beginDecl(d)
}

// beginDecl is begin for a registration already looked up.
func (p *Program) beginDecl(d *decl) (*thread, *glua.LFunction, func(), error) {
	if !d.perThread {
		v := p.shared
		t := v.acquire()
		if t.objs == nil {
			p.register(t)
		}
		if t.end == nil {
			t.end = func() { v.release(t) }
		}
		return t, v.byID[d.id], t.end, nil
	}
	v, err := p.pool.get()
	if err != nil {
		return nil, nil, nil, err
	}
	t := v.main
	if t.end == nil {
		t.end = func() { t.cur = nil; p.pool.put(v) }
	}
	return t, v.byID[d.id], t.end, nil
}

// Start runs the scripts' init functions and starts their tasks, once
// the configuration is in force. log writes Lua's messages outside any
// stream (nil: stderr).
func (p *Program) Start(h Host) {
	if p.Empty() {
		return
	}
	p.mu.Lock()
	if p.started {
		p.mu.Unlock()
		return
	}
	p.started, p.host, p.stop = true, h, make(chan struct{})
	p.mu.Unlock()
	go p.watchdog()
	for _, v := range p.primaries() {
		for _, fn := range v.inits {
			p.runInit(v, fn)
		}
	}
	for _, v := range p.primaries() {
		for _, fn := range v.tasks {
			p.startTask(v, fn)
		}
	}
}

// Stop ends the program's tasks and its watchdog: the configuration was
// replaced or the process stops.
func (p *Program) Stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	// The channel stays closed, not nil: a wait that begins after the
	// stop must see it too.
	if !p.started || p.stopped {
		p.mu.Unlock()
		return
	}
	close(p.stop)
	p.stopped = true
	p.stopCancel()
	socks := p.sockets
	p.sockets = nil
	p.mu.Unlock()
	// A socket a task waits on ends its wait; one a script keeps
	// between calls, or that a task opened just before, is closed with
	// its configuration (haproxy frees them with the Lua state).
	for b := range socks {
		b.close()
	}
	// The tasks end at their next Lua instruction, or as their wait
	// sees the stop: wait for them, a little, so that a replaced
	// configuration's tasks are over when Apply returns.
	done := make(chan struct{})
	go func() { p.tasks.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

func (p *Program) primaries() []*vm {
	var out []*vm
	if p.shared != nil {
		out = append(out, p.shared)
	}
	if p.pool != nil {
		for _, v := range p.pool.free {
			if v.primary {
				out = append(out, v)
			}
		}
	}
	return out
}

// stopping is closed when the program stops (nil before Start).
// errStopped fails a connection made as the program stopped.
var errStopped = errors.New("the Lua program stopped")

// holdSocket notes an open connection of a script, for Stop to close;
// false once the program has stopped.
func (p *Program) holdSocket(b *connBox) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	if p.sockets == nil {
		p.sockets = map[*connBox]struct{}{}
	}
	p.sockets[b] = struct{}{}
	return true
}

// dropSocket forgets a connection the script closed.
func (p *Program) dropSocket(b *connBox) {
	p.mu.Lock()
	delete(p.sockets, b)
	p.mu.Unlock()
}

func (p *Program) stopping() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stop
}

// watchdog advances the program's clock and stops calls that run longer
// than their timeout, to within a tick.
func (p *Program) watchdog() {
	stop := p.stopping()
	tick := time.NewTicker(watchdogTick)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			ms := now.Sub(start).Milliseconds() + 1
			p.clock.Store(ms)
			p.mu.Lock()
			for _, t := range p.threads {
				if t.overdue(ms) && t.cancel != nil {
					t.cancel()
				}
			}
			p.mu.Unlock()
		}
	}
}

// watchdogTick is the resolution of the Lua timeouts.
const watchdogTick = 20 * time.Millisecond
