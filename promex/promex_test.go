package promex

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"switchyard/counters"
)

// expectedFamilies lists haproxy's families the fake's objects have, in
// haproxy's order: every process metric, then every stat metric of each
// object type (the fake has an object of each kind for each).
func expectedFamilies() []string {
	var names []string
	for _, m := range processMetrics {
		names = append(names, m.name)
	}
	for ti, t := range []objMask{oFrontend, oListener, oBackend, oServer} {
		for i, m := range statMetrics {
			if m.objs&t != 0 {
				names = append(names, fullNames[i][ti])
			}
		}
	}
	return append(names, "haproxy_sticktable_size", "haproxy_sticktable_used")
}

func TestFamiliesInHaproxyOrder(t *testing.T) {
	status, ct, body := scrapeText(t, newFake(), "")
	if status != 200 || ct != ContentType {
		t.Fatalf("status %d, content type %q", status, ct)
	}
	fams := parseText(t, body)
	var got []string
	for _, f := range fams {
		if strings.HasPrefix(f.name, "haproxy_") {
			got = append(got, f.name)
		}
	}
	want := expectedFamilies()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("families:\n%s\nwant:\n%s", strings.Join(got, " "), strings.Join(want, " "))
	}
	// A few help texts and types, as haproxy 2.6.12 writes them.
	for _, c := range []struct{ name, help, typ string }{
		{"haproxy_process_max_memory_bytes", "Worker process's hard limit on memory usage in byes (-m on command line)", "gauge"},
		{"haproxy_frontend_http_responses_total", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started", "counter"},
		{"haproxy_server_check_status", "Status of last health check, per state label value.", "gauge"},
		{"haproxy_backend_agg_server_check_status", "Backend's aggregated gauge of servers' state check status", "gauge"},
		{"haproxy_server_queue_time_average_seconds", "Avg. queue time for last 1024 successful connections.", "gauge"},
		{"haproxy_listener_status", "Current status of the service, per state label value.", "gauge"},
	} {
		f := famByName(fams, c.name)
		if f == nil || f.help != c.help || f.typ != c.typ {
			t.Errorf("%s: got %+v, want help %q type %s", c.name, f, c.help, c.typ)
		}
	}
}

func TestSeries(t *testing.T) {
	_, _, body := scrapeText(t, newFake(), "")
	fams := parseText(t, body)
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"haproxy_process_nbthread", "", 4},
		{"haproxy_process_build_info", `version="0.1.0-test"`, 1},
		{"haproxy_process_start_time_seconds", "", 1796522525},
		{"haproxy_frontend_status", `proxy="fe",state="UP"`, 1},
		{"haproxy_frontend_status", `proxy="stopfe",state="DOWN"`, 1},
		{"haproxy_frontend_http_responses_total", `proxy="fe",code="2xx"`, 7},
		{"haproxy_listener_status", `proxy="fe",listener="fe1",state="OPEN"`, 1},
		{"haproxy_listener_current_sessions", `proxy="fe",listener="fe1"`, 1},
		{"haproxy_backend_status", `proxy="tcpbe",state="DOWN"`, 1},
		{"haproxy_backend_status", `proxy="nosrv",state="UP"`, 1},
		{"haproxy_backend_http_requests_total", `proxy="be"`, 8},
		{"haproxy_backend_agg_server_status", `proxy="be",state="MAINT"`, 1},
		{"haproxy_backend_agg_server_status", `proxy="be",state="DRAIN"`, 1},
		{"haproxy_backend_agg_check_status", `proxy="be",state="L7OK"`, 1},
		{"haproxy_backend_agg_check_status", `proxy="be",state="L4OK"`, 1},
		{"haproxy_backend_agg_check_status", `proxy="tcpbe",state="L4CON"`, 1},
		{"haproxy_server_status", `proxy="be",server="s1",state="UP"`, 1},
		{"haproxy_server_status", `proxy="be",server="s2",state="MAINT"`, 1},
		{"haproxy_server_status", `proxy="be",server="s3",state="DRAIN"`, 1},
		{"haproxy_server_status", `proxy="tcpbe",server="t1",state="DOWN"`, 1},
		{"haproxy_server_check_status", `proxy="be",server="s1",state="L7OK"`, 1},
		{"haproxy_server_check_status", `proxy="be",server="s3",state="L4OK"`, 1}, // "* L4OK": in progress
		{"haproxy_server_check_code", `proxy="be",server="s1"`, 200},
		{"haproxy_server_check_code", `proxy="be",server="s3"`, 0},
		{"haproxy_server_check_duration_seconds", `proxy="be",server="s1"`, 0.003},
		{"haproxy_server_queue_time_average_seconds", `proxy="be",server="s1"`, 0.012},
		{"haproxy_server_max_response_time_seconds", `proxy="be",server="s1"`, 1.5},
		{"haproxy_server_last_session_seconds", `proxy="be",server="s1"`, -1},
		{"haproxy_server_http_responses_total", `proxy="be",server="s1",code="5xx"`, 1},
		{"haproxy_sticktable_size", `name="be",type="string"`, 1024},
		{"haproxy_sticktable_used", `name="be",type="string"`, 3},
	} {
		if got := sample(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// A field the object does not have is NaN, as haproxy prints it.
	if v := sample(t, fams, "haproxy_server_limit_sessions", `proxy="be",server="s2"`); !math.IsNaN(v) {
		t.Errorf("limit_sessions of a server without maxconn = %v, want NaN", v)
	}
	// Series haproxy does not write.
	for _, c := range []struct{ name, labels, why string }{
		{"haproxy_frontend_http_requests_total", `proxy="stopfe"`, "a TCP frontend has no HTTP metrics"},
		{"haproxy_server_http_responses_total", `proxy="tcpbe",server="t1",code="2xx"`, "a TCP server has no HTTP metrics"},
		{"haproxy_backend_http_requests_total", `proxy="tcpbe"`, "a TCP backend has no HTTP metrics"},
		{"haproxy_server_check_status", `proxy="be",server="s2",state="L7OK"`, "an unchecked server has no check status"},
		{"haproxy_server_check_code", `proxy="be",server="s2"`, "an unchecked server has no check code"},
		{"haproxy_server_check_duration_seconds", `proxy="be",server="s3"`, "no finished check, no duration"},
		{"haproxy_backend_agg_server_status", `proxy="nosrv",state="UP"`, "a backend without servers has no aggregates"},
		{"haproxy_sticktable_size", `name="empty",type="ip"`, "a table of size 0 is not exported"},
	} {
		if hasSeries(fams, c.name, c.labels) {
			t.Errorf("%s{%s} written: %s", c.name, c.labels, c.why)
		}
	}
	// One series per state, in haproxy's order; response classes class
	// by class over the objects.
	st := famByName(fams, "haproxy_server_status")
	var states []string
	for _, s := range st.series[:5] {
		states = append(states, s.labels[strings.LastIndex(s.labels, "=")+1:])
	}
	if got := strings.Join(states, ","); got != `"DOWN","UP","MAINT","DRAIN","NOLB"` {
		t.Errorf("server states %s", got)
	}
	if n := len(famByName(fams, "haproxy_server_check_status").series); n != 3*len(checkStatuses) {
		t.Errorf("%d check status series, want %d", n, 3*len(checkStatuses))
	}
	rs := famByName(fams, "haproxy_server_http_responses_total").series
	if rs[0].labels != `proxy="be",server="s1",code="1xx"` || rs[1].labels != `proxy="be",server="s2",code="1xx"` {
		t.Errorf("responses not class by class: %v", rs[:2])
	}
}

func TestParseQuery(t *testing.T) {
	for _, c := range []struct {
		q      string
		bad    bool
		scopes Scope
	}{
		{q: "", scopes: ScopeAll},
		{q: "scope", bad: true},
		{q: "no-maint&scope", bad: true},
		{q: "scope=", scopes: 0},
		{q: "scope=*", scopes: ScopeAll},
		{q: "scope=*x", scopes: ScopeAll}, // 2.6 reads the first character
		{q: "scope=global&scope=server", scopes: ScopeGlobal | ScopeServer},
		{q: "scope=server&scope=&scope=global", scopes: ScopeGlobal},
		{q: "scope=*&scope=", scopes: 0},
		{q: "scope=listener&scope=sticktable", scopes: ScopeListener | ScopeStickTable},
		{q: "scope=frontend&scope=backend", scopes: ScopeFrontend | ScopeBackend},
		{q: "scope=bogus", bad: true},
		{q: "scope=Global", bad: true},
		{q: "scope=%67lobal", scopes: ScopeGlobal},
		{q: "scope=global%00junk", scopes: ScopeGlobal}, // a C string ends at NUL
		{q: "scope=glob%zz", bad: true},
		{q: "scope=global%", bad: true},
		{q: "a=b=c", bad: true},
		{q: "scope=server#scope=global", scopes: ScopeServer},
		{q: "&&scope=server&", scopes: ScopeServer},
		{q: "unknown=1&extra-counters&desc-labels", scopes: ScopeAll},
		{q: "metrics", bad: true},
		{q: "switchyard-metrics", scopes: ScopeAll},
		{q: "scope=server&switchyard-metrics=0", scopes: ScopeServer},
	} {
		o, err := ParseQuery(c.q)
		if (err != nil) != c.bad {
			t.Errorf("%q: error %v, want bad=%v", c.q, err, c.bad)
			continue
		}
		if !c.bad && o.Scopes != c.scopes {
			t.Errorf("%q: scopes %b, want %b", c.q, o.Scopes, c.scopes)
		}
	}
	for _, c := range []struct {
		q           string
		in, notIn   []string
		noMaintWant bool
	}{
		{q: "no-maint", noMaintWant: true, in: []string{"haproxy_server_status"}},
		{q: "switchyard-metrics", in: []string{"haproxy_server_status"}},
		{q: "metrics=", in: []string{"haproxy_server_status"}},
		{q: "metrics=haproxy_server_status,haproxy_process_nbthread",
			in: []string{"haproxy_server_status", "haproxy_process_nbthread"}, notIn: []string{"haproxy_server_weight"}},
		{q: "metrics=-haproxy_server_weight", in: []string{"haproxy_server_status"}, notIn: []string{"haproxy_server_weight"}},
		{q: "metrics=a&metrics=-a", notIn: []string{"a", "b"}},
		{q: "metrics=-a,a", in: []string{"a"}, notIn: []string{"b"}},
	} {
		o, err := ParseQuery(c.q)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if o.NoMaint != c.noMaintWant {
			t.Errorf("%q: no-maint %v", c.q, o.NoMaint)
		}
		for _, n := range c.in {
			if !o.Wants(n) {
				t.Errorf("%q leaves out %s", c.q, n)
			}
		}
		for _, n := range c.notIn {
			if o.Wants(n) {
				t.Errorf("%q keeps %s", c.q, n)
			}
		}
	}
	// switchyard's families: only when asked for, by switchyard-metrics
	// (the value does not matter, as for no-maint) or by name.
	const fds, trans = "switchyard_process_fds_used", "switchyard_server_check_transitions_total"
	for _, c := range []struct {
		q         string
		in, notIn []string
		any       bool
	}{
		{q: "", notIn: []string{fds, trans}},
		{q: "scope=*&no-maint&extra-counters", notIn: []string{fds, trans}},
		{q: "switchyard-metrics", in: []string{fds, trans}, any: true},
		{q: "switchyard-metrics=", in: []string{fds, trans}, any: true},
		{q: "switchyard-metrics=off", in: []string{fds, trans}, any: true},
		{q: "metrics=" + trans, in: []string{trans}, notIn: []string{fds}, any: true},
		{q: "metrics=-" + trans, notIn: []string{fds, trans}},
		{q: "switchyard-metrics&metrics=-" + trans, in: []string{fds}, notIn: []string{trans}, any: true},
		{q: "switchyard-metrics&metrics=haproxy_server_status", notIn: []string{fds, trans}, any: true},
		{q: "metrics=" + trans + "&metrics=-" + trans, notIn: []string{fds, trans}, any: true},
	} {
		o, err := ParseQuery(c.q)
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if o.anyOwn() != c.any {
			t.Errorf("%q: anyOwn %v", c.q, o.anyOwn())
		}
		for _, n := range c.in {
			if !o.wantsOwn(n) {
				t.Errorf("%q leaves out %s", c.q, n)
			}
		}
		for _, n := range c.notIn {
			if o.wantsOwn(n) {
				t.Errorf("%q keeps %s", c.q, n)
			}
		}
	}
}

func TestWriteStatusAndBodies(t *testing.T) {
	src := newFake()
	status, ct, body := scrapeText(t, src, "scope")
	if status != 400 || ct != BadRequestType || body != BadRequestBody {
		t.Errorf("bare scope: %d %q %q", status, ct, body)
	}
	status, ct, body = scrapeText(t, src, "scope=")
	if status != 200 || ct != ContentType || body != "" {
		t.Errorf("empty scope: %d %q %q", status, ct, body)
	}
	if src.statsCalls+src.infoCalls+src.tablesCalls+src.extrasCalls+src.certCalls != 0 {
		t.Errorf("an empty scope read the source")
	}
}

func TestSourceReadOncePerScope(t *testing.T) {
	src := newFake()
	scrapeText(t, src, "switchyard-metrics")
	if src.statsCalls != 1 || src.infoCalls != 1 || src.tablesCalls != 1 || src.extrasCalls != 1 || src.certCalls != 1 {
		t.Errorf("calls: stats %d info %d tables %d extras %d certificates %d", src.statsCalls, src.infoCalls, src.tablesCalls, src.extrasCalls, src.certCalls)
	}
	// Without switchyard's families, their sources are not read.
	src = newFake()
	scrapeText(t, src, "")
	if src.statsCalls != 1 || src.infoCalls != 1 || src.tablesCalls != 1 || src.extrasCalls != 0 || src.certCalls != 0 {
		t.Errorf("default: stats %d info %d tables %d extras %d certificates %d", src.statsCalls, src.infoCalls, src.tablesCalls, src.extrasCalls, src.certCalls)
	}
	src = newFake()
	scrapeText(t, src, "scope=global")
	if src.statsCalls != 0 || src.tablesCalls != 0 || src.infoCalls != 1 || src.certCalls != 0 {
		t.Errorf("scope=global: stats %d tables %d info %d certificates %d", src.statsCalls, src.tablesCalls, src.infoCalls, src.certCalls)
	}
	src = newFake()
	scrapeText(t, src, "switchyard-metrics&metrics=haproxy_frontend_status")
	if src.certCalls != 0 {
		t.Errorf("certificates read for a filter without their families")
	}
	src = newFake()
	scrapeText(t, src, "scope=backend")
	if src.lastWant != ScopeBackend|ScopeServer || src.infoCalls != 0 {
		t.Errorf("scope=backend asked for %b, info read %d times", src.lastWant, src.infoCalls)
	}
}

func TestNoMaint(t *testing.T) {
	_, _, body := scrapeText(t, newFake(), "no-maint")
	fams := parseText(t, body)
	for _, f := range fams {
		for _, s := range f.series {
			if strings.Contains(s.labels, `server="s2"`) {
				t.Errorf("no-maint kept %s{%s}", f.name, s.labels)
			}
		}
	}
	// The backends' aggregates still count the servers in maintenance,
	// as haproxy's do.
	if v := sample(t, fams, "haproxy_backend_agg_server_status", `proxy="be",state="MAINT"`); v != 1 {
		t.Errorf("agg MAINT = %v under no-maint", v)
	}
	if !hasSeries(fams, "haproxy_server_status", `proxy="be",server="s3",state="DRAIN"`) {
		t.Errorf("no-maint dropped a draining server")
	}
}

func TestMetricsFilter(t *testing.T) {
	_, _, body := scrapeText(t, newFake(),
		"metrics=haproxy_server_status,haproxy_process_nbthread,switchyard_server_check_transitions_total&metrics=-haproxy_process_nbthread")
	var names []string
	for _, f := range parseText(t, body) {
		names = append(names, f.name)
	}
	if got := strings.Join(names, ","); got != "haproxy_server_status,switchyard_server_check_transitions_total" {
		t.Errorf("families %s", got)
	}
}

func TestExtras(t *testing.T) {
	// By default a scrape is haproxy's families only.
	_, _, body := scrapeText(t, newFake(), "")
	for _, f := range parseText(t, body) {
		if !strings.HasPrefix(f.name, "haproxy_") {
			t.Errorf("%s written without switchyard-metrics", f.name)
		}
	}
	_, _, body = scrapeText(t, newFake(), "switchyard-metrics")
	fams := parseText(t, body)
	// switchyard's families follow all of haproxy's.
	seen := false
	for _, f := range fams {
		if strings.HasPrefix(f.name, "switchyard_") {
			seen = true
		} else if seen {
			t.Errorf("%s after switchyard's families", f.name)
		}
	}
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"switchyard_process_fds_used", "", 50},
		{"switchyard_process_fds_limit", "", 1000},
		{"switchyard_process_fds_utilization_ratio", "", 0.05},
		{"switchyard_process_memory_used_bytes", "", 1 << 20},
		{"switchyard_process_memory_utilization_ratio", "", 0.25},
		{"switchyard_process_connections_utilization_ratio", "", 0.25},
		{"switchyard_frontend_connections_utilization_ratio", `proxy="fe"`, 0.03},
		{"switchyard_server_connections_utilization_ratio", `proxy="be",server="s1"`, 0.5},
		{"switchyard_backend_response_time_seconds_bucket", `proxy="be",le="0.005"`, 3},
		{"switchyard_backend_response_time_seconds_bucket", `proxy="be",le="30"`, 5},
		{"switchyard_backend_response_time_seconds_bucket", `proxy="be",le="+Inf"`, 6},
		{"switchyard_backend_response_time_seconds_count", `proxy="be"`, 6},
		{"switchyard_backend_response_time_seconds_sum", `proxy="be"`, 60.047},
		{"switchyard_server_response_time_seconds_bucket", `proxy="be",server="s1",le="0.001"`, 1},
		{"switchyard_server_check_transitions_total", `proxy="be",server="s1",to="up"`, 3},
		{"switchyard_server_check_transitions_total", `proxy="be",server="s1",to="down"`, 2},
		{"switchyard_server_check_transitions_total", `proxy="be",server="s2",to="down"`, 1},
	} {
		if got := sample(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, c := range []struct{ name, labels string }{
		{"switchyard_server_connections_utilization_ratio", `proxy="be",server="s2"`}, // no maxconn
		{"switchyard_server_response_time_seconds", `proxy="be",server="s2"`},         // no histogram given
	} {
		if hasSeries(fams, c.name, c.labels) {
			t.Errorf("%s{%s} written", c.name, c.labels)
		}
	}
	if f := famByName(fams, "switchyard_backend_response_time_seconds"); f == nil || f.typ != "histogram" {
		t.Errorf("response time family %+v", f)
	}

	// Without limits, no limit and no ratio; no-maint drops the extras
	// of servers in maintenance too.
	src := newFake()
	src.extras.FDsLimit, src.extras.MemoryLimitBytes = 0, 0
	_, _, body = scrapeText(t, src, "no-maint&switchyard-metrics")
	fams = parseText(t, body)
	for _, n := range []string{"switchyard_process_fds_limit", "switchyard_process_fds_utilization_ratio",
		"switchyard_process_memory_limit_bytes", "switchyard_process_memory_utilization_ratio"} {
		if famByName(fams, n) != nil {
			t.Errorf("%s written without a limit", n)
		}
	}
	if hasSeries(fams, "switchyard_server_check_transitions_total", `proxy="be",server="s2",to="down"`) {
		t.Errorf("no-maint kept the transitions of a server in maintenance")
	}
}

// The certificates' expiry: a series per certificate and bind, in seconds
// from now (negative once expired) and as a timestamp.
func TestCertificateExpiry(t *testing.T) {
	_, _, body := scrapeText(t, newFake(), "scope=frontend&switchyard-metrics")
	fams := parseText(t, body)
	www := `proxy="fe",listener="fe1",file="/etc/certs/www.pem",serial="0A1B"`
	old := `proxy="fe",listener="fe1",file="/etc/certs/old.pem",serial="07"`
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"switchyard_frontend_ssl_certificate_expiry_seconds", www, 72 * 3600},
		{"switchyard_frontend_ssl_certificate_expiry_seconds", old, -3600},
		{"switchyard_frontend_ssl_certificate_expiry_timestamp_seconds", www, float64(fakeNow.Unix() + 72*3600)},
		{"switchyard_frontend_ssl_certificate_expiry_timestamp_seconds", old, float64(fakeNow.Unix() - 3600)},
	} {
		if got := sample(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, n := range []string{"switchyard_frontend_ssl_certificate_expiry_seconds", "switchyard_frontend_ssl_certificate_expiry_timestamp_seconds"} {
		if f := famByName(fams, n); f == nil || f.typ != "gauge" || len(f.series) != 2 {
			t.Errorf("%s: %+v", n, f)
		}
	}
	// Other scopes leave them out; the filter keeps one without the other.
	_, _, body = scrapeText(t, newFake(), "scope=backend&switchyard-metrics")
	if famByName(parseText(t, body), "switchyard_frontend_ssl_certificate_expiry_seconds") != nil {
		t.Error("scope=backend wrote the certificates")
	}
	_, _, body = scrapeText(t, newFake(), "metrics=switchyard_frontend_ssl_certificate_expiry_timestamp_seconds")
	fams = parseText(t, body)
	if len(fams) != 1 || fams[0].name != "switchyard_frontend_ssl_certificate_expiry_timestamp_seconds" {
		t.Errorf("filtered: %d families", len(fams))
	}
	// No certificate, no family.
	src := newFake()
	src.certs = nil
	_, _, body = scrapeText(t, src, "switchyard-metrics")
	if famByName(parseText(t, body), "switchyard_frontend_ssl_certificate_expiry_seconds") != nil {
		t.Error("a family without certificates")
	}
}

func TestHistogramOf(t *testing.T) {
	var h counters.Histogram
	h.Observe(1)
	h.Observe(2)
	h.Observe(60000)
	x := HistogramOf(&h)
	if x.Bounds[0] != 0.001 || x.Bounds[len(x.Bounds)-1] != 30 || len(x.Cumulative) != len(x.Bounds) {
		t.Fatalf("bounds %v", x.Bounds)
	}
	if x.Cumulative[0] != 1 || x.Cumulative[1] != 2 || x.Cumulative[len(x.Cumulative)-1] != 2 || x.Count != 3 || x.Sum != 60.003 {
		t.Errorf("histogram %+v", x)
	}
}

func TestServe(t *testing.T) {
	srv := httptest.NewServer(Handler(newFake()))
	defer srv.Close()
	get := func(method, q string) (*http.Response, string) {
		req, _ := http.NewRequest(method, srv.URL+"/metrics"+q, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("GET", "?scope=global")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType ||
		resp.Header.Get("Cache-Control") != "no-cache" || !strings.HasPrefix(body, "# HELP haproxy_process_nbthread ") {
		t.Errorf("GET: %d %v %q", resp.StatusCode, resp.Header, head(body))
	}
	resp, body = get("HEAD", "")
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
	resp, body = get("GET", "?scope")
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != BadRequestType || body != BadRequestBody {
		t.Errorf("bad query: %d %v %q", resp.StatusCode, resp.Header, body)
	}
}

// Scrapes share the pooled encoders and the fixed label pairs: running
// them at once must not mix their outputs.
func TestConcurrentScrapes(t *testing.T) {
	src := bigSource()
	_, _, want := scrapeText(t, src, "switchyard-metrics")
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			var b strings.Builder
			o, _ := ParseQuery("switchyard-metrics")
			if err := o.Write(&b, src); err != nil {
				errs <- err.Error()
				return
			}
			if b.String() != want {
				errs <- "a concurrent scrape differs"
				return
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
