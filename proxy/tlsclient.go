package proxy

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/backend"
	"switchyard/sample"
	"switchyard/ssl"
)

// TLS to servers (`server … ssl`): the handshake is part of setting the
// connection up, after the PROXY header (which goes in clear), so that a
// failed handshake is a failed connection: retried, counted and logged as
// one (SC). It runs within timeout connect, or timeout server without one.

// clientHandshake turns c into a TLS connection to srv, sending sni
// ("": the name the server's configuration fixed, if any). The caller
// counted the connection as a TLS endpoint of srv (Server.TLSOpen); its
// close counts as the endpoint's end, and the handshake's outcome is
// counted on the server and its backend.
func clientHandshake(ctx context.Context, c net.Conn, t *backend.TLS, srv *backend.Server, sni string, connect, server time.Duration) (net.Conn, error) {
	cfg := t.Config
	if sni != "" && sni != cfg.ServerName {
		cfg = cfg.Clone()
		cfg.ServerName = sni
	}
	ep := &helloConn{Conn: c, srv: srv}
	tc := tls.Client(ep, cfg)
	if d := cmp.Or(connect, server); d > 0 {
		c.SetDeadline(time.Now().Add(d))
		defer c.SetDeadline(time.Time{})
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		// As in haproxy, a handshake cut short by the connect timeout
		// or by the stream's end did not fail: only the server's
		// answer (an alert, a close, a certificate refused) counts.
		if ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			srv.TLSHandshake(false, false)
		}
		ep.Close()
		return nil, err
	}
	srv.TLSHandshake(true, tc.ConnectionState().DidResume)
	return tc, nil
}

// helloConn is the socket under a client-side tls.Conn: it notes the
// hellos' randoms (ssl_bc_client_random, ssl_bc_server_random), which
// crypto/tls does not tell, and ends the server's TLS endpoint count when
// closed (once, however many times it is closed); otherwise it passes
// bytes through.
type helloConn struct {
	net.Conn
	srv     *backend.Server
	closed  atomic.Bool
	hello   ssl.HelloTap
	randoms ssl.Randoms
}

func (h *helloConn) Close() error {
	if h.closed.CompareAndSwap(false, true) {
		h.srv.TLSClose()
	}
	return h.Conn.Close()
}

func (h *helloConn) Write(p []byte) (int, error) {
	h.hello.Client(p, &h.randoms)
	return h.Conn.Write(p)
}

func (h *helloConn) Read(p []byte) (int, error) {
	n, err := h.Conn.Read(p)
	h.hello.Server(p[:n], &h.randoms)
	return n, err
}

// SyscallConn is the socket's, for the pool's liveness checks.
func (h *helloConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := h.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("not a socket")
}

// helloRandoms are the randoms of a server connection's handshake, nil
// in clear.
func helloRandoms(c net.Conn) *ssl.Randoms {
	if tc, ok := c.(*tls.Conn); ok {
		if h, ok := tc.NetConn().(*helloConn); ok {
			return &h.randoms
		}
	}
	return nil
}

// serverSNI is the name a new connection with t sends, for a stream
// whose sample context is ctx: the `sni` expression's value when it
// varies ("" when it has none: no name is sent, as in haproxy). A fixed
// name is already in the server's configuration.
func serverSNI(t *backend.TLS, ctx *sample.Ctx) string {
	if t == nil || !t.SNIVaries {
		return ""
	}
	v, ok := t.SNI.Eval(ctx)
	if !ok {
		return ""
	}
	var buf [256]byte
	return string(v.AppendText(buf[:0]))
}

// idleBroken says whether an idle TLS connection was closed or sent
// something unasked (a close_notify, an alert): a peek at the socket
// under TLS, which cannot tell a record's meaning but knows that an idle
// HTTP connection has nothing to say. A connection in clear is checked by
// roundTrip instead, without a system call of its own.
func (t *timedConn) idleBroken() bool {
	if t.x == nil || t.x.sock == nil {
		return false
	}
	broken := false
	t.x.sock.Control(func(fd uintptr) {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		broken = err != syscall.EAGAIN && err != syscall.EINTR
	})
	return broken
}

// tlsState is the handshake of a TLS server connection, nil in clear.
func (t *timedConn) tlsState() *tls.ConnectionState {
	if t.x == nil || !t.exactWrites {
		return nil
	}
	return &t.x.state
}

func (s *httpStream) backTLS() *tls.ConnectionState { return s.t.backTLS }

func (s *httpStream) backRandoms() *ssl.Randoms { return s.t.backRandoms }

// frontConn is the client connection.
func (s *httpStream) frontConn() net.Conn { return s.cl.Conn }

func (t *tcpScope) frontConn() net.Conn { return t.client }

func init() {
	// The ssl_bc_* fetches find the server connection through the
	// stream: an HTTP one, or a TCP one's scope.
	ssl.BackTLS = func(c *sample.Ctx) *tls.ConnectionState {
		if o, ok := c.Owner.(interface{ backTLS() *tls.ConnectionState }); ok {
			return o.backTLS()
		}
		return nil
	}
	ssl.BackRandoms = func(c *sample.Ctx) *ssl.Randoms {
		if o, ok := c.Owner.(interface{ backRandoms() *ssl.Randoms }); ok {
			return o.backRandoms()
		}
		return nil
	}
	ssl.FrontNotes = func(c *sample.Ctx) *ssl.Notes {
		if o, ok := c.Owner.(interface{ frontConn() net.Conn }); ok {
			if t, ok := o.frontConn().(*serverTLS); ok {
				return &t.rr.notes
			}
		}
		return nil
	}
}
