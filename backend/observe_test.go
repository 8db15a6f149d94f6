package backend

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"switchyard/check"
)

func observed(name string, id int, mode ObserveMode, limit int, onErr OnError) ServerSettings {
	set := checked(name, id, 2, 3)
	set.Observe, set.ErrorLimit, set.OnError = mode, limit, onErr
	return set
}

// error-limit consecutive errors act; a success in between starts the
// count again; what layer7 ignores (L4 OK) neither counts nor resets.
func TestObserveThreshold(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{}, observed("a", 1, ObserveLayer7, 3, OnErrorMarkDown), settings("b", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	s.Observe(HTTPStatus(500))
	s.Observe(HTTPStatus(502))
	s.Observe(HTTPStatus(404)) // a good status: the count restarts
	s.Observe(HTTPStatus(503))
	s.Observe(HTTPStatus(501)) // clients cause those: good
	s.Observe(HTTPStatus(504))
	s.Observe(ObserveL4OK) // ignored in layer7
	s.Observe(ObserveHTTPBrokenPipe)
	if !s.Up() {
		t.Fatal("down before 3 consecutive errors")
	}
	s.Observe(ObserveL4Err)
	if s.Up() {
		t.Fatal("still up after 3 consecutive errors with mark-down")
	}
	wantLines(t, ll, `alert Server be/a is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: L4 unsuccessful connection". 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	if s.C.FailedHANA.Load() != 1 || s.C.FailedChecks.Load() != 1 {
		t.Errorf("hanafail %d, chkfail %d", s.C.FailedHANA.Load(), s.C.FailedChecks.Load())
	}
}

// The on-error modes, as haproxy 2.6.12 behaves with rise 2 fall 3 at
// full health: fail-check takes one unit of health, sudden-death leaves
// one failure before down, mark-down takes the server down; fastinter
// only hurries the next check.
func TestObserveOnError(t *testing.T) {
	for _, c := range []struct {
		mode   OnError
		bursts int // bursts of error-limit errors before down
	}{
		{OnErrorFailCheck, 3},
		{OnErrorSuddenDeath, 2},
		{OnErrorMarkDown, 1},
		{OnErrorFastInter, 0},
	} {
		r := NewRegistry(NewPools())
		_, srvs, _ := stageLogged(t, r, BackendSettings{}, observed("a", 1, ObserveLayer4, 2, c.mode))
		s := srvs[0]
		s.checkResult(ok200) // full health: 4
		for i := 1; i <= 4; i++ {
			s.Observe(ObserveL4Err)
			s.Observe(ObserveL4Err)
			if down := !s.Up(); down != (c.bursts != 0 && i >= c.bursts) {
				t.Errorf("on-error %d: after %d bursts, down=%v", c.mode, i, down)
			}
		}
	}
}

// With log-health-checks, the verdict is logged as a failed health check
// of status "Health analyze", without a duration.
func TestObserveLogHealthChecks(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{LogHealthChecks: true}, observed("a", 1, ObserveLayer7, 2, OnErrorFailCheck), settings("b", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	s.Observe(HTTPStatus(500))
	s.Observe(ObserveHTTPReadTimeout)
	wantLines(t, ll,
		`notice Health check for server be/a failed, reason: Health analyze, info: "Detected 2 consecutive errors, last one was: Read timeout (http)", status: 0/2 DOWN.`,
		`alert Server be/a is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
}

// Without `check` (or without observe), Observe does nothing.
func TestObserveNeedsCheck(t *testing.T) {
	r := NewRegistry(NewPools())
	set := settings("a", 1, 1, "127.0.0.1:1")
	set.Observe, set.ErrorLimit, set.OnError = ObserveLayer4, 1, OnErrorMarkDown
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, set)
	srvs[0].Observe(ObserveL4Err)
	if !srvs[0].Up() || srvs[0].errs.Load() != 0 {
		t.Fatal("an unchecked server was observed")
	}
}

// fastinter: the next check comes within fastinter of the errors.
func TestObserveHurriesCheck(t *testing.T) {
	r := NewRegistry(NewPools())
	set := observed("a", 1, ObserveLayer4, 1, OnErrorFastInter)
	ran := make(chan struct{}, 1)
	set.Check = &CheckSettings{Rules: signalProbe{ran}, Rise: 2, Fall: 3, Inter: time.Hour, FastInter: time.Millisecond}
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, set)
	deadline := time.After(5 * time.Second)
	select {
	case <-ran: // the first check runs at once, the next in an hour
	case <-deadline:
		t.Fatal("the first check did not run")
	}
	srvs[0].Observe(ObserveL4Err)
	select {
	case <-ran:
	case <-deadline:
		t.Fatal("the check was not hurried")
	}
}

// signalProbe passes, and says it ran.
type signalProbe struct{ ran chan struct{} }

func (p signalProbe) Run(context.Context, *check.Target) check.Result {
	select {
	case p.ran <- struct{}{}:
	default:
	}
	return ok200
}
func (signalProbe) SendsState() bool { return false }

// on-marked-down cuts the server's streams when it goes down;
// on-marked-up on an active server cuts the backups' when it comes up.
// Servers no option concerns register nothing.
func TestStreamsCut(t *testing.T) {
	r := NewRegistry(NewPools())
	a := checked("a", 1, 1, 1)
	a.OnMarkedDown, a.OnMarkedUp = true, true
	bk := checked("bk", 2, 1, 1)
	bk.Backup = true
	plain := settings("c", 3, 1, "127.0.0.1:1")
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, a, bk, plain)
	var mu sync.Mutex
	var cuts []string
	attach := func(s *Server) func() {
		return s.AttachStream(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrServerDown):
				cuts = append(cuts, s.Name+":D")
			case errors.Is(err, ErrServerUp):
				cuts = append(cuts, s.Name+":U")
			}
		})
	}
	attach(srvs[0])
	attach(srvs[1])
	detach := attach(srvs[1])
	detach()
	attach(srvs[2])
	if srvs[2].Streams() != 0 || srvs[1].Streams() != 1 {
		t.Fatalf("registered: c %d, bk %d", srvs[2].Streams(), srvs[1].Streams())
	}
	srvs[0].checkResult(refused)
	srvs[0].checkResult(ok200)
	mu.Lock()
	defer mu.Unlock()
	if len(cuts) != 2 || cuts[0] != "a:D" || cuts[1] != "bk:U" {
		t.Fatalf("cuts %v", cuts)
	}
}
