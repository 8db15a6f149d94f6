// Command checks measures the CPU cost of health checks: one backend of N
// servers, each checked every inter, in switchyard (its runtime, in this
// process) and in haproxy (a child process), with nothing else to do. The
// origins run in a separate process (this program re-executed), so that
// the process measured runs the proxy alone.
//
//	go run ./bench/checks                       # N=1000, inter 1s, TCP and HTTP, 20s each
//	go run ./bench/checks -n 200 -duration 5s -kind http
//	go run ./bench/checks -floor                # bare connect syscalls: the least any checker pays
//
// For each check kind and proxy it reports the CPU time the proxy process
// used during the measurement window (getrusage for switchyard, utime+stime
// from /proc/PID/stat for haproxy) as a percentage of one core, the checks
// per second the origins received, the servers the proxy marked down (0
// expected) and the proxy's resident memory. Both run with one thread by
// default (-procs): haproxy `nbthread 1`, switchyard GOMAXPROCS=1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"switchyard/config"
	"switchyard/proxy"
)

type options struct {
	n        int
	inter    time.Duration
	duration time.Duration
	warmup   time.Duration
	kinds    []string
	only     string
	haproxy  string
	procs    int
	keep     bool
	cpuprof  string
}

func main() {
	// The origin process: this program re-executed (see startOrigins).
	if len(os.Args) > 1 && os.Args[1] == "-serve-origins" {
		os.Exit(serveOrigins(os.Args[2:]))
	}
	var o options
	var kind string
	flag.IntVar(&o.n, "n", 1000, "servers (and origins), each checked every -inter")
	flag.DurationVar(&o.inter, "inter", time.Second, "check interval (`inter` of every server)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "measurement window per proxy and kind")
	flag.DurationVar(&o.warmup, "warmup", 0, "time left to the checks to start before measuring (default 2×inter)")
	flag.StringVar(&kind, "kind", "tcp,http", "check kinds: tcp (connect only), http (option httpchk GET /health)")
	flag.StringVar(&o.only, "only", "", "switchyard or haproxy (default both)")
	flag.StringVar(&o.haproxy, "haproxy", "/usr/sbin/haproxy", "haproxy binary")
	flag.IntVar(&o.procs, "procs", 1, "haproxy nbthread and switchyard GOMAXPROCS")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs, haproxy output)")
	flag.StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile of switchyard's measurement window(s) to `file` (the kind is added to the name)")
	floorOnly := flag.Bool("floor", false, "instead: the CPU cost of the bare system calls of -n connect checks per -inter, the least any checker pays on this machine")
	flag.Parse()
	if o.warmup == 0 {
		o.warmup = 2 * o.inter
	}
	for _, k := range strings.Split(kind, ",") {
		switch k = strings.TrimSpace(k); k {
		case "tcp", "http":
			o.kinds = append(o.kinds, k)
		case "":
		default:
			fatalf("-kind: %q is neither tcp nor http", k)
		}
	}
	if o.n < 1 || o.duration <= 0 || o.inter <= 0 || o.procs < 1 || len(o.kinds) == 0 {
		fatalf("-n, -duration, -inter, -procs must be positive and -kind not empty")
	}
	if o.only != "" && o.only != "switchyard" && o.only != "haproxy" {
		fatalf("-only: switchyard or haproxy")
	}
	if *floorOnly {
		os.Exit(floor(o))
	}
	os.Exit(run(o))
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "checks: "+format+"\n", args...)
	os.Exit(2)
}

// result is one measurement.
type result struct {
	kind, proxy string
	cpu         time.Duration // CPU time used in the window
	wall        time.Duration
	checks      int64 // checks the origins received in the window
	down        int   // servers marked down at any time
	rss         uint64
	err         error
}

func run(o options) int {
	limit, err := raiseNofile()
	if err != nil {
		fmt.Fprintf(os.Stderr, "checks: raising the descriptor limit: %v\n", err)
	}
	// The origins hold one listener each; the proxy one check socket per
	// server at most, plus a few.
	if need := uint64(o.n + 200); limit < need {
		fatalf("descriptor limit %d is below the %d needed for -n %d: raise `ulimit -Hn` or lower -n", limit, need, o.n)
	}
	tmp, err := os.MkdirTemp("", "bench-checks-")
	if err != nil {
		fatalf("%v", err)
	}
	if o.keep {
		fmt.Fprintf(os.Stderr, "checks: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	orig, err := startOrigins(o.n)
	if err != nil {
		fmt.Fprintf(os.Stderr, "checks: origins: %v\n", err)
		return 1
	}
	defer orig.stop()
	fmt.Printf("%d origins on 127.0.0.1 (separate process, pid %d); inter %v, window %v after %v of warm-up, %d thread(s); %d CPUs\n",
		o.n, orig.cmd.Process.Pid, o.inter, o.duration, o.warmup, o.procs, runtime.NumCPU())

	// What this process costs doing nothing, for reference: the
	// switchyard figures include it.
	idle := measureSelfIdle(2 * time.Second)

	var results []result
	failed := false
	for _, kind := range o.kinds {
		cfg := genConfig(o, kind, orig.ports)
		if o.only != "haproxy" {
			r := runSwitchyard(o, kind, cfg, orig)
			failed = failed || r.err != nil
			results = append(results, r)
		}
		if o.only != "switchyard" {
			r := runHAProxy(o, kind, cfg, orig, tmp)
			failed = failed || r.err != nil
			results = append(results, r)
		}
	}
	report(os.Stdout, o, results, idle)
	if failed {
		return 1
	}
	return 0
}

// genConfig is the configuration both proxies run: a frontend (so that it
// is a complete proxy) and one backend of n checked servers.
func genConfig(o options, kind string, ports []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global\n    nbthread %d\n    maxconn 1000\n\n", o.procs)
	b.WriteString("defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n    timeout check 1s\n\n")
	b.WriteString("frontend fe\n    bind \"127.0.0.1:${BENCH_FE_PORT}\"\n    default_backend be\n\n")
	b.WriteString("backend be\n")
	if kind == "http" {
		b.WriteString("    option httpchk GET /health\n    http-check expect status 200\n")
	}
	fmt.Fprintf(&b, "    default-server check inter %dms\n", o.inter.Milliseconds())
	for i, p := range ports {
		fmt.Fprintf(&b, "    server s%d 127.0.0.1:%d\n", i+1, p)
	}
	return b.String()
}

// ---- switchyard, in this process ----

func runSwitchyard(o options, kind, cfgText string, orig *origins) result {
	r := result{kind: kind, proxy: "switchyard"}
	port, err := freePort()
	if err != nil {
		r.err = err
		return r
	}
	env := map[string]string{"BENCH_FE_PORT": strconv.Itoa(port)}
	cfg, _, errs := config.LoadBytes("checks.cfg", []byte(cfgText), config.LoadOptions{
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	if len(errs) > 0 {
		r.err = fmt.Errorf("config: %v", errs)
		return r
	}
	prev := runtime.GOMAXPROCS(o.procs)
	defer runtime.GOMAXPROCS(prev)
	logs := &lineCounter{match: []byte(" is DOWN")}
	rt := proxy.New(slog.New(slog.NewTextHandler(logs, nil)), nil)
	if err := rt.Apply(cfg); err != nil {
		r.err = fmt.Errorf("apply: %v", err)
		return r
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	}()
	time.Sleep(o.warmup) // a measurement window, not synchronisation
	if o.cpuprof != "" {
		f, err := os.Create(o.cpuprof + "." + kind)
		if err != nil {
			r.err = err
			return r
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			r.err = err
			return r
		}
		defer pprof.StopCPUProfile()
	}
	c0, n0, t0 := selfCPU(), orig.count(), time.Now()
	time.Sleep(o.duration)
	c1, n1, t1 := selfCPU(), orig.count(), time.Now()
	r.cpu, r.wall, r.checks = c1-c0, t1.Sub(t0), n1-n0
	r.down = logs.count()
	r.rss, _ = rssOf(os.Getpid())
	return r
}

// selfCPU is this process's user and system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measureSelfIdle(d time.Duration) float64 {
	c0, t0 := selfCPU(), time.Now()
	time.Sleep(d)
	return pct(selfCPU()-c0, time.Since(t0))
}

// lineCounter counts the written lines containing match.
type lineCounter struct {
	match []byte
	mu    sync.Mutex
	n     int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.n += bytes.Count(p, l.match)
	l.mu.Unlock()
	return len(p), nil
}

func (l *lineCounter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// ---- haproxy, a child process ----

func runHAProxy(o options, kind, cfgText string, orig *origins, tmp string) result {
	r := result{kind: kind, proxy: "haproxy"}
	if _, err := os.Stat(o.haproxy); err != nil {
		r.err = fmt.Errorf("haproxy: %v", err)
		return r
	}
	port, err := freePort()
	if err != nil {
		r.err = err
		return r
	}
	path := filepath.Join(tmp, "haproxy-"+kind+".cfg")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		r.err = err
		return r
	}
	out := &lineCounter{match: []byte(" is DOWN")}
	logf, err := os.Create(filepath.Join(tmp, "haproxy-"+kind+".log"))
	if err != nil {
		r.err = err
		return r
	}
	defer logf.Close()
	cmd := exec.Command(o.haproxy, "-db", "-f", path)
	cmd.Env = append(os.Environ(), "BENCH_FE_PORT="+strconv.Itoa(port))
	cmd.Stdout = io.MultiWriter(logf, out)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		r.err = err
		return r
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	pid := cmd.Process.Pid
	time.Sleep(o.warmup) // a measurement window, not synchronisation
	select {
	case <-exited:
		r.err = fmt.Errorf("haproxy exited during the warm-up; see its output with -keep")
		return r
	default:
	}
	c0, err0 := cpuTicks(pid)
	n0, t0 := orig.count(), time.Now()
	time.Sleep(o.duration)
	c1, err1 := cpuTicks(pid)
	n1, t1 := orig.count(), time.Now()
	if err := errors.Join(err0, err1); err != nil {
		r.err = fmt.Errorf("reading haproxy's CPU time: %v", err)
		return r
	}
	r.cpu = time.Duration(c1-c0) * time.Second / clockTicks
	r.wall, r.checks = t1.Sub(t0), n1-n0
	r.down = out.count()
	r.rss, _ = rssOf(pid)
	return r
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuTicks reads utime+stime of pid from /proc/PID/stat, in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short stat")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed stat times")
	}
	return u + s, nil
}

// rssOf reads a process's resident set size.
func rssOf(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, err := strconv.ParseUint(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// ---- the origins, in a separate process ----

// origins is the origin process seen from the measuring one.
type origins struct {
	cmd    *exec.Cmd
	ports  []int
	counts atomic.Int64 // checks received, as last reported
	mu     sync.Mutex
	w      io.WriteCloser
	sc     *bufio.Scanner
}

// startOrigins re-executes this program as the origin process and reads
// the ports it listens on.
func startOrigins(n int) (*origins, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-origins", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	o := &origins{cmd: cmd, w: in, sc: bufio.NewScanner(outp)}
	o.sc.Buffer(make([]byte, 1<<20), 1<<24)
	if !o.sc.Scan() {
		o.stop()
		return nil, fmt.Errorf("origin process said nothing: %v", o.sc.Err())
	}
	for _, f := range strings.Fields(o.sc.Text()) {
		p, err := strconv.Atoi(f)
		if err != nil {
			o.stop()
			return nil, fmt.Errorf("origin process: bad port %q", f)
		}
		o.ports = append(o.ports, p)
	}
	if len(o.ports) != n {
		o.stop()
		return nil, fmt.Errorf("origin process listens on %d ports, want %d", len(o.ports), n)
	}
	return o, nil
}

// count asks the origin process how many checks it received so far.
func (o *origins) count() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := io.WriteString(o.w, "count\n"); err != nil || !o.sc.Scan() {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(o.sc.Text()), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (o *origins) stop() {
	o.w.Close() // the origin process exits at the end of its input
	done := make(chan struct{})
	go func() { o.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		o.cmd.Process.Kill()
		<-done
	}
}

// serveOrigins is the origin process: n listeners on 127.0.0.1, each
// answering an HTTP request with 200 (and closing), or closing a bare
// connection (a TCP check). It prints its ports on one line, then answers
// every "count" line of its input with the number of connections it
// served, and exits at the end of its input.
func serveOrigins(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: -serve-origins N")
		return 2
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "-serve-origins: N must be positive")
		return 2
	}
	raiseNofile()
	var served atomic.Int64
	ports := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(os.Stderr, "origin: %v\n", err)
			return 1
		}
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go answer(c, &served)
			}
		}()
	}
	fmt.Println(strings.Join(ports, " "))
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "count" {
			fmt.Println(served.Load())
		}
	}
	return 0
}

var okResponse = []byte("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")

func answer(c net.Conn, served *atomic.Int64) {
	defer c.Close()
	served.Add(1)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	var head []byte
	for {
		k, err := c.Read(buf)
		head = append(head, buf[:k]...)
		if bytes.Contains(head, []byte("\r\n\r\n")) {
			c.Write(okResponse)
			return
		}
		if err != nil || len(head) > 64<<10 {
			return // a TCP check: connect and close
		}
	}
}

// ---- helpers ----

// raiseNofile raises the soft descriptor limit to the hard one; children
// (haproxy, the origin process) inherit it.
func raiseNofile() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func pct(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(cpu) / float64(wall)
}

func report(w io.Writer, o options, rs []result, idle float64) {
	fmt.Fprintf(w, "\nCPU of the proxy process during %v, %d servers checked every %v (%.0f checks/s expected)\n",
		o.duration, o.n, o.inter, float64(o.n)/o.inter.Seconds())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tproxy\tCPU time\t% of one core\tµs per check\tchecks/s at origins\tservers down\tRSS\t")
	byKind := map[string]map[string]float64{}
	for _, r := range rs {
		if r.err != nil {
			fmt.Fprintf(tw, "%s\t%s\terror: %v\t\t\t\t\t\t\n", r.kind, r.proxy, r.err)
			continue
		}
		p := pct(r.cpu, r.wall)
		if byKind[r.kind] == nil {
			byKind[r.kind] = map[string]float64{}
		}
		byKind[r.kind][r.proxy] = p
		expected := float64(o.n) / o.inter.Seconds() * r.wall.Seconds()
		perCheck := float64(r.cpu.Microseconds()) / expected
		seen := "-"
		if r.checks >= 0 {
			seen = fmt.Sprintf("%.0f", float64(r.checks)/r.wall.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%.2f%%\t%.1f\t%s\t%d\t%.1f MB\t\n", r.kind, r.proxy,
			r.cpu.Round(time.Millisecond), p, perCheck, seen, r.down, float64(r.rss)/(1<<20))
	}
	tw.Flush()
	for _, k := range o.kinds {
		if s, h := byKind[k]["switchyard"], byKind[k]["haproxy"]; s > 0 && h > 0 {
			fmt.Fprintf(w, "%s: switchyard/haproxy CPU = %.2f\n", k, s/h)
		}
	}
	fmt.Fprintf(w, "switchyard runs in this process, whose own idle cost is %.2f%% of a core (included above).\n", idle)
	fmt.Fprintln(w, "µs per check is the CPU time over the checks inter asks for. The origins count the connections they accept:")
	fmt.Fprintln(w, "haproxy's TCP checks reset the connection before the origin accepts it, so they show fewer there.")
}
