package runtimeapi

import (
	"strings"
	"testing"
)

// A dispatch or transparent destination is no server: haproxy lists none
// for it in `show servers state` or in the stats, where the backend
// without servers is UP. Compared with haproxy 2.6 on the same
// configuration.
func TestHAProxyDispatchNoServerLine(t *testing.T) {
	d := newDiffPairOn(t, diffPrelude+`
frontend fe
    default_backend disp
backend disp
    dispatch 127.0.0.1:1
    server s1 127.0.0.1:2
backend transp
    option transparent
`)
	// The server lines' first field (the backend id) and the last ones
	// may differ; the backend and server names must not.
	names := func(out string) []string {
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 3 && !strings.HasPrefix(l, "#") {
				got = append(got, f[1]+"/"+f[3])
			}
		}
		return got
	}
	hap, sy := d.both("show servers state\n")
	if h, s := strings.Join(names(hap), " "), strings.Join(names(sy), " "); h != s || h != "disp/s1" {
		t.Errorf("show servers state: switchyard lists %q, haproxy %q (want only disp/s1)", s, h)
	}
	// A few columns of each stats row: a backend that does not balance
	// has no weights (haproxy computes none), so with servers it shows
	// DOWN, and its algorithm is "none".
	cols := []string{"status", "weight", "act", "bck", "uweight", "algo"}
	rows := func(out string) []string {
		var got []string
		idx := map[string]int{}
		for i, l := range strings.Split(out, "\n") {
			f := strings.Split(strings.TrimPrefix(l, "# "), ",")
			if i == 0 {
				for j, name := range f {
					idx[name] = j
				}
				continue
			}
			if len(f) < len(idx) || f[1] == "FRONTEND" {
				continue
			}
			row := f[0] + "/" + f[1] + ":"
			for _, c := range cols {
				row += " " + c + "=" + f[idx[c]]
			}
			got = append(got, row)
		}
		return got
	}
	hap, sy = d.both("show stat\n")
	if h, s := strings.Join(rows(hap), "\n"), strings.Join(rows(sy), "\n"); h != s {
		t.Errorf("show stat rows:\nhaproxy:\n%s\nswitchyard:\n%s", h, s)
	}
}
