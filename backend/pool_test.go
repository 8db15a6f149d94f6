package backend

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// fdConn is a real TCP connection that tells its descriptor, as the
// proxy's server connections do.
type fdConn struct {
	net.Conn
	fd     int
	closed bool
}

func (c *fdConn) PollFD() int { return c.fd }
func (c *fdConn) Close() error {
	c.closed = true
	return c.Conn.Close()
}

// tcpPair returns a client connection that knows its descriptor and the
// server's end of it.
func tcpPair(t *testing.T) (*fdConn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	fc := &fdConn{Conn: c, fd: -1}
	raw, _ := c.(syscall.Conn).SyscallConn()
	raw.Control(func(fd uintptr) { fc.fd = int(fd) })
	return fc, s
}

// pipeConn is a connection without a descriptor.
func pipeConn(t *testing.T) *fdConn {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return &fdConn{Conn: a, fd: -1}
}

// use runs n requests at once on p, each releasing a connection to the
// pool, and returns the connections.
func use(t *testing.T, p *Pool, n int, safe bool) []*fdConn {
	var conns []*fdConn
	for range n {
		p.Begin()
	}
	for range n {
		c := pipeConn(t)
		conns = append(conns, c)
		p.Put(c, safe)
	}
	return conns
}

func TestPoolKeepsWhatTheServerNeeds(t *testing.T) {
	p := NewPool(NewPools(), DefaultPoolSettings())
	// One request at a time: one idle connection, whatever the number
	// of requests (haproxy keeps the first of its kind, then what the
	// server was seen to need).
	for range 50 {
		use(t, p, 1, false)
	}
	if got := p.Idle(); got != 1 {
		t.Fatalf("after 50 one-at-a-time requests: %d idle, want 1", got)
	}
	// Ten at once: the server needs ten.
	p = NewPool(NewPools(), DefaultPoolSettings())
	conns := use(t, p, 10, false)
	if got := p.Idle(); got != 10 {
		t.Fatalf("after 10 concurrent requests: %d idle, want 10", got)
	}
	for _, c := range conns {
		if c.closed {
			t.Fatal("a kept connection was closed")
		}
	}
	// A safe connection is kept beside a plain idle one; a second safe
	// one only as the need allows.
	p = NewPool(NewPools(), DefaultPoolSettings())
	use(t, p, 1, false)
	use(t, p, 1, true)
	use(t, p, 1, true)
	if got := p.Idle(); got != 2 {
		t.Fatalf("idle then safe then safe, one at a time: %d idle, want 2", got)
	}
}

func TestPoolSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  PoolSettings
		want int
	}{
		{"pool-max-conn 3", PoolSettings{MaxIdle: 3, PurgeDelay: time.Second}, 3},
		{"pool-max-conn 0", PoolSettings{MaxIdle: 0, PurgeDelay: time.Second}, 0},
		{"pool-purge-delay 0", PoolSettings{MaxIdle: -1}, 0},
		{"unlimited", PoolSettings{MaxIdle: -1, PurgeDelay: time.Second}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool(NewPools(), tc.set)
			conns := use(t, p, 8, false)
			if got := p.Idle(); got != tc.want {
				t.Fatalf("%d idle, want %d", got, tc.want)
			}
			closed := 0
			for _, c := range conns {
				if c.closed {
					closed++
				}
			}
			if closed != 8-tc.want {
				t.Fatalf("%d closed, want %d", closed, 8-tc.want)
			}
		})
	}
	// pool-low-conn allows that many beyond the need.
	p := NewPool(NewPools(), PoolSettings{MaxIdle: -1, LowIdle: 2, PurgeDelay: time.Second})
	for range 10 {
		use(t, p, 1, false)
	}
	if got := p.Idle(); got != 3 {
		t.Fatalf("pool-low-conn 2, one request at a time: %d idle, want 3", got)
	}
}

func TestPoolDescriptorBudget(t *testing.T) {
	ps := NewPools()
	ps.SetLimit(100, 20, 25) // low 20, high 25
	p := NewPool(ps, DefaultPoolSettings())
	ps.AddOthers(18)
	use(t, p, 10, false)
	// Past the low mark, only the first connection of its kind stays.
	if got := p.Idle(); got != 2 {
		t.Fatalf("near the low mark: %d idle, want 2 (18 others + idle reach 20)", got)
	}
	// Past the high mark, none is added and dialling closes one.
	ps.AddOthers(10)
	use(t, p, 1, true)
	if got := p.Idle(); got != 2 {
		t.Fatalf("past the high mark: %d idle, want 2", got)
	}
	p.BeforeDial()
	if got := p.Idle(); got != 1 {
		t.Fatalf("BeforeDial past the high mark: %d idle, want 1", got)
	}
	if ps.Idle() != 1 {
		t.Fatalf("the set counts %d idle, want 1", ps.Idle())
	}
	if n := ps.Shed(); n != 1 || p.Idle() != 0 {
		t.Fatalf("Shed closed %d, left %d", n, p.Idle())
	}
}

func TestPoolPurge(t *testing.T) {
	ps := NewPools()
	p := NewPool(ps, PoolSettings{MaxIdle: -1, PurgeDelay: time.Second})
	use(t, p, 16, false)
	now := time.Now()
	// The first purge period still remembers the need of 16.
	ps.sweep(now.Add(2 * time.Second))
	if got := p.Idle(); got != 16 {
		t.Fatalf("first purge: %d idle, want 16", got)
	}
	// Then the need decays by half each period, a period behind, and
	// half of the surplus plus one goes each time (haproxy's figures
	// with one thread).
	want := []int{16, 11, 6, 3, 1, 0}
	for i, w := range want {
		ps.sweep(now.Add(time.Duration(3+i) * 2 * time.Second))
		if got := p.Idle(); got != w {
			t.Fatalf("purge %d: %d idle, want %d", i+2, got, w)
		}
	}
	if n := ps.sweep(now.Add(time.Hour)); n != 0 {
		t.Fatalf("an empty pool stays listed")
	}
	if ps.Idle() != 0 {
		t.Fatalf("the set counts %d idle", ps.Idle())
	}
}

// A pool whose server left keeps nothing that requests still in flight
// bring back.
func TestPoolRetired(t *testing.T) {
	p := NewPool(NewPools(), DefaultPoolSettings())
	use(t, p, 2, false)
	p.CloseIdle()
	conns := use(t, p, 1, false)
	if p.Idle() != 0 || !conns[0].closed {
		t.Fatalf("a retired pool kept a connection (idle %d)", p.Idle())
	}
}

// A connection the server closes while idle is released by the next
// sweep, not when it is next picked.
func TestPoolDropsConnectionsTheServerClosed(t *testing.T) {
	ps := NewPools()
	p := NewPool(ps, DefaultPoolSettings())
	c1, s1 := tcpPair(t)
	c2, s2 := tcpPair(t)
	c3, s3 := tcpPair(t)
	for range 3 {
		p.Begin()
	}
	p.Put(c1, false)
	p.Put(c2, false)
	p.Put(c3, true)
	s1.Close()                    // the server closes
	s3.Write([]byte("unasked\n")) // bytes nobody asked for
	deadline := time.Now().Add(5 * time.Second)
	for p.Idle() != 1 && time.Now().Before(deadline) {
		p.dropDead() // the close may take a moment to reach the socket
	}
	if p.Idle() != 1 || !c1.closed || c2.closed || !c3.closed {
		t.Fatalf("idle %d, closed: %v %v %v; want only the live one kept", p.Idle(), c1.closed, c2.closed, c3.closed)
	}
	if got := p.Get(false); got != c2 {
		t.Fatalf("Get returned %v, want the live connection", got)
	}
	_ = s2
}

// The sweeper runs on its own, and sleeps when no pool has idle
// connections.
func TestPoolsRun(t *testing.T) {
	ps := NewPools()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { ps.Run(stop); close(done) }()
	defer func() { close(stop); <-done }()
	p := NewPool(ps, DefaultPoolSettings())
	c, s := tcpPair(t)
	p.Begin()
	p.Put(c, false)
	s.Close()
	deadline := time.Now().Add(5 * time.Second)
	for p.Idle() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not release a connection the server closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pool that would refuse a live connection because one it holds is
// dead (the server closed it, the sweeper has not seen it yet) drops the
// dead one and keeps the live one, as haproxy's idle list has already
// lost a connection its server closed.
func TestPoolPutReapsTheDead(t *testing.T) {
	p := NewPool(NewPools(), DefaultPoolSettings())
	dead, srv := tcpPair(t)
	p.Begin()
	p.Put(dead, false) // the first of its kind: kept
	srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	var live *fdConn
	for !dead.closed && time.Now().Before(deadline) {
		// The close may take a moment to reach the socket: until
		// then a second connection is refused, as before.
		p.Begin()
		live, _ = tcpPair(t)
		p.Put(live, false)
	}
	if !dead.closed {
		t.Fatal("the dead idle connection was never reaped")
	}
	if live.closed || p.Idle() != 1 {
		t.Fatalf("the live connection was refused for the dead one (idle %d)", p.Idle())
	}
}
