package proxy

import "switchyard/stick"

// StickTables returns the configuration's stick tables in the order
// haproxy 2.6 lists them (show table, the exporter): it pushes each table
// on the front of its list as it parses it, so the last declared comes
// first.
func (s *Snapshot) StickTables() []*stick.Table {
	out := make([]*stick.Table, len(s.tableList))
	for i, t := range s.tableList {
		out[len(out)-1-i] = t
	}
	return out
}

// LookupStickTable returns the stick table configurations name so (a
// proxy's name, or peers/table), or nil.
func (s *Snapshot) LookupStickTable(name string) *stick.Table { return s.tables[name] }
