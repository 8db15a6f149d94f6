package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"switchyard/backend"
	"switchyard/config"
)

// Descriptors are budgeted as haproxy budgets them. The process may hold
// as many as its RLIMIT_NOFILE allows (Go raises the soft limit to the hard
// one at start); every client connection counts for two, itself and the
// server connection it may need, and idle server connections count for one
// each. When `maxconn` is not set in global, it is derived from the limit so
// that every client connection can have its server connection. Idle pools
// keep connections only while the process is well within the limit, and
// when descriptors run out anyway, accepting and dialling close idle server
// connections and try again instead of failing.

// fdReserve is the descriptors kept out of the connection budget: standard
// streams, the runtime's poller, log files and the like, as haproxy keeps
// about as many for its own.
const fdReserve = 20

// perConn is what one client connection is counted for.
const perConn = 2

// fdLimit returns the process's descriptor limit (0: unknown).
func fdLimit() int64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<40 {
		return 0
	}
	return int64(rl.Cur)
}

// derivedMaxConn is haproxy's global maxconn when none is set: the
// connections that the descriptor limit allows, each with its server
// connection, after the reserve and the listeners (at least 100, haproxy's
// floor).
func derivedMaxConn(limit int64, listeners int) int {
	if limit <= 0 {
		return 0
	}
	n := (limit - fdReserve - int64(listeners)) / perConn
	return int(min(max(n, 100), 1<<31-1))
}

// raiseFDLimit tries to raise the descriptor limit to n, as haproxy
// raises it to the maxsock its maxconn needs (a privileged process may go
// past the hard limit).
func raiseFDLimit(n int64) bool {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return false
	}
	rl.Cur = uint64(n)
	rl.Max = max(rl.Max, uint64(n))
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl) == nil
}

// outOfFDs reports whether err means that no descriptor was left.
func outOfFDs(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// dial connects to srv, first making room when descriptors run short:
// above tune.pool-high-fd-ratio one of the server's idle connections is
// closed, as haproxy does, and a dial that finds no descriptor sheds idle
// connections and tries once more. The connection then sends pp, its
// PROXY header (nil: none), as part of being set up: a failure there is
// the connection's, retried and counted like a refused connect.
// With t (the server's TLS in force when the stream read it, so that a
// connection is what the caller records it as even when `set server …
// ssl` changes it meanwhile) it then makes its TLS handshake, sending sni.
func (rt *Runtime) dial(ctx context.Context, be *Backend, srv *backend.Server, dst netip.AddrPort, pp []byte, t *backend.TLS, sni string) (net.Conn, error) {
	if t != nil {
		// A TLS endpoint from the connection's setup, as haproxy
		// counts its SSL contexts (CurrSslConns, CumSslConns).
		srv.TLSOpen()
	}
	srv.Pool.BeforeDial()
	c, err := be.dial(ctx, srv, dst)
	if err != nil && outOfFDs(err) && rt.state.pools.Shed() > 0 {
		c, err = be.dial(ctx, srv, dst)
	}
	if err == nil && pp != nil {
		if err = sendProxyHeader(c, pp, be.cfg.Timeouts.Server); err != nil {
			c.Close()
			c = nil
		}
	}
	switch {
	case t == nil:
	case err != nil:
		srv.TLSClose()
	default:
		c, err = clientHandshake(ctx, c, t, srv, sni, be.cfg.Timeouts.Connect, be.cfg.Timeouts.Server)
	}
	return c, err
}

// maxConn returns the process's connection limit: global maxconn, checked
// against the descriptor limit as haproxy checks it (refused under
// strict-limits, which is haproxy's default, a warning otherwise), or
// derived from the limit when unset.
func (rt *Runtime) maxConn(g *config.Global, limit int64, listeners int) (int, error) {
	if g.MaxConn == 0 {
		return derivedMaxConn(limit, listeners), nil
	}
	need := int64(g.MaxConn)*perConn + fdReserve + int64(listeners)
	if limit <= 0 || need <= limit || raiseFDLimit(need) {
		return g.MaxConn, nil
	}
	if g.StrictLimits {
		return 0, fmt.Errorf("cannot raise FD limit to %d, limit is %d: lower 'maxconn' (%d), raise the limit (ulimit -n, LimitNOFILE=), or set 'no strict-limits'",
			need, limit, g.MaxConn)
	}
	rt.Log.Warn("FD limit too low for maxconn; accepting will close idle server connections when descriptors run out",
		"maxconn", g.MaxConn, "needed", need, "limit", limit)
	return g.MaxConn, nil
}
