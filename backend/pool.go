package backend

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Pool keeps idle keep-alive connections to one server address. It belongs
// to the long-lived server state, so a reload that keeps the server keeps its
// warm connections.
//
// As in haproxy 2.6, idle connections come in two kinds: "safe" ones have
// carried more than one request, proving that the server keeps connections
// alive; the others are merely idle. http-reuse decides which kind a
// request may take (see the proxy's use of Get).
//
// How many stay idle follows haproxy too (srv_add_to_idle_list and
// srv_cleanup_idle_conns): a connection is kept when the pool is empty, or
// when the server's connections in use plus idle ones do not exceed what
// it was seen to need recently; every pool-purge-delay, half of the idle
// connections beyond that estimate are closed; and nothing is kept while
// the process's descriptors run short (see Pools). So a server that takes
// one request at a time keeps one idle connection, not one per client that
// came and went.
type Pool struct {
	pools *Pools

	// inUse counts the requests in flight to this server, each holding
	// one server connection; peak is its highest value since the last
	// purge (haproxy's max_used_conns). They are atomics because they
	// change on every request, outside the lock.
	inUse atomic.Int64
	peak  atomic.Int64

	mu   sync.Mutex
	idle connQueue
	safe connQueue
	set  PoolSettings
	// estNeed is haproxy's est_need_conns: the connections the server
	// was seen to need, decaying by half towards the recent peak at each
	// purge.
	estNeed   int64
	listed    bool      // in pools.active, so the sweeper visits it
	nextPurge time.Time // when the sweeper next purges (zero: not yet set)
	retired   bool      // the server left or moved: keep nothing more
	// lastReap is when Put last looked for dead idle connections: at
	// most every reapEvery, since a busy pool refuses connections often
	// and each look polls every idle one.
	lastReap time.Time
}

// reapEvery bounds how often Put looks for dead idle connections.
const reapEvery = 100 * time.Millisecond

// PoolSettings are a server's idle-connection settings.
type PoolSettings struct {
	MaxIdle    int           // pool-max-conn: -1 for no limit, 0 keeps none
	LowIdle    int           // pool-low-conn: idle connections always allowed beyond the estimate
	PurgeDelay time.Duration // pool-purge-delay: 0 keeps none
}

// DefaultPoolSettings are haproxy's defaults.
func DefaultPoolSettings() PoolSettings {
	return PoolSettings{MaxIdle: -1, PurgeDelay: 5 * time.Second}
}

// NewPool returns an empty pool that counts against pools' descriptor
// budget and is swept by its sweeper.
func NewPool(pools *Pools, set PoolSettings) *Pool {
	return &Pool{pools: pools, set: set}
}

// SetSettings changes the pool's settings (a reload kept the pool).
func (p *Pool) SetSettings(set PoolSettings) {
	p.mu.Lock()
	p.set = set
	p.mu.Unlock()
}

// Begin counts a request that is about to use a connection to the server;
// End must follow.
func (p *Pool) Begin() {
	n := p.inUse.Add(1)
	// A load in the common case; the store only when the peak rises.
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			return
		}
	}
}

// End ends what Begin counted.
func (p *Pool) End() { p.inUse.Add(-1) }

// Idle returns how many connections wait in the pool.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count()
}

// count is the number of idle connections; p.mu is held.
func (p *Pool) count() int { return p.idle.size + p.safe.size }

// take removes the oldest idle connection, a plain one before a safe one
// unless safeOnly, or returns nil; p.mu is held.
func (p *Pool) take(safeOnly bool) net.Conn {
	if !safeOnly {
		if c := p.idle.pop(); c != nil {
			return c
		}
	}
	return p.safe.pop()
}

// Get returns an idle connection, or nil: a safe one if safeOnly, otherwise
// a plain idle one first, then a safe one (haproxy's order). The oldest idle
// connection is taken first, as haproxy's idle trees return it.
func (p *Pool) Get(safeOnly bool) net.Conn {
	p.mu.Lock()
	c := p.take(safeOnly)
	p.mu.Unlock()
	if c != nil {
		p.pools.idle.Add(-1)
	}
	return c
}

// Put offers a reusable connection to the pool, ending the use that Begin
// counted (End must not follow); it is closed if the pool does not keep it.
// As in haproxy, the connection stops counting as used in the same step as
// it starts counting as idle, so that concurrent releases do not see it
// twice.
func (p *Pool) Put(c net.Conn, safe bool) {
	p.mu.Lock()
	keep := !p.retired && p.keeps(safe)
	var dead []net.Conn
	if !keep && !p.retired && p.count() > 0 {
		// Idle connections the server has closed since still count
		// until the sweeper sees them; haproxy's are gone the moment
		// the close comes. Look before refusing a live one for them.
		if now := time.Now(); now.Sub(p.lastReap) >= reapEvery {
			p.lastReap = now
			if dead = p.reapLocked(); len(dead) > 0 {
				keep = p.keeps(safe)
			}
		}
	}
	defer closeConns(dead)
	if !keep {
		p.mu.Unlock()
		p.End()
		c.Close()
		return
	}
	p.End()
	if safe {
		p.safe.push(c)
	} else {
		p.idle.push(c)
	}
	p.pools.idle.Add(1)
	list := !p.listed
	if list {
		p.listed = true
		p.nextPurge = time.Now().Add(p.set.PurgeDelay)
	}
	p.mu.Unlock()
	if list {
		p.pools.list(p)
	}
}

// keeps is haproxy's rule for keeping a connection idle; p.mu is held.
func (p *Pool) keeps(safe bool) bool {
	idle := int64(p.count())
	switch {
	case p.set.PurgeDelay <= 0:
		return false
	case p.set.MaxIdle >= 0 && idle >= int64(p.set.MaxIdle):
		return false
	}
	used := p.pools.usedFDs()
	if used >= p.pools.high.Load() {
		return false
	}
	// The first connection of its kind is always kept...
	if p.safe.size == 0 && (safe || p.idle.size == 0) {
		return true
	}
	// ...others only while descriptors are plenty and the server is not
	// given more than it was seen to need.
	inUse := p.inUse.Load()
	need := max(p.estNeed, p.peak.Load()) // haproxy raises est_need_conns on every use
	return used < p.pools.low.Load() && inUse+idle <= max(inUse, need)+int64(p.set.LowIdle)
}

// CloseIdle closes every idle connection and keeps none from now on: the
// server was removed or moved, or the process stops. (Requests still in
// flight to it would otherwise leave connections that nobody takes.)
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	p.retired = true
	conns := append(p.idle.drain(), p.safe.drain()...)
	p.mu.Unlock()
	p.closeAll(conns)
}

// BeforeDial makes room for a new connection to the server: when the
// process uses more descriptors than tune.pool-high-fd-ratio allows, one of
// this server's idle connections is closed (the oldest plain one first), as
// haproxy does.
func (p *Pool) BeforeDial() {
	if p.pools.usedFDs() > p.pools.high.Load() {
		p.closeSome(1)
	}
}

// closeSome closes up to n idle connections, the oldest plain ones first,
// and returns how many it closed.
func (p *Pool) closeSome(n int) int {
	p.mu.Lock()
	var conns []net.Conn
	for ; n > 0; n-- {
		c := p.take(false)
		if c == nil {
			break
		}
		conns = append(conns, c)
	}
	p.mu.Unlock()
	p.closeAll(conns)
	return len(conns)
}

// closeAll closes connections taken out of the pool's queues.
func (p *Pool) closeAll(conns []net.Conn) {
	if len(conns) == 0 {
		return
	}
	p.pools.idle.Add(-int64(len(conns)))
	closeConns(conns)
}

func closeConns(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// purge is haproxy's periodic purge: half of the idle connections beyond
// what the server needs, plus one, are closed (the oldest plain ones
// first), and the estimate of its need decays towards the peak seen since
// the last purge. An empty pool is left alone; it is purged again a
// pool-purge-delay after it next keeps a connection.
func (p *Pool) purge(now time.Time) {
	p.mu.Lock()
	idle := int64(p.count())
	if idle == 0 || now.Before(p.nextPurge) {
		p.mu.Unlock()
		return
	}
	p.nextPurge = now.Add(max(p.set.PurgeDelay, sweepEvery))
	inUse := p.inUse.Load()
	peak := p.peak.Swap(inUse)
	exceed := inUse + idle - max(peak, p.estNeed)
	p.estNeed = max((p.estNeed+peak)/2, peak)
	if p.set.PurgeDelay <= 0 || p.set.MaxIdle == 0 {
		exceed = idle // settings changed to keep none
	}
	p.mu.Unlock()
	if exceed > 0 {
		// haproxy kills exceed/2 rounded up, shared among threads plus
		// one each; with one pool, plus one.
		p.closeSome(int((exceed+1)/2 + 1))
	}
}

// shed closes half of the idle connections (at least one), for a process
// out of descriptors.
func (p *Pool) shed() int {
	p.mu.Lock()
	n := (p.count() + 1) / 2
	p.mu.Unlock()
	return p.closeSome(n)
}

// dropDead closes the idle connections that the server closed, reset or
// sent bytes on: none of them can carry a request any more. Idle sockets
// are not read by anyone, so this asks the kernel about all of them at once.
func (p *Pool) dropDead() {
	p.mu.Lock()
	dead := p.reapLocked()
	p.mu.Unlock()
	closeConns(dead)
}

// reapLocked takes the dead idle connections out of the pool, and out of
// the idle count at once (so that keeps sees their room), and returns
// them, to be closed once p.mu is released.
func (p *Pool) reapLocked() []net.Conn {
	var dead []net.Conn
	for _, q := range []*connQueue{&p.idle, &p.safe} {
		if q.size == 0 {
			continue
		}
		conns := q.drain()
		for _, i := range readable(conns) {
			dead = append(dead, conns[i])
			conns[i] = nil
		}
		for _, c := range conns {
			if c != nil {
				q.push(c)
			}
		}
	}
	p.pools.idle.Add(-int64(len(dead)))
	return dead
}

// connQueue is a FIFO of connections in a ring buffer.
type connQueue struct {
	buf        []net.Conn
	head, size int
}

func (q *connQueue) push(c net.Conn) {
	if q.size == len(q.buf) {
		grown := make([]net.Conn, max(8, 2*len(q.buf)))
		for i := range q.size {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = c
	q.size++
}

func (q *connQueue) pop() net.Conn {
	if q.size == 0 {
		return nil
	}
	c := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return c
}

// drain empties the queue and returns what it held, oldest first.
func (q *connQueue) drain() []net.Conn {
	out := make([]net.Conn, 0, q.size)
	for c := q.pop(); c != nil; c = q.pop() {
		out = append(out, c)
	}
	return out
}

// IdleSafe returns the idle connections never reused yet and the safe
// ones (the stats' idle_conn_cur and safe_conn_cur).
func (p *Pool) IdleSafe() (idle, safe int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle.size, p.safe.size
}

// Used returns the connections in use (used_conn_cur).
func (p *Pool) Used() int { return int(p.inUse.Load()) }

// NeedEstimate returns haproxy's est_need_conns (need_conn_est), which
// haproxy raises on every use (srv_use_conn) and decays at each purge: the
// decayed estimate or the peak since the last purge, whichever is higher.
func (p *Pool) NeedEstimate() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return int(max(p.estNeed, p.peak.Load()))
}

// FlushIdle closes the idle connections and goes on pooling (the server's
// address changed at runtime: they lead to the old one).
func (p *Pool) FlushIdle() {
	p.mu.Lock()
	conns := append(p.idle.drain(), p.safe.drain()...)
	p.mu.Unlock()
	p.closeAll(conns)
}
