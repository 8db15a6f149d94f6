package backend

import (
	"context"
	"errors"
	"testing"
	"time"
)

func limited(name string, id, maxconn int) ServerSettings {
	set := settings(name, id, 1, "127.0.0.1:1")
	set.MaxConn = maxconn
	return set
}

type assigned struct {
	a   Assignment
	err error
}

// assignAsync starts an Assign and returns where its result arrives, once
// the request is seen waiting in a queue (or already served).
func assignAsync(t *testing.T, b *Backend, prefer *Server, timeout time.Duration) <-chan assigned {
	t.Helper()
	before := b.queued()
	ch := make(chan assigned, 1)
	go func() {
		a, err := b.Assign(context.Background(), nil, loopback, prefer, timeout)
		ch <- assigned{a, err}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for b.queued() == before && len(ch) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the request neither queued nor got a server")
		}
		time.Sleep(time.Millisecond) // polling a counter: there is no event to wait on
	}
	return ch
}

// queued counts the requests waiting in the backend and its servers' queues.
func (b *Backend) queued() int {
	n := b.QueueLen()
	for _, s := range b.Servers() {
		n += s.QueueLen()
	}
	return n
}

func recv(t *testing.T, ch <-chan assigned) assigned {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no assignment")
	}
	return assigned{}
}

// With maxconn 1, a second request waits in the backend's queue and gets
// the slot the first gives back; requests are served in arrival order.
func TestQueueFIFO(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, limited("a", 1, 1))
	first, err := b.Assign(context.Background(), nil, loopback, nil, 0)
	if err != nil || first.Srv != srvs[0] || first.Queued {
		t.Fatalf("first request: %+v %v", first, err)
	}
	w1 := assignAsync(t, b, nil, 0)
	w2 := assignAsync(t, b, nil, 0)
	if b.QueueLen() != 2 || srvs[0].Cur.Load() != 1 {
		t.Fatalf("queue %d, cur %d; want 2 waiting and 1 served", b.QueueLen(), srvs[0].Cur.Load())
	}
	b.Release(srvs[0])
	got := recv(t, w1)
	// Positions as haproxy logs them: one more than those served from
	// the queue while the request waited.
	if got.err != nil || got.a.Srv != srvs[0] || !got.a.Queued || got.a.BeQueue != 1 {
		t.Fatalf("first waiter: %+v %v", got.a, got.err)
	}
	select {
	case <-w2:
		t.Fatal("the second waiter was served before the first released")
	default:
	}
	b.Release(srvs[0])
	if got := recv(t, w2); got.err != nil || got.a.BeQueue != 2 {
		t.Fatalf("second waiter: %+v %v", got.a, got.err)
	}
	b.Release(srvs[0])
	if srvs[0].Cur.Load() != 0 || b.Conns() != 0 || b.QueueLen() != 0 {
		t.Fatalf("after all: cur %d conns %d queue %d", srvs[0].Cur.Load(), b.Conns(), b.QueueLen())
	}
}

// A request that waits longer than its timeout gives up, and leaves the
// queue.
func TestQueueTimeout(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, limited("a", 1, 1))
	if _, err := b.Assign(context.Background(), nil, loopback, nil, 0); err != nil {
		t.Fatal(err)
	}
	a, err := b.Assign(context.Background(), nil, loopback, nil, 20*time.Millisecond)
	if !errors.Is(err, ErrQueueTimeout) || a.Waited < 20*time.Millisecond {
		t.Fatalf("got %+v, %v; want a queue timeout after 20ms", a, err)
	}
	if b.QueueLen() != 0 || b.Conns() != 1 {
		t.Fatalf("queue %d conns %d after the timeout", b.QueueLen(), b.Conns())
	}
	b.Release(srvs[0])
}

// A request bound to a server waits in that server's queue, which maxqueue
// bounds; a free server does not take it.
func TestQueueBoundAndMaxqueue(t *testing.T) {
	r := NewRegistry(NewPools())
	a := limited("a", 1, 1)
	a.MaxQueue = 1
	b, srvs, _ := stageLogged(t, r, BackendSettings{}, a, limited("b", 2, 1))
	if _, err := b.Assign(context.Background(), nil, loopback, srvs[0], 0); err != nil {
		t.Fatal(err)
	}
	w := assignAsync(t, b, srvs[0], 0)
	if srvs[0].QueueLen() != 1 {
		t.Fatalf("server queue %d, want 1", srvs[0].QueueLen())
	}
	if _, err := b.Assign(context.Background(), nil, loopback, srvs[0], 0); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("beyond maxqueue: %v", err)
	}
	// Server b is free but does not take a request bound to a.
	other, err := b.Assign(context.Background(), nil, loopback, nil, 0)
	if err != nil || other.Srv != srvs[1] {
		t.Fatalf("an unbound request: %+v %v", other, err)
	}
	b.Release(srvs[1])
	if srvs[0].QueueLen() != 1 {
		t.Fatal("the bound request left its server's queue")
	}
	b.Release(srvs[0])
	if got := recv(t, w); got.a.Srv != srvs[0] || got.a.SrvQueue != 1 {
		t.Fatalf("bound waiter: %+v %v", got.a, got.err)
	}
	b.Release(srvs[0])
}

// When a server goes down, the requests queued for it by the balancer (not
// by persistence) move to the backend's queue and another server takes them.
func TestQueueRedistribute(t *testing.T) {
	r := NewRegistry(NewPools())
	sa, sb := limited("a", 1, 1), limited("b", 2, 1)
	sa.Check = checked("a", 1, 1, 1).Check
	sb.Check = sa.Check
	b, srvs, ll := stageLogged(t, r, BackendSettings{Algo: Algorithm{Kind: Source}}, sa, sb)
	// A source hash sends this client to one server whatever its load;
	// fill that one, then queue a second request for it.
	first, err := b.Assign(context.Background(), nil, loopback, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	hashed := first.Srv
	w := assignAsync(t, b, nil, 0)
	if hashed.QueueLen() != 1 {
		t.Fatalf("the hashed server's queue is %d, want 1", hashed.QueueLen())
	}
	other := srvs[0]
	if hashed == other {
		other = srvs[1]
	}
	ll.take()
	hashed.checkResult(refused)
	got := recv(t, w)
	if got.err != nil || got.a.Srv != other {
		t.Fatalf("requeued request: %+v %v", got.a, got.err)
	}
	wantLines(t, ll, `alert Server be/`+hashed.Name+` is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 1 active and 0 backup servers left. 1 sessions active, 1 requeued, 0 remaining in queue.`)
	b.Release(other)
	b.Release(hashed)
}

// With all servers down the answer is immediate: no server.
func TestQueueNoServer(t *testing.T) {
	r := NewRegistry(NewPools())
	set := limited("a", 1, 1)
	set.Disabled = true
	b, _, _ := stageLogged(t, r, BackendSettings{}, set)
	if _, err := b.Assign(context.Background(), nil, loopback, nil, time.Second); !errors.Is(err, ErrNoServer) {
		t.Fatalf("got %v, want ErrNoServer", err)
	}
	if b.Conns() != 0 {
		t.Fatalf("conns %d", b.Conns())
	}
}
