package main

// Command-line tests: the binary is built once and run as a user would run
// it, with real signals, files and sockets on 127.0.0.1.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"switchyard/internal/testaddr"
)

var testBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchyard-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testBin = filepath.Join(dir, "switchyard")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", testBin, ".").CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building switchyard: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cliPorts is this package's share of test ports, apart from the proxy
// and listener tests'.
var cliPorts = testaddr.New(28000, 32000)

func freeAddr(t *testing.T) string { return cliPorts.Addr(t) }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runCLI runs the binary to completion (at most 20 s).
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testBin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	code   int
}

// startCLI starts a long-running switchyard, killed at the end of the test
// if still running.
func startCLI(t *testing.T, env []string, files []*os.File, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(testBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.ExtraFiles = files
	return startProc(t, cmd)
}

// startProc starts cmd, killed at the end of the test if still running.
func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{t: t, cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = io.Discard, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// exit waits at most d for the process to end and returns its exit code.
func (p *proc) exit(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		p.t.Fatalf("process still running after %v; stderr:\n%s", d, p.stderr.String())
		return -1
	}
}

// started waits for the log line that follows the start, so that signals
// sent next find their handlers installed (see TestCLISignalRightAfterStart).
func (p *proc) started() {
	p.t.Helper()
	poll(p.t, 10*time.Second, "the start to be logged", func() bool {
		return strings.Contains(p.stderr.String(), "switchyard started")
	})
}

// serving waits until addr answers path with status 200.
func (p *proc) serving(addr, path string) string {
	p.t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		body, err := httpGet(addr, path)
		if err == nil {
			return body
		}
		select {
		case <-p.done:
			p.t.Fatalf("process exited (%d) before serving: %s", p.code, p.stderr.String())
		default:
		}
		if time.Now().After(end) {
			p.t.Fatalf("%s not serving: %v; stderr:\n%s", addr, err, p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// httpGet makes one request on a new connection.
func httpGet(addr, path string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), nil
}

func poll(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// origin runs an HTTP server answering name (and running extra for paths
// it knows).
func origin(t *testing.T, name string, extra func(w http.ResponseWriter, r *http.Request) bool) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if extra != nil && extra(w, r) {
			return
		}
		io.WriteString(w, name)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// proxyConfig is a frontend on fe in front of one origin.
func proxyConfig(fe, srv string) string {
	return `global
    maxconn 100

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend web
    bind ` + fe + `
    default_backend app

backend app
    server s1 ` + srv + `
`
}

// ---- information and checks ----

func TestCLIVersion(t *testing.T) {
	t.Parallel()
	out, _, code := runCLI(t, "-v")
	first, _, _ := strings.Cut(out, "\n")
	// haproxy's reg-test runner takes the third word as the version.
	if code != 0 || !regexp.MustCompile(`^HAProxy version 2\.6\.[0-9]+-switchyard-[0-9]+\.[0-9]+\.[0-9]+ \d{4}/\d\d/\d\d - `).MatchString(first) {
		t.Fatalf("-v: exit %d, first line %q", code, first)
	}
	out, _, code = runCLI(t, "-vv")
	if code != 0 || !strings.HasPrefix(out, first+"\n") {
		t.Fatalf("-vv: exit %d, output %q", code, out)
	}
	for _, section := range []string{"\nBuild options :\n", "\nFeature list : ", "\nAvailable multiplexer protocols :\n", "\nAvailable services :"} {
		if !strings.Contains(out, section) {
			t.Errorf("-vv lacks %q", section)
		}
	}
}

func TestCLICheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.cfg")
	writeFile(t, good, proxyConfig("127.0.0.1:8080", "127.0.0.1:8081"))
	out, errOut, code := runCLI(t, "-c", "-f", good)
	if code != 0 || out != "Configuration file is valid\n" {
		t.Fatalf("-c on a valid file: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	bad := filepath.Join(dir, "bad.cfg")
	writeFile(t, bad, `global
    maxconn 100
    bogus-keyword 1
defaults
    mode http
    timeout client 1s
frontend web
    bind 127.0.0.1:8080 nonsense
    default_backend app
backend app
    server s1 127.0.0.1:80 weight abc
`)
	out, errOut, code = runCLI(t, "-c", "-f", bad)
	if code != 1 || strings.Contains(out, "valid") {
		t.Fatalf("-c on an invalid file: exit %d, stdout %q", code, out)
	}
	for _, line := range []int{3, 8, 11} {
		prefix := bad + ":" + strconv.Itoa(line) + ": "
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + `\S`).MatchString(errOut) {
			t.Errorf("no error reported as %q...; stderr:\n%s", prefix, errOut)
		}
	}
}

func TestCLIConfigDirectoryAndOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.d")
	os.MkdirAll(filepath.Join(conf, "sub.cfg"), 0o755)
	// Created in the opposite order of their names: only the names count.
	// (Each file ends with a filler section, see TestCLILastSectionOfAFile.)
	writeFile(t, filepath.Join(conf, "20-more.cfg"), "backend dup\nbackend filler20\n")
	writeFile(t, filepath.Join(conf, "10-base.cfg"), "defaults\n    mode http\n    timeout connect 1s\n    timeout server 1s\nbackend dup\nbackend filler10\n")
	writeFile(t, filepath.Join(conf, "notes.txt"), "this is not a configuration\n")
	writeFile(t, filepath.Join(conf, "sub.cfg", "x.cfg"), "neither is this\n")
	_, errOut, code := runCLI(t, "-c", "-f", conf)
	want := filepath.Join(conf, "20-more.cfg") + ":1: backend 'dup' has the same name as backend 'dup' declared at " + filepath.Join(conf, "10-base.cfg") + ":5."
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
	if strings.Contains(errOut, "notes.txt") || strings.Contains(errOut, "x.cfg") || strings.Contains(errOut, "this is not") {
		t.Errorf("files other than *.cfg were read:\n%s", errOut)
	}

	// Several -f: files are read in the order given.
	a, b := filepath.Join(dir, "a.cfg"), filepath.Join(dir, "b.cfg")
	writeFile(t, a, "backend one\nbackend filler_a\n")
	writeFile(t, b, "defaults\n    mode http\nbackend one\nbackend filler_b\n")
	_, errOut, code = runCLI(t, "-c", "-f", b, "-f", a)
	want = a + ":1: backend 'one' has the same name as backend 'one' declared at " + b + ":3."
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("-f b -f a: exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}

	// A valid directory.
	writeFile(t, filepath.Join(conf, "20-more.cfg"), "backend other\nbackend filler20\n")
	out, errOut, code := runCLI(t, "-c", "-f", conf)
	if code != 0 || out != "Configuration file is valid\n" {
		t.Fatalf("valid directory: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestCLILastSectionOfAFile: a section ends with its file; it is not lost
// when the next file begins (haproxy 2.6 -c accepts this configuration).
func TestCLILastSectionOfAFile(t *testing.T) {
	t.Parallel()
	conf := t.TempDir()
	writeFile(t, filepath.Join(conf, "10-backend.cfg"), "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nbackend app\n    server s1 127.0.0.1:8081\n")
	writeFile(t, filepath.Join(conf, "20-frontend.cfg"), "frontend web\n    bind 127.0.0.1:8080\n    default_backend app\n")
	out, errOut, code := runCLI(t, "-c", "-f", conf)
	if code != 0 || out != "Configuration file is valid\n" {
		t.Fatalf("BUG: the last section of a file that is not the last one is dropped: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestCLICondition(t *testing.T) {
	t.Parallel()
	if os.Getenv("HOME") == "" {
		t.Skip("HOME is not set")
	}
	for _, c := range []struct {
		expr string
		code int
	}{
		{"defined(HOME)", 0},
		{"streq(a,b)", 1},
		{"streq(a,a)", 0},
		{"defined(SWITCHYARD_SURELY_UNDEFINED_VAR)", 1},
	} {
		if _, errOut, code := runCLI(t, "-cc", c.expr); code != c.code {
			t.Errorf("-cc %q: exit %d, want %d (%s)", c.expr, code, c.code, errOut)
		}
	}
}

func TestCLIUnknownFlag(t *testing.T) {
	t.Parallel()
	_, errOut, code := runCLI(t, "-zz")
	if code != 1 || !strings.Contains(errOut, "unknown option '-zz'") || !strings.Contains(errOut, "Usage :") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// ---- running ----

func TestCLIForegroundPidfileGracefulStop(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := origin(t, "a", func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/slow" {
			return false
		}
		entered <- struct{}{}
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "slow done")
		return true
	})
	dir := t.TempDir()
	cfg, pidfile, fe := filepath.Join(dir, "s.cfg"), filepath.Join(dir, "s.pid"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, srv))
	p := startCLI(t, nil, nil, "-db", "-p", pidfile, "-f", cfg)
	if body := p.serving(fe, "/"); body != "a" {
		t.Fatalf("got %q", body)
	}
	p.started()
	b, err := os.ReadFile(pidfile)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(p.cmd.Process.Pid) {
		t.Fatalf("pidfile: %q %v, want %d", b, err, p.cmd.Process.Pid)
	}

	slow := make(chan string, 1)
	go func() {
		body, err := httpGet(fe, "/slow")
		if err != nil {
			body = err.Error()
		}
		slow <- body
	}()
	<-entered
	p.signal(syscall.SIGTERM)
	poll(t, 5*time.Second, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", fe, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case <-p.done:
		t.Fatal("exited with a request in flight")
	default:
	}
	close(release)
	if body := <-slow; body != "slow done" {
		t.Fatalf("in-flight request during SIGTERM: %q", body)
	}
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	if _, err := os.Stat(pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pidfile left after exit: %v", err)
	}
}

func TestCLIReloadSignals(t *testing.T) {
	t.Parallel()
	a, b := origin(t, "a", nil), origin(t, "b", nil)
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "r.cfg"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, a))
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	if body := p.serving(fe, "/"); body != "a" {
		t.Fatalf("got %q", body)
	}
	p.started()

	// SIGHUP: the new backend takes over; no connection is refused.
	var refused, okCount atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := httpGet(fe, "/"); err != nil {
				refused.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			} else {
				okCount.Add(1)
			}
		}
	}()
	poll(t, 5*time.Second, "the client loop to start", func() bool { return okCount.Load() > 3 })
	writeFile(t, cfg, proxyConfig(fe, b))
	p.signal(syscall.SIGHUP)
	poll(t, 5*time.Second, "the reload to take effect", func() bool {
		body, _ := httpGet(fe, "/")
		return body == "b"
	})
	n := okCount.Load()
	poll(t, 5*time.Second, "more requests after the reload", func() bool { return okCount.Load() > n+3 })
	close(stop)
	<-loopDone
	if refused.Load() != 0 {
		t.Fatalf("%d requests failed around SIGHUP; first: %v", refused.Load(), firstErr.Load())
	}

	// SIGUSR2 with a broken file: errors logged, old config kept.
	broken := proxyConfig(fe, a)
	errLine := cfg + ":" + strconv.Itoa(strings.Count(broken, "\n")+1) + ": "
	writeFile(t, cfg, broken+"    bogus-keyword here\n")
	p.signal(syscall.SIGUSR2)
	poll(t, 5*time.Second, "the reload failure to be logged", func() bool {
		s := p.stderr.String()
		return strings.Contains(s, errLine) && strings.Contains(s, "reload failed")
	})
	if body, err := httpGet(fe, "/"); body != "b" || err != nil {
		t.Fatalf("after a failed reload: %q %v", body, err)
	}

	// SIGUSR1: soft stop.
	p.signal(syscall.SIGUSR1)
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGUSR1", code)
	}
	if c, err := net.DialTimeout("tcp", fe, time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after exit")
	}
}

func TestCLIDaemon(t *testing.T) {
	t.Parallel()
	srv := origin(t, "a", nil)
	dir := t.TempDir()
	cfg, pidfile, fe := filepath.Join(dir, "d.cfg"), filepath.Join(dir, "d.pid"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, srv))
	start := time.Now()
	_, errOut, code := runCLI(t, "-D", "-p", pidfile, "-f", cfg)
	if code != 0 {
		t.Fatalf("-D: exit %d, stderr %q", code, errOut)
	}
	var pid int
	poll(t, 10*time.Second, "the daemon's pidfile", func() bool {
		b, err := os.ReadFile(pidfile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		end := time.Now().Add(5 * time.Second)
		for processAlive(pid) && time.Now().Before(end) {
			time.Sleep(10 * time.Millisecond)
		}
		if processAlive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("daemon %d ignored SIGTERM", pid)
		}
	})
	if time.Since(start) > 10*time.Second {
		t.Fatal("-D did not return promptly")
	}
	if sid, err := getsid(pid); err != nil || sid != pid {
		t.Errorf("daemon %d is not a session leader (sid %d, %v)", pid, sid, err)
	}
	end := time.Now().Add(10 * time.Second)
	for {
		body, err := httpGet(fe, "/")
		if err == nil && body == "a" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("daemon not serving: %q %v", body, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processAlive reports whether pid runs (a zombie left to an init that does
// not reap counts as gone).
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func getsid(pid int) (int, error) {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(sid), nil
}

func TestCLIInheritedSocket(t *testing.T) {
	t.Parallel()
	srv := origin(t, "inherited", nil)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fd.cfg")
	writeFile(t, cfg, proxyConfig(`"fd@${FD}"`, srv))
	p := startCLI(t, []string{"FD=3"}, []*os.File{f}, "-db", "-f", cfg)
	// Only the child holds the socket from now on.
	f.Close()
	l.Close()
	if body := p.serving(addr, "/"); body != "inherited" {
		t.Fatalf("got %q", body)
	}
	p.started()
	p.signal(syscall.SIGTERM)
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("exit code %d (%v); stderr:\n%s", code, p.cmd.ProcessState, p.stderr.String())
	}
}

// TestCLISignalRightAfterStart: a reload or stop signal sent as soon as the
// port accepts connections (a supervisor reloading right after a start)
// must be handled, not kill the process with the signal's default action.
func TestCLISignalRightAfterStart(t *testing.T) {
	t.Parallel()
	srv := origin(t, "a", nil)
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "early.cfg"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, srv))
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	// No pause between attempts: the signal must follow the bind closely.
	for end := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", fe)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(end) {
			t.Fatalf("never listened: %s", p.stderr.String())
		}
	}
	p.signal(syscall.SIGHUP)
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("BUG: SIGHUP right after the listener opened killed the process (%v): serve() installs signal.Notify only after Apply", p.cmd.ProcessState)
		default:
		}
		if body, err := httpGet(fe, "/"); err == nil && body == "a" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("not serving after SIGHUP: %s", p.stderr.String())
		}
	}
	p.started()
	p.signal(syscall.SIGTERM)
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("BUG? exit code %d (%v): a signal was not handled", code, p.cmd.ProcessState)
	}
}

func TestCLIFinishOldProcess(t *testing.T) {
	t.Parallel()
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Skipf("cannot run sleep: %v", err)
	}
	sleepDone := make(chan error, 1)
	go func() { sleepDone <- sleeper.Wait() }()
	t.Cleanup(func() {
		sleeper.Process.Kill()
		<-sleepDone
	})
	srv := origin(t, "new", nil)
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "sf.cfg"), freeAddr(t)
	writeFile(t, cfg, proxyConfig(fe, srv))
	p := startCLI(t, nil, nil, "-db", "-f", cfg, "-sf", strconv.Itoa(sleeper.Process.Pid))
	p.serving(fe, "/")
	p.started()
	select {
	case err := <-sleepDone:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGUSR1 {
			t.Fatalf("old process ended with %v, want killed by SIGUSR1", err)
		}
		sleepDone <- err
	case <-time.After(5 * time.Second):
		t.Fatal("-sf did not signal the old process")
	}
	p.signal(syscall.SIGTERM)
	p.exit(5 * time.Second)
}

func TestCLIDemo(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	p := startCLI(t, nil, nil, "demo", "-listen", addr)
	p.serving(addr, "/healthz")
	p.started()
	if body, err := httpGet(addr, "/healthz"); body != "ok\n" || err != nil {
		t.Fatalf("/healthz: %q %v", body, err)
	}
	re := regexp.MustCompile(`^hello from (origin[123]) `)
	var seq []string
	for range 6 {
		body, err := httpGet(addr, "/")
		m := re.FindStringSubmatch(body)
		if err != nil || m == nil {
			t.Fatalf("demo answered %q %v", body, err)
		}
		seq = append(seq, m[1])
	}
	if seq[0] == seq[1] || seq[1] == seq[2] || seq[0] == seq[2] || seq[0] != seq[3] || seq[1] != seq[4] || seq[2] != seq[5] {
		t.Fatalf("the three origins do not answer in turn: %v", seq)
	}
	// The stats page and the exporter a newcomer is pointed at.
	if body, err := httpGet(addr, "/stats;csv"); err != nil || !strings.Contains(body, "\napp,origin1,") {
		t.Fatalf("/stats;csv: %q %v", body, err)
	}
	// A transaction is counted as it ends, just after its response.
	var metrics string
	poll(t, 3*time.Second, "the exporter to count the six requests", func() bool {
		metrics, _ = httpGet(addr, "/metrics")
		return strings.Contains(metrics, `haproxy_backend_http_requests_total{proxy="app"} 6`)
	})
	p.signal(syscall.SIGTERM)
	if code := p.exit(5 * time.Second); code != 0 {
		t.Fatalf("demo exit code %d", code)
	}
}

// HAPROXY_LOCALPEER is set at start as haproxy sets it: to -L's name, or
// else to the host name, whatever the environment held; a peers section
// naming it finds its local peer either way.
func TestCLILocalPeerEnvironment(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "p.cfg")
	writeFile(t, cfg, "peers p\n    peer \"${HAPROXY_LOCALPEER}\" 127.0.0.1:10000\n    peer other 127.0.0.2:10000\n")
	for _, args := range [][]string{{"-c", "-f", cfg}, {"-c", "-L", "lb9", "-f", cfg}} {
		out, errOut, code := runCLI(t, args...)
		if code != 0 || out != "Configuration file is valid\n" || strings.Contains(errOut, "incomplete") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
