package backend

import (
	"net/netip"
	"slices"

	"switchyard/sample"
)

// first is `balance first`: the usable server with the lowest id that has
// a free connection slot, so that servers fill up one after the other and
// the last ones can be turned off when idle. A server without maxconn is
// never full, so it takes everything once reached.
type first struct{ srvs []*Server } // by id

func newFirst(usable []Member) first {
	ms := slices.Clone(usable)
	slices.SortFunc(ms, func(a, b Member) int { return a.ID - b.ID })
	f := first{srvs: make([]*Server, len(ms))}
	for i, m := range ms {
		f.srvs[i] = m.Server
	}
	return f
}

func (f first) Pick(sample.Request, netip.Addr) *Server {
	for _, s := range f.srvs {
		if max, _ := s.Limits(); max == 0 || s.Cur.Load() < int64(s.Throttle(max)) {
			return s
		}
	}
	return nil // all full: the request waits in the backend's queue
}
