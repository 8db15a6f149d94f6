// Package runtimeapi is haproxy's command line interface on the stats
// socket (the "runtime API"): `stats socket` listeners, haproxy's protocol
// (see session) and its commands (see table.go), which read and change the
// running process through the admin surface, the one the stats page and
// the exporter use too.
package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/admin"
	"switchyard/config"
)

// Options are a socket's settings: the level its sessions start at, and
// how their messages show their severity ("none", "number" or "string").
type Options struct {
	Level    admin.Level
	Severity string
	ExposeFD bool
	Master   bool // the master CLI (-S): see master.go
}

// Server serves the CLI sockets of one process. Its sockets are kept
// across configurations: Apply opens the sockets a configuration adds,
// closes those it drops, and leaves the others serving (a socket whose
// level changed serves its next sessions at the new level).
type Server struct {
	// Version is what `show version` answers.
	Version string
	Log     *slog.Logger

	surf   *admin.Surface
	master MasterInfo

	mu       sync.Mutex
	byKey    map[string]*socket // the sockets Apply opened
	sockets  []*socket          // every socket served, in order
	sessions map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup

	timeout atomic.Int64 // of sessions, nanoseconds
	bufsize atomic.Int64 // tune.bufsize: the longest command and payload
	slots   limiter      // stats maxconn, shared by all sockets as haproxy's

	maps mapVersions // versions of the maps and ACLs being prepared

	// ACME serves the acme commands (nil: no certificate is managed). Set
	// it before Apply opens the sockets.
	ACME ACME
}

// socket is one listener of the CLI.
type socket struct {
	name string // as `show cli sockets` prints it
	ln   *notifyListener
	opts atomic.Pointer[Options]
	done chan struct{} // closed when its accept loop ended
}

// notifyListener tells when it is closed, so that an accept loop waiting
// for a free slot stops waiting.
type notifyListener struct {
	net.Listener
	once    sync.Once
	closing chan struct{}
}

func (l *notifyListener) Close() error {
	l.once.Do(func() { close(l.closing) })
	return l.Listener.Close()
}

func (sk *socket) options() *Options { return sk.opts.Load() }

// New returns a server of the surface's process, with haproxy's defaults
// until Apply.
func New(surf *admin.Surface) *Server {
	s := &Server{Version: "switchyard", Log: slog.Default(), surf: surf,
		byKey: map[string]*socket{}, sessions: map[net.Conn]struct{}{}}
	s.timeout.Store(int64(config.DefaultStatsTimeout))
	s.bufsize.Store(16384)
	s.slots.set(config.DefaultStatsMaxConn)
	return s
}

// Serve runs the CLI on ln with opts until ctx ends, then closes ln and
// the sessions.
func Serve(ctx context.Context, ln net.Listener, surf *admin.Surface, opts Options) error {
	s := New(surf)
	stop := context.AfterFunc(ctx, s.Close)
	defer stop()
	return s.Serve(ln, opts)
}

// Serve accepts sessions on ln until ln is closed (or the server is).
func (s *Server) Serve(ln net.Listener, opts Options) error {
	sk := newSocket(ln, socketName(ln), opts)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return net.ErrClosed
	}
	s.sockets = append(s.sockets, sk)
	s.wg.Add(1)
	s.mu.Unlock()
	s.acceptLoop(sk)
	return nil
}

func newSocket(ln net.Listener, name string, opts Options) *socket {
	sk := &socket{name: name, ln: &notifyListener{Listener: ln, closing: make(chan struct{})}, done: make(chan struct{})}
	if opts.Level == 0 {
		opts.Level = admin.Operator
	}
	sk.opts.Store(&opts)
	return sk
}

// Apply makes the sockets of g's `stats socket` lines the served ones and
// takes its stats timeout, stats maxconn and tune.bufsize. A socket it
// cannot open is an error, and then nothing changes: the sockets opened
// for this call are closed again and the running ones keep serving.
func (s *Server) Apply(g *config.Global) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	keep := map[string]*socket{}
	var fresh []*socket
	var order []*socket
	for _, sc := range g.StatsSockets {
		key := sc.Key()
		if sk := keep[key]; sk != nil {
			continue // the same socket twice: once is enough
		}
		sk := s.byKey[key]
		if sk == nil {
			ln, name, err := openSocket(sc)
			if err != nil {
				for _, f := range fresh {
					f.ln.Close()
				}
				return err
			}
			sk = newSocket(ln, name, socketOptions(sc))
			fresh = append(fresh, sk)
		}
		keep[key] = sk
		order = append(order, sk)
	}
	// Every socket opened: they take their paths, and the
	// configuration takes effect.
	for _, sk := range fresh {
		if err := place(sk.ln.Listener); err != nil {
			for _, f := range fresh {
				f.ln.Close()
			}
			return fmt.Errorf("'stats socket': cannot bind socket for %s: %w", sk.name, err)
		}
	}
	for _, sc := range g.StatsSockets {
		o := socketOptions(sc)
		keep[sc.Key()].opts.Store(&o)
	}
	for key, sk := range s.byKey {
		if keep[key] == nil {
			sk.ln.Close()
		}
	}
	s.byKey = keep
	// Sockets given to Serve stay after the configured ones.
	for _, sk := range s.sockets {
		if !sk.configured(keep) {
			select {
			case <-sk.done:
			default:
				order = append(order, sk)
			}
		}
	}
	s.sockets = order
	timeout := g.StatsTimeout
	if timeout <= 0 {
		timeout = config.DefaultStatsTimeout
	}
	s.timeout.Store(int64(timeout))
	if g.BufSize > 0 {
		s.bufsize.Store(int64(g.BufSize))
	}
	maxconn := g.StatsMaxConn
	if maxconn <= 0 {
		maxconn = config.DefaultStatsMaxConn
	}
	s.slots.set(maxconn)
	for _, sk := range fresh {
		s.wg.Add(1)
		go s.acceptLoop(sk)
	}
	return nil
}

func (sk *socket) configured(keep map[string]*socket) bool {
	for _, k := range keep {
		if k == sk {
			return true
		}
	}
	return false
}

func socketOptions(sc *config.StatsSocket) Options {
	l, ok := admin.ParseLevel(sc.Level)
	if !ok {
		l = admin.Operator
	}
	return Options{Level: l, Severity: sc.Severity, ExposeFD: sc.ExposeFD}
}

// Addresses lists the served sockets as `show cli sockets` names them
// (haproxy exports them in HAPROXY_CLI, separated by semicolons).
func (s *Server) Addresses() []string {
	var out []string
	for _, sk := range s.socketList() {
		out = append(out, sk.name)
	}
	return out
}

// socketList returns the sockets being served, in order.
func (s *Server) socketList() []*socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*socket
	for _, sk := range s.sockets {
		select {
		case <-sk.done:
		default:
			out = append(out, sk)
		}
	}
	return out
}

// Close stops serving: the listeners close (a unix socket's file is
// removed), then the sessions, and Close waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, sk := range s.sockets {
		sk.ln.Close()
	}
	for _, sk := range s.byKey {
		sk.ln.Close()
	}
	for c := range s.sessions {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// acceptLoop accepts sessions while a slot of stats maxconn is free: past
// the limit, clients wait in the listen backlog, as with haproxy.
func (s *Server) acceptLoop(sk *socket) {
	defer s.wg.Done()
	defer close(sk.done)
	var backoff time.Duration
	for {
		slot, ok := s.slots.acquire(sk.ln.closing)
		if !ok {
			return
		}
		c, err := sk.ln.Accept()
		if err != nil {
			s.slots.release(slot)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.Log.Warn("stats socket: accept failed; retrying", "socket", sk.name, "err", err)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			s.slots.release(slot)
			return
		}
		s.sessions[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c, sk, slot)
	}
}

func (s *Server) serveConn(c net.Conn, sk *socket, slot chan struct{}) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.sessions, c)
		s.mu.Unlock()
		s.slots.release(slot)
		s.wg.Done()
	}()
	o := sk.options()
	sev, _ := parseSeverityOutput(o.Severity)
	sess := &session{srv: s, conn: c, br: newReader(c), level: o.Level, sockLevel: o.Level, exposeFD: o.ExposeFD, severity: sev,
		timeout: time.Duration(s.timeout.Load()), master: o.Master}
	sess.run()
}

func (s *Server) bufSize() int { return int(s.bufsize.Load()) }

// limiter bounds the sessions of all sockets together. A new limit takes
// a new set of slots: sessions holding slots of the old one keep them.
type limiter struct {
	mu      sync.Mutex
	ch      chan struct{}
	changed chan struct{}
}

func (l *limiter) set(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ch != nil && cap(l.ch) == n {
		return
	}
	l.ch = make(chan struct{}, n)
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
}

// acquire takes a slot, or gives up when done is closed.
func (l *limiter) acquire(done <-chan struct{}) (chan struct{}, bool) {
	for {
		l.mu.Lock()
		ch, changed := l.ch, l.changed
		l.mu.Unlock()
		select {
		case ch <- struct{}{}:
			return ch, true
		case <-changed:
		case <-done:
			return nil, false
		}
	}
}

func (l *limiter) release(ch chan struct{}) {
	if ch != nil {
		<-ch
	}
}
