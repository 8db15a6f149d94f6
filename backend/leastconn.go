package backend

import (
	"net/netip"
	"sync/atomic"

	"switchyard/sample"
)

// leastConn is `balance leastconn`: the server with the lowest load, where
// load is haproxy's fwlc key, (Cur+1)*4096/eweight, and 0 for an idle
// server whatever its weight (so idle servers are all used before weights
// matter). Among servers of equal load the one picked longest ago wins,
// which gives the round robin haproxy gets from requeueing a server behind
// its equals each time its load changes.
//
// Pick scans all servers without a lock: O(n) atomic loads, cheap for the
// usual backend sizes. Two concurrent picks may choose the same server
// before either is counted in Cur; haproxy has the same window.
type leastConn struct {
	srvs []*Server
	ew   []uint64        // effective weights, weight*16
	last []atomic.Uint64 // value of seq when the server was last picked
	seq  atomic.Uint64
}

func newLeastConn(usable []Member) *leastConn {
	b := &leastConn{
		srvs: make([]*Server, len(usable)),
		ew:   make([]uint64, len(usable)),
		last: make([]atomic.Uint64, len(usable)),
	}
	for i, s := range usable {
		b.srvs[i] = s.Server
		b.ew[i] = uint64(s.ew())
		// Declaration order breaks the first ties, as in haproxy's tree.
		b.last[i].Store(uint64(i))
	}
	b.seq.Store(uint64(len(usable)))
	return b
}

func (b *leastConn) Pick(sample.Request, netip.Addr) *Server {
	best := -1
	var bestKey, bestLast uint64
	for i, s := range b.srvs {
		var key uint64
		if cur := s.Cur.Load(); cur > 0 {
			key = uint64(cur+1) * ewghtRange / b.ew[i]
		}
		last := b.last[i].Load()
		if best < 0 || key < bestKey || key == bestKey && last < bestLast {
			best, bestKey, bestLast = i, key, last
		}
	}
	if best < 0 {
		return nil
	}
	b.last[best].Store(b.seq.Add(1))
	return b.srvs[best]
}
