package proxy

import (
	"net"
	"net/netip"

	"sync/atomic"

	"switchyard/sample"
)

// clientConn is what the runtime tracks of each accepted connection: enough
// to cut it on a hard stop.
type clientConn struct {
	rt   *Runtime
	c    net.Conn
	cl   *timedConn                // the HTTP stream's view of c, nil for TCP
	peer atomic.Pointer[timedConn] // server side in use, closed on hard stop
}

func (rt *Runtime) newClientConn(c net.Conn, cl *timedConn) *clientConn {
	cc := &clientConn{rt: rt, c: c, cl: cl}
	rt.track(cc)
	return cc
}

func (cc *clientConn) setPeer(s *timedConn) { cc.peer.Store(s) }

// forceClose cuts the connection and its tunnel peer.
func (cc *clientConn) forceClose() {
	cc.c.Close()
	if p := cc.peer.Load(); p != nil {
		p.Close()
	}
}

func (cc *clientConn) close() {
	cc.rt.untrack(cc)
	cc.c.Close()
}

// route chooses the backend: the first use_backend whose condition holds,
// else default_backend.
func (fe *Frontend) route(ctx *sample.Ctx) *Backend {
	for i := range fe.routes {
		r := &fe.routes[i]
		if r.cond == nil || r.cond.Eval(ctx) {
			return r.be
		}
	}
	return fe.def
}

func addrPort(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.AddrPort()
	}
	return netip.AddrPort{}
}
