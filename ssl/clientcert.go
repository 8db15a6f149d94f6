package ssl

import (
	"crypto/tls"
	"strconv"
	"sync/atomic"
)

// ClientCert is a server line's `crt`, the certificate switchyard
// presents to a server that asks for one: a reference, so that the
// certificate store can replace it (set ssl cert, the file changing) for
// the next handshakes, as it replaces a bind's.
type ClientCert struct {
	Path string
	cur  atomic.Pointer[Cert]
	gen  atomic.Uint64 // changes with the certificate
}

// NewClientCert is a reference to c.
func NewClientCert(c *Cert) *ClientCert {
	r := &ClientCert{Path: c.Path}
	r.cur.Store(c)
	return r
}

// Load is the certificate in service.
func (r *ClientCert) Load() *Cert { return r.cur.Load() }

// Set makes c the certificate presented.
func (r *ClientCert) Set(c *Cert) { r.store(c) }

func (r *ClientCert) store(c *Cert) {
	r.cur.Store(c)
	r.gen.Add(1)
}

// sessionCache keys a server's sessions by the certificate presented: a
// session made with a replaced certificate is not resumed, since the
// server would still see the old one in it.
type sessionCache struct {
	tls.ClientSessionCache
	ref *ClientCert
}

// SessionCache wraps a server's session cache for a configuration that
// presents ref (nil: the cache as it is).
func SessionCache(c tls.ClientSessionCache, ref *ClientCert) tls.ClientSessionCache {
	if ref == nil || c == nil {
		return c
	}
	return &sessionCache{c, ref}
}

func (s *sessionCache) key(k string) string {
	return strconv.FormatUint(s.ref.gen.Load(), 10) + "|" + k
}

func (s *sessionCache) Get(k string) (*tls.ClientSessionState, bool) {
	return s.ClientSessionCache.Get(s.key(k))
}

func (s *sessionCache) Put(k string, cs *tls.ClientSessionState) {
	s.ClientSessionCache.Put(s.key(k), cs)
}
