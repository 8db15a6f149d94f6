package admin

import (
	"encoding/json"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// The operations guide documents every metric family the exporter writes,
// and its Grafana dashboard and KEDA object query only families that
// exist: a renamed metric breaks these tests, not an operator's dashboard.
func TestMetricsDocumented(t *testing.T) {
	// Some families exist only with a limit to measure against: a
	// server's maxconn, a memory limit.
	old := debug.SetMemoryLimit(8 << 30)
	defer debug.SetMemoryLimit(old)
	cfg := strings.Replace(exporter, "server s1 {S1}", "server s1 {S1} maxconn 100", 1)
	// A table, for the haproxy_sticktable_* families.
	cfg = strings.Replace(cfg, "\nbackend app\n", "\nbackend app\n    stick-table type ip size 10\n", 1)
	cfg, _, _ = tlsBind(t, cfg, 90*24*time.Hour) // the certificates' families
	_, fe := start(t, cfg, "S1", origin(t, "one"), "S2", origin(t, "two"))
	get(t, fe, "/")
	// switchyard's own families too, as the dashboard's scrape asks.
	_, _, body := scrape(t, "http://"+fe+"/metrics?switchyard-metrics")
	families := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = true
		}
	}
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for f := range families {
		if !strings.Contains(string(doc), "`"+f+"`") {
			t.Errorf("metric family %s is not in docs/operations.md", f)
		}
	}
	dash, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatal(err)
	}
	keda, err := os.ReadFile("../docs/operations-keda.yaml")
	if err != nil {
		t.Fatal(err)
	}
	exprs := []string{string(keda)}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	name := regexp.MustCompile(`\b(haproxy|switchyard)_[a-z_]+`)
	for _, e := range exprs {
		for _, m := range name.FindAllString(e, -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
			if !families[base] {
				t.Errorf("%s queries %s, which the exporter does not write", strings.SplitN(e, "\n", 2)[0], m)
			}
		}
	}
}
