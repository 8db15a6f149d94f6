package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Reloads under load lose nothing (issue 8, §5): keep-alive clients that
// never stop sending see no error, no reset and no refused connection
// while the configuration flips between two versions that move routes,
// add and remove servers and change timeouts. This is the CI scale of the
// check; `go run ./bench -reload` runs it at full scale against haproxy.
// The clients are raw HTTP/1.1 over keep-alive connections, as wrk's: no
// retry hides a connection closed under a request.

func reloadConfig(fe string, version int, origins []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client %ds
    timeout server %ds
    timeout http-keep-alive %ds

frontend web
    bind %s
    use_backend alt if { path_beg /alt }
    default_backend app

`, 10+version, 10+version, 5+version, fe)
	// Version 0 has servers 0 and 1, version 1 servers 1 and 2; /alt goes
	// to the other origin each time.
	b.WriteString("backend app\n")
	for i := version; i < version+2; i++ {
		fmt.Fprintf(&b, "    server s%d %s\n", i, origins[i])
	}
	fmt.Fprintf(&b, "\nbackend alt\n    server a%d %s\n", version, origins[2-2*version])
	return b.String()
}

// loadClient sends requests on one keep-alive connection until stop,
// reconnecting only when the proxy announced the close. Every failure is
// counted with its first words.
type loadStats struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
}

func (s *loadStats) fail(err string) {
	s.failed.Add(1)
	s.mu.Lock()
	if len(s.errs) < 5 {
		s.errs = append(s.errs, err)
	}
	s.mu.Unlock()
}

func loadClient(addr string, id int, stop <-chan struct{}, st *loadStats) {
	var c net.Conn
	var br *bufio.Reader
	for n := 0; ; n++ {
		select {
		case <-stop:
			if c != nil {
				c.Close()
			}
			return
		default:
		}
		if c == nil {
			var err error
			if c, err = net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
				st.fail("connect: " + err.Error())
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReader(c)
		}
		path := "/"
		if (id+n)%3 == 0 {
			path = "/alt"
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nhost: test\r\n\r\n"); err != nil {
			st.fail("write: " + err.Error())
			c.Close()
			c = nil
			continue
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			st.fail("read: " + err.Error())
			c.Close()
			c = nil
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			st.fail("status " + resp.Status)
		} else {
			st.ok.Add(1)
		}
		if resp.Close {
			c.Close()
			c = nil
		}
	}
}

// startLoad runs n load clients on addr until the returned stop, which
// waits for them; it returns once they have made 100 requests.
func startLoad(t *testing.T, addr string, n int) (*loadStats, func()) {
	t.Helper()
	st := &loadStats{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loadClient(addr, i, done, st)
		}()
	}
	poll(t, 5*time.Second, "the load to start", func() bool { return st.ok.Load() > 100 })
	return st, func() {
		close(done)
		wg.Wait()
	}
}

func TestCLIReloadUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	const clients, reloads = 50, 20
	origins := []string{origin(t, "o0", nil), origin(t, "o1", nil), origin(t, "o2", nil)}
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "r.cfg"), freeAddr(t)
	writeFile(t, cfg, reloadConfig(fe, 0, origins))
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	p.serving(fe, "/")
	p.started()

	st, stop := startLoad(t, fe, clients)
	for i := 1; i <= reloads; i++ {
		writeFile(t, cfg, reloadConfig(fe, i%2, origins))
		before := strings.Count(p.stderr.String(), "configuration reloaded")
		p.signal(syscall.SIGHUP)
		poll(t, 5*time.Second, "reload to finish", func() bool {
			return strings.Count(p.stderr.String(), "configuration reloaded") > before
		})
		n := st.ok.Load()
		poll(t, 5*time.Second, "requests after the reload", func() bool { return st.ok.Load() > n+int64(clients) })
	}
	stop()
	t.Logf("%d requests across %d reloads", st.ok.Load(), reloads)
	if f := st.failed.Load(); f != 0 {
		t.Fatalf("%d requests failed across %d reloads; first: %v", f, reloads, st.errs)
	}
}
