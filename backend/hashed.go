package backend

import (
	"errors"
	"net/netip"

	"switchyard/internal/hashfn"
	"switchyard/sample"
)

// hashTable maps a hash onto a server (lookup) and, when the request has no
// key to hash, hands out servers in its own round-robin order (next).
type hashTable interface {
	lookup(h uint32) *Server
	next() *Server
}

// hashed is the balancer of source, uri, url_param, hdr(), hash and
// rdp-cookie.
type hashed struct {
	a   Algorithm
	tab hashTable
	// single: one server is usable. haproxy then takes it without
	// evaluating a `balance hash` expression (tot_used == 1), which
	// matters for expressions with side effects (set-var).
	single bool
}

func newHashed(a Algorithm, servers, usable []Member) (*hashed, error) {
	switch {
	case a.URILen < 0 || a.URIDepth < 0:
		return nil, errors.New("uri: len and depth must not be negative")
	case a.Kind == URLParam && a.Param == "":
		return nil, errors.New("url_param requires an URL parameter name")
	case a.Kind == Header && a.Header == "":
		return nil, errors.New("hdr requires an http header field name")
	case a.Kind == Hash && a.Expr == nil:
		return nil, errors.New("hash requires a sample expression")
	case a.Kind == RDPCookie && a.Cookie == "":
		return nil, errors.New("rdp-cookie requires a cookie name")
	case a.BalanceFactor < 0 || a.BalanceFactor > maxBalanceFactor:
		return nil, errors.New("hash-balance-factor out of range")
	}
	b := &hashed{a: a, single: len(usable) == 1}
	if a.HashType == Consistent {
		b.tab = newBoundedRing(a, servers, usable)
	} else {
		b.tab = newWeightMap(servers)
	}
	return b, nil
}

func (b *hashed) Pick(r sample.Request, src netip.Addr) *Server {
	if b.a.Kind == Hash {
		return b.pickExprOf(r, src)
	}
	return b.choose(b.hash(r, src))
}

// choose looks the hash up or, when the request has no key, falls back to
// round robin over the same map or ring, as haproxy does.
func (b *hashed) choose(h uint32, ok bool) *Server {
	if ok {
		return b.tab.lookup(h)
	}
	return b.tab.next()
}

// hash computes the request's hash, or reports that its key is missing.
func (b *hashed) hash(r sample.Request, src netip.Addr) (uint32, bool) {
	a := &b.a
	if a.Kind == Source {
		h, ok := sourceHash(src)
		if ok && a.Avalanche {
			h = hashfn.FullHash(h)
		}
		return h, ok
	}
	if r == nil || a.Kind == RDPCookie {
		// rdp-cookie reads the payload, which only PickCtx is given.
		return 0, false
	}
	switch a.Kind {
	case URI:
		return a.hashKey(a.uriKey(r.URI())), true
	case URLParam:
		v, ok := urlParamValue(r.URI(), a.Param)
		if !ok {
			return 0, false
		}
		return a.hashKey(v), true
	default: // Header
		v, ok := headerValue(r, a.Header)
		if !ok {
			return 0, false
		}
		if a.UseDomainOnly {
			v = domainOnly(v)
		}
		return a.hashKey(v), true
	}
}
