package backend

import (
	"testing"
)

func stageOne(t *testing.T, r *Registry, algo Algorithm, sets ...ServerSettings) (*Backend, []*Server) {
	t.Helper()
	g := r.Stage()
	b, srvs, err := g.Backend("be", BackendSettings{Algo: algo}, sets)
	if err != nil {
		t.Fatal(err)
	}
	g.Commit()
	return b, srvs
}

func settings(name string, id, weight int, addr string) ServerSettings {
	return ServerSettings{Name: name, ID: id, Weight: weight, Addr: addr, Pool: DefaultPoolSettings()}
}

// A reload re-attaches servers by name: a changed weight keeps the state
// (connections in flight stay counted), a changed address starts fresh.
func TestRegistryReattach(t *testing.T) {
	r := NewRegistry(NewPools())
	b, srvs := stageOne(t, r, Algorithm{}, settings("a", 1, 1, "127.0.0.1:1"), settings("b", 2, 1, "127.0.0.1:2"))
	a, bb := srvs[0], srvs[1]
	a.Cur.Add(3)
	a.C.CumSess.Add(7)
	bb.C.CumSess.Add(5)

	b2, srvs := stageOne(t, r, Algorithm{}, settings("a", 1, 5, "127.0.0.1:1"), settings("b", 2, 1, "127.0.0.1:3"))
	if b2 != b {
		t.Error("the backend's state was not kept")
	}
	if srvs[0] != a || a.Cur.Load() != 3 || a.C.CumSess.Load() != 7 {
		t.Errorf("server a (weight changed) lost its state: same=%v cur=%d total=%d", srvs[0] == a, a.Cur.Load(), a.C.CumSess.Load())
	}
	if a.Settings().Weight != 5 {
		t.Errorf("server a's weight is %d after the reload, want 5", a.Settings().Weight)
	}
	if srvs[1] == bb || srvs[1].C.CumSess.Load() != 0 {
		t.Error("server b (address changed) kept its old state")
	}
	if r.Server("be", "b") != srvs[1] {
		t.Error("the registry does not hold the new server b")
	}
	// The balancer follows the new weights: a gets 5 of 6 picks.
	n := 0
	for range 60 {
		if b.Pick(nil, loopback) == a {
			n++
		}
	}
	if n != 50 {
		t.Errorf("a got %d of 60 picks, want 50", n)
	}
}

// A stage that fails, or is never committed, changes nothing.
func TestRegistryStageIsInvisible(t *testing.T) {
	r := NewRegistry(NewPools())
	_, srvs := stageOne(t, r, Algorithm{}, settings("a", 1, 1, "127.0.0.1:1"))
	g := r.Stage()
	if _, _, err := g.Backend("be", BackendSettings{}, []ServerSettings{settings("a", 1, 1, "127.0.0.1:9"), settings("b", 1, 1, "127.0.0.1:2")}); err == nil {
		t.Fatal("duplicate ids were accepted")
	}
	g = r.Stage()
	if _, _, err := g.Backend("be", BackendSettings{}, []ServerSettings{settings("a", 1, 3, "127.0.0.1:1")}); err != nil {
		t.Fatal(err)
	}
	if r.Server("be", "a") != srvs[0] || srvs[0].Settings().Weight != 1 {
		t.Error("an uncommitted stage changed the running server")
	}
}

// An unchanged backend keeps its balancer, so roundrobin goes on where it
// was instead of starting its cycle again at every reload.
func TestRegistryKeepsBalancer(t *testing.T) {
	r := NewRegistry(NewPools())
	sets := []ServerSettings{settings("a", 1, 1, "127.0.0.1:1"), settings("b", 2, 1, "127.0.0.1:2")}
	b, _ := stageOne(t, r, Algorithm{}, sets...)
	first := b.Pick(nil, loopback)
	stageOne(t, r, Algorithm{}, sets...)
	if b.Pick(nil, loopback) == first {
		t.Error("roundrobin restarted its cycle after a reload that changed nothing")
	}
}
