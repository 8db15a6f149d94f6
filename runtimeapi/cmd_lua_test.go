package runtimeapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchyard/admin"
)

// luaCfg loads @D@/cli.lua, which registers CLI commands that also drive
// core.backends' Server objects.
const luaCfg = `
global
    stats timeout 5s
    lua-load @D@/cli.lua
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
backend be
    balance roundrobin
    server s1 127.0.0.1:1 weight 10
    server s2 127.0.0.1:2
`

const luaCLIScript = `
core.register_cli({"hello", "lua"}, "hello lua <name> : greets", function(applet, a, b, name)
    applet:send("hello " .. tostring(name) .. " (" .. a .. " " .. b .. ")\n")
end)
core.register_cli({"lua", "payload"}, "reads its payload", function(applet)
    local l1 = applet:getline()
    local rest = applet:receive()
    applet:send("first=" .. l1 .. "rest=" .. rest .. "\n")
end)
core.register_cli({"lua", "srv"}, "server objects", function(applet)
    local be = core.backends["be"]
    local s1 = be.servers["s1"]
    applet:send(be:get_cap() .. " " .. be:get_mode() .. " " .. be.name .. "\n")
    applet:send("w=" .. s1:get_weight() .. "\n")
    applet:send("set=" .. tostring(s1:set_weight("50")) .. "\n")
    applet:send("w=" .. s1:get_weight() .. "\n")
    applet:send("bad=" .. tostring(s1:set_weight("x")) .. "\n")
    s1:set_maint()
    applet:send("status=" .. s1:get_stats()["status"] .. " weight=" .. s1:get_stats()["weight"] .. "\n")
    s1:set_ready()
    applet:send("status=" .. s1:get_stats()["status"] .. " " .. type(be:get_stats()["stot"]) .. "\n")
    applet:send("addr=" .. s1:get_addr() .. " puid=" .. s1.puid .. "\n")
end)
`

func TestLuaCLI(t *testing.T) {
	dir := shortTempDir(t)
	if err := os.WriteFile(filepath.Join(dir, "cli.lua"), []byte(luaCLIScript), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, strings.ReplaceAll(luaCfg, "@D@/cli.lua", filepath.Join(dir, "cli.lua")))
	sock := e.socket(admin.Admin)
	if got := ask(t, sock, "hello lua world\n"); got != "hello world (hello lua)\n\n" {
		t.Errorf("hello lua: %q", got)
	}
	if got := ask(t, sock, "lua payload <<\nline one\nline two\n\n"); got != "first=line one\nrest=line two\n\n" {
		t.Errorf("payload: %q", got)
	}
	want := "backend http be\nw=10\nset=nil\nw=50\nbad=Empty weight string empty or preceded by garbage\nstatus=MAINT weight=50\nstatus=no check number\naddr=127.0.0.1:1 puid=1\n\n"
	if got := ask(t, sock, "lua srv\n"); got != want {
		t.Errorf("server objects:\n got %q\nwant %q", got, want)
	}
	// The built-in commands still win.
	if got := ask(t, sock, "get weight be/s1\n"); got != "50 (initial 10)\n\n" {
		t.Errorf("get weight: %q", got)
	}
}
