package backend

import (
	"context"
	"testing"
	"time"

	"switchyard/sample"
)

func stageSet(t *testing.T, r *Registry, set BackendSettings, sets ...ServerSettings) (*Backend, []*Server) {
	t.Helper()
	g := r.Stage()
	b, srvs, err := g.Backend("be", set, sets)
	if err != nil {
		t.Fatal(err)
	}
	g.Commit()
	return b, srvs
}

// A dispatch backend sends what no persistence binds to its implicit
// server, which no listing shows; persistence still reaches a server.
func TestImplicitDispatch(t *testing.T) {
	r := NewRegistry(NewPools())
	s1 := settings("s1", 1, 1, "127.0.0.1:1")
	s1.MaxConn = 1 // limited: the implicit server must stay out of queues
	b, srvs := stageSet(t, r, BackendSettings{Dispatch: "127.0.0.1:9"}, s1)
	d := b.Implicit()
	if d == nil || !d.Implicit() || d.Name != "" || d.Addr() != "127.0.0.1:9" || d.Settings().Transparent {
		t.Fatalf("implicit server %+v", d)
	}
	if got := b.Servers(); len(got) != 1 || got[0] != srvs[0] {
		t.Fatalf("Servers() = %v, want only s1", got)
	}
	if srvs[0].Implicit() {
		t.Error("a configured server says it is implicit")
	}
	// No balancing, no weights, as haproxy shows them; the server is
	// still counted usable (nbsrv).
	if b.TotalWeight() != 0 || srvs[0].EWeight() != 0 || b.Usable() != 1 {
		t.Errorf("total weight %d, s1 eweight %d, usable %d; want 0, 0, 1", b.TotalWeight(), srvs[0].EWeight(), b.Usable())
	}
	ctx := &sample.Ctx{}
	var held []Assignment
	for range 3 {
		a, err := b.AssignCtx(context.Background(), ctx, nil, nil, time.Second)
		if err != nil || a.Srv != d || a.Queued {
			t.Fatalf("assign: %+v %v, want the implicit server at once", a, err)
		}
		held = append(held, a)
	}
	if n := b.Conns(); n != 3 {
		t.Errorf("Conns() = %d with 3 dispatched requests, want 3", n)
	}
	// Persistence reaches s1, within its maxconn.
	a, err := b.AssignCtx(context.Background(), ctx, nil, srvs[0], time.Second)
	if err != nil || a.Srv != srvs[0] {
		t.Fatalf("persistent assign: %+v %v", a, err)
	}
	b.Release(a.Srv)
	for _, a := range held {
		b.Release(a.Srv)
	}
	if d.Cur.Load() != 0 || b.Conns() != 0 {
		t.Errorf("after release: implicit cur %d, backend conns %d", d.Cur.Load(), b.Conns())
	}
	// Sessions are the backend's; lbtot counts no balancer pick.
	if n := b.C.CumSess.Load(); n != 4 {
		t.Errorf("backend sessions %d, want 4", n)
	}
	if n := b.C.CumLB.Load(); n != 0 {
		t.Errorf("backend lbtot %d, want 0 (nothing was balanced)", n)
	}
	// A retry goes back to it: there is nowhere else.
	a, err = b.ReassignCtx(context.Background(), ctx, nil, d, time.Second)
	if err != nil || a.Srv != d {
		t.Fatalf("reassign: %+v %v", a, err)
	}
	b.Release(a.Srv)
	if !d.Usable() {
		t.Error("the implicit server is not usable")
	}
}

// The implicit server survives a reload that keeps its destination, is
// replaced when it moves, and goes when the backend balances again.
func TestImplicitReload(t *testing.T) {
	r := NewRegistry(NewPools())
	b, _ := stageSet(t, r, BackendSettings{Dispatch: "127.0.0.1:9"})
	d := b.Implicit()
	d.Cur.Add(1) // a request in flight across the reload
	if b2, _ := stageSet(t, r, BackendSettings{Dispatch: "127.0.0.1:9"}); b2 != b || b.Implicit() != d {
		t.Fatal("an unchanged dispatch address lost its implicit server")
	}
	stageSet(t, r, BackendSettings{Dispatch: "127.0.0.1:10"})
	if n := b.Implicit(); n == d || n.Addr() != "127.0.0.1:10" {
		t.Fatalf("a new dispatch address kept the old implicit server")
	}
	stageSet(t, r, BackendSettings{Transparent: true})
	if n := b.Implicit(); n == nil || !n.Settings().Transparent || n.Addr() != "" {
		t.Fatalf("transparent: implicit server %+v", n)
	}
	// Dispatch wins over transparent.
	stageSet(t, r, BackendSettings{Dispatch: "127.0.0.1:9", Transparent: true})
	if n := b.Implicit(); n.Settings().Transparent || n.Addr() != "127.0.0.1:9" {
		t.Fatalf("dispatch and transparent: %+v", n.Settings())
	}
	_, srvs := stageSet(t, r, BackendSettings{}, settings("s1", 1, 1, "127.0.0.1:1"))
	if b.Implicit() != nil {
		t.Fatal("a balancing backend kept an implicit server")
	}
	if b.TotalWeight() != 1 || srvs[0].EWeight() != 1 {
		t.Errorf("balancing again: total weight %d, eweight %d; want 1, 1", b.TotalWeight(), srvs[0].EWeight())
	}
	a, err := b.AssignCtx(context.Background(), &sample.Ctx{}, nil, nil, time.Second)
	if err != nil || a.Srv != srvs[0] {
		t.Fatalf("after the reload: %+v %v", a, err)
	}
	b.Release(a.Srv)
}

// The implicit server keeps no idle connection, should one be offered.
func TestImplicitKeepsNothingIdle(t *testing.T) {
	r := NewRegistry(NewPools())
	b, _ := stageSet(t, r, BackendSettings{Transparent: true})
	d := b.Implicit()
	c := pipeConn(t)
	d.Pool.Begin()
	d.Pool.Put(c, false)
	if d.Pool.Idle() != 0 || !c.closed {
		t.Error("the implicit server's pool kept a connection")
	}
}
