package proxy

import (
	"io"
	"net"
	"sync"
	"syscall"
)

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

// pooledReader reads a connection into buffers taken from a pool only once
// bytes are there to read: it waits for readability holding nothing, so an
// idle keep-alive connection or a quiet tunnel direction costs no buffer.
type pooledReader struct {
	c    net.Conn
	raw  syscall.RawConn // nil when the connection has no descriptor (TLS: see serverTLS)
	pool *bufPool
	fn   func(uintptr) bool // readRaw, bound once: a closure per read would allocate
	buf  *[]byte
	n    int
	err  error
}

func (r *pooledReader) init(c net.Conn, pool *bufPool) {
	r.c, r.pool = c, pool
	if sc, ok := c.(syscall.Conn); ok {
		r.raw, _ = sc.SyscallConn()
	}
	r.fn = r.readRaw
}

// read returns a pooled buffer holding n > 0 bytes, which the caller puts
// back, or an error (io.EOF at the end) and no buffer.
func (r *pooledReader) read() (*[]byte, int, error) {
	// A TLS connection is not a syscall.Conn: it waits on its socket
	// (holding no buffer), then is read through. (A field for it would
	// cost every stream 8 bytes.)
	t, isTLS := r.c.(*serverTLS)
	if isTLS {
		if err := t.waitReadable(); err != nil {
			return nil, 0, err
		}
	}
	if r.raw == nil || isTLS {
		buf := r.pool.get()
		n, err := r.c.Read(*buf)
		if n > 0 {
			return buf, n, nil
		}
		r.pool.put(buf)
		if err == nil {
			err = io.EOF
		}
		return nil, 0, err
	}
	r.buf = nil
	if err := r.raw.Read(r.fn); err != nil {
		return nil, 0, err
	}
	switch {
	case r.buf != nil:
		return r.buf, r.n, nil
	case r.err != nil:
		return nil, 0, r.err
	}
	return nil, 0, io.EOF
}

// readRaw is called when the socket may be readable: it reads into a pooled
// buffer and keeps it only if bytes came.
func (r *pooledReader) readRaw(fd uintptr) bool {
	b := r.pool.get()
	r.n, r.err = syscall.Read(int(fd), *b)
	if r.err == syscall.EAGAIN || r.err == syscall.EINTR {
		r.pool.put(b)
		return false
	}
	if r.n <= 0 {
		r.pool.put(b)
		return true
	}
	r.buf = b
	return true
}
