package listener

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"switchyard/fdpass"
)

// A new process takes the very sockets of the old one: a connection that
// waited in the accept queue while the old process closed its listeners is
// accepted by the new one, and the unix socket file stays in place.
func TestHandoffKeepsTheAcceptQueue(t *testing.T) {
	dir := t.TempDir()
	tcpAddr, sock := freeAddr(t), filepath.Join(dir, "l.sock")
	bs := binds(t, tcpAddr, "unix@"+sock)
	old := newManager(t)
	if _, err := old.Open(bs); err != nil {
		t.Fatal(err)
	}
	// The old process's stats socket, answering the handoff.
	cli := filepath.Join(dir, "cli.sock")
	ln, err := net.Listen("unix", cli)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		c.Read(buf)
		keys, files, err := old.Export()
		if err != nil {
			return
		}
		fdpass.Send(c.(*net.UnixConn), keys, files)
		for _, f := range files {
			f.Close()
		}
	}()
	files, err := fdpass.Fetch(cli, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("got %d sockets, want 2", len(files))
	}
	next := newManager(t)
	if err := next.Adopt(files); err != nil {
		t.Fatal(err)
	}
	// Connections queue before anyone accepts, then the old process
	// lets go of its listeners.
	c1, err := net.DialTimeout("tcp", tcpAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	old.CloseAll()
	ls, err := next.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		l := ls[b.Key()]
		done := make(chan error, 1)
		go func() {
			a, err := l.Accept()
			if err == nil {
				a.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", b.Key(), err)
			}
		case <-time.After(3 * time.Second):
			l.Close()
			t.Fatalf("%s: the queued connection was lost in the handoff", b.Key())
		}
	}
	serves(t, "unix", sock, ls[bs[1].Key()])
}
