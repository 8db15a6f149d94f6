package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// The reload benchmark: wrk keeps its connections busy on one proxy while
// the proxy is reloaded n times, alternating reload-a.cfg and reload-b.cfg
// (copied over the file it runs). A request that fails, is reset or gets
// anything but 2xx/3xx counts as lost. haproxy runs in master-worker mode
// (-W) and reloads on SIGUSR2, as systemd reloads it; switchyard reloads in
// place on SIGHUP.

type reloadResult struct {
	wrkResult
	Reloads int
}

// reloadRun runs the reload benchmark on t; cfg is the file t was started
// with (it is overwritten).
func reloadRun(o options, env wrkEnv, t target, originPort int, n int) (reloadResult, error) {
	cfg := filepath.Join(env.logDir, t.name+"-reload.cfg")
	a, err := os.ReadFile(filepath.Join(benchDir(), "reload-a.cfg"))
	if err != nil {
		return reloadResult{}, err
	}
	b, err := os.ReadFile(filepath.Join(benchDir(), "reload-b.cfg"))
	if err != nil {
		return reloadResult{}, err
	}
	if err := os.WriteFile(cfg, a, 0o644); err != nil {
		return reloadResult{}, err
	}
	rt := t
	rt.argv = append([]string(nil), t.argv...)
	for i, arg := range rt.argv {
		if arg == o.config {
			rt.argv[i] = cfg
		}
	}
	sig := syscall.SIGHUP
	if t.name == "haproxy" {
		rt.argv = append(rt.argv, "-W")
		sig = syscall.SIGUSR2
	}
	p, addr, err := startProxy(o, rt, originPort, env.logDir, "-reload")
	if err != nil {
		return reloadResult{}, err
	}
	defer p.stop()
	// The reloads are spread over the run, the first after a second.
	d := o.duration
	every := (d - 2*time.Second) / time.Duration(n)
	done := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		for i := 1; i <= n; i++ {
			next := a
			if i%2 == 1 {
				next = b
			}
			// Written to a temporary file and renamed, so the proxy
			// never reads half a file.
			tmp := cfg + ".tmp"
			if err := os.WriteFile(tmp, next, 0o644); err != nil {
				done <- err
				return
			}
			if err := os.Rename(tmp, cfg); err != nil {
				done <- err
				return
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				done <- err
				return
			}
			time.Sleep(every)
		}
		done <- nil
	}()
	r, err := runWrk(env, 400, d, "http://"+addr+"/", p)
	if err != nil {
		return reloadResult{}, err
	}
	if err := <-done; err != nil {
		return reloadResult{}, err
	}
	return reloadResult{wrkResult: r, Reloads: n}, nil
}

// reloads runs the reload benchmark on each target and prints the losses.
func reloads(o options, env wrkEnv, targets []target, originPort int, n int) error {
	for _, t := range targets {
		fmt.Fprintf(os.Stderr, "reload: %s, %d reloads under wrk -c400 for %s\n", t.name, n, o.duration)
		r, err := reloadRun(o, env, t, originPort, n)
		if err != nil {
			return fmt.Errorf("reload benchmark of %s: %w", t.name, err)
		}
		fmt.Printf("reload  %-10s %d reloads  %9.0f req/s  failed or reset requests: %d\n", t.name, r.Reloads, r.RPS, r.Errors)
	}
	return nil
}
