package proxy

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/counters"
	"switchyard/logsink"
	"switchyard/sample"
	"switchyard/ssl"
)

// A TLS client connection, as the streams see it. An HTTP stream waits for
// its next request on the socket's readability, holding no pool buffer
// (see pooledReader); with TLS it needs what tls.Conn does not give: to
// know that no plaintext waits inside tls.Conn, and a descriptor to wait
// on. The record reader below feeds tls.Conn one record at a time, so that
// what the client sent beyond the current record stays in the kernel,
// where readability shows it; serverTLS notes when a read may have left
// plaintext behind (it filled the caller's buffer). tls.Conn keeps its own
// input buffer (about the largest record received) whatever we do.

// recordReader is the transport under a server-side tls.Conn: reads end
// at TLS record boundaries. pre holds bytes read before TLS began (after a
// PROXY header), served first.
type recordReader struct {
	net.Conn
	pre  []byte
	hdr  [5]byte
	hn   int // header bytes seen of the current record
	left int // body bytes of the current record still to come
	// next is the size of the whole next record when the idle wait peeked
	// its header (0: unknown): one read then takes header and body.
	next int
	// notes are what the handshake learnt (ssl_f_*, ssl_c_verify…).
	notes ssl.Notes
	// hello follows the bytes read and written up to the ClientHello
	// and the ServerHello, for their randoms (notes.Randoms).
	hello ssl.HelloTap
}

// Write sends what tls.Conn writes, the ServerHello's random noted on
// the way.
func (r *recordReader) Write(p []byte) (int, error) {
	r.hello.Server(p, &r.notes.Randoms)
	return r.Conn.Write(p)
}

// HandshakeNotes are where the bind's handshake notes what crypto/tls
// does not keep.
func (r *recordReader) HandshakeNotes() *ssl.Notes { return &r.notes }

func (r *recordReader) Read(p []byte) (int, error) {
	want := r.left
	switch {
	case r.hn == 0 && r.next > 0:
		want, r.next = r.next, 0
	case r.hn < len(r.hdr):
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
	r.hello.Client(p[:n], &r.notes.Randoms)
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
	rr  recordReader
	raw syscall.RawConn // the socket's, for the idle wait; nil without one
	// wait is peekHeader, bound once: a closure per wait would allocate.
	wait func(uintptr) bool
	peek [5]byte // what peekHeader saw
	// more: the last read filled its buffer, so tls.Conn may hold more
	// plaintext than the socket shows.
	more bool
	// peerGone: a read found the client's end or an error.
	peerGone bool
	// state is the handshake's outcome, for the ssl_* fetches.
	state tls.ConnectionState
	// tp are the process's TLS counters, in which the connection counts
	// as an endpoint from its accept until closed (once: closed).
	tp     *counters.TLSProcess
	closed atomic.Bool
}

// newServerTLS makes c, just accepted on an ssl bind, a TLS connection
// counted in tp.
func newServerTLS(c net.Conn, cfg *tls.Config, tp *counters.TLSProcess) *serverTLS {
	tp.Open()
	t := &serverTLS{rr: recordReader{Conn: c}, tp: tp}
	t.Conn = tls.Server(&t.rr, cfg)
	if sc, ok := c.(syscall.Conn); ok {
		t.raw, _ = sc.SyscallConn()
	}
	t.wait = t.peekHeader
	return t
}

// Read reads. Bytes come without an error (the last record and the
// close_notify's io.EOF are returned together): crypto/tls keeps the
// error for the next Read, so a request followed at once by the client's
// close is served, as by haproxy.
func (t *serverTLS) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.more = n == len(p) && n > 0
	if n > 0 {
		return n, nil
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.peerGone = true
	}
	return n, err
}

// Close ends the connection: with a close_notify, unless the client is
// gone (its end or an error was read), where that write would only meet
// a reset socket (EPIPE), as haproxy writes nothing after a read error.
func (t *serverTLS) Close() error {
	if t.closed.CompareAndSwap(false, true) {
		t.tp.Close()
	}
	if t.peerGone {
		return t.rr.Conn.Close()
	}
	return t.Conn.Close()
}

// waitReadable waits, holding no buffer, until a read would find bytes
// (or the end, or an error), or the read deadline passes.
func (t *serverTLS) waitReadable() error {
	if t.raw == nil || t.more || len(t.rr.pre) > 0 {
		return nil
	}
	return t.raw.Read(t.wait)
}

// peekHeader is called when the socket may be readable. It peeks at what
// came; a whole record header there tells the record reader the size of
// the record, so that one read takes all of it.
func (t *serverTLS) peekHeader(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), t.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return false
	}
	if err == nil && n == len(t.peek) && t.rr.hn == 0 {
		t.rr.next = len(t.peek) + (int(t.peek[3])<<8 | int(t.peek[4]))
	}
	return true
}

// handshake runs the TLS handshake by deadline (zero: none), pre being
// what was read before TLS began.
func (t *serverTLS) handshake(pre []byte, deadline time.Time) error {
	if len(pre) > 0 {
		t.rr.pre = append([]byte(nil), pre...)
	}
	if !deadline.IsZero() {
		t.rr.Conn.SetDeadline(deadline)
		defer t.rr.Conn.SetDeadline(time.Time{})
	}
	if err := t.Conn.Handshake(); err != nil {
		return err
	}
	t.state = t.Conn.ConnectionState()
	return nil
}

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

// connError is why a connection ended before its first stream, as
// haproxy's connection error codes say it; null errors (nothing came, or
// the client went away) are those option dontlognull does not log.
type connError struct {
	msg  string
	null bool
}

var (
	errPrxEmpty     = connError{"Connection closed while waiting for PROXY protocol header", true}
	errPrxAbort     = connError{"Connection error while waiting for PROXY protocol header", true}
	errPrxTimeout   = connError{"Timeout while waiting for PROXY protocol header", false}
	errPrxTruncated = connError{"Truncated PROXY protocol header received", false}
	errPrxNotHdr    = connError{"Received something which does not look like a PROXY protocol header", false}
	errPrxBadHdr    = connError{"Received an invalid PROXY protocol header", false}
	errSSLEmpty     = connError{"Connection closed during SSL handshake", true}
	errSSLAbort     = connError{"Connection error during SSL handshake", true}
	errSSLTimeout   = connError{"Timeout during SSL handshake", false}
	errSSLHandshake = connError{"SSL handshake failure", false}
)

// handshakeError classifies a failed TLS handshake.
func handshakeError(err error) *connError {
	var errno syscall.Errno
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &errSSLTimeout
	case errors.Is(err, io.EOF):
		return &errSSLEmpty
	case errors.As(err, &errno), errors.Is(err, io.ErrUnexpectedEOF):
		return &errSSLAbort // the socket failed, not the protocol (a peer's alert is a failure)
	}
	return &errSSLHandshake
}

// logConnError sends haproxy's line for a connection that ended before
// its first stream ("src:port [accept date] fe/bind: reason"), when the
// frontend logs streams, unless dontlognull hides a null error.
func (fe *Frontend) logConnError(fb *feBind, ctx *sample.Ctx, accepted time.Time, e *connError) {
	fl := fe.log
	if !fl.logs() || e.null && fl.dontLogNull {
		return
	}
	level := logsink.LevelInfo
	if fl.separateErrors {
		level = logsink.LevelErr
	}
	bind := "?"
	if fb != nil {
		bind = fb.name
	}
	buf := logBufs.Get().(*[]byte)
	b := (*buf)[:0]
	if ctx.Src.IsValid() {
		b = appendHostPort(b, ctx.Src)
	} else {
		b = append(b, "unknown"...)
	}
	b = append(b, " ["...)
	b = accepted.AppendFormat(b, "02/Jan/2006:15:04:05.000")
	b = append(append(append(append(append(append(b, "] "...), fe.Name...), '/'), bind...), ": "...), e.msg...)
	logsink.Send(fl.targets, &fl.meta, level, b, nil)
	*buf = b
	logBufs.Put(buf)
}
