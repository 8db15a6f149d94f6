package runtimeapi

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/haproxytest"
)

// luaCfg loads @LUA@, which registers CLI commands that also drive
// core.backends' Proxy and Server objects.
const luaCfg = `
global
    stats timeout 5s
    lua-load @LUA@
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen tcpsvc
    mode tcp
    option socket-stats
    bind unix@@BIND@1 name named
    bind unix@@BIND@2
    server t1 127.0.0.1:3
frontend plain
    mode tcp
    bind unix@@BIND@3
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
core.register_cli({"lua", "plain"}, "listener without counters", function(applet)
    local n = 0
    for k, v in pairs(core.frontends["plain"].listeners["sock-1"]:get_stats()) do n = n + 1 end
    applet:send("without socket-stats: " .. n .. " fields\n")
end)
core.register_cli({"lua", "listeners"}, "listener objects", function(applet)
    local names = {}
    for k, v in pairs(core.proxies["tcpsvc"].listeners) do table.insert(names, k) end
    table.sort(names)
    for _, k in ipairs(names) do
        local st = core.proxies["tcpsvc"].listeners[k]:get_stats()
        applet:send(k .. " " .. tostring(st.pxname) .. " " .. tostring(st.svname) .. " " .. tostring(st.status) .. " " .. tostring(st.mode) .. " " .. type(st.scur) .. " " .. tostring(st.type) .. "\n")
    end
    applet:send("be=" .. tostring(next(core.backends["be"].listeners)) .. "\n")

end)
core.register_cli({"lua", "srv"}, "server objects", function(applet)
    local be = core.backends["be"]
    local s1 = be.servers["s1"]
    applet:send(be:get_cap() .. " " .. be:get_mode() .. " " .. be.name .. " uuid=" .. type(be.uuid) .. " puid=" .. type(s1.puid) .. "\n")
    applet:send("w=" .. s1:get_weight() .. "\n")
    applet:send("set=" .. tostring(s1:set_weight("50")) .. "\n")
    applet:send("w=" .. s1:get_weight() .. "\n")
    applet:send("bad=" .. tostring(s1:set_weight("x")) .. "\n")
    s1:set_maint()
    applet:send("status=" .. s1:get_stats()["status"] .. " weight=" .. s1:get_stats()["weight"] .. "\n")
    s1:set_drain()
    applet:send("drain status=" .. s1:get_stats()["status"] .. " draining=" .. tostring(s1:is_draining()) .. "\n")
    s1:set_ready()
    applet:send("status=" .. s1:get_stats()["status"] .. " " .. type(be:get_stats()["stot"]) .. "\n")
    applet:send("addr=" .. s1:get_addr() .. " puid=" .. s1.puid .. " draining=" .. tostring(s1:is_draining()) .. " maxconn=" .. tostring(s1:get_maxconn()) .. "\n")
    applet:send("setmaxconn=" .. tostring(s1:set_maxconn("30")) .. " maxconn=" .. tostring(s1:get_maxconn()) .. "\n")
    applet:send("setaddr=" .. tostring(s1:set_addr("127.0.0.2", "8080")) .. " addr=" .. s1:get_addr() .. "\n")
    applet:send("setaddrbad=" .. tostring(s1:set_addr("nope")) .. "\n")
    applet:send("tcpsvc=" .. core.proxies["tcpsvc"]:get_cap() .. " " .. core.proxies["tcpsvc"]:get_mode() .. " " .. tostring(core.backends["tcpsvc"] ~= nil) .. " " .. tostring(core.frontends["be"]) .. "\n")
    local st = core.proxies["tcpsvc"]:get_stats()
    applet:send("tcpsvc stats=" .. st.svname .. " " .. st.pxname .. " " .. tostring(st.lbtot) .. "\n")
    local names = {}
    for k, v in pairs(core.proxies) do table.insert(names, k) end
    table.sort(names)
    applet:send("proxies=" .. table.concat(names, ",") .. "\n")
end)
`

// luaCLIAnswers are haproxy 2.6.12's answers to the commands of
// luaCLIScript (see TestLuaCLIHaproxy).
var luaCLIAnswers = []struct{ in, want string }{
	{"hello lua world\n", "hello world (hello lua)\n\n"},
	// haproxy's CLI keeps a command's payload: the applet reads nothing
	// of it, but what follows on the connection.
	{"lua payload <<\nline one\nline two\n\n", "first=rest=\n\n"},
	{"lua payload\nabc\ndef\n", "first=abc\nrest=def\n\n\n"},
	{"lua srv\n", "backend http be uuid=string puid=string\nw=10\nset=nil\nw=50\n" +
		"bad=Empty weight string empty or preceded by garbage\nstatus=MAINT weight=50\ndrain status=DRAIN draining=1\n" +
		"status=no check number\naddr=127.0.0.1:1 puid=1 draining=0 maxconn=0\nsetmaxconn=nil maxconn=30\n" +
		"setaddr=IP changed from '127.0.0.1' to '127.0.0.2', port changed from '1' to '8080' by 'Lua script' addr=127.0.0.2:8080\n" +
		"setaddrbad=Invalid addr 'nope' by 'Lua script'\ntcpsvc=proxy tcp true nil\ntcpsvc stats=BACKEND tcpsvc 0\nproxies=be,plain,tcpsvc\n\n"},
	{"lua listeners\n", "named tcpsvc named OPEN tcp number 3\nsock-2 tcpsvc sock-2 OPEN tcp number 3\nbe=nil\n\n"},
	// The built-in commands saw what the script did.
	{"get weight be/s1\n", "50 (initial 10)\n\n"},
	// A server whose methods a script called cannot be deleted.
	{"experimental-mode on; set server be/s1 state maint; del server be/s1\n",
		"\n\nThis server cannot be removed at runtime due to other configuration elements pointing to it.\n"},
}

func writeLua(t *testing.T) string {
	t.Helper()
	p := filepath.Join(shortTempDir(t), "cli.lua")
	if err := os.WriteFile(p, []byte(luaCLIScript), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLuaCLI(t *testing.T) {
	e := newEnv(t, strings.NewReplacer("@LUA@", writeLua(t), "@BIND@", filepath.Join(shortTempDir(t), "s")).Replace(luaCfg))
	sock := e.socket(admin.Admin)
	for _, c := range luaCLIAnswers {
		if got := askShut(t, sock, c.in, true); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	// A listener without counters has no stats (haproxy leaves there
	// what its previous get_stats() call filled, so no comparison).
	if got := ask(t, sock, "lua plain\n"); got != "without socket-stats: 0 fields\n\n" {
		t.Errorf("lua plain: %q", got)
	}
	// help lists the script's commands by their usage message, as
	// haproxy's.
	help := ask(t, sock, "help\n")
	for _, l := range []string{"\n  hello lua <name> : greets\n", "\n  reads its payload\n", "\n  server objects\n"} {
		if !strings.Contains(help, l) {
			t.Errorf("help lacks %q", l)
		}
	}
	// A level below admin still runs them (haproxy sets no level on Lua
	// commands).
	if got := ask(t, e.socket(admin.User), "hello lua u\n"); got != "hello u (hello lua)\n\n" {
		t.Errorf("user level: %q", got)
	}
}

// TestLuaCLIHaproxy checks luaCLIAnswers against haproxy itself.
func TestLuaCLIHaproxy(t *testing.T) {
	haproxytest.Need(t)
	sock := filepath.Join(shortTempDir(t), "h.sock")
	// haproxy gets the socket (fd@3): it accepts at once, nothing to wait for.
	f := unixSocketFile(t, sock)
	defer f.Close()
	cfg := strings.NewReplacer("@LUA@", writeLua(t), "@BIND@", filepath.Join(shortTempDir(t), "h")).Replace(luaCfg)
	cfg = strings.Replace(cfg, "    stats timeout 5s\n", "    stats timeout 5s\n    stats socket fd@3 level admin\n", 1)
	haproxytest.Start(t, haproxytest.Options{Config: cfg, Files: []*os.File{f}})
	for _, c := range luaCLIAnswers {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, c.in)
		conn.(*net.UnixConn).CloseWrite() // as socat at the end of its input
		b, _ := io.ReadAll(bufio.NewReader(conn))
		conn.Close()
		if string(b) != c.want {
			t.Errorf("haproxy %q:\n got %q\nwant %q", c.in, b, c.want)
		}
	}
}

// After a reload the commands are the new configuration's scripts'.
func TestLuaCLIReload(t *testing.T) {
	dir := shortTempDir(t)
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1 := write("v1.lua", `core.register_cli({"which"}, "which : version", function(applet) applet:send("one\n") end)`)
	v2 := write("v2.lua", `core.register_cli({"which"}, "which : version", function(applet) applet:send("two\n") end)
core.register_cli({"only", "two"}, "only two", function(applet) applet:send("new\n") end)`)
	bind := filepath.Join(dir, "b")
	e := newEnv(t, strings.NewReplacer("@LUA@", v1, "@BIND@", bind).Replace(luaCfg))
	sock := e.socket(admin.Admin)
	if got := ask(t, sock, "which\n"); got != "one\n\n" {
		t.Fatalf("before: %q", got)
	}
	if err := e.rt.Apply(e.load(strings.NewReplacer("@LUA@", v2, "@BIND@", bind).Replace(luaCfg))); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, sock, "which\n"); got != "two\n\n" {
		t.Errorf("after the reload: %q", got)
	}
	if got := ask(t, sock, "only two\n"); got != "new\n\n" {
		t.Errorf("new command: %q", got)
	}
	// A configuration without Lua has none.
	if err := e.rt.Apply(e.load(testCfg)); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, sock, "which\n"); !strings.HasPrefix(got, "Unknown command") {
		t.Errorf("without Lua: %q", got)
	}
}
