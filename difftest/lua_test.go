package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// haproxy's Lua API (issue 12): the same script and the same config under
// both proxies, for each kind of function a script registers (fetch,
// converter, action on either side, HTTP service, task, init), and for
// scripts that fail: a runtime error, a runaway loop stopped by
// tune.lua.session-timeout. What the client and the origin see must be the
// same; a second request on a new connection shows that the process
// survived a failing script.

// luaCase makes a case whose config loads script (written to ${DIR} as
// s.lua) with the global lines extra, then the frontend lines fe in front
// of one server.
func luaCase(name, script, extra, fe string) tcase {
	return tcase{name: name, full: true,
		files: map[string]string{"s.lua": script},
		cfg: `global
    nbthread 1
    lua-load "${DIR}/s.lua"
` + extra + `
defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

` + withFE(fe)}
}

// getH is a GET with headers the scripts read.
const getH = "GET /p/q?a=1 HTTP/1.1\r\nHost: h.example\r\nX-A: one\r\nX-A: two\r\nX-Drop: d\r\nX-Tok: Abc\r\n\r\n"

// then2 sends req and, on a second connection, a plain GET: the second
// answer shows the process is still serving.
func then2(req string) []step {
	return []step{{conn: 0, send: req, read: 1}, {conn: 1, send: get, read: 1}}
}

const luaFetches = `
core.register_fetches("str", function(txn, a, b)
    return "s:" .. tostring(a) .. ":" .. tostring(b)
end)
core.register_fetches("int", function(txn) return 42 end)
core.register_fetches("neg", function(txn) return -7 end)
core.register_fetches("float", function(txn) return 2.5 end)
core.register_fetches("yes", function(txn) return true end)
core.register_fetches("no", function(txn) return false end)
core.register_fetches("none", function(txn) return nil end)
core.register_fetches("tbl", function(txn) return {} end)
core.register_fetches("hdr", function(txn)
    return txn.sf:req_fhdr("x-tok") .. "|" .. txn.f:path() .. "|" .. txn.sf:method() .. "|" .. tostring(txn.f:req_hdr_cnt("x-a"))
end)
core.register_fetches("missing", function(txn)
    local v = txn.f:req_hdr("x-none")
    local s = txn.sf:req_hdr("x-none")
    return tostring(v) .. "|" .. tostring(s) .. "|" .. type(s)
end)
core.register_fetches("var", function(txn)
    return tostring(txn:get_var("txn.set_by_cfg")) .. "|" .. tostring(txn:get_var("txn.unset"))
end)
core.register_fetches("conv", function(txn)
    return txn.c:upper("abc") .. "|" .. txn.sc:base64("hi") .. "|" .. tostring(txn.c:crc32("x"))
end)
`

func TestLuaFetches(t *testing.T) {
	show := func(hdr, expr string) string {
		return "    http-request set-header " + hdr + " \"%[" + expr + "]\"\n"
	}
	cases := []tcase{
		luaCase("fetch-types", luaFetches, "",
			show("X-Str", "lua.str(x,y)")+show("X-Str0", "lua.str")+show("X-Int", "lua.int")+
				show("X-Neg", "lua.neg")+show("X-Float", "lua.float")+show("X-Yes", "lua.yes")+
				show("X-No", "lua.no")+show("X-None", "lua.none")+show("X-Tbl", "lua.tbl")),
		luaCase("fetch-reads-request", luaFetches, "",
			show("X-Hdr", "lua.hdr")+show("X-Missing", "lua.missing")+show("X-Conv", "lua.conv")),
		luaCase("fetch-reads-vars", luaFetches, "",
			"    http-request set-var(txn.set_by_cfg) str(cfg)\n"+show("X-Var", "lua.var")),
		luaCase("fetch-in-acl-and-var", luaFetches, "",
			"    http-request set-var(txn.i) lua.int\n"+
				"    http-request set-header X-Big yes if { var(txn.i) -m int gt 41 }\n"+
				"    http-request set-header X-Yes yes if { lua.yes -m bool }\n"+
				"    http-request set-header X-No yes if { lua.no -m bool }\n"+
				"    http-request set-header X-Found yes if { lua.none -m found }\n"),
		luaCase("fetch-acl-deny", luaFetches, "",
			"    http-request deny deny_status 403 if { lua.str(p,q) -m str s:p:q }\n"),
	}
	for i := range cases {
		cases[i].req = getH
	}
	runCases(t, cases)
}

const luaConverters = `
core.register_converters("wrap", function(s, a, b)
    return (a or "<") .. s .. (b or ">")
end)
core.register_converters("len", function(s) return #s end)
core.register_converters("typ", function(v) return type(v) end)
core.register_converters("nothing", function(s) return nil end)
`

func TestLuaConverters(t *testing.T) {
	c := luaCase("converters", luaConverters, "",
		"    http-request set-header X-W \"%[req.hdr(x-tok),lua.wrap]\"\n"+
			"    http-request set-header X-W2 \"%[req.hdr(x-tok),lua.wrap([,]),lower]\"\n"+
			"    http-request set-header X-Len \"%[req.hdr(x-tok),lua.len]\"\n"+
			"    http-request set-header X-Typ \"%[req.hdr(x-tok),lua.typ] %[int(5),lua.typ]\"\n"+
			"    http-request set-header X-Nothing \"%[req.hdr(x-tok),lua.nothing]\"\n"+
			"    http-request set-header X-Chain \"%[req.hdr(x-tok),lua.len,add(1)]\"\n")
	c.req = getH
	runCases(t, []tcase{c})
}

const luaActions = `
core.register_action("edit", {"http-req"}, function(txn, arg)
    local h = txn.http:req_get_headers()
    local a = h["x-a"] or {}
    txn.http:req_set_header("X-Seen", tostring(a[0]) .. "," .. tostring(a[1]) .. "," .. tostring(a[2]) .. " host=" .. tostring(h["host"] and h["host"][0]))
    txn.http:req_add_header("X-Added", arg)
    txn.http:req_add_header("X-Added", "again")
    txn.http:req_del_header("x-drop")
    txn.http:req_set_header("X-A", "replaced")
    txn:set_var("txn.from_lua", "lua-" .. arg)
    txn:set_var("req.n", 12)
    txn:set_var("txn.gone", "x")
    txn:unset_var("txn.gone")
    txn.http:req_set_header("X-Unset", tostring(txn:get_var("txn.gone")))
    txn.http:req_set_header("X-Cfg", tostring(txn:get_var("txn.from_cfg")))
end, 1)

core.register_action("line", {"http-req"}, function(txn)
    txn.http:req_set_method("PUT")
    txn.http:req_set_path("/new/path")
    txn.http:req_set_query("k=v")
end)

core.register_action("uri", {"http-req"}, function(txn)
    txn.http:req_set_uri("/u?x=y")
end)

core.register_action("reply", {"http-req"}, function(txn)
    -- One header name: haproxy sends a reply's headers in the order Lua
    -- iterates its table, which is no order.
    local r = txn:reply({status = 403, reason = "Nope", headers = {["x-r"] = {"1", "2"}}, body = "refused\n"})
    txn:done(r)
end)

core.register_action("reply2", {"http-req"}, function(txn)
    local r = txn:reply()
    r:set_status(401, "Who")
    r:add_header("content-type", "text/plain")
    r:set_body("who are you")
    txn:done(r)
    txn.http:req_set_header("X-After-Done", "1")
end)

core.register_action("done", {"http-req"}, function(txn)
    txn:done()
end)

core.register_action("res", {"http-res"}, function(txn)
    local h = txn.http:res_get_headers()
    txn.http:res_set_header("X-Origin-Had", tostring(h["x-o"] and h["x-o"][0]))
    txn.http:res_add_header("X-Res", "added")
    txn.http:res_del_header("x-o")
    txn.http:res_set_status(202)
    txn:set_var("txn.res_lua", "r")
    txn.http:res_set_header("X-Req-Var", tostring(txn:get_var("txn.from_cfg")))
end)

core.register_action("res_reply", {"http-res"}, function(txn)
    local r = txn:reply({status = 503, headers = {["content-type"] = {"text/plain"}}, body = "replaced\n"})
    txn:done(r)
end)

core.register_action("stop", {"http-req"}, function(txn)
    return act.STOP
end)

core.register_action("deny", {"http-req"}, function(txn)
    return act.DENY
end)
`

func TestLuaActions(t *testing.T) {
	origin := []reply{raw200("from origin", "X-O: o")}
	cases := []tcase{
		luaCase("action-req-headers-vars", luaActions, "",
			"    http-request set-var(txn.from_cfg) str(cfg)\n"+
				"    http-request lua.edit arg1\n"+
				"    http-request set-header X-V \"%[var(txn.from_lua)] %[var(req.n)]\"\n"),
		luaCase("action-req-line", luaActions, "",
			"    http-request lua.line\n    http-request set-header X-P \"%[path] %[query]\"\n"),
		luaCase("action-req-uri", luaActions, "", "    http-request lua.uri\n"),
		luaCase("action-done-reply", luaActions, "",
			"    http-request lua.reply\n    http-request set-header X-Not-Reached 1\n"),
		luaCase("action-done-reply-methods", luaActions, "", "    http-request lua.reply2\n"),
		luaCase("action-done-no-reply", luaActions, "", "    http-request lua.done\n"),
		luaCase("action-res", luaActions, "",
			"    http-request set-var(txn.from_cfg) str(cfg)\n"+
				"    http-response lua.res\n"+
				"    http-response set-header X-V \"%[var(txn.res_lua)] %[status]\"\n"),
		luaCase("action-res-reply", luaActions, "", "    http-response lua.res_reply\n"),
		luaCase("action-stop", luaActions, "",
			"    http-request lua.stop\n    http-request set-header X-Not-Reached 1\n"),
		luaCase("action-deny", luaActions, "", "    http-request lua.deny\n"),
		luaCase("action-conditional", luaActions, "",
			"    http-request lua.reply if { path /p/q }\n"),
	}
	for i := range cases {
		cases[i].req = getH
		cases[i].replies = origin
		if strings.Contains(cases[i].name, "done") || strings.Contains(cases[i].name, "reply") || cases[i].name == "action-deny" {
			cases[i].steps = then2(getH)
			cases[i].req = ""
		}
	}
	for i := range cases {
		if cases[i].name == "action-res-reply" {
			// Whether the server's connection is reused after a
			// response rule replaced its response depends on whether
			// the body had arrived when the rule ran: a race in both
			// proxies, which the end-of-case probe would show.
			cases[i].noProbe = true
		}
	}
	runCases(t, cases)
}

const luaServices = `
core.register_service("hello", "http", function(applet)
    local body = "hello " .. applet.method .. " " .. applet.path .. " " .. applet.qs .. " " .. tostring(applet.headers["x-tok"] and applet.headers["x-tok"][0]) .. "\n"
    applet:set_status(201)
    applet:add_header("content-type", "text/plain")
    applet:add_header("x-svc", "s1")
    applet:add_header("content-length", tostring(#body))
    applet:start_response()
    applet:send(body)
end)

core.register_service("nolength", "http", function(applet)
    applet:add_header("content-type", "text/plain")
    applet:start_response()
    applet:send("part1 ")
    applet:send("part2")
end)

core.register_service("echo", "http", function(applet)
    local b = applet:receive()
    applet:set_status(200)
    applet:add_header("content-type", "application/octet-stream")
    applet:add_header("content-length", tostring(#b + 1))
    applet:start_response()
    applet:send(b .. "!")
end)

core.register_service("vars", "http", function(applet)
    local v = tostring(applet:get_var("txn.cfg"))
    applet:set_var("txn.svc", "x")
    applet:add_header("content-length", tostring(#v))
    applet:start_response()
    applet:send(v)
end)

core.register_service("fails", "http", function(applet)
    error("service broke")
end)
`

func TestLuaServices(t *testing.T) {
	post := "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde"
	cases := []tcase{
		luaCase("service-status-headers-body", luaServices, "", "    http-request use-service lua.hello\n"),
		luaCase("service-no-length", luaServices, "", "    http-request use-service lua.nolength\n"),
		luaCase("service-reads-body", luaServices, "", "    http-request use-service lua.echo\n"),
		luaCase("service-vars", luaServices, "",
			"    http-request set-var(txn.cfg) str(from-cfg)\n    http-request use-service lua.vars\n"),
		luaCase("service-error", luaServices, "", "    http-request use-service lua.fails\n"),
		luaCase("service-conditional", luaServices, "",
			"    http-request use-service lua.hello if { path /p/q }\n"),
	}
	// haproxy sends a service's headers in the order Lua iterates the
	// table add_header fills, which is no order: each header is compared
	// in a case of its own, with the status and the body.
	var all []tcase
	for _, c := range cases {
		c.steps = []step{{conn: 0, send: getH, read: 1}, {conn: 0, send: getH, read: 1}, {conn: 1, send: get, read: 1}}
		if c.name == "service-reads-body" {
			c.steps[0].send, c.steps[1].send = post, post
		}
		// haproxy logs the failing service's errors as alerts.
		c.warns = c.name == "service-error"
		for _, h := range []string{"content-type", "content-length", "transfer-encoding", "cache-control", "x-svc"} {
			v := c
			v.name += "/" + h
			v.hdrs = []string{h}
			all = append(all, v)
		}
	}
	runCases(t, all)
}

// A task and an init function change what requests see: a map entry
// (core.set_map) and Lua globals of the shared state (haproxy 2.6 has no
// core.set_var). Requests wait, through an action that polls (a bounded
// number of core.msleep), until the task has run: when a task starts
// relative to the first request is each proxy's own business.
const luaTasks = `
init_value = "none"
task_value = "none"
task_done = false
ticks = 0

core.register_init(function()
    init_value = "from-init"
end)

core.register_task(function()
    task_value = "from-task:" .. init_value
    core.set_map(os.getenv("DIR") .. "/m.map", "key", "task-value")
    core.set_map(os.getenv("DIR") .. "/m.map", "other", "changed")
    task_done = true
    while true do
        ticks = ticks + 1
        core.msleep(20)
    end
end)

core.register_action("wait_task", {"http-req"}, function(txn)
    for i = 1, 500 do
        if task_done then
            return
        end
        core.msleep(10)
    end
end)

core.register_fetches("globals", function(txn)
    return init_value .. " " .. task_value .. " " .. tostring(ticks > 0)
end)
`

func TestLuaTasks(t *testing.T) {
	c := luaCase("task-and-init", luaTasks, "",
		"    http-request lua.wait_task\n"+
			"    http-request set-header X-Globals \"%[lua.globals]\"\n"+
			"    http-request set-header X-Map \"%[str(key),map(${DIR}/m.map,none)] %[str(other),map(${DIR}/m.map,none)]\"\n")
	c.files["m.map"] = "other v\n"
	c.req = get
	runCases(t, []tcase{c})
}

// Scripts that fail: a runtime error in a fetch and in an action, and a
// runaway loop in either, stopped by tune.lua.session-timeout. Each case
// sends a second request on a new connection: the process survives.
const luaErrors = `
core.register_fetches("boom", function(txn)
    error("fetch broke")
end)
core.register_fetches("nilcall", function(txn)
    local t = nil
    return t.field
end)
core.register_action("boom", {"http-req", "http-res"}, function(txn)
    txn.http:req_set_header("X-Before-Error", "1")
    error("action broke")
end)
core.register_converters("boom", function(s)
    error("converter broke")
end)
core.register_service("spin", "http", function(applet)
    local n = 0
    while true do n = n + 1 end
end)
core.register_fetches("spin", function(txn)
    while true do end
end)
core.register_action("spin", {"http-req"}, function(txn)
    txn.http:req_set_header("X-Before-Spin", "1")
    local n = 0
    while true do n = n + 1 end
end)
`

func TestLuaErrors(t *testing.T) {
	const timeout = "    tune.lua.session-timeout 200ms\n"
	cases := []tcase{
		luaCase("error-in-fetch", luaErrors, "",
			"    http-request set-header X-Boom \"[%[lua.boom]]\"\n    http-request set-header X-Nil \"[%[lua.nilcall]]\"\n"),
		luaCase("error-in-fetch-acl", luaErrors, "",
			"    http-request deny deny_status 403 if { lua.boom -m found }\n    http-request set-header X-After 1\n"),
		luaCase("error-in-action", luaErrors, "",
			"    http-request lua.boom\n    http-request set-header X-After 1\n"),
		luaCase("error-in-response-action", luaErrors, "",
			"    http-response lua.boom\n    http-response set-header X-After 1\n"),
		luaCase("error-in-converter", luaErrors, "",
			"    http-request set-header X-Boom \"[%[req.hdr(x-tok),lua.boom]]\"\n    http-request set-header X-After 1\n"),
		luaCase("timeout-in-service", luaErrors, "    tune.lua.service-timeout 200ms\n",
			"    http-request use-service lua.spin\n"),
		luaCase("timeout-in-fetch", luaErrors, timeout,
			"    http-request set-header X-Spin \"[%[lua.spin]]\"\n"),
		luaCase("timeout-in-action", luaErrors, timeout,
			"    http-request lua.spin\n    http-request set-header X-After 1\n"),
	}
	for i := range cases {
		cases[i].steps = then2(getH)
		// haproxy logs the scripts' errors as alerts.
		cases[i].warns = true
		if cases[i].name == "timeout-in-fetch" {
			// A fetch cannot yield in haproxy 2.6, so its Lua timeout
			// never fires: the loop holds the thread until haproxy's
			// watchdog aborts the process (about 2 s), killing every
			// connection. switchyard stops the fetch at the timeout
			// (no sample) and serves on.
			cases[i].deviation = "haproxy 2.6 cannot stop a runaway fetch: its watchdog kills the process"
		}
		for j := range cases[i].steps {
			cases[i].steps[j].wait = 5 * time.Second
		}
	}
	runCases(t, cases)
}

// setenv in the global section: haproxy sets the variable as it reads the
// line, so a script loaded after it sees it while it loads, and every
// script sees both at run time.
func TestLuaEnv(t *testing.T) {
	script := `
local at_load = tostring(os.getenv("LUA_T_EARLY")) .. "," .. tostring(os.getenv("LUA_T_LATE"))
core.register_fetches("env", function(txn)
    return at_load .. "|" .. tostring(os.getenv("LUA_T_EARLY")) .. "," .. tostring(os.getenv("LUA_T_LATE"))
end)
`
	c := luaCase("setenv-seen-by-scripts", script, "    setenv LUA_T_LATE late\n",
		"    http-request set-header X-Env \"%[lua.env]\"\n")
	c.cfg = strings.Replace(c.cfg, "    lua-load", "    setenv LUA_T_EARLY early\n    lua-load", 1)
	c.req = get
	runCases(t, []tcase{c})
}

// A script's runtime error is logged with the script's file and line: with
// no logger in the config, on standard error (tune.lua.log.stderr auto).
func TestLuaErrorLogged(t *testing.T) {
	needHAProxy(t)
	if buildErr != nil {
		t.Fatalf("switchyard did not build: %v", buildErr)
	}
	for _, k := range []struct{ name, fe, want string }{
		{"action", "    http-request lua.boom\n", "s.lua:11: action broke"},
		{"fetch", "    http-request set-header X-Boom \"%[lua.boom]\"\n", "s.lua:3: fetch broke"},
	} {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			tc := luaCase("error-logged-"+k.name, luaErrors, "", k.fe)
			tc.req = get
			for _, bin := range []string{haproxyBin, candidate} {
				_, out, err := runCase(t, bin, &tc)
				if err != nil {
					t.Fatalf("%s: %v", bin, err)
				}
				if !strings.Contains(out, k.want) {
					t.Errorf("%s's output has no %q:\n%s", bin, k.want, indent(strings.TrimSpace(out)))
				}
			}
		})
	}
}

// BenchmarkLuaFetch measures what a Lua fetch costs each proxy per
// request, in CPU time of the proxy process (user + system, from
// /proc/PID/stat) divided by the requests served: the seed 000 frontend
// with its two Lua fetches (seed), the same with one trivial Lua fetch in
// place of the two (trivial: the engine's cost without the file reads),
// and with str(true) in place of the Lua fetches (none). seed - none is
// the cost of the two fetches, trivial - none that of one call into Lua.
// The proxies answer the requests themselves (no origin), on one thread
// (nbthread 1, GOMAXPROCS=1), over 8 keep-alive connections.
//
//	go test ./difftest -run '^$' -bench LuaFetch -benchtime 20000x
func BenchmarkLuaFetch(b *testing.B) {
	if buildErr != nil {
		b.Fatalf("switchyard did not build: %v", buildErr)
	}
	if _, err := os.Stat(haproxyBin); err != nil {
		b.Skip("haproxy not installed")
	}
	scripts, err := filepath.Abs(filepath.Join("..", "examples", "000-token-gateway"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bench-token.txt"), []byte("other-client\nbench-client\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trivial.lua"), []byte(`core.register_fetches("yes", function(txn) return "true" end)`+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	const head = `global
    nbthread 1
    maxconn 1000
    lua-load "${SCRIPTS}/validate_token_id.lua"
    lua-load "${SCRIPTS}/read_token.lua"
    lua-load "${DIR}/trivial.lua"

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend fe
    bind "127.0.0.1:${FE_PORT}"
    http-request set-var(txn.token) req.fhdr(Authorization)
    http-request set-var(txn.id) req.fhdr(Client-ID)
`
	const tail = `    http-request return status 200 if { var(txn.is_token_valid) -m str true } { var(txn.is_id_valid) -m str true }
    http-request deny
`
	variants := []struct{ name, rules string }{
		{"seed", "    http-request set-var(txn.is_token_valid) lua.validate_token\n    http-request set-var(txn.is_id_valid) lua.validate_id_for_token\n"},
		{"trivial", "    http-request set-var(txn.is_token_valid) lua.yes\n    http-request set-var(txn.is_id_valid) str(true)\n"},
		{"none", "    http-request set-var(txn.is_token_valid) str(true)\n    http-request set-var(txn.is_id_valid) str(true)\n"},
	}
	for _, bin := range []string{haproxyBin, candidate} {
		name := "haproxy"
		if bin == candidate {
			name = "switchyard"
		}
		for _, v := range variants {
			cfg := filepath.Join(dir, v.name+".cfg")
			if err := os.WriteFile(cfg, []byte(head+v.rules+tail), 0o644); err != nil {
				b.Fatal(err)
			}
			b.Run(name+"/"+v.name, func(b *testing.B) {
				benchProxyCPU(b, bin, cfg, []string{"SCRIPTS=" + scripts, "DIR=" + dir, "TOKEN_DIR=" + dir, "GOMAXPROCS=1"})
			})
		}
	}
}

// benchProxyCPU runs bin on cfg, sends b.N requests over 8 connections and
// reports the proxy's CPU time per request (proxy-µs/req).
func benchProxyCPU(b *testing.B, bin, cfg string, env []string) {
	port, err := freePort()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", cfg, "-db")
	cmd.Env = append(append(os.Environ(), env...), "FE_PORT="+strconv.Itoa(port))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !listening(cmd.Process.Pid, []int{port}) {
		if time.Now().After(deadline) {
			b.Fatalf("%s not listening:\n%s", bin, out.String())
		}
		time.Sleep(5 * time.Millisecond) // polling: no signal says it listens
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	const conns = 8
	req := []byte("GET /wcc/1/message_templates HTTP/1.1\r\nHost: bench\r\nAuthorization: bench-token\r\nClient-ID: bench-client\r\n\r\n")
	cs := make([]net.Conn, conns)
	rs := make([]*bufio.Reader, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i], rs[i] = c, bufio.NewReader(c)
		// One request first: every connection and state warm.
		if err := roundTrip(c, rs[i], req); err != nil {
			b.Fatalf("%v\n%s", err, out.String())
		}
	}
	before, err := procCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range cs {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func(c net.Conn, r *bufio.Reader, n int) {
			defer wg.Done()
			for j := 0; j < n; j++ {
				if err := roundTrip(c, r, req); err != nil {
					errs <- err
					return
				}
			}
		}(cs[i], rs[i], n)
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatalf("%v\n%s", err, out.String())
	}
	after, err := procCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((after-before).Microseconds())/float64(b.N), "proxy-µs/req")
}

// roundTrip sends req and reads a 200 response with a Content-Length body.
func roundTrip(c net.Conn, r *bufio.Reader, req []byte) error {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(req); err != nil {
		return err
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200")) {
		return fmt.Errorf("status line %q", line)
	}
	length := 0
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(h)) == 0 {
			break
		}
		if name, v, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("content-length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return err
			}
		}
	}
	_, err = r.Discard(length)
	return err
}

// procCPU is a process's CPU time so far (user + system).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (which may hold spaces), from
	// field 3 on: utime and stime are fields 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	// The kernel counts in USER_HZ, 100 on Linux.
	return time.Duration(u+s) * 10 * time.Millisecond, nil
}
