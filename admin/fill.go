package admin

import "switchyard/stats"

// info fills the `show info` fields from the process's state.
func (a *Surface) info() stats.InfoRow {
	var r stats.InfoRow
	r[stats.IName] = stats.MkStr("PNS", "Switchyard")
	return r
}

// stats fills the rows of `show stat`.
func (a *Surface) stats(f StatFilter) []stats.Row { return nil }
