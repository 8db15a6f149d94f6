package proxy

import (
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/sample"
)

// clientConn is what the runtime tracks of each accepted connection: enough
// to cut it on a hard stop, and to list and cut sessions at runtime.
type clientConn struct {
	rt   *Runtime
	c    net.Conn
	cl   *timedConn                // the HTTP stream's view of c, nil for TCP
	peer atomic.Pointer[timedConn] // server side in use, closed on hard stop
	// For `show sess` and `shutdown session(s)`: when it began, its
	// frontend, and the backend and server its current request uses
	// (nil between requests).
	start time.Time
	fe    string
	be    atomic.Pointer[Backend]
	srv   atomic.Pointer[backend.Server]
	// trk are the stick counters the connection tracks (stick.go); nil
	// until a rule tracks something.
	trk *stickState
}

// using notes the backend and server the connection's request uses (nil:
// none, between requests). Two stores, no allocation: a reader may see
// them from different requests, which only a listing can show.
func (cc *clientConn) using(be *Backend, srv *backend.Server) {
	cc.be.Store(be)
	cc.srv.Store(srv)
}

func (rt *Runtime) newClientConn(c net.Conn, cl *timedConn, fe string) *clientConn {
	cc := &clientConn{rt: rt, c: c, cl: cl, start: time.Now(), fe: fe}
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
