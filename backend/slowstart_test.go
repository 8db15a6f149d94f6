package backend

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a registry clock the test moves; warmup timers are
// recorded, not run: the test calls warmupStep itself.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []time.Duration
}

func useFakeClock(r *Registry) *fakeClock {
	c := &fakeClock{now: time.Unix(1_000_000, 0)}
	r.clock = c.Now
	r.after = func(d time.Duration, _ func()) *time.Timer {
		c.mu.Lock()
		c.timers = append(c.timers, d)
		c.mu.Unlock()
		t := time.NewTimer(time.Hour)
		t.Stop()
		return t
	}
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) planned() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.timers...)
}

// After coming back up, a server with slowstart is Starting: its weight
// ramps from 1/16th of it (haproxy's eweight, (16*elapsed+ss)/ss
// sixteenths, rounded up to whole weights for the balancer) and its
// connection limit from 1, in whole seconds, until the slowstart is over
// and it is Running, which haproxy logs as UP a second time.
func TestSlowstartRamp(t *testing.T) {
	r := NewRegistry(NewPools())
	clk := useFakeClock(r)
	a := checked("a", 1, 1, 1)
	a.Weight, a.SlowStart, a.MaxConn = 10, 10*time.Second, 100
	b, srvs, ll := stageLogged(t, r, BackendSettings{}, a, settings("b", 2, 10, "127.0.0.1:1"))
	s := srvs[0]
	if op, _ := s.State(); op != Running || memberWeight(b, s) != 10 {
		t.Fatalf("slowstart at start-up: %v, weight %d", op, memberWeight(b, s))
	}
	s.checkResult(refused)
	ll.take()
	clk.Add(3 * time.Second)
	s.checkResult(ok200)
	if op, _ := s.State(); op != Starting || !s.Usable() {
		t.Fatalf("state %v after coming back with slowstart", op)
	}
	wantLines(t, ll, `notice Server be/a is UP, reason: Layer7 check passed, code: 200, info: "OK", check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	if got := clk.planned(); len(got) != 1 || got[0] != time.Second {
		t.Fatalf("warmup steps planned: %v", got)
	}
	for _, step := range []struct {
		at           time.Duration
		weight, conn int
	}{
		{0, 1, 1},   // 10*1/16 rounded up; 100*0%, at least 1
		{1, 2, 10},  // w=(16+10)/10=2: 20/16
		{5, 6, 50},  // w=9: 90/16
		{9, 10, 90}, // w=15: 150/16
	} {
		clk.now = time.Unix(1_000_003, 0).Add(step.at * time.Second)
		s.warmupStep()
		if got := memberWeight(b, s); got != step.weight {
			t.Errorf("%ds in: weight %d, want %d", step.at, got, step.weight)
		}
		if got := s.Throttle(100); got != step.conn {
			t.Errorf("%ds in: connection limit %d, want %d", step.at, got, step.conn)
		}
	}
	wantLines(t, ll)
	clk.Add(time.Second)
	s.warmupStep()
	if op, _ := s.State(); op != Running || memberWeight(b, s) != 10 || s.Throttle(100) != 100 {
		t.Fatalf("after the slowstart: %v, weight %d", op, memberWeight(b, s))
	}
	wantLines(t, ll, `notice Server be/a is UP. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
}

// A static algorithm does not ramp the weight (haproxy's map is built
// once), only the connection limit.
func TestSlowstartStatic(t *testing.T) {
	r := NewRegistry(NewPools())
	clk := useFakeClock(r)
	a := checked("a", 1, 1, 1)
	a.Weight, a.SlowStart = 10, 10*time.Second
	b, srvs, _ := stageLogged(t, r, BackendSettings{Algo: Algorithm{Kind: StaticRR}}, a)
	s := srvs[0]
	s.checkResult(refused)
	clk.Add(time.Second)
	s.checkResult(ok200)
	if op, _ := s.State(); op != Starting || memberWeight(b, s) != 10 || s.Throttle(10) != 1 {
		t.Fatalf("static-rr slowstart: %v weight %d limit %d", op, memberWeight(b, s), s.Throttle(10))
	}
}

// haproxy counts slowstart in whole seconds, rounded up, and steps every
// max(1000, slowstart/20) milliseconds with slowstart in seconds.
func TestSlowstartUnits(t *testing.T) {
	for d, want := range map[time.Duration]int64{0: 0, time.Millisecond: 1, 1500 * time.Millisecond: 2, 10 * time.Second: 10} {
		if got := slowstartSecs(d); got != want {
			t.Errorf("slowstartSecs(%v) = %d, want %d", d, got, want)
		}
	}
	for d, want := range map[time.Duration]time.Duration{10 * time.Second: time.Second, time.Hour: time.Second, 100000 * time.Second: 5 * time.Second} {
		if got := warmupPeriod(d); got != want {
			t.Errorf("warmupPeriod(%v) = %v, want %v", d, got, want)
		}
	}
}

// Leaving maintenance starts a slowstart too (the agent's "ready").
func TestSlowstartAfterMaintenance(t *testing.T) {
	r := NewRegistry(NewPools())
	useFakeClock(r)
	a := withAgent(settings("a", 1, 4, "127.0.0.1:1"))
	a.SlowStart = 5 * time.Second
	_, srvs, ll := stageLogged(t, r, BackendSettings{}, a)
	s := srvs[0]
	agentSays(s, "maint")
	agentSays(s, "ready")
	if op, _ := s.State(); op != Starting {
		t.Fatalf("state %v after leaving maintenance with slowstart", op)
	}
	wantLines(t, ll,
		`alert Server be/a is going DOWN for maintenance. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`emerg backend be has no server available!`,
		`notice Server be/a is UP/READY (leaving forced maintenance).`)
}

// A server of weight 1 ramps too: the balancer takes its weight in
// sixteenths, so 2 seconds into a 10-second slowstart roundrobin gives it
// (16*2+10)/10 = 4 sixteenths against its peer's 16.
func TestSlowstartWeightOne(t *testing.T) {
	r := NewRegistry(NewPools())
	clk := useFakeClock(r)
	a := checked("a", 1, 1, 1)
	a.SlowStart = 10 * time.Second
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, a, settings("b", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	s.checkResult(refused)
	clk.Add(3 * time.Second)
	s.checkResult(ok200)
	clk.Add(2 * time.Second)
	s.warmupStep()
	// The change of weight adjusts the cycle in progress, as haproxy's
	// does (roundrobin.go): count from the next cycle on.
	for range 20 {
		b.Pick(nil, loopback)
	}
	n := 0
	for range 200 {
		if b.Pick(nil, loopback) == s {
			n++
		}
	}
	// 4 of every 20 picks.
	if n != 40 {
		t.Errorf("a warming server of weight 1 got %d of 200 picks, want 40", n)
	}
}
