package backend

// Consistent hashing with bounded loads (`hash-balance-factor`), after
// haproxy 2.6's chash_server_is_eligible() and the walk of
// chash_get_server_hash(): the server the hash lands on is skipped, and the
// ring walked on, while it already serves its share of the backend's load
// times the factor. The arithmetic is haproxy's, integer for integer and
// with its overflows, since every rounding decides which server is chosen.

// bound is the bounded-load state of a ring, fixed when the ring is built.
type bound struct {
	factor int32 // hash_balance_factor, > 100
	// totWeight is the sum of the effective weights (weight*16) of the
	// servers on the ring: haproxy's lbprm.tot_weight.
	totWeight uint32
	// cums[i] is the effective weight of the servers of the ring declared
	// before the owner of point i: haproxy's srv->cumulative_weight, which
	// spreads the remainder of the slots over the servers in order.
	cums []uint32
	// all is every server of the backend, up or not: their loads add up
	// to haproxy's be->served, which a server leaving the ring does not
	// reset while its requests finish.
	all []*Server
}

// newBoundedRing builds the ring of usable and, when a has a
// hash-balance-factor, its bound; servers are all the members of the
// backend. `balance random` relies on the same ring and, in haproxy, on
// the same bound.
func newBoundedRing(a Algorithm, servers, usable []Member) *ring {
	r := newRing(usable)
	if a.BalanceFactor <= 0 || len(r.keys) == 0 {
		return r
	}
	b := &bound{factor: int32(a.BalanceFactor), cums: make([]uint32, len(r.keys))}
	cum := make(map[*Server]uint32, len(usable))
	for _, m := range usable {
		if m.Weight > 0 {
			cum[m.Server] = b.totWeight
			b.totWeight += uint32(m.Weight) * weightScale
		}
	}
	for i, s := range r.srvs {
		b.cums[i] = cum[s]
	}
	b.all = make([]*Server, 0, len(servers))
	for _, m := range servers {
		b.all = append(b.all, m.Server)
	}
	r.bound = b
	return r
}

// served is the number of requests the backend's servers are serving,
// the one being placed excluded.
func (b *bound) served() int64 {
	var n int64
	for _, s := range b.all {
		n += s.Cur.Load()
	}
	return n
}

// eligible says whether the owner of point i may take one more request
// when the backend serves served requests.
func (b *bound) eligible(r *ring, i int, served int64) bool {
	// The slots to hand out are the requests in flight plus this one,
	// times the factor, rounded up. haproxy computes this in int and is
	// built with -fwrapv: int32 arithmetic wraps the same way.
	tot := uint32(((int32(served)+1)*b.factor + 99) / 100)
	perWeight, rem := tot/b.totWeight, tot%b.totWeight
	ew := uint32(r.weights[i]) * weightScale
	cum := b.cums[i]
	// A whole number of slots per unit of weight, then the remainder
	// spread in proportion to the weights, in declaration order.
	slots := ew*perWeight + (cum+ew)*rem/b.totWeight - cum*rem/b.totWeight
	if slots == 0 {
		slots = 1 // never leave a server with no slot at all
	}
	return uint32(r.srvs[i].Cur.Load()) < slots
}

// walk returns the first point from i on, in ring order, whose server is
// eligible. Should none be (the slots add up to more than the load, so
// this takes loads read while they change, or arithmetic that wrapped),
// haproxy's walk stops when it wraps round the ring a second time, on the
// ring's last point, and so does ours.
func (b *bound) walk(r *ring, i int) int {
	served := b.served()
	n := len(r.keys)
	for loops := 0; !b.eligible(r, i, served); {
		if i++; i == n {
			if loops++; loops > 1 {
				return n - 1
			}
			i = 0
		}
	}
	return i
}
