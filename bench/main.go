// Command bench runs switchyard and haproxy side by side on the same config,
// pinned to the same core, and reports throughput, latency and the memory
// cost of idle keep-alive connections, with the switchyard/haproxy ratios.
// See README.md in this directory for the method.
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
	proxyCPU   int
	loadCPU    int
	keep       bool
	reload     int
	scrape     int
}

// target is one proxy under test.
type target struct {
	name string
	argv []string
	env  []string
}

func main() {
	serve := flag.String("serve-origin", "", "internal: serve the Go origin on this address")
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
	flag.IntVar(&o.proxyCPU, "proxy-cpu", 0, "CPU the proxy under test is pinned to")
	flag.IntVar(&o.loadCPU, "load-cpu", 1, "CPU wrk and the origin are pinned to")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (logs, binary)")
	flag.IntVar(&o.scrape, "scrape", 0, "instead of the throughput and memory runs, measure what a Prometheus scrape of a backend of this many servers costs the requests (wrk -c50 for -duration without, then with, a scrape a second)")
	flag.IntVar(&o.reload, "reload", 0, "instead of the throughput and memory runs, reload each proxy this many times under wrk -c400 for -duration and count the requests lost")
	flag.Parse()

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
	if _, err := os.Stat(o.config); err != nil {
		return fail(err)
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

	env := wrkEnv{wrk: o.wrk, proxyCPU: o.proxyCPU, loadCPU: o.loadCPU, origin: origin, logDir: tmp}
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
	th, err := throughput(o, env, targets, originPort)
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
	report(os.Stdout, o, targets, th, idle)
	for _, rs := range th {
		for _, rounds := range rs {
			for _, r := range rounds {
				if r.Errors > 0 {
					fmt.Fprintln(os.Stderr, "bench: some runs had errors (see the errors column)")
					return 1
				}
			}
		}
	}
	return 0
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
	if err := smoke(addr); err != nil {
		return nil, fmt.Errorf("origin: %w\n%s", err, p.logTail(20))
	}
	return p, nil
}

// startProxy starts t on a new port in front of the origin and checks that a
// request goes through it.
func startProxy(o options, t target, originPort int, tmp, suffix string) (*proc, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := append([]string{
		"BENCH_PROXY_PORT=" + strconv.Itoa(port),
		"BENCH_ORIGIN_PORT=" + strconv.Itoa(originPort),
	}, t.env...)
	p, err := startPinned(t.name+suffix, o.proxyCPU, env, tmp, t.argv...)
	if err != nil {
		return nil, "", err
	}
	if err := waitListening(p, addr, 10*time.Second); err != nil {
		return nil, "", err
	}
	if err := smoke(addr); err != nil {
		return nil, "", fmt.Errorf("%s: %w\n%s", t.name, err, p.logTail(20))
	}
	if o.idle > 0 {
		if lim, err := nofileOf(p.pid()); err == nil && lim < uint64(o.idle)+256 {
			return nil, "", fmt.Errorf("%s runs with an open-files limit of %d, too low for -idle %d", t.name, lim, o.idle)
		}
	}
	return p, addr, nil
}

// smoke sends two requests on one connection: the proxy must answer 200 and
// keep the connection open, or the throughput figures would mean nothing.
func smoke(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
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

// throughput returns, per connection count and proxy, the result of each round.
func throughput(o options, env wrkEnv, targets []target, originPort int) (map[int]map[string][]wrkResult, error) {
	res := map[int]map[string][]wrkResult{}
	if len(o.conns) == 0 {
		return res, nil
	}
	procs := make([]*proc, len(targets))
	urls := make([]string, len(targets))
	for i, t := range targets {
		p, addr, err := startProxy(o, t, originPort, env.logDir, "")
		if err != nil {
			return nil, err
		}
		procs[i], urls[i] = p, "http://"+addr+"/"
	}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	maxConns := 0
	for _, c := range o.conns {
		maxConns = max(maxConns, c)
	}
	if o.warmup > 0 {
		for i, t := range targets {
			fmt.Fprintf(os.Stderr, "warm-up %s\n", t.name)
			if _, err := runWrk(env, maxConns, o.warmup, urls[i], procs[i]); err != nil {
				return nil, err
			}
		}
	}
	// Interleave the proxies round by round so that a slow drift of the
	// machine (other load, thermal) spreads over both instead of one.
	for _, c := range o.conns {
		res[c] = map[string][]wrkResult{}
		for round := 1; round <= o.rounds; round++ {
			for i, t := range targets {
				r, err := runWrk(env, c, o.duration, urls[i], procs[i])
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(os.Stderr, "c=%-4d round %d/%d %-10s %9.0f req/s  p50 %-8s p99 %-8s cpu %3.0f%%  others %3.0f%%/%3.0f%%  errors %d\n",
					c, round, o.rounds, t.name, r.RPS, fmtDur(r.P50), fmtDur(r.P99), 100*r.CPU, 100*r.OtherProxy, 100*r.OtherLoad, r.Errors)
				res[c][t.name] = append(res[c][t.name], r)
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
	return idleConnCost(p, addr, o.idle, o.idlePar, o.settle)
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
	both := len(targets) == 2
	if len(o.conns) > 0 {
		fmt.Fprintf(w, "\nthroughput: median of %d rounds of %s, wrk -t1 on CPU %d, proxy on CPU %d\n",
			o.rounds, wrkDuration(o.duration), o.loadCPU, o.proxyCPU)
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
					c, t.name, s.rps, fmtDur(time.Duration(s.p50)), fmtDur(time.Duration(s.p99)), 100*s.cpu, fmt.Sprintf("%.0f%%/%.0f%%", 100*s.otherP, 100*s.otherL), s.errors)
			}
			if both {
				h, s := sums["haproxy"], sums["switchyard"]
				fmt.Fprintf(tw, "%d\tswitchyard/haproxy\t%s\t\t%s\t\t\t\t\n", c, ratio(s.rps, h.rps), ratio(s.p99, h.p99))
			}
		}
		tw.Flush()
		if noisy > 0.10 {
			fmt.Fprintf(w, "warning: other work took up to %.0f%% of a pinned CPU during the runs; the figures measure contention too\n", 100*noisy)
		}
	}
	if len(idle) > 0 {
		fmt.Fprintf(w, "\nidle keep-alive connections: %d, one request each, fresh process; bytes per connection\n", o.idle)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "proxy\tprivate B/conn\trss B/conn\tbefore (private)\tafter (private)\talive\t")
		priv := func(m memInfo) uint64 { return m.Private }
		rss := func(m memInfo) uint64 { return m.RSS }
		for _, t := range targets {
			r := idle[t.name]
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t%s\t%d/%d\t\n", t.name, r.perConn(priv), r.perConn(rss),
				fmtBytes(r.Before.Private), fmtBytes(r.After.Private), r.Alive, r.Conns)
		}
		if both {
			h, s := idle["haproxy"], idle["switchyard"]
			fmt.Fprintf(tw, "switchyard/haproxy\t%s\t%s\t\t\t\t\n", ratio(s.perConn(priv), h.perConn(priv)), ratio(s.perConn(rss), h.perConn(rss)))
		}
		tw.Flush()
	}
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
