package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/internal/socks4"
	"switchyard/sample"
)

// serveTCP runs a `mode tcp` stream: pick a backend and a server, connect,
// then copy both ways until both sides are done.
func (rt *Runtime) serveTCP(c net.Conn, key string, fe *Frontend) {
	accepted := time.Now()
	rt.janitor.touch()
	cc := rt.newClientConn(c, nil, fe.Name)
	defer cc.close()
	var ctx sample.Ctx
	ctx.Src, ctx.Dst = addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	scope := &tcpScope{snap: rt.snap.Load(), fe: fe, client: c}
	ctx.L6 = &scope.l6
	lg := newTCPLog(fe, c)
	if lg != nil {
		lg.tcpScope = scope
		ctx.Owner = lg
	} else {
		ctx.Owner = scope
	}
	var toClient, toServer int64
	var srv *backend.Server
	var be *Backend
	tl := tcpTally{start: mono(), queued: -1, connected: -1}
	defer func() {
		lg.send(rt, fe, &ctx, toClient, toServer, srv)
		tl.count(rt, fe, key, be, srv, toClient, toServer)
		scope.trk.countBytes(uint64(max(toServer, 0)), uint64(max(toClient, 0)))
		scope.trk.releaseStream()
		scope.trk.releaseSession()
	}()
	in, got, be0, refused := rt.tcpStreamStart(c, key, fe, &ctx, accepted)
	be = be0
	defer tunnelBufs.put(in)
	if scope.lua != nil && scope.lua.service != nil {
		scope.be = be // a backend's rule: its name is logged
		toClient, toServer = rt.serveLuaTCP(c, key, fe, scope, &ctx, in, got, lg)
		return
	}
	if be == nil {
		if refused[0] == 0 {
			lg = nil // refused before haproxy has a stream: no line
			return
		}
		lg.term(refused[0], refused[1])
		toServer = -1 // a line, even with dontlognull
		if got > 0 {
			toServer = int64(got) // what inspection read counts in %U, as haproxy's
		}
		if refused == [2]byte{'S', 'C'} {
			// No backend: the client is told with an end, not a reset
			// that closing on its unread bytes would send.
			var buf [512]byte
			lingerClose(c, buf[:])
		}
		return
	}
	scope.be = be
	var payload []byte // what inspect-delay kept: rdp-cookie reads it
	if in != nil {
		payload = (*in)[:got]
	}
	// option abortonclose: a client that closes while its connection
	// waits for a slot or a server is given up.
	abort, stopWatch := context.Background(), func() {}
	if be.cfg.AbortOnClose {
		abort, stopWatch = watchClose(c, func() { c.SetReadDeadline(time.Time{}) })
	}
	defer stopWatch()
	var stk stickPending
	prefer, forced := tcpStickMatch(be, &ctx, &stk)
	a, err := be.state.AssignCtx(abort, &ctx, payload, prefer, be.queueTimeout())
	srv = a.Srv
	tl.queued = mono()
	lg.server(be, &a, err)
	if srv != nil {
		cc.using(be, srv)
	}
	if err != nil {
		lg.termAssign(err)
		countAssignFailure(be, a.Srv, err)
		return
	}
	var sc net.Conn
	rs := retryState{direct: prefer != nil, forced: forced}
	for {
		be.state.C.Connect.Add(1)
		srv.C.Connect.Add(1)
		tlsSet := srv.Settings().TLS
		sc, err = rt.dial(abort, be, srv, ctx.Dst, proxyHeader(srv, &ctx, nil), tlsSet, serverSNI(tlsSet, &ctx))
		if abort.Err() != nil {
			if sc != nil {
				sc.Close()
			}
			be.state.Release(a.Srv)
			lg.retries(&rs)
			lg.term('C', 'C')
			return
		}
		if err == nil {
			srv.Observe(backend.ObserveL4OK)
			break
		}
		srv.Observe(backend.ObserveL4Err)
		countServerFailure(be, srv, true)
		if errors.Is(err, errNoDestination) {
			// haproxy: an internal error, which no retry can mend.
			be.state.Release(srv)
			lg.retries(&rs)
			lg.term('I', 'C')
			return
		}
		if !rs.next(be, &a, &ctx, payload, connFailure(err), rt.stopCh, abort.Done()) {
			lg.retries(&rs)
			if a.Srv == nil { // redispatched, and no server took it
				lg.termAssign(rs.err)
				return
			}
			be.state.Release(srv)
			lg.term('S', 'C')
			return
		}
		srv = a.Srv
		lg.server(be, &a, nil)
	}
	stopWatch() // the tunnel reads the client from here
	tcpStickStore(be, &ctx, &stk, srv)
	tl.connected = mono()
	if tc, ok := sc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		scope.tls = &st
		scope.randoms = helloRandoms(sc)
	}
	defer be.state.Release(srv)
	lg.retries(&rs)
	lg.connected(sc)
	lg.logASAP(rt, fe, &ctx, srv)
	// haproxy sets the stream's timeouts once connected, after the line
	// an early log sends then: that line reads 0 in cur_server_timeout.
	scope.connected = true
	// on-marked-down shutdown-sessions / on-marked-up
	// shutdown-backup-sessions: a state change may cut this stream.
	var cutBy atomic.Pointer[error]
	detach := srv.AttachStream(func(cause error) {
		cutBy.Store(&cause)
		c.Close()
		sc.Close()
	})
	defer detach()
	defer func() {
		if p := cutBy.Load(); p != nil {
			lg.rec.Term = [2]byte{cutCode(*p), 'D'}
		}
	}()
	cc.setPeer(&timedConn{Conn: sc})
	sc, ok := tcpServerStart(c, sc, be, &ctx, in, got)
	if !ok {
		return
	}
	ct := fe.cfg.Timeouts.Client
	st := be.cfg.Timeouts.Server
	// timeout tunnel is the backend's, as in haproxy: a frontend's value,
	// even inherited from its defaults, does not apply.
	if be.cfg.Timeouts.Tunnel > 0 {
		ct, st = be.cfg.Timeouts.Tunnel, be.cfg.Timeouts.Tunnel
	}
	end := tunnel(c, sc, ct, st, fe.cfg.Timeouts.ClientFin, be.cfg.Timeouts.ServerFin)
	// What the content rules read while inspecting went to the server
	// before the tunnel: it counts, as haproxy counts its whole request
	// buffer (%U, bytes_in).
	toClient, toServer = end.toClient, end.toServer+int64(got)
	tl.term = end.term
	if end.term[0] != 0 {
		lg.term(end.term[0], end.term[1])
	}
}

// dial makes one connection attempt to a server, within timeout connect
// (retries are the caller's: see retry.go). dst is the stream's
// destination, the address the client connected to or what a rule made
// of it.
func (be *Backend) dial(ctx context.Context, srv *backend.Server, dst netip.AddrPort) (net.Conn, error) {
	addr, err := dialAddr(srv, dst)
	if err != nil {
		return nil, err
	}
	// No TCP keep-alive probes, as haproxy without option srvtcpka: it
	// saves four socket options per connection.
	d := net.Dialer{Timeout: be.cfg.Timeouts.Connect, KeepAlive: -1}
	if proxy := srv.Settings().Socks4.Proxy; proxy != "" {
		// The handshake counts in timeout connect, as in haproxy.
		var deadline time.Time
		if d.Timeout > 0 {
			deadline = time.Now().Add(d.Timeout)
		}
		return socks4.Dial(ctx, &d, proxy, addr, deadline)
	}
	return d.DialContext(ctx, network(addr), addr)
}

// network is how addr is dialled: a path is a UNIX socket (a server
// written "/path" or "unix@path").
func network(addr string) string {
	if strings.HasPrefix(addr, "/") {
		return "unix"
	}
	return "tcp"
}

// errNoDestination: a transparent backend's stream has no IP destination
// (a unix socket listener), so there is nowhere to connect, as in haproxy.
var errNoDestination = errors.New("no destination address to connect to (option transparent)")

// dialAddr is where a connection to srv goes for a stream whose
// destination is dst: the server's address, with dst's port for a server
// without one (MapPorts), or dst itself for a transparent backend's
// implicit server.
func dialAddr(srv *backend.Server, dst netip.AddrPort) (string, error) {
	set := srv.Settings()
	switch {
	case set.Transparent:
		if !dst.Addr().IsValid() {
			return "", errNoDestination
		}
		return netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port()).String(), nil
	case set.MapPorts:
		addr := srv.Addr()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = net.JoinHostPort(host, strconv.Itoa(int(dst.Port())))
		}
		return addr, nil
	}
	return srv.Addr(), nil
}

// tunnel copies both ways. Each side's timeout is an inactivity timeout: it
// fires only when neither direction moved data for that long, which is how a
// long download with a silent client stays up. Once one side has closed its
// write half, the remaining direction waits at most client-fin (the client
// closed) or server-fin (the server closed), when those are set.
//
// It returns what the logs say of it: the bytes each way and how it ended.
func tunnel(c, s net.Conn, ct, st, cfin, sfin time.Duration) tunnelEnd {
	t := &tunnelState{}
	t.last.Store(time.Now().UnixNano())
	t.up.Store(int64(ct))
	t.down.Store(int64(st))
	done := make(chan struct{})
	var toS int64
	go func() {
		toS = t.pipe(s, c, &t.up, 'C', 'S')
		closeWrite(s)
		if cfin > 0 {
			t.down.Store(int64(cfin))
		}
		close(done)
	}()
	toC := t.pipe(c, s, &t.down, 'S', 'C')
	closeWrite(c)
	if sfin > 0 {
		t.up.Store(int64(sfin))
	}
	<-done
	c.Close()
	s.Close()
	return tunnelEnd{toClient: toC, toServer: toS, term: t.termination()}
}

// tunnelEnd is what a finished tunnel tells the logs.
type tunnelEnd struct {
	toClient, toServer int64
	term               [2]byte // haproxy's termination state; zero for a normal end
}

type tunnelState struct {
	last     atomic.Int64 // unix nanoseconds of the last data in either direction
	up, down atomic.Int64 // read timeouts of client→server and server→client
	// abort is the side ('C' or 'S') whose failure ended the tunnel
	// first; timedOut the sides ('c', 's') that were silent too long.
	abort                  atomic.Uint32
	clientIdle, serverIdle atomic.Bool
}

// termination is the tunnel's termination state, as haproxy reports it:
// the first side that failed, else the client's timeout, else the
// server's, during the data phase.
func (t *tunnelState) termination() [2]byte {
	switch {
	case t.abort.Load() != 0:
		return [2]byte{byte(t.abort.Load()), 'D'}
	case t.clientIdle.Load():
		return [2]byte{'c', 'D'}
	case t.serverIdle.Load():
		return [2]byte{'s', 'D'}
	}
	return [2]byte{}
}

// pipe copies src to dst until EOF, an error, or a timeout of inactivity in
// both directions. Each read and each write gets its own deadline, so a
// slow but live peer is never cut, and data read is always written or the
// tunnel aborted. It returns the bytes written to dst. (A splice between
// the sockets would save a copy, but a write deadline expiring inside it
// loses the bytes in flight.)
// srcSide and dstSide ('C' for the client, 'S' for the server) say whom a
// failure is blamed on.
func (t *tunnelState) pipe(dst, src net.Conn, timeout *atomic.Int64, srcSide, dstSide byte) (written int64) {
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
				t.abort.CompareAndSwap(0, uint32(dstSide))
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
			// direction finishes on its own timeout. When both sides have
			// been silent past their timeouts, haproxy blames the client:
			// so does termination, whichever read noticed first.
			idle := time.Duration(time.Now().UnixNano() - t.last.Load())
			if cto := time.Duration(t.up.Load()); srcSide == 'C' || cto > 0 && idle >= cto {
				t.clientIdle.Store(true)
			}
			if srcSide == 'S' {
				t.serverIdle.Store(true)
			}
			return
		}
		if !errors.Is(err, io.EOF) {
			// Abort: make the other direction stop too.
			t.abort.CompareAndSwap(0, uint32(srcSide))
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
