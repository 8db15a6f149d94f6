package backend

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestNewBalancerErrors(t *testing.T) {
	tests := []struct {
		name string
		a    Algorithm
		srvs []Member
		err  string
	}{
		{"weight too big", Algorithm{}, testServers(1, 257), "weight 257 out of range"},
		{"negative weight", Algorithm{}, testServers(-1), "weight -1 out of range"},
		{"no id", Algorithm{}, []Member{member("x", 0, 1)}, "id 0 must be positive"},
		{"duplicate id", Algorithm{}, []Member{member("x", 1, 1), member("y", 1, 1)}, "id 1 already used by server x"},
		{"no draws", Algorithm{Kind: Random}, testServers(1), "at least 1"},
		{"no param", Algorithm{Kind: URLParam}, testServers(1), "parameter name"},
		{"no header", Algorithm{Kind: Header}, testServers(1), "header field name"},
		{"negative len", Algorithm{Kind: URI, URILen: -1}, testServers(1), "must not be negative"},
		{"bad kind", Algorithm{Kind: 99}, testServers(1), "unknown balance algorithm"},
	}
	for _, tc := range tests {
		_, err := NewBalancer(tc.a, tc.srvs)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

// allKinds returns one valid algorithm of every kind, with both hash types
// for the hashing kinds.
func allKinds() []Algorithm {
	as := []Algorithm{{Kind: RoundRobin}, {Kind: StaticRR}, {Kind: LeastConn}, {Kind: First}, {Kind: Random, Draws: 2}}
	for _, ht := range []HashType{MapBased, Consistent} {
		as = append(as,
			Algorithm{Kind: Source, HashType: ht},
			Algorithm{Kind: URI, HashType: ht},
			Algorithm{Kind: URLParam, Param: "id", HashType: ht},
			Algorithm{Kind: Header, Header: "host", HashType: ht})
	}
	return as
}

// With every weight 0 (or no server) there is nothing to pick.
func TestNoUsableServer(t *testing.T) {
	for _, a := range allKinds() {
		for _, srvs := range [][]Member{nil, testServers(0, 0)} {
			b, err := NewBalancer(a, srvs)
			if err != nil {
				t.Fatalf("%v: %v", a.Kind, err)
			}
			if s := b.Pick(newTestRequest("/?id=1", "Host: x"), loopback); s != nil {
				t.Errorf("%v over %d servers: picked %s", a.Kind, len(srvs), s.Name)
			}
		}
	}
}

// Weight-0 servers are never picked, whatever the algorithm and key.
func TestZeroWeightNeverPicked(t *testing.T) {
	for _, a := range allKinds() {
		srvs := testServers(0, 3, 0, 1)
		b, err := NewBalancer(a, srvs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			uri := "/k" + string(rune('a'+i%26)) + "?id=" + string(rune('a'+i/26))
			src := netip.AddrFrom4([4]byte{10, 0, byte(i), 1})
			s := b.Pick(newTestRequest(uri, "Host: h"+uri), src)
			if s == nil || s.Settings().Weight == 0 {
				t.Fatalf("%v (%v): picked %v", a.Kind, a.HashType, nameOf(s))
			}
		}
	}
}

// HTTP hashing without a request (TCP mode) falls back to round robin over
// the map or ring, like a missing key.
func TestHashFallbackWithoutRequest(t *testing.T) {
	for _, ht := range []HashType{MapBased, Consistent} {
		srvs := testServers(1, 1, 1)
		b, _ := NewBalancer(Algorithm{Kind: URI, HashType: ht}, srvs)
		seen := map[string]int{}
		for range 300 {
			seen[nameOf(b.Pick(nil, loopback))]++
		}
		for _, s := range srvs {
			if seen[s.Name] < 50 {
				t.Errorf("%v: fallback gave %v", ht, seen)
			}
		}
	}
	// An address that is not IP (a unix socket client) also falls back.
	b, _ := NewBalancer(Algorithm{Kind: Source}, testServers(1, 1))
	if b.Pick(nil, netip.Addr{}) == b.Pick(nil, netip.Addr{}) {
		t.Error("source without an address did not round-robin")
	}
}

// Roundrobin gives each server its share per cycle and spreads a heavy
// server's turns instead of sending them in one burst.
func TestRoundRobinDistribution(t *testing.T) {
	tests := [][]int{{5, 1, 1}, {1, 1, 1}, {3, 2}, {100, 1}, {256, 255, 1, 7}}
	for _, weights := range tests {
		srvs := testServers(weights...)
		b, _ := NewBalancer(Algorithm{}, srvs)
		tot := 0
		for _, w := range weights {
			tot += w
		}
		count := map[*Server]int{}
		for range 4 * tot {
			count[b.Pick(nil, loopback)]++
		}
		for _, s := range srvs {
			if count[s.Server] != 4*s.Weight {
				t.Errorf("weights %v: %s got %d of %d picks, want %d", weights, s.Name, count[s.Server], 4*tot, 4*s.Weight)
			}
		}
	}
	// Smoothness: with 1,1,1 no server is picked twice in a row, and with
	// 5,1,1 the light servers never come back to back.
	b, _ := NewBalancer(Algorithm{}, testServers(1, 1, 1))
	prev := b.Pick(nil, loopback)
	for range 30 {
		s := b.Pick(nil, loopback)
		if s == prev {
			t.Fatalf("1,1,1: %s twice in a row", s.Name)
		}
		prev = s
	}
}

func TestStaticRR(t *testing.T) {
	b, _ := NewBalancer(Algorithm{Kind: StaticRR}, testServers(5, 1, 1))
	var got strings.Builder
	for range 14 {
		got.WriteString(b.Pick(nil, loopback).Name)
	}
	if want := strings.Repeat("s1s1s1s2s1s1s3", 2); got.String() != want {
		t.Errorf("got %s, want %s", got.String(), want)
	}
}

func TestLeastConn(t *testing.T) {
	srvs := testServers(1, 2, 1)
	b, _ := NewBalancer(Algorithm{Kind: LeastConn}, srvs)
	pick := func() string { return b.Pick(nil, loopback).Name }
	// All idle: rotate in declaration order.
	if got := pick() + pick() + pick() + pick(); got != "s1s2s3s1" {
		t.Errorf("idle rotation %s", got)
	}
	// An idle server beats any busy one, whatever the weights.
	srvs[0].Cur.Store(1)
	srvs[1].Cur.Store(1)
	if got := pick(); got != "s3" {
		t.Errorf("with s3 idle got %s", got)
	}
	// Busy: load is (cur+1)/weight, so s2 (weight 2) takes twice the load.
	srvs[0].Cur.Store(3) // (3+1)/1 = 4
	srvs[1].Cur.Store(5) // (5+1)/2 = 3
	srvs[2].Cur.Store(4) // (4+1)/1 = 5
	if got := pick(); got != "s2" {
		t.Errorf("got %s, want s2", got)
	}
	// Equal loads: the one picked longest ago goes first (s1 was last
	// picked before s3).
	srvs[0].Cur.Store(2) // 3
	srvs[1].Cur.Store(9) // 5
	srvs[2].Cur.Store(2) // 3
	if got := pick() + pick() + pick(); got != "s1s3s1" {
		t.Errorf("equal loads rotation %s, want s1s3s1", got)
	}
}

func TestFirst(t *testing.T) {
	srvs := []Member{member("a", 5, 1), member("b", 3, 1), member("c", 1, 0)}
	b, _ := NewBalancer(Algorithm{Kind: First}, srvs)
	for range 3 {
		if got := b.Pick(nil, loopback); got.Name != "b" {
			t.Fatalf("got %s, want b (lowest id with a weight)", got.Name)
		}
	}
}

func TestRandom(t *testing.T) {
	// One draw: picks follow the weights (points on the ring).
	srvs := testServers(1, 3)
	b, _ := NewBalancer(Algorithm{Kind: Random, Draws: 1}, srvs)
	count := map[*Server]int{}
	const n = 20000
	for range n {
		count[b.Pick(nil, loopback)]++
	}
	// The ring gives s2 about 3/4 of the hash space; allow for the
	// unevenness of 64 points plus sampling noise.
	if f := float64(count[srvs[1].Server]) / n; f < 0.6 || f > 0.9 {
		t.Errorf("one draw, weights 1,3: s2 got %.2f of picks", f)
	}
	// Two draws prefer the less loaded server relative to its weight.
	srvs = testServers(1, 1)
	srvs[0].Cur.Store(10)
	b, _ = NewBalancer(Algorithm{Kind: Random, Draws: 2}, srvs)
	count = map[*Server]int{}
	for range n {
		count[b.Pick(nil, loopback)]++
	}
	// s1 wins only when both draws land on it: about 1/4 of the time.
	if f := float64(count[srvs[0].Server]) / n; f < 0.1 || f > 0.4 {
		t.Errorf("two draws, s1 busy: s1 got %.2f of picks, want about 0.25", f)
	}
}

// Concurrent picks are safe (run with -race) and keep roundrobin's counts
// exact.
func TestConcurrentPicks(t *testing.T) {
	for _, a := range allKinds() {
		srvs := testServers(3, 1, 2)
		b, _ := NewBalancer(a, srvs)
		req := newTestRequest("/x?id=1", "Host: www.example.com")
		var wg sync.WaitGroup
		var mu sync.Mutex
		count := map[*Server]int{}
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := map[*Server]int{}
				for i := range 600 {
					s := b.Pick(req, netip.AddrFrom4([4]byte{10, 0, byte(g), byte(i)}))
					s.Cur.Add(1)
					local[s]++
					s.Cur.Add(-1)
				}
				mu.Lock()
				for s, n := range local {
					count[s] += n
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if a.Kind == RoundRobin || a.Kind == StaticRR {
			for _, s := range srvs {
				if count[s.Server] != 400*s.Weight {
					t.Errorf("%v: %s got %d, want %d", a.Kind, s.Name, count[s.Server], 400*s.Weight)
				}
			}
		}
	}
}
