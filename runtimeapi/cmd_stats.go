package runtimeapi

import (
	"strconv"
	"strings"

	"switchyard/admin"
	"switchyard/stats"
)

// show info and show stat (stats.c's), rendered by package stats from the
// admin surface's rows.

// statFormat is the output format a show command asks for.
type statFormat uint8

const (
	fmtCSV statFormat = iota
	fmtTyped
	fmtJSON
)

// cmdShowInfo is `show info [typed|json] [desc] [float]`, at any level.
// desc and float change nothing yet: the renderers print haproxy's
// default layout.
func cmdShowInfo(c *call) {
	f := fmtCSV
	for _, a := range c.args[2:] {
		switch a {
		case "typed":
			f = fmtTyped
		case "json":
			f = fmtJSON
		}
	}
	info := c.s.srv.surf.Info()
	switch f {
	case fmtTyped:
		c.text = stats.AppendInfoTyped(c.text, &info)
	case fmtJSON:
		c.text = stats.AppendInfoJSON(c.text, &info)
	default:
		c.text = stats.AppendInfo(c.text, &info)
	}
}

// cmdShowStat is `show stat [domain proxy] [<iid> <type> <sid>]
// [typed|json|desc|no-maint|up]`, at any level. The proxy may be named
// instead of its id; a type of -1 means every type (else a mask of 1:
// frontends, 2: backends, 4: servers).
func cmdShowStat(c *call) {
	args := c.args[2:]
	if arg(args, 0) == "domain" {
		switch arg(args, 1) {
		case "proxy":
			args = args[2:]
		case "resolvers":
			// switchyard has no resolvers sections: nothing to show.
			return
		default:
			c.err("Invalid statistics domain.\n")
			return
		}
	}
	filter := admin.AllStats
	// The addresses, cookies and algorithms are shown on sockets of
	// level operator and admin only, whatever the session's level now.
	filter.Legends = c.s.sockLevel >= admin.Operator
	if arg(args, 0) != "" && arg(args, 1) != "" && arg(args, 2) != "" {
		iid, ok := c.proxyID(args[0])
		if !ok {
			iid = atoi(args[0])
		}
		if iid == 0 {
			c.err("No such proxy.\n")
			return
		}
		filter.IID, filter.SID = iid, atoi(args[2])
		if t := atoi(args[1]); t != -1 {
			filter.Types = typeMask(t)
		}
		args = args[3:]
	}
	f, hideDown := fmtCSV, false
	for _, a := range args {
		switch a {
		case "typed":
			f = fmtTyped
		case "json":
			f = fmtJSON
		case "no-maint":
			filter.NoMaint = true
		case "up":
			hideDown = true
		}
	}
	rows := c.s.srv.surf.Stats(filter)
	if hideDown {
		rows = onlyUp(rows)
	}
	switch f {
	case fmtTyped:
		c.text = stats.AppendTyped(c.text, rows)
	case fmtJSON:
		c.text = stats.AppendJSON(c.text, rows)
	default:
		c.text = stats.AppendCSV(c.text, rows)
	}
}

// typeMask reads haproxy's type mask (1: frontends, 2: backends, 4:
// servers, 8: listeners): bit i is type i, as the filter's.
func typeMask(t int) uint8 { return uint8(t & 0xf) }

// onlyUp leaves out the servers `show stat up` hides: in maintenance, or
// down.
func onlyUp(rows []stats.Row) []stats.Row {
	out := rows[:0:0]
	for _, r := range rows {
		if r.Type == stats.TypeServer {
			st := r.Fields[stats.FStatus].Str
			if strings.HasPrefix(st, "MAINT") || strings.HasPrefix(st, "DOWN") {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// atoi reads a leading decimal integer as C's atoi: 0 when there is none.
func atoi(s string) int {
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}
