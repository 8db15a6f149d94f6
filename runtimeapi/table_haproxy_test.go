package runtimeapi

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/haproxytest"
)

// The stick table commands against haproxy 2.6.12: tables of every key
// type storing every data type, a script of set, show and clear commands
// (errors and filters among them) sent to both, the answers compared
// once entry addresses are masked and exp= compared within a tolerance
// (the two processes receive each command a few milliseconds apart).

// legacyStores is every data type but the arrays, which may not be
// stored with gpt0, gpc0 and gpc1 (and their rates).
const legacyStores = "server_id,gpt0,gpc0,gpc0_rate(10s),conn_cnt,conn_rate(10s),conn_cur,sess_cnt,sess_rate(10s)," +
	"http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),bytes_in_cnt,bytes_in_rate(10s)," +
	"bytes_out_cnt,bytes_out_rate(10s),gpc1,gpc1_rate(10s),server_key,http_fail_cnt,http_fail_rate(10s)"

// arrayStores has the arrays and a few others.
const arrayStores = "gpt(3),gpc(2),gpc_rate(2,20s),conn_cnt,server_key"

var tableCfg = `
global
    stats timeout 5s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
backend t_ip
    stick-table type ip size 100 expire 30s store ` + legacyStores + `
backend t_ipv6
    stick-table type ipv6 size 100 expire 30s store ` + legacyStores + `
backend t_int
    stick-table type integer size 100 store ` + legacyStores + `
backend t_str
    stick-table type string len 8 size 100 expire 1m store ` + legacyStores + `
backend t_bin
    stick-table type binary len 4 size 100 store ` + legacyStores + `
backend a_ip
    stick-table type ip size 10 expire 30s store ` + arrayStores + `
backend a_str
    stick-table type string size 10 store ` + arrayStores + `
backend t_full
    stick-table type integer size 2 nopurge store gpc0
backend t_lru
    stick-table type integer size 2 expire 30s store gpc0
backend t_nostore
    stick-table type ip size 1k
backend t_rate
    stick-table type integer size 10 store conn_rate(1s),http_req_rate(3s),gpc_rate(2,1500ms)
`

// tableDiff is haproxy and switchyard serving tableCfg, each with an
// admin, an operator and a user socket.
type tableDiff struct {
	t       *testing.T
	hap, sy map[admin.Level]string
}

func newTableDiff(t *testing.T) *tableDiff {
	t.Helper()
	if _, err := os.Stat(haproxytest.Bin); err != nil {
		t.Skipf("%s is absent: the differential test needs the reference haproxy", haproxytest.Bin)
	}
	e := newEnv(t, tableCfg)
	d := &tableDiff{t: t, hap: map[admin.Level]string{}, sy: map[admin.Level]string{}}
	var files []*os.File
	extra := ""
	for i, l := range []admin.Level{admin.Admin, admin.Operator, admin.User} {
		path := filepath.Join(e.dir, "hap-"+l.String()+".sock")
		f := unixSocketFile(t, path)
		defer f.Close()
		files = append(files, f)
		extra += "    stats socket fd@" + strconv.Itoa(3+i) + " level " + l.String() + "\n"
		d.hap[l] = path
		d.sy[l] = e.socket(l)
	}
	text := strings.Replace(tableCfg, "    stats timeout 5s\n", "    stats timeout 5s\n"+extra, 1)
	haproxytest.Start(t, haproxytest.Options{Config: text, Files: files})
	return d
}

var (
	tableAddrRe = regexp.MustCompile(`(?m)^0x[0-9a-f]+:`)
	tableExpRe  = regexp.MustCompile(`exp=(\d+)`)
)

// normTable masks the entry addresses and the exp= values, returned
// apart.
func normTable(s string) (string, []int) {
	s = tableAddrRe.ReplaceAllString(s, "0xADDR:")
	var exps []int
	for _, m := range tableExpRe.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		exps = append(exps, n)
	}
	return tableExpRe.ReplaceAllString(s, "exp=EXP"), exps
}

// same sends each input to both at level l and compares the answers.
func (d *tableDiff) same(l admin.Level, inputs ...string) {
	d.t.Helper()
	for _, in := range inputs {
		hap, hexp := normTable(ask(d.t, d.hap[l], in+"\n"))
		sy, sexp := normTable(ask(d.t, d.sy[l], in+"\n"))
		if hap != sy {
			d.t.Errorf("%s: %q:\n%s", l, in, lineDiff(hap, sy))
			continue
		}
		for i := range hexp {
			if diff := hexp[i] - sexp[i]; diff < -1500 || diff > 1500 {
				d.t.Errorf("%s: %q: exp of entry %d: haproxy %d, switchyard %d", l, in, i, hexp[i], sexp[i])
			}
		}
	}
}

func TestHAProxyTables(t *testing.T) {
	d := newTableDiff(t)
	A, O, U := admin.Admin, admin.Operator, admin.User
	d.same(A,
		"show table", "help show table", "help set table", "help clear table",
		// The table and the arguments.
		"show table nope", "clear table", "set table", "clear table nope", "set table nope key 1",
		"show table t_ip bogus", "clear table t_ip bogus", "set table t_ip bogus", "set table t_ip data.gpc0 gt 0",
		"show table t_ip key", "set table t_ip key", "clear table t_ip key",
		// Keys of each type, the odd ones haproxy accepts among them.
		"show table t_bin key 00", "clear table t_bin key 00", "set table t_bin key 00",
		"set table t_ipv6 key 1.2.3.4", "set table t_ipv6 key zz", "show table t_ipv6 key fe80::1%lo",
		"set table t_ipv6 key ::1", "set table t_ipv6 key 2001:db8::ff:1 data.gpc0 3", "set table t_ipv6 key ::ffff:10.0.0.1",
		"set table t_int key abc", "set table t_int key -1", "set table t_int key 4294967296",
		"set table t_int key 99999999999999999999999", "set table t_int key 12abc", "set table t_int key +7",
		"set table t_int key -0", "set table t_int key 4294967295", "set table t_int key 256", "set table t_int key 1",
		"set table t_int key 65536", "set table t_int key 0x10", "set table t_int key -18446744073709551611",
		"set table t_ip key foo", "set table t_ip key 1.300.0.1", "set table t_ip key 1.2", "set table t_ip key 1234.5.6.7",
		"set table t_ip key 10.0.0.1.5", "set table t_ip key 256.1.1.1", "set table t_ip key 192.168.0.010",
		"set table t_str key abcdefghijkl", `set table t_str key a\ b=c`, `set table t_str key x\\y`, "set table t_str key é",
		"show table t_int", "show table t_ip", "show table t_ipv6", "show table t_str",
		"show table t_str key abcdefg", "show table t_str key abcdefgXYZ", "show table t_str key abc",
		"show table t_int key 256", "show table t_int key 255", "show table t_ip key 1.2.0.0",
		// Every data type.
		"set table t_ip key 10.0.0.1 data.server_id -3 data.gpt0 4294967297 data.gpc0 5 data.gpc0_rate 6 data.conn_cnt 7 "+
			"data.conn_rate 8 data.conn_cur 9 data.sess_cnt 10 data.sess_rate 11 data.http_req_cnt 12 data.http_req_rate 13",
		"set table t_ip key 10.0.0.1 data.http_err_cnt 14 data.http_err_rate 15 data.bytes_in_cnt 123456789012 "+
			"data.bytes_in_rate 17 data.bytes_out_cnt -1 data.bytes_out_rate 19 data.gpc1 20 data.gpc1_rate 21 "+
			"data.server_key 22 data.http_fail_cnt 23 data.http_fail_rate 24",
		"set table t_ip key 10.0.0.2 data.gpc0 1 data.conn_cnt 100 data.server_id 2147483648",
		"set table t_ip key 10.0.0.3 data.gpc0 9223372036854775807 data.http_req_rate 0",
		"set table t_ip key 10.0.0.4 data.gpc0 2 data.conn_cnt 50 data.bytes_in_cnt -",
		"show table t_ip key 10.0.0.1", "show table t_ip key 10.0.0.99",
		// Errors of set: the values before the wrong one stay.
		"set table t_ip key 10.0.0.5 data.gpc0", "set table t_ip key 10.0.0.5 data.bogus 1",
		"set table t_ip key 10.0.0.5 gpc0 1", "set table t_ip key 10.0.0.5 data.gpc 1",
		"set table t_ip key 10.0.0.5 data.gpc0 +1", "set table t_ip key 10.0.0.5 data.gpc0 1x",
		"set table t_ip key 10.0.0.5 data.gpc1 3 data.bogus 2", "set table t_ip key 10.0.0.5 data.gpc0 9223372036854775808",
		"set table t_ip key 10.0.0.5 data.gpc0 -9223372036854775809", "set table t_ip key 10.0.0.5 data.server_key abc",
		"set table t_ip key 10.0.0.5 data.server_name 5", "set table t_ip key 10.0.0.5 data.gpc0 --1",
		"set table t_nostore key 10.0.0.5 data.gpc0 1", "set table t_nostore key 10.0.0.6",
		"show table t_ip key 10.0.0.5", "show table t_nostore",
		// Arrays: the first element is the one set and filtered.
		"set table a_ip key 1.1.1.1 data.gpc 3 data.gpt 9 data.gpc_rate 4 data.conn_cnt 2",
		"set table a_ip key 1.1.1.2 data.gpc 1", "set table a_ip key 1.1.1.3 data.gpc0 1",
		"set table a_str key k1 data.gpt 5", "set table a_str key k2",
		"set table a_str key 0123456789abcdefghijklmnopqrstuvwxyzABCDEF", "show table a_str key 0123456789abcdefghijklmnopqrstu",
		"show table a_ip", "show table a_str", "show table a_ip data.gpc gt 2", "show table a_ip data.gpc_rate eq 4",
		"show table a_ip data.gpt le 0", "show table a_str data.server_key eq 0", "show table a_str data.server_name ne 0",
		// Filters.
		"show table t_ip data.gpc0 gt 0", "show table t_ip data.gpc0 eq 5", "show table t_ip data.gpc0 ne 5",
		"show table t_ip data.gpc0 le 2", "show table t_ip data.gpc0 ge 2", "show table t_ip data.gpc0 lt 5",
		"show table t_ip data.gpc0 ge 2 data.conn_cnt lt 60",
		"show table t_ip data.gpc0 ge 0 data.conn_cnt ge 0 data.gpc1 ge 0 data.server_id ge -5",
		"show table t_ip data.gpc0 ge 0 data.conn_cnt ge 0 data.gpc1 ge 0 data.server_id ge -5 data.gpt0 ge 0",
		"show table t_ip data.gpc0 ge 0 data.conn_cnt ge 0 data.gpc1 ge 0 data.server_id ge -5 x",
		"show table t_ip data.bogus gt 0", "show table t_ip data.gpc gt 0", "show table t_ip data.gpc0 xx 0",
		"show table t_ip data.gpc0 gt", "show table t_ip data.gpc0 gt x", "show table t_ip data.gpc0",
		"show table t_ip data.gpc0 gt 0 data.gpc1", "show table t_ip data.gpc0 gt 0 data.gpc1 gt",
		"show table t_ip data.gpc0 gt 0 xxxxxconn_cnt gt 60", "show table t_ip data.gpc0 gt 0 key 1",
		"show table t_ip data.gpc0 gt 0 data.bytes_out_cnt lt 0", "show table t_ip data.http_req_rate ge 13",
		"show table t_ip data.server_key eq 0", "show table t_ip data.gpc0 eqq 1", "show table t_ip data. gt 0",
		"show table t_ip key 10.0.0.1 data.gpc0 gt 100", "show table t_ip data.gpc0 gt 0 data.gpc0 lt 3",
		"clear table t_ip data.gpc0 zz 1", "clear table t_ip data.gpt0 gt 0 extra",
		// Full tables.
		"set table t_full key 1", "set table t_full key 2", "set table t_full key 3", "show table t_full",
		"set table t_lru key 1", "set table t_lru key 2", "set table t_lru key 3", "show table t_lru",
		// Keys with blanks and bytes dump_text escapes.
		"set table t_str key a\\\tb", "set table t_str key \x1b\x7f", "set table t_str key \\\\", "show table t_str",
		// Past the first filter, five characters are skipped whatever
		// they are, into the next words when the word is shorter.
		"show table t_ip data.gpc0 gt 0 abc xgpc0 gt", "show table t_ip data.gpc0 gt 0 abcd gt 0",
		// Messages with their severity.
		"set severity-output number; show table nope; set table t_ip key 10.0.0.9 data.x 1; show table t_ip key 10.0.0.9",
		"show table",
	)
	// The levels: below operator, entries are neither shown nor
	// changed; the dump looks at the socket's level.
	d.same(U,
		"show table", "show table t_ip", "show table t_ip key 10.0.0.1", "set table t_ip key 1.1.1.1",
		"set table t_bin key 00", "set table t_ipv6 key zz", "clear table t_ip key 10.0.0.1", "clear table nope",
		"set table nope key 1", "show table t_ip data.gpc0 gt 0", "show table t_ip data.bogus gt 0",
		"show table t_ip bogus", "show table t_full",
	)
	d.same(O,
		"show table t_full", "set table t_full key 1 data.gpc0 4", "show table t_full key 1",
		"clear table t_full key 1", "show table t_full", "set table t_full key 1",
		"show table t_ip data.gpc0 ge 5", "user; show table t_ip data.gpc0 ge 5",
		"user; show table t_full key 1", "user; set table t_full key 1 data.gpc0 1",
	)
	// Clearing.
	d.same(A,
		"clear table t_ip key 10.0.0.2", "clear table t_ip key 10.9.9.9", "show table t_ip",
		"clear table t_ip data.gpc0 eq 5", "show table t_ip", "clear table t_ip data.gpc0 ge 2 data.conn_cnt ge 60", "show table t_ip",
		"clear table t_int", "show table t_int", "set table t_str", "show table t_str", "set table t_str key a",
		"clear table t_str key a extra words", "show table t_str",
		"clear table t_ipv6 key ::1", "show table t_ipv6", "clear table a_ip data.gpc ge 1", "show table a_ip",
		"set table t_ipv6 key ::2; set table t_ipv6 key ::3; show table t_ipv6 key ::3; clear table t_ipv6; show table",
	)
}

// lineDiff shows the lines of two answers that differ, in order.
func lineDiff(hap, sy string) string {
	h, s := strings.Split(hap, "\n"), strings.Split(sy, "\n")
	var b strings.Builder
	for i := 0; i < max(len(h), len(s)); i++ {
		var hl, sl string
		if i < len(h) {
			hl = h[i]
		}
		if i < len(s) {
			sl = s[i]
		}
		if hl != sl {
			fmt.Fprintf(&b, "line %d:\n  haproxy:    %q\n  switchyard: %q\n", i+1, hl, sl)
		}
	}
	return b.String()
}

// TestHAProxyTableRates: a rate set from the CLI reads the same in both
// once its period is over and it fades (the values are compared within
// a tolerance: the two processes read them some milliseconds apart).
func TestHAProxyTableRates(t *testing.T) {
	d := newTableDiff(t)
	set := "set table t_rate key 1 data.conn_rate 1000 data.http_req_rate 900 data.gpc_rate 600\n"
	for _, p := range []string{d.hap[admin.Admin], d.sy[admin.Admin]} {
		if got := ask(t, p, set); got != "\n" {
			t.Fatalf("%q", got)
		}
	}
	num := regexp.MustCompile(`\)=(\d+)`)
	for _, wait := range []time.Duration{1200 * time.Millisecond, 600 * time.Millisecond} {
		time.Sleep(wait)
		hap, _ := normTable(ask(t, d.hap[admin.Admin], "show table t_rate\n"))
		sy, _ := normTable(ask(t, d.sy[admin.Admin], "show table t_rate\n"))
		if num.ReplaceAllString(hap, ")=N") != num.ReplaceAllString(sy, ")=N") {
			t.Fatalf("haproxy:\n%s\nswitchyard:\n%s", hap, sy)
		}
		hv, sv := num.FindAllStringSubmatch(hap, -1), num.FindAllStringSubmatch(sy, -1)
		for i := range hv {
			h, _ := strconv.Atoi(hv[i][1])
			s, _ := strconv.Atoi(sv[i][1])
			if diff := h - s; diff < -40 || diff > 40 {
				t.Errorf("rate %d: haproxy %d, switchyard %d\n%s\n%s", i, h, s, hap, sy)
			}
		}
		t.Logf("%s", sy)
	}
}
