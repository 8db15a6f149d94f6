package hlua

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	glua "github.com/yuin/gopher-lua"

	"switchyard/internal/testcert"
	"switchyard/sample"
)

// runLuaTest loads the shared test helpers and body (which defines a
// global function test()), runs test() on a thread of the shared state as
// a task would, and returns the lines its out() calls wrote. The run is
// bounded in time.
func runLuaTest(t *testing.T, env *sample.Env, body string) []string {
	t.Helper()
	dir := t.TempDir()
	outFile := filepath.Join(dir, "out.txt")
	file := writeLuaTest(t, dir, outFile, body, "")
	p := NewProgram(env)
	if err := p.Load(file, nil, false); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	defer p.Stop()
	done := make(chan error, 1)
	go func() {
		_, err := runShared(p, "test", 0)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("test(): %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("test() did not finish in time")
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// runShared calls the global function name on a thread of p's shared
// state, as a task would.
func runShared(p *Program, name string, nret int) (glua.LValue, error) {
	v := p.shared
	th := v.acquire()
	if th.objs == nil {
		p.register(th)
	}
	defer v.release(th)
	th.cur = &call{}
	fn, ok := v.L.GetGlobal(name).(*glua.LFunction)
	if !ok {
		return nil, os.ErrNotExist
	}
	return th.run(fn, nret)
}

// startScript loads src as a script and starts its program.
func startScript(t *testing.T, src string) *Program {
	t.Helper()
	file := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewProgram(nil)
	if err := p.Load(file, nil, false); err != nil {
		t.Fatal(err)
	}
	p.Start(nil)
	return p
}

// writeLuaTest writes the test script: where out() writes, the shared
// helpers, body, and tail.
func writeLuaTest(t *testing.T, dir, outFile, body, tail string) string {
	t.Helper()
	head, err := os.ReadFile("testdata/luatest_head.lua")
	if err != nil {
		t.Fatal(err)
	}
	src := "OUTFILE = " + quoteLua(outFile) + "\n" + string(head) + "\n" + body + "\n" + tail
	file := filepath.Join(dir, "test.lua")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func quoteLua(s string) string {
	return "\"" + strings.NewReplacer("\\", "\\\\", "\"", "\\\"").Replace(s) + "\""
}

// listen serves each connection with handle on 127.0.0.1, until the test
// ends; it returns the port.
func listen(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln := serve(t, "tcp", "127.0.0.1:0", handle)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// listenUnix serves as listen on a UNIX socket; it returns its path.
func listenUnix(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "s.sock")
	serve(t, "unix", sock, handle)
	return sock
}

// serve serves each connection to address with handle, until the test
// ends.
func serve(t *testing.T, network, address string, handle func(c net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln
}

// linesServer sends the receive tests' data and closes.
func linesServer(c net.Conn) {
	c.Write([]byte("line1\r\nline2\n\nab\rc\r\r\nlast"))
}

func echoServer(c net.Conn) {
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		c.Write(buf[:n])
	}
}

// silentServer holds the connection without a word until the client
// closes it.
func silentServer(c net.Conn) {
	buf := make([]byte, 1024)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func expectLines(t *testing.T, got []string, want string) {
	t.Helper()
	w := strings.Split(strings.TrimSpace(want), "\n")
	for i := range max(len(got), len(w)) {
		var g, e string
		if i < len(got) {
			g = got[i]
		}
		if i < len(w) {
			e = strings.TrimSpace(w[i])
		}
		if g != e {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, g, e)
		}
	}
}

// The receive patterns and their returns at a close, as haproxy 2.6.12
// gives them on the same script (testdata/socket_receive.lua was run
// against it, see TestSocketReceiveHaproxy).
func TestSocketReceive(t *testing.T) {
	lines := listen(t, linesServer)
	body, err := os.ReadFile("testdata/socket_receive.lua")
	if err != nil {
		t.Fatal(err)
	}
	got := runLuaTest(t, nil, "LINES = "+lines+"\n"+string(body))
	want, err := os.ReadFile("testdata/socket_receive.out")
	if err != nil {
		t.Fatal(err)
	}
	expectLines(t, got, string(want))
}

func TestSocketSendEchoAndNames(t *testing.T) {
	echo := listen(t, echoServer)
	silent := listen(t, silentServer)
	got := runLuaTest(t, nil, `ECHO = `+echo+`
SILENT = `+silent+`
function test()
  local s = core.tcp()
  try("send-unconnected", s.send, s, "pre:")
  try("peer-unconnected", s.getpeername, s)
  try("connect", s.connect, s, "ipv4@127.0.0.1:" .. ECHO)
  local s2 = core.tcp()
  try("connect-strport", s2.connect, s2, "127.0.0.1", tostring(ECHO))
  s2:close()
  out("peer", (s:getpeername():gsub(ECHO .. "$", "ECHO")))
  out("sockname", (s:getsockname():gsub(":%d+$", ":PORT")))
  try("rcv-pending", s.receive, s, 4)
  try("send-all", s.send, s, "hello")
  try("rcv5", s.receive, s, 5)
  try("send-ij", s.send, s, "0123456789", 3, 5)
  try("rcv3", s.receive, s, 3)
  try("send-neg", s.send, s, "0123456789", -3)
  try("rcv3b", s.receive, s, 3)
  try("send-i>j", s.send, s, "0123456789", 5, 3)
  try("send-0", s.send, s, "0123456789", 0, 0)
  try("send-0-2", s.send, s, "0123456789", 0, 2)
  try("rcv2", s.receive, s, 2)
  try("send-num", s.send, s, 12345)
  try("rcv5n", s.receive, s, 5)
  try("send-line", s.send, s, "a line\r\n")
  try("rcv-line", s.receive, s, "*l", ">")
  try("settimeout", s.settimeout, s, 0.2)
  try("rcv-timeout", s.receive, s, "*l")
  try("send-after-timeout", s.send, s, "x")
  try("setoption", s.setoption, s, "keepalive", true)
  s = core.tcp()
  try("settimeout-neg", s.settimeout, s, -1)
  try("connect-silent", s.connect, s, "127.0.0.1", SILENT)
  s:settimeout(0.1)
  try("rcv-n-timeout", s.receive, s, 10, "pfx")
  s = core.tcp()
  try("connect-refused", s.connect, s, "127.0.0.1", 1)
  try("rcv-refused", s.receive, s)
  try("send-refused", s.send, s, "x")
  try("connect-again", s.connect, s, "127.0.0.1", ECHO)
  s = core.tcp()
  try("connect-noport", s.connect, s, "127.0.0.1")
  try("connect-badaddr", s.connect, s, "not an addr", 80)
  try("connect-hostname", s.connect, s, "localhost", 80)
  try("connect-port-twice", s.connect, s, "127.0.0.1:80", 80)
  try("connect-unix-missing", s.connect, s, "unix@/nonexistent/x.sock")
  s = core.tcp()
  try("connect-port0", s.connect, s, "127.0.0.1", 0)
  s = core.tcp()
  try("connect-v6-form", s.connect, s, "::ffff:127.0.0.1", ECHO)
  try("close", s.close, s)
  try("close-again", s.close, s)
  try("rcv-closed", s.receive, s, "*a")
  try("send-closed", s.send, s, "abc")
end
`)
	expectLines(t, got, `
send-unconnected (4)
peer-unconnected (nil)
connect (1)
connect-strport (1)
peer ("127.0.0.1:ECHO")
sockname ("127.0.0.1:PORT")
rcv-pending ("pre:")
send-all (5)
rcv5 ("hello")
send-ij (3)
rcv3 ("234")
send-neg (3)
rcv3b ("789")
send-i>j (0)
send-0 (0)
send-0-2 (2)
rcv2 ("01")
send-num (5)
rcv5n ("12345")
send-line (8)
rcv-line (">a line")
settimeout (1)
rcv-timeout (nil, "connection closed.")
send-after-timeout (-1)
setoption ()
settimeout-neg ("ERROR", "settimeout: cannot set negatives values")
connect-silent (1)
rcv-n-timeout ("pfx")
connect-refused (nil, "Can't connect")
rcv-refused (nil, "connection closed.")
send-refused (-1)
connect-again (nil)
connect-noport ("ERROR", "connect: port missing")
connect-badaddr ("ERROR", "connect: cannot parse destination address 'not an addr:'")
connect-hostname ("ERROR", "connect: cannot parse destination address 'localhost:'")
connect-port-twice ("ERROR", "connect: cannot parse destination address '127.0.0.1:80:'")
connect-unix-missing (nil, "Can't connect")
connect-port0 (nil, "Can't connect")
connect-v6-form (1)
close ()
close-again ()
rcv-closed (nil, "connection closed.")
send-closed (-1)
`)
}

// A line longer than haproxy's buffer ends the socket rather than
// growing without bound.
func TestSocketLongLine(t *testing.T) {
	port := listen(t, func(c net.Conn) {
		c.Write([]byte(strings.Repeat("x", 40000)))
		silentServer(c)
	})
	got := runLuaTest(t, nil, `PORT = `+port+`
function test()
  local s = core.tcp()
  s:connect("127.0.0.1", PORT)
  try("long", s.receive, s, "*l")
  try("after", s.send, s, "x")
end
`)
	expectLines(t, got, `
long (nil, "connection closed.")
after (-1)
`)
}

// A script blocked on a socket lets the shared state run other calls:
// the wait is in thread.block.
func TestSocketWaitReleasesState(t *testing.T) {
	release := make(chan struct{})
	accepted := make(chan struct{}, 2)
	port := listen(t, func(c net.Conn) {
		accepted <- struct{}{}
		<-release
		c.Write([]byte("late\n"))
	})
	p := startScript(t, `
function waiter()
  local s = core.tcp()
  s:connect("127.0.0.1", `+port+`)
  return s:receive("*l")
end
function quick() return "quick" end
-- the same wait, from a coroutine of the script's
function cowaiter()
  local co = coroutine.create(waiter)
  local ok, line = coroutine.resume(co)
  return line
end
`)
	defer p.Stop()
	call := func(name string) chan string {
		ch := make(chan string, 1)
		go func() {
			out, err := runShared(p, name, 1)
			if err != nil {
				ch <- err.Error()
				return
			}
			ch <- out.String()
		}()
		return ch
	}
	w := call("waiter")
	<-accepted // connected: from now on it waits in receive
	select {
	case got := <-call("quick"):
		if got != "quick" {
			t.Fatalf("quick: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call waiting on a socket held the state")
	}
	w2 := call("cowaiter")
	<-accepted
	select {
	case got := <-call("quick"):
		if got != "quick" {
			t.Fatalf("quick: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call waiting on a socket held the state")
	}
	close(release)
	for _, ch := range []chan string{w, w2} {
		select {
		case got := <-ch:
			if got != "late" {
				t.Fatalf("waiter: %q", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiter did not finish")
		}
	}
}

// connect_ssl is TLS without verification (haproxy's "ssl verify none");
// UNIX sockets connect by path or unix@.
func TestSocketTLSAndUnix(t *testing.T) {
	ca := testcert.NewCA("hlua test CA")
	leaf := ca.Issue(testcert.Opts{CN: "echo"})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	port := listen(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		defer tc.Close()
		echoServer(tc)
	})
	sock := listenUnix(t, echoServer)
	got := runLuaTest(t, nil, `PORT = `+port+` SOCK = `+quoteLua(sock)+`
function test()
  local s = core.tcp()
  try("connect_ssl", s.connect_ssl, s, "127.0.0.1", PORT)
  s:send("over tls\n")
  try("rcv", s.receive, s)
  s:close()
  try("connect_ssl-2args", s.connect_ssl, s, "127.0.0.1:" .. PORT)
  for _, a in ipairs({SOCK, "unix@" .. SOCK}) do
    s = core.tcp()
    try("unix", s.connect, s, a)
    s:send("over unix\n")
    try("rcv", s.receive, s)
    out("peer", s:getpeername() == SOCK)
    s:close()
  end
end
`)
	expectLines(t, got, `
connect_ssl (1)
rcv ("over tls")
connect_ssl-2args ("ERROR", "'connect_ssl' needs 3 arguments")
unix (1)
rcv ("over unix")
peer (true)
unix (1)
rcv ("over unix")
peer (true)
`)
}

// A task blocked on a socket with no timeout ends when its program
// stops (a reload replaced the configuration): its wait is interrupted
// and the connection closed.
func TestSocketStopEndsWait(t *testing.T) {
	stopConnected(t, `
core.register_task(function()
  local s = core.tcp()
  s:connect("127.0.0.1", PORT)
  s:receive("*l")
end)
`, "the task's receive did not end when the program stopped")
}

// A socket that no wait holds when the program stops (the task was between
// two calls on it, here busy in Lua) is closed with the program, as haproxy
// frees it with its Lua state: it must not outlive its configuration.
func TestSocketClosedByStop(t *testing.T) {
	stopConnected(t, `
kept = nil
core.register_task(function()
  kept = core.tcp()
  kept:connect("127.0.0.1", PORT)
  while true do end
end)
`, "the script's socket stayed open after the program stopped")
}

// stopConnected starts script, whose task connects to the global PORT,
// stops the program once it has connected, and fails with why unless the
// connection is then closed.
func stopConnected(t *testing.T, script, why string) {
	t.Helper()
	accepted, closed := make(chan struct{}, 1), make(chan struct{}, 1)
	port := listen(t, func(c net.Conn) {
		accepted <- struct{}{}
		silentServer(c)
		closed <- struct{}{}
	})
	p := startScript(t, "PORT = "+port+"\n"+script)
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("the task did not connect")
	}
	p.Stop()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal(why)
	}
}

// core.msleep from a coroutine of the script's releases the shared state
// as a socket wait does: the coroutine runs on behalf of its thread.
func TestCoroutineSleepReleasesState(t *testing.T) {
	accepted := make(chan struct{}, 1)
	port := listen(t, func(c net.Conn) { accepted <- struct{}{} })
	p := startScript(t, `
function cosleeper()
  local co = coroutine.create(function()
    local s = core.tcp()
    s:connect("127.0.0.1", `+port+`) -- tells the test it is about to sleep
    core.msleep(5000)
    return "slept"
  end)
  local ok, v = coroutine.resume(co)
  return v
end
function quick() return "quick" end
`)
	defer p.Stop()
	go runShared(p, "cosleeper", 1)
	<-accepted
	done := make(chan string, 1)
	go func() {
		out, err := runShared(p, "quick", 1)
		if err != nil {
			done <- err.Error()
			return
		}
		done <- out.String()
	}()
	select {
	case got := <-done:
		if got != "quick" {
			t.Fatalf("quick: %q", got)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a coroutine's sleep held the shared state")
	}
}
