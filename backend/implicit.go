package backend

// A backend that does not load-balance (no `balance`, and a `dispatch`
// address or `option transparent`) sends every request that persistence
// does not bind to one of its servers to a single destination: the dispatch
// address, or the address the client connected to. haproxy targets the
// proxy itself then, not a server. Here the backend owns an implicit
// server for it, so that the data plane assigns, dials, counts and
// releases it as any other, while everything that shows servers leaves it
// out: it is not in Servers() (no stats line, no `show servers`, no
// checks), its name is empty (the logs' <NOSRV>), and the balancer never
// sees it, so it takes no part in queues or connection limits. As in
// haproxy, such a backend has no weights: its total weight and its
// servers' effective weights read 0 (so the stats show it DOWN when it
// has servers, UP when it has none).

// implicitSettings are the settings of a backend's implicit server, or nil
// when the backend balances.
func implicitSettings(set *BackendSettings) *ServerSettings {
	if set.Dispatch == "" && !set.Transparent {
		return nil
	}
	return &ServerSettings{
		Addr:        set.Dispatch,
		Transparent: set.Dispatch == "", // dispatch wins, as in haproxy
		// Usable, so that a retry does not count it as down; it is
		// in no balancer, which is what the weight is for.
		Weight: 1,
		// Its connections are never shared: haproxy makes those of a
		// target that is not a server private to their session. An
		// empty pool settings value keeps nothing idle, should one be
		// offered.
		Pool: PoolSettings{},
	}
}

// stageImplicit returns the implicit server the staged settings need: the
// running one when its destination is unchanged (a reload keeps it), a new
// one otherwise, nil when the backend balances.
func (g *Stage) stageImplicit(b *Backend, set *BackendSettings) *Server {
	want := implicitSettings(set)
	if want == nil {
		return nil
	}
	if old := b.implicit.Load(); old != nil {
		if cur := old.Settings(); cur.Addr == want.Addr && cur.Transparent == want.Transparent {
			return old
		}
	}
	s := newServer(b, g.r.pools, want)
	s.implicit = true
	return s
}

// Implicit returns the backend's implicit server, which takes the requests
// that no persistence binds to a server when the backend does not balance;
// nil when it balances.
func (b *Backend) Implicit() *Server { return b.implicit.Load() }

// Implicit says whether s is a backend's implicit server (a dispatch
// address or a transparent destination) rather than a configured one:
// what reports servers by name (logs, fetches, stats) treats it as none.
func (s *Server) Implicit() bool { return s.implicit }
