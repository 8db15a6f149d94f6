package hlua

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/sample"
)

// luaFile writes a Lua file for a test and returns its path.
func luaFile(t *testing.T, src string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "t.lua")
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// fetch compiles `lua.NAME(args)` in env and evaluates it.
func fetch(t *testing.T, env *sample.Env, expr string, c *sample.Ctx) (sample.Value, bool) {
	t.Helper()
	e, err := sample.ParseExpr(env, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return e.Eval(c)
}

func newEnv() (*sample.Env, *Program) {
	env := &sample.Env{}
	p := NewProgram(env)
	env.Dynamic = p
	return env, p
}

func TestFetchAndConverter(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
core.register_fetches("add", function(txn, a, b) return tonumber(a) + tonumber(b) end)
core.register_fetches("half", function(txn) return 1.5 end)
core.register_fetches("none", function(txn) return nil end)
core.register_fetches("nothing", function(txn) end)
core.register_fetches("table", function(txn) return {} end)
core.register_fetches("var", function(txn) return txn:get_var("txn.v") end)
core.register_converters("wrap", function(s, l, r) return (l or "[") .. s .. (r or "]") end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	c := &sample.Ctx{}
	c.Vars.Set(sample.VarRef{Scope: sample.ScopeTxn, Name: "v"}, sample.Str([]byte("hello")))
	for _, tc := range []struct {
		expr string
		want string
		ok   bool
	}{
		{"lua.add(2,40)", "42", true},
		// As haproxy (Lua 5.3's lua_tointeger): a fraction gives 0, nil
		// and tables the boolean false, nothing returned no sample.
		{"lua.half", "0", true},
		{"lua.none", "0", true},
		{"lua.table", "0", true},
		{"lua.nothing", "", false},
		{"lua.var", "hello", true},
		{"lua.var,lua.wrap", "[hello]", true},
		{"lua.var,lua.wrap(<,>)", "<hello>", true},
	} {
		v, ok := fetch(t, env, tc.expr, c)
		if ok != tc.ok || ok && string(v.AppendText(nil)) != tc.want {
			t.Errorf("%s = %q %v, want %q %v", tc.expr, v.AppendText(nil), ok, tc.want, tc.ok)
		}
	}
	if v, _ := fetch(t, env, "lua.add(1,2)", c); v.Kind != sample.KindInt {
		t.Errorf("an integral number is an integer sample, got kind %d", v.Kind)
	}
	if _, err := sample.ParseExpr(env, "lua.missing"); err == nil {
		t.Error("an unregistered lua fetch must be refused")
	}
}

// lua-load scripts share one state: a global set by one call is seen by
// the next, whichever goroutine runs it, as haproxy's shared state.
func TestSharedState(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
n = 0
core.register_fetches("count", function(txn) n = n + 1; return n end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				fetch(t, env, "lua.count", &sample.Ctx{})
			}
		}()
	}
	wg.Wait()
	if v, _ := fetch(t, env, "lua.count", &sample.Ctx{}); v.Int != 401 {
		t.Errorf("count = %d, want 401", v.Int)
	}
}

// lua-load-per-thread scripts run in a pool of states: calls at once do
// not wait for each other, and each state has its own globals.
func TestPerThreadPool(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
loaded = (loaded or 0) + 1
core.register_fetches("wait", function(txn, ms) core.msleep(tonumber(ms)); return loaded end)
`)
	if err := p.Load(f, nil, true); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	defer p.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, ok := fetch(t, env, "lua.wait(200)", &sample.Ctx{}); !ok || v.Int != 1 {
				t.Errorf("each state loads the script once: %v %v", v.Int, ok)
			}
		}()
	}
	wg.Wait()
	// Four calls of 200ms each one after the other would take 800ms.
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("4 parallel calls took %v: they waited for each other", d)
	}
}

// A sleeping call does not hold the shared state: another call runs
// meanwhile (haproxy's yield).
func TestSharedYield(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
core.register_fetches("sleep", function(txn) core.msleep(300); return "slept" end)
core.register_fetches("quick", function(txn) return "quick" end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	defer p.Stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fetch(t, env, "lua.sleep", &sample.Ctx{})
	}()
	time.Sleep(50 * time.Millisecond) // let the sleeper take the state first
	start := time.Now()
	if v, _ := fetch(t, env, "lua.quick", &sample.Ctx{}); string(v.Str) != "quick" {
		t.Errorf("quick = %q", v.Str)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("a call waited %v for a sleeping one", d)
	}
	<-done
}

// A runaway loop is stopped by tune.lua.session-timeout and gives no
// sample; the state stays usable.
func TestTimeout(t *testing.T) {
	env, p := newEnv()
	p.Settings.SessionTimeout = 100 * time.Millisecond
	p.Settings.LogStderr = "off"
	f := luaFile(t, `
core.register_fetches("spin", function(txn) while true do end end)
core.register_fetches("ok", function(txn) return "ok" end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	defer p.Stop()
	start := time.Now()
	if _, ok := fetch(t, env, "lua.spin", &sample.Ctx{}); ok {
		t.Error("a timed out fetch gives no sample")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopped after %v", d)
	}
	if v, ok := fetch(t, env, "lua.ok", &sample.Ctx{}); !ok || string(v.Str) != "ok" {
		t.Errorf("after a timeout: %q %v", v.Str, ok)
	}
}

func TestLoadErrors(t *testing.T) {
	_, p := newEnv()
	for _, tc := range []struct{ src, want string }{
		{"this is not lua", "failed to load Lua file"},
		{"error('boom')", "t.lua:1: boom"},
		{"core.register_action('a', {'http-nope'}, function() end)", "Lua action environment 'http-nope' is unknown"},
		{"core.register_service('a', 'udp', function() end)", "'tcp' or 'http' expected"},
	} {
		err := p.Load(luaFile(t, tc.src), nil, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
	if err := p.Load("/nonexistent.lua", nil, false); err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("missing file: %v", err)
	}
}

// lua-load's extra words are the script's `...`.
func TestLoadArgs(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
local a, b = ...
core.register_fetches("args", function(txn) return a .. "+" .. b end)
`)
	if err := p.Load(f, []string{"x", "y"}, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fetch(t, env, "lua.args", &sample.Ctx{}); string(v.Str) != "x+y" {
		t.Errorf("args = %q", v.Str)
	}
}

// txn.f and txn.sf run the sample engine's fetches, txn.c the converters.
func TestFetchesClass(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
core.register_fetches("t", function(txn)
  return table.concat({
    tostring(txn.f:int(7) + 1),
    txn.sf:str("abc"),
    txn.c:upper("abc"),
    txn.sc:length("abcd"),
    tostring(txn.f:var("txn.nothing")),
    txn.sf:var("txn.nothing"),
  }, ",")
end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fetch(t, env, "lua.t", &sample.Ctx{}); string(v.Str) != "8,abc,ABC,4,nil," {
		t.Errorf("got %q", v.Str)
	}
}

func TestCoreHelpers(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
core.register_fetches("t", function(txn)
  local w = core.tokenize("a,b,,c", ",")
  local n = core.tokenize("a,b,,c", ",", true)
  local net = core.parse_addr("10.0.0.0/8")
  local ip = core.parse_addr("10.1.2.3")
  local other = core.parse_addr("192.168.0.1")
  local c = core.concat()
  c:add("x"); c:add("y")
  return table.concat({#w, #n, tostring(core.match_addr(net, ip)), tostring(core.match_addr(net, other)),
    c:dump(), tostring(math.tointeger(3.0)), tostring(table.unpack ~= nil)}, " ")
end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fetch(t, env, "lua.t", &sample.Ctx{}); string(v.Str) != "4 3 true false xy 3 true" {
		t.Errorf("got %q", v.Str)
	}
}

// Tasks run after Start, in the shared state, and stop with the program.
func TestTaskAndInit(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
state = "loaded"
core.register_init(function() state = "init" end)
core.register_task(function()
  state = state .. "+task"
  while true do core.msleep(10) end
end)
core.register_fetches("state", function(txn) return state end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fetch(t, env, "lua.state", &sample.Ctx{}); string(v.Str) != "loaded" {
		t.Errorf("before Start: %q", v.Str)
	}
	p.Start(nil)
	deadline := time.Now().Add(2 * time.Second)
	for {
		v, _ := fetch(t, env, "lua.state", &sample.Ctx{})
		if string(v.Str) == "init+task" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("state = %q", v.Str)
		}
		time.Sleep(5 * time.Millisecond) // polling a script's state: no signal to wait on
	}
	p.Stop()
}

func writeFile(tb testing.TB, path, src string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// lua-prepend-path lets a script require modules from a directory, in
// every state, those of the per-thread pool made later included.
func TestPrependPath(t *testing.T) {
	env, p := newEnv()
	dir := t.TempDir()
	writeFile(t, dir+"/mymod.lua", `return { hello = function() return "from module" end }`)
	p.PrependPath(dir+"/?.lua", false)
	f := luaFile(t, `
local m = require("mymod")
core.register_fetches("mod", function(txn) return m.hello() end)
`)
	if err := p.Load(f, nil, true); err != nil {
		t.Fatal(err)
	}
	// Two calls at once: the second needs a second state.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, ok := fetch(t, env, "lua.mod", &sample.Ctx{}); !ok || string(v.Str) != "from module" {
				t.Errorf("mod = %q %v", v.Str, ok)
			}
		}()
	}
	wg.Wait()
}

func TestCoreDates(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `
core.register_fetches("d", function(txn)
  return table.concat({
    tostring(core.http_date("Sun, 06 Nov 1994 08:49:37 GMT")),
    tostring(core.rfc850_date("Sunday, 06-Nov-94 08:49:37 GMT")),
    tostring(core.asctime_date("Sun Nov  6 08:49:37 1994")),
    tostring(core.imf_date("nonsense")),
  }, " ")
end)
`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fetch(t, env, "lua.d", &sample.Ctx{}); string(v.Str) != "784111777 784111777 784111777 nil" {
		t.Errorf("got %q", v.Str)
	}
}

// Threads beyond those kept for reuse are forgotten once their call ends:
// a burst of waiting calls does not grow the program's list for good.
func TestThreadsForgotten(t *testing.T) {
	env, p := newEnv()
	f := luaFile(t, `core.register_fetches("nap", function(txn) core.msleep(50); return 1 end)`)
	if err := p.Load(f, nil, false); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	defer p.Stop()
	var wg sync.WaitGroup
	for i := 0; i < maxIdleThreads+40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fetch(t, env, "lua.nap", &sample.Ctx{})
		}()
	}
	wg.Wait()
	p.mu.Lock()
	n := len(p.threads)
	p.mu.Unlock()
	// The main state's thread, and the idle ones kept.
	if n > maxIdleThreads+1 {
		t.Errorf("%d threads known after the burst, want at most %d", n, maxIdleThreads+1)
	}
}
