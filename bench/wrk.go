package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run reports, plus CPU accounting over it.
type wrkResult struct {
	RPS    float64
	P50    time.Duration
	P99    time.Duration
	Errors int64 // socket errors of any kind plus non-2xx/3xx responses
	cpuShare
}

// wrkEnv is what every wrk run needs to know about the setup.
type wrkEnv struct {
	wrk               string
	proxyCPU, loadCPU int
	origin            *proc // shares the load CPU with wrk
	logDir            string
	script            string // a wrk Lua script (-s), "" for none
}

// runWrk drives url with a single-threaded wrk pinned to the load CPU. It
// also accounts for CPU time on both pinned CPUs, so that a client-bound run
// shows up as a proxy well below 100% and a contended one as "other" time.
func runWrk(e wrkEnv, conns int, d time.Duration, url string, proxy *proc) (wrkResult, error) {
	name := fmt.Sprintf("wrk-c%d-%s", conns, proxy.name)
	argv := []string{e.wrk, "-t1", "-c" + strconv.Itoa(conns), "-d" + wrkDuration(d), "--latency"}
	if e.script != "" {
		argv = append(argv, "-s", e.script)
	}
	p, cpu, err := runLoad(e, name, proxy, nil, append(argv, url)...)
	if err != nil {
		return wrkResult{}, err
	}
	out, err := os.ReadFile(p.log)
	if err != nil {
		return wrkResult{}, err
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return wrkResult{}, fmt.Errorf("%v in wrk output:\n%s", err, out)
	}
	r.cpuShare = cpu
	return r, nil
}

// cpuShare is where the time of the two pinned CPUs went during a load
// run, as fractions of one CPU over the run's wall time.
type cpuShare struct {
	Wall float64 // seconds the run took
	CPU  float64 // the proxy's CPU time (1.0 = one core)
	Load float64 // the load generator's own CPU time
	// Origin is the origin's CPU time (it shares the load CPU).
	Origin float64
	// OtherProxy and OtherLoad are the shares of the proxy's CPU and of the
	// load CPU that went to anything but the bench's own processes: other
	// programs, interrupts, the hypervisor. On a quiet machine they are a
	// few percent; much more means the run measured contention.
	OtherProxy, OtherLoad float64
}

// runLoad runs argv (a load generator) pinned to the load CPU until it
// exits, and accounts for the CPU time of both pinned CPUs over the run. It
// fails if the load generator fails or the proxy dies; the caller reads the
// generator's output from p.log.
func runLoad(e wrkEnv, name string, proxy *proc, env []string, argv ...string) (p *proc, cpu cpuShare, err error) {
	before := sampleCPU(e, proxy)
	start := time.Now()
	p, err = startPinned(name, e.loadCPU, env, e.logDir, argv...)
	if err != nil {
		return nil, cpu, err
	}
	<-p.done
	wall := time.Since(start).Seconds() * clockTicks
	after := sampleCPU(e, proxy)
	if p.err != nil {
		return nil, cpu, fmt.Errorf("%s failed (%v):\n%s", name, p.err, p.logTail(20))
	}
	if proxy.exited() {
		return nil, cpu, fmt.Errorf("%s died during the run (%v):\n%s", proxy.name, proxy.err, proxy.logTail(20))
	}
	if before.ok && after.ok {
		// The load generator has exited: its CPU time comes from its
		// rusage, in seconds.
		loadTicks := (p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()).Seconds() * clockTicks
		proxyTicks := float64(after.proxy - before.proxy)
		cpu.Wall = wall / clockTicks
		cpu.CPU = proxyTicks / wall
		cpu.Load = loadTicks / wall
		cpu.Origin = float64(after.origin-before.origin) / wall
		cpu.OtherProxy = max(0, float64(after.proxyBusy-before.proxyBusy)-proxyTicks) / wall
		cpu.OtherLoad = max(0, float64(after.loadBusy-before.loadBusy)-loadTicks-float64(after.origin-before.origin)) / wall
	}
	return p, cpu, nil
}

// cpuSample is a reading of the clocks runWrk compares, in clock ticks.
type cpuSample struct {
	proxy, origin       uint64 // process CPU time
	proxyBusy, loadBusy uint64 // CPU busy time
	ok                  bool
}

func sampleCPU(e wrkEnv, proxy *proc) cpuSample {
	var s cpuSample
	var errs [4]error
	s.proxy, errs[0] = cpuTicks(proxy.pid())
	s.origin, errs[1] = cpuTicks(e.origin.pid())
	s.proxyBusy, errs[2] = cpuBusy(e.proxyCPU)
	s.loadBusy, errs[3] = cpuBusy(e.loadCPU)
	s.ok = errors.Join(errs[:]...) == nil
	return s
}

// wrkDuration formats d the way wrk's -d wants it (whole seconds, at least 1).
func wrkDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s) + "s"
}

// parseWrk reads the summary printed by wrk --latency.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRPS, have50, have99 bool
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return r, fmt.Errorf("bad Requests/sec %q", f[1])
			}
			r.RPS, haveRPS = v, true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := parseWrkLatency(f[1])
			if err != nil {
				return r, err
			}
			if f[0] == "50%" {
				r.P50, have50 = d, true
			} else {
				r.P99, have99 = d, true
			}
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
				if err == nil {
					r.Errors += n
				}
			}
		case strings.HasPrefix(strings.TrimSpace(line), "Non-2xx or 3xx responses:"):
			n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
			if err == nil {
				r.Errors += n
			}
		}
	}
	if !haveRPS || !have50 || !have99 {
		return r, errors.New("no Requests/sec or latency distribution")
	}
	return r, nil
}

// parseWrkLatency parses wrk's latency notation: "648.00us", "0.94ms", "1.20s", "2.00m".
func parseWrkLatency(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		scale  float64
	}{{"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				break
			}
			return time.Duration(v * u.scale), nil
		}
	}
	return 0, fmt.Errorf("bad wrk latency %q", s)
}

// median of float64s; the mean of the middle two for an even count.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
