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

// hashed is the balancer of source, uri, url_param and hdr().
type hashed struct {
	a   Algorithm
	tab hashTable
}

func newHashed(a Algorithm, servers, usable []Member) (*hashed, error) {
	switch {
	case a.URILen < 0 || a.URIDepth < 0:
		return nil, errors.New("uri: len and depth must not be negative")
	case a.Kind == URLParam && a.Param == "":
		return nil, errors.New("url_param requires an URL parameter name")
	case a.Kind == Header && a.Header == "":
		return nil, errors.New("hdr requires an http header field name")
	}
	b := &hashed{a: a}
	if a.HashType == Consistent {
		b.tab = newRing(usable)
	} else {
		b.tab = newWeightMap(servers)
	}
	return b, nil
}

func (b *hashed) Pick(r sample.Request, src netip.Addr) *Server {
	if h, ok := b.hash(r, src); ok {
		return b.tab.lookup(h)
	}
	// haproxy falls back to round robin over the same map or ring.
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
	if r == nil {
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
