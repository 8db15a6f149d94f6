package proxy

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// fakeAgent is an agent on 127.0.0.1: each connection reports what was
// sent on got, then answers the next line of replies.
type fakeAgent struct {
	addr    string
	got     chan string
	replies chan string
	waiting bool // a connection waits for its reply
}

func startFakeAgent(t *testing.T) *fakeAgent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAgent{addr: ln.Addr().String(), got: make(chan string, 1), replies: make(chan string, 1)}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			select {
			case a.got <- line:
			case <-done:
			}
			select {
			case r := <-a.replies:
				c.Write([]byte(r + "\n"))
			case <-done:
			}
			c.Close()
		}
	}()
	return a
}

// say answers the agent connection waiting for a reply with reply, and
// returns once the next connection arrived: the agent goroutine applies a
// reply before it connects again, so the reply is then in force. That
// connection waits for the next say.
func (a *fakeAgent) say(t *testing.T, reply string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	ask := func() {
		select {
		case line := <-a.got:
			if line != "ping\n" {
				t.Errorf("the agent received %q", line)
			}
		case <-deadline:
			t.Fatal("the agent was not asked within 5s")
		}
	}
	if !a.waiting {
		ask()
		a.waiting = true
	}
	select {
	case a.replies <- reply:
	case <-deadline:
		t.Fatal("the agent connection did not take its reply")
	}
	ask()
}

// An agent drives a server: drain takes it out of the balancer, a weight
// in percent changes its share, down takes it down, up brings it back.
func TestAgentSteersTraffic(t *testing.T) {
	t.Parallel()
	agent := startFakeAgent(t)
	a := itNamed(t, "a")
	b := itNamed(t, "b")
	fe := itAddr(t)
	_, aport, _ := net.SplitHostPort(agent.addr)
	text := itDefaults + `
frontend web
    bind {FE}
    default_backend app
backend app
    timeout check 5s
    server a {A} agent-check agent-port {P} agent-inter 10ms agent-send "ping\n"
    server b {B}
`
	rt := itStart(t, itConfig(t, text, "FE", fe, "A", a.addr, "B", b.addr, "P", aport))
	srv := rt.Snapshot().backends["app"].byName["a"]
	k := itDial(t, fe)
	count := func(n int) map[string]int {
		seen := map[string]int{}
		for range n {
			_, body := k.get("/")
			seen[body]++
		}
		return seen
	}
	agent.say(t, "drain")
	if seen := count(4); seen["a"] != 0 {
		t.Fatalf("a drained server got requests: %v", seen)
	}
	agent.say(t, "ready 300%")
	if seen := count(8); seen["a"] != 6 || seen["b"] != 2 {
		t.Fatalf("weight 3 against 1: %v", seen)
	}
	agent.say(t, "down")
	if srv.Up() {
		t.Fatal("up after the agent said down")
	}
	if seen := count(3); seen["a"] != 0 {
		t.Fatalf("a down server got requests: %v", seen)
	}
	agent.say(t, "up 100%")
	if !srv.Usable() {
		t.Fatal("not usable after the agent said up")
	}
}
