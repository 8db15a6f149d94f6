package backend

import (
	"crypto/tls"
	"sync"

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
