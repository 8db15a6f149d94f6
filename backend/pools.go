package backend

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Pools is the process's set of server connection pools and its descriptor
// budget. Idle server connections hold descriptors that accepting a client
// needs too, so, as in haproxy, they are kept only while the process uses
// few of its descriptors (tune.pool-low-fd-ratio, tune.pool-high-fd-ratio of
// the limit), and a sweeper closes those the server closed and purges the
// surplus every pool-purge-delay.
type Pools struct {
	idle   atomic.Int64 // idle connections in all pools
	others atomic.Int64 // descriptors held outside the pools, as counted by the proxy
	low    atomic.Int64 // above this many descriptors, only a pool's first idle connection is kept
	high   atomic.Int64 // above this many, none is kept, and dialling first closes one

	mu     sync.Mutex
	active map[*Pool]struct{} // pools with idle connections: the sweeper's work
	wake   chan struct{}
}

// sweepEvery is how often pools with idle connections are swept: a
// connection the server closed is released within this time.
const sweepEvery = 250 * time.Millisecond

// NewPools returns a set with no descriptor limit.
func NewPools() *Pools {
	ps := &Pools{active: map[*Pool]struct{}{}, wake: make(chan struct{}, 1)}
	ps.SetLimit(1<<60, 20, 25)
	return ps
}

// SetLimit sets the descriptor budget: maxsock descriptors in all, of which
// idle connections may be added while fewer than lowPct percent are in use,
// and none beyond highPct percent (haproxy's tune.pool-low-fd-ratio and
// tune.pool-high-fd-ratio, rounded up as haproxy does).
func (ps *Pools) SetLimit(maxsock int64, lowPct, highPct int) {
	ps.low.Store(percent(maxsock, lowPct))
	ps.high.Store(percent(maxsock, highPct))
}

// percent is pct% of n rounded up, without overflowing for a huge n.
func percent(n int64, pct int) int64 {
	p := int64(pct)
	return n/100*p + (n%100*p+99)/100
}

// AddOthers counts n more (or, negative, fewer) descriptors that the
// process holds outside the pools: client connections and the server
// connections they use, listeners.
func (ps *Pools) AddOthers(n int64) { ps.others.Add(n) }

// Idle returns the number of idle connections in all pools.
func (ps *Pools) Idle() int64 { return ps.idle.Load() }

// usedFDs is the process's descriptors as counted: those held outside the
// pools and the idle connections.
func (ps *Pools) usedFDs() int64 { return ps.others.Load() + ps.idle.Load() }

// list makes p one of the pools the sweeper visits.
func (ps *Pools) list(p *Pool) {
	ps.mu.Lock()
	ps.active[p] = struct{}{}
	ps.mu.Unlock()
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

func (ps *Pools) listed() []*Pool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make([]*Pool, 0, len(ps.active))
	for p := range ps.active {
		out = append(out, p)
	}
	return out
}

// Shed closes half of the idle connections of every pool: the process ran
// out of descriptors. It returns how many it closed.
func (ps *Pools) Shed() int {
	n := 0
	for _, p := range ps.listed() {
		n += p.shed()
	}
	return n
}

// CloseAll closes every idle connection (the process stops).
func (ps *Pools) CloseAll() {
	for _, p := range ps.listed() {
		p.CloseIdle()
	}
}

// Run sweeps the pools until stop is closed: it drops connections the
// server closed and purges the surplus. It sleeps while no pool holds an
// idle connection.
func (ps *Pools) Run(stop <-chan struct{}) {
	t := time.NewTimer(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if ps.sweep(time.Now()) == 0 {
			select {
			case <-stop:
				return
			case <-ps.wake:
			}
		}
		t.Reset(sweepEvery)
	}
}

// sweep visits every listed pool once and returns how many stay listed.
func (ps *Pools) sweep(now time.Time) int {
	pools := ps.listed()
	left := len(pools)
	for _, p := range pools {
		p.dropDead()
		p.purge(now)
		p.mu.Lock()
		if p.count() == 0 {
			// Unlisted under the pool's lock, so that a Put that lists
			// it again cannot be undone.
			p.listed = false
			ps.mu.Lock()
			delete(ps.active, p)
			ps.mu.Unlock()
			left--
		}
		p.mu.Unlock()
	}
	return left
}

// PollFD is implemented by connections that can tell their descriptor, so
// that an idle one can be checked without reading it.
type PollFD interface {
	PollFD() int // the descriptor, or -1
}

// readable returns the indexes of the connections whose socket has
// something to read (bytes, an end or an error).
func readable(conns []net.Conn) []int {
	fds := make([]int, len(conns))
	for i, c := range conns {
		fds[i] = -1
		if f, ok := c.(PollFD); ok {
			fds[i] = f.PollFD()
		}
	}
	return pollReadable(fds)
}
