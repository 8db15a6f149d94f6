package proxy

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// option abortonclose: a queued request whose client closes its side
// leaves the queue at once and never reaches the server; without the
// option it stays and is served.
func TestAbortOnClose(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{true, false} {
		release := make(chan struct{})
		var served atomic.Int64
		o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
			served.Add(1)
			if r.URL.Path == "/hold" {
				<-release
			}
			io.WriteString(w, "ok")
		})
		fe := itAddr(t)
		opt := ""
		if abort {
			opt = "    option abortonclose\n"
		}
		rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    timeout queue 5s
`+opt+`    server s {O} maxconn 1
`, "FE", fe, "O", o.addr))
		be := rt.Snapshot().backends["app"].state
		k1 := itDial(t, fe)
		k1.send("GET /hold HTTP/1.1\r\nhost: a\r\n\r\n")
		itPoll(t, 3*time.Second, "the first request at the server", func() bool { return served.Load() == 1 })
		k2 := itDial(t, fe)
		k2.send("GET /queued HTTP/1.1\r\nhost: a\r\n\r\n")
		itPoll(t, 3*time.Second, "the second request queued", func() bool { return be.QueueLen() == 1 })
		k2.c.(*net.TCPConn).CloseWrite()
		if abort {
			itPoll(t, 3*time.Second, "the aborted request out of the queue", func() bool { return be.QueueLen() == 0 })
		}
		close(release)
		if _, body := k1.response("GET"); body != "ok" {
			t.Fatalf("abort=%v: first request: %q", abort, body)
		}
		if abort {
			if got, _ := k2.closed(3 * time.Second); got != "" {
				t.Fatalf("the aborted client got %q", got)
			}
			if served.Load() != 1 {
				t.Fatalf("the aborted request reached the server")
			}
		} else if _, body := k2.response("GET"); body != "ok" {
			t.Fatalf("without abortonclose the queued request was not served: %q", body)
		}
	}
}

// In mode tcp too, a queued connection whose client closes its side
// leaves the queue.
func TestAbortOnCloseTCP(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { l.Close() })
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout queue 5s
listen app
    bind {FE}
    option abortonclose
    server s {O} maxconn 1
`, "FE", fe, "O", l.Addr().String()))
	be := rt.Snapshot().backends["app"].state
	k1 := itDial(t, fe)
	k1.send("x")
	itPoll(t, 3*time.Second, "the first connection at the server", func() bool { return accepted.Load() == 1 })
	k2 := itDial(t, fe)
	itPoll(t, 3*time.Second, "the second connection queued", func() bool { return be.QueueLen() == 1 })
	k2.c.(*net.TCPConn).CloseWrite()
	itPoll(t, 3*time.Second, "the aborted connection out of the queue", func() bool { return be.QueueLen() == 0 })
	if got, _ := k2.closed(3 * time.Second); got != "" {
		t.Fatalf("the aborted client got %q", got)
	}
	if accepted.Load() != 1 {
		t.Fatal("the aborted connection reached the server")
	}
}

// option abortonclose while the answer is awaited: a client that closes
// gives the request up and the server connection is closed at once (the
// server sees its end), counted as a client abort (haproxy's CH).
func TestAbortOnCloseWaitingAnswer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	gotEOF := make(chan bool, 1)
	gotReq := make(chan struct{})
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		if n, _ := c.Read(buf); n > 0 { // the request; no answer follows
			close(gotReq)
		}
		_, err = c.Read(buf)
		gotEOF <- err == io.EOF
	}()
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    option abortonclose
    server s {O}
`, "FE", fe, "O", l.Addr().String()))
	k := itDial(t, fe)
	k.send("GET /slow HTTP/1.1\r\nhost: a\r\n\r\n")
	be := rt.Snapshot().backends["app"].state
	// The server's connection count rises before the dial ends; a close
	// then is an abort while connecting (CC), not counted as one.
	select {
	case <-gotReq:
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the server")
	}
	k.c.(*net.TCPConn).CloseWrite()
	select {
	case eof := <-gotEOF:
		if !eof {
			t.Fatal("the server connection was not closed when the client left")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server connection stayed open after the client left")
	}
	itPoll(t, 3*time.Second, "the client abort counted", func() bool { return be.C.CliAborts.Load() == 1 })
}
