package backend

import (
	"net/netip"
	"testing"
)

// benchAlgorithms are the algorithms benchmarked, by name.
func benchAlgorithms() []struct {
	name string
	a    Algorithm
} {
	return []struct {
		name string
		a    Algorithm
	}{
		{"roundrobin", Algorithm{}},
		{"static-rr", Algorithm{Kind: StaticRR}},
		{"leastconn", Algorithm{Kind: LeastConn}},
		{"first", Algorithm{Kind: First}},
		{"random", Algorithm{Kind: Random, Draws: 2}},
		{"source", Algorithm{Kind: Source}},
		{"uri/map", Algorithm{Kind: URI}},
		{"uri/consistent", Algorithm{Kind: URI, HashType: Consistent, Avalanche: true}},
		{"url_param/consistent", Algorithm{Kind: URLParam, Param: "id", HashType: Consistent, HashFunc: WT6}},
		{"hdr/map", Algorithm{Kind: Header, Header: "Host", UseDomainOnly: true, HashFunc: CRC32}},
	}
}

func benchRequest() *testRequest {
	return newTestRequest("/static/images/product/12345/thumbnail.jpg?id=abcdef0123&v=2",
		"Host: www.example.com",
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64)",
		"Accept: text/html,application/xhtml+xml",
		"Accept-Language: en-US,en;q=0.5",
		"Accept-Encoding: gzip, deflate",
		"Cookie: session=0123456789abcdef",
		"X-Forwarded-For: 10.0.0.1")
}

func BenchmarkPick(b *testing.B) {
	req, src := benchRequest(), netip.MustParseAddr("192.0.2.33")
	for _, tc := range benchAlgorithms() {
		bal, err := NewBalancer(tc.a, testServers(3, 1, 2, 5, 1, 1, 4, 2))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bal.Pick(req, src)
			}
		})
	}
}

// BenchmarkPickParallel measures contention: roundrobin takes a mutex, the
// others only atomics.
func BenchmarkPickParallel(b *testing.B) {
	req, src := benchRequest(), netip.MustParseAddr("192.0.2.33")
	for _, tc := range benchAlgorithms() {
		bal, _ := NewBalancer(tc.a, testServers(3, 1, 2, 5, 1, 1, 4, 2))
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					bal.Pick(req, src)
				}
			})
		})
	}
}

func TestPickDoesNotAllocate(t *testing.T) {
	req, src := benchRequest(), netip.MustParseAddr("2001:db8::1")
	for _, tc := range benchAlgorithms() {
		bal, _ := NewBalancer(tc.a, testServers(3, 1, 2, 5))
		for _, r := range []*testRequest{req, newTestRequest("/no-key")} {
			if n := testing.AllocsPerRun(100, func() { bal.Pick(r, src) }); n != 0 {
				t.Errorf("%s: %v allocations per Pick", tc.name, n)
			}
		}
	}
}

// Roundrobin's state must not grow: its queues reuse their storage.
func TestRoundRobinSteadyState(t *testing.T) {
	bal, _ := NewBalancer(Algorithm{}, testServers(5, 1, 1))
	rr := &bal.(*roundRobin).act
	for range 1000 {
		bal.Pick(nil, loopback)
	}
	if n := len(rr.curr.items) + len(rr.init.items) + len(rr.next.items); n != 3 {
		t.Errorf("%d queued servers, want 3", n)
	}
	if c := cap(rr.curr.items); c > 4 {
		t.Errorf("curr queue capacity %d", c)
	}
}
