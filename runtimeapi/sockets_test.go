package runtimeapi

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/fdpass"
)

// The sockets of `stats socket` lines: opened with their permissions,
// kept across configurations, reopened when their permissions change,
// closed when dropped.

// globalWith returns testCfg with lines added to its global section.
func globalWith(lines ...string) string {
	return strings.Replace(testCfg, "    stats timeout 5s\n", "    stats timeout 5s\n    "+strings.Join(lines, "\n    ")+"\n", 1)
}

func TestConfiguredSockets(t *testing.T) {
	dir := shortTempDir(t)
	a, u := filepath.Join(dir, "a.sock"), filepath.Join(dir, "u.sock")
	newEnv(t, globalWith(
		"stats socket "+a+" mode 600 level admin",
		"stats socket unix@"+u+" level user mode 640",
		"stats socket ipv4@127.0.0.1:0 level operator",
	))
	if got := ask(t, a, "show cli level\n"); got != "admin\n\n" {
		t.Errorf("admin socket: %q", got)
	}
	if got := ask(t, u, "show cli level\n"); got != "user\n\n" {
		t.Errorf("user socket: %q", got)
	}
	for path, mode := range map[string]os.FileMode{a: 0o600, u: 0o640} {
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != mode || st.Mode()&os.ModeSocket == 0 {
			t.Errorf("%s: %v %v, want a socket of mode %o", path, st.Mode(), err, mode)
		}
	}
	got := ask(t, a, "show cli sockets\n")
	lines := strings.Split(got, "\n")
	if len(lines) != 6 || lines[0] != "# socket lvl processes" || lines[1] != "unix@"+a+" admin all" ||
		lines[2] != "unix@"+u+" user all" || !strings.HasPrefix(lines[3], "ipv4@127.0.0.1:") || !strings.HasSuffix(lines[3], " operator all") {
		t.Fatalf("show cli sockets: %q", got)
	}
	// The TCP socket answers on the port the kernel chose.
	addr := strings.TrimPrefix(strings.Fields(lines[3])[0], "ipv4@")
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "show cli level\n")
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	if string(buf[:n]) != "operator\n\n" {
		t.Errorf("tcp socket: %q", buf[:n])
	}
}

// TestReload: a socket the new configuration keeps serves on (its
// connections too), a changed level applies to new sessions, changed
// permissions reopen it, a dropped one is closed and its file removed,
// and a configuration whose socket cannot be opened changes nothing.
func TestReload(t *testing.T) {
	dir := shortTempDir(t)
	a, b := filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
	e := newEnv(t, globalWith("stats socket "+a+" level admin", "stats socket "+b))
	before, _ := os.Stat(a)
	live := dial(t, a)
	live.send("prompt\n")
	live.expect("\n> ")

	apply := func(lines ...string) error {
		return e.srv.Apply(&e.load(globalWith(lines...)).Global)
	}
	if err := apply("stats socket "+a+" level user", "stats socket "+b); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(a)
	if !os.SameFile(before, after) {
		t.Errorf("an unchanged socket was reopened")
	}
	if got := ask(t, a, "show cli level\n"); got != "user\n\n" {
		t.Errorf("new session after the level changed: %q", got)
	}
	live.send("show cli level\n")
	live.expect("admin\n\n> ") // a session keeps the level it began with

	if err := apply("stats socket " + a + " level user mode 600"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(a)
	if err != nil || os.SameFile(before, st) || st.Mode().Perm() != 0o600 {
		t.Errorf("a socket whose mode changed: %v %v", st, err)
	}
	if _, err := os.Stat(b); !os.IsNotExist(err) {
		t.Errorf("a dropped socket's file remains: %v", err)
	}
	if got := ask(t, a, "show cli level\n"); got != "user\n\n" {
		t.Errorf("reopened socket: %q", got)
	}
	live.send("show cli level\n")
	live.expect("admin\n\n> ") // sessions outlive their socket

	// A socket that cannot be opened: nothing changes.
	err = apply("stats socket "+a+" level admin", "stats socket "+filepath.Join(dir, "no/such/dir.sock"))
	if err == nil || !strings.Contains(err.Error(), "'stats socket': cannot bind socket for unix@") {
		t.Fatalf("want an error, got %v", err)
	}
	if got := ask(t, a, "show cli level\n"); got != "user\n\n" {
		t.Errorf("after a failed Apply: %q", got)
	}
}

// TestStaleSocket: a socket file left by a dead process is replaced; a
// file that is not a socket is not.
func TestStaleSocket(t *testing.T) {
	dir := shortTempDir(t)
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the file stays, nobody listens
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("keep"), 0o600)

	e := newEnv(t, testCfg)
	if err := e.srv.Apply(&e.load(globalWith("stats socket " + stale + " level admin")).Global); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, stale, "show cli level\n"); got != "admin\n\n" {
		t.Errorf("stale socket replaced: %q", got)
	}
	if err := e.srv.Apply(&e.load(globalWith("stats socket " + plain)).Global); err == nil {
		t.Errorf("a regular file was replaced by a socket")
	}
	if b, _ := os.ReadFile(plain); string(b) != "keep" {
		t.Errorf("the regular file changed: %q", b)
	}
}

// TestInheritedSocket: fd@N serves a listening socket the process got
// from its parent, as haproxy's test harness passes them.
func TestInheritedSocket(t *testing.T) {
	dir := shortTempDir(t)
	path := filepath.Join(dir, "inherited.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.UnixListener).File() // a new descriptor, as inherited
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := newEnv(t, testCfg)
	g := e.load(globalWith(fmt.Sprintf("stats socket fd@%d level admin", f.Fd()))).Global
	if err := e.srv.Apply(&g); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, path, "show cli level;show cli sockets\n"); got != "admin\n\n# socket lvl processes\nunix@"+path+" admin all\n\n" {
		t.Errorf("inherited socket: %q", got)
	}
}

// TestClose: closing the server ends the sessions and removes the
// sockets' files.
func TestClose(t *testing.T) {
	dir := shortTempDir(t)
	a := filepath.Join(dir, "a.sock")
	e := newEnv(t, globalWith("stats socket "+a+" level admin"))
	c := dial(t, a)
	c.send("prompt\n")
	c.expect("\n> ")
	done := make(chan struct{})
	go func() { e.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	c.closed(2 * time.Second)
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Errorf("socket file left: %v", err)
	}
	if err := e.srv.Apply(&config.Global{}); err == nil {
		t.Errorf("Apply after Close succeeded")
	}
}

// TestGetSocks: `_getsocks` hands the listening sockets to a new process
// (switchyard -x), on a socket with expose-fd listeners only.
func TestGetSocks(t *testing.T) {
	dir := shortTempDir(t)
	x, plain := filepath.Join(dir, "x.sock"), filepath.Join(dir, "plain.sock")
	newEnv(t, globalWith("stats socket "+x+" level user expose-fd listeners", "stats socket "+plain+" level admin")+
		"frontend web\n    bind 127.0.0.1:0\n    default_backend be\n")
	files, err := fdpass.Fetch(x, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files["tcp4@127.0.0.1:0"] == nil {
		t.Fatalf("got %v", files)
	}
	for _, f := range files {
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if a := ln.Addr().(*net.TCPAddr); !a.IP.IsLoopback() || a.Port == 0 {
			t.Errorf("handed socket: %v", a)
		}
		ln.Close()
	}
	if _, err := fdpass.Fetch(plain, 5*time.Second); err == nil {
		t.Errorf("a socket without expose-fd handed the listeners")
	}
	if got := ask(t, plain, "_getsocks;show cli level\n"); got != "" {
		t.Errorf("_getsocks without expose-fd answered %q", got)
	}
}
