package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"switchyard/config"
	"switchyard/runtimeapi"
)

// The program sections (config.Program), run as haproxy 2.6's master runs
// them. switchyard's master is its worker too (reloads happen in place),
// so the programs are this process's children:
//
//   - they start once the proxies serve;
//   - a reload that succeeds tells every running instance to leave
//     (SIGUSR1) and starts a new one of each section with
//     start-on-reload (the default). Like haproxy 2.6.12, the instance of
//     a section without it is told too and listed among the old programs:
//     the option only means that no new instance starts;
//   - a reload, failed or not, counts in the reloads of every instance;
//   - a stop sends its signal (SIGTERM, SIGINT, SIGUSR1) to every
//     instance and waits for them, within the stop's bound;
//   - a current instance that exits with a status other than 0, 130
//     (SIGINT) or 143 (SIGTERM), or that cannot start, stops the whole
//     process as a SIGTERM would: haproxy's exit-on-failure (which
//     `master-worker no-exit-on-failure` does not turn off in haproxy
//     2.6, whose master forgets the option when it re-executes itself;
//     nor here). Once a stop began it no longer does: haproxy's master
//     would then SIGTERM its workers, so that a soft stop (SIGUSR1, which
//     ends a program that does not catch it) would close every
//     connection at once, which is what a soft stop is there to avoid;
//   - the status of the first current instance to end with another
//     status than 0 or 143 is the process's exit status, unless SIGINT
//     stopped it (130), as haproxy's master exits.

// killWait bounds the wait for instances killed at the end of a stop.
const killWait = 5 * time.Second

// programs is the running instances of the configuration's program
// sections.
type programs struct {
	log *slog.Logger

	mu       sync.Mutex
	procs    []*programProc // in start order
	stopping bool           // a stop began: nothing starts any more
	failure  int            // the first failing status of a current instance (0: none)
}

// programProc is one instance of a program section.
type programProc struct {
	name    string
	pid     int
	proc    *os.Process
	started time.Time
	reloads int
	old     bool          // a reload asked it to leave
	killed  bool          // killed at the end of a stop: its end is ours, not a failure
	done    chan struct{} // closed once it exited and was reaped
}

// runningPrograms are this process's (package main keeps one of each
// long-lived service).
var runningPrograms = &programs{}

// start starts an instance of each program section of cfg.
func (ps *programs) start(cfg *config.Config) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range config.Programs(&cfg.Global) {
		ps.startLocked(p)
	}
}

// reloaded is told of each reload: cfg is the configuration now in force,
// nil when the reload failed.
func (ps *programs) reloaded(cfg *config.Config) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.stopping {
		return
	}
	before := append([]*programProc(nil), ps.procs...)
	for _, p := range before {
		p.reloads++
	}
	if cfg == nil {
		return // the running configuration stays, and its instances
	}
	// The new instances start before the old ones are told to leave, as
	// haproxy's new worker tells them once it serves.
	for _, p := range config.Programs(&cfg.Global) {
		if p.StartOnReload {
			ps.startLocked(p)
		}
	}
	for _, p := range before {
		p.old = true
		p.proc.Signal(syscall.SIGUSR1)
	}
}

// startLocked starts one instance of p. One that cannot start counts as
// one that failed at once with status 1, as haproxy's child exits when
// it cannot execute the command.
func (ps *programs) startLocked(p *config.Program) {
	if ps.stopping {
		return
	}
	cmd := exec.Command(p.Command[0], p.Command[1:]...)
	// The program writes where this process does; it reads nothing.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = programEnv(os.Environ())
	if p.HasUID || p.HasGID {
		cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid())}
		if p.HasUID {
			cred.Uid = uint32(p.UID)
		}
		if p.HasGID {
			cred.Gid = uint32(p.GID)
		}
		// As root, the supplementary groups go (the process's identity
		// change in privileges.go does the same); any other user cannot
		// change them, nor, unless they are its own, the ids.
		cred.NoSetGroups = os.Geteuid() != 0
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := cmd.Start(); err != nil {
		ps.log.Error("cannot execute program", "program", p.Name, "command", p.Command[0], "err", err)
		ps.failedLocked(p.Name, 1)
		return
	}
	pp := &programProc{name: p.Name, pid: cmd.Process.Pid, proc: cmd.Process, started: time.Now(), done: make(chan struct{})}
	ps.procs = append(ps.procs, pp)
	ps.log.Info("program started", "program", p.Name, "pid", pp.pid)
	go ps.reap(cmd, pp)
}

// reap waits for an instance to exit and says how it ended.
func (ps *programs) reap(cmd *exec.Cmd, pp *programProc) {
	cmd.Wait()
	defer close(pp.done)
	status, reason := 255, "unknown"
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Exited():
			status, reason = ws.ExitStatus(), "exit"
		case ws.Signaled():
			status, reason = 128+int(ws.Signal()), ws.Signal().String()
		}
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, p := range ps.procs {
		if p == pp {
			ps.procs = append(ps.procs[:i:i], ps.procs[i+1:]...)
			break
		}
	}
	if pp.killed {
		ps.log.Warn("program killed at the end of the stop", "program", pp.name, "pid", pp.pid)
		return
	}
	if pp.old {
		ps.log.Warn("former program exited", "program", pp.name, "pid", pp.pid, "code", status, "reason", reason)
		return
	}
	ps.log.Error("current program exited", "program", pp.name, "pid", pp.pid, "code", status, "reason", reason)
	ps.failedLocked(pp.name, status)
}

// failedLocked applies haproxy's exit-on-failure to a current instance
// that ended with status.
func (ps *programs) failedLocked(name string, status int) {
	if status != 0 && status != 143 && ps.failure == 0 {
		ps.failure = status
	}
	if status != 0 && status != 130 && status != 143 && !ps.stopping {
		ps.log.Error("exit-on-failure: a current program failed, stopping", "program", name, "code", status)
		// haproxy's master sends SIGTERM to its workers here.
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}

// retire marks every instance old: a new binary took over (reexec.go),
// which started its own, and this process stops.
func (ps *programs) retire() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.procs {
		p.reloads++
		p.old = true
	}
}

// signal sends sig to every instance; once stop is set nothing starts any
// more.
func (ps *programs) signal(sig syscall.Signal, stop bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.stopping = ps.stopping || stop
	for _, p := range ps.procs {
		p.proc.Signal(sig)
	}
}

// wait waits for every instance to exit, until ctx ends; those left then
// are killed, and waited for a little longer.
func (ps *programs) wait(ctx context.Context) {
	ps.mu.Lock()
	procs := append([]*programProc(nil), ps.procs...)
	ps.mu.Unlock()
	for _, p := range procs {
		select {
		case <-p.done:
			continue
		case <-ctx.Done():
		}
		ps.mu.Lock()
		for _, q := range ps.procs {
			q.killed = true
			q.proc.Signal(syscall.SIGKILL)
		}
		ps.mu.Unlock()
		ps.log.Warn("stop grace period over: remaining programs were killed")
		deadline := time.After(killWait)
		for _, q := range procs {
			select {
			case <-q.done:
			case <-deadline:
				return
			}
		}
		return
	}
}

// exitStatus is the status a failing current instance leaves the process
// to exit with, 0 if none.
func (ps *programs) exitStatus() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.failure
}

// list is what `show proc` shows of them.
func (ps *programs) list() []runtimeapi.Program {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]runtimeapi.Program, 0, len(ps.procs))
	for _, p := range ps.procs {
		out = append(out, runtimeapi.Program{Name: p.name, PID: p.pid, Reloads: p.reloads, Started: p.started, Old: p.old})
	}
	return out
}

// programEnv is the environment a program starts with: this process's,
// without what switchyard set for itself (the daemon's marker, the
// stack setting added to GODEBUG at start, see godebug.go).
func programEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		switch name {
		case daemonEnv, upgradeEnv:
			continue
		case "GODEBUG":
			if value == stackSetting {
				continue
			}
			kv = "GODEBUG=" + strings.TrimSuffix(value, ","+stackSetting)
		}
		out = append(out, kv)
	}
	return out
}
