package backend

import (
	"net/netip"
	"sync"

	"switchyard/sample"
)

// roundRobin is `balance roundrobin`, a replica of haproxy's fast weighted
// round robin (lb_fwrr.c) for a fixed set of weights, so that the order in
// which servers are picked is haproxy's: heavy servers first, light ones
// interleaved where their turn falls.
//
// Every server has a next position npos on a line that advances by one per
// pick. Servers wait in "curr" sorted by npos; after a pick a server moves
// forward by tot/eweight (with the remainder carried in rweight). A server
// whose next position falls past the current window of tot picks waits in
// "next" until the window ends; then "next" becomes "init", from which
// servers re-enter, heaviest first, whenever curr has nobody due.
//
// haproxy also updates this state under a lock; a pick is a few heap
// operations on a slice of servers.
type roundRobin struct {
	mu         sync.Mutex
	curr       rrQueue
	init, next *rrQueue
	spare      [2]rrQueue // storage behind init and next
	tot        uint32     // sum of effective weights
	pos        uint32     // current position (curr_pos)
}

type rrServer struct {
	srv     *Server
	ew      uint32 // effective weight, weight*16
	npos    uint32 // position at which the server is due again
	rweight uint32 // remainder of tot/ew carried to the next move
}

func newRoundRobin(usable []Member) *roundRobin {
	b := &roundRobin{}
	b.init, b.next = &b.spare[0], &b.spare[1]
	for _, s := range usable {
		rs := &rrServer{srv: s.Server, ew: uint32(s.ew())}
		b.tot += rs.ew
		b.init.push(rs, ewghtRange-rs.ew)
	}
	b.pos = b.tot
	return b
}

func (b *roundRobin) Pick(sample.Request, netip.Addr) *Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, from := b.due()
	if s == nil {
		// The window is over: servers put aside in "next" start again.
		b.init, b.next = b.next, b.init
		b.pos = b.tot
		if s, from = b.due(); s == nil {
			return nil // no server at all
		}
	}
	b.advance(s)
	from.pop()
	b.pos++
	b.requeue(s)
	return s.srv
}

// due returns the server to pick and the queue it heads: the first of curr
// if its turn has come, else the heaviest server waiting in init (which
// restarts from the current position), else the first of curr anyway.
func (b *roundRobin) due() (*rrServer, *rrQueue) {
	s1, ok := b.curr.peek()
	if ok && s1.npos <= b.pos {
		return s1, &b.curr
	}
	if s2, ok := b.init.peek(); ok {
		s2.npos, s2.rweight = 0, 0
		return s2, b.init
	}
	return s1, &b.curr
}

// advance moves s to the position of its next turn.
func (b *roundRobin) advance(s *rrServer) {
	if s.npos == 0 {
		s.npos = b.pos
	}
	s.npos += b.tot / s.ew
	s.rweight += b.tot % s.ew
	if s.rweight >= s.ew {
		s.rweight -= s.ew
		s.npos++
	}
}

// requeue puts s back: in curr keyed by its position (and, among equal
// positions, heavier and less-advanced servers first), or in next if its
// turn falls beyond the current window.
func (b *roundRobin) requeue(s *rrServer) {
	if s.npos >= 2*b.tot {
		s.npos -= b.tot
		b.next.push(s, ewghtRange-s.ew)
		return
	}
	b.curr.push(s, maxWeight*s.npos+(ewghtRange+s.rweight-s.ew)/weightScale)
}
