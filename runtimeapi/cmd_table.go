package runtimeapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"switchyard/admin"
	"switchyard/stick"
)

// The stick table commands, stick_table.c's: show, clear and set table
// share one parser and one walk, as in haproxy, which is why `set table
// <t>` without a key empties the table like `clear table <t>` (haproxy
// 2.6 does so).
//
// Levels are haproxy's with one exception. A command naming a key needs
// the operator level (checked once the key is read, so that a wrong key
// is told first). The dump of a table's entries, and the walk that
// clears them, look at the level of the socket, not of the session
// (`user` does not hide them); haproxy 2.6 checks no other level before
// that walk, so that `user; clear table t` on an admin socket empties t,
// while a user socket clears nothing and says nothing. haproxy fixed
// this as a security bug in 3.4 (commit d04a56e17, backported): here,
// clear and set need the operator level of the session before they walk
// the table, and answer "Permission denied" below it.

type tableAction uint8

const (
	tableClear tableAction = iota
	tableSet
	tableShow
)

// tableFilters is haproxy's STKTABLE_FILTER_LEN: the most data filters a
// command takes.
const tableFilters = 4

func init() {
	handlers["clear table"] = func(c *call) { cmdTable(c, tableClear) }
	handlers["set table"] = func(c *call) { cmdTable(c, tableSet) }
	handlers["show table"] = func(c *call) { cmdTable(c, tableShow) }
}

// tableFilter is one "data.<type> <op> <value>" of show or clear.
type tableFilter struct {
	dt    stick.DataType
	op    string // eq ne le ge lt gt
	value int64
}

func cmdTable(c *call, act tableAction) {
	snap := c.s.srv.surf.Runtime().Snapshot()
	if c.arg(2) == "" {
		if act != tableShow {
			tableArgsErr(c, act)
			return
		}
		for _, t := range snap.StickTables() {
			if t.Size() > 0 {
				c.text = t.AppendHead(c.text)
			}
		}
		return
	}
	t := snap.LookupStickTable(c.arg(2))
	if t == nil {
		c.err("No such table\n")
		return
	}
	var filters []tableFilter
	switch w := c.arg(3); {
	case w == "key":
		tableByKey(c, t, act)
		return
	case strings.HasPrefix(w, "data."):
		if act != tableShow && act != tableClear {
			c.err("content-based lookup is only supported with the \"show\" and \"clear\" actions\n")
			return
		}
		var ok bool
		if filters, ok = parseTableFilters(c, t); !ok {
			return
		}
	case w != "":
		tableArgsErr(c, act)
		return
	}
	if act != tableShow && !c.need(admin.Operator) {
		return
	}
	tableWalk(c, t, act, filters)
}

func tableArgsErr(c *call, act tableAction) {
	switch act {
	case tableShow:
		c.err("Optional argument only supports \"data.<store_data_type>\" <operator> <value> and key <key>\n")
	case tableClear:
		c.err("Required arguments: <table> \"data.<store_data_type>\" <operator> <value> or <table> key <key>\n")
	default:
		c.err("Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n")
	}
}

// parseTableFilters reads the filters from the fourth word on, with
// haproxy's messages.
func parseTableFilters(c *call, t *stick.Table) ([]tableFilter, bool) {
	var fs []tableFilter
	i := 0
	for ; i < tableFilters; i++ {
		at := 3 + 3*i
		if i > 0 && c.arg(at) == "" {
			break
		}
		// haproxy checks the "data." of the first filter only, and
		// skips five characters of the others whatever they are.
		dt, ok := stick.LookupDataType(skipWord(c.args, at, len("data.")))
		if !ok {
			c.err(fmt.Sprintf("Filter entry #%d: Unknown data type\n", i+1))
			return nil, false
		}
		if !t.Stores(dt) {
			c.err(fmt.Sprintf("Filter entry #%d: Data type not stored in this table\n", i+1))
			return nil, false
		}
		op := c.arg(at + 1)
		switch op {
		case "eq", "ne", "le", "ge", "lt", "gt":
		default:
			// "and" for "an" is haproxy's.
			c.err(fmt.Sprintf("Filter entry #%d: Require and operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"\n", i+1))
			return nil, false
		}
		v, ok := parseTableInt(c.arg(at + 2))
		if !ok {
			c.err(fmt.Sprintf("Filter entry #%d: Require a valid integer value to compare against\n", i+1))
			return nil, false
		}
		fs = append(fs, tableFilter{dt: dt, op: op, value: v})
	}
	if at := 3 + 3*i; c.arg(at) != "" {
		c.err(fmt.Sprintf("Detected extra data in filter, %dth word of input, after '%s'\n", at+1, c.arg(at-1)))
		return nil, false
	}
	return fs, true
}

// skipWord is the text haproxy reads n bytes into the at-th word: its
// words lie one after the other in its buffer, each ended by a NUL, so a
// shorter word lets it read into the next ones.
func skipWord(args []string, at, n int) string {
	w := arg(args, at)
	if len(w) >= n {
		return w[n:]
	}
	if at >= len(args) {
		return ""
	}
	rest := strings.Join(args[at:], "\x00") + "\x00"
	if len(rest) <= n {
		return ""
	}
	rest = rest[n:]
	if i := strings.IndexByte(rest, 0); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// parseTableInt reads a value as haproxy's strl2llrc: decimal digits
// after an optional '-' (no '+'), within 64 bits; a lone "-" is 0.
func parseTableInt(s string) (int64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if s == "" {
		return 0, false
	}
	if digits == "" {
		return 0, true
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// readFilterData is the value a filter compares: a counter's, a
// frequency counter's rate, the first element of an array; haproxy reads
// server_key as 0.
func readFilterData(e *stick.Entry, dt stick.DataType) int64 {
	if dt.Info().Std == stick.StdDict {
		return 0
	}
	v, _ := e.Read(dt, 0)
	return v
}

func (f *tableFilter) match(e *stick.Entry) bool {
	d := readFilterData(e, f.dt)
	switch f.op {
	case "eq":
		return d == f.value
	case "ne":
		return d != f.value
	case "le":
		return d <= f.value
	case "ge":
		return d >= f.value
	case "lt":
		return d < f.value
	}
	return d > f.value
}

// tableWalk is haproxy's walk of a table: show dumps the entries the
// filters accept, clear (and set without a key) removes them. Only a
// socket of the operator level or above sees or clears entries.
func tableWalk(c *call, t *stick.Table, act tableAction, filters []tableFilter) {
	if t.Size() == 0 {
		return
	}
	if act == tableShow {
		c.text = t.AppendHead(c.text)
		if c.s.sockLevel < admin.Operator {
			c.data([]byte("# contents not dumped due to insufficient privileges\n"))
		}
	}
	if c.s.sockLevel < admin.Operator {
		return
	}
	match := func(e *stick.Entry) bool {
		for i := range filters {
			if !filters[i].match(e) {
				return false
			}
		}
		return true
	}
	if act != tableShow {
		t.ClearCLI(match)
		return
	}
	now := stick.NowMs()
	for _, e := range t.Entries() {
		if match(e) {
			c.text = e.AppendShow(c.text, now, 0)
			if !spillDump(c) {
				return
			}
		}
	}
}

// dumpChunk is how much of a dump is held before it is written: a table
// of a million entries is hundreds of megabytes of text, which haproxy
// writes as it walks its tree, and so does this.
const dumpChunk = 64 << 10

// spillDump writes a dump's text so far once it is large (a dump has no
// severity prefix, so its pieces may go one after the other); it returns
// false when the client is gone.
func spillDump(c *call) bool {
	if len(c.text) < dumpChunk {
		return true
	}
	c.s.out = append(c.s.out, c.text...)
	c.text = c.text[:0]
	return c.s.flush()
}

// tableByKey is show, clear or set of the entry "key <k>" names.
func tableByKey(c *call, t *stick.Table, act tableAction) {
	if c.arg(4) == "" {
		c.err("Key value expected\n")
		return
	}
	key, err := t.Spec().ParseCLIKey(c.arg(4))
	if errors.Is(err, stick.ErrCLIKeyType) {
		switch act {
		case tableShow:
			c.err("Showing keys from tables of type other than ip, ipv6, string and integer is not supported\n")
		case tableClear:
			c.err("Removing keys from tables of type other than ip, ipv6, string and integer is not supported\n")
		default:
			c.err("Inserting keys into tables of type other than ip, ipv6, string and integer is not supported\n")
		}
		return
	}
	if err != nil {
		c.err("Invalid key\n")
		return
	}
	if !c.need(admin.Operator) {
		return
	}
	switch act {
	case tableShow:
		e := t.Lookup(key)
		if e == nil {
			return
		}
		c.text = t.AppendHead(c.text)
		c.text = e.AppendShow(c.text, stick.NowMs(), 0)
	case tableClear:
		if t.Lookup(key) != nil && !t.Delete(key) {
			c.err("Entry currently in use, cannot remove\n")
		}
	case tableSet:
		e := t.Peek(key)
		if e == nil {
			c.err("Unable to allocate a new entry\n")
			return
		}
		// Each value is stored as it is read: one found wrong stops the
		// command, the ones before it stay, and the entry is touched
		// either way.
		defer e.Touch()
		for at := 5; c.arg(at) != ""; at += 2 {
			name, ok := strings.CutPrefix(c.arg(at), "data.")
			if !ok {
				c.err("\"data.<type>\" followed by a value expected\n")
				return
			}
			dt, ok := stick.LookupDataType(name)
			if !ok {
				c.err("Unknown data type\n")
				return
			}
			if !t.Stores(dt) {
				c.err("Data type not stored in this table\n")
				return
			}
			v, ok := parseTableInt(c.arg(at + 1))
			if !ok {
				c.err("Require a valid integer value to store\n")
				return
			}
			// server_key holds a name: haproxy's set table leaves it.
			// The values are stored without touching the entry: the
			// deferred Touch does it once for the command, as haproxy's
			// one stktable_touch_local (peers see one update).
			if dt.Info().Std != stick.StdDict {
				e.SetLearned(dt, 0, v)
			}
		}
	}
}
