package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The runtime API in the running binary: its sockets open at start, serve
// the surface of the running proxy, follow reloads, and go at stop.

// askSocket sends input to the stats socket at path and returns the whole
// answer.
func askSocket(t *testing.T, path, input string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, input)
	b, _ := io.ReadAll(c)
	return string(b)
}

const runtimeAPICfg = `global
    stats socket @DIR@/a.sock mode 600 level admin
    stats timeout 30s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind @ADDR@
    default_backend be
backend be
    server s1 127.0.0.1:1
`

func TestRuntimeAPIServes(t *testing.T) {
	dir, err := os.MkdirTemp("", "syapi")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
	text := strings.NewReplacer("@DIR@", dir, "@ADDR@", freeAddr(t)).Replace(runtimeAPICfg)
	cfg := filepath.Join(dir, "sy.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	p.started()
	if got := askSocket(t, a, "show cli level;get weight be/s1\n"); got != "admin\n\n1 (initial 1)\n\n" {
		t.Fatalf("answer: %q; stderr:\n%s", got, p.stderr.String())
	}
	if st, err := os.Stat(a); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode: %v %v", st, err)
	}
	if got := askSocket(t, a, "show env HAPROXY_CLI\n"); got != "HAPROXY_CLI=unix@"+a+"\n\n" {
		t.Errorf("HAPROXY_CLI: %q", got)
	}
	// A session open across the reload keeps serving.
	live, err := net.DialTimeout("unix", a, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	live.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(live, "prompt\n")
	expectRead(t, live, "\n> ")

	text = strings.Replace(text, "level admin\n", "level user\n    stats socket "+b+" level operator\n", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	poll(t, 10*time.Second, "the new socket", func() bool { _, err := os.Stat(b); return err == nil })
	if got := askSocket(t, a, "show cli level\n"); got != "user\n\n" {
		t.Errorf("level after reload: %q", got)
	}
	if got := askSocket(t, b, "show cli sockets\n"); got != "# socket lvl processes\nunix@"+a+" user all\nunix@"+b+" operator all\n\n" {
		t.Errorf("show cli sockets: %q", got)
	}
	io.WriteString(live, "show cli level\n")
	expectRead(t, live, "admin\n\n> ")

	p.signal(syscall.SIGTERM)
	if code := p.exit(10 * time.Second); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, p.stderr.String())
	}
	for _, path := range []string{a, b} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s left after stop: %v", path, err)
		}
	}
}

func expectRead(t *testing.T, c net.Conn, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q (%v), want %q", got, err, want)
	}
}

// TestRuntimeAPISocketFails: a socket that cannot be bound stops the
// start, as a bind line's does.
func TestRuntimeAPISocketFails(t *testing.T) {
	dir := t.TempDir()
	text := strings.NewReplacer("@DIR@", filepath.Join(dir, "missing"), "@ADDR@", freeAddr(t)).Replace(runtimeAPICfg)
	cfg := filepath.Join(dir, "sy.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "-db", "-f", cfg)
	if code != 1 || !strings.Contains(stderr, "[ALERT] "+cfg+":2: 'stats socket': cannot bind socket for unix@") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
