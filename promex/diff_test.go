package promex

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/stats"
)

const haproxyBin = "/usr/sbin/haproxy"

// volatile are the metrics whose values change between the moment the
// rows are read from the stats socket and the moment haproxy answers the
// scrape: with time, or because reading and scraping are connections and
// requests themselves. Their families, help, types and label sets are
// still compared.
var volatile = map[string]string{
	"haproxy_process_uptime_seconds":            "time",
	"haproxy_process_current_connections":       "the CLI and scrape connections",
	"haproxy_process_connections_total":         "the CLI and scrape connections",
	"haproxy_process_requests_total":            "the scrape request",
	"haproxy_process_current_connection_rate":   "the CLI and scrape connections",
	"haproxy_process_max_connection_rate":       "the CLI and scrape connections",
	"haproxy_process_current_session_rate":      "the CLI and scrape connections",
	"haproxy_process_max_session_rate":          "the CLI and scrape connections",
	"haproxy_process_jobs":                      "the CLI and scrape connections",
	"haproxy_process_current_tasks":             "the CLI and scrape connections",
	"haproxy_process_current_run_queue":         "scheduling",
	"haproxy_process_idle_time_percent":         "time",
	"haproxy_process_pool_allocated_bytes":      "the scrape's buffers",
	"haproxy_process_pool_used_bytes":           "the scrape's buffers",
	"haproxy_process_bytes_out_total":           "the CLI's answers",
	"haproxy_process_bytes_out_rate":            "the CLI's answers",
	"haproxy_server_check_duration_seconds":     "each check",
	"haproxy_server_check_last_change_seconds":  "time",
	"haproxy_backend_check_last_change_seconds": "time",
	"haproxy_server_last_session_seconds":       "time",
	"haproxy_backend_last_session_seconds":      "time",
	"haproxy_server_downtime_seconds_total":     "time, while down",
	"haproxy_backend_downtime_seconds_total":    "time, while down",
	// haproxy purges idle connections and decays its estimate of the
	// connections needed on its own timers.
	"haproxy_server_idle_connections_current":        "idle connection timers",
	"haproxy_server_unsafe_idle_connections_current": "idle connection timers",
	"haproxy_server_safe_idle_connections_current":   "idle connection timers",
	"haproxy_server_need_connections_current":        "idle connection timers",
}

// divergent are the metrics whose values differ from haproxy's by design.
// The averages: haproxy's exporter divides the sum of the times by 1024
// even before 1024 requests were seen, so that it under-reports a fresh
// backend or server (`show stat` divides by the requests seen, as the
// rows, hence switchyard's exporter, do); both agree once 1024 requests
// are in, and both are 0 exactly when no time was counted. Until then
// ours can only be the larger.
//
// agg_check_status: 2.6.12 also counts the last check status of servers
// whose checks are paused (in maintenance, `disable health`), which
// neither the rows nor haproxy_server_check_status show; haproxy fixed it
// later (3790eb4f8). Ours can only be the smaller.
var divergent = map[string]bool{
	"haproxy_backend_agg_check_status":              true,
	"haproxy_backend_queue_time_average_seconds":    true,
	"haproxy_backend_connect_time_average_seconds":  true,
	"haproxy_backend_response_time_average_seconds": true,
	"haproxy_backend_total_time_average_seconds":    true,
	"haproxy_server_queue_time_average_seconds":     true,
	"haproxy_server_connect_time_average_seconds":   true,
	"haproxy_server_response_time_average_seconds":  true,
	"haproxy_server_total_time_average_seconds":     true,
}

// TestDifferentialHaproxy runs haproxy 2.6.12 with a frontend, a backend
// of servers up, in maintenance, unchecked, a listen whose server is
// down, a stopped and a paused frontend, stick tables and the exporter; reads its rows from the stats
// socket, exports them, and compares with haproxy's own /metrics: the same
// families in the same order, the same help, types and series, and the
// same values but for the volatile ones.
func TestDifferentialHaproxy(t *testing.T) {
	if _, err := os.Stat(haproxyBin); err != nil {
		t.Skipf("%s is missing: the differential test needs haproxy 2.6.12 as its reference", haproxyBin)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/fail":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			io.WriteString(w, "hello\n")
		}
	}))
	defer origin.Close()
	originAddr := origin.Listener.Addr().String()
	fe, fe2, ls, prom, dead := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)

	dir := t.TempDir()
	sock := filepath.Join(dir, "stats.sock")
	cfg := fmt.Sprintf(`global
    stats socket %[1]s level admin
    nbthread 1
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    option socket-stats
    bind 127.0.0.1:%[2]d name fe1
    bind 127.0.0.1:%[3]d
    maxconn 100
    stick-table type ip size 100 store conn_cur
    tcp-request connection track-sc0 src
    default_backend be
backend be
    stick-table type string len 32 size 10
    option httpchk GET /
    server s1 %[4]s check inter 200ms maxconn 10 maxqueue 5
    server s2 %[4]s
    server s3 %[4]s disabled
    server s4 %[4]s check inter 200ms
listen ls
    mode tcp
    bind 127.0.0.1:%[5]d
    server t1 127.0.0.1:%[6]d check inter 100ms downinter 60s fall 1
frontend fstop
    bind 127.0.0.1:%[8]d
frontend fpaused
    bind 127.0.0.1:%[9]d
frontend prometheus
    bind 127.0.0.1:%[7]d
    http-request use-service prometheus-exporter if { path /metrics }
`, sock, fe, fe2, originAddr, ls, dead, prom, freePort(t), freePort(t))
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, haproxyBin, "-db", "-f", cfgPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy's output:\n%s", logs.String())
		}
	}()

	// Wait for the checks to settle: s1 up by its HTTP check, t1 down.
	waitFor(t, 10*time.Second, "s1 and s4 up and t1 down", func() bool {
		out, err := cli(sock, "show stat")
		return err == nil && strings.Count(out, ",UP,") >= 2 && strings.Count(out, "L7OK") == 2 &&
			strings.Contains(out, "L4CON")
	})
	// A server in maintenance whose check had run (haproxy keeps its
	// last status), a stopped frontend and a paused one.
	for _, c := range []string{"disable server be/s4", "shutdown frontend fstop", "disable frontend fpaused"} {
		if out, err := cli(sock, c); err != nil || strings.TrimSpace(out) != "" {
			t.Fatalf("%s: %q %v", c, out, err)
		}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, path := range []string{"/", "/", "/", "/missing", "/fail", "/"} {
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", fe, path))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", ls), time.Second); err == nil {
		c.SetDeadline(time.Now().Add(2 * time.Second))
		io.Copy(io.Discard, c) // the listen's server is down: haproxy closes
		c.Close()
	}

	// The counters of a stream are added when it ends, just after its
	// client has its answer: wait until no session is left.
	waitFor(t, 10*time.Second, "the sessions to end", func() bool {
		out, err := cli(sock, "show stat")
		if err != nil {
			return false
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Split(line, ",")
			if len(f) > 4 && f[0] != "prometheus" && (f[1] == "FRONTEND" || f[1] == "BACKEND") && f[4] != "0" {
				return false
			}
		}
		return true
	})
	// switchyard-metrics is switchyard's: haproxy ignores it, as any
	// unknown key, and haproxy's part of our answer is the same.
	for _, q := range []string{"", "scope=server&no-maint", "scope=backend&scope=listener",
		"scope=sticktable&scope=frontend", "scope=*", "scope=global", "switchyard-metrics"} {
		t.Run("query="+q, func(t *testing.T) {
			// A health check may end between haproxy's `show stat` and
			// its scrape: read both again until no check changed in
			// between.
			var src *cliSource
			var resp *http.Response
			var theirs []byte
			for attempt := 0; ; attempt++ {
				before := checkFields(sock)
				var err error
				if src, err = readCLI(sock); err != nil {
					t.Fatal(err)
				}
				if resp, err = client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics?%s", prom, q)); err != nil {
					t.Fatal(err)
				}
				theirs, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if checkFields(sock) == before || attempt == 4 {
					break
				}
			}
			if got := resp.Header.Get("Content-Type"); got != ContentType {
				t.Errorf("haproxy's Content-Type is %q, ours %q", got, ContentType)
			}
			status, _, ours := scrapeText(t, src, q)
			if status != resp.StatusCode {
				t.Fatalf("status: haproxy %d, ours %d", resp.StatusCode, status)
			}
			compareExpositions(t, string(theirs), ours, src.rows, strings.Contains(q, "switchyard-metrics"))
		})
	}
	t.Run("bad query", func(t *testing.T) {
		for _, q := range []string{"scope", "scope=bogus", "scope=%zz", "a=b=c"} {
			resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics?%s", prom, q))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			status, ct, ours := scrapeText(t, &fakeSource{}, q)
			if status != resp.StatusCode || ct != resp.Header.Get("Content-Type") || ours != string(body) {
				t.Errorf("?%s: haproxy %d %q %q, ours %d %q %q", q, resp.StatusCode,
					resp.Header.Get("Content-Type"), body, status, ct, ours)
			}
		}
	})
}

// compareExpositions compares haproxy's exposition with ours: switchyard's
// families, there only if own (the query asked for them), come after
// haproxy's and are left out.
func compareExpositions(t *testing.T, theirs, ours string, rows []stats.Row, own bool) {
	t.Helper()
	hf, of := parseText(t, theirs), parseText(t, ours)
	// haproxy_server_check_duration_seconds: haproxy writes the duration
	// of the last check of a server whose checks are paused (maintenance,
	// `disable health`); the rows have no check columns then, so neither
	// do we.
	paused := map[string]bool{}
	for _, r := range rows {
		if r.Type == stats.TypeServer && r.Fields[stats.FCheckStatus].Kind == stats.Empty {
			paused[fmt.Sprintf(`proxy=%q,server=%q`, r.Fields[stats.FPxname].Str, r.Fields[stats.FSvname].Str)] = true
		}
	}
	if f := famByName(hf, "haproxy_server_check_duration_seconds"); f != nil {
		kept := f.series[:0]
		for _, s := range f.series {
			if !paused[s.labels] {
				kept = append(kept, s)
			}
		}
		f.series = kept
	}
	n := 0
	for n < len(of) && strings.HasPrefix(of[n].name, "haproxy_") {
		n++
	}
	for _, f := range of[n:] {
		if !strings.HasPrefix(f.name, "switchyard_") {
			t.Errorf("family %s after switchyard's", f.name)
		} else if !own {
			t.Errorf("family %s not asked for", f.name)
		}
	}
	if own && n == len(of) {
		t.Errorf("switchyard-metrics: none of switchyard's families")
	}
	of = of[:n]
	if len(hf) != len(of) {
		t.Errorf("haproxy has %d families, we have %d", len(hf), len(of))
	}
	nseries, nvalues := 0, 0
	defer func() { t.Logf("compared %d families, %d series, %d values", len(hf), nseries, nvalues) }()
	for i := 0; i < len(hf) && i < len(of); i++ {
		h, o := hf[i], of[i]
		if h.name != o.name {
			t.Fatalf("family %d: haproxy's %s, ours %s", i, h.name, o.name)
		}
		if h.help != o.help || h.typ != o.typ {
			t.Errorf("%s: haproxy's help/type %q/%s, ours %q/%s", h.name, h.help, h.typ, o.help, o.typ)
		}
		if len(h.series) != len(o.series) {
			t.Errorf("%s: haproxy has %d series, we have %d", h.name, len(h.series), len(o.series))
		}
		for j := 0; j < len(h.series) && j < len(o.series); j++ {
			hs, ms := h.series[j], o.series[j]
			nseries++
			if hs.name != ms.name || hs.labels != ms.labels {
				t.Errorf("%s series %d: haproxy's {%s}, ours {%s}", h.name, j, hs.labels, ms.labels)
				continue
			}
			if _, skip := volatile[h.name]; skip || strings.Contains(hs.labels, `proxy="prometheus"`) {
				continue // the scrape counts itself in its frontend
			}
			nvalues++
			if h.name == "haproxy_backend_agg_check_status" {
				if ms.value > hs.value {
					t.Errorf("%s{%s}: haproxy %v, ours %v", h.name, hs.labels, hs.value, ms.value)
				}
				continue
			}
			if divergent[h.name] {
				if (hs.value == 0) != (ms.value == 0) || ms.value < hs.value {
					t.Errorf("%s{%s}: haproxy %v, ours %v", h.name, hs.labels, hs.value, ms.value)
				}
				continue
			}
			if !sameValue(hs.value, ms.value) {
				t.Errorf("%s{%s}: haproxy %v, ours %v", h.name, hs.labels, hs.value, ms.value)
			}
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkFields is haproxy's check columns, to tell whether a check ended
// between two readings.
func checkFields(sock string) string {
	out, _ := cli(sock, "show stat typed")
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, ".check_") || strings.Contains(l, ".last_chk.") || strings.Contains(l, ".agent_") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
