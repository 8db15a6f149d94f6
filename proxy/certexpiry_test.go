package proxy

import (
	"context"
	"crypto/tls"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/ssl"
)

// logRecords is a slog handler that keeps the records, and hands each to
// a channel for tests that wait for one.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
	ch   chan slog.Record
}

func newLogRecords() *logRecords { return &logRecords{ch: make(chan slog.Record, 64)} }

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r.Clone())
	l.mu.Unlock()
	select {
	case l.ch <- r.Clone():
	default: // nobody waits for so many
	}
	return nil
}

// lines renders the records as "LEVEL msg k=v…", attributes in order.
func (l *logRecords) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		out = append(out, recordLine(r))
	}
	return out
}

func recordLine(r slog.Record) string {
	s := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		s += " " + a.Key + "=" + a.Value.String()
		return true
	})
	return s
}

// next waits for the next record, at most a few seconds.
func (l *logRecords) next(t *testing.T, what string) string {
	t.Helper()
	select {
	case r := <-l.ch:
		return recordLine(r)
	case <-time.After(5 * time.Second):
		t.Fatalf("no log record for %s", what)
		return ""
	}
}

// fakeClock is a clock the test moves; its timers fire when it passes
// them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[chan time.Time]time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Timer(at time.Time) (<-chan time.Time, func() bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := make(chan time.Time, 1)
	if !at.After(f.now) {
		c <- f.now
		return c, func() bool { return false }
	}
	if f.timers == nil {
		f.timers = map[chan time.Time]time.Time{}
	}
	f.timers[c] = at
	return c, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		_, ok := f.timers[c]
		delete(f.timers, c)
		return ok
	}
}

func (f *fakeClock) set(now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
	for c, at := range f.timers {
		if !at.After(now) {
			c <- now
			delete(f.timers, c)
		}
	}
}

// certAt is a certificate valid until notAfter, as loaded from path.
func certAt(t *testing.T, ca *testcert.CA, path string, notAfter time.Time) *ssl.Cert {
	t.Helper()
	leaf := ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), Validity: 90 * 24 * time.Hour})
	return &ssl.Cert{Path: path, TLS: tls.Certificate{Leaf: leaf.Cert}}
}

// The stages and their dates: each threshold is reached at its instant.
func TestCertStages(t *testing.T) {
	ca := testcert.NewCA("stages CA")
	end := time.Now().Add(100 * 24 * time.Hour).Truncate(time.Second)
	c := certAt(t, ca, "/c.pem", end)
	day := 24 * time.Hour
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{end.Add(-31 * day), 0},
		{end.Add(-30*day - time.Nanosecond), 0},
		{end.Add(-30 * day), 1},
		{end.Add(-7*day - time.Second), 1},
		{end.Add(-7 * day), 2},
		{end.Add(-day), 3},
		{end.Add(-time.Nanosecond), 3},
		{end, certExpired},
		{end.Add(day), certExpired},
	} {
		if got := stageAt(c, tc.at); got != tc.want {
			t.Errorf("stage %v before expiry: %d, want %d", end.Sub(tc.at), got, tc.want)
		}
	}
	for st, want := range []time.Time{end.Add(-30 * day), end.Add(-7 * day), end.Add(-day), end} {
		if got, ok := nextStage(c, st); !ok || !got.Equal(want) {
			t.Errorf("next after stage %d: %v, want %v", st, got, want)
		}
	}
	if _, ok := nextStage(c, certExpired); ok {
		t.Error("a stage after expiry")
	}
}

// The watch warns at each threshold as its timer reaches it, once, and
// stops with the runtime.
func TestCertWatchThresholds(t *testing.T) {
	ca := testcert.NewCA("watch CA")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	end := t0.Add(40 * day)
	clk := &fakeClock{now: t0}
	logs := newLogRecords()
	w := newCertWatch(slog.New(logs), clk)
	cert := certAt(t, ca, "/certs/www.pem", end)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { w.run(stop); close(done) }()

	w.update([]ServedCert{{Proxy: "fe", Listener: "sock-1", Cert: cert}})
	if got := logs.lines(); len(got) != 0 {
		t.Fatalf("warned 40 days ahead: %v", got)
	}
	clk.set(end.Add(-30*day - time.Minute)) // the hourly look finds nothing
	clk.set(end.Add(-30 * day))
	want := "WARN TLS certificate expires within 30 days file=/certs/www.pem serial=" + cert.Serial() +
		" not_after=2026-02-10T00:00:00Z served_by=fe/sock-1 expires_in=720h0m0s"
	if got := logs.next(t, "30 days"); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	clk.set(end.Add(-7*day + time.Hour)) // an hour late: the wall clock jumped
	if got := logs.next(t, "7 days"); !strings.HasPrefix(got, "WARN TLS certificate expires within 7 days ") || !strings.HasSuffix(got, "expires_in=167h0m0s") {
		t.Errorf("7 days: %s", got)
	}
	clk.set(end.Add(-day))
	if got := logs.next(t, "1 day"); !strings.HasPrefix(got, "WARN TLS certificate expires within 1 day ") {
		t.Errorf("1 day: %s", got)
	}
	// A reload in between serves the same certificate (file and serial):
	// nothing new.
	w.update([]ServedCert{{Proxy: "fe", Listener: "sock-1", Cert: certAt(t, ca, "/certs/other.pem", end.Add(60*day))},
		{Proxy: "fe", Listener: "sock-1", Cert: cert}})
	clk.set(end)
	if got := logs.next(t, "expiry"); got != "ERROR TLS certificate has expired; clients refuse it file=/certs/www.pem serial="+cert.Serial()+
		" not_after=2026-02-10T00:00:00Z served_by=fe/sock-1" {
		t.Errorf("expired: %s", got)
	}
	clk.set(end.Add(10 * day))
	close(stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not stop")
	}
	if got := logs.lines(); len(got) != 4 {
		t.Errorf("%d records, want 4:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// A certificate already past thresholds when first served gets one
// warning, for the closest; one expired, the error.
func TestCertWatchAtStart(t *testing.T) {
	ca := testcert.NewCA("start CA")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: t0}
	logs := newLogRecords()
	w := newCertWatch(slog.New(logs), clk)
	w.update([]ServedCert{
		{Proxy: "fe", Listener: "a", Cert: certAt(t, ca, "/soon.pem", t0.Add(3*24*time.Hour))},
		{Proxy: "fe", Listener: "b", Cert: certAt(t, ca, "/soon.pem", t0.Add(3*24*time.Hour))}, // another serial
		{Proxy: "fe", Listener: "a", Cert: certAt(t, ca, "/old.pem", t0.Add(-time.Hour))},
		{Proxy: "fe", Listener: "a", Cert: certAt(t, ca, "/fine.pem", t0.Add(31*24*time.Hour))},
	})
	got := logs.lines()
	if len(got) != 3 || !strings.HasPrefix(got[0], "WARN TLS certificate expires within 7 days file=/soon.pem") ||
		!strings.HasPrefix(got[1], "WARN TLS certificate expires within 7 days file=/soon.pem") || got[0] == got[1] ||
		!strings.HasPrefix(got[2], "ERROR TLS certificate has expired; clients refuse it file=/old.pem") {
		t.Errorf("records:\n%s", strings.Join(got, "\n"))
	}
	if want := t0.Add(24 * time.Hour); !w.next.Equal(want) {
		t.Errorf("next threshold %v, want %v (fine.pem's 30 days)", w.next, want)
	}
}

// Through the runtime: a certificate near its expiry is logged when the
// configuration is applied, once however many reloads re-read it, and a
// renewed one (same file, new serial) is watched afresh.
func TestCertExpiryLog(t *testing.T) {
	dir := t.TempDir()
	ca := testcert.NewCA("log CA")
	crt := filepath.Join(dir, "site.pem")
	list := filepath.Join(dir, "list.txt")
	testcert.Write(crt, ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: 3*24*time.Hour + time.Hour}).Bundle())
	testcert.Write(list, []byte(crt+" www.example.com\n"))
	text := `
defaults
  mode http
  timeout client 5s
frontend fe
  bind {A} ssl crt {CRT} crt-list {LIST}
  bind {B} ssl crt-list {LIST} name tls2
  bind {C}
`
	kv := []string{"A", itAddr(t), "B", itAddr(t), "C", itAddr(t), "CRT", crt, "LIST", list}
	logs := newLogRecords()
	rt := &itRT{Runtime: New(slog.New(logs), nil)}
	t.Cleanup(func() {
		if _, ok := itStopWithin(rt, time.Second, 5*time.Second); !ok {
			t.Errorf("Runtime.Stop did not return")
		}
	})
	if err := rt.Apply(itConfig(t, text, kv...)); err != nil {
		t.Fatal(err)
	}
	served := rt.Snapshot().Certificates()
	if len(served) != 2 || served[0].Listener != "sock-1" || served[1].Listener != "tls2" || served[0].Cert.Path != crt {
		t.Fatalf("served %+v", served)
	}
	got := certLines(logs)
	if len(got) != 1 || !strings.HasPrefix(got[0], "WARN TLS certificate expires within 7 days file="+crt+" serial=") ||
		!strings.Contains(got[0], " served_by=fe/sock-1,fe/tls2 ") {
		t.Fatalf("records:\n%s", strings.Join(got, "\n"))
	}
	// A reload re-reads the file: the same certificate, no new warning.
	if err := rt.Apply(itConfig(t, text, kv...)); err != nil {
		t.Fatal(err)
	}
	// Renewed for 20 days: a new serial, which is within 30 days.
	testcert.Write(crt, ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}, Validity: 20 * 24 * time.Hour}).Bundle())
	if err := rt.Apply(itConfig(t, text, kv...)); err != nil {
		t.Fatal(err)
	}
	got = certLines(logs)
	if len(got) != 2 || !strings.HasPrefix(got[1], "WARN TLS certificate expires within 30 days file="+crt) || field(got[0], "serial") == field(got[1], "serial") {
		t.Errorf("records:\n%s", strings.Join(got, "\n"))
	}
}

// certLines are the records about certificates (the runtime may log
// others, about the descriptor limit).
func certLines(l *logRecords) []string {
	var out []string
	for _, line := range l.lines() {
		if strings.Contains(line, " TLS certificate ") {
			out = append(out, line)
		}
	}
	return out
}

// field is the value of key in a record line.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}
