package difftest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Helpers of stats_test.go: an origin that answers by path, the parsers of
// the exporter's text format and of the CSV, a CLI client for the stats
// socket, and one run of the statistics scenario against one proxy.

// statsOrigin answers /health 200 (checks pass), /missing 404 and anything
// else 200, always closing the connection after the response: no server
// connection is ever idle, so that the connect, reuse and idle-connection
// counters do not depend on when a proxy purges its pools.
type statsOrigin struct {
	ln  net.Listener
	srv *http.Server
}

func startStatsOrigin(name string) (*statsOrigin, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &statsOrigin{ln: ln}
	o.srv = &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("content-type", "text/plain")
			switch r.URL.Path {
			case "/health":
				io.WriteString(w, "healthy")
			case "/missing":
				w.WriteHeader(404)
				io.WriteString(w, "not here")
			default:
				io.WriteString(w, name)
			}
		}),
	}
	o.srv.SetKeepAlivesEnabled(false)
	go o.srv.Serve(ln)
	return o, nil
}

func (o *statsOrigin) port() int { return o.ln.Addr().(*net.TCPAddr).Port }

func (o *statsOrigin) close() { o.srv.Close() }

// promFamily is one metric family of a scrape.
type promFamily struct {
	help, typ string
	// samples maps a sample's name and labels, as written (labels sorted
	// by name), to its value as written.
	samples map[string]string
	order   []string // sample keys, in the order written
}

// parseProm reads the Prometheus text format: families in the order
// written, by name. A HELP or TYPE line opens a family; a sample whose
// name is the family's with _bucket, _sum or _count belongs to it.
func parseProm(text string) (order []string, fams map[string]*promFamily, err error) {
	fams = map[string]*promFamily{}
	fam := func(name string) *promFamily {
		f := fams[name]
		if f == nil {
			f = &promFamily{samples: map[string]string{}}
			fams[name] = f
			order = append(order, name)
		}
		return f
	}
	cur := ""
	for i, l := range strings.Split(text, "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "# HELP "), strings.HasPrefix(l, "# TYPE "):
			name, rest, _ := strings.Cut(l[7:], " ")
			f := fam(name)
			if l[2] == 'H' {
				f.help = rest
			} else {
				f.typ = rest
			}
			cur = name
		case strings.HasPrefix(l, "#"):
		default:
			name, labels, value, perr := parseSample(l)
			if perr != nil {
				return nil, nil, fmt.Errorf("line %d %q: %v", i+1, l, perr)
			}
			owner := name
			if cur != "" && (name == cur || strings.HasPrefix(name, cur+"_") &&
				contains([]string{"_bucket", "_sum", "_count"}, name[len(cur):])) {
				owner = cur
			}
			f := fam(owner)
			key := name + "{" + labels + "}"
			if _, dup := f.samples[key]; dup {
				return nil, nil, fmt.Errorf("line %d: sample %s written twice", i+1, key)
			}
			f.samples[key] = value
			f.order = append(f.order, key)
		}
	}
	return order, fams, nil
}

// parseSample splits `name{a="x",b="y"} value`; the labels come back
// sorted by name and joined by commas.
func parseSample(l string) (name, labels, value string, err error) {
	i := strings.IndexAny(l, "{ ")
	if i < 0 {
		return "", "", "", errors.New("no value")
	}
	name, rest := l[:i], l[i:]
	var pairs []string
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return "", "", "", errors.New("malformed labels")
			}
			lname := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					return "", "", "", errors.New("unterminated label value")
				}
				c := rest[0]
				rest = rest[1:]
				if c == '\\' && rest != "" {
					v.WriteByte(c)
					c = rest[0]
					rest = rest[1:]
				} else if c == '"' {
					break
				}
				v.WriteByte(c)
			}
			pairs = append(pairs, lname+`="`+v.String()+`"`)
			rest = strings.TrimPrefix(rest, ",")
		}
	}
	sort.Strings(pairs)
	f := strings.Fields(rest)
	if len(f) < 1 {
		return "", "", "", errors.New("no value")
	}
	return name, strings.Join(pairs, ","), f[0], nil
}

// promValue reads a sample value; haproxy prints 1.000000 where the
// Prometheus library prints 1, which are the same number.
func promValue(s string) (float64, bool) {
	switch s {
	case "NaN":
		return 0, false
	case "+Inf":
		return math.Inf(1), true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// labelsOf returns the label part of a sample key.
func labelsOf(key string) string {
	i := strings.IndexByte(key, '{')
	return key[i:]
}

// labelValue returns the value of label name in a sample key, "" if none.
func labelValue(key, name string) string {
	l := strings.TrimSuffix(strings.TrimPrefix(labelsOf(key), "{"), "}")
	for _, kv := range strings.Split(l, `",`) {
		if v, ok := strings.CutPrefix(kv, name+`="`); ok {
			return strings.TrimSuffix(v, `"`)
		}
	}
	return ""
}

// parseCSV splits `show stat`'s CSV into its header line and its rows'
// cells (each line ends with a comma, so the last cell is dropped).
func parseCSV(text string) (header string, rows [][]string, err error) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ") {
		return "", nil, fmt.Errorf("no CSV header in %q", firstN(text, 200))
	}
	header = lines[0]
	n := len(strings.Split(header, ","))
	for i, l := range lines[1:] {
		cells := strings.Split(l, ",")
		if len(cells) != n {
			return "", nil, fmt.Errorf("row %d has %d cells, the header %d: %q", i+1, len(cells), n, l)
		}
		rows = append(rows, cells[:n-1])
	}
	return header, rows, nil
}

// csvColumn is the index of a column of the header line, -1 if none.
func csvColumn(header, name string) int {
	for i, c := range strings.Split(strings.TrimPrefix(header, "# "), ",") {
		if c == name {
			return i
		}
	}
	return -1
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// cliCommand sends one command on the stats socket and reads the answer
// to the end (a non-interactive session: the proxy closes after it).
func cliCommand(path, cmd string) (string, error) {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// httpGet sends one GET on a connection of its own ("connection: close")
// and returns the status code and the body once the proxy has closed the
// connection: haproxy has ended the session by then, so that its end is
// counted before anything else happens (switchyard may not have yet: see
// the first of statsBugs).
func httpGet(addr, path string) (int, []byte, error) {
	cc, err := dialClient(addr, "")
	if err != nil {
		return 0, nil, err
	}
	defer cc.c.Close()
	if err := cc.send("GET "+path+" HTTP/1.1\r\nhost: stats.test\r\nconnection: close\r\n\r\n", 3*time.Second); err != nil {
		return 0, nil, err
	}
	cc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r, _ := readResponse(cc.r, false)
	if r.status == "" {
		return 0, nil, fmt.Errorf("GET %s: no response (%s)", path, r.err)
	}
	if r.err != "" && r.err != "eof" {
		return r.code, r.body, fmt.Errorf("GET %s: %s", path, r.err)
	}
	cc.r.rest()
	return r.code, r.body, nil
}

// statsObs is what one run of the scenario observed.
type statsObs struct {
	traffic  []string // what the client saw, one line per request
	settled  string   // why waiting for the check state ended, if not settled
	metrics  string   // /metrics of the exporter
	csv      string   // ;csv of the stats page
	showStat string   // `show stat` on the stats socket
	showInfo string   // `show info` on the stats socket
	out      string   // the proxy's output
}

// statsSettleWait bounds the wait for the servers' check state: a check
// every 100ms, two to rise or fall.
const statsSettleWait = 10 * time.Second

// statsTrafficFunc sends a scenario's traffic; addr gives the address of a
// port placeholder of the configuration ("FE_PORT").
type statsTrafficFunc func(addr func(name string) string) []string

// runStats runs the scenario of cfg (see TestStats) against bin.
func runStats(t *testing.T, bin, cfg string, want map[string]string, socket bool, traffic statsTrafficFunc) (*statsObs, error) {
	for attempt := 0; ; attempt++ {
		o, err := runStatsOnce(t, bin, cfg, want, socket, traffic)
		if !errors.Is(err, errPortClash) || attempt == 2 {
			return o, err
		}
	}
}

func runStatsOnce(t *testing.T, bin, cfg string, want map[string]string, socket bool, traffic statsTrafficFunc) (*statsObs, error) {
	dir, err := os.MkdirTemp("", "difftest-stats-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var origins []*statsOrigin
	defer func() {
		for _, o := range origins {
			o.close()
		}
	}()
	ports := map[string]int{}
	var listen []int
	for _, m := range placeholder.FindAllStringSubmatch(cfg, -1) {
		name := m[1]
		if _, done := ports[name]; done || name == "DIR" {
			continue
		}
		switch {
		case originVar.MatchString(name):
			o, err := startStatsOrigin(strings.ToLower(strings.TrimSuffix(name, "_PORT")))
			if err != nil {
				return nil, err
			}
			origins = append(origins, o)
			ports[name] = o.port()
		case feVar.MatchString(name), closedVar.MatchString(name):
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			ports[name] = p
			if feVar.MatchString(name) {
				listen = append(listen, p)
			}
		default:
			return nil, fmt.Errorf("config uses unknown placeholder ${%s}", name)
		}
	}
	cfg = placeholder.ReplaceAllStringFunc(cfg, func(s string) string {
		name := s[2 : len(s)-1]
		if name == "DIR" {
			return dir
		}
		return strconv.Itoa(ports[name])
	})
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	p, err := startProxy(t, bin, path, nil, listen)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	addr := func(name string) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[name])) }
	obs := &statsObs{}
	sock := filepath.Join(dir, "stats.sock")
	if socket {
		// The proxy binds its stats socket with its listeners; a file
		// that is not there yet is waited for, briefly.
		deadline := time.Now().Add(5 * time.Second)
		for {
			if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s listens but its stats socket %s is not there after 5s:\n%s",
					filepath.Base(bin), sock, p.out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	obs.settled = statsSettle(addr("FEPOLL_PORT"), want)
	obs.traffic = traffic(addr)
	// The scrapes, always in this order on the frontend mon, so that each
	// one counts the same requests before it on both proxies.
	if _, b, err := httpGet(addr("FEMON_PORT"), "/metrics"); err != nil {
		obs.metrics = "error: " + err.Error()
	} else {
		obs.metrics = string(b)
	}
	if _, b, err := httpGet(addr("FEMON_PORT"), "/stats;csv"); err != nil {
		obs.csv = "error: " + err.Error()
	} else {
		obs.csv = string(b)
	}
	if socket {
		if obs.showStat, err = cliCommand(sock, "show stat"); err != nil {
			obs.showStat = "error: " + err.Error()
		}
		if obs.showInfo, err = cliCommand(sock, "show info"); err != nil {
			obs.showInfo = "error: " + err.Error()
		}
	}
	if p.stop() {
		return nil, fmt.Errorf("%s exited on its own during the scenario:\n%s", filepath.Base(bin), p.out.String())
	}
	obs.out = p.out.String()
	// Server addresses (`show stat` has them) name the placeholder, not
	// this run's port.
	byPort := map[string]string{}
	for name, port := range ports {
		byPort[strconv.Itoa(port)] = "${" + name + "}"
	}
	norm := func(s string) string {
		return loopbackPort.ReplaceAllStringFunc(s, func(m string) string {
			if name, ok := byPort[m[len("127.0.0.1:"):]]; ok {
				return "127.0.0.1:" + name
			}
			return m
		})
	}
	obs.metrics, obs.csv, obs.showStat = norm(obs.metrics), norm(obs.csv), norm(obs.showStat)
	return obs, nil
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// statsWant is the check state both proxies must reach before the traffic
// and the scrapes of TestStats: the checked server that answers is fully up, the ones
// whose port refuses are fully down (health 0: no "DOWN 1/2").
var statsWant = map[string]string{"app/s1": "UP", "app/s2": "DOWN", "bk/a1": "DOWN", "dead/x1": "DOWN"}

// statsSettle polls the stats page of the frontend poll until the servers
// are in the state statsWant says (no server: the first answer will do);
// it returns "" once they are, else what it last saw.
func statsSettle(addr string, statsWant map[string]string) string {
	deadline := time.Now().Add(statsSettleWait)
	last := ""
	for {
		_, body, err := httpGet(addr, "/stats;csv")
		if err != nil {
			last = err.Error()
		} else if header, rows, err := parseCSV(string(body)); err != nil {
			last = err.Error()
		} else {
			status := csvColumn(header, "status")
			if status < 0 {
				return "no status column in " + header
			}
			// A server that starts UP is UP before its first check
			// ends: wait for that check too, or its check_code
			// depends on which proxy checked first.
			checked := csvColumn(header, "check_status")
			var seen []string
			ok := 0
			for _, r := range rows {
				k := r[0] + "/" + r[1]
				if want, in := statsWant[k]; in {
					cs := ""
					if checked >= 0 && checked < len(r) {
						cs = r[checked]
					}
					seen = append(seen, k+" "+r[status]+" "+cs)
					if r[status] == want && (checked < 0 || !strings.HasPrefix(cs, "INI") && !strings.HasPrefix(cs, "* INI")) {
						ok++
					}
				}
			}
			if ok == len(statsWant) {
				return ""
			}
			sort.Strings(seen)
			last = strings.Join(seen, ", ")
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("check state not reached in %v: last saw %s", statsSettleWait, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runBoth runs the scenario against haproxy and the candidate at the same
// time, each with its own origins and ports.
func runBoth(t *testing.T, cfg string, want map[string]string, socket bool, traffic statsTrafficFunc) (ref, cand *statsObs) {
	t.Helper()
	var refErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ref, refErr = runStats(t, haproxyBin, cfg, want, socket, traffic)
	}()
	cand, candErr := runStats(t, candidate, cfg, want, socket, traffic)
	wg.Wait()
	if refErr != nil {
		t.Fatalf("haproxy could not run the scenario: %v", refErr)
	}
	if ref.settled != "" {
		t.Fatalf("the scenario does not run under haproxy: %s\nhaproxy output:\n%s", ref.settled, indent(ref.out))
	}
	if candErr != nil {
		t.Fatalf("%s could not run the scenario: %v", candidateName, candErr)
	}
	return ref, cand
}
