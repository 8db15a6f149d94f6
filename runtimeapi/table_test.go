package runtimeapi

import (
	"strings"
	"testing"

	"switchyard/admin"
)

// askTable is ask with the entries' addresses and exp= masked.
func askTable(t *testing.T, path, in string) string {
	t.Helper()
	s, _ := normTable(ask(t, path, in+"\n"))
	return s
}

// TestTableLevels: below operator, no entry is shown, set or cleared;
// the dump of a named table looks at the socket's level, the rest at the
// session's; clear and set answer "Permission denied" below operator
// where haproxy 2.6 says nothing (see cmd_table.go).
func TestTableLevels(t *testing.T) {
	e := newEnv(t, tableCfg)
	adm, op, usr := e.socket(admin.Admin), e.socket(admin.Operator), e.socket(admin.User)
	if got := ask(t, adm, "set table t_full key 7 data.gpc0 3\n"); got != "\n" {
		t.Fatalf("set table: %q", got)
	}
	head := "# table: t_full, type: integer, size:2, used:1\n"
	entry := "0xADDR: key=7 use=0 exp=EXP gpc0=3\n"
	denied := "Permission denied\n\n"
	cases := []struct {
		path, in, want string
	}{
		{usr, "show table t_full", head + "# contents not dumped due to insufficient privileges\n\n"},
		{usr, "show table t_full key 7", denied},
		{usr, "set table t_full key 8", denied},
		{usr, "clear table t_full key 7", denied},
		{usr, "clear table t_full", denied},
		{usr, "clear table t_full data.gpc0 gt 0", denied},
		{usr, "set table t_full", denied},
		{usr, "clear table nope", "No such table\n\n"},
		{usr, "set table t_bin key 00", "Inserting keys into tables of type other than ip, ipv6, string and integer is not supported\n\n"},
		{op, "show table t_full", head + entry + "\n"},
		{op, "show table t_full key 7", head + entry + "\n"},
		// The socket's level shows the entries, the session's guards
		// the changes.
		{adm, "user; show table t_full", "\n" + head + entry + "\n"},
		{adm, "user; show table t_full key 7", "\n" + denied},
		{adm, "user; clear table t_full", "\n" + denied},
		{adm, "user; set table t_full", "\n" + denied},
		{adm, "operator; show table t_full data.gpc0 eq 3", "\n" + head + entry + "\n"},
		{usr, "show table t_full", head + "# contents not dumped due to insufficient privileges\n\n"},
	}
	for _, tc := range cases {
		if got := askTable(t, tc.path, tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := askTable(t, usr, "show table"); !strings.Contains(got, head) {
		t.Errorf("show table at user level: %q", got)
	}
	if got := askTable(t, op, "clear table t_full; show table t_full"); got != "\n"+strings.Replace(head, "used:1", "used:0", 1)+"\n" {
		t.Errorf("clear table at operator level: %q", got)
	}
}

// TestTableTracked: an entry something tracks stays through clear, and
// haproxy 2.6's walk also spares the entry before it; show counts only
// the trackers in use=.
func TestTableTracked(t *testing.T) {
	e := newEnv(t, tableCfg)
	adm := e.socket(admin.Admin)
	for _, k := range []string{"1", "2", "3", "4"} {
		ask(t, adm, "set table t_lru key "+k+"\n")
	}
	ask(t, adm, "set table t_ip key 10.0.0.1\n")
	tb := e.rt.Snapshot().LookupStickTable("t_ip")
	key, _ := tb.Spec().ParseCLIKey("10.0.0.1")
	en := tb.Get(key)
	defer en.Release()
	if got := askTable(t, adm, "show table t_ip key 10.0.0.1"); !strings.Contains(got, " use=1 ") {
		t.Errorf("tracked entry: %q", got)
	}
	if got := ask(t, adm, "clear table t_ip key 10.0.0.1\n"); got != "Entry currently in use, cannot remove\n\n" {
		t.Errorf("clear of a tracked entry: %q", got)
	}
	for _, k := range []string{"10.0.0.0", "10.0.0.2"} {
		ask(t, adm, "set table t_ip key "+k+"\n")
	}
	// 10.0.0.0 comes before the tracked 10.0.0.1: haproxy's walk
	// spares it; 10.0.0.2, the last, goes.
	ask(t, adm, "clear table t_ip\n")
	got := askTable(t, adm, "show table t_ip")
	if !strings.Contains(got, "key=10.0.0.0 ") || !strings.Contains(got, "key=10.0.0.1 ") || strings.Contains(got, "key=10.0.0.2 ") {
		t.Errorf("after clear: %q", got)
	}
}

// TestTableSetNoKey: `set table <t>` without a key empties the table, as
// haproxy 2.6's shared walk does.
func TestTableSetNoKey(t *testing.T) {
	e := newEnv(t, tableCfg)
	adm := e.socket(admin.Admin)
	ask(t, adm, "set table a_str key x data.gpt 4\n")
	if got := ask(t, adm, "set table a_str\nshow table a_str\n"); got != "\n# table: a_str, type: string, size:10, used:0\n\n" {
		t.Errorf("got %q", got)
	}
}

// TestTableLargeDump: a dump larger than what is held at once arrives
// whole, in order.
func TestTableLargeDump(t *testing.T) {
	e := newEnv(t, strings.Replace(tableCfg, "backend t_nostore\n    stick-table type ip size 1k", "backend t_nostore\n    stick-table type ip size 100k", 1))
	tb := e.rt.Snapshot().LookupStickTable("t_nostore")
	const n = 20000
	for i := range n {
		if tb.Peek([]byte{10, 0, byte(i >> 8), byte(i)}) == nil {
			t.Fatal("table full")
		}
	}
	got := ask(t, e.socket(admin.Admin), "show table t_nostore\n")
	lines := strings.Split(got, "\n")
	if len(lines) != n+3 || lines[0] != "# table: t_nostore, type: ip, size:102400, used:20000" ||
		!strings.HasSuffix(lines[1], ": key=10.0.0.0 use=0 exp=0") || !strings.HasSuffix(lines[n], ": key=10.0.78.31 use=0 exp=0") {
		t.Errorf("%d lines: %q … %q", len(lines), lines[:2], lines[len(lines)-3:])
	}
}
