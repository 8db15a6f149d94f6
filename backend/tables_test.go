package backend

import (
	"slices"
	"strings"
	"testing"

	"switchyard/internal/hashfn"
)

func slotNames(m *weightMap) string {
	var b strings.Builder
	for _, s := range m.slots {
		b.WriteString(s.Name)
	}
	return b.String()
}

func TestWeightMap(t *testing.T) {
	tests := []struct {
		weights []int
		want    string // slot order, as haproxy builds it
	}{
		{[]int{1}, "s1"},
		{[]int{1, 1, 1}, "s1s2s3"},
		{[]int{5, 1, 1}, "s1s1s1s2s1s1s3"},
		// Weights are divided by their gcd: 2,4,6 is 1,2,3.
		{[]int{2, 4, 6}, "s1s3s2s3s2s3"},
		{[]int{1, 2, 3}, "s1s3s2s3s2s3"},
		{[]int{0, 2, 0}, "s2"},
		{[]int{0, 0}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		m := newWeightMap(testServers(tc.weights...))
		if got := slotNames(m); got != tc.want {
			t.Errorf("weights %v: slots %s, want %s", tc.weights, got, tc.want)
		}
	}
}

func TestWeightMapLookupAndNext(t *testing.T) {
	m := newWeightMap(testServers(5, 1, 1))
	for h := uint32(0); h < 20; h++ {
		if got, want := m.lookup(h), m.slots[h%7]; got != want {
			t.Errorf("lookup(%d) = %s, want %s", h, got.Name, want.Name)
		}
	}
	if got := m.lookup(0xffffffff); got != m.slots[0xffffffff%7] {
		t.Errorf("lookup(max) = %s", got.Name)
	}
	for i := range 15 {
		if got, want := m.next(), m.slots[i%7]; got != want {
			t.Fatalf("next #%d = %s, want %s", i, got.Name, want.Name)
		}
	}
	empty := newWeightMap(nil)
	if empty.lookup(1) != nil || empty.next() != nil {
		t.Error("an empty map must return nil")
	}
}

func TestRing(t *testing.T) {
	srvs := testServers(1, 3, 2)
	r := newRing(srvs)
	if len(r.keys) != (1+3+2)*16 {
		t.Fatalf("%d points, want 96", len(r.keys))
	}
	count := map[*Server]int{}
	for i, k := range r.keys {
		if i > 0 && r.keys[i-1] >= k {
			t.Fatal("points not sorted and unique")
		}
		count[r.srvs[i]]++
	}
	for _, s := range srvs {
		if count[s.Server] != s.Weight*16 {
			t.Errorf("%s has %d points, want %d", s.Name, count[s.Server], s.Weight*16)
		}
	}
	// Every point of a server maps to that server, and so does a hash just
	// next to it on the side nearer to it than to its neighbour.
	for i, k := range r.keys {
		if got := r.lookup(k); got != r.srvs[i] {
			t.Fatalf("lookup(point %d) = %s, want %s", i, got.Name, r.srvs[i].Name)
		}
	}
	// Lookup picks the nearest point, the previous one on ties, and wraps.
	n := len(r.keys)
	lo, hi := r.keys[0], r.keys[n-1]
	tests := []struct {
		h    uint32
		want *Server
	}{
		{lo + (r.keys[1]-lo)/2, r.srvs[0]},     // exact middle: previous wins
		{lo + (r.keys[1]-lo)/2 + 1, r.srvs[1]}, // past the middle
		{hi + 1, r.srvs[n-1]},                  // just after the last point
		{lo - 1, r.srvs[0]},                    // just before the first point
		{hi + (lo-hi)/2, r.srvs[n-1]},          // middle of the wrapping gap
		{hi + (lo-hi)/2 + 1, r.srvs[0]},        // past it
	}
	for _, tc := range tests {
		if got := r.lookup(tc.h); got != tc.want {
			t.Errorf("lookup(%#x) = %s, want %s", tc.h, got.Name, tc.want.Name)
		}
	}
	// The fallback walks the points in ring order.
	for i := range n + 3 {
		if got := r.next(); got != r.srvs[i%n] {
			t.Fatalf("next #%d = %s, want %s", i, got.Name, r.srvs[i%n].Name)
		}
	}
	empty := newRing(nil)
	if empty.lookup(1) != nil || empty.next() != nil {
		t.Error("an empty ring must return nil")
	}
}

// Removing a server from a consistent ring moves only its own keys.
func TestRingIsConsistent(t *testing.T) {
	srvs := testServers(1, 2, 3, 4)
	full, less := newRing(srvs), newRing([]Member{srvs[0], srvs[1], srvs[3]})
	moved := 0
	for i := range uint32(10000) {
		h := hashfn.FullHash(i)
		before, after := full.lookup(h), less.lookup(h)
		if before != srvs[2].Server && before != after {
			moved++
		}
	}
	if moved != 0 {
		t.Errorf("%d keys of other servers moved when s3 left", moved)
	}
}

func TestAssignIDs(t *testing.T) {
	tests := []struct {
		ids, want []int
	}{
		{[]int{0, 0, 0}, []int{1, 2, 3}},
		{[]int{2, 0, 0, 1}, []int{2, 3, 4, 1}},
		{[]int{0, 1, 0}, []int{2, 1, 4}},
		{[]int{0, 0, 2, 0}, []int{1, 3, 2, 5}},
		{[]int{10, 0}, []int{10, 2}},
	}
	for _, tc := range tests {
		ids := slices.Clone(tc.ids)
		AssignIDs(ids)
		for i, id := range ids {
			if id != tc.want[i] {
				t.Errorf("ids %v: server %d got %d, want %v", tc.ids, i, id, tc.want)
				break
			}
		}
	}
}
