package backend

import (
	"fmt"
	"net/netip"

	"switchyard/sample"
)

// Balancer chooses a server for each request of a backend.
//
// A Balancer is built for a fixed set of servers and weights. When a server
// goes down or up, or its weight changes, build a new one with the usable
// servers and swap it in (an atomic pointer): construction is cheap and the
// hashing balancers are pure functions of the set, so the result is the
// same as haproxy's incremental update. roundrobin, whose order depends on
// where its cycle was, is instead updated in place by the registry (see
// roundRobin.update); only the fallback cursors restart.
type Balancer interface {
	// Pick returns the server for a request, or nil when no server is
	// usable (all weights 0). r is nil in TCP mode; the HTTP hashing
	// algorithms then fall back to round robin, as haproxy does. src is
	// the client address as the listening socket reports it: a 4-byte
	// address for an IPv4 socket, IPv4-mapped for IPv4 clients of a
	// dual-stack IPv6 socket (haproxy hashes the two differently).
	// Pick is safe for concurrent use.
	Pick(r sample.Request, src netip.Addr) *Server
}

// Member is a server as a balancer sees it: its state, and the ID and
// weight the balancer was built with (the weight in force, which health,
// admin state and slowstart make differ from the configured one).
type Member struct {
	*Server
	ID     int
	Weight int
	// EW is the effective weight in sixteenths (haproxy's eweight), finer
	// than Weight during a slowstart; 0 means Weight×16.
	EW int
	// Held is the effective weight, in sixteenths, of a usable backup
	// server that gets no traffic because an active server (or, without
	// `option allbackups`, the first backup) takes it; 0 otherwise.
	// roundrobin keeps such a server's place in the backup servers'
	// cycle, as haproxy does.
	Held int
}

// ew is the member's effective weight in sixteenths.
func (m Member) ew() int {
	if m.EW > 0 {
		return m.EW
	}
	return m.Weight * weightScale
}

// configured is the member's configured weight (the weight map's divisor is
// computed over those), or its weight if it has no settings.
func (m Member) configured() int {
	if m.Server != nil {
		if set := m.Settings(); set != nil {
			return set.Weight
		}
	}
	return m.Weight
}

// NewBalancer builds the balancer of algorithm a over servers, in
// declaration order. Servers of weight 0 are never picked. Server IDs must
// be set (see AssignIDs): consistent hashing and `first` depend on them.
func NewBalancer(a Algorithm, servers []Member) (Balancer, error) {
	if err := checkServers(servers); err != nil {
		return nil, err
	}
	usable := make([]Member, 0, len(servers))
	for _, s := range servers {
		if s.Weight > 0 {
			usable = append(usable, s)
		}
	}
	switch a.Kind {
	case RoundRobin:
		return newRoundRobin(servers), nil
	case StaticRR:
		return staticRR{newWeightMap(servers)}, nil
	case LeastConn:
		return newLeastConn(usable), nil
	case First:
		return newFirst(usable), nil
	case Random:
		if a.Draws < 1 {
			return nil, fmt.Errorf("random: number of draws must be at least 1 (got %d)", a.Draws)
		}
		return &random{newBoundedRing(a, servers, usable), a.Draws}, nil
	case Source, URI, URLParam, Header, Hash, RDPCookie:
		return newHashed(a, servers, usable)
	}
	return nil, fmt.Errorf("unknown balance algorithm %v", a.Kind)
}

func checkServers(servers []Member) error {
	seen := make(map[int]string, len(servers))
	for _, s := range servers {
		if s.Weight < 0 || s.Weight > maxWeight {
			return fmt.Errorf("server %s: weight %d out of range 0..%d", s.Name, s.Weight, maxWeight)
		}
		if s.ID <= 0 {
			return fmt.Errorf("server %s: id %d must be positive", s.Name, s.ID)
		}
		if other, dup := seen[s.ID]; dup {
			return fmt.Errorf("server %s: id %d already used by server %s", s.Name, s.ID, other)
		}
		seen[s.ID] = s.Name
	}
	return nil
}

// staticRR is `balance static-rr`: the weighted map walked in order.
type staticRR struct{ m *weightMap }

func (b staticRR) Pick(sample.Request, netip.Addr) *Server { return b.m.next() }
