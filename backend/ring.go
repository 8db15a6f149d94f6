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
	// weights[i] is the weight srvs[i] had when the ring was built.
	weights []int32
	rr      atomic.Uint64
	// bound is the hash-balance-factor of the ring, nil when there is
	// none (bounded.go).
	bound *bound
}

func newRing(servers []Member) *ring {
	type point struct {
		key uint32
		srv int // index in servers
	}
	var pts []point
	for i, s := range servers {
		for j := range s.ew() {
			pts = append(pts, point{hashfn.FullHash(uint32(s.ID*ewghtRange + j)), i})
		}
	}
	// full_hash is a bijection and the seeds are distinct, so keys are
	// unique and the order is total.
	slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.key, b.key) })
	r := &ring{keys: make([]uint32, len(pts)), srvs: make([]*Server, len(pts)), weights: make([]int32, len(pts))}
	for i, p := range pts {
		r.keys[i], r.srvs[i], r.weights[i] = p.key, servers[p.srv].Server, int32(servers[p.srv].Weight)
	}
	return r
}

// lookup returns the server of the point closest to h on the ring, the
// point before h winning ties, as chash_get_server_hash() does; with a
// hash-balance-factor, the first server from there on that is not
// overloaded.
func (r *ring) lookup(h uint32) *Server {
	if i := r.pick(h); i >= 0 {
		return r.srvs[i]
	}
	return nil
}

// pick is point with the ring's bound applied: the index of the point
// lookup chooses, -1 on an empty ring.
func (r *ring) pick(h uint32) int {
	i := r.point(h)
	if i < 0 || r.bound == nil {
		return i
	}
	return r.bound.walk(r, i)
}

// point returns the index of the point lookup chooses, -1 on an empty ring.
func (r *ring) point(h uint32) int {
	n := len(r.keys)
	if n == 0 {
		return -1
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
		return prev
	}
	return next
}

// next walks the points in ring order, starting with the first: what
// haproxy does when the hash key is missing (chash_get_next_server()).
func (r *ring) next() *Server {
	if len(r.keys) == 0 {
		return nil
	}
	return r.srvs[(r.rr.Add(1)-1)%uint64(len(r.keys))]
}
