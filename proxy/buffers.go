package proxy

import "sync"

// bufPool hands out tune.bufsize buffers. A connection holds one only while
// a request or response is in flight: an idle keep-alive connection holds
// none, which is what keeps it at a few kB.
type bufPool struct {
	size int
	p    sync.Pool
}

var (
	poolsMu sync.Mutex
	pools   = map[int]*bufPool{}
)

// poolFor returns the shared pool for a buffer size.
func poolFor(size int) *bufPool {
	poolsMu.Lock()
	defer poolsMu.Unlock()
	if p := pools[size]; p != nil {
		return p
	}
	p := &bufPool{size: size}
	p.p.New = func() any { b := make([]byte, size); return &b }
	pools[size] = p
	return p
}

func (p *bufPool) get() *[]byte { return p.p.Get().(*[]byte) }

func (p *bufPool) put(b *[]byte) {
	if b != nil && cap(*b) == p.size {
		*b = (*b)[:p.size]
		p.p.Put(b)
	}
}
