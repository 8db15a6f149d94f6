package backend

import (
	"cmp"
	"slices"
	"sync/atomic"

	"switchyard/internal/hashfn"
)

// Ring geometry, from haproxy: weights are scaled by 16 (BE_WEIGHT_SCALE)
// and a server's points are seeded from id*4096 (SRV_EWGHT_RANGE, the
// largest scaled weight), so servers never share a seed.
const (
	weightScale = 16
	maxWeight   = 256
	ewghtRange  = maxWeight * weightScale
)

// ring is haproxy's consistent-hash tree (lb_chash) flattened into a sorted
// array: weight*16 points per server, point j of server id at
// full_hash(id*4096 + j). It is immutable once built, so lookups need no
// lock.
type ring struct {
	keys []uint32  // sorted point positions
	srvs []*Server // srvs[i] owns keys[i]
	rr   atomic.Uint64
}

func newRing(servers []*Server) *ring {
	type point struct {
		key uint32
		srv *Server
	}
	var pts []point
	for _, s := range servers {
		for j := range s.Weight * weightScale {
			pts = append(pts, point{hashfn.FullHash(uint32(s.ID*ewghtRange + j)), s})
		}
	}
	// full_hash is a bijection and the seeds are distinct, so keys are
	// unique and the order is total.
	slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.key, b.key) })
	r := &ring{keys: make([]uint32, len(pts)), srvs: make([]*Server, len(pts))}
	for i, p := range pts {
		r.keys[i], r.srvs[i] = p.key, p.srv
	}
	return r
}

// lookup returns the server of the point closest to h on the ring, the
// point before h winning ties, as chash_get_server_hash() does.
func (r *ring) lookup(h uint32) *Server {
	n := len(r.keys)
	if n == 0 {
		return nil
	}
	// next: first point >= h, wrapping to the first point.
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.keys[m] < h {
			lo = m + 1
		} else {
			hi = m
		}
	}
	next := lo % n
	prev := (next + n - 1) % n
	// Distances are taken modulo 2^32, so they are right across the wrap.
	if h-r.keys[prev] <= r.keys[next]-h {
		return r.srvs[prev]
	}
	return r.srvs[next]
}

// next walks the points in ring order, starting with the first: what
// haproxy does when the hash key is missing (chash_get_next_server()).
func (r *ring) next() *Server {
	if len(r.keys) == 0 {
		return nil
	}
	return r.srvs[(r.rr.Add(1)-1)%uint64(len(r.keys))]
}
