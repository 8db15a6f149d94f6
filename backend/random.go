package backend

import (
	"math/rand/v2"
	"net/netip"

	"switchyard/sample"
)

// random is `balance random(N)`: N random points on the consistent-hash
// ring (so each draw is weighted), keeping the least loaded of the servers
// drawn relative to their weights ("power of N choices"), as haproxy's
// get_server_rnd() does. math/rand/v2's top-level functions use a
// per-thread generator: no lock and no allocation.
type random struct {
	ring  *ring
	draws int
}

func (b *random) Pick(sample.Request, netip.Addr) *Server {
	var best *Server
	for range b.draws {
		s := b.ring.lookup(rand.Uint32())
		if s == nil {
			return nil
		}
		// Keep the previous choice if it is less loaded per unit of
		// weight: Cur/Weight compared by cross-multiplying.
		if best != nil && s != best && s.Cur.Load()*int64(best.Weight) > best.Cur.Load()*int64(s.Weight) {
			s = best
		}
		best = s
	}
	return best
}
