package proxy

import (
	"net"
	"syscall"
	"time"
	"unsafe"
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
	uses   int // requests completed on the connection (server side)
	fd     int // for idleUsable, learnt on first need
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
// connections for the same events; here one peek per reuse does it. The
// peek is a bare recvfrom on the descriptor, learnt once: the connection is
// idle and owned by this goroutine, so Go's descriptor locking (which
// roughly doubles the cost) is not needed.
func idleUsable(t *timedConn) bool {
	if t.fd == 0 {
		sc, ok := t.Conn.(syscall.Conn)
		if !ok {
			return true
		}
		raw, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		fd := -1
		raw.Control(func(f uintptr) { fd = int(f) })
		if fd < 0 {
			return false
		}
		t.fd = fd
	}
	var b [1]byte
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(t.fd), uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno == syscall.EAGAIN
}
