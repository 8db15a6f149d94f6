package proxy

import (
	"crypto/tls"
	"net"
	"syscall"
	"time"

	"switchyard/config"
	"switchyard/logsink"
)

// A TLS client connection, as the streams see it. Go's tls.Conn reads its
// socket into a buffer of its own, so the idle wait of an HTTP stream
// (which holds no buffer while it waits for readability, see
// pooledReader) needs two things tls.Conn does not give: to know that no
// plaintext is waiting inside it, and a descriptor to wait on. The
// record reader below feeds tls.Conn one record at a time, so that what
// the client sent beyond the current record stays in the kernel, where
// readability shows it; and serverTLS notes when a read may have left
// plaintext behind (it filled the caller's buffer).

// recordReader is the transport under a server-side tls.Conn: reads end
// at TLS record boundaries. pre holds bytes read before TLS began (after a
// PROXY header), served first.
type recordReader struct {
	net.Conn
	pre  []byte
	hdr  [5]byte
	hn   int // header bytes seen of the current record
	left int // body bytes of the current record still to come
}

func (r *recordReader) Read(p []byte) (int, error) {
	want := r.left
	if r.hn < len(r.hdr) {
		want = len(r.hdr) - r.hn
	}
	if want < len(p) {
		p = p[:want]
	}
	var n int
	var err error
	if len(r.pre) > 0 {
		n = copy(p, r.pre)
		r.pre = r.pre[n:]
		if len(r.pre) == 0 {
			r.pre = nil
		}
	} else {
		n, err = r.Conn.Read(p)
	}
	r.account(p[:n])
	return n, err
}

// account follows record boundaries over the bytes handed to tls.Conn.
func (r *recordReader) account(b []byte) {
	for len(b) > 0 {
		if r.hn < len(r.hdr) {
			k := copy(r.hdr[r.hn:], b)
			r.hn += k
			b = b[k:]
			if r.hn == len(r.hdr) {
				r.left = int(r.hdr[3])<<8 | int(r.hdr[4])
			}
		} else {
			k := min(len(b), r.left)
			r.left -= k
			b = b[k:]
		}
		if r.hn == len(r.hdr) && r.left == 0 {
			r.hn = 0
		}
	}
}

// serverTLS is an accepted connection of a `bind … ssl`.
type serverTLS struct {
	*tls.Conn
	rr  *recordReader
	raw syscall.RawConn // the socket's, for the idle wait; nil without one
	// more: the last read filled its buffer, so tls.Conn may hold more
	// plaintext than the socket shows.
	more bool
	// state is the handshake's outcome, for the ssl_* fetches.
	state tls.ConnectionState
}

func newServerTLS(c net.Conn, cfg *tls.Config) *serverTLS {
	rr := &recordReader{Conn: c}
	t := &serverTLS{Conn: tls.Server(rr, cfg), rr: rr}
	if sc, ok := c.(syscall.Conn); ok {
		t.raw, _ = sc.SyscallConn()
	}
	return t
}

func (t *serverTLS) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.more = n == len(p) && n > 0
	return n, err
}

// handshake runs the TLS handshake within timeout (0: none), pre being
// what was read before TLS began.
func (t *serverTLS) handshake(pre []byte, timeout time.Duration) error {
	if len(pre) > 0 {
		t.rr.pre = append([]byte(nil), pre...)
	}
	if timeout > 0 {
		t.rr.Conn.SetDeadline(time.Now().Add(timeout))
		defer t.rr.Conn.SetDeadline(time.Time{})
	}
	if err := t.Conn.Handshake(); err != nil {
		return err
	}
	t.state = t.Conn.ConnectionState()
	return nil
}

// buffered reports bytes a read can return without the socket becoming
// readable.
func (t *serverTLS) buffered() bool { return t.more || len(t.rr.pre) > 0 }

// netConn is the socket under the TLS layer: what rules that act on the
// connection itself (linger, PROXY headers) use.
func netConn(c net.Conn) net.Conn {
	if t, ok := c.(*serverTLS); ok {
		return t.rr.Conn
	}
	return c
}

// resetOnClose makes closing c send a reset rather than a FIN, as haproxy
// ends the connections its rules reject.
func resetOnClose(c net.Conn) {
	if tc, ok := netConn(c).(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}

// waitReadable waits, holding no buffer, until the socket has bytes (or
// its end, or an error) to read, or its read deadline passes.
func waitReadable(raw syscall.RawConn) error {
	var b [1]byte
	return raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EINTR
	})
}

// handshakeTimeout bounds a client's TLS handshake: timeout client, and
// in HTTP mode timeout http-request too, which runs from the accept.
func handshakeTimeout(fe *Frontend) time.Duration {
	t := &fe.cfg.Timeouts
	if fe.cfg.Mode == config.ModeHTTP {
		return shorter(t.HTTPRequest, t.Client)
	}
	return t.Client
}

// logHandshakeFailure sends haproxy's line for a connection that ended in
// its TLS handshake ("fe/bind: SSL handshake failure"), unless the
// frontend has no log or dontlognull.
func (rt *Runtime) logHandshakeFailure(fe *Frontend, c net.Conn, err error) {
	fl := fe.log
	if fl == nil || len(fl.targets) == 0 || fl.dontLogNull {
		return
	}
	level := logsink.LevelInfo
	if fl.separateErrors {
		level = logsink.LevelErr
	}
	buf := logBufs.Get().(*[]byte)
	b := appendHostPort((*buf)[:0], addrPort(c.RemoteAddr()))
	b = append(b, " ["...)
	b = time.Now().AppendFormat(b, "02/Jan/2006:15:04:05.000")
	b = append(append(append(b, "] "...), fe.Name...), "/1: SSL handshake failure"...)
	logsink.Send(fl.targets, &fl.meta, level, b, nil)
	*buf = b
	logBufs.Put(buf)
	rt.Log.Debug("TLS handshake failed", "frontend", fe.Name, "client", c.RemoteAddr().String(), "err", err)
}
