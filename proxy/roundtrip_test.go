package proxy

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// answerAfter has the peer read want bytes, then write answer.
func answerAfter(t *testing.T, peer net.Conn, want int, answer string) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, want)
		peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _ := io.ReadFull(peer, b)
		got <- b[:n]
		if n == want && answer != "" {
			peer.Write([]byte(answer))
		}
	}()
	return got
}

func TestRoundTripAnswered(t *testing.T) {
	t.Parallel()
	for _, check := range []bool{false, true} {
		a, b := tcpPair(t)
		tc := &timedConn{Conn: a}
		req := []byte("GET / HTTP/1.1\r\n\r\n")
		got := answerAfter(t, b, len(req), "HTTP/1.1 200 OK\r\n")
		tc.readWithin(10 * time.Second)
		var rt roundTrip
		buf := make([]byte, 64)
		if res := rt.run(tc, req, buf, check, true); res != rtAnswered || string(buf[:rt.n]) != "HTTP/1.1 200 OK\r\n" {
			t.Fatalf("check=%v: result %d, read %q", check, res, buf[:rt.n])
		}
		if g := <-got; !bytes.Equal(g, req) {
			t.Fatalf("peer got %q", g)
		}
	}
}

// A pooled connection with bytes nobody asked for, or closed by the
// server, is stale: nothing is sent on it.
func TestRoundTripStale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		spoil func(peer net.Conn)
	}{
		{"stray-bytes", func(p net.Conn) { p.Write([]byte("HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nPOISON")) }},
		{"closed", func(p net.Conn) { p.Close() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := tcpPair(t)
			tc := &timedConn{Conn: a}
			c.spoil(b)
			// Wait until the spoiling is visible on our side, as it is
			// when a connection has sat idle in the pool.
			end := time.Now().Add(5 * time.Second)
			for !spoiled(a) {
				if time.Now().After(end) {
					t.Fatal("the peer's bytes or close never showed")
				}
				runtime.Gosched()
			}
			tc.readWithin(10 * time.Second)
			var rt roundTrip
			buf := make([]byte, 64)
			if res := rt.run(tc, []byte("GET / HTTP/1.1\r\n\r\n"), buf, true, true); res != rtStale {
				t.Fatalf("result %d, want rtStale", res)
			}
			if rt.sent != 0 {
				t.Fatalf("%d bytes sent on a stale connection", rt.sent)
			}
		})
	}
}

// A request larger than the socket takes is partly sent; the caller writes
// the rest.
func TestRoundTripPartial(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	req := make([]byte, 32<<20)
	tc.readWithin(10 * time.Second)
	var rt roundTrip
	if res := rt.run(tc, req, make([]byte, 64), false, true); res != rtPartial || rt.sent == 0 || rt.sent >= len(req) {
		t.Fatalf("result %d, sent %d of %d; want a partial send", res, rt.sent, len(req))
	}
	go io.Copy(io.Discard, b)
	tc.writeWithin(10 * time.Second)
	if _, err := tc.Write(req[rt.sent:]); err != nil {
		t.Fatal(err)
	}
}

// The server closing after the request, or not answering in time, leaves
// the read to the caller, which sees why.
func TestRoundTripNoAnswer(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	req := []byte("GET / HTTP/1.1\r\n\r\n")
	got := answerAfter(t, b, len(req), "")
	go func() { <-got; b.Close() }()
	tc.readWithin(10 * time.Second)
	var rt roundTrip
	if res := rt.run(tc, req, make([]byte, 64), true, true); res != rtNoAnswer {
		t.Fatalf("closed after the request: result %d, want rtNoAnswer", res)
	}

	c, d := tcpPair(t)
	tc = &timedConn{Conn: c}
	answerAfter(t, d, len(req), "")
	tc.readWithin(100 * time.Millisecond)
	start := time.Now()
	if res := rt.run(tc, req, make([]byte, 64), false, true); res != rtNoAnswer || time.Since(start) < 100*time.Millisecond {
		t.Fatalf("no answer: result %d after %v, want rtNoAnswer at the deadline", res, time.Since(start))
	}
	if _, err := tc.Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("read after the deadline: %v, want a timeout", err)
	}
}

// An armed deadline earlier than the wanted one does not end the wait.
func TestRoundTripLazyDeadline(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	req := []byte("GET / HTTP/1.1\r\n\r\n")
	got := answerAfter(t, b, len(req), "")
	go func() {
		<-got
		time.Sleep(100 * time.Millisecond) // the delay under test: past the armed deadline
		b.Write([]byte("late"))
	}()
	tc.readWithin(20 * time.Millisecond)
	tc.readWithin(10 * time.Second)
	var rt roundTrip
	buf := make([]byte, 64)
	if res := rt.run(tc, req, buf, false, true); res != rtAnswered || string(buf[:rt.n]) != "late" {
		t.Fatalf("result %d, read %q; want the late answer", res, buf[:rt.n])
	}
}

// spoiled reports, without blocking, that bytes or an end are waiting on c.
func spoiled(c net.Conn) bool {
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return true
	}
	var rerr error
	var b [1]byte
	raw.Control(func(fd uintptr) {
		_, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	})
	return rerr != syscall.EAGAIN
}

// A request whose body streams is checked and sent, not waited on.
func TestRoundTripSendOnly(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	head := []byte("POST / HTTP/1.1\r\ncontent-length: 5\r\n\r\n")
	got := answerAfter(t, b, len(head), "")
	tc.readWithin(10 * time.Second)
	var rt roundTrip
	if res := rt.run(tc, head, make([]byte, 64), true, false); res != rtSent {
		t.Fatalf("result %d, want rtSent", res)
	}
	if g := <-got; !bytes.Equal(g, head) {
		t.Fatalf("peer got %q", g)
	}

	c, d := tcpPair(t)
	tc = &timedConn{Conn: c}
	d.Write([]byte("stray"))
	end := time.Now().Add(5 * time.Second)
	for !spoiled(c) {
		if time.Now().After(end) {
			t.Fatal("the peer's bytes never showed")
		}
		runtime.Gosched()
	}
	if res := rt.run(tc, head, make([]byte, 64), true, false); res != rtStale || rt.sent != 0 {
		t.Fatalf("result %d, sent %d: want rtStale with nothing sent", res, rt.sent)
	}
}
