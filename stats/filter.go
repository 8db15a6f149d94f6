package stats

import (
	"strconv"
	"strings"
)

// Field accessors for the renderers: a field read as a number or a string
// whatever its kind, zero or "" when empty or of the other kind, which is
// what haproxy's renderers read from an unset field.

func (r *Row) num(i Stat) uint64 { return fieldNum(&r.Fields[i]) }

func fieldNum(f *Field) uint64 {
	switch f.Kind {
	case U32:
		return uint64(uint32(f.U))
	case U64:
		return f.U
	case S32, S64:
		return uint64(f.S)
	case Flt:
		if f.F > 0 {
			return uint64(f.F)
		}
	}
	return 0
}

// num32 reads a field as haproxy's u32 members do, so that unsigned
// comparisons come out as its do.
func (r *Row) num32(i Stat) uint32 { return uint32(r.num(i)) }

func (r *Row) str(i Stat) string {
	if r.Fields[i].Kind == Str {
		return r.Fields[i].Str
	}
	return ""
}

func (r *Row) has(i Stat) bool { return r.Fields[i].Kind != Empty }

// Server states as their status field tells them.

func srvMaint(status string) bool { return strings.HasPrefix(status, "MAINT") }

// srvStopped is haproxy's cur_state == SRV_ST_STOPPED: DOWN in any form,
// or in maintenance.
func srvStopped(status string) bool {
	return strings.HasPrefix(status, "DOWN") || srvMaint(status)
}

// srvHiddenByUp is what ";up" hides: servers in maintenance and servers
// down for good, but not those DOWN on their way up ("DOWN 1/2").
func srvHiddenByUp(status string) bool {
	return srvMaint(status) || status == "DOWN" || status == "DOWN (agent)"
}

// FilterRows applies the URI's options to rows, as haproxy's HTTP stats
// do for every format: the scope keeps the proxies whose name contains it,
// ";up" and ";no-maint" hide servers, and with either of these two a
// backend's status tells how many of its servers are up, "UP (2/3)"
// (counting all of them, hidden or not). rows is left as it is; the
// result shares no Row with it.
func FilterRows(rows []Row, o URIOptions) []Row {
	type count struct{ up, all int }
	var counts map[int]*count
	hideSrv := o.UpOnly || o.NoMaint
	if hideSrv {
		counts = map[int]*count{}
		for i := range rows {
			if rows[i].Type != TypeServer {
				continue
			}
			c := counts[rows[i].IID]
			if c == nil {
				c = &count{}
				counts[rows[i].IID] = c
			}
			c.all++
			if !srvStopped(rows[i].str(FStatus)) {
				c.up++
			}
		}
	}
	out := make([]Row, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if !ScopeMatch(r.str(FPxname), o.Scope) {
			continue
		}
		if r.Type == TypeServer {
			st := r.str(FStatus)
			if o.UpOnly && srvHiddenByUp(st) || o.NoMaint && srvMaint(st) {
				continue
			}
		}
		out = append(out, *r)
		if hideSrv && r.Type == TypeBackend && r.Fields[FStatus].Kind == Str {
			c := counts[r.IID]
			if c == nil {
				c = &count{}
			}
			f := &out[len(out)-1].Fields[FStatus]
			f.Str += " (" + strconv.Itoa(c.up) + "/" + strconv.Itoa(c.all) + ")"
		}
	}
	return out
}
