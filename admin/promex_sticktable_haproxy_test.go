package admin

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// The stick table families against haproxy 2.6.12's exporter: the same
// tables, the same entries, the same scrape of scope=sticktable.
func TestPrometheusStickTablesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	tables := `
backend b_ip
    stick-table type ip size 100 expire 30s store gpc0
backend b_str
    stick-table type string len 12 size 2k
backend b_bin
    stick-table type binary len 8 size 10
backend b_int
    stick-table type integer size 5 store conn_cnt
backend b_ipv6
    stick-table type ipv6 size 7
`
	entries := map[string][]string{"b_ip": {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, "b_int": {"1", "2"}, "b_ipv6": {"::1"}}
	exp := `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend prometheus
    bind %s
    http-request use-service prometheus-exporter if { path /metrics }
` + tables

	// haproxy, its entries set on its stats socket.
	hapAddr := haproxytest.FreeAddr("tcp", "127.0.0.1")
	sock := filepath.Join(t.TempDir(), "s.sock")
	haproxytest.Start(t, haproxytest.Options{
		Config:  "global\n    stats socket " + sock + " level admin\n" + fmt.Sprintf(exp, hapAddr),
		WaitFor: hapAddr,
	})
	for name, keys := range entries {
		for _, k := range keys {
			if out := cliOnce(t, sock, "set table "+name+" key "+k); out != "\n" {
				t.Fatalf("haproxy: set table %s key %s: %q", name, k, out)
			}
		}
	}

	a, fe := start(t, fmt.Sprintf(exp, "{FE}"))
	for name, keys := range entries {
		tb := a.Runtime().Snapshot().LookupStickTable(name)
		for _, k := range keys {
			key, err := tb.Spec().ParseCLIKey(k)
			if err != nil || tb.Peek(key) == nil {
				t.Fatalf("switchyard: %s key %s: %v", name, k, err)
			}
		}
	}
	for _, q := range []string{"scope=sticktable", "scope=sticktable&no-maint"} {
		_, _, theirs := scrape(t, "http://"+hapAddr+"/metrics?"+q)
		_, _, ours := scrape(t, "http://"+fe+"/metrics?"+q)
		if q == "scope=sticktable" && !strings.Contains(theirs, `haproxy_sticktable_used{name="b_ip",type="ip"} 3`) {
			t.Fatalf("haproxy's scrape lacks the entries:\n%s", theirs)
		}
		if theirs != ours {
			t.Errorf("?%s:\nhaproxy:\n%s\nswitchyard:\n%s", q, theirs, ours)
		}
	}
}

// cliOnce sends one command to a stats socket and reads the answer.
func cliOnce(t *testing.T, path, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, cmd+"\n")
	b, _ := io.ReadAll(c)
	return string(b)
}
