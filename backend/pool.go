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
	idle []net.Conn
	safe []net.Conn
	// Max bounds the idle connections kept (pool-max-conn); 0 means the
	// default below.
	Max int
}

// defaultPoolMax caps idle connections per server when pool-max-conn is not
// set; haproxy's default is unlimited, bounded by its global fd limit.
const defaultPoolMax = 1024

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// Get returns an idle connection, or nil: a safe one if safeOnly, otherwise
// a plain idle one first, then a safe one (haproxy's order). The most
// recently used is taken, which keeps a few connections hot.
func (p *Pool) Get(safeOnly bool) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !safeOnly {
		if c := pop(&p.idle); c != nil {
			return c
		}
	}
	return pop(&p.safe)
}

func pop(l *[]net.Conn) net.Conn {
	n := len(*l)
	if n == 0 {
		return nil
	}
	c := (*l)[n-1]
	(*l)[n-1] = nil
	*l = (*l)[:n-1]
	return c
}

// Put returns a reusable connection; it is closed if the pool is full.
func (p *Pool) Put(c net.Conn, safe bool) {
	max := p.Max
	if max <= 0 {
		max = defaultPoolMax
	}
	p.mu.Lock()
	if len(p.idle)+len(p.safe) >= max {
		p.mu.Unlock()
		c.Close()
		return
	}
	if safe {
		p.safe = append(p.safe, c)
	} else {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
}

// CloseIdle closes every idle connection (server removed or moved).
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	idle, safe := p.idle, p.safe
	p.idle, p.safe = nil, nil
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
	for _, c := range safe {
		c.Close()
	}
}
