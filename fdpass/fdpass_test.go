package fdpass

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Handing a listening socket over must leave the sender's own listener as
// it was: in non-blocking mode, so that closing it still wakes its accept
// loop (os.File.Fd would have made it blocking, and a Stop hang).
func TestSendKeepsListenerNonBlocking(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(t.TempDir(), "s")
	srv, err := net.Listen("unix", cli)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		c, err := srv.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Read(make([]byte, 64))
		Send(c.(*net.UnixConn), []string{"tcp4@x"}, []*os.File{f})
	}()
	got, err := Fetch(cli, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["tcp4@x"] == nil {
		t.Fatalf("got %v", got)
	}
	for _, g := range got {
		g.Close()
	}
	f.Close()
	// One connection accepted, then an accept waiting for the next; the
	// close must end it.
	done := make(chan error, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(50 * time.Millisecond) // let the loop reach its next accept
	// Closed from another goroutine: a blocking accept would hold the
	// close too, and the test must fail in bounded time, not hang.
	go ln.Close()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("closing the listener did not wake its accept: the handoff made it blocking")
	}
}
