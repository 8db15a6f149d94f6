package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// programLine is one line of the programs in `show proc`.
type programLine struct {
	pid     int
	name    string
	reloads int
	old     bool
}

// masterAsk sends one command to the master CLI at sock and returns the
// answer.
func masterAsk(t *testing.T, sock, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, cmd+"\n")
	b, _ := io.ReadAll(bufio.NewReader(c))
	return string(b)
}

// showPrograms reads the programs of `show proc`, current ones then old.
func showPrograms(t *testing.T, sock string) []programLine {
	t.Helper()
	out := masterAsk(t, sock, "show proc")
	var progs []programLine
	in, old := false, false
	for _, l := range strings.Split(out, "\n") {
		switch l {
		case "# programs":
			in = true
			continue
		case "# old programs":
			old = true
			continue
		}
		f := strings.Fields(l)
		if !in || len(f) != 5 {
			continue
		}
		pid, _ := strconv.Atoi(f[0])
		reloads, _ := strconv.Atoi(f[2])
		progs = append(progs, programLine{pid, f[1], reloads, old})
	}
	return progs
}

// programConfig is proxyConfig with program sections after it.
func programConfig(fe, srv, programs string) string {
	return proxyConfig(fe, srv) + "\n" + programs
}

// killAtEnd kills the program pids still running when the test ends, so
// that a failing test leaves no process behind.
func killAtEnd(t *testing.T, pids *[]int) {
	t.Cleanup(func() {
		for _, pid := range *pids {
			if processAlive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// execed waits until the program pid runs sleep 30: the shell that
// started it set its traps before.
func execed(t *testing.T, pid int) {
	t.Helper()
	poll(t, 5*time.Second, "the program to run sleep", func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		return string(b) == "sleep\x0030\x00"
	})
}

// parentOf reads a process's parent pid.
func parentOf(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// The master starts the programs once it serves, lists them in `show
// proc`, starts new instances on reload (start-on-reload) and tells the
// old ones to leave, and stops them when it stops.
func TestCLIPrograms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe, msock := filepath.Join(dir, "p.cfg"), freeAddr(t), filepath.Join(dir, "master.sock")
	// "stays" ignores SIGUSR1 (an ignored signal survives exec), so the
	// instance a reload tells to leave stays listed among the old ones;
	// "once" is the plain sleep, which SIGUSR1 ends.
	programs := `program stays
    command sh -c "trap '' USR1; exec sleep 30"

program once
    command sleep 30
    no option start-on-reload
`
	writeFile(t, cfg, programConfig(fe, origin(t, "a", nil), programs))
	var pids []int
	killAtEnd(t, &pids)
	p := startCLI(t, nil, nil, "-W", "-db", "-S", msock, "-f", cfg)
	p.serving(fe, "/")
	p.started()

	progs := showPrograms(t, msock)
	if len(progs) != 2 || progs[0].name != "stays" || progs[1].name != "once" || progs[0].old || progs[1].old ||
		progs[0].reloads != 0 || progs[1].reloads != 0 {
		t.Fatalf("show proc at start: %+v\n%s", progs, masterAsk(t, msock, "show proc"))
	}
	stays, once := progs[0].pid, progs[1].pid
	pids = append(pids, stays, once)
	execed(t, stays)
	for _, pid := range pids {
		if !processAlive(pid) || parentOf(pid) != p.cmd.Process.Pid {
			t.Fatalf("program %d: alive %v, parent %d, want a child of %d", pid, processAlive(pid), parentOf(pid), p.cmd.Process.Pid)
		}
	}
	execed(t, once)

	// A reload starts a new "stays" and none of "once"; both running
	// instances are told to leave (SIGUSR1): "once" ends, "stays" is
	// listed as old.
	masterAsk(t, msock, "reload")
	poll(t, 5*time.Second, "the reload", func() bool { return strings.Contains(p.stderr.String(), "configuration reloaded") })
	poll(t, 5*time.Second, "'once' to end", func() bool { return !processAlive(once) })
	poll(t, 5*time.Second, "the former program's end to be logged", func() bool {
		return strings.Contains(p.stderr.String(), `msg="former program exited" program=once pid=`+strconv.Itoa(once)+" code=138")
	})
	progs = showPrograms(t, msock)
	if len(progs) == 2 {
		pids = append(pids, progs[0].pid)
	}
	if len(progs) != 2 || progs[0].name != "stays" || progs[0].old || progs[0].reloads != 0 || progs[0].pid == stays ||
		progs[1] != (programLine{stays, "stays", 1, true}) {
		t.Fatalf("show proc after a reload: %+v\n%s", progs, masterAsk(t, msock, "show proc"))
	}
	second := progs[0].pid
	execed(t, second)

	// A reload that fails changes no instance but counts in their reloads.
	writeFile(t, cfg, programConfig(fe, "127.0.0.1:1", programs)+"bogus\n")
	masterAsk(t, msock, "reload")
	poll(t, 5*time.Second, "the failed reload", func() bool { return strings.Contains(p.stderr.String(), "reload failed") })
	want := []programLine{{second, "stays", 1, false}, {stays, "stays", 2, true}}
	if progs = showPrograms(t, msock); !reflect.DeepEqual(progs, want) {
		t.Fatalf("show proc after a failed reload: %+v, want %+v", progs, want)
	}

	// A stop sends its signal to every instance and waits for them: the
	// process's end is theirs, and the SIGTERM they die of (143) is no
	// failure.
	p.signal(syscall.SIGTERM)
	if code := p.exit(10 * time.Second); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, p.stderr.String())
	}
	for _, pid := range []int{stays, second} {
		if processAlive(pid) {
			t.Errorf("program %d still runs after the stop", pid)
		}
	}
	if s := p.stderr.String(); strings.Count(s, "code=143") != 2 {
		t.Errorf("the programs' ends, want two code=143:\n%s", s)
	}
}

// A program that ignores the stop's signal is killed once the stop's
// bound (hard-stop-after) is over; being killed by us is no failure.
func TestCLIProgramKilledAfterGrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe, msock := filepath.Join(dir, "p.cfg"), freeAddr(t), filepath.Join(dir, "master.sock")
	text := strings.Replace(programConfig(fe, origin(t, "a", nil), `program deaf
    command sh -c "trap '' TERM; exec sleep 30"
`), "global\n", "global\n    hard-stop-after 500ms\n", 1)
	writeFile(t, cfg, text)
	var pids []int
	killAtEnd(t, &pids)
	p := startCLI(t, nil, nil, "-W", "-db", "-S", msock, "-f", cfg)
	p.serving(fe, "/")
	p.started()
	progs := showPrograms(t, msock)
	if len(progs) != 1 {
		t.Fatalf("show proc: %+v", progs)
	}
	pids = append(pids, progs[0].pid)
	execed(t, progs[0].pid)
	start := time.Now()
	p.signal(syscall.SIGTERM)
	if code := p.exit(10 * time.Second); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, p.stderr.String())
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("stopped after %v, before the grace was over", d)
	}
	if processAlive(progs[0].pid) {
		t.Errorf("program %d still runs", progs[0].pid)
	}
	if !strings.Contains(p.stderr.String(), "program killed at the end of the stop") {
		t.Errorf("stderr:\n%s", p.stderr.String())
	}
}

// haproxy's exit-on-failure: a current program that fails, or cannot
// start, stops the process, whose exit status is the program's.
func TestCLIProgramExitOnFailure(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, command string
		code          int
	}{
		{"fails", `sh -c "exit 3"`, 3},
		{"missing", "/nonexistent/program", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfg, fe := filepath.Join(dir, "p.cfg"), freeAddr(t)
			writeFile(t, cfg, programConfig(fe, origin(t, "a", nil), "program p\n    command "+c.command+"\n"))
			p := startCLI(t, nil, nil, "-W", "-db", "-f", cfg)
			if code := p.exit(10 * time.Second); code != c.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, c.code, p.stderr.String())
			}
			if !strings.Contains(p.stderr.String(), "exit-on-failure") {
				t.Errorf("stderr:\n%s", p.stderr.String())
			}
		})
	}
}

// A program section needs master-worker mode, as in haproxy: refused
// without -W (or `master-worker`), by -c too.
func TestCLIProgramNeedsMasterWorker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "p.cfg")
	writeFile(t, cfg, programConfig(freeAddr(t), "127.0.0.1:1", "program p\n    command sleep 30\n"))
	want := cfg + ":17: Can't use a 'program' section without master worker mode."
	for _, args := range [][]string{{"-c", "-f", cfg}, {"-db", "-f", cfg}} {
		_, stderr, code := runCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", args, code, stderr, want)
		}
	}
	if stdout, stderr, code := runCLI(t, "-c", "-W", "-f", cfg); code != 0 || !strings.Contains(stdout, "Configuration file is valid") {
		t.Errorf("-c -W: exit %d\n%s%s", code, stdout, stderr)
	}
}

// `user` and `group` set the program's identity (as root only).
func TestCLIProgramUserGroup(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a program as another user")
	}
	u, err1 := user.Lookup("nobody")
	g, err2 := user.LookupGroup("nogroup")
	if err1 != nil || err2 != nil {
		t.Skip("no user nobody or group nogroup")
	}
	dir := t.TempDir()
	cfg, fe, msock := filepath.Join(dir, "p.cfg"), freeAddr(t), filepath.Join(dir, "master.sock")
	writeFile(t, cfg, programConfig(fe, origin(t, "a", nil), "program p\n    command sleep 30\n    user nobody\n    group nogroup\n"))
	var pids []int
	killAtEnd(t, &pids)
	p := startCLI(t, nil, nil, "-W", "-db", "-S", msock, "-f", cfg)
	p.serving(fe, "/")
	p.started()
	progs := showPrograms(t, msock)
	if len(progs) != 1 {
		t.Fatalf("show proc: %+v", progs)
	}
	pids = append(pids, progs[0].pid)
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(progs[0].pid) + "/status")
	var uid, gid, groups string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 1 && f[0] == "Uid:":
			uid = f[1]
		case len(f) > 1 && f[0] == "Gid:":
			gid = f[1]
		case len(f) > 0 && f[0] == "Groups:":
			groups = strings.Join(f[1:], " ")
		}
	}
	if uid != u.Uid || gid != g.Gid || groups != "" {
		t.Errorf("program runs as uid %s gid %s groups %q, want %s %s and none", uid, gid, groups, u.Uid, g.Gid)
	}
	p.signal(syscall.SIGTERM)
	p.exit(10 * time.Second)
}

// The program's environment is the process's without what switchyard set
// for itself.
func TestProgramEnv(t *testing.T) {
	got := programEnv([]string{"PATH=/bin", daemonEnv + "=1", "GODEBUG=" + stackSetting, "HAPROXY_CLI=unix@/x"})
	if want := []string{"PATH=/bin", "HAPROXY_CLI=unix@/x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got = programEnv([]string{"GODEBUG=http2debug=1," + stackSetting})
	if want := []string{"GODEBUG=http2debug=1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A soft stop (SIGUSR1) reaches the programs too; a plain sleep dies of
// it (138), which sets the exit status as in haproxy, but, unlike
// haproxy's master, does not turn the soft stop into a hard one: the
// request in flight is answered.
func TestCLIProgramSoftStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe, msock := filepath.Join(dir, "p.cfg"), freeAddr(t), filepath.Join(dir, "master.sock")
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	srv := origin(t, "a", func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/slow" {
			return false
		}
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "slow done")
		return true
	})
	writeFile(t, cfg, programConfig(fe, srv, "program p\n    command sleep 30\n"))
	var pids []int
	killAtEnd(t, &pids)
	p := startCLI(t, nil, nil, "-W", "-db", "-S", msock, "-f", cfg)
	p.serving(fe, "/")
	p.started()
	progs := showPrograms(t, msock)
	if len(progs) != 1 {
		t.Fatalf("show proc: %+v", progs)
	}
	pids = append(pids, progs[0].pid)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		body, err := httpGet(fe, "/slow")
		got <- result{body, err}
	}()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the origin")
	}
	p.signal(syscall.SIGUSR1)
	poll(t, 5*time.Second, "the program's end", func() bool { return !processAlive(progs[0].pid) })
	close(release)
	if r := <-got; r.err != nil || r.body != "slow done" {
		t.Errorf("request in flight: %q %v", r.body, r.err)
	}
	if code := p.exit(10 * time.Second); code != 138 {
		t.Errorf("exit code %d, want 138; stderr:\n%s", code, p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), "exit-on-failure") {
		t.Errorf("a program's end during the stop applied exit-on-failure:\n%s", p.stderr.String())
	}
}

// A reload that runs a new binary (reexec.go) is a reload for the
// programs: the new process starts its own instances, the old one's are
// told to leave (SIGUSR1) as it stops, and their end is no failure.
func TestCLIProgramsAcrossNewBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin, cfg, pidfile, logf := filepath.Join(dir, "switchyard"), filepath.Join(dir, "p.cfg"), filepath.Join(dir, "pid"), filepath.Join(dir, "log")
	msock := filepath.Join(dir, "master.sock")
	installFile(t, testBin, bin)
	fe := freeAddr(t)
	writeFile(t, cfg, programConfig(fe, origin(t, "a", nil), "program p\n    command sleep 30\n"))
	// The log goes to a file, which the new process and the programs
	// inherit: the test must not wait for them to close it.
	lf, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	logged := func() string { b, _ := os.ReadFile(logf); return string(b) }
	var pids []int
	killAtEnd(t, &pids)
	cmd := exec.Command(bin, "-W", "-db", "-S", msock, "-f", cfg, "-p", pidfile)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd = startInstalled(t, cmd)
	oldPid := cmd.Process.Pid
	pids = append(pids, oldPid)
	exited := make(chan int, 1)
	go func() { cmd.Wait(); exited <- cmd.ProcessState.ExitCode() }()
	poll(t, 10*time.Second, "the start", func() bool { return strings.Contains(logged(), "switchyard started") })
	progs := showPrograms(t, msock)
	if len(progs) != 1 {
		t.Fatalf("show proc: %+v", progs)
	}
	first := progs[0].pid
	pids = append(pids, first)

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
	if processAlive(first) {
		t.Errorf("the old process's program %d still runs", first)
	}
	if !strings.Contains(logged(), `msg="former program exited" program=p pid=`+strconv.Itoa(first)) {
		t.Errorf("log:\n%s", logged())
	}
	var newPid int
	poll(t, 5*time.Second, "the new process's pid file", func() bool {
		b, _ := os.ReadFile(pidfile)
		newPid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return newPid != 0 && newPid != oldPid
	})
	pids = append(pids, newPid)
	progs = showPrograms(t, msock)
	if len(progs) != 1 || progs[0].pid == first || progs[0].old || parentOf(progs[0].pid) != newPid {
		t.Fatalf("show proc of the new process: %+v", progs)
	}
	pids = append(pids, progs[0].pid)
	syscall.Kill(newPid, syscall.SIGTERM)
	poll(t, 10*time.Second, "the new process and its program to stop", func() bool {
		return !processAlive(newPid) && !processAlive(progs[0].pid)
	})
}
