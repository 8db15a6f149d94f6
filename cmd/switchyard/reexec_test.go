package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// installFile installs src at dst as a package manager does: written
// beside it, then renamed over it, so that the running binary is not
// touched.
func installFile(t *testing.T, src, dst string) {
	t.Helper()
	copyFile(t, src, dst+".new", 0o755)
	if err := os.Rename(dst+".new", dst); err != nil {
		t.Fatal(err)
	}
}

// startInstalled starts cmd, a binary installFile wrote. A parallel test
// that forks while the copy is open for writing gives its child that
// descriptor until the child execs, and exec then fails with ETXTBSY
// (golang/go#22315): the start is tried again, a few times, with a fresh
// command.
func startInstalled(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	for try := 0; ; try++ {
		err := cmd.Start()
		if err == nil {
			return cmd
		}
		if !errors.Is(err, syscall.ETXTBSY) || try == 20 {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // for the other child to exec
		next := exec.Command(cmd.Path, cmd.Args[1:]...)
		next.Env, next.Dir, next.Stdin, next.Stdout, next.Stderr = cmd.Env, cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr
		next.ExtraFiles, next.SysProcAttr = cmd.ExtraFiles, cmd.SysProcAttr
		cmd = next
	}
}

// alive says whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// In master-worker mode, a reload after the binary was replaced on disk
// runs the new binary on the same sockets: under load, no request fails;
// the old process exits, the new one writes the pid file and serves, and
// systemd (-Ws) is told the new main pid, never that the unit stops. A
// new binary that cannot start changes nothing.
func TestCLIMasterWorkerRunsNewBinaryOnReload(t *testing.T) {
	t.Parallel()
	const clients = 20
	dir := t.TempDir()
	bin, cfg, pidfile, logf := filepath.Join(dir, "switchyard"), filepath.Join(dir, "w.cfg"), filepath.Join(dir, "pid"), filepath.Join(dir, "log")
	installFile(t, testBin, bin)
	fe := freeAddr(t)
	writeFile(t, cfg, reloadConfig(fe, 0, []string{origin(t, "o0", nil), origin(t, "o1", nil), origin(t, "o2", nil)}))
	// The log goes to a file: the new process inherits it, and the test
	// must not wait for it to close to see the old process exit.
	lf, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	logged := func() string { b, _ := os.ReadFile(logf); return string(b) }
	// systemd's notification socket: the unit must follow the new
	// process (MAINPID) and never hear the old one stop.
	ns, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "notify"), Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	var notesMu sync.Mutex
	var notes []string
	go func() {
		buf := make([]byte, 512)
		for {
			n, err := ns.Read(buf)
			if err != nil {
				return
			}
			notesMu.Lock()
			notes = append(notes, string(buf[:n]))
			notesMu.Unlock()
		}
	}()
	notified := func() []string {
		notesMu.Lock()
		defer notesMu.Unlock()
		return append([]string(nil), notes...)
	}
	cmd := exec.Command(bin, "-Ws", "-db", "-f", cfg, "-p", pidfile)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+filepath.Join(dir, "notify"))
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd = startInstalled(t, cmd)
	oldPid := cmd.Process.Pid
	exited := make(chan int, 1)
	go func() { cmd.Wait(); exited <- cmd.ProcessState.ExitCode() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	poll(t, 10*time.Second, "the start", func() bool { return strings.Contains(logged(), "switchyard started") })
	st, stopLoad := startLoad(t, fe, clients)
	stop := sync.OnceFunc(stopLoad)
	defer stop()

	// A binary that cannot serve: the running process stays.
	writeFile(t, bin+".bad", "#!/bin/sh\nexit 3\n")
	os.Chmod(bin+".bad", 0o755)
	if err := os.Rename(bin+".bad", bin); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(oldPid, syscall.SIGUSR2)
	poll(t, 10*time.Second, "the failed upgrade", func() bool { return strings.Contains(logged(), "binary upgrade failed") })
	if !alive(oldPid) {
		t.Fatalf("the process stopped after a failed upgrade:\n%s", logged())
	}

	// The real binary again, as a new file: the reload runs it.
	installFile(t, testBin, bin)
	syscall.Kill(oldPid, syscall.SIGUSR2)
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("old process exit code %d:\n%s", code, logged())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the old process did not finish:\n%s", logged())
	}
	var newPid int
	poll(t, 5*time.Second, "the new process's pid file", func() bool {
		b, _ := os.ReadFile(pidfile)
		newPid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return newPid != 0 && newPid != oldPid
	})
	t.Cleanup(func() { syscall.Kill(newPid, syscall.SIGKILL) })
	n := st.ok.Load()
	poll(t, 5*time.Second, "requests served by the new process", func() bool { return st.ok.Load() > n+int64(clients) })
	stop()
	if f := st.failed.Load(); f != 0 {
		t.Fatalf("%d requests failed across the upgrade; first: %v", f, st.errs)
	}
	t.Logf("%d requests across the upgrade", st.ok.Load())
	handover := "MAINPID=" + strconv.Itoa(newPid) + "\nREADY=1"
	poll(t, 5*time.Second, "the unit handed over", func() bool { return slices.Contains(notified(), handover) })
	if slices.Contains(notified(), "STOPPING=1") {
		t.Fatalf("the old process told systemd it stops: %q", notified())
	}
	syscall.Kill(newPid, syscall.SIGTERM)
	poll(t, 10*time.Second, "the new process to stop", func() bool { return !alive(newPid) })
	if !strings.Contains(logged(), "the new binary serves") {
		t.Errorf("log:\n%s", logged())
	}
}

// haproxy's master exits 130 when SIGINT stops it (its test tools wait
// for that), 0 on SIGTERM; without -W both stops exit 0.
func TestCLIMasterWorkerInterruptExitCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "i.cfg"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, origin(t, "a", nil)))
	for _, c := range []struct {
		args []string
		sig  syscall.Signal
		want int
	}{
		{[]string{"-W"}, syscall.SIGINT, 130},
		{[]string{"-W"}, syscall.SIGTERM, 0},
		{nil, syscall.SIGINT, 0},
	} {
		p := startCLI(t, nil, nil, append(c.args, "-db", "-f", cfg)...)
		p.started()
		p.signal(c.sig)
		if code := p.exit(10 * time.Second); code != c.want {
			t.Errorf("%v stopped by %v: exit %d, want %d", c.args, c.sig, code, c.want)
		}
	}
}
