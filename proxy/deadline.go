package proxy

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/backend"
	"switchyard/ssl"
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

// mono is the monotonic time since epoch, for deadlines (where 0 means
// none: a wanted deadline is always mono() plus a positive duration).
func mono() time.Duration { return time.Since(epoch) }

// deadline is one direction's deadline: the one wanted and the one armed on
// the socket, both since epoch (0: none).
type deadline struct{ want, armed time.Duration }

// timedConn is a connection with lazily armed deadlines.
type timedConn struct {
	net.Conn
	r, w deadline
	// kicked makes the next read deadline error final, however far the
	// wanted deadline is: someone else set a past deadline to wake the
	// reader.
	kicked atomic.Bool
	uses   int             // requests completed on the connection (server side)
	raw    syscall.RawConn // for roundTrip, learnt on first need
	fd     int             // the descriptor of a server connection, for the pool's sweeper; -1: unknown
	wrote  int64           // bytes written, for logs (%B)
	// x is what only a server connection has (nil on the client side,
	// where timedConn is part of every idle connection's cost).
	x *serverExtra
	// exactWrites: a write that times out breaks the connection for
	// good (crypto/tls keeps the error), so the write deadline is armed
	// exactly, never left early to fire and be re-armed.
	exactWrites bool
}

// serverExtra is what a server connection was made for.
type serverExtra struct {
	// pp is the PROXY header the connection began with ("" for none): a
	// private connection carries another request only with the same one.
	// sni is likewise the TLS server name it was made for.
	pp, sni string
	// tls is the server's TLS settings the connection was made with (nil:
	// in clear): after a reload that changed them, it is not reused.
	tls *backend.TLS
	// sock is the socket's RawConn under TLS, for the idle check (the
	// TLS layer has no descriptor of its own); nil in clear.
	sock syscall.RawConn
	// state is the TLS handshake's outcome, for the ssl_bc_* fetches,
	// and randoms its hellos' randoms.
	state   tls.ConnectionState
	randoms *ssl.Randoms
}

// newServerConn wraps a new server connection and learns its descriptor,
// once, so that the pool can tell whether the server closed it while idle.
func newServerConn(c net.Conn) *timedConn {
	both := &struct {
		t timedConn
		x serverExtra
	}{t: timedConn{Conn: c, fd: -1}}
	t := &both.t
	t.x = &both.x
	raw := t.rawConn()
	if tc, ok := c.(*tls.Conn); ok {
		t.exactWrites = true
		t.x.state = tc.ConnectionState()
		t.x.randoms = helloRandoms(c)
		if sc, ok := tc.NetConn().(syscall.Conn); ok {
			t.x.sock, _ = sc.SyscallConn()
			raw = t.x.sock
		}
	}
	if raw != nil {
		raw.Control(func(fd uintptr) { t.fd = int(fd) })
	}
	return t
}

// PollFD is the descriptor for backend.Pool's liveness sweep. It is read
// only while the connection sits in the pool, where nobody closes it.
func (t *timedConn) PollFD() int { return t.fd }

// rawConn returns the connection's RawConn, nil when it has no descriptor.
func (t *timedConn) rawConn() syscall.RawConn {
	if t.raw == nil {
		if sc, ok := t.Conn.(syscall.Conn); ok {
			t.raw, _ = sc.SyscallConn()
		}
	}
	return t.raw
}

// within is the deadline d from now, 0 (none) when d is.
func within(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return mono() + d
}

// readWithin wants the read deadline d from now (0: none).
func (t *timedConn) readWithin(d time.Duration) { t.readAt(within(d)) }

// writeWithin wants the write deadline d from now (0: none).
func (t *timedConn) writeWithin(d time.Duration) { t.want(&t.w, within(d)) }

// readBy wants the read deadline at an absolute time (zero: none).
func (t *timedConn) readBy(at time.Time) {
	if at.IsZero() {
		t.readAt(0)
		return
	}
	t.readAt(max(at.Sub(epoch), 1))
}

// readAt wants the read deadline at rd since epoch (0: none).
func (t *timedConn) readAt(rd time.Duration) { t.want(&t.r, rd) }

// want records the deadline wanted for d. An armed deadline that is
// earlier stays: it fires, and Read or Write re-arms. One that is later
// must be brought forward now. Removing the deadline is lazy too.
func (t *timedConn) want(d *deadline, at time.Duration) {
	d.want = at
	if at != 0 && (d.armed == 0 || d.armed > at) || t.exactWrites && d == &t.w && d.armed != at {
		t.arm(d)
	}
}

// rearmRead sets the socket's read deadline back to the one wanted, after
// someone else changed it.
func (t *timedConn) rearmRead() { t.arm(&t.r) }

// arm sets the socket's deadline for d to the wanted one.
func (t *timedConn) arm(d *deadline) {
	d.armed = d.want
	at := time.Time{}
	if d.want != 0 {
		at = epoch.Add(d.want)
	}
	if d == &t.r {
		t.Conn.SetReadDeadline(at)
	} else {
		t.Conn.SetWriteDeadline(at)
	}
}

// rearmed reports whether err is d's deadline firing before the wanted one;
// if so the socket has been re-armed at the wanted one and the operation
// should be retried.
func (t *timedConn) rearmed(d *deadline, err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || d.want != 0 && mono() >= d.want {
		return false
	}
	t.arm(d)
	return true
}

// Read reads, re-arming deadlines that fired before the wanted one.
// Bytes come without an error: a TLS connection returns its last record
// with the io.EOF of the close_notify after it, and readers that stop at
// an error would lose them; crypto/tls keeps the error, so the next Read
// returns it.
func (t *timedConn) Read(p []byte) (int, error) {
	for {
		n, err := t.Conn.Read(p)
		if n > 0 {
			return n, nil
		}
		if err == nil || !t.readRearmed(err) {
			return n, err
		}
	}
}

// Write writes all of p, re-arming deadlines that fired before the wanted
// one. A kick only concerns reads: a response being written when the stop
// came is let finish.
func (t *timedConn) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	for err != nil && n < len(p) && t.rearmed(&t.w, err) {
		var m int
		m, err = t.Conn.Write(p[n:])
		n += m
	}
	t.wrote += int64(n)
	return n, err
}

// readRearmed is rearmed for reads, which a kick ends for good.
func (t *timedConn) readRearmed(err error) bool {
	if t.kicked.Load() || !t.rearmed(&t.r, err) {
		return false
	}
	// A kick between the check above and the re-arm set its past deadline
	// first, and the re-arm undid it: honour it now.
	return !t.kicked.Load()
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
	t.r, t.w = deadline{}, deadline{}
	t.Conn.SetDeadline(time.Time{})
}
