package backend

import (
	"net/netip"

	"switchyard/sample"
)

// first is `balance first`: haproxy gives each request to the server with
// the lowest id that still has a free connection slot (below its
// `maxconn`). A server without maxconn always has a free slot, and Server
// has no maxconn yet, so until it does every request goes to the usable
// server with the lowest id, which is also what haproxy does when no
// server sets maxconn.
type first struct{ srv *Server }

func newFirst(usable []Member) first {
	var f first
	id := 0
	for _, s := range usable {
		if f.srv == nil || s.ID < id {
			f.srv, id = s.Server, s.ID
		}
	}
	return f
}

func (f first) Pick(sample.Request, netip.Addr) *Server { return f.srv }
