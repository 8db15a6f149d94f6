package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/haproxytest"
)

// luaFile writes a Lua script for a test and returns its path.
func luaFile(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.lua")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// luaTCPStart runs a configuration of mode tcp that loads script, with
// sections after its defaults; {FE} is the address it returns, kv more
// placeholders (itConfig).
func luaTCPStart(t *testing.T, script, sections string, kv ...string) string {
	t.Helper()
	fe := itAddr(t)
	itStart(t, itConfig(t, `
global
    lua-load `+script+`
defaults
    mode tcp
    timeout client 5s
    timeout connect 2s
    timeout server 5s
`+sections, append([]string{"FE", fe}, kv...)...))
	return fe
}

// A tcp service reads lines and whole blocks of the client's stream and
// writes back; what inspect-delay read comes first.
func TestLuaTCPService(t *testing.T) {
	script := luaFile(t, `
core.register_service("echo", "tcp", function(applet)
    applet:set_var("txn.who", "svc")
    local l = applet:getline()
    local n = applet:send("line=" .. l)
    local b = applet:receive(4)
    applet:send("four=" .. b .. " n=" .. n .. " who=" .. applet:get_var("txn.who") .. "\n")
    local rest = applet:receive()
    applet:send("rest=" .. rest .. "\n")
end)
`)
	fe := luaTCPStart(t, script, `
frontend fe
    bind {FE}
    tcp-request inspect-delay 1s
    tcp-request content use-service lua.echo
`)
	c, err := net.DialTimeout("tcp", fe, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "hello\nabcdXYZ")
	br := bufio.NewReader(c)
	if l, _ := br.ReadString('\n'); l != "line=hello\n" {
		t.Fatalf("getline: %q", l)
	}
	if l, _ := br.ReadString('\n'); l != "four=abcd n=11 who=svc\n" {
		t.Fatalf("receive(4): %q", l)
	}
	io.WriteString(c, "tail")
	c.(*net.TCPConn).CloseWrite()
	rest, _ := io.ReadAll(br)
	if string(rest) != "rest=XYZtail\n" {
		t.Fatalf("receive(): %q", rest)
	}
}

// Configuration checks as haproxy's: a tcp service in an http proxy and an
// http service in tcp-request rules are refused.
func TestLuaServiceModes(t *testing.T) {
	script := luaFile(t, `
core.register_service("t", "tcp", function(applet) end)
core.register_service("h", "http", function(applet) end)
`)
	for _, c := range []struct{ body, want string }{
		{"mode http\n    http-request use-service lua.t", "Lua TCP services cannot be used on HTTP proxies"},
		{"mode http\n    tcp-request content use-service lua.t", "Lua TCP services cannot be used on HTTP proxies"},
		{"mode tcp\n    tcp-request content use-service lua.h", "HTTP applets are forbidden from 'tcp-request' rulesets"},
		{"mode http\n    tcp-request content use-service lua.h", "HTTP applets are forbidden from 'tcp-request' rulesets"},
	} {
		_, _, errs := config.LoadBytes("t.cfg", []byte("global\n    lua-load "+script+"\nfrontend fe\n    bind 127.0.0.1:0\n    "+c.body+"\n"), config.LoadOptions{})
		if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), c.want) {
			t.Errorf("%q: got %v, want %q", c.body, errs, c.want)
		}
	}
}

// Lua actions in tcp-request content: txn.f reads the payload, txn.http
// is nil, variables reach later rules, act.* results decide, and
// txn:done() ends the stream without a server.
func TestLuaTCPActions(t *testing.T) {
	script := luaFile(t, `
core.register_action("look", {"tcp-req"}, function(txn)
    local p = txn.f:req_payload(0, 4)
    txn:set_var("txn.first", p)
    if txn.http ~= nil then
        return act.DENY -- no HTTP object on a TCP stream
    end
    if p == "QUIT" then
        txn:done()
    end
    if p == "DENY" then
        return act.DENY
    end
    return act.CONTINUE
end)
core.register_action("res", {"tcp-res"}, function(txn)
    txn:set_var("txn.res", txn.sf:res_payload(0, 0))
end)
`)
	origin := itRawOrigin(t, func(c net.Conn) {
		b := make([]byte, 64)
		n, _ := c.Read(b)
		io.WriteString(c, "got:"+string(b[:n]))
	})
	fe := luaTCPStart(t, script, `
frontend fe
    bind {FE}
    tcp-request inspect-delay 1s
    tcp-request content lua.look if { req.len ge 4 }
    default_backend be
backend be
    tcp-response content lua.res
    server s1 {S1}
`, "S1", origin.addr)
	talk := func(msg string) string { return luaTalk(t, fe, msg, false) }
	if got := talk("PING"); got != "got:PING" {
		t.Errorf("continue: %q", got)
	}
	if got := talk("QUIT"); got != "" {
		t.Errorf("txn:done(): %q", got)
	}
	if got := talk("DENY"); got != "" {
		t.Errorf("act.DENY: %q", got)
	}
	if n := origin.accepts.Load(); n != 1 {
		t.Errorf("server connections: %d, want 1", n)
	}
}

// TestLuaTCPActionsHaproxy runs the act.* results and txn:done() of a
// tcp-request action, and txn:done() in a tcp-response one, on haproxy and
// switchyard: the clients must get the same bytes.
func TestLuaTCPActionsHaproxy(t *testing.T) {
	haproxytest.Need(t)
	script := luaFile(t, `
core.register_action("look", {"tcp-req"}, function(txn)
    local p = txn.f:req_payload(0, 4)
    if p == "QUIT" then txn:done() end
    if p == "DENY" then return act.DENY end
    if p == "ERRO" then return act.ERROR end
    if p == "ABRT" then return act.ABORT end
    if p == "STOP" then return act.STOP end
    if p == "FAIL" then error("failed") end
    return act.CONTINUE
end)
core.register_action("res", {"tcp-res"}, function(txn)
    if txn.f:res_payload(0, 4) == "got:" then txn:done() end
end)
`)
	origin := itRawOrigin(t, func(c net.Conn) {
		b := make([]byte, 64)
		n, _ := c.Read(b)
		io.WriteString(c, "got:"+string(b[:n]))
	})
	cfg := strings.NewReplacer("{LUA}", script, "{S1}", origin.addr).Replace(`
global
    lua-load {LUA}
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen req
    bind {A}
    tcp-request inspect-delay 1s
    tcp-request content lua.look if { req.len ge 4 }
    tcp-request content reject if { req.payload(0,4) -m str STOP }
    server s1 {S1}
listen res
    bind {B}
    tcp-response inspect-delay 1s
    tcp-response content lua.res if { res.len ge 4 }
    server s1 {S1}
`)
	ha, fa := luaTestListener(t)
	hb, fb := luaTestListener(t)
	haproxytest.Start(t, haproxytest.Options{Config: strings.NewReplacer("{A}", "fd@3", "{B}", "fd@4").Replace(cfg),
		Files: []*os.File{fa, fb}})
	sa, sb := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, strings.NewReplacer("{A}", sa, "{B}", sb).Replace(cfg)))
	for _, msg := range []string{"PING", "QUIT", "DENY", "ERRO", "ABRT", "STOP", "FAIL"} {
		want := luaTalk(t, ha, msg, false)
		if got := luaTalk(t, sa, msg, false); got != want {
			t.Errorf("%s: got %q, haproxy %q", msg, got, want)
		}
	}
	if got, want := luaTalk(t, sb, "hello", false), luaTalk(t, hb, "hello", false); got != want {
		t.Errorf("tcp-response txn:done(): got %q, haproxy %q", got, want)
	}
}

// txn:set_loglevel in a tcp-request action sets the level of the stream's
// log line, or makes it silent (-1), as it does for HTTP streams.
func TestLuaTCPSetLogLevel(t *testing.T) {
	script := luaFile(t, `
core.register_action("lvl", {"tcp-req"}, function(txn)
    local p = txn.f:req_payload(0, 4)
    if p == "ERR " then txn:set_loglevel(core.err) end
    if p == "SHH " then txn:set_loglevel(-1) end
end)
`)
	sink := capLogSink(t)
	origin := itRawOrigin(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	fe := luaTCPStart(t, script, `
frontend fe
    bind {FE}
    log {LOG} format short local0
    log-format "line %[var(txn.tag)]"
    tcp-request inspect-delay 1s
    tcp-request content set-var(txn.tag) req.payload(0,3) if { req.len ge 4 }
    tcp-request content lua.lvl if { req.len ge 4 }
    default_backend be
backend be
    server s1 {S1}
`, "LOG", sink.addr(), "S1", origin.addr)
	for _, msg := range []string{"ERR ", "SHH ", "INF "} {
		c, err := net.DialTimeout("tcp", fe, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, msg)
		c.(*net.TCPConn).CloseWrite()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.ReadAll(c)
		c.Close()
	}
	// The short format gives the level alone: err is <3>, info <6>; SHH
	// logs nothing.
	itPoll(t, 3*time.Second, "two log lines", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return len(sink.lines) >= 2
	})
	sink.mu.Lock()
	defer sink.mu.Unlock()
	got := strings.Join(sink.lines, "|")
	if !strings.Contains(got, "<3>line ERR") || !strings.Contains(got, "<6>line INF") || strings.Contains(got, "SHH") {
		t.Errorf("log lines %q", got)
	}
}
