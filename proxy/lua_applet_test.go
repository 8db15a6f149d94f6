package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// Lua services (AppletHTTP, AppletTCP) against haproxy 2.6: the same
// script and requests on both, the bytes each client receives compared.

const luaAppletScript = `
core.register_service("echo", "tcp", function(applet)
    applet:set_var("txn.who", "svc")
    local l = applet:getline()
    local n = applet:send("line=" .. l)
    local b = applet:receive(4)
    applet:send("four=" .. b .. " n=" .. n .. " who=" .. applet:get_var("txn.who") .. "\n")
    local rest = applet:receive()
    applet:send("rest=" .. rest .. " priv=" .. tostring(applet:get_priv()) .. "\n")
end)
core.register_action("setpriv", {"tcp-req", "http-req"}, function(txn)
    txn:set_priv("from-action")
end)
core.register_service("info", "http", function(applet)
    local h = ""
    local names = {}
    for k, v in pairs(applet.headers) do table.insert(names, k) end
    table.sort(names)
    for _, k in ipairs(names) do
        for i = 0, 5 do
            local x = applet.headers[k][i]
            if x then h = h .. k .. "[" .. i .. "]=" .. x .. ";" end
        end
    end
    local body = applet:receive()
    local resp = "method=" .. applet.method .. " version=" .. applet.version .. " path=" .. tostring(applet.path) ..
       " qs=" .. tostring(applet.qs) .. " length=" .. tostring(applet.length) .. " body=" .. body .. " hdrs=" .. h .. "\n"
    applet:set_status(201, "Made")
    applet:add_header("X-Test", "a")
    applet:add_header("X-Test", 2)
    applet:start_response()
    applet:send(resp)
end)
core.register_service("lines", "http", function(applet)
    local a = applet:getline()
    local b = applet:getline()
    local c = applet:getline()
    local d = applet:getline()
    applet:add_header("content-length", tostring(#a + #b + #c + #d + 8))
    applet:start_response()
    applet:send("[" .. a .. "][" .. b .. "][" .. c .. "][" .. d .. "]")
end)
core.register_service("nostart", "http", function(applet) applet:send("hello") end)
core.register_service("nothing", "http", function(applet) end)
core.register_service("errafter", "http", function(applet)
    applet:start_response()
    applet:send("part")
    error("boom")
end)
core.register_service("errbefore", "http", function(applet) error("boom") end)
core.register_service("badstatus", "http", function(applet)
    local ok = applet:set_status(700)
    applet:add_header("content-type", "text/plain")
    applet:start_response()
    applet:send("ok=" .. tostring(ok))
end)
core.register_service("nocontent", "http", function(applet)
    applet:set_status(204)
    applet:start_response()
end)
core.register_service("empty", "http", function(applet) applet:start_response() end)
core.register_service("twosends", "http", function(applet)
    applet:start_response()
    applet:send("one,")
    applet:send(tostring(applet:get_priv()))
end)
core.register_service("count", "http", function(applet)
    local lines, bytes = 0, 0
    while true do
        local l = applet:getline()
        if l == "" then break end
        lines = lines + 1
        bytes = bytes + #l
    end
    applet:add_header("content-type", "text/plain")
    applet:start_response()
    applet:send("lines=" .. lines .. " bytes=" .. bytes .. " length=" .. applet.length)
end)
core.register_service("ignore", "http", function(applet)
    applet:add_header("content-length", "2")
    applet:start_response()
    applet:send("ok")
end)
core.register_action("bump", {"http-res"}, function(txn)
    txn.http:res_set_status(201)
    txn.http:res_add_header("x-lua", txn.f:status())
end)
core.register_service("big", "http", function(applet)
    local part = string.rep("0123456789", 5000)
    if applet.qs == "len" then applet:add_header("content-length", #part * 3) end
    applet:start_response()
    applet:send(part)
    applet:send(part .. part)
end)
core.register_service("conn", "http", function(applet)
    applet:add_header("connection", applet.qs)
    if applet.qs == "close" then applet:add_header("content-length", "2") end
    applet:start_response()
    applet:send("ok")
end)
core.register_service("slept", "http", function(applet)
    applet:start_response()
    applet:send("before,")
    core.msleep(1)
    applet:send("after")
end)
`

const luaAppletCfg = `
global
    lua-load {LUA}
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen tcpsvc
    mode tcp
    bind {TCP}
    tcp-request inspect-delay 1s
    tcp-request content lua.setpriv
    tcp-request content use-service lua.echo
frontend fe
    mode http
    bind {HTTP}
    http-request use-service lua.info if { path_beg /info }
    http-request use-service lua.lines if { path_beg /lines }
    http-request use-service lua.nostart if { path_beg /nostart }
    http-request use-service lua.nothing if { path_beg /nothing }
    http-request use-service lua.errafter if { path_beg /errafter }
    http-request use-service lua.errbefore if { path_beg /errbefore }
    http-request use-service lua.badstatus if { path_beg /badstatus }
    http-request use-service lua.nocontent if { path_beg /nocontent }
    http-request use-service lua.empty if { path_beg /empty }
    http-request use-service lua.twosends if { path_beg /twosends }
    http-request use-service lua.slept if { path_beg /slept }
    http-request use-service lua.count if { path_beg /count }
    http-request use-service lua.ignore if { path_beg /ignore }
    http-request use-service lua.big if { path_beg /big }
    http-request use-service lua.conn if { path_beg /conn }
frontend fe2
    mode http
    bind {HTTP2}
    http-response set-header x-fe yes
    http-response lua.bump
    http-response deny if { res.hdr(x-deny) -m found }
    http-after-response set-header x-after 1
    default_backend b2
backend b2
    mode http
    http-request lua.setpriv
    http-response set-header x-be yes
    http-response set-header x-deny 1 if { res.hdr(x-test) -m found }
    http-request use-service lua.twosends if { path_beg /twosends }
    http-request use-service lua.nothing if { path_beg /nothing }
    http-request use-service lua.info
`

// luaAppletRequests each end with the connection (connection: close, or
// a response that closes it), so that a client reads to the end.
var luaAppletRequests = []string{
	"POST /info?a=1&b=2 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\nconnection: close\r\n\r\nhello",
	"GET /info HTTP/1.0\r\n\r\n",
	"GET /info HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", // no length: the end of the connection ends it
	"POST /info HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 3\r\nconnection: close\r\n\r\nabc",
	"GET /count HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"HEAD /info HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"HEAD /nostart HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET http://x/info/abs?q HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"POST /lines HTTP/1.1\r\nhost: x\r\ncontent-length: 13\r\nconnection: close\r\n\r\nab\ncd\nefghijk",
	"POST /lines HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nab\n\r\n4\r\ncd\ne\r\n0\r\n\r\n",
	"GET /nostart HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET /nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET /errafter HTTP/1.1\r\nhost: x\r\n\r\n", // the response is cut, the connection closed
	"GET /errbefore HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET /badstatus HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET /nocontent HTTP/1.1\r\nhost: x\r\n\r\n", // a 204 without length closes
	"GET /empty HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"HEAD /twosends HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	"GET /twosends HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	// The script's connection field only says whether to close.
	"GET /conn?close HTTP/1.1\r\nhost: x\r\n\r\n",
	"GET /conn?keep-alive HTTP/1.0\r\n\r\n",
	"GET /conn?close HTTP/1.0\r\nconnection: keep-alive\r\n\r\n",
	// Bodies larger than a buffer are read as they come; one the script
	// does not read is drained, and the connection goes on.
	"POST /count HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: " + strconv.Itoa(len(luaBigBody)) + "\r\n\r\n" + luaBigBody,
	"POST /count HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n" +
		strconv.FormatInt(int64(len(luaBigBody)), 16) + "\r\n" + luaBigBody + "\r\n0\r\n\r\n",
	"POST /ignore HTTP/1.1\r\nhost: x\r\ncontent-length: " + strconv.Itoa(len(luaBigBody)) + "\r\n\r\n" + luaBigBody +
		"GET /empty HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
}

// luaBigBody is 5000 lines, 100 kB.
var luaBigBody = strings.Repeat("0123456789abcdefghi\n", 5000)

// luaTalk sends in (shutting the write side when shut) and returns all
// that comes back until the server closes.
func luaTalk(t *testing.T, addr, in string, shut bool) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, in)
	if shut {
		c.(*net.TCPConn).CloseWrite()
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Errorf("%q: %v after %q", in, err, b)
	}
	return string(b)
}

func luaTestListener(t *testing.T) (string, *os.File) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // haproxy gets the socket
	t.Cleanup(func() { f.Close() })
	return ln.Addr().String(), f
}

func TestLuaAppletHaproxy(t *testing.T) {
	haproxytest.Need(t)
	script := luaFile(t, luaAppletScript)
	tcpH, tcpF := luaTestListener(t)
	httpH, httpF := luaTestListener(t)
	http2H, http2F := luaTestListener(t)
	cfg := strings.ReplaceAll(luaAppletCfg, "{LUA}", script)
	haproxytest.Start(t, haproxytest.Options{Config: strings.NewReplacer("{TCP}", "fd@3", "{HTTP}", "fd@4", "{HTTP2}", "fd@5").Replace(cfg),
		Files: []*os.File{tcpF, httpF, http2F}})
	tcpS, httpS, http2S := itAddr(t), itAddr(t), itAddr(t)
	itStart(t, itConfig(t, strings.NewReplacer("{TCP}", tcpS, "{HTTP}", httpS, "{HTTP2}", http2S).Replace(cfg)))

	in := "hello\nabcdXYZtail"
	want := luaTalk(t, tcpH, in, true)
	if want != "line=hello\nfour=abcd n=11 who=svc\nrest=XYZtail priv=from-action\n" {
		t.Errorf("haproxy's tcp service: %q", want)
	}
	if got := luaTalk(t, tcpS, in, true); got != want {
		t.Errorf("tcp service:\n got %q\nwant %q", got, want)
	}
	for _, req := range luaAppletRequests {
		want := luaTalk(t, httpH, req, false)
		if got := luaTalk(t, httpS, req, false); got != want {
			t.Errorf("%q:\n got %q\nwant %q", req, got, want)
		}
	}
	// Large responses: the chunks' sizes follow the buffers (haproxy's
	// differ), the message is the same.
	// So is a response sent in two runs of the script (around a sleep):
	// how it is cut depends on timing there too.
	for _, path := range []string{"/big", "/big?len", "/slept"} {
		read := func(addr string) (*http.Response, string) {
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\nhost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return resp, string(b)
		}
		hr, hb := read(httpH)
		sr, sb := read(httpS)
		if hr.StatusCode != sr.StatusCode || fmt.Sprint(hr.TransferEncoding, hr.ContentLength) != fmt.Sprint(sr.TransferEncoding, sr.ContentLength) ||
			hb != sb || len(sb) != 150000 && path != "/slept" || path == "/slept" && sb != "before,after" {
			t.Errorf("%s: got %d %v %d (%d bytes), haproxy %d %v %d (%d bytes)", path, sr.StatusCode, sr.TransferEncoding, sr.ContentLength, len(sb),
				hr.StatusCode, hr.TransferEncoding, hr.ContentLength, len(hb))
		}
	}
	// The http-response rules (the backend's, then the frontend's, Lua
	// actions among them) and http-after-response rules see a service's
	// response; a deny there replaces it.
	for _, req := range []string{
		"GET /twosends HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
		"GET /twosends HTTP/1.1\r\nhost: x\r\n\r\nGET /twosends HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
		"GET /info HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
		"GET /nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
	} {
		want := luaTalk(t, http2H, req, false)
		if got := luaTalk(t, http2S, req, false); got != want {
			t.Errorf("rules, %q:\n got %q\nwant %q", req, got, want)
		}
	}
}
