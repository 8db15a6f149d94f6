package backend

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchyard/check"
)

// logLines collects a backend's state messages.
type logLines struct{ lines []string }

func (l *logLines) log(level int, msg string) {
	l.lines = append(l.lines, levelName(level)+" "+msg)
}

func (l *logLines) take() []string {
	out := l.lines
	l.lines = nil
	return out
}

func levelName(l int) string {
	return map[int]string{LevelEmerg: "emerg", LevelAlert: "alert", LevelNotice: "notice"}[l]
}

// noProbe is a prober for settings only: the tests feed results directly,
// and the check goroutine's first check waits until it is stopped.
type noProbe struct{}

func (noProbe) Run(ctx context.Context, _ *check.Target) check.Result {
	<-ctx.Done()
	return check.Result{}
}
func (noProbe) SendsState() bool { return false }

func checked(name string, id int, rise, fall int) ServerSettings {
	set := settings(name, id, 1, "127.0.0.1:1")
	set.Check = &CheckSettings{Rules: noProbe{}, Rise: rise, Fall: fall, Inter: time.Hour}
	return set
}

func stageLogged(t *testing.T, r *Registry, set BackendSettings, srvs ...ServerSettings) (*Backend, []*Server, *logLines) {
	t.Helper()
	ll := &logLines{}
	set.Log, set.Kind = ll.log, "backend"
	g := r.Stage()
	b, ss, err := g.Backend("be", set, srvs)
	if err != nil {
		t.Fatal(err)
	}
	g.Commit()
	t.Cleanup(r.Close)
	return b, ss, ll
}

var (
	refused = check.Result{Status: check.StatusL4Conn, Desc: "Connection refused"}
	ok200   = check.Result{Status: check.StatusL7OK, Code: 200, Desc: "OK", Duration: time.Millisecond}
	got503  = check.Result{Status: check.StatusL7Status, Code: 503, Desc: "Service Unavailable", Duration: 2 * time.Millisecond}
	got404  = check.Result{Status: check.StatusL7OKCond, Code: 404, Desc: "Not Found"}
)

func wantLines(t *testing.T, ll *logLines, want ...string) {
	t.Helper()
	got := ll.take()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The state machine of haproxy's checks, with its log lines: a fresh
// server falls at its first failure; once up at full health it takes
// `fall` failures; coming back takes `rise` successes.
func TestHealthStateMachine(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, ll := stageLogged(t, r, BackendSettings{}, checked("a", 1, 2, 3), checked("b", 2, 2, 3))
	a := srvs[0]
	a.checkResult(refused)
	if a.Up() {
		t.Fatal("a fresh server did not fall at its first failed check")
	}
	wantLines(t, ll, `alert Server be/a is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	for range 10 {
		if b.Pick(nil, loopback) != srvs[1] {
			t.Fatal("a down server was picked")
		}
	}
	a.checkResult(ok200)
	if a.Up() {
		t.Fatal("up after 1 success with rise 2")
	}
	wantLines(t, ll)
	a.checkResult(ok200)
	if !a.Up() {
		t.Fatal("not up after 2 successes")
	}
	wantLines(t, ll, `notice Server be/a is UP, reason: Layer7 check passed, code: 200, info: "OK", check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	// At full health, fall-1 failures keep it up.
	a.checkResult(got503)
	a.checkResult(got503)
	if !a.Up() {
		t.Fatal("down before fall failures")
	}
	a.checkResult(ok200) // back to full health
	a.checkResult(got503)
	a.checkResult(got503)
	a.checkResult(got503)
	if a.Up() {
		t.Fatal("still up after fall failures")
	}
	wantLines(t, ll, `alert Server be/a is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: 2ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	// The last server going down says the backend has none left.
	srvs[1].checkResult(refused)
	wantLines(t, ll,
		`alert Server be/b is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`emerg backend be has no server available!`)
	if b.Pick(nil, loopback) != nil {
		t.Fatal("picked a server with all down")
	}
	if got := a.C.DownTrans.Load(); got != 2 {
		t.Errorf("a went down %d times, counted %d", 2, got)
	}
	if got := b.C.DownTrans.Load(); got != 1 {
		t.Errorf("the backend went down once, counted %d", got)
	}
}

// A backend born without a usable server (none at all, as a stats listen)
// has made no transition: haproxy's chkdown is 0 for it.
func TestBackendBornDownCountsNoTransition(t *testing.T) {
	r := NewRegistry(NewPools())
	b, _, _ := stageLogged(t, r, BackendSettings{})
	if got := b.C.DownTrans.Load(); got != 0 {
		t.Errorf("an empty backend counted %d down transitions", got)
	}
}

// disable-on-404: a conditional pass takes the server out of the balancer
// (NOLB) without calling it down.
func TestHealthConditionalPass(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, ll := stageLogged(t, r, BackendSettings{}, checked("a", 1, 1, 1), checked("b", 2, 1, 1))
	srvs[0].checkResult(got404)
	if op, _ := srvs[0].State(); op != Stopping || !srvs[0].Up() || srvs[0].Usable() {
		t.Fatalf("state %v after a 404 with disable-on-404", op)
	}
	wantLines(t, ll, `notice Server be/a is stopping, reason: Layer7 check conditionally passed, code: 404, info: "Not Found", check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	if b.Pick(nil, loopback) != srvs[1] || b.Pick(nil, loopback) != srvs[1] {
		t.Fatal("a NOLB server was picked")
	}
	srvs[0].checkResult(ok200)
	if !srvs[0].Usable() {
		t.Fatal("not usable again after a pass")
	}
}

// option log-health-checks: a line per change of result or counter, and
// state lines that leave the reason out.
func TestHealthLogHealthChecks(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{LogHealthChecks: true}, checked("a", 1, 2, 3), checked("b", 2, 2, 3))
	a := srvs[0]
	a.checkResult(ok200)
	a.checkResult(refused)
	wantLines(t, ll,
		`notice Health check for server be/a succeeded, reason: Layer7 check passed, code: 200, info: "OK", check duration: 1ms, status: 3/3 UP.`,
		`notice Health check for server be/a failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 2/3 UP.`)
	a.checkResult(refused)
	a.checkResult(refused)
	wantLines(t, ll,
		`notice Health check for server be/a failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 1/3 UP.`,
		`notice Health check for server be/a failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN.`,
		`alert Server be/a is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	a.checkResult(refused) // nothing changes: no line
	wantLines(t, ll)
}

// Backup servers take traffic only when no active server is usable, and
// only the first of them without option allbackups.
func TestHealthBackups(t *testing.T) {
	for _, all := range []bool{false, true} {
		r := NewRegistry(NewPools())
		bk1, bk2 := checked("bk1", 2, 1, 1), checked("bk2", 3, 1, 1)
		bk1.Backup, bk2.Backup = true, true
		b, srvs, ll := stageLogged(t, r, BackendSettings{AllBackups: all}, checked("a", 1, 1, 1), bk1, bk2)
		seen := map[string]int{}
		for range 10 {
			seen[b.Pick(nil, loopback).Name]++
		}
		if seen["a"] != 10 {
			t.Fatalf("allbackups=%v: with the active server up, picks went to %v", all, seen)
		}
		srvs[0].checkResult(refused)
		seen = map[string]int{}
		for range 10 {
			seen[b.Pick(nil, loopback).Name]++
		}
		if all && (seen["bk1"] != 5 || seen["bk2"] != 5) || !all && seen["bk1"] != 10 {
			t.Errorf("allbackups=%v: with the active server down, picks went to %v", all, seen)
		}
		wantLines(t, ll, `alert Server be/a is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 2 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.`)
		srvs[1].checkResult(refused)
		if !all && b.Pick(nil, loopback) != srvs[2] {
			t.Error("the second backup did not take over from the first")
		}
		wantLines(t, ll, `alert Backup Server be/bk1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	}
}

// A reload keeps a down server down, and a disabled one out of traffic.
func TestHealthReloadKeepsState(t *testing.T) {
	r := NewRegistry(NewPools())
	sets := []ServerSettings{checked("a", 1, 2, 3), checked("b", 2, 2, 3)}
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, sets...)
	srvs[0].checkResult(refused)
	sets2 := []ServerSettings{checked("a", 1, 2, 3), checked("b", 2, 2, 3)}
	sets2[1].Disabled = true
	_, srvs2, _ := stageLogged(t, r, BackendSettings{}, sets2...)
	if srvs2[0] != srvs[0] || srvs[0].Up() {
		t.Fatal("the down server came back up on reload")
	}
	if srvs[1].Up() || b.Pick(nil, loopback) != nil {
		t.Fatal("a server disabled by the reload still takes traffic")
	}
	// Without `check` the server is up whatever its checks said.
	sets3 := []ServerSettings{settings("a", 1, 1, "127.0.0.1:1"), settings("b", 2, 1, "127.0.0.1:1")}
	stageLogged(t, r, BackendSettings{}, sets3...)
	if !srvs[0].Usable() || !srvs[1].Usable() {
		t.Fatal("servers without check (and no longer disabled) are not usable")
	}
}

// chanProbe hands each check's result from the test.
type chanProbe struct {
	results chan check.Result
	ran     chan string
}

func (p *chanProbe) Run(ctx context.Context, t *check.Target) check.Result {
	select {
	case p.ran <- t.Server:
	case <-ctx.Done(): // stopped before the test looked
		return check.Result{Status: check.StatusL4Timeout}
	}
	select {
	case r := <-p.results:
		return r
	case <-ctx.Done():
		return check.Result{Status: check.StatusL4Timeout}
	}
}
func (p *chanProbe) SendsState() bool { return false }

// The check goroutine runs checks at the interval, applies their results,
// and stops when its server leaves the configuration.
func TestHealthChecksRun(t *testing.T) {
	r := NewRegistry(NewPools())
	p := &chanProbe{results: make(chan check.Result), ran: make(chan string)}
	set := settings("a", 1, 1, "127.0.0.1:1")
	set.Check = &CheckSettings{Rules: p, Rise: 1, Fall: 1, Inter: time.Millisecond}
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, set)
	deadline := time.After(5 * time.Second)
	step := func(res check.Result) {
		select {
		case <-p.ran:
		case <-deadline:
			t.Fatal("no check ran")
		}
		select {
		case p.results <- res:
		case <-deadline:
			t.Fatal("the check did not take its result")
		}
	}
	step(refused)
	step(ok200)
	step(refused)
	step(refused)
	if srvs[0].Up() {
		t.Fatal("up after failed checks")
	}
	// The server leaves: its goroutine stops (Close waits for it).
	g := r.Stage()
	if _, _, err := g.Backend("be", BackendSettings{}, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		g.Commit()
		close(done)
	}()
	select {
	case <-done:
	case <-deadline:
		t.Fatal("Commit did not stop the check of a removed server")
	}
}

// probeSignal is a prober that says which server it checks, once per
// check, then waits to be stopped.
type probeSignal struct {
	name string
	ran  chan<- string
}

func (p probeSignal) Run(ctx context.Context, _ *check.Target) check.Result {
	p.ran <- p.name
	<-ctx.Done()
	return check.Result{}
}
func (probeSignal) SendsState() bool { return false }

// Checks start spread over the shortest interval in declaration order,
// backends as staged and then their servers, as haproxy's start_checks:
// the first declared is checked at once, the second half an interval
// later (here half an hour), whatever the names.
func TestCheckStartOrder(t *testing.T) {
	r := NewRegistry(NewPools())
	ran := make(chan string, 4)
	g := r.Stage()
	for _, be := range []string{"zz", "aa"} {
		set := settings("s", 1, 1, "127.0.0.1:1")
		set.Check = &CheckSettings{Rules: probeSignal{be + "/s", ran}, Rise: 1, Fall: 1, Inter: time.Hour}
		if _, _, err := g.Backend(be, BackendSettings{Kind: "backend", Log: func(int, string) {}}, []ServerSettings{set}); err != nil {
			t.Fatal(err)
		}
	}
	g.Commit()
	t.Cleanup(r.Close)
	select {
	case name := <-ran:
		if name != "zz/s" {
			t.Fatalf("%s was checked first, want zz/s (declared first)", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no check started")
	}
}
