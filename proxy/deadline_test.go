package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection, closed at the end
// of the test.
func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		done <- c
	}()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-done
	if b == nil {
		a.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// An armed deadline earlier than the wanted one fires, and the read goes on
// until the wanted one: extending a deadline costs no socket call, and the
// timeout still happens on time.
func TestTimedConnExtendedReadDeadline(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	tc.readWithin(20 * time.Millisecond)
	armed := tc.r.armed
	tc.readWithin(300 * time.Millisecond)
	if tc.r.armed != armed {
		t.Fatal("extending the deadline re-armed the socket")
	}
	// Bytes that come after the early armed deadline are read.
	time.AfterFunc(100*time.Millisecond, func() { b.Write([]byte("x")) })
	start := time.Now()
	var buf [1]byte
	if n, err := tc.Read(buf[:]); n != 1 || err != nil {
		t.Fatalf("read %d, %v after %v; want the byte sent at 100ms", n, err, time.Since(start))
	}
	// With nothing coming, the read times out at the wanted deadline,
	// not before.
	tc.readWithin(150 * time.Millisecond)
	start = time.Now()
	_, err := tc.Read(buf[:])
	if el := time.Since(start); !isTimeout(err) || el < 150*time.Millisecond || el > 5*time.Second {
		t.Fatalf("read returned %v after %v; want a timeout at 150ms", err, el)
	}
}

// A deadline brought forward is armed at once.
func TestTimedConnShortenedReadDeadline(t *testing.T) {
	t.Parallel()
	a, _ := tcpPair(t)
	tc := &timedConn{Conn: a}
	tc.readWithin(time.Hour)
	tc.readWithin(50 * time.Millisecond)
	start := time.Now()
	var buf [1]byte
	_, err := tc.Read(buf[:])
	if el := time.Since(start); !isTimeout(err) || el < 50*time.Millisecond || el > 5*time.Second {
		t.Fatalf("read returned %v after %v; want a timeout at 50ms", err, el)
	}
}

// Removing a deadline is lazy: the armed one fires and the read goes on.
func TestTimedConnRemovedReadDeadline(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	tc.readWithin(20 * time.Millisecond)
	tc.readWithin(0)
	time.AfterFunc(100*time.Millisecond, func() { b.Write([]byte("x")) })
	var buf [1]byte
	if n, err := tc.Read(buf[:]); n != 1 || err != nil {
		t.Fatalf("read %d, %v; want the byte: the deadline was removed", n, err)
	}
}

// readBy takes an absolute time, already past included.
func TestTimedConnReadBy(t *testing.T) {
	t.Parallel()
	a, _ := tcpPair(t)
	tc := &timedConn{Conn: a}
	tc.readBy(time.Now().Add(-time.Second))
	var buf [1]byte
	if _, err := tc.Read(buf[:]); !isTimeout(err) {
		t.Fatalf("read returned %v, want a timeout: the deadline had passed", err)
	}
}

// A kick ends a read whatever deadline it wanted, even one the kick raced
// with.
func TestTimedConnKick(t *testing.T) {
	t.Parallel()
	a, _ := tcpPair(t)
	tc := &timedConn{Conn: a}
	tc.readWithin(time.Hour)
	errc := make(chan error, 1)
	go func() {
		var buf [1]byte
		_, err := tc.Read(buf[:])
		errc <- err
	}()
	tc.kick()
	select {
	case err := <-errc:
		if !isTimeout(err) {
			t.Fatalf("kicked read returned %v, want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("kicked read still blocked")
	}
}

// A write blocked on a peer that does not read survives an early armed
// deadline and completes once the peer reads; it times out at the wanted
// deadline when the peer never reads.
func TestTimedConnWriteDeadline(t *testing.T) {
	t.Parallel()
	a, b := tcpPair(t)
	tc := &timedConn{Conn: a}
	big := make([]byte, 32<<20) // more than both socket buffers hold
	tc.writeWithin(20 * time.Millisecond)
	tc.writeWithin(5 * time.Second)
	time.AfterFunc(100*time.Millisecond, func() { io.Copy(io.Discard, b) })
	if n, err := tc.Write(big); n != len(big) || err != nil {
		t.Fatalf("wrote %d of %d: %v", n, len(big), err)
	}

	c, _ := tcpPair(t)
	tc = &timedConn{Conn: c}
	start := time.Now() // before arming: the deadline counts from then
	tc.writeWithin(100 * time.Millisecond)
	n, err := tc.Write(big)
	if el := time.Since(start); !isTimeout(err) || n == len(big) || el < 100*time.Millisecond || el > 10*time.Second {
		t.Fatalf("wrote %d, %v after %v; want a timeout at 100ms", n, err, el)
	}
}
