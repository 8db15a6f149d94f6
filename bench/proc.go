package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a child process started by the bench. Every proc is registered so
// that it can be killed on any exit path, Ctrl-C included.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // path of the file holding its stdout and stderr
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

var children struct {
	sync.Mutex
	list []*proc
}

// startPinned runs argv pinned to cpu with taskset. taskset execs the target,
// so the PID we hold is the program's own (its /proc files are the ones we
// read for memory and CPU time).
func startPinned(name string, cpu int, env []string, logDir string, argv ...string) (*proc, error) {
	args := append([]string{"-c", strconv.Itoa(cpu)}, argv...)
	cmd := exec.Command("taskset", args...)
	cmd.Env = append(os.Environ(), env...)
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: a terminal Ctrl-C reaches only the bench, which
		// then stops its children in order, and we can kill the whole group.
		Setpgid: true,
		// Safety net if the bench itself is killed with SIGKILL.
		Pdeathsig: syscall.SIGKILL,
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	children.Lock()
	err = cmd.Start()
	if err == nil {
		children.list = append(children.list, p)
	}
	children.Unlock()
	f.Close() // the child holds its own copy
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to terminate, then kills it if it lingers.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

// logTail returns the last lines of what the process printed, for errors.
func (p *proc) logTail(lines int) string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "    " + strings.Join(all, "\n    ")
}

// stopAll stops every child still running; safe to call more than once.
func stopAll() {
	children.Lock()
	list := children.list
	children.list = nil
	children.Unlock()
	var wg sync.WaitGroup
	for _, p := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop()
		}()
	}
	wg.Wait()
}

// waitListening waits until addr accepts TCP connections, failing early if
// the process exits (a bad config, a port clash) instead of timing out.
func waitListening(p *proc, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.exited() {
			return fmt.Errorf("%s exited during startup (%v):\n%s", p.name, p.err, p.logTail(20))
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening on %s after %v:\n%s", p.name, addr, timeout, p.logTail(20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a port on 127.0.0.1 that was free a moment ago. The
// proxies need a number in their config, not a socket, so there is a small
// window in which another program could take it; startup then fails loudly.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// raiseNofile lifts our soft RLIMIT_NOFILE to the hard limit. Calling
// Setrlimit ourselves matters: Go raises the limit for its own process at
// startup but restores the original for children, and the proxies inherit
// ours (they need one descriptor per idle connection too).
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

// cpuTicks reads utime+stime of pid, in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(b)
}

// parseStatTicks extracts utime+stime from a /proc/PID/stat line. The
// command name (field 2) may contain spaces, so fields are counted from the
// last ')'.
func parseStatTicks(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state(3) ... utime is field 14, stime 15 => indexes 11, 12.
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

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// memInfo is a process's memory as the kernel accounts it, in bytes.
type memInfo struct {
	RSS     uint64 // resident set
	Private uint64 // resident and not shared with another process
}

// readMem prefers smaps_rollup, whose Private_* fields exclude pages shared
// with other processes (libc, the binary's text when two instances run),
// and falls back to VmRSS from status on old kernels.
func readMem(pid int) (memInfo, error) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		if m, ok := parseSmapsRollup(b); ok {
			return m, nil
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memInfo{}, err
	}
	kv := parseKB(b)
	rss, ok := kv["VmRSS"]
	if !ok {
		return memInfo{}, errors.New("no VmRSS in status")
	}
	return memInfo{RSS: rss, Private: rss}, nil
}

func parseSmapsRollup(b []byte) (memInfo, bool) {
	kv := parseKB(b)
	rss, ok1 := kv["Rss"]
	pc, ok2 := kv["Private_Clean"]
	pd, ok3 := kv["Private_Dirty"]
	if !ok1 || !ok2 || !ok3 {
		return memInfo{}, false
	}
	return memInfo{RSS: rss, Private: pc + pd}, true
}

// parseKB reads "Name:   123 kB" lines into bytes.
func parseKB(b []byte) map[string]uint64 {
	kv := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		kv[name] = n * 1024
	}
	return kv
}

// nofileOf returns the soft open-files limit of pid.
func nofileOf(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			f := strings.Fields(strings.TrimPrefix(line, "Max open files"))
			if len(f) >= 1 {
				if f[0] == "unlimited" {
					return 1 << 62, nil
				}
				return strconv.ParseUint(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no open-files line in limits")
}

// cpuBusy reads the busy time of one CPU from /proc/stat, in clock ticks:
// everything but idle and iowait, steal included (time the hypervisor gave
// to another guest is time the proxy did not get either).
func cpuBusy(cpu int) (uint64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseCPUBusy(b, cpu)
}

func parseCPUBusy(b []byte, cpu int) (uint64, error) {
	prefix := "cpu" + strconv.Itoa(cpu) + " "
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user.
		f := strings.Fields(line)[1:]
		if len(f) < 8 {
			return 0, errors.New("short cpu line in /proc/stat")
		}
		var busy uint64
		for i, v := range f[:8] {
			if i == 3 || i == 4 {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, err
			}
			busy += n
		}
		return busy, nil
	}
	return 0, fmt.Errorf("cpu%d not in /proc/stat", cpu)
}
