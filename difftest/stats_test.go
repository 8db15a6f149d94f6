package difftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Statistics: the same configuration and the same requests go through
// haproxy and switchyard, then each is asked for its numbers the three
// ways haproxy gives them: the Prometheus exporter
// (`http-request use-service prometheus-exporter`), the stats page's
// ;csv, and `show stat` and `show info` on the stats socket. What must be
// the same is the shape (families, types, help texts, label sets; the CSV
// header, its rows and which of their cells are filled) and every value
// that the traffic decides; the values that depend on time, on byte
// counts of internal buffers or on the process's memory are exempt, each
// by name below with the reason.

// statsCfg is the scenario's configuration. The frontend fe takes the
// traffic; mon answers the scrapes (always the same ones, in the same
// order, so that its own counters are deterministic too); poll answers
// the polling while the checks settle, as many times as that takes,
// which is why its values are exempt. Backend app has a checked server
// that is up (s1), a checked one whose port refuses (s2), a backup that
// has no check (b1) and one in maintenance (d1, `disabled`); backend dead
// has only a refused server, so that its requests get 503; backend bk
// runs on the first of its two backups, its active server refusing.
const statsCfg = `global
    nbthread 1
${SOCKET}
defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

frontend fe
    bind 127.0.0.1:${FE_PORT}
    http-request deny if { path_beg /deny }
    use_backend dead if { path_beg /dead }
    use_backend bk if { path_beg /bk }
    default_backend app

frontend mon
    bind 127.0.0.1:${FEMON_PORT}
    http-request use-service prometheus-exporter if { path /metrics }
    stats uri /stats

frontend poll
    bind 127.0.0.1:${FEPOLL_PORT}
    stats uri /stats

backend app
    option httpchk GET /health
    default-server inter 100ms fastinter 100ms downinter 100ms rise 2 fall 2
    server s1 127.0.0.1:${S1_PORT} check
    server s2 127.0.0.1:${CLOSED_PORT} check
    server b1 127.0.0.1:${S2_PORT} backup
    server d1 127.0.0.1:${CLOSED2_PORT} disabled

backend bk
    option httpchk GET /health
    default-server inter 100ms fastinter 100ms downinter 100ms rise 2 fall 2
    server a1 127.0.0.1:${CLOSED_PORT} check
    server bb1 127.0.0.1:${S3_PORT} backup weight 3
    server bb2 127.0.0.1:${S4_PORT} backup weight 5

backend dead
    option httpchk GET /health
    default-server inter 100ms fastinter 100ms downinter 100ms rise 2 fall 2
    server x1 127.0.0.1:${CLOSED_PORT} check
`

const statsSocketLine = "    stats socket ${DIR}/stats.sock level admin\n"

// statsTraffic is the scenario's requests, each on a connection of its
// own but for the two of the keep-alive connection at the end, each
// waited for to the end before the next.
func statsTraffic(fe string) []string {
	var lines []string
	for _, path := range []string{"/", "/a", "/missing", "/deny", "/dead", "/b", "/bk", "/bk/missing"} {
		code, body, err := httpGet(fe, path)
		if err != nil {
			lines = append(lines, fmt.Sprintf("GET %s: %v", path, err))
			continue
		}
		lines = append(lines, fmt.Sprintf("GET %s: %d %q", path, code, firstN(string(body), 40)))
	}
	// Two requests on one connection: one session, two requests.
	cc, err := dialClient(fe, "")
	if err != nil {
		return append(lines, "keep-alive: "+err.Error())
	}
	defer cc.c.Close()
	cc.send("GET /k1 HTTP/1.1\r\nhost: stats.test\r\n\r\nGET /k2 HTTP/1.1\r\nhost: stats.test\r\nconnection: close\r\n\r\n", stepWait)
	cc.c.SetReadDeadline(time.Now().Add(stepWait))
	for i := 0; i < 2; i++ {
		r, _ := readResponse(cc.r, false)
		lines = append(lines, fmt.Sprintf("keep-alive r%d: %s %q %s", i+1, r.status, r.body, r.err))
	}
	cc.r.rest()
	return lines
}

// statsExemptFamilies are the exporter's families whose values are not
// compared (their presence, type, help and label sets are), each with
// why. Samples of the frontend poll are exempt too (see statsExemptRows).
var statsExemptFamilies = map[string]string{
	"haproxy_process_uptime_seconds":                "time",
	"haproxy_process_start_time_seconds":            "time",
	"haproxy_process_idle_time_percent":             "time spent idle",
	"haproxy_process_pool_allocated_bytes":          "memory: haproxy's pools, Go's heap",
	"haproxy_process_pool_used_bytes":               "memory: haproxy's pools, Go's heap",
	"haproxy_process_current_tasks":                 "scheduler internals: haproxy's tasks, Go's goroutines",
	"haproxy_process_current_run_queue":             "scheduler internals",
	"haproxy_process_connections_total":             "counts the polls, as many as the checks took to settle",
	"haproxy_process_requests_total":                "counts the polls",
	"haproxy_process_current_connection_rate":       "per-second rate: depends on which second each connection fell in",
	"haproxy_process_max_connection_rate":           "per-second rate",
	"haproxy_process_current_session_rate":          "per-second rate",
	"haproxy_process_max_session_rate":              "per-second rate",
	"haproxy_process_current_ssl_rate":              "per-second rate",
	"haproxy_process_max_ssl_rate":                  "per-second rate",
	"haproxy_process_current_frontend_ssl_key_rate": "per-second rate",
	"haproxy_process_max_frontend_ssl_key_rate":     "per-second rate",
	"haproxy_process_frontend_ssl_reuse":            "a ratio of per-second rates",
	"haproxy_process_current_backend_ssl_key_rate":  "per-second rate",
	"haproxy_process_max_backend_ssl_key_rate":      "per-second rate",
	"haproxy_process_bytes_out_total":               "bytes: haproxy counts the bytes of its internal HTX messages",
	"haproxy_process_bytes_out_rate":                "bytes, per second",
	"haproxy_frontend_bytes_in_total":               "bytes (HTX)",
	"haproxy_frontend_bytes_out_total":              "bytes (HTX)",
	"haproxy_frontend_max_session_rate":             "per-second rate",
	"haproxy_frontend_connections_rate_max":         "per-second rate",
	"haproxy_frontend_http_requests_rate_max":       "per-second rate",
	"haproxy_backend_bytes_in_total":                "bytes (HTX)",
	"haproxy_backend_bytes_out_total":               "bytes (HTX)",
	"haproxy_backend_max_session_rate":              "per-second rate",
	"haproxy_backend_check_last_change_seconds":     "time",
	"haproxy_backend_downtime_seconds_total":        "time",
	"haproxy_backend_queue_time_average_seconds":    "time",
	"haproxy_backend_connect_time_average_seconds":  "time",
	"haproxy_backend_response_time_average_seconds": "time",
	"haproxy_backend_total_time_average_seconds":    "time",
	"haproxy_backend_max_queue_time_seconds":        "time",
	"haproxy_backend_max_connect_time_seconds":      "time",
	"haproxy_backend_max_response_time_seconds":     "time",
	"haproxy_backend_max_total_time_seconds":        "time",
	"haproxy_listener_bytes_in_total":               "bytes (HTX)",
	"haproxy_listener_bytes_out_total":              "bytes (HTX)",
	"haproxy_server_bytes_in_total":                 "bytes (HTX)",
	"haproxy_server_bytes_out_total":                "bytes (HTX)",
	"haproxy_server_max_session_rate":               "per-second rate",
	"haproxy_server_check_last_change_seconds":      "time",
	"haproxy_server_downtime_seconds_total":         "time",
	"haproxy_server_check_duration_seconds":         "time",
	"haproxy_server_check_failures_total":           "one per check interval while a server is down: grows with time",
	"haproxy_server_queue_time_average_seconds":     "time",
	"haproxy_server_connect_time_average_seconds":   "time",
	"haproxy_server_response_time_average_seconds":  "time",
	"haproxy_server_total_time_average_seconds":     "time",
	"haproxy_server_max_queue_time_seconds":         "time",
	"haproxy_server_max_connect_time_seconds":       "time",
	"haproxy_server_max_response_time_seconds":      "time",
	"haproxy_server_max_total_time_seconds":         "time",
}

// statsNeverFamilies and statsNeverColumns are times since the last
// session: only whether there was one (-1 says never) is compared.
var (
	statsNeverFamilies = map[string]bool{"haproxy_backend_last_session_seconds": true, "haproxy_server_last_session_seconds": true}
	statsNeverColumns  = map[string]bool{"lastsess": true}
)

// statsExemptColumns are the columns of the CSV and of `show stat` whose
// values are not compared; whether the cell is empty or filled is.
var statsExemptColumns = map[string]string{
	"bin":            "bytes: haproxy counts the bytes of its internal HTX messages",
	"bout":           "bytes (HTX)",
	"h1_bytes_in":    "bytes (HTX)",
	"h1_bytes_out":   "bytes (HTX)",
	"lastchg":        "time since the last state change",
	"downtime":       "time spent down",
	"qtime":          "time",
	"ctime":          "time",
	"rtime":          "time",
	"ttime":          "time",
	"qtime_max":      "time",
	"ctime_max":      "time",
	"rtime_max":      "time",
	"ttime_max":      "time",
	"check_duration": "time",
	"agent_duration": "time",
	"rate":           "per-second rate: depends on which second each request fell in",
	"rate_max":       "per-second rate",
	"req_rate":       "per-second rate",
	"req_rate_max":   "per-second rate",
	"conn_rate":      "per-second rate",
	"conn_rate_max":  "per-second rate",
	"chkfail":        "one failed check per check interval while a server is down: grows with time",
	"used_conn_cur":  "haproxy counts a health check's connection while it is open (conn_new calls srv_use_conn): a scrape during a check reads 1",
}

// statsExemptBackendColumns are columns exempt in backend rows only:
// haproxy's HTTP/1 multiplexer counts the health checks' connections and
// streams on the backend, so these grow with time (and read 1 open while
// a check runs); on frontends they count the clients only.
var statsExemptBackendColumns = map[string]string{
	"h1_total_connections": "counts the health checks' connections",
	"h1_total_streams":     "counts the health checks' requests",
	"h1_open_connections":  "counts a health check's connection while it is open",
	"h1_open_streams":      "counts a health check's request while it runs",
}

// statsExemptRows are rows (pxname/svname) whose values are all exempt, in
// every output.
var statsExemptRows = map[string]string{
	"poll/FRONTEND": "answered the polls, as many as the checks took to settle",
}

// statsExemptInfo are the `show info` fields whose values are not
// compared. The others are compared: they follow from the configuration
// (nbthread, limits, listeners), from the environment both processes share
// (the descriptor limit, the node name), or from the scenario (no SSL, no
// compression, no peers, no open client connection while the CLI asks).
var statsExemptInfo = map[string]string{
	"Name": "product", "Version": "product", "Release_date": "product", "Build info": "product",
	"Pid": "process", "Uptime": "time", "Uptime_sec": "time", "Start_time_sec": "time",
	"PoolAlloc_MB": "memory", "PoolUsed_MB": "memory", "PoolAlloc_bytes": "memory", "PoolUsed_bytes": "memory",
	"CumConns": "counts the polls", "CumReq": "counts the polls",
	"ConnRate": "per-second rate", "MaxConnRate": "per-second rate",
	"SessRate": "per-second rate", "MaxSessRate": "per-second rate",
	"SslRate": "per-second rate", "MaxSslRate": "per-second rate",
	"SslFrontendKeyRate": "per-second rate", "SslFrontendMaxKeyRate": "per-second rate",
	"SslBackendKeyRate": "per-second rate", "SslBackendMaxKeyRate": "per-second rate",
	"SslFrontendSessionReuse_pct": "a ratio of per-second rates",
	"Tasks":                       "scheduler internals", "Run_queue": "scheduler internals", "Idle_pct": "time spent idle",
	"TotalBytesOut": "bytes (HTX)", "BytesOutRate": "bytes, per second",
}

// statsBug is a difference from haproxy that is a bug of switchyard's:
// the comparison of the items whose keys match is reported, not failed
// (DIFFTEST_BUGS=1 fails it), and a bug that no longer shows fails the
// test, so that its entry is removed once it is fixed.
type statsBug struct {
	keys *regexp.Regexp
	what string
	racy bool // it shows or not depending on timing: not showing is no news
}

var statsBugs = []statsBug{
	{
		keys: regexp.MustCompile(`^((csv|show stat) \S+/(FRONTEND|clear|tls) (scur|smax)|metrics haproxy_(frontend|listener)_(current|max)_sessions\{.*\}|metrics haproxy_process_current_connections\{\}|show info CurrConns)$`),
		what: "a frontend's current sessions count a connection already closed: httpStream.end (proxy/http.go) closes " +
			"the client connection, then releases the session's slots (Runtime.done), so a client that reads the end " +
			"of its connection and reconnects at once can be counted twice (smax 2 for one client at a time, or scur " +
			"1 too many in a scrape); haproxy releases the session before it accepts the next connection (smax 1). " +
			"Whether it shows depends on timing",
		racy: true,
	},
	{
		keys: regexp.MustCompile(`^(csv \S+/FRONTEND slim|show stat \S+/FRONTEND slim|metrics haproxy_process_(hard_)?max_connections\{\}|metrics haproxy_frontend_limit_sessions\{.*\}|show info (Maxconn|Hard_maxconn)|metrics haproxy_process_max_(fds|sockets)\{\}|show info (Ulimit-n|Maxsock))$`),
		what: "the maxconn derived from the descriptor limit (global maxconn unset): haproxy's compute_ideal_maxconn is " +
			"(limit - maxsock - 3*nbthread) / 2, where maxsock is 10 + one per listener (the stats socket's included) + " +
			"one per server with a check + the CLI frontend's maxconn (10) when there is a stats socket: 9984 here with " +
			"a limit of 20000; switchyard's derivedMaxConn (proxy/fds.go) is (limit - 20 - TCP listeners) / 2: 9988. " +
			"haproxy then sets its descriptor limit to the maxsock that maxconn needs (2*maxconn + the same reserve), " +
			"which is what Ulimit-n and Maxsock show (19999 here, where switchyard shows the limit, 20000), so the " +
			"two agree or not with the parity of the reserve",
	},
	{
		keys: regexp.MustCompile(`^(metrics haproxy_process_(listeners|jobs)\{\}|show info (Listeners|Jobs))$`),
		what: "Listeners and Jobs: haproxy counts the stats socket as a listener (4 here, switchyard 3) and a CLI " +
			"session as a job (show info asked on the socket: Jobs 5 = 4 listeners + that session; switchyard 3)",
	},
	{
		keys: regexp.MustCompile(`^(csv|show stat) \S+ (h2|h1)_\S+$`),
		what: "the HTTP/2 and HTTP/1 stats modules' columns after `-`: haproxy fills them (h2_* 0 and h1_* on " +
			"frontends and backends: h1_open_connections, h1_open_streams, h1_total_connections, h1_total_streams " +
			"counted, bytes); switchyard leaves these cells empty (stats/csv.go: rows carry the ssl module only, and " +
			"no such counters in the data plane)",
	},
	{
		keys: regexp.MustCompile(`^(csv|show stat) (app/s2|bk/a1|dead/x1) need_conn_est$|^metrics haproxy_server_need_connections_current\{proxy="(app|bk|dead)",server="(s2|a1|x1)"\}$`),
		what: "need_conn_est of a server with a check and no traffic: haproxy counts every connection made to the " +
			"server, the health checks' included (conn_new calls srv_use_conn), in max_used_conns and est_need_conns, " +
			"so such a server reads 1; switchyard counts only the traffic's connections (Pool.Begin, from the " +
			"proxy), so it reads 0",
	},
}

func TestStats(t *testing.T) {
	runStatsScenario(t, statsCfg, statsWant, func(addr func(string) string) []string { return statsTraffic(addr("FE_PORT")) }, nil, statsBugs)
}

// runStatsScenario runs cfg (${SOCKET} standing for the stats socket's
// line) through both proxies, waits for the check state want, sends the
// traffic and compares the numbers. The known bugs are shared (those of
// another scenario, which may show here too) and own: one of its own that
// no longer shows fails the test.
func runStatsScenario(t *testing.T, statsCfg string, want map[string]string, traffic statsTrafficFunc, shared, own []statsBug) {
	needHAProxy(t)
	if buildErr != nil {
		t.Fatalf("switchyard did not build: %v", buildErr)
	}
	t.Parallel()
	withSocket := strings.Replace(statsCfg, "${SOCKET}", statsSocketLine, 1)
	socket := true
	if why := configRefusesStatsSocket(t, withSocket); why != "" {
		socket = false
		t.Logf("the stats socket part is skipped: %s", why)
	}
	cfg := statsCfg
	if socket {
		cfg = withSocket
	}
	cfg = strings.Replace(cfg, "${SOCKET}", "", 1)
	ref, cand := runBoth(t, cfg, want, socket, traffic)
	if w := hcUnexpectedWarnings(warnings(ref.out)); w != "" {
		t.Errorf("haproxy warns about the scenario's config:\n%s", indent(w))
	}
	if dir := os.Getenv("DIFFTEST_STATS_DUMP"); dir != "" {
		dumpStats(t, dir, "haproxy", ref)
		dumpStats(t, dir, "switchyard", cand)
	}
	if cand.settled != "" {
		t.Fatalf("%s: %s\n%s output:\n%s", candidateName, cand.settled, candidateName, indent(cand.out))
	}
	if d := diffLines(ref.traffic, cand.traffic); d != "" {
		t.Fatalf("the clients saw different answers, so the numbers cannot agree (- haproxy, + %s):\n%s", candidateName, d)
	}
	bugs := &statsBugLog{list: append(append([]statsBug(nil), shared...), own...), seen: map[int][]string{}}
	t.Run("prometheus", func(t *testing.T) {
		compareStatsItems(t, bugs, "/metrics", promItems, ref.metrics, cand.metrics)
	})
	t.Run("csv", func(t *testing.T) {
		compareStatsItems(t, bugs, ";csv", csvItems("csv"), ref.csv, cand.csv)
	})
	t.Run("show-stat", func(t *testing.T) {
		if !socket {
			t.Skip("stats socket not wired yet")
		}
		compareStatsItems(t, bugs, "show stat", csvItems("show stat"), ref.showStat, cand.showStat)
	})
	t.Run("show-info", func(t *testing.T) {
		if !socket {
			t.Skip("stats socket not wired yet")
		}
		compareStatsItems(t, bugs, "show info", infoItems, ref.showInfo, cand.showInfo)
	})
	if candidateName != "switchyard" || bugsOn() {
		return
	}
	for i, b := range bugs.list {
		if seen := bugs.seen[i]; len(seen) > 0 {
			if len(seen) > 8 {
				seen = append(seen[:8:8], fmt.Sprintf("... and %d more", len(seen)-8))
			}
			t.Logf("BUG (not failing the test; DIFFTEST_BUGS=1 does): %s\n  seen:\n    %s", b.what, strings.Join(seen, "\n    "))
		} else if i >= len(shared) && socket && !b.racy && !t.Failed() {
			t.Errorf("a known difference no longer shows: remove its entry from statsBugs: %s", b.what)
		}
	}
}

func bugsOn() bool { return os.Getenv("DIFFTEST_BUGS") == "1" }

// statsBugLog collects, per entry of list (the scenario's known bugs), the
// differences seen.
type statsBugLog struct {
	list []statsBug
	mu   sync.Mutex
	seen map[int][]string
}

// statsItems are the compared things of one output, by key ("csv app/s1
// status", "metrics haproxy_server_status{...}"), in the order met.
type statsItems struct {
	keys []string
	vals map[string]string
}

func (s *statsItems) add(key, val string) {
	if s.vals == nil {
		s.vals = map[string]string{}
	}
	if _, dup := s.vals[key]; !dup {
		s.keys = append(s.keys, key)
	}
	s.vals[key] = val
}

// compareStatsItems renders both outputs as items and reports the
// differences, but for those of known bugs (see statsBug).
func compareStatsItems(t *testing.T, bugs *statsBugLog, what string, items func(string) (statsItems, error), ref, cand string) {
	t.Helper()
	a, err := items(ref)
	if err != nil {
		t.Fatalf("haproxy's %s: %v", what, err)
	}
	b, err := items(cand)
	if err != nil {
		t.Fatalf("%s's %s: %v\n%s", candidateName, what, err, firstN(cand, 2000))
	}
	keys := append([]string(nil), a.keys...)
	for _, k := range b.keys {
		if _, in := a.vals[k]; !in {
			keys = append(keys, k)
		}
	}
	var diffs []string
	for _, k := range keys {
		va, ina := a.vals[k]
		vb, inb := b.vals[k]
		if ina && inb && (va == vb || va == statsInProgress || vb == statsInProgress) {
			continue
		}
		var d string
		switch {
		case !ina:
			d = fmt.Sprintf("%s: only in %s (%q)", k, candidateName, vb)
		case !inb:
			d = fmt.Sprintf("%s: only in haproxy (%q)", k, va)
		case strings.Contains(va+vb, "\n"):
			d = fmt.Sprintf("%s (- haproxy, + %s):\n%s", k, candidateName, diffLines(strings.Split(va, "\n"), strings.Split(vb, "\n")))
		default:
			d = fmt.Sprintf("%s: haproxy %q, %s %q", k, va, candidateName, vb)
		}
		if i := bugs.of(k); i >= 0 && candidateName == "switchyard" && !bugsOn() {
			bugs.mu.Lock()
			bugs.seen[i] = append(bugs.seen[i], d)
			bugs.mu.Unlock()
			continue
		}
		diffs = append(diffs, d)
	}
	if len(diffs) > 0 {
		t.Errorf("%s of %s differs from haproxy's in %d place(s):\n  %s", what, candidateName, len(diffs), strings.Join(diffs, "\n  "))
	}
}

// of returns the index in list of the bug an item's key
// belongs to, -1 for none.
func (bugs *statsBugLog) of(key string) int {
	for i, b := range bugs.list {
		if b.keys.MatchString(key) {
			return i
		}
	}
	return -1
}

// promItems renders a scrape: the families in order (switchyard's own,
// named switchyard_* and documented in promex/doc.go, left out), each
// one's type, help and samples' label sets, and each sample's value
// unless exempt.
func promItems(text string) (statsItems, error) {
	var it statsItems
	order, fams, err := parseProm(text)
	if err != nil {
		return it, err
	}
	var names []string
	for _, name := range order {
		if strings.HasPrefix(name, "switchyard_") {
			continue
		}
		names = append(names, name)
	}
	it.add("metrics families", strings.Join(names, "\n"))
	for _, name := range names {
		f := fams[name]
		it.add("metrics "+name+" TYPE", f.typ)
		it.add("metrics "+name+" HELP", f.help)
		var sets []string
		for _, k := range f.order {
			sets = append(sets, promKey(k))
		}
		it.add("metrics "+name+" samples", strings.Join(sets, "\n"))
		for _, k := range f.order {
			it.add("metrics "+promKey(k), promValueOf(name, k, f.samples[k]))
		}
	}
	return it, nil
}

// promKey is a sample's key with the product's version left out of
// haproxy_process_build_info.
func promKey(k string) string {
	if v := labelValue(k, "version"); v != "" {
		return strings.Replace(k, `version="`+v+`"`, `version="<version>"`, 1)
	}
	return k
}

// promValueOf renders a sample's value for comparison: the number (1 and
// 1.000000 alike), or for exempt ones only whether there is one.
func promValueOf(family, key, v string) string {
	f, ok := promValue(v)
	if !ok {
		return v // NaN, or not a number at all
	}
	switch {
	case statsExemptFamilies[family] != "", statsExemptRows[labelValue(key, "proxy")+"/FRONTEND"] != "" && labelValue(key, "server") == "":
		return "<number>"
	case statsNeverFamilies[family]:
		if f == -1 {
			return "-1 (never)"
		}
		return "<seconds>"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// statsInProgress stands for the cells of a check that is running when
// the stats are read; they are not compared.
const statsInProgress = "<check in progress>"

// csvItems renders the CSV of `show stat` (the stats page's ;csv, or the
// CLI's): its header line as it is, the rows in order, and each cell,
// keyed by its row and column names; exempt cells only say whether they
// are filled.
func csvItems(what string) func(string) (statsItems, error) {
	return func(text string) (statsItems, error) {
		var it statsItems
		header, rows, err := parseCSV(text)
		if err != nil {
			return it, err
		}
		it.add(what+" header", header)
		cols := strings.Split(strings.TrimPrefix(header, "# "), ",")
		var names []string
		for _, r := range rows {
			names = append(names, r[0]+"/"+r[1])
		}
		it.add(what+" rows", strings.Join(names, "\n"))
		for i, r := range rows {
			// haproxy shows a check in progress as "* " before the last
			// status, and the last check's output (last_chk) empty until
			// it ends; which scrape falls during a check is timing.
			// switchyard never shows one (an observation of the report,
			// not compared).
			inProgress := map[string]bool{}
			for j, cell := range r {
				if st := strings.TrimSuffix(cols[j], "_status"); st != cols[j] && (st == "check" || st == "agent") && strings.HasPrefix(cell, "* ") {
					inProgress[st] = true
				}
			}
			for j, cell := range r {
				col := cols[j]
				if col == "-" {
					continue
				}
				v := cell
				switch {
				case col == "check_status" && inProgress["check"], col == "agent_status" && inProgress["agent"],
					col == "last_chk" && inProgress["check"], col == "last_agt" && inProgress["agent"]:
					v = statsInProgress
				case cell == "":
				case statsExemptColumns[col] != "", statsExemptRows[names[i]] != "",
					r[1] == "BACKEND" && statsExemptBackendColumns[col] != "":
					v = "<filled>"
				case statsNeverColumns[col]:
					if cell != "-1" {
						v = "<seconds>"
					}
				}
				it.add(what+" "+names[i]+" "+col, v)
			}
		}
		return it, nil
	}
}

// infoItems renders `show info`: the field names in order, and the values
// of the fields not exempt.
func infoItems(text string) (statsItems, error) {
	var it statsItems
	var names []string
	for _, l := range strings.Split(text, "\n") {
		if l == "" {
			continue
		}
		name, v, ok := strings.Cut(l, ": ")
		if !ok {
			name, v, ok = strings.Cut(l, ":")
		}
		if !ok {
			return it, fmt.Errorf("not a field: %q", l)
		}
		names = append(names, name)
		if statsExemptInfo[name] == "" {
			it.add("show info "+name, v)
		}
	}
	if len(names) == 0 {
		return it, fmt.Errorf("no field in %q", firstN(text, 200))
	}
	it.add("show info fields", strings.Join(names, "\n"))
	return it, nil
}

// configRefusesStatsSocket runs switchyard's config check on cfg and says
// why it refuses, if it refuses because of the `stats socket` line.
func configRefusesStatsSocket(t *testing.T, cfg string) string {
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.cfg")
	cfg = placeholder.ReplaceAllStringFunc(cfg, func(s string) string {
		if s == "${DIR}" {
			return dir
		}
		return "1"
	})
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(candidate, "-c", "-f", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "stats socket") {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// dumpStats writes what a run observed into dir (DIFFTEST_STATS_DUMP), to
// read the outputs in full.
func dumpStats(t *testing.T, dir, who string, o *statsObs) {
	for name, s := range map[string]string{"metrics": o.metrics, "csv": o.csv, "showstat": o.showStat,
		"showinfo": o.showInfo, "out": o.out, "traffic": strings.Join(o.traffic, "\n")} {
		if err := os.WriteFile(filepath.Join(dir, who+"."+name), []byte(s), 0o644); err != nil {
			t.Log(err)
		}
	}
}
