package backend

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"switchyard/internal/haproxytest"
)

// TestSequencesMatchHAProxy sends requests one after the other to haproxy
// and to our balancers, and requires the same sequence of servers: the
// interleaving of roundrobin, the slot order of static-rr, leastconn's
// rotation between idle servers, and first's choice.
func TestSequencesMatchHAProxy(t *testing.T) {
	haproxytest.Need(t)
	origins := startOrigins(t, "a", "b", "c", "d")
	servers := func(weights ...int) []hxServer {
		var ss []hxServer
		for i, w := range weights {
			ss = append(ss, hxServer{string(rune('a' + i)), w, 0})
		}
		return ss
	}
	tests := []struct {
		balance string
		servers []hxServer
	}{
		{"roundrobin", servers(5, 1, 1)},
		{"roundrobin", servers(1, 1, 1)},
		{"roundrobin", servers(3, 2, 1, 1)},
		{"roundrobin", servers(1, 2, 3, 4)},
		{"roundrobin", servers(10, 3, 0, 2)},
		{"roundrobin", servers(256, 100, 7, 1)},
		{"static-rr", servers(5, 1, 1)},
		{"static-rr", servers(2, 4, 6)},
		{"static-rr", servers(1, 2, 3, 0)},
		{"static-rr", servers(7, 5, 3, 2)},
		{"leastconn", servers(1, 2, 3)},
		{"leastconn", servers(1, 0, 5, 1)},
		{"first", servers(1, 2, 3)},
		{"first", []hxServer{{"a", 1, 5}, {"b", 1, 3}, {"c", 0, 1}, {"d", 1, 4}}},
	}
	var backends []hxBackend
	for i, tc := range tests {
		backends = append(backends, hxBackend{fmt.Sprintf("s%d", i), [][]string{{"balance", tc.balance}}, tc.servers})
	}
	hx := startHAProxy(t, origins, backends)
	src := netip.MustParseAddr("127.0.0.1")
	for _, b := range backends {
		t.Run(b.name+"_"+b.directives[0][1], func(t *testing.T) {
			bal, _ := b.ours(t)
			n := 0
			for _, s := range b.servers {
				n += s.weight
			}
			n = min(3*n, 600) // three cycles
			var got, want []string
			for range n {
				g, err := hx.get(src, b.name, "/")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, g)
				want = append(want, nameOf(bal.Pick(nil, src)))
			}
			if !slices.Equal(got, want) {
				t.Errorf("weights %v:\nhaproxy %s\nours    %s", b.servers, strings.Join(got, ""), strings.Join(want, ""))
			}
		})
	}
}
