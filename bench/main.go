// Command bench runs switchyard and haproxy side by side on the same config,
// pinned to the same core, and reports throughput, latency and the memory
// cost of idle keep-alive connections, in plain HTTP and over TLS (with new
// TLS handshakes per second too), with the switchyard/haproxy ratios. See
// README.md in this directory for the method.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"
)

type options struct {
	duration   time.Duration
	warmup     time.Duration
	rounds     int
	conns      []int
	idle       int
	idlePar    int
	settle     time.Duration
	only       string
	switchyard string
	haproxy    string
	wrk        string
	origin     string
	config     string
	script     string // -wrk-script
	tableN     int    // -table-entries
	proxyCPU   int
	loadCPU    int
	keep       bool
	reload     int
	scrape     int
	// The TLS part (tls.go).
	tls        string // on, off or only
	tlsConfig  string
	hsDuration time.Duration
	hsConns    int
}

// target is one proxy under test.
type target struct {
	name string
	argv []string
	env  []string
}

func main() {
	serve := flag.String("serve-origin", "", "internal: serve the Go origin on this address")
	hsLoad := flag.String("handshake-load", "", "internal: run the TLS handshake load this JSON describes")
	var o options
	var conns string
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each wrk run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured wrk run per proxy before the rounds (0: none)")
	flag.IntVar(&o.rounds, "rounds", 3, "measured runs per proxy and connection count (the median is reported)")
	flag.StringVar(&conns, "conns", "50,400", "comma-separated wrk connection counts (empty: skip throughput)")
	flag.IntVar(&o.idle, "idle", 10000, "idle keep-alive connections for the memory test (0: skip)")
	flag.IntVar(&o.idlePar, "idle-parallel", 64, "connections opened concurrently in the memory test")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "pause before each memory reading")
	flag.StringVar(&o.only, "only", "", "run only this proxy: haproxy or switchyard")
	flag.StringVar(&o.switchyard, "switchyard", "", "prebuilt switchyard binary (default: go build ./cmd/switchyard)")
	flag.StringVar(&o.haproxy, "haproxy", "/usr/sbin/haproxy", "haproxy binary")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	flag.StringVar(&o.origin, "origin", "haproxy", "origin server: haproxy (http-request return) or go")
	flag.StringVar(&o.config, "config", filepath.Join(benchDir(), "haproxy.cfg"), "config run by both proxies")
	flag.IntVar(&o.tableN, "table-entries", 0, "with bench/ratelimit.cfg: also measure the memory of this many stick table entries on a fresh instance of each proxy (0: skip)")
	flag.StringVar(&o.script, "wrk-script", "", "a wrk Lua script for the throughput runs (bench/clients10k.lua: 10,000 client addresses)")
	flag.IntVar(&o.proxyCPU, "proxy-cpu", 0, "CPU the proxy under test is pinned to")
	flag.IntVar(&o.loadCPU, "load-cpu", 1, "CPU wrk and the origin are pinned to")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, binary)")
	flag.IntVar(&o.scrape, "scrape", 0, "instead of the throughput and memory runs, measure what a Prometheus scrape of a backend of this many servers costs the requests (wrk -c50 for -duration without, then with, a scrape a second)")
	flag.IntVar(&o.reload, "reload", 0, "instead of the throughput and memory runs, reload each proxy this many times under wrk -c400 for -duration and count the requests lost")
	flag.StringVar(&o.tls, "tls", "on", "the TLS part: on (after the plain part), off, or only (the TLS part alone)")
	flag.StringVar(&o.tlsConfig, "tls-config", filepath.Join(benchDir(), "tls.cfg"), "config run by both proxies in the TLS part")
	flag.DurationVar(&o.hsDuration, "handshake-duration", 0, "length of each TLS handshake run (0: -duration, at most 5s)")
	flag.IntVar(&o.hsConns, "handshake-conns", 32, "concurrent connections of the TLS handshake client")
	flag.Parse()

	if *hsLoad != "" {
		os.Exit(handshakeMain(*hsLoad))
	}
	if *serve != "" {
		if err := serveOrigin(*serve); err != nil {
			fmt.Fprintln(os.Stderr, "origin:", err)
			os.Exit(1)
		}
		return
	}
	for _, s := range strings.Split(conns, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fatalf("bad -conns entry %q", s)
		}
		o.conns = append(o.conns, n)
	}
	switch {
	case o.only != "" && o.only != "haproxy" && o.only != "switchyard":
		fatalf("-only must be haproxy or switchyard")
	case o.origin != "haproxy" && o.origin != "go":
		fatalf("-origin must be haproxy or go")
	case o.rounds < 1:
		fatalf("-rounds must be at least 1")
	case o.idlePar < 1:
		fatalf("-idle-parallel must be at least 1")
	case o.tls != "on" && o.tls != "off" && o.tls != "only":
		fatalf("-tls must be on, off or only")
	case o.hsConns < 1:
		fatalf("-handshake-conns must be at least 1")
	}
	if o.hsDuration <= 0 {
		o.hsDuration = min(o.duration, 5*time.Second)
	}

	// Children are stopped on every way out: normal return, error, Ctrl-C.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		interrupted.Store(true)
		fmt.Fprintf(os.Stderr, "\n%v: stopping\n", s)
		stopAll()
		if d := tmpDir.Load(); d != nil && !o.keep {
			os.RemoveAll(*d)
		}
		os.Exit(130)
	}()
	code := run(o)
	if interrupted.Load() {
		select {} // the signal handler is stopping the children and exits
	}
	stopAll()
	os.Exit(code)
}

// interrupted is set on Ctrl-C: the failures that killing our children
// causes (wrk "failed") are then expected and not worth reporting.
var interrupted atomic.Bool

// tmpDir is the run's temporary directory, for the signal handler to remove.
var tmpDir atomic.Pointer[string]

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}

// benchDir is this source directory, so that `go run ./bench` finds its
// config and the module root from any working directory.
func benchDir() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		if _, err := os.Stat(file); err == nil {
			return filepath.Dir(file)
		}
	}
	return "bench"
}

func run(o options) int {
	tmp, err := os.MkdirTemp("", "switchyard-bench-")
	if err != nil {
		return fail(err)
	}
	tmpDir.Store(&tmp)
	if o.keep {
		fmt.Fprintf(os.Stderr, "logs in %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	nofile, err := raiseNofile()
	if err != nil {
		return fail(fmt.Errorf("raising RLIMIT_NOFILE: %w", err))
	}
	if o.idle > 0 && uint64(o.idle)+256 > nofile {
		return fail(fmt.Errorf("open-files limit %d is too low for -idle %d (raise the hard limit or lower -idle)", nofile, o.idle))
	}
	for _, tool := range []string{"taskset", o.wrk} {
		if _, err := exec.LookPath(tool); err != nil {
			return fail(fmt.Errorf("%s not found (run scripts/deps.sh)", tool))
		}
	}
	if n := runtime.NumCPU(); o.proxyCPU >= n || o.loadCPU >= n {
		return fail(fmt.Errorf("need CPUs %d and %d, have %d", o.proxyCPU, o.loadCPU, n))
	}
	for _, cfg := range []string{o.config, o.tlsConfig} {
		if _, err := os.Stat(cfg); err != nil {
			return fail(err)
		}
	}

	var targets []target
	if o.only != "switchyard" {
		if _, err := exec.LookPath(o.haproxy); err != nil {
			return fail(fmt.Errorf("haproxy: %w (run scripts/deps.sh)", err))
		}
		targets = append(targets, target{name: "haproxy", argv: []string{o.haproxy, "-f", o.config, "-db"}})
	}
	if o.only != "haproxy" {
		bin := o.switchyard
		if bin == "" {
			bin = filepath.Join(tmp, "switchyard")
			fmt.Fprintln(os.Stderr, "building switchyard")
			build := exec.Command("go", "build", "-o", bin, "./cmd/switchyard")
			build.Dir = filepath.Dir(benchDir())
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			if err := build.Run(); err != nil {
				return fail(fmt.Errorf("building switchyard: %w", err))
			}
		}
		// One core each: haproxy has nbthread 1 in the config.
		targets = append(targets, target{name: "switchyard", argv: []string{bin, "-f", o.config, "-db"}, env: []string{"GOMAXPROCS=1"}})
	}

	cfgEnv, stopSink, err := configEnv(tmp)
	if err != nil {
		return fail(err)
	}
	defer stopSink()
	for i := range targets {
		targets[i].env = append(targets[i].env, cfgEnv...)
	}

	originPort, err := freePort()
	if err != nil {
		return fail(err)
	}
	origin, err := startOrigin(o, originPort, tmp)
	if err != nil {
		return fail(err)
	}

	env := wrkEnv{wrk: o.wrk, proxyCPU: o.proxyCPU, loadCPU: o.loadCPU, origin: origin, logDir: tmp, script: o.script}
	if o.reload > 0 {
		if err := reloads(o, env, targets, originPort, o.reload); err != nil {
			return fail(err)
		}
		return 0
	}
	if o.scrape > 0 {
		if err := scrapes(o, env, targets, originPort, o.scrape); err != nil {
			return fail(err)
		}
		return 0
	}
	failed := false
	if o.tls != "only" {
		th, err := plainThroughput(o, env, targets, originPort)
		if err != nil {
			return fail(err)
		}
		idle := map[string]idleResult{}
		if o.idle > 0 {
			for _, t := range targets {
				fmt.Fprintf(os.Stderr, "idle: %d connections to a fresh %s\n", o.idle, t.name)
				r, err := idleRun(o, t, originPort, tmp)
				if err != nil {
					return fail(fmt.Errorf("idle test of %s: %w", t.name, err))
				}
				idle[t.name] = r
			}
		}
		// Printed now: the TLS part takes minutes more.
		report(os.Stdout, o, targets, th, idle)
		if o.tableN > 0 {
			tables := map[string]tableResult{}
			for _, t := range targets {
				fmt.Fprintf(os.Stderr, "table: %d entries in a fresh %s\n", o.tableN, t.name)
				r, err := tableRun(o, t, originPort, o.tableN, tmp)
				if err != nil {
					return fail(fmt.Errorf("table test of %s: %w", t.name, err))
				}
				tables[t.name] = r
			}
			tableReport(tables, targets)
		}
		failed = failed || hadErrors(th)
	}
	if o.tls != "off" {
		tr, err := tlsPart(o, env, targets, originPort)
		if err != nil {
			return fail(err)
		}
		tlsReport(os.Stdout, o, targets, tr)
		failed = failed || tr.hadErrors()
	}
	if failed {
		fmt.Fprintln(os.Stderr, "bench: some runs had errors (see the errors columns)")
		return 1
	}
	return 0
}

func hadErrors(th map[int]map[string][]wrkResult) bool {
	for _, rs := range th {
		for _, rounds := range rs {
			for _, r := range rounds {
				if r.Errors > 0 {
					return true
				}
			}
		}
	}
	return false
}

func fail(err error) int {
	if interrupted.Load() {
		select {} // see main
	}
	fmt.Fprintln(os.Stderr, "bench:", err)
	return 1
}

// startOrigin runs the origin pinned to the load CPU and checks that it
// answers before any proxy is put in front of it.
func startOrigin(o options, port int, tmp string) (*proc, error) {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var argv []string
	if o.origin == "go" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		argv = []string{self, "-serve-origin", addr}
	} else {
		argv = []string{o.haproxy, "-f", filepath.Join(benchDir(), "origin.cfg"), "-db"}
	}
	env := []string{"BENCH_ORIGIN_PORT=" + strconv.Itoa(port), "GOMAXPROCS=1"}
	p, err := startPinned("origin", o.loadCPU, env, tmp, argv...)
	if err != nil {
		return nil, err
	}
	if err := waitListening(p, addr, 10*time.Second); err != nil {
		return nil, err
	}
	if err := smokeTCP(addr); err != nil {
		return nil, fmt.Errorf("origin: %w\n%s", err, p.logTail(20))
	}
	return p, nil
}

// startProxy starts t on a new port in front of the origin and checks that a
// request goes through it.
func startProxy(o options, t target, originPort int, tmp, suffix string) (*proc, string, error) {
	p, addrs, err := launch(o, t, originPort, tmp, suffix, []string{"BENCH_PROXY_PORT"},
		func(_ int, addr string) error { return smokeTCP(addr) })
	if err != nil {
		return nil, "", err
	}
	return p, addrs[0], nil
}

// launch starts t in front of the origin with a new port on 127.0.0.1 in
// each of the environment variables portVars, waits for each port to
// accept connections and checks each address with check (i is its index
// in portVars).
func launch(o options, t target, originPort int, tmp, suffix string, portVars []string, check func(i int, addr string) error) (*proc, []string, error) {
	env := []string{"BENCH_ORIGIN_PORT=" + strconv.Itoa(originPort)}
	var addrs []string
	for _, v := range portVars {
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		env = append(env, v+"="+strconv.Itoa(port))
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(port))
	}
	p, err := startPinned(t.name+suffix, o.proxyCPU, append(env, t.env...), tmp, t.argv...)
	if err != nil {
		return nil, nil, err
	}
	if err := checkStarted(o, t, p, addrs, check); err != nil {
		p.stop()
		return nil, nil, err
	}
	return p, addrs, nil
}

func checkStarted(o options, t target, p *proc, addrs []string, check func(i int, addr string) error) error {
	for i, addr := range addrs {
		if err := waitListening(p, addr, 10*time.Second); err != nil {
			return err
		}
		if err := check(i, addr); err != nil {
			return fmt.Errorf("%s on %s: %w\n%s", t.name, addr, err, p.logTail(20))
		}
	}
	if o.idle > 0 {
		if lim, err := nofileOf(p.pid()); err == nil && lim < uint64(o.idle)+256 {
			return fmt.Errorf("%s runs with an open-files limit of %d, too low for -idle %d", t.name, lim, o.idle)
		}
	}
	return nil
}

// smokeTCP runs smoke on a new plain connection to addr.
func smokeTCP(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	return smoke(c)
}

// smoke sends two requests on one connection: the proxy must answer 200 and
// keep the connection open, or the throughput figures would mean nothing.
func smoke(c net.Conn) error {
	buf := make([]byte, 4096)
	for i := 0; i < 2; i++ {
		if err := exchange(c, buf); err != nil {
			if i == 1 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
				return errors.New("connection not kept alive after the first response")
			}
			return fmt.Errorf("smoke request %d: %w", i+1, err)
		}
	}
	return nil
}

// live is a running proxy under test and the URL wrk drives it with.
type live struct {
	t   target
	p   *proc
	url string
}

// plainThroughput runs the throughput part on a plain-HTTP instance of
// each target.
func plainThroughput(o options, env wrkEnv, targets []target, originPort int) (map[int]map[string][]wrkResult, error) {
	if len(o.conns) == 0 {
		return map[int]map[string][]wrkResult{}, nil
	}
	var ls []live
	defer func() {
		for _, l := range ls {
			l.p.stop()
		}
	}()
	for _, t := range targets {
		p, addr, err := startProxy(o, t, originPort, env.logDir, "")
		if err != nil {
			return nil, err
		}
		ls = append(ls, live{t, p, "http://" + addr + "/"})
	}
	return throughput(o, env, ls, "")
}

// throughput returns, per connection count and proxy, the result of each
// round of wrk against the running proxies ls; tag prefixes the progress
// lines.
func throughput(o options, env wrkEnv, ls []live, tag string) (map[int]map[string][]wrkResult, error) {
	res := map[int]map[string][]wrkResult{}
	if len(o.conns) == 0 {
		return res, nil
	}
	maxConns := 0
	for _, c := range o.conns {
		maxConns = max(maxConns, c)
	}
	if o.warmup > 0 {
		for _, l := range ls {
			fmt.Fprintf(os.Stderr, "%swarm-up %s\n", tag, l.t.name)
			if _, err := runWrk(env, maxConns, o.warmup, l.url, l.p); err != nil {
				return nil, err
			}
		}
	}
	// Interleave the proxies round by round so that a slow drift of the
	// machine (other load, thermal) spreads over both instead of one.
	for _, c := range o.conns {
		res[c] = map[string][]wrkResult{}
		for round := 1; round <= o.rounds; round++ {
			for _, l := range ls {
				r, err := runWrk(env, c, o.duration, l.url, l.p)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(os.Stderr, "%sc=%-4d round %d/%d %-10s %9.0f req/s  p50 %-8s p99 %-8s cpu %3.0f%%  others %3.0f%%/%3.0f%%  errors %d\n",
					tag, c, round, o.rounds, l.t.name, r.RPS, fmtDur(r.P50), fmtDur(r.P99), 100*r.CPU, 100*r.OtherProxy, 100*r.OtherLoad, r.Errors)
				res[c][l.t.name] = append(res[c][l.t.name], r)
			}
		}
	}
	return res, nil
}

// idleRun measures idle-connection memory on a fresh instance of t.
func idleRun(o options, t target, originPort int, tmp string) (idleResult, error) {
	p, addr, err := startProxy(o, t, originPort, tmp, "-idle")
	if err != nil {
		return idleResult{}, err
	}
	defer p.stop()
	return idleConnCost(p, func(i int) (net.Conn, error) { return dialFrom(i, addr) }, o.idle, o.idlePar, o.settle)
}

type summary struct {
	rps, p50, p99, cpu, otherP, otherL float64
	errors                             int64
}

func summarize(rs []wrkResult) summary {
	var rps, p50, p99, cpu, otherP, otherL []float64
	var s summary
	for _, r := range rs {
		rps = append(rps, r.RPS)
		p50 = append(p50, float64(r.P50))
		p99 = append(p99, float64(r.P99))
		cpu = append(cpu, r.CPU)
		otherP = append(otherP, r.OtherProxy)
		otherL = append(otherL, r.OtherLoad)
		s.errors += r.Errors
	}
	s.rps, s.p50, s.p99, s.cpu = median(rps), median(p50), median(p99), median(cpu)
	s.otherP, s.otherL = median(otherP), median(otherL)
	return s
}

func report(w io.Writer, o options, targets []target, th map[int]map[string][]wrkResult, idle map[string]idleResult) {
	if len(o.conns) > 0 {
		fmt.Fprintf(w, "\nthroughput: median of %d rounds of %s, wrk -t1 on CPU %d, proxy on CPU %d\n",
			o.rounds, wrkDuration(o.duration), o.loadCPU, o.proxyCPU)
		throughputTable(w, o, targets, th)
	}
	if len(idle) > 0 {
		fmt.Fprintf(w, "\nidle keep-alive connections: %d, one request each, fresh process; bytes per connection\n", o.idle)
		idleTable(w, targets, idle)
	}
}

// throughputTable prints the medians of the wrk rounds, with the ratios.
func throughputTable(w io.Writer, o options, targets []target, th map[int]map[string][]wrkResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conns\tproxy\treq/s\tp50\tp99\tproxy cpu\tothers p/l\terrors\t")
	noisy := 0.0
	for _, c := range o.conns {
		sums := map[string]summary{}
		for _, t := range targets {
			s := summarize(th[c][t.name])
			sums[t.name] = s
			noisy = max(noisy, s.otherP, s.otherL)
			fmt.Fprintf(tw, "%d\t%s\t%.0f\t%s\t%s\t%.0f%%\t%s\t%d\t\n",
				c, t.name, s.rps, fmtDur(time.Duration(s.p50)), fmtDur(time.Duration(s.p99)), 100*s.cpu, fmtOthers(s.otherP, s.otherL), s.errors)
		}
		if len(targets) == 2 {
			h, s := sums["haproxy"], sums["switchyard"]
			fmt.Fprintf(tw, "%d\tswitchyard/haproxy\t%s\t\t%s\t\t\t\t\n", c, ratio(s.rps, h.rps), ratio(s.p99, h.p99))
		}
	}
	tw.Flush()
	noiseWarning(w, noisy)
}

// noiseWarning says when other work took a noticeable share of the pinned
// CPUs (the largest share over the rows of a table).
func noiseWarning(w io.Writer, noisy float64) {
	if noisy > 0.10 {
		fmt.Fprintf(w, "warning: other work took up to %.0f%% of a pinned CPU during the runs; the figures measure contention too\n", 100*noisy)
	}
}

func fmtOthers(p, l float64) string { return fmt.Sprintf("%.0f%%/%.0f%%", 100*p, 100*l) }

// idleTable prints the memory cost of idle connections, with the ratios.
func idleTable(w io.Writer, targets []target, idle map[string]idleResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "proxy\tprivate B/conn\trss B/conn\tbefore (private)\tafter (private)\talive\t")
	priv := func(m memInfo) uint64 { return m.Private }
	rss := func(m memInfo) uint64 { return m.RSS }
	for _, t := range targets {
		r := idle[t.name]
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t%s\t%d/%d\t\n", t.name, r.perConn(priv), r.perConn(rss),
			fmtBytes(r.Before.Private), fmtBytes(r.After.Private), r.Alive, r.Conns)
	}
	if len(targets) == 2 {
		h, s := idle["haproxy"], idle["switchyard"]
		fmt.Fprintf(tw, "switchyard/haproxy\t%s\t%s\t\t\t\t\n", ratio(s.perConn(priv), h.perConn(priv)), ratio(s.perConn(rss), h.perConn(rss)))
	}
	tw.Flush()
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// fmtDur prints latencies the way wrk does: µs below 1 ms, ms above.
func fmtDur(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%dus", d.Microseconds())
	}
	return fmt.Sprintf("%.2fms", float64(d)/1e6)
}

func fmtBytes(b uint64) string {
	return fmt.Sprintf("%.1fMB", float64(b)/(1<<20))
}
