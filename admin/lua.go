package admin

import "switchyard/stats"

// ListenerStats is the `show stat` row of a frontend's listener, luid
// being its bind's rank (from 1), for Lua's Listener:get_stats(). As in
// haproxy, a listener has no row (no counters) unless its frontend has
// option socket-stats.
func (a *Surface) ListenerStats(frontend string, luid int) (stats.Row, bool) {
	snap := a.rt.Snapshot()
	if snap == nil {
		return stats.Row{}, false
	}
	fe := snap.Frontend(frontend)
	if fe == nil {
		return stats.Row{}, false
	}
	px := fe.Config()
	if luid < 1 || luid > len(px.Binds) || !px.SocketStats {
		return stats.Row{}, false
	}
	return listenerRow(fe, px.Binds[luid-1], luid, true), true
}
