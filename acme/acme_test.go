package acme

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testcert"
	"switchyard/ssl"
)

// The manager without a CA: schedule, retries, files, status. The CA's
// side is pebble_test.go's.

// unreachable is a directory URL nothing answers (port 1 of loopback).
const unreachable = "https://127.0.0.1:1/dir"

func acmeConfig(t *testing.T, dir, extraGlobal string) *config.Config {
	t.Helper()
	text := fmt.Sprintf(`global
    expose-experimental-directives
    crt-base %[1]s
%[2]s
frontend www
    bind 127.0.0.1:0 ssl
    ssl-f-use crt site.pem acme ca domains site.test

acme ca
    directory %[3]s
    challenge TLS-ALPN-01
    curves P-256
`, dir, extraGlobal, unreachable)
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return cfg
}

// logged collects the process log.
type logged struct {
	mu    sync.Mutex
	lines []string
}

func (l *logged) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

func (l *logged) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func newTestManager(t *testing.T) (*Manager, *logged, chan error) {
	l := &logged{}
	m := New(slog.New(slog.NewTextHandler(l, nil)))
	m.timing.retries = []time.Duration{time.Millisecond, time.Millisecond}
	m.timing.abort = time.Hour
	attempts := make(chan error, 16)
	m.afterAttempt = func(_ string, err error) { attempts <- err }
	t.Cleanup(m.Stop)
	return m, l, attempts
}

func next(t *testing.T, attempts chan error) error {
	t.Helper()
	select {
	case err := <-attempts:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("no attempt")
		return nil
	}
}

// haproxy's rule: due when less than a twelfth of the lifetime is left.
func TestRenewAt(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	leaf := &x509.Certificate{NotBefore: nb, NotAfter: nb.Add(90 * 24 * time.Hour)}
	if got, want := renewAt(leaf), nb.Add(90*24*time.Hour-180*time.Hour); !got.Equal(want) {
		t.Errorf("renewAt = %v, want %v (7.5 days before the end)", got, want)
	}
}

func TestSchedule(t *testing.T) {
	now := time.Now()
	m := New(nil)
	leaf := &x509.Certificate{NotBefore: now.Add(-time.Hour), NotAfter: now.Add(11 * time.Hour)}
	tk := &task{m: m, cert: &config.ACMECert{Domains: []string{"a.test"}}, leaf: leaf}
	at := func() time.Time { return tk.dueLocked(now) }
	if got := at(); !got.Equal(now.Add(10 * time.Hour)) {
		t.Errorf("fresh: %v", got)
	}
	tk.temporary = true
	if got := at(); !got.Equal(now) {
		t.Errorf("stand-in: %v, want now", got)
	}
	tk.temporary, tk.holdUntil = false, now.Add(20*time.Hour)
	if got := at(); !got.Equal(tk.holdUntil) {
		t.Errorf("after the last retry: %v", got)
	}
	tk.failures, tk.retryAt = 1, now.Add(3*time.Second)
	if got := at(); !got.Equal(tk.retryAt) {
		t.Errorf("retrying: %v", got)
	}
	tk.failures = 0
	m.conf = &config.ACME{SchedulerOff: true}
	if got := at(); !got.IsZero() {
		t.Errorf("scheduler off: %v", got)
	}
	tk.renew = true
	if got := at(); !got.Equal(now) {
		t.Errorf("renew asked, scheduler off: %v", got)
	}
	tk.renew, m.conf.SchedulerOff, tk.cert.Domains = false, false, nil
	if got := at(); !got.IsZero() {
		t.Errorf("no domains: %v", got)
	}
}

// A CA that cannot be reached: each attempt fails and is logged, retried
// after each delay, then held for the abort period; nothing is left
// behind (lock, temporary files), and the account key was made at Apply.
func TestRetriesThenHold(t *testing.T) {
	dir := t.TempDir()
	m, l, attempts := newTestManager(t)
	m.Apply(acmeConfig(t, dir, ""))
	for i := range 3 {
		if err := next(t, attempts); err == nil || !strings.Contains(err.Error(), "couldn't register the account") {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	path := filepath.Join(dir, "site.pem")
	for _, want := range []string{
		"acme: " + path + ": Starting update of the certificate.",
		"retrying in 1ms (1/3 retries)...",
		"retrying in 1ms (2/3 retries)...",
		"Aborting. (3/3); next attempt in 1h0m0s",
		"acme: generate account key '" + filepath.Join(dir, "ca.account.key") + "' for acme section 'ca'.",
	} {
		if !l.has(want) {
			t.Errorf("log lacks %q:\n%s", want, strings.Join(l.lines, ""))
		}
	}
	st := m.Status()
	if len(st) != 1 || st[0].State != "Scheduled" || time.Until(st[0].Next) < 59*time.Minute {
		t.Errorf("status after aborting: %+v", st)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "ca.account.key" {
		t.Errorf("files left: %v", names)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "ca.account.key"))
	key, err := ssl.ParsePrivateKey(data)
	if k, ok := key.(*ecdsa.PrivateKey); err != nil || !ok || k.Curve.Params().Name != "P-256" {
		t.Errorf("account key: %T %v", key, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ca.account.key")); fi.Mode().Perm() != 0o600 {
		t.Errorf("account key mode %v", fi.Mode())
	}
}

// Another process (a replica on the same disk) renewed the certificate:
// the task takes the file's certificate instead of asking the CA.
func TestTakesNewerFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "site.pem")
	ca := testcert.NewCA("replica CA")
	// Due now: an hour's validity that began an hour ago.
	testcert.Write(path, ca.Issue(testcert.Opts{CN: "site.test", DNS: []string{"site.test"}, Validity: time.Hour}).Bundle())
	cfg := acmeConfig(t, dir, "")
	fresh := ca.Issue(testcert.Opts{CN: "site.test", DNS: []string{"site.test"}, Validity: 48 * time.Hour})
	testcert.Write(path, fresh.Bundle())
	m, l, attempts := newTestManager(t)
	got := make(chan *ssl.Cert, 1)
	m.OnIssued = func(p string, c *ssl.Cert) { got <- c }
	m.Apply(cfg)
	if err := next(t, attempts); err != nil {
		t.Fatal(err)
	}
	if c := <-got; c.TLS.Leaf.SerialNumber.Cmp(fresh.Cert.SerialNumber) != 0 {
		t.Errorf("took %v", c.TLS.Leaf.SerialNumber)
	}
	if l.has("Starting update") || !l.has("a newer certificate is in the file") {
		t.Errorf("log:\n%s", strings.Join(l.lines, ""))
	}
	if st := m.Status(); time.Until(st[0].Next) < 40*time.Hour {
		t.Errorf("next attempt %v, want the fresh certificate's renewal", st[0].Next)
	}
}

// Reloads keep the task of a file (one scheduler per certificate path);
// a configuration without the file ends it. Renew's errors are 3.2's.
func TestApplyAndRenew(t *testing.T) {
	dir := t.TempDir()
	m, _, _ := newTestManager(t)
	m.timing.abort = time.Hour
	off := "    acme.scheduler off\n"
	m.Apply(acmeConfig(t, dir, off))
	path := filepath.Join(dir, "site.pem")
	first := m.tasks[path]
	m.Apply(acmeConfig(t, dir, off))
	if m.tasks[path] != first || len(m.tasks) != 1 {
		t.Fatal("a reload replaced the task")
	}
	var b strings.Builder
	m.WriteStatus(&b, time.Now())
	if want := path + "\tca\tStopped\t"; !strings.Contains(b.String(), want) || !strings.HasSuffix(b.String(), "\t-\t-\n") {
		t.Errorf("status:\n%s", b.String())
	}
	if err := m.Renew("/nope.pem"); err == nil || err.Error() != "Can't find the certificate '/nope.pem'." {
		t.Errorf("unknown: %v", err)
	}
	m.mu.Lock()
	first.running = true
	m.mu.Unlock()
	if err := m.Renew(path); err == nil || err.Error() != "An ACME task is already running for certificate '"+path+"'.Can't start the ACME client." {
		t.Errorf("running: %v", err)
	}
	m.mu.Lock()
	first.running = false
	first.cert = &config.ACMECert{Path: path, ACME: "ca"}
	m.mu.Unlock()
	if err := m.Renew(path); err == nil || err.Error() != "No 'domains' were configured for certificate. Can't start the ACME client." {
		t.Errorf("no domains: %v", err)
	}
	cfg, _, errs := config.LoadBytes("t.cfg", []byte("global\n acme.scheduler off\n"), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m.Apply(cfg)
	if len(m.tasks) != 0 || first.ctx.Err() == nil {
		t.Error("the task of a file no longer named goes on")
	}
}

func TestWriteStatus(t *testing.T) {
	m := New(nil)
	now := time.Date(2025, 5, 6, 12, 0, 0, 0, time.UTC)
	exp := now.Add(89*24*time.Hour + 23*time.Hour + 73*time.Second)
	m.tasks["/a.pem"] = &task{path: "/a.pem", cert: &config.ACMECert{ACME: "LE"}, leaf: &x509.Certificate{NotAfter: exp}, next: now.Add(time.Hour)}
	m.tasks["/b.pem"] = &task{path: "/b.pem", cert: &config.ACMECert{ACME: "LE"}, leaf: &x509.Certificate{NotAfter: now.Add(-time.Hour)}, running: true}
	var b strings.Builder
	m.WriteStatus(&b, now)
	want := "# certificate\tsection\tstate\texpiration date (UTC)\texpires in\tscheduled date (UTC)\tscheduled in\n" +
		"/a.pem\tLE\tScheduled\t2025-08-04T11:01:13Z\t89d 23h01m13s\t2025-05-06T13:00:00Z\t0d 1h00m00s\n" +
		"/b.pem\tLE\tRunning\t2025-05-06T11:00:00Z\t0d 0h00m00s\t-\t-\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.pem")
	if err := writeAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v", fi.Mode())
	}
	os.Chmod(p, 0o640)
	if err := writeAtomic(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(data) != "two" || fi.Mode().Perm() != 0o640 {
		t.Errorf("rewrite: %q %v", data, fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := writeAtomic(filepath.Join(dir, "no/such/dir/f"), nil, 0o600); err == nil {
		t.Error("a missing directory was no error")
	}
}

func TestLockFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "site.pem")
	release, err := lockFile(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockFile(p, time.Hour); err == nil || !strings.Contains(err.Error(), "another process is renewing this certificate") {
		t.Errorf("second lock: %v", err)
	}
	release()
	release, err = lockFile(p, time.Hour)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	// A lock older than stale is a dead process's.
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(dir, ".site.pem.acme-lock"), old, old)
	release2, err := lockFile(p, time.Hour)
	if err != nil {
		t.Fatalf("stale lock: %v", err)
	}
	release2()
	release()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left: %v", ents)
	}
}
