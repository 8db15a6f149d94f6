package proxy

import (
	"net/netip"

	"switchyard/backend"
	"switchyard/config"
)

// Private server connections. Some server connections must never carry
// another client's request: with http-reuse never, and always for a
// backend's implicit server (dispatch, transparent), whose connections
// haproxy 2.6 makes private to their session because their target is not a
// server. The client connection keeps them idle between its requests, for
// itself, as haproxy's session keeps its list of idle private connections:
// several, one per server and destination at most in practice, so that a
// client whose requests alternate between a server reached by persistence
// and the dispatch address keeps both.

// maxPrivateIdle is how many idle private connections a client connection
// keeps: haproxy's max-session-srv-conns default (MAX_SRV_LIST). As there,
// one more is closed rather than kept.
const maxPrivateIdle = 5

// privateConns says whether the connections to srv stay private to the
// client connection that opened them.
func privateConns(be *Backend, srv *backend.Server) bool {
	set := srv.Settings()
	return be.cfg.Reuse == config.ReuseNever || srv.Implicit() || set.SendProxy.On() || set.TLS != nil && set.TLS.SNIVaries
}

// privateIdle are a client connection's idle private server connections,
// oldest first.
type privateIdle []privateConn

type privateConn struct {
	c   *timedConn
	srv *backend.Server
	dst netip.AddrPort // the stream destination it was last used for (sameDest)
}

// take removes and returns the oldest idle connection to srv that leads
// where a request whose stream destination is dst goes, and that began
// with the PROXY header pp (haproxy keys its idle connections by the
// header, so that one is only reused for the same client), or nil.
func (p *privateIdle) take(srv *backend.Server, dst netip.AddrPort, pp []byte, sni string, t *backend.TLS) *timedConn {
	if p == nil {
		return nil
	}
	for i, pc := range *p {
		if pc.srv == srv && sameDest(srv, pc.dst, dst) && pc.c.x.pp == string(pp) && pc.c.x.sni == sni && pc.c.x.tls == t {
			*p = append((*p)[:i], (*p)[i+1:]...)
			return pc.c
		}
	}
	return nil
}

// keep keeps c, a connection to srv used for a stream whose destination
// was dst, unless maxPrivateIdle are kept already.
func (p *privateIdle) keep(c *timedConn, srv *backend.Server, dst netip.AddrPort) {
	if len(*p) >= maxPrivateIdle {
		c.Close()
		return
	}
	*p = append(*p, privateConn{c: c, srv: srv, dst: dst})
}

// closeAll closes them: they end with their client connection.
func (p *privateIdle) closeAll() {
	if p == nil {
		return
	}
	for _, pc := range *p {
		pc.c.Close()
	}
	*p = (*p)[:0]
}

// sameDest says whether a connection to srv used for a stream whose
// destination was was leads where one for dst would: for a server that
// takes the client's address or port (transparent, MapPorts), a rule
// (set-dst, set-dst-port) may have moved it since. (haproxy 2.6 does not
// tell a transparent connection's destinations apart, and may send a
// request to the previous one; here it goes where it was meant to.)
func sameDest(srv *backend.Server, was, dst netip.AddrPort) bool {
	if set := srv.Settings(); !set.Transparent && !set.MapPorts || was == dst {
		return true
	}
	a, errA := dialAddr(srv, was)
	b, errB := dialAddr(srv, dst)
	return errA == nil && errB == nil && a == b
}
