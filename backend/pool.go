package backend

import (
	"net"
	"sync"
)

// Pool keeps idle keep-alive connections to one server address. It belongs
// to the long-lived server state, so a reload that keeps the server keeps its
// warm connections.
//
// As in haproxy 2.6, idle connections come in two kinds: "safe" ones have
// carried more than one request, proving that the server keeps connections
// alive; the others are merely idle. http-reuse decides which kind a
// request may take (see the proxy's use of Get).
type Pool struct {
	mu   sync.Mutex
	idle connQueue
	safe connQueue
}

// poolMax caps the idle connections kept per server (haproxy's default is
// unlimited, bounded by its fd limit; pool-max-conn comes later).
const poolMax = 1024

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// Get returns an idle connection, or nil: a safe one if safeOnly, otherwise
// a plain idle one first, then a safe one (haproxy's order). The oldest idle
// connection is taken first, as haproxy's idle trees return it.
func (p *Pool) Get(safeOnly bool) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !safeOnly {
		if c := p.idle.pop(); c != nil {
			return c
		}
	}
	return p.safe.pop()
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

// drain empties the queue and returns what it held.
func (q *connQueue) drain() []net.Conn {
	out := make([]net.Conn, 0, q.size)
	for c := q.pop(); c != nil; c = q.pop() {
		out = append(out, c)
	}
	return out
}

// Put returns a reusable connection; it is closed if the pool is full.
func (p *Pool) Put(c net.Conn, safe bool) {
	p.mu.Lock()
	if p.idle.size+p.safe.size >= poolMax {
		p.mu.Unlock()
		c.Close()
		return
	}
	if safe {
		p.safe.push(c)
	} else {
		p.idle.push(c)
	}
	p.mu.Unlock()
}

// CloseIdle closes every idle connection (server removed or moved).
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	conns := append(p.idle.drain(), p.safe.drain()...)
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
