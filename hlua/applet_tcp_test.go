package hlua

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// tcpPair returns both ends of a TCP connection on 127.0.0.1.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestAppletTCP(t *testing.T) {
	prog := loadScript(t, `
core.register_service("svc", "tcp", function(applet)
    local first = applet:getline()          -- from what inspection read
    local second = applet:getline()         -- from the connection
    local n = applet:send("got " .. first .. second)
    local four = applet:receive(4)
    local zero = applet:receive(0)
    applet:set_priv({k = "v"})
    applet:send("n=" .. n .. " four=" .. four .. " zero=[" .. zero .. "] priv=" .. applet:get_priv().k .. "\n")
    local rest = applet:receive()
    local eof = applet:getline()
    applet:send("rest=" .. rest .. " eof=[" .. eof .. "]\n")
end)
core.register_service("bad", "tcp", function(applet)
    applet:send("x")
    error("bad")
end)
core.register_service("slow", "tcp", function(applet)
    while true do end
end)
`)
	prog.Settings.ServiceTimeout = 100 * time.Millisecond
	prog.Start(nil)
	client, server := tcpPair(t)
	done := make(chan bool, 1)
	go func() {
		ok := prog.RunTCPService("svc", nil, &TCPApplet{Conn: server, In: []byte("line one\nline")})
		server.(*net.TCPConn).CloseWrite()
		done <- ok
	}()
	io.WriteString(client, " two\n1234tail")
	client.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(client)
	if !<-done {
		t.Error("the service failed")
	}
	want := "got line one\nline two\nn=22 four=1234 zero=[] priv=v\nrest=tail eof=[]\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	// A script error and a runaway loop end the service with false.
	for _, name := range []string{"bad", "slow"} {
		_, server := tcpPair(t)
		if prog.RunTCPService(name, nil, &TCPApplet{Conn: server}) {
			t.Errorf("%s: reported success", name)
		}
	}
}

// logHost records what is logged outside streams.
type logHost struct {
	fakeHost
	logs chan string
}

func (h *logHost) Log(level int, msg string) { h.logs <- msg }

// A service whose client went away ends at its next send, without a
// line in the logs.
func TestAppletTCPClientGone(t *testing.T) {
	prog := loadScript(t, `
core.register_service("flood", "tcp", function(applet)
    while true do applet:send("x") end
end)
core.register_service("err", "tcp", function(applet) error("real") end)
`)
	h := &logHost{logs: make(chan string, 10)}
	prog.Start(h)
	client, server := tcpPair(t)
	client.Close()
	done := make(chan bool, 1)
	go func() { done <- prog.RunTCPService("flood", nil, &TCPApplet{Conn: server}) }()
	select {
	case ok := <-done:
		if ok {
			t.Error("reported success")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the service went on after its client left")
	}
	_, server = tcpPair(t)
	prog.RunTCPService("err", nil, &TCPApplet{Conn: server})
	if msg := <-h.logs; !strings.Contains(msg, "Lua applet tcp 'err':") || !strings.Contains(msg, "real") {
		t.Errorf("logged %q", msg)
	}
	select {
	case msg := <-h.logs:
		t.Errorf("one more line: %q", msg)
	default:
	}
}

// The failure logs word a timeout "execution timeout." through errorText,
// as any other error.
func TestTimeoutErrorText(t *testing.T) {
	if got := errorText(errTimeout) + "."; got != "execution timeout." {
		t.Fatalf("errorText(errTimeout): %q", got)
	}
}
