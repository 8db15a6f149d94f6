package difftest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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

// Health checks: the same check configuration runs under haproxy and under
// switchyard while the same faults are driven on origins the test controls
// (the check answers 200, then 503, 404, a body without the expected
// string, nothing in time, or the port is closed and later opened again).
// What is compared is the sequence of state and check log lines each
// server produces (syslog header, pid and check duration normalised) and
// what clients see at each stage: which servers answer, or the status when
// none does.
//
// Faults are driven by state, never by sleeping: a scenario waits (with a
// deadline) for the log line announcing a transition, or for the origin to
// have answered a number of checks, before it changes the next fault. A
// wait that times out ends the scenario and says so in its transcript, so
// that the two transcripts differ and the comparison fails with the story.

// hcMode is what an origin does with a health check (and, for closed,
// with any connection).
type hcMode string

const (
	hcOK     hcMode = "ok"     // 200 with a body saying "healthy"
	hc503    hcMode = "503"    // 503 Service Unavailable
	hc404    hcMode = "404"    // 404 Not Found (disable-on-404)
	hcSick   hcMode = "sick"   // 200 whose body lacks "healthy"
	hcSlow   hcMode = "slow"   // no answer: the check must time out
	hcJunk   hcMode = "junk"   // an answer that is not HTTP
	hcHangup hcMode = "hangup" // the request read, the connection closed unanswered
	hcClosed hcMode = "closed" // the listener is closed: connection refused
)

// hcHealthPath is where the checks of the scenarios ask.
const hcHealthPath = "/health"

// hcOrigin is an origin whose health-check answers the test sets. Traffic
// (any other path) is answered 200 with the origin's name, so that a client
// sees which server took its request.
type hcOrigin struct {
	name string
	port int

	mu     sync.Mutex
	mode   hcMode
	ln     net.Listener
	conns  map[net.Conn]struct{}
	checks int           // health requests (or bare L4 probes) received
	held   int           // requests for /hold received (held until the peer closes)
	more   chan struct{} // signalled on every check received
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startHCOrigin(name string, mode hcMode) (*hcOrigin, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &hcOrigin{name: name, port: ln.Addr().(*net.TCPAddr).Port, mode: mode,
		conns: map[net.Conn]struct{}{}, more: make(chan struct{}, 1), stop: make(chan struct{})}
	if mode == hcClosed {
		ln.Close()
	} else {
		o.serve(ln)
	}
	return o, nil
}

// serve runs an accept loop on ln; the caller holds o.mu or o is not
// shared yet.
func (o *hcOrigin) serve(ln net.Listener) {
	o.ln = ln
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			o.mu.Lock()
			o.conns[c] = struct{}{}
			accepted := o.mode
			o.mu.Unlock()
			o.wg.Add(1)
			go func() {
				defer o.wg.Done()
				o.handle(c, accepted)
				o.mu.Lock()
				delete(o.conns, c)
				o.mu.Unlock()
				c.Close()
			}()
		}
	}()
}

// set changes what the origin does from its next request on. Closing
// the port stops accepting (connections already accepted finish as the
// previous mode says); leaving closed listens on the same port again.
func (o *hcOrigin) set(m hcMode) error {
	if m == hcClosed {
		// Close just after a check has arrived, far from the next: a
		// check still in the listener's backlog when it closes would be
		// reset after connecting ("invalid response"), where one a little
		// later is refused, and which of the two a proxy's check meets
		// would depend on timing, not on the proxy.
		for len(o.more) > 0 {
			<-o.more
		}
		select {
		case <-o.more:
		case <-time.After(2 * time.Second):
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	prev := o.mode
	o.mode = m
	switch {
	case m == hcClosed && prev != hcClosed:
		o.ln.Close()
		o.ln = nil
	case m != hcClosed && prev == hcClosed:
		var ln net.Listener
		var err error
		// The port was ours a moment ago; another test taking it in
		// between is possible but unlikely, and then the case fails.
		for i := 0; i < 100; i++ {
			ln, err = net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)))
			if err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("origin %s: listening again on %d: %v", o.name, o.port, err)
		}
		o.serve(ln)
	}
	return nil
}

// checkCount returns how many checks reached the origin so far.
func (o *hcOrigin) checkCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.checks
}

func (o *hcOrigin) counted() hcMode {
	o.mu.Lock()
	o.checks++
	m := o.mode
	o.mu.Unlock()
	select {
	case o.more <- struct{}{}:
	default:
	}
	return m
}

// handle serves one connection; accepted is the mode when it was
// accepted, which a check already accepted when the port closes keeps.
func (o *hcOrigin) handle(c net.Conn, accepted hcMode) {
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		if line == "" {
			// A bare connect and close: an L4 check.
			o.counted()
		}
		return
	}
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if h == "\r\n" || h == "\n" {
			break
		}
	}
	f := strings.Fields(line)
	if len(f) >= 2 && f[1] == "/hold" {
		o.mu.Lock()
		o.held++
		o.mu.Unlock()
		select {
		case o.more <- struct{}{}:
		default:
		}
		hcHold(c, br, o.stop)
		return
	}
	if len(f) < 2 || f[1] != hcHealthPath {
		hcWrite(c, 200, "OK", o.name)
		return
	}
	m := o.counted()
	if m == hcClosed {
		m = accepted
	}
	switch m {
	case hcOK:
		hcWrite(c, 200, "OK", "healthy "+o.name)
	case hc503:
		hcWrite(c, 503, "Service Unavailable", "down")
	case hc404:
		hcWrite(c, 404, "Not Found", "gone")
	case hcSick:
		hcWrite(c, 200, "OK", "sick "+o.name)
	case hcJunk:
		io.WriteString(c, "hello there\r\n\r\n")
	case hcHangup:
	case hcSlow:
		// Hold the check until the proxy gives up on it.
		hcHold(c, br, o.stop)
	}
}

// hcHold holds a connection unanswered until the peer closes it or the
// test ends.
func hcHold(c net.Conn, br *bufio.Reader, stop chan struct{}) {
	done := make(chan struct{})
	go func() {
		select {
		case <-stop:
			c.Close()
		case <-done:
		}
	}()
	io.Copy(io.Discard, br)
	close(done)
}

func hcWrite(c net.Conn, code int, reason, body string) {
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s",
		code, reason, len(body), body)
}

func (o *hcOrigin) close() {
	o.mu.Lock()
	select {
	case <-o.stop:
	default:
		close(o.stop)
	}
	if o.ln != nil {
		o.ln.Close()
		o.ln = nil
	}
	for c := range o.conns {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// hcScenario is one differential health-check case.
type hcScenario struct {
	name string
	// cfg is the whole configuration; ${FE_PORT}, ${LOG_PORT} and
	// ${<ORIGIN>_PORT} (origin names in capitals) are replaced.
	cfg string
	// origins are the origins and the mode each starts in.
	origins []hcStart
	// run drives the faults and the traffic.
	run func(e *hcEnv)
	// l4 says the checks only connect: the origin cannot count them (the
	// proxy resets the connection before it is accepted).
	l4 bool
	// allLogs renders every log line (traffic logs too), in the order
	// received, instead of the state and check lines by server.
	allLogs bool
	// bug, when set, skips the scenario: it shows a difference from
	// haproxy that is a bug of switchyard's, described there.
	bug string
}

type hcStart struct {
	name string
	mode hcMode
}

// hcEnv is one run of a scenario against one proxy: the actions of run
// and what they observed are its transcript.
type hcEnv struct {
	lhc     bool // option log-health-checks is on
	l4      bool // see hcScenario
	origins map[string]*hcOrigin
	sink    *logSink
	fe      string
	cursor  int // log lines before it were matched by an earlier wait
	lines   []string
	failed  bool
	holds   []net.Conn // client connections of hold, closed by dropHolds
}

// hold opens a client connection sending a request for /hold, which the
// origin that gets it holds unanswered.
func (e *hcEnv) hold() {
	if e.failed {
		return
	}
	c, err := net.DialTimeout("tcp4", e.fe, hcWait)
	if err == nil {
		_, err = io.WriteString(c, "GET /hold HTTP/1.1\r\nhost: x\r\n\r\n")
	}
	if err != nil {
		e.note("hold: %v", err)
		e.failed = true
		return
	}
	e.holds = append(e.holds, c)
	e.note("hold: request sent")
}

// waitHeld waits until the origin holds n requests in all.
func (e *hcEnv) waitHeld(name string, n int) {
	if e.failed {
		return
	}
	o := e.origins[name]
	deadline := time.NewTimer(hcWait)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		h := o.held
		o.mu.Unlock()
		if h >= n {
			return
		}
		select {
		case <-o.more:
		case <-deadline.C:
			e.note("timed out waiting for %s to hold %d requests", name, n)
			e.failed = true
			return
		}
	}
}

// dropHolds closes the hold connections, reading first what the proxy
// answered on them (within a short time: nothing, normally).
func (e *hcEnv) dropHolds() {
	for i, c := range e.holds {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		b, _ := io.ReadAll(c)
		status := "nothing"
		if f := strings.Fields(string(b)); len(f) > 1 {
			status = f[1]
		}
		e.note("hold %d: answered %s, closed by the client", i, status)
		c.Close()
	}
	e.holds = nil
}

// waitLines waits until the sink has received n lines in all.
func (e *hcEnv) waitLines(n int) {
	if e.failed {
		return
	}
	deadline := time.NewTimer(hcWait)
	defer deadline.Stop()
	for len(e.sink.snapshot()) < n {
		select {
		case <-e.sink.more:
		case <-deadline.C:
			e.note("timed out waiting for %d log lines", n)
			e.failed = true
			return
		}
	}
}

func (e *hcEnv) note(format string, args ...any) {
	e.lines = append(e.lines, fmt.Sprintf(format, args...))
}

// set changes an origin's mode.
func (e *hcEnv) set(name string, m hcMode) {
	if e.failed {
		return
	}
	e.note("set %s %s", name, m)
	if err := e.origins[name].set(m); err != nil {
		e.note("error: %v", err)
		e.failed = true
	}
}

// hcWait bounds every wait of a scenario: the slowest transition of the
// scenarios takes a few check intervals of at most 200ms.
const hcWait = 10 * time.Second

// waitLog waits for a log line containing sub, after the line that ended
// the previous wait.
func (e *hcEnv) waitLog(sub string) {
	if e.failed {
		return
	}
	deadline := time.NewTimer(hcWait)
	defer deadline.Stop()
	for {
		lines := e.sink.snapshot()
		for i := e.cursor; i < len(lines); i++ {
			if strings.Contains(lines[i], sub) {
				e.cursor = i + 1
				e.note("saw %q", sub)
				return
			}
		}
		select {
		case <-e.sink.more:
		case <-deadline.C:
			e.note("timed out waiting for a log line with %q", sub)
			e.failed = true
			return
		}
	}
}

// waitLogAnywhere waits for a log line containing sub among all the
// lines received, leaving the cursor of waitLog where it is.
func (e *hcEnv) waitLogAnywhere(sub string) {
	if e.failed {
		return
	}
	deadline := time.NewTimer(hcWait)
	defer deadline.Stop()
	for {
		for _, l := range e.sink.snapshot() {
			if strings.Contains(l, sub) {
				return
			}
		}
		select {
		case <-e.sink.more:
		case <-deadline.C:
			e.note("timed out waiting for a log line with %q", sub)
			e.failed = true
			return
		}
	}
}

// waitChecks waits until the origin has received n more checks than it
// had when mark was taken.
func (e *hcEnv) waitChecks(name string, mark, n int) {
	if e.failed {
		return
	}
	o := e.origins[name]
	deadline := time.NewTimer(hcWait)
	defer deadline.Stop()
	for o.checkCount() < mark+n {
		select {
		case <-o.more:
		case <-deadline.C:
			e.note("timed out waiting for %d checks on %s", n, name)
			e.failed = true
			return
		}
	}
}

// mark returns an origin's check count, for waitChecks.
func (e *hcEnv) mark(name string) int { return e.origins[name].checkCount() }

// traffic sends n requests, each on a connection of its own, and notes
// which servers answered (or with what status the proxy did).
func (e *hcEnv) traffic(n int) {
	if e.failed {
		return
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		resp, err := c.Get("http://" + e.fe + "/app")
		if err != nil {
			seen["error: "+err.Error()] = true
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			seen[string(b)] = true
		} else {
			seen[strconv.Itoa(resp.StatusCode)] = true
		}
	}
	var got []string
	for k := range seen {
		got = append(got, k)
	}
	sort.Strings(got)
	e.note("traffic (%d requests): %s", n, strings.Join(got, ", "))
}

var (
	hcDuration = regexp.MustCompile(`check duration: \d+ms`)
	hcServer   = regexp.MustCompile(`(?:server|Server) [^/ ]+/(\S+?)[ ,.]`)
	hcBackend  = regexp.MustCompile(`^(?:backend|proxy) (\S+) has no server available!`)
	// hcStateLine picks the state and check lines out of what the proxy
	// logs (haproxy also logs its proxies starting, say).
	hcStateLine = regexp.MustCompile(`Health check for |Server \S+ is |has no server available!`)
)

// renderLogs renders the state and check lines received, normalised,
// each server's lines in the order they came. Lines of different servers
// are not ordered against each other: two servers checked at the same
// time log in either order.
func renderLogs(lines []string) []string {
	groups := map[string][]string{}
	for _, l := range lines {
		n := logNorm(l)
		// The message follows the syslog header ("<pri>date host tag[pid]: ").
		msg := n
		if i := strings.Index(n, "]: "); i >= 0 {
			msg = n[i+3:]
		}
		if !hcStateLine.MatchString(msg) {
			continue
		}
		n = hcDuration.ReplaceAllString(n, "check duration: <n>ms")
		key := "?"
		if m := hcServer.FindStringSubmatch(msg); m != nil {
			key = m[1]
		} else if m := hcBackend.FindStringSubmatch(msg); m != nil {
			// The backend's last server went down just before: the line
			// belongs to that server's sequence, which the scenarios make
			// the last one to change.
			key = "~backend " + m[1]
		}
		groups[key] = append(groups[key], n)
	}
	var keys []string
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		for _, l := range groups[k] {
			out = append(out, "log["+k+"]: "+l)
		}
	}
	return out
}

// runHC runs sc against bin and returns its transcript and the proxy's
// output.
func runHC(t *testing.T, bin string, sc *hcScenario) ([]string, string, error) {
	for attempt := 0; ; attempt++ {
		lines, out, err := runHCOnce(t, bin, sc)
		if !errors.Is(err, errPortClash) || attempt == 2 {
			return lines, out, err
		}
	}
}

func runHCOnce(t *testing.T, bin string, sc *hcScenario) ([]string, string, error) {
	dir, err := os.MkdirTemp("", "difftest-health-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	sink, err := startLogSink()
	if err != nil {
		return nil, "", err
	}
	defer sink.close()
	e := &hcEnv{origins: map[string]*hcOrigin{}, sink: sink, l4: sc.l4,
		lhc: strings.Contains(sc.cfg, "option log-health-checks")}
	defer func() {
		for _, o := range e.origins {
			o.close()
		}
	}()
	fePort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	e.fe = net.JoinHostPort("127.0.0.1", strconv.Itoa(fePort))
	cfg := strings.ReplaceAll(sc.cfg, "${FE_PORT}", strconv.Itoa(fePort))
	cfg = strings.ReplaceAll(cfg, "${LOG_PORT}", sink.port())
	for _, s := range sc.origins {
		o, err := startHCOrigin(s.name, s.mode)
		if err != nil {
			return nil, "", err
		}
		e.origins[s.name] = o
		cfg = strings.ReplaceAll(cfg, "${"+strings.ToUpper(s.name)+"_PORT}", strconv.Itoa(o.port))
	}
	if m := placeholder.FindString(cfg); m != "" {
		return nil, "", fmt.Errorf("scenario config uses unknown placeholder %s", m)
	}
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, "", err
	}
	p, err := startProxy(t, bin, path, nil, []int{fePort})
	if err != nil {
		return nil, "", err
	}
	sc.run(e)
	e.dropHolds()
	if p.stop() {
		e.note("proxy: exited on its own during the case")
	}
	lines := e.lines
	if sc.allLogs {
		for _, l := range sink.snapshot() {
			lines = append(lines, "log: "+logNorm(l))
		}
	} else {
		lines = append(lines, renderLogs(sink.snapshot())...)
	}
	return lines, p.out.String(), nil
}

// compareHC runs sc through haproxy and switchyard at the same time, each
// with its own origins, and reports any difference.
func compareHC(t *testing.T, sc *hcScenario) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("switchyard did not build: %v", buildErr)
	}
	var ref []string
	var refOut string
	var refErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ref, refOut, refErr = runHC(t, haproxyBin, sc)
	}()
	cand, candOut, candErr := runHC(t, candidate, sc)
	wg.Wait()
	if refErr != nil {
		t.Fatalf("haproxy could not run the scenario: %v", refErr)
	}
	if w := warnings(refOut); hcUnexpectedWarnings(w) != "" {
		t.Errorf("haproxy warns about the scenario's config:\n%s", indent(w))
	}
	if os.Getenv("DIFFTEST_SHOW") == "1" {
		t.Logf("haproxy observed:\n  %s", strings.Join(ref, "\n  "))
		t.Logf("%s observed:\n  %s", candidateName, strings.Join(cand, "\n  "))
	}
	for _, l := range ref {
		if strings.HasPrefix(l, "timed out") || strings.HasPrefix(l, "error:") {
			t.Fatalf("the scenario does not run under haproxy (%s): transcript:\n  %s\nhaproxy output:\n%s",
				l, strings.Join(ref, "\n  "), indent(refOut))
		}
	}
	if candErr != nil {
		t.Fatalf("%s could not run the scenario: %v", candidateName, candErr)
	}
	if d := diffLines(ref, cand); d != "" {
		msg := fmt.Sprintf("%s differs from haproxy (- haproxy, + %s):\n%s", candidateName, candidateName, d)
		if s := strings.TrimSpace(candOut); s != "" {
			msg += fmt.Sprintf("\n%s output:\n%s", candidateName, indent(s))
		}
		t.Error(msg)
	}
}

// hcUnexpectedWarnings leaves out the warnings haproxy gives for every
// state change (they go to its standard error as well as to the logs).
func hcUnexpectedWarnings(w string) string {
	var keep []string
	for _, l := range strings.Split(w, "\n") {
		if l == "" || hcStateLine.MatchString(l) {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// hcConfig builds a scenario's configuration: global and backend log
// lines, the backend's check lines, and its servers (name, options).
type hcConfig struct {
	globalLog  bool   // log in global, `log global` in the backend
	lhc        bool   // option log-health-checks
	check      string // check lines of the backend
	timeouts   string // extra timeouts for defaults
	serverOpts string // default-server line's options
	servers    []string
}

func (c hcConfig) String() string {
	var b strings.Builder
	b.WriteString("global\n    nbthread 1\n")
	if c.globalLog {
		b.WriteString("    log 127.0.0.1:${LOG_PORT} local0\n")
	}
	b.WriteString("\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\n")
	b.WriteString(c.timeouts)
	b.WriteString("\nfrontend fe\n    bind 127.0.0.1:${FE_PORT}\n    default_backend app\n\nbackend app\n")
	if c.globalLog {
		b.WriteString("    log global\n")
	} else {
		b.WriteString("    log 127.0.0.1:${LOG_PORT} local0\n")
	}
	if c.lhc {
		b.WriteString("    option log-health-checks\n")
	}
	b.WriteString(c.check)
	opts := c.serverOpts
	if opts == "" {
		opts = "inter 100ms fastinter 50ms downinter 200ms rise 2 fall 3"
	}
	b.WriteString("    default-server " + opts + "\n")
	for _, s := range c.servers {
		b.WriteString("    server " + s + "\n")
	}
	return b.String()
}

const (
	hcHTTPChk = "    option httpchk GET " + hcHealthPath + "\n    http-check expect status 200\n"
	hcTimeout = "    timeout check 300ms\n"
	hcTwo     = "s1 127.0.0.1:${S1_PORT} check|s2 127.0.0.1:${S2_PORT} check"
	hcWithBkp = hcTwo + "|b1 127.0.0.1:${B1_PORT} check backup"
)

func hcServers(s string) []string { return strings.Split(s, "|") }

func hcOrigins(spec ...string) []hcStart {
	var out []hcStart
	for _, s := range spec {
		name, mode, _ := strings.Cut(s, "=")
		if mode == "" {
			mode = string(hcOK)
		}
		out = append(out, hcStart{name, hcMode(mode)})
	}
	return out
}

// fullHealth waits until the servers (of backend app, each with the
// origin of the same name) have passed a check since the start: a server
// starts up at the health that falls at its first failure, and its first
// success brings it to full health. With log-health-checks, that success
// is logged; otherwise the origin receiving a second check means the
// first one's answer was taken. L4 checks without log-health-checks give
// no sign (the origin never sees them): there the scenarios' transcripts
// do not depend on it, as the state line is the same whether one failure
// or fall of them took the server down.
func fullHealth(e *hcEnv, names ...string) {
	for _, n := range names {
		switch {
		case e.lhc:
			e.waitLogAnywhere("server app/" + n + " succeeded")
		case !e.l4:
			e.waitChecks(n, 0, 2)
		}
	}
}

// fallAndRise takes s1 from full health down with fault, and up again.
func fallAndRise(fault hcMode) func(e *hcEnv) {
	return func(e *hcEnv) {
		fullHealth(e, "s1", "s2")
		e.traffic(4)
		e.set("s1", fault)
		e.waitLog("Server app/s1 is DOWN")
		e.traffic(4)
		e.set("s1", hcOK)
		e.waitLog("Server app/s1 is UP")
		e.traffic(4)
	}
}

func TestHealthChecks(t *testing.T) {
	needHAProxy(t)
	httpchk := func(lhc bool, extra ...string) hcConfig {
		return hcConfig{lhc: lhc, check: hcHTTPChk + strings.Join(extra, ""), timeouts: hcTimeout, servers: hcServers(hcTwo)}
	}
	withGlobal := func(c hcConfig) hcConfig { c.globalLog = true; return c }
	scenarios := []hcScenario{
		{
			// A fresh server starts up at the health of a server that
			// falls at its first failure; coming back takes rise checks.
			name: "fresh-server-fails-first-check", cfg: httpchk(true).String(),
			origins: hcOrigins("s1=503", "s2"),
			run: func(e *hcEnv) {
				e.waitLog("Server app/s1 is DOWN")
				e.traffic(4)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
			},
		},
		{name: "fall-rise/wrong-status/log-health-checks", cfg: httpchk(true).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hc503)},
		{name: "fall-rise/wrong-status", cfg: httpchk(false).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hc503)},
		{name: "fall-rise/wrong-status/global-log", cfg: withGlobal(httpchk(true)).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hc503)},
		{name: "fall-rise/refused/log-health-checks", cfg: httpchk(true).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcClosed)},
		{name: "fall-rise/refused", cfg: httpchk(false).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcClosed)},
		{name: "fall-rise/timeout/log-health-checks", cfg: httpchk(true).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcSlow)},
		{name: "fall-rise/timeout", cfg: httpchk(false).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcSlow)},
		{name: "fall-rise/junk/log-health-checks", cfg: httpchk(true).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcJunk)},
		{name: "fall-rise/hangup/log-health-checks", cfg: httpchk(true).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcHangup)},
		{name: "fall-rise/hangup", cfg: httpchk(false).String(),
			origins: hcOrigins("s1", "s2"), run: fallAndRise(hcHangup)},
		{
			// Without `timeout check`, inter bounds the whole check.
			name: "fall-rise/timeout-inter", origins: hcOrigins("s1", "s2"), run: fallAndRise(hcSlow),
			cfg: hcConfig{lhc: true, check: hcHTTPChk, servers: hcServers(hcTwo)}.String(),
		},
		{
			name: "fall-rise/expect-string", origins: hcOrigins("s1", "s2"), run: fallAndRise(hcSick),
			cfg: hcConfig{lhc: true, timeouts: hcTimeout, servers: hcServers(hcTwo),
				check: hcHTTPChk + "    http-check expect string healthy\n"}.String(),
		},
		{
			name: "fall-rise/expect-string/no-log-health-checks", origins: hcOrigins("s1", "s2"), run: fallAndRise(hcSick),
			cfg: hcConfig{timeouts: hcTimeout, servers: hcServers(hcTwo),
				check: hcHTTPChk + "    http-check expect string healthy\n"}.String(),
		},
		{
			// A plain L4 check: connect only.
			name: "l4/refused/log-health-checks", origins: hcOrigins("s1", "s2"), run: fallAndRise(hcClosed), l4: true,
			cfg: hcConfig{lhc: true, timeouts: hcTimeout, servers: hcServers(hcTwo)}.String(),
		},
		{
			name: "l4/refused", origins: hcOrigins("s1", "s2"), run: fallAndRise(hcClosed), l4: true,
			cfg: hcConfig{timeouts: hcTimeout, servers: hcServers(hcTwo)}.String(),
		},
		{
			// haproxy connects its pure L4 checks with TCP_QUICKACK off
			// (tcpcheck_eval_connect: CONNECT_DELACK_ALWAYS when no expect
			// follows the connect) and resets the connection as soon as it
			// is established on its side: the handshake's last ACK never
			// leaves, so the server's application never accepts a check
			// connection.
			name: "l4/invisible-to-the-application", origins: hcOrigins("s1", "s2"), l4: true,
			cfg: hcConfig{lhc: true, timeouts: hcTimeout, servers: hcServers(hcTwo)}.String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hcClosed)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				seen := "none"
				if e.mark("s1")+e.mark("s2") > 0 {
					seen = "some"
				}
				e.note("check connections accepted by the origins: %s", seen)
			},
		},
		{
			// tcp-check rules: the failure names the step.
			name: "tcp-check/expect", origins: hcOrigins("s1", "s2"), run: fallAndRise(hc503),
			cfg: hcConfig{lhc: true, timeouts: hcTimeout, servers: hcServers(hcTwo), check: `    option tcp-check
    tcp-check connect
    tcp-check send "GET ` + hcHealthPath + ` HTTP/1.0\r\n\r\n"
    tcp-check expect rstring "^HTTP/1\.[01] 200"
`}.String(),
		},
		{
			// The check goes to another port than the traffic.
			name: "check-port", origins: hcOrigins("s1", "s2", "h1"),
			cfg: hcConfig{lhc: true, check: hcHTTPChk, timeouts: hcTimeout,
				servers: []string{"s1 127.0.0.1:${S1_PORT} check port ${H1_PORT}", "s2 127.0.0.1:${S2_PORT} check"}}.String(),
			run: func(e *hcEnv) {
				e.waitChecks("h1", 0, 2)
				e.waitChecks("s2", 0, 2)
				e.traffic(4)
				e.set("h1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.traffic(4)
				e.set("h1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
				e.note("checks on s1's traffic port: %d", e.mark("s1"))
			},
		},
		{
			// disable-on-404: a 404 puts an up server in NOLB ("is
			// stopping"): no new traffic, but not down.
			name: "disable-on-404/log-health-checks", origins: hcOrigins("s1", "s2"),
			cfg: httpchk(true, "    http-check disable-on-404\n").String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hc404)
				e.waitLog("Server app/s1 is stopping")
				e.traffic(4)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
			},
		},
		{
			// A 404 to a server that is down is a failed check (haproxy
			// takes it as conditional only when next_state is not
			// STOPPED): the server stays down.
			name: "disable-on-404/while-down", origins: hcOrigins("s1", "s2"),
			cfg: httpchk(true, "    http-check disable-on-404\n").String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s1", hc404)
				m := e.mark("s1")
				e.waitChecks("s1", m, 3)
				e.traffic(4)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
			},
		},
		{
			name: "disable-on-404", origins: hcOrigins("s1", "s2"),
			cfg: httpchk(false, "    http-check disable-on-404\n").String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hc404)
				e.waitLog("Server app/s1 is stopping")
				e.traffic(4)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
			},
		},
		{
			// The last server down: the backend has none left, clients
			// get 503, and the first one back takes the traffic.
			name: "all-down", origins: hcOrigins("s1", "s2"), cfg: httpchk(true).String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s2", hcClosed)
				e.waitLog("Server app/s2 is DOWN")
				e.waitLog("has no server available!")
				e.traffic(3)
				e.set("s2", hcOK)
				e.waitLog("Server app/s2 is UP")
				e.traffic(3)
			},
		},
		{
			name: "all-down/no-log-health-checks", origins: hcOrigins("s1", "s2"), cfg: withGlobal(httpchk(false)).String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.set("s1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s2", hc503)
				e.waitLog("Server app/s2 is DOWN")
				e.waitLog("has no server available!")
				e.traffic(3)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(3)
			},
		},
		{
			// The backup takes over when the active servers are down,
			// and hands back when one returns.
			name: "backup", origins: hcOrigins("s1", "s2", "b1"),
			cfg: hcConfig{lhc: true, check: hcHTTPChk, timeouts: hcTimeout, servers: hcServers(hcWithBkp)}.String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2", "b1")
				e.traffic(4)
				e.set("s1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.traffic(4)
				e.set("s2", hc503)
				e.waitLog("Server app/s2 is DOWN")
				e.traffic(4)
				e.set("b1", hc503)
				e.waitLog("Backup Server app/b1 is DOWN")
				e.waitLog("has no server available!")
				e.traffic(3)
				e.set("b1", hcOK)
				e.waitLog("Backup Server app/b1 is UP")
				e.traffic(3)
				e.set("s2", hcOK)
				e.waitLog("Server app/s2 is UP")
				e.traffic(4)
			},
		},
		{
			name: "backup/no-log-health-checks", origins: hcOrigins("s1", "s2", "b1"),
			cfg: hcConfig{check: hcHTTPChk, timeouts: hcTimeout, servers: hcServers(hcWithBkp)}.String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2", "b1")
				e.set("s1", hcClosed)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s2", hcSlow)
				e.waitLog("Server app/s2 is DOWN")
				e.traffic(4)
				e.set("s1", hcOK)
				e.waitLog("Server app/s1 is UP")
				e.traffic(4)
			},
		},
		{
			// A disabled server is never checked and never takes traffic.
			name: "disabled", origins: hcOrigins("s1", "s2", "d1"),
			cfg: hcConfig{lhc: true, check: hcHTTPChk, timeouts: hcTimeout,
				servers: append(hcServers(hcTwo), "d1 127.0.0.1:${D1_PORT} check disabled")}.String(),
			run: func(e *hcEnv) {
				fullHealth(e, "s1", "s2")
				e.traffic(6)
				e.set("s1", hc503)
				e.waitLog("Server app/s1 is DOWN")
				e.set("s2", hc503)
				e.waitLog("Server app/s2 is DOWN")
				// Its own syslog record, which may follow a moment later.
				e.waitLog("backend app has no server available")
				e.traffic(3)
				e.note("checks on d1: %d", e.mark("d1"))
			},
		},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		t.Run(sc.name, func(t *testing.T) {
			// DIFFTEST_BUGS=1 runs them, to see whether a fix closed the gap.
			if sc.bug != "" && os.Getenv("DIFFTEST_BUGS") != "1" {
				t.Skip("BUG: " + sc.bug)
			}
			t.Parallel()
			compareHC(t, sc)
		})
	}
}

// Queues: a request finding its server at maxconn waits in the server's
// queue, and gets 503 when `timeout queue` ends the wait.
func TestServerQueue(t *testing.T) {
	needHAProxy(t)
	cfg := func(be string) string {
		return `global
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

frontend fe
    bind 127.0.0.1:${FE_PORT}
    log 127.0.0.1:${LOG_PORT} format raw local0
    log-format "%{+Q}r %ST %b/%s %tsc sq=%sq bq=%bq"
    default_backend app

backend app
` + be
	}
	scenarios := []hcScenario{
		{
			name: "timeout-queue", origins: hcOrigins("s1"), allLogs: true,
			cfg: cfg("    timeout queue 300ms\n    server s1 127.0.0.1:${S1_PORT} maxconn 1\n"),
			run: func(e *hcEnv) {
				e.hold()
				e.waitHeld("s1", 1)
				e.traffic(1)
				e.waitLines(1)
				e.dropHolds()
				e.waitLines(2)
			},
		},
		{
			// Without timeout queue, timeout connect bounds the wait.
			name: "timeout-connect-bounds-queue", origins: hcOrigins("s1"), allLogs: true,
			cfg: cfg("    timeout connect 300ms\n    server s1 127.0.0.1:${S1_PORT} maxconn 1\n"),
			run: func(e *hcEnv) {
				e.hold()
				e.waitHeld("s1", 1)
				e.traffic(1)
				e.waitLines(1)
				e.dropHolds()
				e.waitLines(2)
			},
		},
		{
			// A server at maxconn is skipped by the balancer while
			// another has a free slot.
			name: "full-server-skipped", origins: hcOrigins("s1", "s2"), allLogs: true,
			cfg: cfg("    timeout queue 300ms\n    server s1 127.0.0.1:${S1_PORT} maxconn 1\n    server s2 127.0.0.1:${S2_PORT} maxconn 1\n"),
			run: func(e *hcEnv) {
				e.hold()
				e.waitHeld("s1", 1)
				e.traffic(3)
				e.waitLines(3)
				e.dropHolds()
				e.waitLines(4)
			},
		},
	}
	for i := range scenarios {
		sc := &scenarios[i]
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			compareHC(t, sc)
		})
	}
}

// Retries: a refused connection is retried `retries` times, on another
// server with `option redispatch`.
func TestRetriesRedispatch(t *testing.T) {
	be := func(lines string) string {
		return `frontend fe
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%{+Q}r %ST %b/%s rc=%rc %tsc"
    default_backend be

backend be
    timeout connect 200ms
` + lines + `    server s1 "127.0.0.1:${CLOSED_PORT}"
    server s2 "127.0.0.1:${S2_PORT}"
`
	}
	two := []step{
		{conn: 0, send: "GET /a HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", read: 1, wait: 10 * time.Second},
		{conn: 1, send: "GET /b HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", read: 1, wait: 10 * time.Second},
	}
	runCases(t, []tcase{
		{name: "no-redispatch", cfg: be("    retries 1\n"), steps: two, logs: 2, logsAnyOrder: true},
		{name: "redispatch", cfg: be("    retries 2\n    option redispatch\n"), steps: two, logs: 2, logsAnyOrder: true},
		{name: "redispatch-every-retry", cfg: be("    retries 3\n    option redispatch 1\n"), steps: two, logs: 2, logsAnyOrder: true},
		{name: "redispatch-no-retries", cfg: be("    retries 0\n    option redispatch\n"), steps: two, logs: 2, logsAnyOrder: true},
		// A server that health checks found down is not chosen at all.
		{name: "down-server-skipped", cfg: strings.Replace(be("    retries 0\n"), `${CLOSED_PORT}"`, `${CLOSED_PORT}" disabled`, 1),
			steps: two, logs: 2, logsAnyOrder: true},
	})
}
