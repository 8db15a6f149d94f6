package backend

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// boundedRing is the ring of servers with a hash-balance-factor.
func boundedRing(factor int, ms []Member) *ring {
	var usable []Member
	for _, m := range ms {
		if m.Weight > 0 {
			usable = append(usable, m)
		}
	}
	return newBoundedRing(Algorithm{HashType: Consistent, BalanceFactor: factor}, ms, usable)
}

// slotsOf returns how many requests each server may have, by name, for
// the ring's bound, found by raising its load until it is not eligible.
func slotsOf(r *ring, served int64) map[string]int {
	out := map[string]int{}
	for i, s := range r.srvs {
		if _, done := out[s.Name]; done {
			continue
		}
		cur := s.Cur.Load()
		n := 0
		for s.Cur.Store(int64(n)); r.bound.eligible(r, i, served); s.Cur.Store(int64(n)) {
			n++
		}
		s.Cur.Store(cur)
		out[s.Name] = n
	}
	return out
}

// TestBoundedSlots checks the slots chash_server_is_eligible() gives,
// worked out by hand from haproxy's formula.
func TestBoundedSlots(t *testing.T) {
	tests := []struct {
		factor  int
		weights []int
		served  int64
		want    map[string]int
	}{
		// 2 requests * 1.5 = 3 slots over 3 equal servers.
		{150, []int{1, 1, 1}, 1, map[string]int{"s1": 1, "s2": 1, "s3": 1}},
		// ceil(5*2) = 10 slots over weights 48/16/16 (of 80): no whole
		// slot per unit, the remainder by cumulative weight: 6, 2, 2.
		{200, []int{3, 1, 1}, 4, map[string]int{"s1": 6, "s2": 2, "s3": 2}},
		// ceil(1*1.25) = 2 slots over 3 servers: 0, 1, 1, and never 0.
		{125, []int{1, 1, 1}, 0, map[string]int{"s1": 1, "s2": 1, "s3": 1}},
		// ceil(100*1.01) = 101 over 2 servers: 50 and 51.
		{101, []int{1, 1}, 99, map[string]int{"s1": 50, "s2": 51}},
		// A weight-0 server is off the ring and out of the weights.
		{150, []int{2, 0, 2}, 3, map[string]int{"s1": 3, "s3": 3}},
		// (2 * 2147483647 + 99) wraps to 97 in haproxy's int: 0 slots,
		// hence 1 each.
		{2147483647, []int{1, 1}, 1, map[string]int{"s1": 1, "s2": 1}},
	}
	for _, tc := range tests {
		r := boundedRing(tc.factor, testServers(tc.weights...))
		got := slotsOf(r, tc.served)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("factor %d weights %v served %d: slots %v, want %v", tc.factor, tc.weights, tc.served, got, tc.want)
		}
	}
}

// TestBoundedWalk checks that a full server is passed over for the next
// one on the ring, and that the load counted is the whole backend's.
func TestBoundedWalk(t *testing.T) {
	ms := testServers(1, 1, 1)
	r := boundedRing(150, ms)
	h := uint32(12345)
	first := r.point(h)
	owner := r.srvs[first]
	if r.lookup(h) != owner {
		t.Fatal("an idle backend does not go to the hash's server")
	}
	owner.Cur.Store(1) // 2 requests * 1.5: one slot each
	want := first
	for r.srvs[want] == owner {
		want = (want + 1) % len(r.keys)
	}
	if got := r.lookup(h); got != r.srvs[want] {
		t.Errorf("got %s, want %s, the next server on the ring", nameOf(got), nameOf(r.srvs[want]))
	}
	// Requests on a server off the ring (down, finishing its requests)
	// count in the backend's load and make room.
	off := member("off", 9, 1)
	all := append(ms[:3:3], Member{Server: off.Server, ID: 9})
	r2 := newBoundedRing(Algorithm{HashType: Consistent, BalanceFactor: 150}, all, ms)
	owner2 := r2.srvs[r2.point(h)]
	owner2.Cur.Store(1)
	off.Cur.Store(3) // served 4: ceil(5*1.5) = 8 slots over 3
	if got := r2.lookup(h); got != owner2 {
		t.Errorf("with load elsewhere: got %s, want %s", nameOf(got), nameOf(owner2))
	}
}

// TestBoundedNoneEligible checks haproxy's way out when no server is
// eligible: the server of the ring's last point.
func TestBoundedNoneEligible(t *testing.T) {
	ms := testServers(1, 2)
	r := boundedRing(150, ms)
	r.bound.all = nil // no load counted: 2 slots for 2 servers
	for _, m := range ms {
		m.Cur.Store(5)
	}
	for _, h := range []uint32{0, 1 << 31, 1<<32 - 1} {
		if got := r.lookup(h); got != r.srvs[len(r.srvs)-1] {
			t.Errorf("hash %#x: got %s, want the last point's %s", h, nameOf(got), nameOf(r.srvs[len(r.srvs)-1]))
		}
	}
}

// TestBoundedOnlyConsistent checks that the factor changes nothing
// without consistent hashing, as in haproxy.
func TestBoundedOnlyConsistent(t *testing.T) {
	ms := testServers(1, 1, 1)
	a := Algorithm{Kind: Header, Header: "X-Key", BalanceFactor: 150}
	b := buildBalancer(t, a, ms)
	r := newTestRequest("/", "X-Key: k")
	s := b.Pick(r, netip.Addr{})
	s.Cur.Store(100)
	if got := b.Pick(r, netip.Addr{}); got != s {
		t.Errorf("map-based: got %s, want %s whatever its load", nameOf(got), nameOf(s))
	}
}

// holdOrigins are HTTP origins that report each request's arrival and hold
// it until released, so that haproxy's per-server load is known.
type holdOrigins struct {
	addrs    map[string]string
	arrivals chan string
	release  chan struct{}
}

func startHoldOrigins(t *testing.T, names ...string) *holdOrigins {
	t.Helper()
	h := &holdOrigins{addrs: map[string]string{}, arrivals: make(chan string, 256), release: make(chan struct{})}
	var once sync.Once
	for _, name := range names {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h.arrivals <- name
			select {
			case <-h.release:
			case <-time.After(20 * time.Second):
			}
			w.Write([]byte(name))
		}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() {
			once.Do(func() { close(h.release) })
			srv.Close()
		})
		h.addrs[name] = ln.Addr().String()
	}
	return h
}

// TestBoundedLoadMatchesHAProxy holds requests open on haproxy and on our
// balancer alike and requires the same server for each: as the load
// grows, hash-balance-factor sends keys past their full server, and the
// servers each choice passes over depend on every rounding of haproxy's
// formula (weights, cumulative weights, the int arithmetic of a huge
// factor).
func TestBoundedLoadMatchesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	type beCase struct {
		lines   [][]string
		weights []int
	}
	cases := []beCase{
		{[][]string{{"balance", "hdr(X-Key)"}, {"hash-type", "consistent"}, {"hash-balance-factor", "150"}}, []int{1, 1, 1}},
		{[][]string{{"balance", "hdr(X-Key)"}, {"hash-type", "consistent"}, {"hash-balance-factor", "125"}}, []int{3, 1, 2}},
		{[][]string{{"balance", "hash", "req.hdr(x-key)"}, {"hash-type", "consistent", "crc32"}, {"hash-balance-factor", "200"}}, []int{1, 2, 3, 4}},
		{[][]string{{"balance", "hdr(X-Key)"}, {"hash-type", "consistent", "djb2"}, {"hash-balance-factor", "101"}}, []int{10, 1}},
		{[][]string{{"balance", "hdr(X-Key)"}, {"hash-type", "consistent"}, {"hash-balance-factor", "2147483647"}}, []int{1, 1, 1}},
		{[][]string{{"balance", "hdr(X-Key)"}, {"hash-balance-factor", "150"}}, []int{1, 1, 1}}, // map-based: no bound
	}
	// Mostly one key, so that its server fills up, and a few others; an
	// empty key has no header and takes the round-robin fallback.
	keys := strings.Fields("k1 k1 k1 k2 k1 k1 k3 k1 - k1 k2 k2 k1 k4 k1 k1 k5 k1 k2 k1 - k1 k1 k6 k1 k1 k1 k7 k2 k1")
	var backends []hxBackend
	holds := make([]*holdOrigins, len(cases))
	origins := map[string]string{}
	for i, c := range cases {
		var names []string
		var srvs []hxServer
		for j, w := range c.weights {
			n := fmt.Sprintf("s%d_%d", i, j+1)
			names = append(names, n)
			srvs = append(srvs, hxServer{n, w, 0})
		}
		holds[i] = startHoldOrigins(t, names...)
		for n, a := range holds[i].addrs {
			origins[n] = a
		}
		backends = append(backends, hxBackend{fmt.Sprintf("b%d", i), c.lines, srvs})
	}
	hx := startHAProxy(t, origins, backends)

	var wg sync.WaitGroup
	for i, b := range backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			compareBounded(t, hx, b, holds[i], keys)
		}()
	}
	wg.Wait()
}

func compareBounded(t *testing.T, hx *haproxy, b hxBackend, hold *holdOrigins, keys []string) {
	var a Algorithm
	for _, d := range b.directives {
		var err error
		switch d[0] {
		case "balance":
			err = ParseBalance(d[1:], &a)
		case "hash-type":
			err = ParseHashType(d[1:], &a)
		case "hash-balance-factor":
			err = ParseHashBalanceFactor(d[1:], &a)
		}
		if err != nil {
			t.Errorf("%s: %q: %v", b.name, d, err)
			return
		}
	}
	ids := make([]int, len(b.servers))
	AssignIDs(ids)
	ms := make([]Member, len(b.servers))
	for i, s := range b.servers {
		ms[i] = member(s.name, ids[i], s.weight)
	}
	bal := buildBalancer(t, a, ms)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for n, key := range keys {
		hdr := ""
		if key != "-" {
			hdr = "X-Key: " + key + "\r\n"
		}
		c, err := net.DialTimeout("tcp4", hx.addr, 5*time.Second)
		if err != nil {
			t.Errorf("%s: %v", b.name, err)
			return
		}
		conns = append(conns, c)
		req := fmt.Sprintf("GET / HTTP/1.1\r\nHost: test\r\nX-Be: %s\r\n%sConnection: close\r\n\r\n", b.name, hdr)
		if _, err := c.Write([]byte(req)); err != nil {
			t.Errorf("%s: %v", b.name, err)
			return
		}
		var got string
		select {
		case got = <-hold.arrivals:
		case <-time.After(5 * time.Second):
			t.Errorf("%s request %d: no origin saw it", b.name, n)
			return
		}
		s := bal.Pick(newTestRequest("/", "Host: test", hdr), netip.MustParseAddr("127.0.0.1"))
		if s == nil || s.Name != got {
			t.Errorf("%v request %d (%s): haproxy chose %s, we chose %s", b.directives, n, key, got, nameOf(s))
			return
		}
		s.Cur.Add(1) // held, as in haproxy
	}
}
