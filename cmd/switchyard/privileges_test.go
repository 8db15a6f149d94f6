package main

import (
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chroot, user and group: the process takes them once it listens, still
// serves, and a reload that cannot read its files any more keeps the
// running configuration. Changing ids needs root: these tests run as root
// in CI and are skipped, saying so, elsewhere.

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("changing uid, gid or root directory needs root; run the tests as root to cover it")
	}
}

// lookupIDs returns the ids of user nobody and group nogroup, or skips.
func lookupIDs(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user 'nobody' on this system")
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Skip("no group 'nogroup' on this system")
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(g.Gid)
	return uid, gid
}

// procStatus returns the value of a field of /proc/PID/status ("Uid").
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

func privilegedConfig(fe, srv, global string) string {
	return strings.Replace(proxyConfig(fe, srv), "global\n", "global\n"+global, 1)
}

func TestPrivilegesUserAndGroup(t *testing.T) {
	needRoot(t)
	uid, gid := lookupIDs(t)
	t.Parallel()
	srv := origin(t, "a", nil)
	dir := t.TempDir() // 0700, root's: nobody cannot read it
	cfg, fe := filepath.Join(dir, "p.cfg"), freeAddr(t)
	writeFile(t, cfg, privilegedConfig(fe, srv, "    user nobody\n    group nogroup\n"))
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	if body := p.serving(fe, "/"); body != "a" {
		t.Fatalf("got %q", body)
	}
	p.started()
	pid := p.cmd.Process.Pid
	ids := func(n int) string { s := strconv.Itoa(n); return s + " " + s + " " + s + " " + s }
	if got := procStatus(t, pid, "Uid"); got != ids(uid) {
		t.Errorf("Uid (real, effective, saved, fs) = %s, want %s", got, ids(uid))
	}
	if got := procStatus(t, pid, "Gid"); got != ids(gid) {
		t.Errorf("Gid = %s, want %s", got, ids(gid))
	}
	if got := procStatus(t, pid, "Groups"); got != strconv.Itoa(gid) {
		t.Errorf("supplementary groups = %q, want only %d", got, gid)
	}
	// Every thread took the new identity, not only the one that called
	// setuid.
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/status")
		if err == nil && !strings.Contains(string(b), "\nUid:\t"+strconv.Itoa(uid)+"\t") {
			t.Errorf("thread %s kept another uid", task.Name())
		}
	}

	// The files are out of reach now: the reload fails and changes
	// nothing.
	p.signal(syscall.SIGHUP)
	poll(t, 10*time.Second, "the failed reload", func() bool {
		return strings.Contains(p.stderr.String(), "keeping the running configuration")
	})
	if !strings.Contains(p.stderr.String(), "permission denied") {
		t.Errorf("the reload does not say why it failed:\n%s", p.stderr.String())
	}
	if body, err := httpGet(fe, "/"); err != nil || body != "a" {
		t.Fatalf("after the failed reload: %q, %v", body, err)
	}
}

func TestPrivilegesChroot(t *testing.T) {
	needRoot(t)
	t.Parallel()
	srv := origin(t, "a", nil)
	jail := t.TempDir()
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "p.cfg"), freeAddr(t)
	writeFile(t, cfg, privilegedConfig(fe, srv, "    chroot "+jail+"\n"))
	p := startCLI(t, nil, nil, "-db", "-f", cfg)
	if body := p.serving(fe, "/"); body != "a" {
		t.Fatalf("got %q", body)
	}
	p.started()
	root, err := os.Readlink("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/root")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(jail); root != want {
		t.Errorf("root directory %s, want %s", root, want)
	}
	// The configuration's path does not exist inside the chroot.
	p.signal(syscall.SIGHUP)
	poll(t, 10*time.Second, "the failed reload", func() bool {
		return strings.Contains(p.stderr.String(), "keeping the running configuration")
	})
	if body, err := httpGet(fe, "/"); err != nil || body != "a" {
		t.Fatalf("after the failed reload: %q, %v", body, err)
	}
}

// A chroot that does not exist is a start error, after the listeners
// opened: the process exits and frees them.
func TestPrivilegesMissingChroot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, fe := filepath.Join(dir, "p.cfg"), freeAddr(t)
	missing := filepath.Join(dir, "no-such-dir")
	writeFile(t, cfg, privilegedConfig(fe, "127.0.0.1:1", "    chroot "+missing+"\n"))
	_, errOut, code := runCLI(t, "-db", "-f", cfg)
	want := "[ALERT] Cannot chroot(" + missing + "): no such file or directory"
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
	// -c only reads the configuration: the directory may exist only
	// where the configuration runs, as with haproxy -c.
	if _, errOut, code := runCLI(t, "-c", "-f", cfg); code != 0 {
		t.Fatalf("-c: exit %d: %s", code, errOut)
	}
}

// A process that is not root and is asked to become another user refuses
// to start rather than run as itself. The test starts switchyard as nobody
// (so it needs root to do that) and asks for root.
func TestPrivilegesRefusedWithoutRoot(t *testing.T) {
	needRoot(t)
	uid, gid := lookupIDs(t)
	t.Parallel()
	// A copy of the binary and a configuration that nobody can read.
	dir, err := os.MkdirTemp("", "switchyard-privileges")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "switchyard")
	copyFile(t, testBin, bin, 0o755)
	for _, c := range []struct{ global, want string }{
		{"    uid 0\n", "[ALERT] Cannot set uid 0: switchyard runs as uid " + strconv.Itoa(uid) + ", and only root may change its user"},
		{"    gid 0\n", "[ALERT] Cannot set gid 0: switchyard runs as uid " + strconv.Itoa(uid) + ", gid " + strconv.Itoa(gid) + ", and only root may change its group"},
		{"    chroot /\n", "[ALERT] Cannot chroot(/): switchyard runs as uid " + strconv.Itoa(uid) + ", which may not chroot (run it as root)"},
	} {
		cfg := filepath.Join(dir, "p.cfg")
		writeFile(t, cfg, privilegedConfig(freeAddr(t), "127.0.0.1:1", c.global))
		cmd := exec.Command(bin, "-db", "-f", cfg)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: exit %d, output:\n%s\nwant %q", strings.TrimSpace(c.global), cmd.ProcessState.ExitCode(), out, c.want)
		}
	}
	// Asked to be what it already is, it runs.
	srv := origin(t, "a", nil)
	cfg, fe := filepath.Join(dir, "same.cfg"), freeAddr(t)
	writeFile(t, cfg, privilegedConfig(fe, srv, "    user nobody\n    group nogroup\n"))
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	p := startProc(t, cmd)
	if body := p.serving(fe, "/"); body != "a" {
		t.Fatalf("got %q", body)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
