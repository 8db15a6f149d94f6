package backend

import (
	"testing"
)

// rrScript drives a roundrobin as the registry does: steps of picks, and
// changes applied with update. It returns the servers picked, "|" between
// steps.
type rrScript struct {
	t   *testing.T
	rr  *roundRobin
	ms  []Member
	seq string
}

func newRRScript(t *testing.T, allBackups bool, ms ...Member) *rrScript {
	be := &Backend{Name: "be"}
	be.settings.Store(&BackendSettings{AllBackups: allBackups})
	for _, m := range ms {
		m.be = be
	}
	return &rrScript{t: t, rr: newRoundRobin(ms), ms: ms}
}

func (s *rrScript) pick(n int) {
	for range n {
		s.seq += nameOf(s.rr.Pick(nil, loopback))
	}
	s.seq += "|"
}

// set gives server i the weight it is used with and the one it is held
// with (sixteenths), and updates the roundrobin.
func (s *rrScript) set(i, weight, held int) {
	s.ms[i].Weight, s.ms[i].Held = weight, held
	s.rr.update(s.ms)
}

func rrMember(name string, weight int, backup bool) Member {
	return Member{Server: NewServer(ServerSettings{Name: name, ID: 1, Weight: weight, Backup: backup}), ID: 1, Weight: weight}
}

// The sequences below are haproxy 2.6's (see the differential test
// runtimeapi.TestHAProxyRoundRobinStateChanges).

// A server that leaves and returns: haproxy keeps the cycle in progress.
func TestRoundRobinMaintenanceKeepsCycle(t *testing.T) {
	s := newRRScript(t, false, rrMember("a", 1, false), rrMember("b", 1, false), rrMember("c", 1, false))
	s.pick(4)
	s.set(1, 0, 0)
	s.pick(3)
	s.set(1, 1, 0)
	s.pick(9)
	if want := "abca|cac|acbacbacb|"; s.seq != want {
		t.Errorf("got %s, want %s", s.seq, want)
	}
}

// Backup servers set aside while an active server is back keep their
// places in their own cycle.
func TestRoundRobinHeldBackupsKeepCycle(t *testing.T) {
	x, y := rrMember("x", 0, true), rrMember("y", 0, true)
	x.Held, y.Held = 16, 32
	s := newRRScript(t, true, rrMember("a", 1, false), rrMember("b", 1, false), x, y)
	s.pick(3)
	s.set(0, 0, 0)
	s.set(1, 0, 0)
	s.set(2, 1, 0)
	s.set(3, 2, 0)
	s.pick(5)
	s.set(1, 1, 0)
	s.set(2, 0, 16)
	s.set(3, 0, 32)
	s.pick(3)
	s.set(1, 0, 0)
	s.set(2, 1, 0)
	s.set(3, 2, 0)
	s.pick(6)
	if want := "aba|yyxyy|bbb|xyyxyy|"; s.seq != want {
		t.Errorf("got %s, want %s", s.seq, want)
	}
}

// A pick after changes allocates no more than before.
func TestRoundRobinPickAfterUpdateDoesNotAllocate(t *testing.T) {
	s := newRRScript(t, false, rrMember("a", 3, false), rrMember("b", 1, false), rrMember("c", 2, false))
	s.pick(5)
	s.set(0, 0, 0)
	s.set(2, 5, 0)
	s.set(0, 3, 0)
	if n := testing.AllocsPerRun(100, func() { s.rr.Pick(nil, loopback) }); n != 0 {
		t.Errorf("%v allocations per Pick", n)
	}
}
