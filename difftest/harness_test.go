package difftest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file runs one case against one proxy binary and renders everything
// the client and the origins observed as lines of text; a comparison is
// then a line diff of haproxy's lines against switchyard's.

// prelude starts every config unless a case brings its own global and
// defaults. One thread keeps haproxy's balancing order the order in which
// requests arrive; the timeouts are short so that a stuck case ends fast.
const prelude = `global
    nbthread 1

defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

`

// step is one action on one client connection; its parts run in the order
// of the fields.
type step struct {
	conn    int           // which client connection (opened on first use)
	src     string        // source address of that connection (default 127.0.0.1)
	send    string        // bytes to write first
	shut    bool          // then half-close our sending side
	read    int           // then read this many final responses
	head    bool          // those responses answer HEAD requests
	interim bool          // then read one 1xx head, if one comes within a second
	raw     int           // then read exactly this many raw bytes
	eof     bool          // then read raw bytes until the proxy closes
	wait    time.Duration // deadline for this step's reads (default stepWait)
	// fe names the placeholder of the port to connect to (FE2_PORT, say)
	// when the step opens its connection; default the config's first.
	fe string
	// tls makes the connection this step opens do a TLS handshake first
	// (default the case's tls); see tlsclient_test.go.
	tls *tlsClient
}

// tcase is one differential case; most fields are optional.
type tcase struct {
	name string
	cfg  string // sections after the prelude; ${...} placeholders, see placeholder
	// full means cfg is the whole file (its own global and defaults).
	full bool
	// req and n are the common script: send req, read n responses (n
	// defaults to 1); head says they answer HEAD. steps replaces them.
	req     string
	n       int
	head    bool
	steps   []step
	tls     *tlsClient        // every client connection speaks TLS (see step.tls)
	replies []reply           // origins' answers, in arrival order; default after
	files   map[string]string // written into ${DIR} before the proxy starts
	tcp     bool              // origins are TCP echo servers
	exact   bool              // also compare the raw bytes of every response
	noProbe bool              // do not probe connection fate at the end
	// hdrs restricts the compared response headers to these names (all are
	// compared when empty).
	hdrs []string
	// warns says haproxy's warnings about the config are expected.
	warns bool
	// anyConn leaves out which server connection each request came on:
	// balancing cases are about the choice of server, and connection reuse
	// has cases of its own.
	anyConn bool
	// originSkip names request headers (lowercase) left out of what the
	// origins saw: headers a proxy adds whose value may rightly differ.
	// None should need it; it is there to say so case by case if one does.
	originSkip []string
	// notYet names a keyword of a later issue that the case needs:
	// switchyard must refuse the config saying it is "not supported yet",
	// and the case fails as soon as switchyard accepts it, so that it is
	// turned back into a comparison when the feature lands.
	notYet string
	// originsVary says why what the origins record is left out: whether
	// they see a request at all depends on timing in haproxy too.
	originsVary string
	// deviation says why switchyard's observable behaviour is meant to
	// differ (documented in docs/); only that switchyard runs the case
	// without failing is checked.
	deviation string
	// logs is how many log lines the proxy sends to ${LOG_PORT} (a UDP
	// sink the harness runs) once the client is done; they are waited
	// for, normalised by logNorm (see logs_test.go) and compared too.
	logs int
	// logsAnyOrder compares the log lines sorted: requests on separate
	// connections may log in either order, a proxy logging once the
	// response is out.
	logsAnyOrder bool
	// settle makes a step on another connection than the step before
	// wait settleWait first. A proxy ends a stream (its trackers, its
	// counters) just after the response's last byte has left, and nothing
	// outside it signals that end: a case that reads what another
	// connection's stream held would race it (haproxy has the same window,
	// narrower), most under the race detector on a loaded machine.
	settle bool
	// env is added to both proxies' environment (TZ=..., say).
	env []string
}

const (
	stepWait = 3 * time.Second
	// settleWait is the pause of tcase.settle: far longer than a stream's
	// end takes, even under the race detector.
	settleWait = 100 * time.Millisecond
	probeWait  = time.Second
	// probe is sent on every connection still open at the end of a case:
	// an answer means the proxy kept the connection usable, EOF that it
	// closed it, silence that it is still waiting for something (a body it
	// thinks is coming, for instance). See probeFate.
	probe = "GET /probe HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n"
)

// placeholder matches the ${VAR} references a config may use: FE*_PORT
// (a free port the harness picks), S<n>_PORT (origin s<n>), CLOSED*_PORT (a
// port nothing listens on) and DIR (a directory holding the case's files).
var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

var (
	originVar = regexp.MustCompile(`^S([0-9]+)_PORT$`)
	feVar     = regexp.MustCompile(`^FE[A-Z0-9]*_PORT$`)
	closedVar = regexp.MustCompile(`^CLOSED[A-Z0-9]*_PORT$`)
)

// errPortClash marks a start that failed because a picked port was taken
// in the meantime; the run is retried with other ports.
var errPortClash = errors.New("port clash")

// runCase runs tc against bin and returns the observation lines and, for
// reports, the proxy's output.
func runCase(t *testing.T, bin string, tc *tcase) (lines []string, stderr string, err error) {
	for attempt := 0; ; attempt++ {
		lines, stderr, err = runOnce(t, bin, tc)
		if !errors.Is(err, errPortClash) || attempt == 2 {
			return lines, stderr, err
		}
	}
}

func runOnce(t *testing.T, bin string, tc *tcase) ([]string, string, error) {
	cfg := tc.cfg
	if !tc.full {
		cfg = prelude + cfg
	}
	dir, err := os.MkdirTemp("", "difftest-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	rec := &recorder{replies: tc.replies, conns: make(map[string]int)}
	env := append([]string{"DIR=" + dir}, tc.env...)
	var origins []*origin
	// Origins are stopped after the proxy is gone (see below); this defer
	// only covers early returns.
	stopOrigins := sync.OnceFunc(func() {
		for _, o := range origins {
			o.stop()
		}
	})
	defer stopOrigins()
	var fePorts []int
	feAddrs := map[string]string{}
	var sink *logSink
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(cfg, -1) {
		name := m[1]
		if seen[name] {
			continue
		}
		seen[name] = true
		switch {
		case name == "LOG_PORT":
			if sink, err = startLogSink(); err != nil {
				return nil, "", err
			}
			defer sink.close()
			env = append(env, "LOG_PORT="+sink.port())
		case name == "DIR":
		case originVar.MatchString(name):
			o, err := startOrigin("s"+originVar.FindStringSubmatch(name)[1], tc.tcp, rec)
			if err != nil {
				return nil, "", err
			}
			origins = append(origins, o)
			env = append(env, name+"="+o.port())
		case feVar.MatchString(name):
			p, err := freePort()
			if err != nil {
				return nil, "", err
			}
			fePorts = append(fePorts, p)
			env = append(env, fmt.Sprintf("%s=%d", name, p))
			feAddrs[name] = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		case closedVar.MatchString(name):
			p, err := freePort()
			if err != nil {
				return nil, "", err
			}
			env = append(env, fmt.Sprintf("%s=%d", name, p))
		default:
			return nil, "", fmt.Errorf("config uses unknown placeholder ${%s}", name)
		}
	}
	if len(fePorts) == 0 {
		return nil, "", errors.New("config has no ${FE_PORT}")
	}
	for name, content := range tc.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, "", err
		}
	}
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, "", err
	}

	p, err := startProxy(t, bin, cfgPath, env, fePorts)
	if err != nil {
		return nil, "", err
	}
	feAddrs[""] = net.JoinHostPort("127.0.0.1", strconv.Itoa(fePorts[0]))
	lines := runSteps(feAddrs, tc)
	if sink != nil {
		rendered := sink.render(tc.logs)
		if tc.logsAnyOrder {
			slices.Sort(rendered)
		}
		lines = append(lines, rendered...)
	}
	// Killing the proxy closes every origin connection, so the origins'
	// handlers finish and the recording is complete and final.
	if p.stop() {
		lines = append(lines, "proxy: exited on its own during the case")
	}
	stopOrigins()
	lines = append(lines, renderOrigins(rec, tc)...)
	return lines, p.out.String(), nil
}

// usedPorts holds every port freePort handed out in this test binary, so
// that two cases running in parallel never get the same one: proxies bind
// with SO_REUSEPORT, so a clash would not fail, it would silently split one
// case's connections between two proxies.
var usedPorts struct {
	sync.Mutex
	m map[int]bool
}

// freePort picks a free loopback port for a proxy to bind. It is drawn
// below the kernel's ephemeral range, so that the origins (and clients) of
// cases running in parallel, which bind port 0, can never be handed it
// between our check and the proxy's bind.
func freePort() (int, error) {
	lo := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				lo = n
			}
		}
	}
	usedPorts.Lock()
	defer usedPorts.Unlock()
	if usedPorts.m == nil {
		usedPorts.m = make(map[int]bool)
	}
	if lo > 11000 {
		for i := 0; i < 100; i++ {
			p := 10000 + rand.IntN(lo-10000)
			if usedPorts.m[p] {
				continue
			}
			ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err == nil {
				ln.Close()
				usedPorts.m[p] = true
				return p, nil
			}
		}
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running proxy.
type proc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed once the process has been waited for
	stop   func() bool   // kill and wait; reports whether it had exited first
}

// startProxy runs bin on cfgPath and waits until it listens on every port
// (see listen_test.go for how that is known).
func startProxy(t *testing.T, bin, cfgPath string, env []string, ports []int) (*proc, error) {
	// A backstop: no case runs for this long.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-f", cfgPath, "-db")
	cmd.Env = append(os.Environ(), env...)
	// Should the proxy leave a child holding its output pipe, Wait must not
	// hang on it.
	cmd.WaitDelay = 2 * time.Second
	p := &proc{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	var once sync.Once
	early := false
	p.stop = func() bool {
		once.Do(func() {
			select {
			case <-p.exited:
				early = true
			default:
			}
			cmd.Process.Kill()
			<-p.exited
			cancel()
		})
		return early
	}
	// The caller stops the proxy as soon as the case is over; this is the
	// backstop for a test that fails half-way.
	t.Cleanup(func() { p.stop() })

	deadline := time.Now().Add(10 * time.Second)
	for !listening(cmd.Process.Pid, ports) {
		select {
		case <-p.exited:
			out := p.out.String()
			if strings.Contains(out, "ddress already in use") {
				return nil, errPortClash
			}
			return nil, fmt.Errorf("%s exited before listening (%v):\n%s", filepath.Base(bin), cmd.ProcessState, out)
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not listen on %v within 10s:\n%s", filepath.Base(bin), ports, p.out.String())
		}
		// Polling: a process gives no signal when its listeners are up.
		time.Sleep(5 * time.Millisecond)
	}
	return p, nil
}

// runSteps drives the client side of a case and renders what it saw; fe
// maps the FE*_PORT placeholders (and "", the first) to addresses.
func runSteps(fe map[string]string, tc *tcase) []string {
	steps := tc.steps
	if steps == nil {
		n := tc.n
		if n == 0 {
			n = 1
		}
		steps = []step{{send: tc.req, read: n, head: tc.head}}
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	conns := map[int]*clientConn{}
	var order []int
	defer func() {
		for _, cc := range conns {
			cc.c.Close()
		}
	}()
	respNo := map[int]int{}
	for i, s := range steps {
		if tc.settle && i > 0 && s.conn != steps[i-1].conn {
			time.Sleep(settleWait)
		}
		wait := s.wait
		if wait == 0 {
			wait = stepWait
		}
		cc := conns[s.conn]
		if cc == nil {
			addr, ok := fe[s.fe]
			if !ok {
				add("c%d: connect: no placeholder ${%s} in the config", s.conn, s.fe)
				return lines
			}
			var err error
			if cc, err = dialClient(addr, s.src); err != nil {
				add("c%d: connect: %v", s.conn, err)
				return lines
			}
			conns[s.conn] = cc
			order = append(order, s.conn)
			if t := cmp.Or(s.tls, tc.tls); t != nil {
				add("c%d tls: %s", s.conn, cc.startTLS(t, wait))
			}
		}
		if cc.noTLS {
			continue
		}
		if s.send != "" {
			if err := cc.send(s.send, wait); err != nil {
				// Which write fails after the proxy gave up depends on
				// timing; the reads that follow tell what happened.
				cc.done = true
			}
		}
		if s.shut {
			cc.c.CloseWrite()
			cc.shut = true
		}
		cc.c.SetReadDeadline(time.Now().Add(wait))
		for i := 0; i < s.read; i++ {
			respNo[s.conn]++
			r, closed := readResponse(cc.r, s.head)
			lines = append(lines, renderResponse(fmt.Sprintf("c%d r%d", s.conn, respNo[s.conn]), r, tc)...)
			if closed {
				cc.done = true
				break
			}
		}
		if s.interim {
			cc.c.SetReadDeadline(time.Now().Add(time.Second))
			status, hdrs, err := readRespHead(cc.r)
			cc.r.take()
			if err != nil {
				add("c%d interim: none (%v)", s.conn, err)
			} else {
				add("c%d interim: %s", s.conn, renderHead(status, hdrs))
			}
			cc.c.SetReadDeadline(time.Now().Add(wait))
		}
		if s.raw > 0 {
			b, err := cc.r.full(s.raw)
			cc.r.take()
			add("c%d raw: %s", s.conn, quoteBytes(b))
			if err != nil {
				add("c%d raw err: %s", s.conn, errText(err))
				cc.done = true
			}
		}
		if s.eof {
			b, err := cc.r.rest()
			cc.r.take()
			e := "eof"
			if err != nil {
				e = errText(err)
			}
			add("c%d until close: %s then %s", s.conn, quoteBytes(b), e)
			cc.done = true
		}
	}
	if tc.noProbe || tc.tcp {
		// The probe is an HTTP request; TCP cases read until close instead.
		return lines
	}
	for _, id := range order {
		cc := conns[id]
		switch {
		case cc.done:
			add("c%d fate: closed", id)
		case cc.shut:
			add("c%d fate: half-closed by us", id)
		default:
			add("c%d fate: %s", id, probeFate(cc))
		}
	}
	return lines
}

// probeFate tells whether a connection is still usable after a case. The
// probe asks the proxy to close after answering, so reading to the end of
// the connection both collects any response the case did not read (a
// smuggled request's, say) and ensures the proxy is done with the probe
// before it is stopped: the origins' log is then the same on every run.
func probeFate(cc *clientConn) string {
	if err := cc.send(probe, probeWait); err != nil {
		return "closed"
	}
	cc.c.SetReadDeadline(time.Now().Add(probeWait))
	var got []string
	for len(got) < 10 {
		r, closed := readResponse(cc.r, false)
		if r.status != "" {
			got = append(got, r.status)
		}
		if r.err != "" && r.err != "eof" {
			got = append(got, r.err)
		}
		if closed || r.err != "" {
			break
		}
	}
	switch {
	case len(got) == 0:
		return "closed"
	case got[0] == "timeout":
		return "stuck (probe not answered)"
	}
	return "open (then answered: " + strings.Join(got, ", ") + ")"
}

func renderResponse(p string, r response, tc *tcase) []string {
	var ls []string
	for _, h := range r.interim {
		ls = append(ls, p+" interim: "+h)
	}
	if r.status != "" {
		ls = append(ls, p+" status: "+r.status)
		for _, kv := range r.headers {
			if len(tc.hdrs) == 0 || contains(tc.hdrs, kv[0]) {
				ls = append(ls, fmt.Sprintf("%s hdr: %s: %s", p, kv[0], quoteBytes([]byte(kv[1]))))
			}
		}
		ls = append(ls, p+" body: "+quoteBytes(r.body))
		for _, kv := range r.trailers {
			ls = append(ls, fmt.Sprintf("%s trailer: %s: %q", p, kv[0], kv[1]))
		}
	}
	if r.err != "" {
		ls = append(ls, p+" error: "+r.err)
	}
	if tc.exact {
		ls = append(ls, p+" raw: "+quoteBytes(r.raw))
	}
	return ls
}

func renderOrigins(rec *recorder, tc *tcase) []string {
	if tc.originsVary != "" {
		return nil
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var ls []string
	if tc.tcp {
		var names []string
		for n := range rec.conns {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ls = append(ls, fmt.Sprintf("origin %s: %d connection(s)", n, rec.conns[n]))
		}
		return ls
	}
	if len(rec.reqs) == 0 {
		return []string{"origins: no request"}
	}
	for i, r := range rec.reqs {
		p := fmt.Sprintf("o%d", i+1)
		conn := fmt.Sprintf(" conn#%d", r.conn)
		if tc.anyConn {
			conn = ""
		}
		ls = append(ls, fmt.Sprintf("%s %s%s: %s", p, r.origin, conn, quoteBytes([]byte(firstLine([]byte(r.head))))))
		for _, kv := range parseHeaderLines([]byte(r.head)) {
			if contains(tc.originSkip, kv[0]) {
				continue
			}
			ls = append(ls, fmt.Sprintf("%s hdr: %s: %s", p, quoteBytes([]byte(kv[0])), quoteBytes([]byte(kv[1]))))
		}
		if len(r.body) > 0 {
			ls = append(ls, p+" body: "+quoteBytes(r.body))
		}
		if r.trailers != "" {
			ls = append(ls, fmt.Sprintf("%s trailers: %q", p, r.trailers))
		}
		if r.err != "" {
			ls = append(ls, p+" error: "+r.err)
		}
	}
	return ls
}

// quoteBytes shows bytes exactly but keeps long ones to one short line; the
// hash still tells two long values apart.
func quoteBytes(b []byte) string {
	if len(b) <= 300 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q...(%d bytes, sha256 %x)", b[:120], len(b), sha256.Sum256(b))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// notYet marks a case as needing a keyword of a later issue (see tcase).
func notYet(tc tcase, keyword string) tcase {
	tc.notYet = keyword
	return tc
}
