package backend

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"switchyard/check"
)

// withAgent gives a server an agent whose goroutine never gets a reply:
// the tests feed replies with agentSays.
func withAgent(set ServerSettings) ServerSettings {
	set.AgentTarget = Target{Addr: "127.0.0.1", Port: 1}
	set.Agent = &AgentSettings{Inter: time.Hour, Rise: 1, Fall: 1,
		probe: func(ctx context.Context, _ *check.Target, _ string) check.AgentResult {
			<-ctx.Done()
			return check.AgentResult{}
		}}
	return set
}

// agentSays feeds one reply line to the server's agent state machine.
func agentSays(s *Server, line string) {
	s.agentResult(check.ParseAgentReply(line))
}

var agentRefused = check.AgentResult{Result: refused, Weight: -1, MaxConn: -1}

// The reply words as haproxy 2.6.12 handles them, with its lines (taken
// from haproxy running the same sequence against a fake agent): health
// words drive the agent's health, admin words the forced flags, weights
// the runtime weight; an agent that cannot be reached changes nothing.
func TestAgentReplies(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{}, withAgent(settings("s1", 1, 1, "127.0.0.1:1")), settings("s2", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	s.agentResult(agentRefused)
	agentSays(s, "up")
	wantLines(t, ll)
	if !s.Usable() {
		t.Fatal("an unreachable agent took the server out")
	}
	agentSays(s, "down")
	wantLines(t, ll, `alert Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s, "up")
	wantLines(t, ll, `notice Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	agentSays(s, "drain")
	agentSays(s, "drain")
	if op, adm := s.State(); op != Running || adm != AdminFDrain || s.Usable() || !s.Up() {
		t.Fatalf("after drain: %v %v", op, adm)
	}
	wantLines(t, ll, `notice Server be/s1 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	agentSays(s, "ready")
	wantLines(t, ll, `notice Server be/s1 is UP (leaving forced drain).`)
	agentSays(s, "maint")
	if s.Up() {
		t.Fatal("up in maintenance")
	}
	wantLines(t, ll, `alert Server be/s1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s, "ready")
	wantLines(t, ll, `notice Server be/s1 is UP/READY (leaving forced maintenance).`)
	agentSays(s, "fail #bad disk")
	wantLines(t, ll, `alert Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : fail (bad disk)", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s, "up")
	agentSays(s, "stopped")
	ll.take()
	// The weight comes before the health word: the server comes up
	// with a weight of 0 (1*50/100), not counted as active.
	agentSays(s, "up 50%")
	wantLines(t, ll, `notice Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	if s.Weight() != 0 || s.Usable() {
		t.Fatalf("weight %d after 50%% of 1", s.Weight())
	}
}

// With log-health-checks, each change of the agent's status gets its
// line, and a connection failure is logged without effect.
func TestAgentLogHealthChecks(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs, ll := stageLogged(t, r, BackendSettings{LogHealthChecks: true}, withAgent(settings("s1", 1, 1, "127.0.0.1:1")), settings("s2", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	s.agentResult(agentRefused)
	agentSays(s, "up")
	agentSays(s, "down")
	agentSays(s, "down")
	agentSays(s, "up")
	wantLines(t, ll,
		`notice Agent check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 1/1 UP.`,
		`notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 UP.`,
		`notice Agent check for server be/s1 failed, reason: Layer7 wrong status, code: 0, info: "via agent : down", check duration: 0ms, status: 0/1 DOWN.`,
		`alert Server be/s1 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		`notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 UP.`,
		`notice Server be/s1 is UP. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`)
	// Replies without a health word are CHECKED: no line, but the next
	// "up" is a change of status again.
	agentSays(s, "50%")
	agentSays(s, "garbage")
	agentSays(s, "up 0%")
	wantLines(t, ll, `notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 DRAIN.`)
	agentSays(s, "up 100%")
	wantLines(t, ll)
	// An incomplete line keeps the status it had (CHECKED after a
	// reply without health word: nothing).
	agentSays(s, "")
	s.agentResult(check.AgentResult{Result: check.Result{Status: check.StatusUnknown, Desc: incompleteLine}, Weight: -1, MaxConn: -1})
	s.agentResult(check.AgentResult{Result: check.Result{Status: check.StatusL7Resp, Desc: "TCPCHK got an empty response at step 2"}, Weight: -1, MaxConn: -1})
	agentSays(s, "up")
	wantLines(t, ll,
		`notice Agent check for server be/s1 failed, reason: Layer7 invalid response, info: "TCPCHK got an empty response at step 2", check duration: 0ms, status: 1/1 UP.`,
		`notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 UP.`)
}

// A static algorithm takes only 0% and 100% (haproxy's words in the
// description; 4*30/100 would be 1); drain then a weight change says
// "remains in forced drain mode", as haproxy does at every update of a
// drained server.
func TestAgentStaticWeights(t *testing.T) {
	r := NewRegistry(NewPools())
	w4 := withAgent(settings("s1", 1, 4, "127.0.0.1:1"))
	_, srvs, ll := stageLogged(t, r, BackendSettings{Algo: Algorithm{Kind: StaticRR}, LogHealthChecks: true}, w4, settings("s2", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	agentSays(s, "up 30%")
	if s.Weight() != 4 {
		t.Fatalf("static-rr took weight %d", s.Weight())
	}
	wantLines(t, ll, `notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up (Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.<0A>)", check duration: 0ms, status: 1/1 UP.`)
	agentSays(s, "up 0% drain")
	wantLines(t, ll,
		`notice Server be/s1 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.`,
		`notice Server be/s1 remains in forced drain mode.`)
	if s.Weight() != 0 {
		t.Fatalf("weight %d, want 0", s.Weight())
	}
	agentSays(s, "maint")
	wantLines(t, ll, `notice Server be/s1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`)
	agentSays(s, "up 100%")
	agentSays(s, "ready")
	wantLines(t, ll,
		`notice Agent check for server be/s1 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 UP.`,
		`notice Server be/s1 is UP/READY (leaving forced maintenance).`)
}

// Dynamic weights: 75% of 4 is 3, used by the balancer; a reload that
// keeps the configured weight keeps the agent's, one that changes it
// resets it.
func TestAgentWeightAcrossReloads(t *testing.T) {
	r := NewRegistry(NewPools())
	set := withAgent(settings("s1", 1, 4, "127.0.0.1:1"))
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, set, settings("s2", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	agentSays(s, "75%")
	if s.Weight() != 3 || memberWeight(b, s) != 3 {
		t.Fatalf("weight %d (balancer %d) after 75%% of 4", s.Weight(), memberWeight(b, s))
	}
	stageLogged(t, r, BackendSettings{}, withAgent(settings("s1", 1, 4, "127.0.0.1:1")), settings("s2", 2, 1, "127.0.0.1:1"))
	if s.Weight() != 3 {
		t.Fatalf("a reload that kept weight 4 reset the agent's 3: %d", s.Weight())
	}
	stageLogged(t, r, BackendSettings{}, withAgent(settings("s1", 1, 8, "127.0.0.1:1")), settings("s2", 2, 1, "127.0.0.1:1"))
	if s.Weight() != 8 {
		t.Fatalf("a reload to weight 8 left %d", s.Weight())
	}
}

// maxconn:N replaces the limit (and minconn when it was static).
func TestAgentMaxConn(t *testing.T) {
	r := NewRegistry(NewPools())
	set := withAgent(settings("s1", 1, 1, "127.0.0.1:1"))
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, set)
	s := srvs[0]
	if mc, _ := s.Limits(); mc != 0 {
		t.Fatalf("maxconn %d before any reply", mc)
	}
	agentSays(s, "maxconn:30")
	if mc, mn := s.Limits(); mc != 30 || mn != 0 {
		t.Fatalf("limits %d/%d after maxconn:30", mc, mn)
	}
	if !s.be.limited.Load() {
		t.Error("the backend does not know it has a limited server")
	}
}

func memberWeight(b *Backend, s *Server) int {
	for _, m := range b.lb.Load().members {
		if m.Server == s {
			return m.Weight
		}
	}
	return -1
}

// The agent and the health check must both agree for the server to be
// up: the agent's "up" does not lift a failed check, nor the check's
// success an agent's "down".
func TestAgentAndCheck(t *testing.T) {
	r := NewRegistry(NewPools())
	set := withAgent(checked("s1", 1, 1, 1))
	_, srvs, ll := stageLogged(t, r, BackendSettings{}, set, settings("s2", 2, 1, "127.0.0.1:1"))
	s := srvs[0]
	agentSays(s, "down")
	s.checkResult(ok200)
	if s.Up() {
		t.Fatal("a passing check lifted the agent's down")
	}
	s.checkResult(refused)
	agentSays(s, "up")
	if s.Up() {
		t.Fatal("the agent's up lifted a failed check")
	}
	s.checkResult(ok200)
	if !s.Usable() {
		t.Fatal("not up with both agreeing")
	}
	ll.take()
}

// The agent goroutine against a real agent on 127.0.0.1: it sends
// agent-send, reads the line, and the reply takes effect.
func TestAgentRunsAgainstTCPAgent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 4)
	replies := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			got <- line
			c.Write([]byte(<-replies + "\n"))
			c.Close()
		}
	}()
	r := NewRegistry(NewPools())
	set := settings("s1", 1, 1, "127.0.0.1:1")
	set.AgentTarget = Target{Addr: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	set.Agent = &AgentSettings{Send: "be/s1\n", Inter: 10 * time.Millisecond, Rise: 1, Fall: 1,
		ConnectTimeout: time.Second, Timeout: time.Second}
	replies <- "drain"
	_, srvs, _ := stageLogged(t, r, BackendSettings{}, set)
	s := srvs[0]
	deadline := time.After(5 * time.Second)
	select {
	case line := <-got:
		if line != "be/s1\n" {
			t.Errorf("the agent received %q", line)
		}
	case <-deadline:
		t.Fatal("the agent was not asked")
	}
	// The reply is applied before the next connection is made: once
	// the second request arrives, the first reply took effect.
	replies <- "down"
	select {
	case <-got:
	case <-deadline:
		t.Fatal("the agent was not asked again")
	}
	if _, adm := s.State(); adm != AdminFDrain {
		t.Fatalf("admin %v after the agent said drain", adm)
	}
	select {
	case <-got:
	case <-deadline:
		t.Fatal("the agent was not asked a third time")
	}
	if s.Up() {
		t.Fatal("up after the agent said down")
	}
	res, n := s.LastAgent()
	if n != 0 || res.Status != check.StatusL7Status || res.Desc != "via agent : down" {
		t.Errorf("last agent result %+v, health %d", res, n)
	}
	r.Close()
	replies <- "up" // let the fake agent finish its connection
}

// `disabled` is forced maintenance, the flag the agent's "ready" clears:
// haproxy 2.6.12 brings such a server up at the agent's first "ready".
func TestAgentReadyLeavesDisabled(t *testing.T) {
	r := NewRegistry(NewPools())
	set := withAgent(settings("s1", 1, 1, "127.0.0.1:1"))
	set.Disabled = true
	_, srvs, ll := stageLogged(t, r, BackendSettings{}, set)
	s := srvs[0]
	if _, adm := s.State(); adm != AdminFMaint|AdminCMaint || s.Up() {
		t.Fatalf("disabled server: admin %v", adm)
	}
	agentSays(s, "ready")
	wantLines(t, ll, `notice Server be/s1 is UP/READY (leaving forced maintenance).`)
	if !s.Usable() {
		t.Fatal("not usable after ready")
	}
}
