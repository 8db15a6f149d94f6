package proxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// on-marked-down shutdown-sessions: when checks take a server down, the
// TCP streams using it are cut.
func TestOnMarkedDownCutsStreams(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for len(accepted) > 0 {
			(<-accepted).Close()
		}
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen app
    bind {FE}
    server s {O} check inter 30ms fall 1 rise 1 on-marked-down shutdown-sessions
`, "FE", fe, "O", l.Addr().String()))
	srv := rt.Snapshot().backends["app"].byName["s"]
	c, err := net.DialTimeout("tcp", fe, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	var origin net.Conn
	for origin == nil {
		select {
		case o := <-accepted:
			// Checks connect too (and reset): the stream's connection is
			// the one that carries the byte.
			o.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			b := make([]byte, 1)
			if n, _ := o.Read(b); n == 1 {
				origin = o
			} else {
				o.Close()
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the stream did not reach the origin")
		}
	}
	defer origin.Close()
	l.Close() // checks now fail: the server goes down
	itPoll(t, 3*time.Second, "server down", func() bool { return !srv.Up() })
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the client's stream was not cut: %v", err)
	}
}
