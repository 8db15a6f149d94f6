package proxy

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Lua actions' outcomes on a request, as haproxy 2.6 answers them
// (checked side by side with haproxy on the same script): a failing
// fetch gives no sample, a failing or runaway action is logged and the
// rules go on, act.DENY is a 403, txn:done() with a reply sends it.
func TestLuaActionOutcomes(t *testing.T) {
	fe := itAddr(t)
	itStart(t, itConfig(t, `
global
    lua-load testdata/lua_errors.lua
    tune.lua.session-timeout 200
`+itDefaults+`
frontend fe
    bind {FE}
    http-request set-var(txn.x) lua.boom if { path /boom }
    http-request return status 200 content-type text/plain lf-string "x=%[var(txn.x)]" if { path /boom }
    http-request lua.bad if { path /bad }
    http-request lua.loop if { path /loop }
    http-request lua.done2 if { path /done2 }
    http-request lua.deny if { path /deny }
    http-request return status 200 content-type text/plain string "end"
`, "FE", fe))
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/boom", 200, "x="},
		{"/bad", 200, "end"},
		{"/loop", 200, "end"},
		{"/done2", 418, "teapot"},
		{"/deny", 403, "Request forbidden by administrative rules."},
	} {
		k := itDial(t, fe)
		resp, body := k.get(tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
		if tc.path == "/done2" && strings.Join(resp.Header.Values("X-A"), ",") != "1,2" {
			t.Errorf("done2: x-a %v", resp.Header.Values("X-A"))
		}
	}
}

// The act.* values an action returns, as haproxy 2.6 answers them, and
// txn.http edits on both sides.
func TestLuaActResults(t *testing.T) {
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-origin", "o1")
		fmt.Fprintf(w, "%s %s", r.URL.Path, r.Header.Get("x-edited"))
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, `
global
    lua-load testdata/lua_acts.lua
`+itDefaults+`
frontend fe
    bind {FE}
    http-request lua.ret STOP if { path /stop }
    http-request lua.ret DONE if { path /done }
    http-request lua.ret INVALID if { path /invalid }
    http-request lua.ret ERROR if { path /error }
    http-request lua.ret DENY if { path /deny }
    http-request lua.ret ABORT if { path /abort }
    http-request lua.edit if { path /edit }
    http-request set-header x-var %[var(txn.from_lua)]
    http-request return status 200 content-type text/plain string "rules went on" if { path /stop } || { path /done }
    http-response lua.resedit
    default_backend app
backend app
    server s1 {S1}
`, "FE", fe, "S1", o.addr))
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/stop", 299, "/stop"}, // the return rule is skipped: the server answers
		{"/done", 299, "/done"},
		{"/invalid", 400, ""},
		{"/error", 500, ""},
		{"/deny", 403, ""},
		{"/abort", 503, ""},
		{"/edit", 299, "/rewritten yes"},
	} {
		k := itDial(t, fe)
		resp, body := k.get(tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
		if tc.status == 299 && resp.Header.Get("X-Origin-Said") != "o1" {
			t.Errorf("%s: the response action did not run: %v", tc.path, resp.Header)
		}
	}
}

// A reload stops the tasks of the configuration it replaces and starts
// the new one's; a configuration without Lua stops them all.
func TestLuaTasksFollowReloads(t *testing.T) {
	fe := itAddr(t)
	conf := func(owner string) string {
		return `
global
    lua-load testdata/lua_task.lua ` + owner + `
` + itDefaults + `
frontend fe
    bind {FE}
    http-request return status 200 content-type text/plain lf-string "%[var(proc.owner)]"
`
	}
	rt := itStart(t, itConfig(t, conf("first"), "FE", fe))
	owner := func() string {
		k := itDial(t, fe)
		_, body := k.get("/")
		return body
	}
	itPoll(t, 2*time.Second, "the first task runs", func() bool { return owner() == "first" })
	if err := rt.Apply(itConfig(t, conf("second"), "FE", fe)); err != nil {
		t.Fatal(err)
	}
	itPoll(t, 2*time.Second, "the second task runs", func() bool { return owner() == "second" })
	// The first task is gone: the owner stays the second's.
	for i := 0; i < 5; i++ {
		if o := owner(); o != "second" {
			t.Fatalf("owner %q after the reload: the old task still runs", o)
		}
		time.Sleep(10 * time.Millisecond) // two task periods between looks
	}
	if err := rt.Apply(itConfig(t, itDefaults+`
frontend fe
    bind {FE}
    http-request return status 200 content-type text/plain lf-string "%[var(proc.ticks)]"
`, "FE", fe)); err != nil {
		t.Fatal(err)
	}
	first := owner()
	time.Sleep(50 * time.Millisecond) // ten task periods: no task counts any more
	if again := owner(); again != first {
		t.Errorf("ticks went on without Lua in the configuration: %s then %s", first, again)
	}
}

// Proxy.stktable on the running configuration: the proxy's own table,
// read as `show table` reads it; nil for a proxy without a stick-table
// line.
func TestLuaProxyStickTable(t *testing.T) {
	script := filepath.Join(t.TempDir(), "stk.lua")
	if err := os.WriteFile(script, []byte(`
core.register_fetches("stk", function(txn)
    local st = core.frontends["fe"].stktable
    local i = st:info()
    local e = st:lookup("127.0.0.1")
    local n = 0
    for k, v in pairs(st:dump({{"http_req_cnt", "ge", 1}})) do n = n + 1 end
    return i.type .. " " .. i.used .. " " .. i.data.http_req_rate .. " cnt=" .. e.http_req_cnt ..
        " use=" .. e.use .. " dumped=" .. n .. " be=" .. tostring(core.backends["app"].stktable)
end)
`), 0o644); err != nil {
		t.Fatal(err)
	}
	fe := itAddr(t)
	itStart(t, itConfig(t, `
global
    lua-load `+script+`
`+itDefaults+`
frontend fe
    bind {FE}
    stick-table type ip size 10 expire 1m store http_req_cnt,http_req_rate(10s)
    http-request track-sc0 src
    http-request return status 200 content-type text/plain lf-string "%[lua.stk]"
    default_backend app
backend app
    server s1 127.0.0.1:1
`, "FE", fe))
	k := itDial(t, fe)
	k.get("/")
	_, body := k.get("/")
	if want := "ip 1 10000 cnt=2 use=1 dumped=1 be=nil"; body != want {
		t.Errorf("got %q, want %q", body, want)
	}
}
