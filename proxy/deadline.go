package proxy

import (
	"net"
	"syscall"
	"time"
)

// deadlineSlack is how late an inactivity timeout may fire. Setting a
// deadline costs a clock read and a timer update; with this slack, a busy
// keep-alive connection renews its deadlines about once per slack period
// instead of several times per request. haproxy's own timers tick in
// milliseconds, so 16 ms is below what a configuration can tell apart.
const deadlineSlack = 16 * time.Millisecond

// timedConn is a connection that remembers its deadlines so that renewing
// one that is already about right costs a clock read, not a timer update.
type timedConn struct {
	net.Conn
	rd, wd time.Time
	uses   int             // requests completed on the connection (server side)
	raw    syscall.RawConn // for idleUsable, made on first need
	peekFn func(uintptr) bool
	usable bool
}

// readWithin arms the read deadline for d from now (0: none).
func (t *timedConn) readWithin(d time.Duration) { renew(t.Conn.SetReadDeadline, &t.rd, d) }

// writeWithin arms the write deadline for d from now (0: none).
func (t *timedConn) writeWithin(d time.Duration) { renew(t.Conn.SetWriteDeadline, &t.wd, d) }

// readBy arms the read deadline at an absolute time (zero: none).
func (t *timedConn) readBy(at time.Time) {
	if !at.Equal(t.rd) {
		t.rd = at
		t.Conn.SetReadDeadline(at)
	}
}

func renew(set func(time.Time) error, cur *time.Time, d time.Duration) {
	if d <= 0 {
		if !cur.IsZero() {
			*cur = time.Time{}
			set(time.Time{})
		}
		return
	}
	want := time.Now().Add(d)
	if !cur.IsZero() && !cur.Before(want) && cur.Sub(want) < deadlineSlack {
		return
	}
	*cur = want.Add(deadlineSlack)
	set(*cur)
}

// idleUsable checks, without blocking, that an idle server connection taken
// from the pool is still fit to carry a request: the server has neither
// closed it nor sent bytes nobody asked for. haproxy watches its idle
// connections for the same events; here one peek per reuse does it.
func idleUsable(t *timedConn) bool {
	if t.raw == nil {
		sc, ok := t.Conn.(syscall.Conn)
		if !ok {
			return true
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		t.raw = raw
		t.peekFn = t.peek // made once: a closure per call would allocate
	}
	err := t.raw.Read(t.peekFn)
	return err == nil && t.usable
}

// peek looks at the socket without consuming or waiting: nothing to read
// (EAGAIN) is the only healthy answer for an idle connection.
func (t *timedConn) peek(fd uintptr) bool {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	t.usable = err == syscall.EAGAIN
	return true // never wait
}
