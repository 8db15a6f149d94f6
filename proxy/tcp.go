package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/sample"
)

// serveTCP runs a `mode tcp` stream: pick a backend and a server, connect,
// then copy both ways until both sides are done.
func (rt *Runtime) serveTCP(c net.Conn, key string, fe *Frontend) {
	rt.janitor.touch()
	cc := rt.newClientConn(c, nil)
	defer cc.close()
	var ctx sample.Ctx
	ctx.Src, ctx.Dst = addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	lg := newTCPLog(fe, c)
	if lg != nil {
		ctx.Owner = lg
	}
	var toClient int64
	var srv *backend.Server
	defer func() { lg.send(rt, fe, &ctx, toClient, srv) }()
	in, got, be, ok := rt.tcpStreamStart(c, key, fe, &ctx)
	defer tunnelBufs.put(in)
	if !ok {
		lg = nil // refused by a rule: haproxy logs nothing
		return
	}
	srv = be.lb.Pick(nil, ctx.Src.Addr())
	lg.server(be, srv)
	if srv == nil {
		lg.term('S', 'C')
		return
	}
	sc, err := rt.dial(be, srv, ctx.Dst.Port())
	if err != nil {
		lg.term('S', 'C')
		return
	}
	lg.connected(sc)
	srv.Cur.Add(1)
	defer srv.Cur.Add(-1)
	srv.Total.Add(1)
	cc.setPeer(&timedConn{Conn: sc})
	if sc, ok = tcpServerStart(c, sc, be, &ctx, in, got); !ok {
		return
	}
	ct := fe.cfg.Timeouts.Client
	st := be.cfg.Timeouts.Server
	// timeout tunnel is the backend's, as in haproxy: a frontend's value,
	// even inherited from its defaults, does not apply.
	if be.cfg.Timeouts.Tunnel > 0 {
		ct, st = be.cfg.Timeouts.Tunnel, be.cfg.Timeouts.Tunnel
	}
	toClient = tunnel(c, sc, ct, st, fe.cfg.Timeouts.ClientFin, be.cfg.Timeouts.ServerFin)
}

// dial connects to a server, retrying on connection failure as `retries`
// says, with `timeout connect` per attempt.
func (be *Backend) dial(srv *backend.Server, dstPort uint16) (net.Conn, error) {
	addr := srv.Addr
	if host, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		addr = net.JoinHostPort(host, strconv.Itoa(int(dstPort)))
	}
	d := net.Dialer{Timeout: be.cfg.Timeouts.Connect}
	var err error
	for attempt := 0; attempt <= be.cfg.Retries; attempt++ {
		var c net.Conn
		c, err = d.Dial("tcp", addr)
		if err == nil {
			return c, nil
		}
	}
	return nil, err
}

// tunnel copies both ways. Each side's timeout is an inactivity timeout: it
// fires only when neither direction moved data for that long, which is how a
// long download with a silent client stays up. Once one side has closed its
// write half, the remaining direction waits at most client-fin (the client
// closed) or server-fin (the server closed), when those are set.
//
// It returns how many bytes went to c, for logs.
func tunnel(c, s net.Conn, ct, st, cfin, sfin time.Duration) int64 {
	t := &tunnelState{}
	t.last.Store(time.Now().UnixNano())
	t.up.Store(int64(ct))
	t.down.Store(int64(st))
	done := make(chan struct{})
	go func() {
		t.pipe(s, c, &t.up)
		closeWrite(s)
		if cfin > 0 {
			t.down.Store(int64(cfin))
		}
		close(done)
	}()
	toC := t.pipe(c, s, &t.down)
	closeWrite(c)
	if sfin > 0 {
		t.up.Store(int64(sfin))
	}
	<-done
	c.Close()
	s.Close()
	return toC
}

type tunnelState struct {
	last     atomic.Int64 // unix nanoseconds of the last data in either direction
	up, down atomic.Int64 // read timeouts of client→server and server→client
}

// pipe copies src to dst until EOF, an error, or a timeout of inactivity in
// both directions. Each read and each write gets its own deadline, so a
// slow but live peer is never cut, and data read is always written or the
// tunnel aborted. It returns the bytes written to dst. (A splice between
// the sockets would save a copy, but a write deadline expiring inside it
// loses the bytes in flight.)
func (t *tunnelState) pipe(dst, src net.Conn, timeout *atomic.Int64) (written int64) {
	var r pooledReader
	r.init(src, tunnelBufs)
	for {
		to := time.Duration(timeout.Load())
		if to > 0 {
			src.SetReadDeadline(time.Now().Add(to))
		}
		buf, n, err := r.read()
		if n > 0 {
			t.last.Store(time.Now().UnixNano())
			if to > 0 {
				dst.SetWriteDeadline(time.Now().Add(to))
			}
			w, werr := dst.Write((*buf)[:n])
			written += int64(w)
			tunnelBufs.put(buf)
			if werr != nil {
				dst.Close()
				src.Close()
				return
			}
		}
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && to > 0 {
			if time.Duration(time.Now().UnixNano()-t.last.Load()) < to {
				continue // the other direction is alive
			}
			// As haproxy: a side silent for its whole timeout is treated
			// as if it had closed; the shutdown is passed on and the other
			// direction finishes on its own timeout.
			return
		}
		if !errors.Is(err, io.EOF) {
			// Abort: make the other direction stop too.
			dst.Close()
			src.Close()
		}
		return
	}
}

// tunnelBufs are the buffers of tunnel copies.
var tunnelBufs = poolFor(16 << 10)

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}
