package backend

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"time"

	"switchyard/counters"
	"switchyard/sample"
)

// Connection slots and queues, as haproxy's: a server with `maxconn` serves
// at most that many requests at once (fewer while the backend is below
// `fullconn` when `minconn` is set); a request that finds its server full
// waits in that server's queue if it must go there (persistence, or a hash
// that chose it), or in the backend's queue if any server will do. Queues
// are fair FIFOs: a server that frees a slot hands it to the oldest request
// waiting in its own queue or the backend's.
//
// The queues of a backend share one lock, taken only by backends with
// limited servers: without `maxconn` anywhere, Assign is a pick and an
// atomic increment.

// Errors of Assign.
var (
	// ErrNoServer: no server is usable (haproxy's 503, termination "SC").
	ErrNoServer = errors.New("no server available")
	// ErrQueueTimeout: the request waited `timeout queue` (503, "sQ").
	ErrQueueTimeout = errors.New("queue timeout")
	// ErrQueueFull: the server's queue reached `maxqueue` (503, "SQ").
	ErrQueueFull = errors.New("server queue full")
	// ErrAborted: the context ended while the request waited (option
	// abortonclose: the client went away; logged "CQ").
	ErrAborted = errors.New("aborted while queued")
)

// waiter is a request waiting for a connection slot.
type waiter struct {
	got   chan *Server // receives the server whose slot it was handed
	srv   *Server      // the queue it is in: this server's, or nil for the backend's
	bound bool         // persistence sent it to srv: it stays when srv goes down
	since time.Time
	// idx0 is the queue's dequeue count when it joined, minus one;
	// srvPos and bePos are haproxy's queue positions for the logs
	// (%sq, %bq): one more than the requests dequeued while it waited.
	idx0          int64
	srvPos, bePos int
	prev          *waiter
	next          *waiter
}

// fifo is a queue of waiters; its length is also kept in an atomic, read
// without the lock by logs, stats and fetches.
type fifo struct {
	head, tail *waiter
	n          atomic.Int64
	idx        int64 // waiters dequeued to be served, ever (haproxy's queue idx)
}

func (q *fifo) push(w *waiter) {
	w.idx0 = q.idx - 1
	w.prev, w.next = q.tail, nil
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	q.n.Add(1)
}

// remove takes w out of the queue; its position in the logs grows by the
// waiters dequeued meanwhile.
func (q *fifo) remove(w *waiter) int {
	pos := int(q.idx - w.idx0)
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next = nil, nil
	q.n.Add(-1)
	return pos
}

// Assignment is a request's hold on a server: its connection slot, and how
// long it waited for it.
type Assignment struct {
	Srv *Server
	// Waited is the time spent in a queue (%Tw); Queued says whether the
	// request was queued at all.
	Waited time.Duration
	Queued bool
	// SrvQueue and BeQueue are the request's positions in the server's
	// and the backend's queue as haproxy logs them (%sq, %bq): 0 when not
	// queued, else one more than the requests served from that queue
	// while it waited.
	SrvQueue, BeQueue int
}

// Assign chooses a server for a request and takes a connection slot on it,
// waiting in a queue at most timeout (0: without limit) when the servers
// are full. prefer, when not nil, is the server the request must go to
// (persistence); it must be up. The slot is given back with Release.
func (b *Backend) Assign(ctx context.Context, r sample.Request, src netip.Addr, prefer *Server, timeout time.Duration) (Assignment, error) {
	return b.assign(ctx, &sample.Ctx{Req: r, Src: netip.AddrPortFrom(src, 0)}, nil, prefer, nil, timeout)
}

// AssignCtx is Assign for a stream: c is its sample context, payload its
// first bytes in TCP mode.
func (b *Backend) AssignCtx(ctx context.Context, c *sample.Ctx, payload []byte, prefer *Server, timeout time.Duration) (Assignment, error) {
	return b.assign(ctx, c, payload, prefer, nil, timeout)
}

// ReassignCtx is AssignCtx for a retry that leaves failed: another server
// is chosen when there is one, as haproxy tries another server than the
// last.
func (b *Backend) ReassignCtx(ctx context.Context, c *sample.Ctx, payload []byte, failed *Server, timeout time.Duration) (Assignment, error) {
	return b.assign(ctx, c, payload, nil, failed, timeout)
}

func (b *Backend) assign(ctx context.Context, c *sample.Ctx, payload []byte, prefer, avoid *Server, timeout time.Duration) (a Assignment, err error) {
	now := counters.Now()
	if avoid == nil {
		// A retry is the same session: the backend counts it once.
		b.C.CumSess.Add(1)
		b.C.SessRate.AddAt(now)
	}
	b.C.CurMax.Observe(uint64(b.inflight.Add(1)))
	defer func() {
		if a.Srv == nil || err != nil {
			b.inflight.Add(-1)
			return
		}
		a.Srv.took(now, prefer == nil && !a.Queued)
	}()
	if prefer == nil {
		if s := b.implicit.Load(); s != nil {
			// A backend that does not balance: as haproxy's proxy
			// target, no slot to take and no queue to wait in.
			s.Cur.Add(1)
			return Assignment{Srv: s}, nil
		}
	}
	if !b.limited.Load() {
		s := prefer
		if s == nil {
			if s = b.pickAvoiding(c, payload, avoid); s == nil {
				return Assignment{}, ErrNoServer
			}
		}
		s.Cur.Add(1)
		return Assignment{Srv: s}, nil
	}
	b.qmu.Lock()
	s := prefer
	if s == nil {
		s = b.pickFree(c, payload, avoid)
		if s == nil && b.lb.Load().empty() {
			b.qmu.Unlock()
			return Assignment{}, ErrNoServer
		}
	}
	if s != nil && s.queue.head == nil && s.Cur.Load() < int64(s.maxConn(b)) {
		s.Cur.Add(1)
		b.qmu.Unlock()
		return Assignment{Srv: s}, nil
	}
	// Wait: in the server's queue when the request is bound to it, in
	// the backend's otherwise.
	w := &waiter{got: make(chan *Server, 1), since: time.Now()}
	a = Assignment{Queued: true}
	if s != nil {
		if mq := s.Settings().MaxQueue; mq > 0 && int(s.queue.n.Load()) >= mq {
			b.qmu.Unlock()
			// The server is named in the logs, its slot not taken.
			return Assignment{Srv: s}, ErrQueueFull
		}
		w.srv, w.bound = s, prefer != nil
		s.queue.push(w)
		s.C.QueueMax.Observe(uint64(s.queue.n.Load()))
	} else {
		b.queue.push(w)
		b.C.QueueMax.Observe(uint64(b.queue.n.Load()))
	}
	b.qmu.Unlock()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case s = <-w.got:
	case <-expired:
	case <-ctx.Done():
	}
	if s == nil {
		b.qmu.Lock()
		select {
		case s = <-w.got: // handed a slot as the wait ended
		default:
			b.unqueue(w)
		}
		b.qmu.Unlock()
	}
	a.Waited = time.Since(w.since)
	a.SrvQueue, a.BeQueue = w.srvPos, w.bePos
	if s == nil {
		if ctx.Err() != nil {
			return a, ErrAborted
		}
		return a, ErrQueueTimeout
	}
	a.Srv = s
	return a, nil
}

// took counts a session the server got a slot for: lb says that the
// balancer chose it (lbtot), rather than persistence or a queue.
func (s *Server) took(now time.Duration, lb bool) {
	s.C.CumSess.Add(1)
	s.C.SessRate.AddAt(now)
	unix := counters.UnixAt(now)
	s.C.LastSess.Store(unix)
	s.be.C.LastSess.Store(unix) // haproxy: once a server is assigned
	s.C.CurMax.Observe(uint64(s.Cur.Load()))
	if lb && !s.implicit { // haproxy's lbtot counts the balancer's picks only
		s.C.CumLB.Add(1)
		s.be.C.CumLB.Add(1)
	}
}

// unqueue takes a waiter out of whichever queue holds it. b.qmu is held.
func (b *Backend) unqueue(w *waiter) {
	if w.srv != nil {
		w.srvPos += w.srv.queue.remove(w)
	} else {
		w.bePos += b.queue.remove(w)
	}
}

// pickFree picks a server with a free slot, trying others when the
// balancer's choice is full, except for the hashing algorithms whose
// choice is the point: the request then waits for that server. It returns
// nil when every server is full. b.qmu is held.
func (b *Backend) pickFree(c *sample.Ctx, payload []byte, avoid *Server) *Server {
	view := b.lb.Load()
	tries := max(view.usable, 1)
	for range tries {
		s := view.pickAvoiding(c, payload, avoid)
		if s == nil {
			return nil
		}
		if s.queue.head == nil && s.Cur.Load() < int64(s.maxConn(b)) || view.algo.Hashes() {
			return s
		}
	}
	return nil
}

// pickAvoiding picks a server other than avoid when another is usable.
func (b *Backend) pickAvoiding(c *sample.Ctx, payload []byte, avoid *Server) *Server {
	return b.lb.Load().pickAvoiding(c, payload, avoid)
}

// pickAvoiding asks the balancer again while it answers avoid, and then
// takes the first other usable member (the balancer may be a hash, or
// `first`, which always give the same answer).
func (v *lbView) pickAvoiding(c *sample.Ctx, payload []byte, avoid *Server) *Server {
	s := PickCtx(v.Balancer, c, payload)
	if avoid == nil || s != avoid || v.usable < 2 {
		return s
	}
	if !v.algo.Hashes() && v.algo.Kind != First {
		for range v.usable {
			if s = PickCtx(v.Balancer, c, payload); s != avoid {
				return s
			}
		}
	}
	for _, m := range v.members {
		if m.Weight > 0 && m.Server != avoid {
			return m.Server
		}
	}
	return avoid
}

// Release gives a request's connection slot back: to the oldest request
// waiting for this server or, if the server takes new traffic, for any
// server of the backend; otherwise the slot is free.
func (b *Backend) Release(s *Server) {
	b.inflight.Add(-1)
	if !b.limited.Load() || s.implicit { // the implicit server has no slots to hand over
		s.Cur.Add(-1)
		return
	}
	b.qmu.Lock()
	if !b.handOff(s) {
		s.Cur.Add(-1)
	}
	b.qmu.Unlock()
}

// handOff hands a slot of s to the oldest eligible waiter and says whether
// there was one. b.qmu is held.
func (b *Backend) handOff(s *Server) bool {
	w := s.queue.head
	if p := b.queue.head; p != nil && s.inLB.Load() && (w == nil || p.since.Before(w.since)) {
		w = p
	}
	if w == nil {
		return false
	}
	// The position counts this dequeue only for those that follow.
	if w.srv == nil {
		b.unqueue(w)
		b.queue.idx++
	} else {
		b.unqueue(w)
		s.queue.idx++
	}
	w.got <- s
	return true
}

// dispatch gives the free slots of s to waiting requests: the server came
// up or its limit rose. b.qmu is held.
func (b *Backend) dispatch(s *Server) int {
	n := 0
	for s.Cur.Load() < int64(s.maxConn(b)) {
		s.Cur.Add(1)
		if !b.handOff(s) {
			s.Cur.Add(-1)
			break
		}
		n++
	}
	return n
}

// redistribute moves the requests waiting for s, which went down, to the
// backend's queue, oldest first, and lets the other servers take them. It
// returns how many moved (haproxy's "requeued").
func (b *Backend) redistribute(s *Server) int {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	n := 0
	for w := s.queue.head; w != nil; {
		next := w.next
		if !w.bound {
			w.srvPos += s.queue.remove(w)
			w.srv = nil
			b.insertBySince(w)
			n++
		}
		w = next
	}
	if n > 0 {
		for _, o := range b.servers {
			if o != s && o.inLB.Load() {
				b.dispatch(o)
			}
		}
	}
	return n
}

// insertBySince puts w in the backend's queue in order of arrival. b.qmu
// is held.
func (b *Backend) insertBySince(w *waiter) {
	q := &b.queue
	w.idx0 = q.idx - 1
	at := q.tail
	for at != nil && at.since.After(w.since) {
		at = at.prev
	}
	if at == nil {
		w.prev, w.next = nil, q.head
		if q.head != nil {
			q.head.prev = w
		} else {
			q.tail = w
		}
		q.head = w
	} else {
		w.prev, w.next = at, at.next
		if at.next != nil {
			at.next.prev = w
		} else {
			q.tail = w
		}
		at.next = w
	}
	q.n.Add(1)
}

// maxConn is the server's connection limit now (haproxy's
// srv_dynamic_maxconn): maxconn, or between minconn and maxconn in
// proportion to the backend's load against fullconn; 1<<62 when unlimited.
func (s *Server) maxConn(b *Backend) int {
	maxc, minc := s.Limits() // an agent's maxconn:N wins over the configuration
	if maxc == 0 {
		return 1 << 62
	}
	max := maxc
	full := b.set().FullConn
	if minc > 0 && minc < maxc && full > 0 {
		if cur := b.Conns(); cur < full {
			max = minc
			if dyn := cur * maxc / full; dyn > max {
				max = dyn
			}
		}
	}
	return s.Throttle(max) // slowstart ramps the limit too
}

// QueueLen returns the number of requests waiting for this server.
func (s *Server) QueueLen() int { return int(s.queue.n.Load()) }

// QueueLen returns the number of requests waiting for any server of the
// backend.
func (b *Backend) QueueLen() int { return int(b.queue.n.Load()) }

// Conns returns the number of requests assigned to or waiting in the
// backend (haproxy's beconn). It is counted when read, from the servers'
// slots and the queues, so that assigning a request does not touch a
// counter every request of the backend shares.
func (b *Backend) Conns() int {
	n := b.QueueLen()
	for _, m := range b.lb.Load().members {
		n += int(m.Cur.Load()) + m.QueueLen()
	}
	if s := b.implicit.Load(); s != nil {
		n += int(s.Cur.Load())
	}
	return n
}

// Queued returns the requests waiting in the backend's queue and in its
// servers' queues.
func (b *Backend) Queued() int {
	n := b.QueueLen()
	for _, m := range b.lb.Load().members {
		n += m.QueueLen()
	}
	return n
}

// Usable returns the number of usable servers as haproxy's nbsrv counts
// them: the active ones, or when none is left, the backups in use.
func (b *Backend) Usable() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.act > 0:
		return b.act
	case b.bck > 0 && !b.set().AllBackups:
		return 1
	}
	return b.bck
}

// FreeSlots returns the connection slots left on the servers in use, and
// with queue, the queue places left too (haproxy's be_conn_free and
// connslots); -1 when a server in use has no limit, which makes the
// figure meaningless.
func (b *Backend) FreeSlots(queue bool) int64 {
	view := b.lb.Load()
	var n int64
	for _, m := range view.members {
		if m.Weight == 0 {
			continue
		}
		set := m.Settings()
		if maxc, _ := m.Limits(); maxc == 0 || queue && set.MaxQueue == 0 {
			return -1
		}
		n += int64(m.maxConn(b)) - m.Cur.Load()
		if queue {
			n += int64(set.MaxQueue - m.QueueLen())
		}
	}
	return n
}
