package backend

import (
	"crypto/tls"
	"sync"

	"switchyard/counters"
	"switchyard/sample"
	"switchyard/ssl"
)

// TLS is how connections to a server speak TLS (`server … ssl`).
type TLS struct {
	// Config is the handshake's configuration, built from the server
	// line. Its ClientSessionCache is the server's own (SessionCache),
	// so that a reload keeps the sessions reconnections resume.
	Config *tls.Config
	// SNI is the name sent, computed per connection (`sni`); nil: none.
	SNI *sample.Expr
	// SNIVaries: SNI is not a constant, so a connection made for one
	// name must not carry a request for another: such connections are
	// kept per client connection, by name (as haproxy keys its idle
	// connections by the name's hash).
	SNIVaries bool
	// NoReuse is `no-ssl-reuse`: every connection makes a full handshake.
	NoReuse bool
	// Cert is the certificate presented (`crt`), nil for none: the
	// certificate store lists the servers' (ssl.Store.Clients).
	Cert *ssl.ClientCert
}

// sessionCacheSize bounds the sessions kept per server: enough for the
// names an `sni` expression gives, as haproxy keeps one per thread.
const sessionCacheSize = 64

// sessions are the server's TLS sessions, made on first use.
type sessions struct {
	once  sync.Once
	cache tls.ClientSessionCache
}

// SessionCache returns the server's TLS session cache, which lives as
// long as the server: a reload that keeps the server keeps its sessions.
func (s *Server) SessionCache() tls.ClientSessionCache {
	s.tlsSessions.once.Do(func() { s.tlsSessions.cache = tls.NewLRUClientSessionCache(sessionCacheSize) })
	return s.tlsSessions.cache
}

// orphanTLS counts for servers outside any registry (tests, implicit
// servers made on the side): nothing reads it.
var orphanTLS counters.TLSProcess

// TLSProcess returns the process's TLS counters, those of the server's
// registry.
func (s *Server) TLSProcess() *counters.TLSProcess {
	if s.be != nil && s.be.reg != nil {
		return &s.be.reg.tls
	}
	return &orphanTLS
}

// TLSOpen and TLSClose count a TLS endpoint to the server, from the
// connection's setup (before it connects, as haproxy prepares its SSL
// context) to its close.
func (s *Server) TLSOpen()  { s.TLSProcess().Open() }
func (s *Server) TLSClose() { s.TLSProcess().Close() }

// TLSHandshake counts a handshake with the server, made for traffic or by
// a health check (haproxy counts both, its checks' connections being the
// server's): on the server's and its backend's "ssl" module, and for a new
// session in the process's backend key rate.
func (s *Server) TLSHandshake(ok, resumed bool) {
	var px *counters.SSL
	if s.be != nil {
		px = &s.be.C.SSL
	}
	s.TLSProcess().Handshake(px, &s.C.SSL, true, ok, resumed)
}
