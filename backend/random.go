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
	best := -1
	for range b.draws {
		i := b.ring.pick(rand.Uint32())
		if i < 0 {
			return nil
		}
		// Keep the previous choice if it is less loaded per unit of
		// weight: Cur/Weight compared by cross-multiplying.
		if best >= 0 {
			s, bs := b.ring.srvs[i], b.ring.srvs[best]
			if s != bs && s.Cur.Load()*int64(b.ring.weights[best]) > bs.Cur.Load()*int64(b.ring.weights[i]) {
				i = best
			}
		}
		best = i
	}
	return b.ring.srvs[best]
}
