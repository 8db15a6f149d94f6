package admin

import (
	"strings"
	"testing"
)

// The stick tables are exported as haproxy's haproxy_sticktable_size and
// _used, the last declared first, with what they hold now; scope picks
// them alone.
func TestPrometheusStickTables(t *testing.T) {
	cfg := strings.Replace(exporter, "\nbackend app\n", "\nbackend app\n    stick-table type ip size 100 expire 30s store gpc0\n", 1) +
		"backend keys\n    stick-table type string len 16 size 1k\n"
	a, fe := start(t, cfg, "S1", origin(t, "one"), "S2", origin(t, "two"))
	tb := a.Runtime().Snapshot().LookupStickTable("app")
	for _, k := range []string{"10.0.0.1", "10.0.0.2"} {
		key, err := tb.Spec().ParseCLIKey(k)
		if err != nil || tb.Peek(key) == nil {
			t.Fatalf("entry %s: %v", k, err)
		}
	}
	_, _, body := scrape(t, "http://"+fe+"/metrics?scope=sticktable")
	want := `# HELP haproxy_sticktable_size Stick table size.
# TYPE haproxy_sticktable_size gauge
haproxy_sticktable_size{name="keys",type="string"} 1024
haproxy_sticktable_size{name="app",type="ip"} 100
# HELP haproxy_sticktable_used Number of entries used in this stick table.
# TYPE haproxy_sticktable_used gauge
haproxy_sticktable_used{name="keys",type="string"} 0
haproxy_sticktable_used{name="app",type="ip"} 2
`
	if body != want {
		t.Errorf("scope=sticktable:\n%s\nwant:\n%s", body, want)
	}
	if _, _, body := scrape(t, "http://"+fe+"/metrics?scope=backend"); strings.Contains(body, "sticktable") {
		t.Errorf("scope=backend exports the stick tables")
	}
	if _, _, body := scrape(t, "http://"+fe+"/metrics"); !strings.Contains(body, `haproxy_sticktable_used{name="app",type="ip"} 2`) {
		t.Errorf("the default scope lacks the stick tables")
	}
}
