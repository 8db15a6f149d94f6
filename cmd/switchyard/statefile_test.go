package main

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliCommand sends one command to a stats socket and returns the answer.
func cliCommand(t *testing.T, sock, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte(cmd + "\n"))
	var b strings.Builder
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

// A server put in maintenance and given a weight at runtime comes back so
// after a restart, through `show servers state` saved to the
// server-state-file (issue 8 §4).
func TestCLIServerStateFile(t *testing.T) {
	t.Parallel()
	a, b := origin(t, "a", nil), origin(t, "b", nil)
	dir := t.TempDir()
	cfgPath, fe := filepath.Join(dir, "s.cfg"), freeAddr(t)
	sock, state := filepath.Join(dir, "admin.sock"), filepath.Join(dir, "state")
	cfg := `global
    stats socket ` + sock + ` level admin
    server-state-file ` + state + `

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    load-server-state-from-file global

frontend web
    bind ` + fe + `
    default_backend app

backend app
    server s1 ` + a + ` weight 10
    server s2 ` + b + `
`
	writeFile(t, cfgPath, cfg)
	p := startCLI(t, nil, nil, "-db", "-f", cfgPath)
	p.serving(fe, "/")
	p.started()
	if out := cliCommand(t, sock, "set server app/s2 state maint; set server app/s1 weight 7"); strings.TrimSpace(out) != "" {
		t.Fatalf("commands answered %q", out)
	}
	saved := cliCommand(t, sock, "show servers state")
	writeFile(t, state, saved)
	p.signal(syscall.SIGTERM)
	p.exit(5 * time.Second)

	p2 := startCLI(t, nil, nil, "-db", "-f", cfgPath)
	p2.serving(fe, "/")
	p2.started()
	for range 4 {
		if body, _ := httpGet(fe, "/"); body != "a" {
			t.Fatalf("after the restart a server left in maintenance got traffic (%q)", body)
		}
	}
	if w := cliCommand(t, sock, "get weight app/s1"); !strings.HasPrefix(w, "7 (initial 10)") {
		t.Fatalf("weight after restart: %q\nstate file:\n%s", w, saved)
	}
	p2.signal(syscall.SIGTERM)
	p2.exit(5 * time.Second)
}
