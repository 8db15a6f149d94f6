package proxy

import (
	"net"
	"time"
)

// deadlineSlack is how late an inactivity timeout may fire. Setting a
// deadline costs a clock read and a timer update; with this slack, a busy
// keep-alive connection renews its deadlines about once per slack period
// instead of several times per request. haproxy's own timers tick in
// milliseconds, so 16 ms is below what a configuration can tell apart.
const deadlineSlack = 16 * time.Millisecond

// timedConn is a connection that remembers its deadlines so that renewing
// one that is already about right costs nothing.
type timedConn struct {
	net.Conn
	rd, wd time.Time
	uses   int // requests completed on the connection (server side)
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
