package admin

import (
	"crypto/x509"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

const exporter = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend prometheus
    bind {FE}
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend app
backend app
    server s1 {S1}
    server s2 {S2}
`

func scrape(t *testing.T, url string) (int, string, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// The exporter answers at the use-service rule with haproxy's names, and
// the same counters as the stats page.
func TestPrometheusService(t *testing.T) {
	a, fe := start(t, exporter, "S1", origin(t, "one"), "S2", origin(t, "two"))
	for range 3 {
		get(t, fe, "/")
	}
	settled(t, a)
	code, ctype, body := scrape(t, "http://"+fe+"/metrics")
	if code != 200 || ctype != "text/plain; version=0.0.4" {
		t.Fatalf("scrape: %d %q", code, ctype)
	}
	for _, want := range []string{
		`haproxy_backend_current_queue{proxy="app"} 0`,
		`haproxy_backend_http_requests_total{proxy="app"} 3`,
		`haproxy_server_status{proxy="app",server="s1",state="UP"} 1`,
		`haproxy_frontend_http_requests_total{proxy="prometheus"} 4`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	// switchyard's own families only when asked for.
	if strings.Contains(body, "switchyard_") {
		t.Errorf("a scrape without switchyard-metrics has switchyard's families")
	}
	_, _, body = scrape(t, "http://"+fe+"/metrics?switchyard-metrics")
	for _, want := range []string{
		`haproxy_backend_http_requests_total{proxy="app"} 3`,
		"# TYPE switchyard_backend_response_time_seconds histogram",
		`switchyard_server_check_transitions_total{proxy="app",server="s1",to="down"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape with switchyard-metrics lacks %q", want)
		}
	}
	if code, _, _ := scrape(t, "http://"+fe+"/metrics?scope"); code != 400 {
		t.Errorf("?scope: %d, want 400 as haproxy", code)
	}
	if code, _, body := scrape(t, "http://"+fe+"/metrics?scope="); code != 200 || body != "" {
		t.Errorf("?scope=: %d %q, want an empty 200", code, body)
	}
}

// tlsBind adds a TLS bind to the exporter's frontend, serving a
// certificate that expires in validity; it returns the configuration and
// the certificate's file and serial.
func tlsBind(t *testing.T, cfg string, validity time.Duration) (string, string, *x509.Certificate) {
	t.Helper()
	leaf := testcert.NewCA("promex CA").Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: validity})
	crt := filepath.Join(t.TempDir(), "www.pem")
	testcert.Write(crt, leaf.Bundle())
	return strings.Replace(cfg, "    bind {FE}\n", "    bind {FE}\n    bind "+ports.Addr(t)+" ssl crt "+crt+" name tls\n", 1), crt, leaf.Cert
}

// The certificates a TLS bind serves, with their expiry, from the running
// configuration.
func TestPrometheusCertificates(t *testing.T) {
	cfg, crt, leaf := tlsBind(t, exporter, 10*24*time.Hour)
	_, fe := start(t, cfg, "S1", origin(t, "one"), "S2", origin(t, "two"))
	hi := time.Until(leaf.NotAfter).Seconds()
	_, _, body := scrape(t, "http://"+fe+"/metrics?scope=frontend&switchyard-metrics")
	lo := time.Until(leaf.NotAfter).Seconds()
	labels := `{proxy="prometheus",listener="tls",file="` + crt + `",serial="` + strings.ToUpper(leaf.SerialNumber.Text(16)) + `"}`
	var left, at float64
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, "switchyard_frontend_ssl_certificate_expiry_seconds"+labels+" "); ok {
			left, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(l, "switchyard_frontend_ssl_certificate_expiry_timestamp_seconds"+labels+" "); ok {
			at, _ = strconv.ParseFloat(v, 64)
		}
	}
	if left > hi || left < lo {
		t.Errorf("expiry_seconds %v, want between %v and %v:\n%s", left, lo, hi, body)
	}
	if at != float64(leaf.NotAfter.Unix()) {
		t.Errorf("expiry_timestamp_seconds %v, want %d", at, leaf.NotAfter.Unix())
	}
}

// The recipe of docs/operations.md that serves switchyard's families to
// every scrape: the key added by set-query before the service.
func TestPrometheusSwitchyardMetricsBySetQuery(t *testing.T) {
	cfg := strings.Replace(exporter, "    http-request use-service",
		"    http-request set-query \"%[query]&switchyard-metrics\" if { path /metrics }\n    http-request use-service", 1)
	_, fe := start(t, cfg, "S1", origin(t, "one"), "S2", origin(t, "two"))
	for _, q := range []string{"", "?scope=server"} {
		code, _, body := scrape(t, "http://"+fe+"/metrics"+q)
		if code != 200 || !strings.Contains(body, `switchyard_server_check_transitions_total{proxy="app",server="s1",to="down"} 0`) {
			t.Errorf("%q: %d, no switchyard family", q, code)
		}
		if q != "" && strings.Contains(body, "haproxy_backend_") {
			t.Errorf("%q: the scope is lost", q)
		}
	}
}
