package backend

import "sync/atomic"

// weightMap is haproxy's lb_map: one slot per unit of weight, filled in a
// weighted round-robin order. static-rr walks it in order; map-based
// hashing takes slot hash % len. The slot order must be haproxy's exactly,
// or the same hash would land on another server.
type weightMap struct {
	slots []*Server
	rr    atomic.Uint64 // next slot for static-rr and the hash fallback
}

// newWeightMap builds the map over the servers of a backend, in declaration
// order, leaving out those of weight 0. Weights are first divided by their
// greatest common divisor, as haproxy does, which changes len(slots) and
// thus hash % len. haproxy computes that divisor once over every configured
// server, so a later rebuild without a down server must keep using it.
func newWeightMap(servers []Member) *weightMap {
	g := 0
	for _, s := range servers {
		g = gcd(g, s.configured())
	}
	tot := 0
	for _, s := range servers {
		if g > 0 {
			tot += s.Weight / g
		}
	}
	// Each round, every server earns its weight; the first server with the
	// highest (score+tot)/tot wins the slot and pays tot. Comparing these
	// quotients rather than raw scores lets earlier servers win ties within
	// a band, which is what fixes haproxy's slot order (recalc_server_map).
	m := &weightMap{slots: make([]*Server, tot)}
	score := make([]int, len(servers))
	for o := range m.slots {
		best, bestV := -1, 0
		for i, s := range servers {
			if s.Weight == 0 {
				continue
			}
			score[i] += s.Weight / g
			if v := (score[i] + tot) / tot; best < 0 || v > bestV {
				best, bestV = i, v
			}
		}
		m.slots[o] = servers[best].Server
		score[best] -= tot
	}
	return m
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (m *weightMap) lookup(h uint32) *Server {
	if len(m.slots) == 0 {
		return nil
	}
	return m.slots[h%uint32(len(m.slots))]
}

// next returns the slots in order, starting with the first: haproxy's
// map_get_server_rr() without maxconn.
func (m *weightMap) next() *Server {
	if len(m.slots) == 0 {
		return nil
	}
	return m.slots[(m.rr.Add(1)-1)%uint64(len(m.slots))]
}
