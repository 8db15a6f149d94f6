package backend

import (
	"net"
	"sync"
	"time"
)

// Pool keeps idle keep-alive connections to one server address. It belongs
// to the long-lived server state, so a reload that keeps the server keeps its
// warm connections.
type Pool struct {
	mu   sync.Mutex
	idle []idleConn
	// Max bounds the idle connections kept (pool-max-conn); 0 means the
	// default below.
	Max int
}

type idleConn struct {
	c     net.Conn
	since time.Time
}

// defaultPoolMax caps idle connections per server when pool-max-conn is not
// set; haproxy's default is unlimited, bounded by its global fd limit.
const defaultPoolMax = 1024

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// Get returns the most recently used idle connection, or nil. LIFO keeps a
// few connections hot and lets the rest age out.
func (p *Pool) Get() net.Conn {
	p.mu.Lock()
	n := len(p.idle)
	if n == 0 {
		p.mu.Unlock()
		return nil
	}
	c := p.idle[n-1].c
	p.idle[n-1] = idleConn{}
	p.idle = p.idle[:n-1]
	p.mu.Unlock()
	return c
}

// Put returns a reusable connection; it is closed if the pool is full.
func (p *Pool) Put(c net.Conn) {
	max := p.Max
	if max <= 0 {
		max = defaultPoolMax
	}
	p.mu.Lock()
	if len(p.idle) >= max {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.idle = append(p.idle, idleConn{c: c, since: time.Now()})
	p.mu.Unlock()
}

// CloseIdle closes every idle connection (server removed or moved).
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, ic := range idle {
		ic.c.Close()
	}
}
