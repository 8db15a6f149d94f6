package proxy

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Deadlines are kept the way haproxy keeps its timers: lazily. A busy
// connection moves its inactivity deadline forward on every request, and
// arming a socket deadline in Go costs a timer update under a lock each time.
// So a timedConn records the deadline it wants (cheap: one clock read) and
// arms the socket only when that is earlier than what is armed already. When
// an armed deadline fires before the wanted one, Read or Write re-arms at the
// wanted one and carries on; the caller sees a timeout only once the wanted
// deadline has passed. A busy connection re-arms about once per timeout
// period instead of several times per request, and timeouts fire on time.

// epoch anchors the monotonic clock of deadlines: time.Since on a time that
// has a monotonic reading reads one clock, where time.Now reads two.
var epoch = time.Now()

// mono is the monotonic time since epoch; never 0, which means "none".
func mono() time.Duration { return time.Since(epoch) }

// timedConn is a connection with lazily armed deadlines.
type timedConn struct {
	net.Conn
	rd, wd   time.Duration // wanted deadlines, since epoch (0: none)
	ard, awd time.Duration // armed on the socket (0: none)
	// kicked makes the next deadline error final, however far the wanted
	// deadline is: someone else set a past deadline to wake the reader.
	kicked atomic.Bool
	uses   int             // requests completed on the connection (server side)
	fd     int             // for idleUsable, learnt on first need
	raw    syscall.RawConn // for roundTrip, learnt on first need
}

// rawConn returns the connection's RawConn, nil when it has no descriptor.
func (t *timedConn) rawConn() syscall.RawConn {
	if t.raw == nil {
		if sc, ok := t.Conn.(syscall.Conn); ok {
			t.raw, _ = sc.SyscallConn()
		}
	}
	return t.raw
}

// readWithin wants the read deadline d from now (0: none).
func (t *timedConn) readWithin(d time.Duration) {
	if d <= 0 {
		t.readAt(0)
		return
	}
	t.readAt(mono() + d)
}

// readBy wants the read deadline at an absolute time (zero: none).
func (t *timedConn) readBy(at time.Time) {
	if at.IsZero() {
		t.readAt(0)
		return
	}
	t.readAt(max(at.Sub(epoch), 1))
}

// writeWithin wants the write deadline d from now (0: none).
func (t *timedConn) writeWithin(d time.Duration) {
	if d <= 0 {
		t.wd = 0
		return
	}
	t.wd = mono() + d
	if t.awd == 0 || t.awd > t.wd {
		t.awd = t.wd
		t.Conn.SetWriteDeadline(epoch.Add(t.wd))
	}
}

// readAt wants the read deadline at rd since epoch (0: none). An armed
// deadline that is earlier stays: it fires, and Read re-arms. One that is
// later must be brought forward now. Removing the deadline is lazy too.
func (t *timedConn) readAt(rd time.Duration) {
	t.rd = rd
	if rd != 0 && (t.ard == 0 || t.ard > rd) {
		t.ard = rd
		t.Conn.SetReadDeadline(epoch.Add(rd))
	}
}

// Read reads, re-arming deadlines that fired before the wanted one.
func (t *timedConn) Read(p []byte) (int, error) {
	for {
		n, err := t.Conn.Read(p)
		if n > 0 || err == nil || !t.readRearmed(err) {
			return n, err
		}
	}
}

// Write writes all of p, re-arming deadlines that fired before the wanted
// one.
func (t *timedConn) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	for err != nil && n < len(p) && t.writeRearmed(err) {
		var m int
		m, err = t.Conn.Write(p[n:])
		n += m
	}
	return n, err
}

// readRearmed reports whether err is a read deadline that fired early and
// has been re-armed at the wanted deadline: the read should be retried.
func (t *timedConn) readRearmed(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || t.kicked.Load() {
		return false
	}
	if t.rd != 0 && mono() >= t.rd {
		return false
	}
	t.ard = t.rd
	if t.rd == 0 {
		t.Conn.SetReadDeadline(time.Time{})
	} else {
		t.Conn.SetReadDeadline(epoch.Add(t.rd))
	}
	// A kick between the check above and the re-arm set its past deadline
	// first, and the re-arm undid it: honour it now.
	return !t.kicked.Load()
}

// writeRearmed is readRearmed for writes. A kick only concerns reads: a
// response being written when the stop came is let finish.
func (t *timedConn) writeRearmed(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if t.wd != 0 && mono() >= t.wd {
		return false
	}
	t.awd = t.wd
	if t.wd == 0 {
		t.Conn.SetWriteDeadline(time.Time{})
	} else {
		t.Conn.SetWriteDeadline(epoch.Add(t.wd))
	}
	return true
}

// kick wakes a reader blocked on the connection: its read fails with a
// deadline error, whatever deadline it wanted.
func (t *timedConn) kick() {
	t.kicked.Store(true)
	t.Conn.SetReadDeadline(time.Unix(1, 0))
}

// clearDeadlines removes every deadline, for code that takes the raw
// connection over (a tunnel sets its own).
func (t *timedConn) clearDeadlines() {
	t.rd, t.wd, t.ard, t.awd = 0, 0, 0, 0
	t.Conn.SetDeadline(time.Time{})
}

// idleUsable checks, without blocking, that an idle server connection taken
// from the pool is still fit to carry a request: the server has neither
// closed it nor sent bytes nobody asked for. A whole request does this
// check inside its roundTrip at no extra cost; a request whose body streams
// cannot, and peeks here. The peek is a bare recvfrom on the descriptor,
// learnt once: the connection is idle and owned by this goroutine, so Go's
// descriptor locking (which roughly doubles the cost) is not needed.
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
