package backend

import (
	"net/netip"
	"sync"

	"switchyard/sample"
)

// roundRobin is `balance roundrobin`, a replica of haproxy's fast weighted
// round robin (lb_fwrr.c), so that the order in which servers are picked is
// haproxy's: heavy servers first, light ones interleaved where their turn
// falls, and, when a server leaves, returns or changes weight at run time,
// the same adjustment of the cycle in progress (update).
//
// Active and backup servers are two groups, each with its own cycle. In a
// group, every server has a next position npos on a line that advances by
// one per pick. Servers wait in "curr" sorted by npos; after a pick a server
// moves forward by nextWeight/eweight (with the remainder carried in
// rweight), remembering where it was in lpos. A server whose next position
// falls past the current window waits in "next" until the window ends; then
// "next" becomes "init", from which servers re-enter, heaviest first,
// whenever curr has nobody due.
//
// The weights of a window (currWeight) are those when it started: a
// change counts in nextWeight at once, and in the window only from the
// next one, as in haproxy.
//
// haproxy also updates this state under a lock; a pick is a few heap
// operations on a slice of servers.
type roundRobin struct {
	mu       sync.Mutex
	act, bck rrGroup
	srvs     []*rrServer // every server, usable or not, in declaration order
	nAct     int         // usable active servers
	nBck     int         // usable backup servers
	// fbck is the first usable backup server, which takes all the
	// traffic when no active server is usable, unless allBackups.
	fbck       *rrServer
	allBackups bool
}

// rrGroup is the round robin of the active or of the backup servers.
type rrGroup struct {
	curr       rrQueue
	init, next *rrQueue
	spare      [2]rrQueue // storage behind init and next
	// currWeight is the sum of the weights at the start of the window,
	// nextWeight the sum now; currPos the current position.
	currWeight, nextWeight, currPos uint32
}

type rrServer struct {
	srv     *Server
	backup  bool
	ew      uint32   // effective weight (weight*16), 0 while not usable
	tree    *rrQueue // where the server waits, nil while not usable
	npos    uint32   // position at which the server is due again
	lpos    uint32   // position at which it was last picked
	rweight uint32   // remainder of nextWeight/ew carried to the next move
}

// rrWeight is the effective weight roundrobin sees for m: a backup server
// set aside while active servers (or the first backup) take the traffic
// keeps its place in the backup group, as in haproxy.
func rrWeight(m Member) uint32 {
	if m.Weight > 0 {
		return uint32(m.ew())
	}
	return uint32(m.Held)
}

func isBackup(m Member) bool {
	if m.Server == nil {
		return false
	}
	set := m.Settings()
	return set != nil && set.Backup
}

func newRoundRobin(servers []Member) *roundRobin {
	b := &roundRobin{}
	for _, g := range []*rrGroup{&b.act, &b.bck} {
		g.init, g.next = &g.spare[0], &g.spare[1]
	}
	for _, m := range servers {
		s := &rrServer{srv: m.Server, backup: isBackup(m), ew: rrWeight(m)}
		b.srvs = append(b.srvs, s)
		if s.ew == 0 {
			continue
		}
		g := b.group(s)
		g.nextWeight += s.ew
		g.init.pushWeight(s)
		b.count(s, 1)
	}
	for _, g := range []*rrGroup{&b.act, &b.bck} {
		g.currPos, g.currWeight = g.nextWeight, g.nextWeight
	}
	b.allBackups = allBackups(servers)
	b.setFirstBackup()
	return b
}

// allBackups says whether the servers' backend has `option allbackups`.
func allBackups(servers []Member) bool {
	for _, m := range servers {
		if m.Server != nil && m.be != nil {
			set := m.be.set()
			return set != nil && set.AllBackups
		}
	}
	return false
}

func (b *roundRobin) group(s *rrServer) *rrGroup {
	if s.backup {
		return &b.bck
	}
	return &b.act
}

func (b *roundRobin) count(s *rrServer, d int) {
	if s.backup {
		b.nBck += d
	} else {
		b.nAct += d
	}
}

func (b *roundRobin) setFirstBackup() {
	b.fbck = nil
	if b.allBackups {
		return
	}
	for _, s := range b.srvs {
		if s.backup && s.ew > 0 {
			b.fbck = s
			return
		}
	}
}

func (b *roundRobin) Pick(sample.Request, netip.Addr) *Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	var g *rrGroup
	switch {
	case b.nAct > 0:
		g = &b.act
	case b.fbck != nil:
		return b.fbck.srv
	case b.nBck > 0:
		g = &b.bck
	default:
		return nil
	}
	if g.currWeight == 0 {
		// The group was empty: take the weights there are now.
		g.currPos, g.currWeight = g.nextWeight, g.nextWeight
	}
	s := g.due()
	if s == nil {
		// The window is over: servers put aside in "next" start again.
		g.init, g.next = g.next, g.init
		g.currWeight = g.nextWeight
		g.currPos = g.currWeight
		if s = g.due(); s == nil {
			return nil
		}
	}
	g.advance(s)
	s.tree.pop()
	s.tree = nil
	g.currPos++
	g.requeue(s)
	return s.srv
}

// due returns the server to pick, at the head of its queue: the first of
// curr if its turn has come, else the heaviest server waiting in init
// (which restarts from the current position), else the first of curr
// anyway.
func (g *rrGroup) due() *rrServer {
	s1, ok := g.curr.peek()
	if ok && s1.npos <= g.currPos {
		return s1
	}
	if s2, ok := g.init.peek(); ok {
		s2.npos, s2.rweight = 0, 0
		return s2
	}
	return s1
}

// advance moves s to the position of its next turn.
func (g *rrGroup) advance(s *rrServer) {
	if s.npos == 0 {
		s.npos = g.currPos
	}
	s.lpos = s.npos
	s.npos += g.nextWeight / s.ew
	s.rweight += g.nextWeight % s.ew
	if s.rweight >= s.ew {
		s.rweight -= s.ew
		s.npos++
	}
}

// requeue puts s back: in curr keyed by its position (and, among equal
// positions, heavier and less-advanced servers first), or in next if its
// turn falls beyond the current window or the next one's size.
func (g *rrGroup) requeue(s *rrServer) {
	if s.npos >= 2*g.currWeight || s.npos >= g.currWeight+g.nextWeight {
		s.npos -= g.currWeight
		g.next.pushWeight(s)
		return
	}
	g.curr.push(s, maxWeight*s.npos+(ewghtRange+s.rweight-s.ew)/weightScale)
}

// update applies a change of the servers' states or weights to the cycle in
// progress, server by server in declaration order, as haproxy does when
// each changes: a server that leaves is taken out of its queue and its
// weight out of the group's; one that returns is placed from the current
// position by the weights of the group; one whose weight changes is placed
// again from where it was last picked. Servers keep their positions while
// out. Servers added since are taken as returning, servers gone as leaving.
func (b *roundRobin) update(servers []Member) {
	b.mu.Lock()
	defer b.mu.Unlock()
	known := make(map[*Server]*rrServer, len(b.srvs))
	for _, s := range b.srvs {
		known[s.srv] = s
	}
	srvs := make([]*rrServer, len(servers))
	for i, m := range servers {
		s := known[m.Server]
		if s == nil {
			s = &rrServer{srv: m.Server, backup: isBackup(m)}
		}
		delete(known, m.Server)
		srvs[i] = s
	}
	for _, s := range b.srvs {
		if known[s.srv] == s && s.ew > 0 {
			b.setWeight(s, 0)
		}
	}
	b.srvs = srvs
	for i, m := range servers {
		b.setWeight(srvs[i], rrWeight(m))
	}
	// A reload may have changed the option while the servers stayed.
	b.allBackups = allBackups(servers)
	b.setFirstBackup()
}

// setWeight changes the effective weight of s to ew (0: not usable).
func (b *roundRobin) setWeight(s *rrServer, ew uint32) {
	if ew == s.ew {
		return
	}
	g := b.group(s)
	switch {
	case s.ew == 0: // returns
		g.nextWeight += ew
		b.count(s, 1)
		s.ew = ew
		s.npos = g.currPos + (g.nextWeight+g.currWeight-g.currPos)/ew
		g.requeue(s)
	case ew == 0: // leaves
		g.nextWeight -= s.ew
		b.count(s, -1)
		s.tree.remove(s)
		s.tree, s.ew = nil, 0
	case s.tree == g.init: // waits for the next window: only its rank changes
		g.nextWeight = g.nextWeight - s.ew + ew
		s.tree.remove(s)
		s.ew = ew
		g.init.pushWeight(s)
	default: // placed again from where it was last picked
		g.nextWeight = g.nextWeight - s.ew + ew
		if s.tree == g.next {
			s.npos += g.currWeight
		}
		step := g.nextWeight / ew
		prev := s.npos
		s.npos, s.rweight = s.lpos+step, 0
		s.npos = min(s.npos, prev)
		if s.npos < g.currPos+2 {
			s.npos = g.currPos + step
		}
		s.tree.remove(s)
		s.ew = ew
		g.requeue(s)
	}
}
