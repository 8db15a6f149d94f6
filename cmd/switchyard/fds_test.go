package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingOrigin is an HTTP origin that counts the connections open to it.
type countingOrigin struct {
	addr string
	open atomic.Int64
	// hold, when set, is called by each request before it is answered.
	hold func()
}

func startCountingOrigin(t *testing.T, hold func()) *countingOrigin {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &countingOrigin{addr: l.Addr().String(), hold: hold}
	srv := &http.Server{
		ErrorLog: log.New(io.Discard, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.hold != nil {
				o.hold()
			}
			io.WriteString(w, "ok")
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				o.open.Add(1)
			case http.StateClosed, http.StateHijacked:
				o.open.Add(-1)
			}
		},
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return o
}

// startLimited starts switchyard with at most nofile descriptors.
func startLimited(t *testing.T, nofile int, args ...string) *proc {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, nofile), testBin}, args...)...)
	return startProc(t, cmd)
}

// oneRequest opens a connection, sends one request, reads the status line
// and the rest of the response, and leaves.
func oneRequest(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.Status, nil
}

// fdLimitOf reads the soft descriptor limit of a process.
func fdLimitOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[0] == "Max" && f[1] == "open" {
			n, _ := strconv.Atoi(f[3])
			return n
		}
	}
	t.Fatal("no open files line in /proc/PID/limits")
	return 0
}

func openFDs(pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(ents)
}

// The idle pools must not eat the descriptors that accepting needs: under
// a low descriptor limit, one-request clients one after the other are all
// served, and the servers are left with a handful of idle connections, as
// haproxy leaves them, not one per client that came and went.
func TestCLIIdleConnectionsUnderLowFDLimit(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
	o1, o2 := startCountingOrigin(t, nil), startCountingOrigin(t, nil)
	fe := freeAddr(t)
	dir := t.TempDir()
	cfg := dir + "/lb.cfg"
	writeFile(t, cfg, `defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend web
    bind `+fe+`
    maxconn 100
    default_backend app

backend app
    server s1 `+o1.addr+`
    server s2 `+o2.addr+`
`)
	p := startLimited(t, 512, "-f", cfg, "-db")
	p.started()

	const n = 1500
	failed := 0
	var firstErr string
	for i := range n {
		status, err := oneRequest(fe)
		if err != nil || status != "200 OK" {
			failed++
			if firstErr == "" {
				firstErr = fmt.Sprintf("request %d: %q %v", i, status, err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d one-request connections failed, the first: %s; stderr:\n%s", failed, n, firstErr, tail(p.stderr.String(), 20))
	}
	// haproxy keeps about one idle connection per server and thread.
	if open := o1.open.Load() + o2.open.Load(); open > 8 {
		t.Errorf("the origins hold %d connections after %d one-request clients; want a handful", open, n)
	}
	if fds := openFDs(p.cmd.Process.Pid); fds > 40 {
		t.Errorf("switchyard holds %d descriptors after the clients left", fds)
	}
}

// When descriptors do run out, the proxy closes idle server connections
// and accepts again instead of failing. With the derived maxconn that
// cannot happen (every client is counted with a server connection); it
// can when maxconn is set beyond what the limit allows and "no
// strict-limits" lets the process start anyway, as haproxy does.
func TestCLIAcceptShedsIdleConnections(t *testing.T) {
	// Wave one's requests are held at the origin until all have arrived,
	// so that the server is seen to need that many connections and the
	// pool keeps them all.
	const first, second = 70, 200
	var arrived atomic.Int64
	gate := make(chan struct{})
	var holding atomic.Bool
	holding.Store(true)
	o1 := startCountingOrigin(t, func() {
		if !holding.Load() {
			return
		}
		if arrived.Add(1) == first {
			close(gate)
		}
		select {
		case <-gate:
		case <-time.After(10 * time.Second):
		}
	})
	fe, local := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	cfg := dir + "/lb.cfg"
	writeFile(t, cfg, `global
    maxconn 250
    no strict-limits
    tune.pool-low-fd-ratio 100
    tune.pool-high-fd-ratio 100

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend web
    bind `+fe+`
    default_backend app

frontend answers
    bind `+local+`
    http-request return status 200

backend app
    server s1 `+o1.addr+` pool-purge-delay 1h
`)
	p := startLimited(t, 256, "-f", cfg, "-db")
	p.started()
	pid := p.cmd.Process.Pid
	if n := fdLimitOf(t, pid); n != 256 {
		// A privileged process raises its limit for maxconn, as haproxy
		// does: descriptors then never run out this way.
		t.Skipf("switchyard raised its descriptor limit to %d", n)
	}

	var mu sync.Mutex
	failed, firstErr := 0, ""
	fail := func(status string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failed++
		if firstErr == "" {
			firstErr = fmt.Sprintf("%q %v", status, err)
		}
	}
	var wg sync.WaitGroup
	for range first {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, err := oneRequest(fe); err != nil || status != "200 OK" {
				fail(status, err)
			}
		}()
	}
	wg.Wait()
	holding.Store(false)
	if failed > 0 {
		t.Fatalf("wave one: %d of %d failed, the first: %s", failed, first, firstErr)
	}
	if idle := o1.open.Load(); idle < first {
		t.Fatalf("only %d idle server connections after wave one; the test needs %d", idle, first)
	}

	// The proxy closes wave one's client connections; then the idle
	// server connections and the second wave do not fit in the limit
	// together. The second wave goes to a frontend that answers by
	// itself, so that only accepting can find the descriptors short.
	poll(t, 10*time.Second, "wave one's client connections to close", func() bool { return openFDs(pid) < first+20 })
	// All connect first, then all ask.
	conns := make([]net.Conn, second)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	for i := range conns {
		c, err := net.DialTimeout("tcp", local, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
				fail("", err)
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				fail("", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				fail(resp.Status, nil)
			}
		}()
	}
	wg.Wait()
	if failed > 0 {
		t.Fatalf("wave two: %d of %d failed, the first: %s; stderr:\n%s", failed, second, firstErr, tail(p.stderr.String(), 20))
	}
	// Not one accept failed: the idle connections gave way at once.
	if strings.Contains(p.stderr.String(), "accept failed") {
		t.Errorf("accepting failed while idle connections held descriptors:\n%s", tail(p.stderr.String(), 20))
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// A maxconn that the descriptor limit cannot hold is refused at start, as
// haproxy refuses it under strict-limits (its default), unless the process
// may raise its limit.
func TestCLIMaxconnBeyondTheLimit(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/lb.cfg"
	writeFile(t, cfg, "global\n    maxconn 1000\n\n"+strings.SplitN(proxyConfig(freeAddr(t), "127.0.0.1:1"), "\n\n", 2)[1])
	p := startLimited(t, 256, "-f", cfg, "-db")
	exited := false
	poll(t, 10*time.Second, "switchyard to exit or start", func() bool {
		select {
		case <-p.done:
			exited = true
			return true
		default:
			return strings.Contains(p.stderr.String(), "switchyard started")
		}
	})
	if !exited {
		if n := fdLimitOf(t, p.cmd.Process.Pid); n >= 2021 {
			t.Skipf("switchyard raised its descriptor limit to %d", n)
		}
		t.Fatalf("started with maxconn 1000 under 256 descriptors; stderr:\n%s", p.stderr.String())
	}
	if p.code != 1 || !strings.Contains(p.stderr.String(), "cannot raise FD limit to 2021, limit is 256") {
		t.Fatalf("exit %d, stderr:\n%s", p.code, p.stderr.String())
	}
}
