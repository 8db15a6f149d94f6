package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/config"
	"switchyard/proxy"
)

// testCfg is the configuration most tests run: two backends (no checks,
// no frontend, so that no port is needed), a map and an ACL file, used
// by a frontend without bind (warned about, never listening).
const testCfg = `
global
    stats timeout 5s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    acl bad src -f @D@/ips.acl
    http-request deny if bad
    http-request set-header x-be %[req.hdr(host),lower,map(@D@/hosts.map,be)]
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:1 weight 10
    server s2 127.0.0.1:2
backend be2
    server t1 127.0.0.1:3
`

// testFiles are the pattern files of testCfg.
var testFiles = map[string]string{
	"hosts.map": "a.example.com be\nb.example.com be2\n",
	"ips.acl":   "10.0.0.0/8\n192.168.1.1\n",
}

// env is a running process for tests: its runtime, its admin surface
// and a CLI server, with a directory for files and sockets.
type env struct {
	t    *testing.T
	dir  string
	rt   *proxy.Runtime
	surf *admin.Surface
	srv  *Server
	cfg  *config.Config
	n    int // sockets made
}

// newEnv loads text (@D@ is the test's directory, where testFiles are
// written) into a new runtime and a CLI server, stopped at the end.
func newEnv(t *testing.T, text string) *env {
	t.Helper()
	dir := shortTempDir(t)
	for name, data := range testFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, dir: dir}
	e.cfg = e.load(text)
	e.rt = proxy.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err := e.rt.Apply(e.cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	e.surf = admin.New(e.rt)
	e.srv = New(e.surf)
	e.srv.Version = "test-version"
	e.srv.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := e.srv.Apply(&e.cfg.Global); err != nil {
		t.Fatalf("CLI Apply: %v", err)
	}
	t.Cleanup(func() {
		e.srv.Close()
		done := make(chan struct{})
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			e.rt.Stop(ctx)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("runtime did not stop")
		}
	})
	return e
}

// shortTempDir is a temporary directory with a short path: a unix
// socket's path must fit in 108 bytes, which t.TempDir's may not.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "syrt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (e *env) load(text string) *config.Config {
	e.t.Helper()
	text = strings.ReplaceAll(text, "@D@", e.dir)
	cfg, _, errs := config.LoadBytes("rt.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		e.t.Fatalf("config errors: %v\n%s", errs, text)
	}
	return cfg
}

// socket serves the CLI at level on a new unix socket and returns its
// path.
func (e *env) socket(level admin.Level) string {
	e.t.Helper()
	e.n++
	path := filepath.Join(e.dir, fmt.Sprintf("%s%d.sock", level, e.n))
	ln, err := net.Listen("unix", path)
	if err != nil {
		e.t.Fatal(err)
	}
	go e.srv.Serve(ln, Options{Level: level})
	return path
}

// ask sends input on a new connection to the CLI at path and returns
// everything received until the server closes it.
func ask(t *testing.T, path, input string) string {
	t.Helper()
	return askShut(t, path, input, false)
}

// askShut is ask, shutting the client's write side after input when shut
// is set (as socat does at the end of its input).
func askShut(t *testing.T, path, input string, shut bool) string {
	t.Helper()
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, input); err != nil {
		t.Fatal(err)
	}
	if shut {
		c.(*net.UnixConn).CloseWrite()
	}
	b, err := io.ReadAll(c)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%q: no end of answer within 5s; got %q", input, b)
		}
	}
	return string(b)
}

// conn is an open session for interactive tests.
type conn struct {
	t *testing.T
	c net.Conn
}

func dial(t *testing.T, path string) *conn {
	t.Helper()
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{t, c}
}

func (c *conn) send(s string) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads exactly len(want) bytes and compares them.
func (c *conn) expect(want string) {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	n, err := io.ReadFull(c.c, got)
	if err != nil || string(got) != want {
		c.t.Fatalf("read %q (%v), want %q", got[:n], err, want)
	}
}

// closed checks that the server closes the connection within d, without
// sending anything more.
func (c *conn) closed(d time.Duration) {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c.c)
	if err != nil || len(b) > 0 {
		c.t.Fatalf("want the connection closed within %v; got %q, %v", d, b, err)
	}
}
