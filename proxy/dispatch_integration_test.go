package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dispatch and option transparent on real sockets: where requests and
// connections go, what the logs name, what the backend counts, and that
// the connections to such a destination stay private to their client.

// dispOrigin answers every request with its name and the number of the
// connection it came on ("d#1"), and counts the connections that ended.
type dispOrigin struct {
	*itRaw
	closed atomic.Int64
}

func dispHTTPOrigin(t *testing.T, name string) *dispOrigin {
	t.Helper()
	o := &dispOrigin{}
	var n atomic.Int64
	o.itRaw = itRawOrigin(t, func(c net.Conn) {
		id := n.Add(1)
		defer o.closed.Add(1)
		br := bufio.NewReader(c)
		for {
			if _, err := itReadHead(br); err != nil {
				return
			}
			body := fmt.Sprintf("%s#%d", name, id)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s", len(body), body)
		}
	})
	return o
}

// dispLines waits for n lines in the sink and returns them.
func dispLines(t *testing.T, sink *capSink, n int) []string {
	t.Helper()
	var got []string
	itPoll(t, 3*time.Second, fmt.Sprintf("%d log lines", n), func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		got = append([]string(nil), sink.lines...)
		return len(got) >= n
	})
	return got
}

func TestIntegrationDispatchHTTP(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	d := dispHTTPOrigin(t, "d")
	s1 := itNamed(t, "s1")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
listen web
    bind {FE}
    log {LOG} format raw local0
    log-format "%b %s %sc %[srv_name] %{+Q}r"
    http-reuse always
    cookie SRV insert indirect nocache
    dispatch {D}
    server s1 {S1} cookie one
`, "FE", fe, "LOG", sink.addr(), "D", d.addr, "S1", s1.addr))

	k1 := itDial(t, fe)
	resp, body := k1.get("/a")
	if body != "d#1" || resp.Header.Get("set-cookie") != "" {
		t.Fatalf("/a: body %q set-cookie %q, want d#1 and no cookie for the dispatch address", body, resp.Header.Get("set-cookie"))
	}
	if f := sink.line(t, "GET", "/a"); strings.Join(f, " ") != "web <NOSRV> 0 -" {
		t.Errorf("/a logged %q, want \"web <NOSRV> 0 -\"", f)
	}
	// Persistence still reaches the server.
	if _, body := k1.get("/b", "cookie: SRV=one\r\n"); body != "s1" {
		t.Fatalf("/b with the server's cookie: body %q, want s1", body)
	}
	if f := sink.line(t, "GET", "/b"); len(f) != 4 || f[1] != "s1" || f[3] != "s1" {
		t.Errorf("/b logged %q, want \"web s1 N s1\"", f)
	}
	// The client's private connection to the dispatch address was kept
	// meanwhile.
	if _, body := k1.get("/c"); body != "d#1" {
		t.Fatalf("/c: body %q, want d#1 (the first client's connection)", body)
	}
	// Another client never gets it, even with http-reuse always.
	k2 := itDial(t, fe)
	if _, body := k2.get("/d"); body != "d#2" {
		t.Fatalf("second client: body %q, want d#2 (a connection of its own)", body)
	}
	k1.c.Close()
	itPoll(t, 3*time.Second, "the first client's server connection to close", func() bool { return d.closed.Load() == 1 })
	if _, body := k2.get("/e"); body != "d#2" {
		t.Fatalf("second client again: body %q, want d#2", body)
	}

	be := rt.snap.Load().backends["web"]
	st := be.state
	if st.Implicit() == nil || len(st.Servers()) != 1 {
		t.Fatalf("backend: implicit %v, %d servers (want the implicit one, not listed)", st.Implicit(), len(st.Servers()))
	}
	if n := st.C.CumSess.Load(); n != 5 {
		t.Errorf("backend sessions %d, want 5", n)
	}
	if n := st.C.CumLB.Load(); n != 0 {
		t.Errorf("backend lbtot %d, want 0", n)
	}
	// The last request is counted when its stream ends, which may be
	// just after the client has read the answer.
	itPoll(t, 3*time.Second, "the backend to count 5 requests", func() bool { return st.C.HTTP.CumReq.Load() == 5 })
	if n := be.byName["s1"].C.CumSess.Load(); n != 1 {
		t.Errorf("s1 sessions %d, want 1", n)
	}

	// A reload that moves the dispatch address: new requests go there.
	d2 := dispHTTPOrigin(t, "n")
	if err := rt.Apply(itConfig(t, itDefaults+`
listen web
    bind {FE}
    dispatch {D}
`, "FE", fe, "D", d2.addr)); err != nil {
		t.Fatal(err)
	}
	if body := itGetNew(t, fe, "/f"); body != "n#1" {
		t.Fatalf("after the reload: body %q, want n#1", body)
	}
}

func TestIntegrationTransparentHTTP(t *testing.T) {
	t.Parallel()
	o1, o2 := dispHTTPOrigin(t, "o1"), dispHTTPOrigin(t, "o2")
	port := func(o *dispOrigin) string {
		_, p, _ := net.SplitHostPort(o.addr)
		return p
	}
	fe := itAddr(t)
	sock := filepath.Join(t.TempDir(), "t.sock")
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    http-request set-dst-port req.hdr(x-port)
    default_backend t
frontend local
    bind unix@{SOCK}
    default_backend t
backend t
    http-reuse always
    option transparent
`, "FE", fe, "SOCK", sock))

	// The original destination is the listener's address: set-dst-port
	// moves it to an origin on the same address.
	k1 := itDial(t, fe)
	for i, c := range []struct{ to, want string }{
		{port(o1), "o1#1"},
		{port(o2), "o2#1"},
		{port(o1), "o1#1"}, // the client kept both private connections
		{port(o2), "o2#1"},
	} {
		if _, body := k1.get("/", "x-port: "+c.to+"\r\n"); body != c.want {
			t.Fatalf("request %d: body %q, want %s", i, body, c.want)
		}
	}
	k2 := itDial(t, fe)
	if _, body := k2.get("/", "x-port: "+port(o1)+"\r\n"); body != "o1#2" {
		t.Fatalf("second client: body %q, want o1#2 (no sharing)", body)
	}

	// A unix socket has no address to go to: haproxy 2.6 answers 500
	// at once (an internal error, not retried).
	const it500 = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n"
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itTimeout))
	io.WriteString(c, "GET / HTTP/1.1\r\nhost: a\r\n\r\n")
	got := make([]byte, len(it500))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != it500 {
		t.Fatalf("over a unix socket: got %q (%v), want haproxy's 500", got, err)
	}
}

func TestIntegrationDispatchTransparentTCP(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	echo := itRawOrigin(t, func(c net.Conn) { io.Copy(c, c) })
	_, echoPort, _ := net.SplitHostPort(echo.addr)
	feD, feT := itAddr(t), itAddr(t)
	sock := filepath.Join(t.TempDir(), "t.sock")
	rt := itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    log {LOG} format raw local0
    log-format "%f %b %s %sc %si:%sp %ts"
listen disp
    bind {FED}
    dispatch {E}
frontend transp
    bind {FET}
    tcp-request connection set-dst-port int({EPORT})
    default_backend t
frontend local
    bind unix@{SOCK}
    default_backend t
backend t
    option transparent
`, "LOG", sink.addr(), "FED", feD, "FET", feT, "E", echo.addr, "EPORT", echoPort, "SOCK", sock))
	for i, fe := range []string{feD, feT} {
		k := itDial(t, fe)
		k.send("hello")
		k.exact("hello")
		k.c.Close()
		lines := dispLines(t, sink, i+1)
		want := map[int]string{0: "disp disp <NOSRV> 0 " + echo.addr + " --", 1: "transp t <NOSRV> 0 " + echo.addr + " --"}[i]
		if lines[i] != want {
			t.Errorf("logged %q, want %q", lines[i], want)
		}
	}
	// Over a unix socket there is no address to go to: closed at once,
	// an internal error (haproxy: "IC", no retry).
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itTimeout))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("over a unix socket: read %q, %v; want a close", b, err)
	}
	if l := dispLines(t, sink, 3)[2]; l != "local t <NOSRV> 0 -:- IC" {
		t.Errorf("over a unix socket, logged %q, want \"local t <NOSRV> 0 -:- IC\"", l)
	}
	for name, sessions := range map[string]uint64{"disp": 1, "t": 2} {
		st := rt.snap.Load().backends[name].state
		if n := st.C.CumSess.Load(); n != sessions || st.Conns() != 0 || len(st.Servers()) != 0 {
			t.Errorf("%s: %d sessions, %d current, %d servers; want %d, 0, 0", name, n, st.Conns(), len(st.Servers()), sessions)
		}
	}
	if n := rt.snap.Load().backends["t"].state.C.FailedConns.Load(); n != 1 {
		t.Errorf("t: %d failed connections, want 1", n)
	}
}
