// Package testaddr hands out loopback ports to tests that must name a port
// before anything binds it (a bind line in a configuration). The ports come
// from a range below the kernel's ephemeral ports (32768 and up), so an
// outgoing connection cannot take one between the pick and the bind; each
// test package walks its own range, so packages testing at once do not
// collide.
package testaddr

import (
	"math/rand/v2"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
)

// Ports walks the range [lo, hi) from a random start.
type Ports struct {
	lo, hi int32
	next   atomic.Int32
}

// New returns the walker of the range [lo, hi).
func New(lo, hi int) *Ports {
	p := &Ports{lo: int32(lo), hi: int32(hi)}
	p.next.Store(int32(lo + rand.IntN((hi-lo)*3/4)))
	return p
}

// Run returns the first of n consecutive ports free on 127.0.0.1.
func (p *Ports) Run(t testing.TB, n int) int {
	t.Helper()
	for range 200 {
		first := int(p.next.Add(int32(n))) - n
		if first+n > int(p.hi) {
			p.next.Store(p.lo)
			continue
		}
		if free(first, n) {
			return first
		}
	}
	t.Fatal("no free ports")
	return 0
}

// Addr returns a free 127.0.0.1 address.
func (p *Ports) Addr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(p.Run(t, 1))
}

func free(first, n int) bool {
	for port := first; port < first+n; port++ {
		l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
