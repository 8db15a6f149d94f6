package peers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/stick"
)

// Timers of the protocol, haproxy's (PEER_*_TIMEOUT). Variables so that
// tests can shorten them.
var (
	// resyncTimeout is how long a starting peer waits for a peer to teach
	// it the tables before it gives up and counts itself synchronised.
	resyncTimeout = 5 * time.Second
	// reconnectDelay is the wait after a failed connection.
	reconnectDelay = 5 * time.Second
	// heartbeat is sent after this long without sending anything.
	heartbeatEvery = 3 * time.Second
	// deadAfter without receiving anything, a session is closed (haproxy
	// notices between one and two 5 s periods).
	deadAfter = 10 * time.Second
	// handshakeTimeout bounds the three lines and the status.
	handshakeTimeout = 5 * time.Second
)

// Remote is a peer of a section other than this process.
type Remote struct {
	Name string
	Addr string // host:port, "": never connected to (it may connect to us)
	// Shown is the address show peers prints when Addr is "" (one
	// without a port, or port 0), as written.
	Shown string
	TLS   *TLS // nil: plain TCP
}

// Discover finds peers by DNS (switchyard's extension).
type Discover struct {
	Name     string
	Port     int
	Interval time.Duration
	Resolver string // host:port of a DNS server, "": the system's
}

// SectionConfig is what a peers section asks for.
type SectionConfig struct {
	Name   string
	Local  string // the local peer's name
	Listen string // the local peer's address
	// ListenTLS makes the listener speak TLS (nil: plain TCP).
	ListenTLS *TLS
	// DiscoverTLS is how discovered peers are reached (nil: plain TCP).
	DiscoverTLS *TLS
	Remotes     []Remote
	Tables      []*stick.Table // the tables the section synchronises
	Discover    *Discover
	// Sum makes the tables' counters and rates the sum of every peer's
	// own counts (switchyard's "merge sum"; see sum.go).
	Sum bool
	// LocalIndex is where the local peer's line is among Remotes' (how
	// many come before it), for show peers' order.
	LocalIndex int
}

// Manager runs the peers sections of the running configuration. Sections
// outlive reloads: one whose definition did not change keeps its sessions.
type Manager struct {
	log      *slog.Logger
	mu       sync.Mutex
	sections map[string]*Section
	order    []string // the sections' names, in the configuration's order
}

// NewManager returns a manager with no section.
func NewManager(log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	return &Manager{log: log, sections: map[string]*Section{}}
}

// Apply puts sections in force: unchanged ones keep running, changed ones
// restart, those not named stop. A section whose address cannot be
// listened on is reported and left out; the others still start.
func (m *Manager) Apply(cfgs []SectionConfig) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Sections that go or change stop first: a table that moves to
	// another section must lose the old one's hook before it gets the
	// new one's.
	byName := map[string]*SectionConfig{}
	for i := range cfgs {
		byName[cfgs[i].Name] = &cfgs[i]
	}
	for name, s := range m.sections {
		if c := byName[name]; c == nil || !s.same(c) {
			s.Close()
			delete(m.sections, name)
		}
	}
	var errs []error
	m.order = m.order[:0]
	for _, c := range cfgs {
		m.order = append(m.order, c.Name)
		if s := m.sections[c.Name]; s != nil {
			s.setRemotes(c.Remotes)
			continue
		}
		s, err := start(c, m.log)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.sections[c.Name] = s
	}
	return errors.Join(errs...)
}

// Section returns a running section by name, or nil.
func (m *Manager) Section(name string) *Section {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sections[name]
}

// Close stops every section.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, s := range m.sections {
		s.Close()
		delete(m.sections, name)
	}
}

// Section is a running peers section: its listener, its peers and their
// sessions, the tables it shares.
type Section struct {
	cfg    SectionConfig
	log    *slog.Logger
	ln     net.Listener
	tables []*shared
	byNet  map[string]*shared
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	peers map[string]*peer
	// Learning the tables when the section starts (haproxy's resync from
	// a remote peer): until resynced, the first peer to connect is asked
	// to teach; resyncBy is that peer's session.
	resynced     bool
	resyncBy     *session
	resyncExpiry time.Time
	// self is this process's address among those discovered, "" until
	// found.
	self string
	// handshaking are the incoming connections not yet sessions, closed
	// with the section.
	handshaking map[net.Conn]struct{}
	// live is the sessions, for wakeAll.
	live atomic.Pointer[[]*session]
	// local is the process we replace, while it hands its tables over.
	local *peer
	// me is the local peer as show peers lists it when no other process
	// of ours is connected under its name.
	me *peer
	// started is when the section started; flags is its resync state in
	// haproxy's terms (SecResync*), for show peers.
	started time.Time
	flags   uint32
}

// peer is a remote peer; it outlives its sessions.
type peer struct {
	name  string
	addr  string
	shown string // the address as written, when addr is ""
	// dynamic peers were discovered or connected to us from a discovered
	// address; static ones come from peer/server lines; local is another
	// process of ours under our own name (handover.go).
	static, discovered, local bool
	tls                       *TLS
	sess                      *session
	// acked is, per table, the last update the peer acknowledged: a new
	// session pushes what came after.
	acked    map[*shared]uint32
	notUp    bool // it taught us while not synchronised itself
	dialWake chan struct{}
	stop     chan struct{}
	peerCounters
}

func start(c SectionConfig, log *slog.Logger) (*Section, error) {
	var lnTLS *tls.Config
	if c.ListenTLS != nil {
		var err error
		if lnTLS, err = c.ListenTLS.config(true); err != nil {
			return nil, fmt.Errorf("peers section '%s': %v", c.Name, err)
		}
	}
	ln, err := listen(c.Listen)
	if err != nil {
		return nil, fmt.Errorf("peers section '%s': cannot listen on %s: %v", c.Name, c.Listen, err)
	}
	if lnTLS != nil {
		ln = tls.NewListener(ln, lnTLS)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Section{cfg: c, log: log.With("peers", c.Name), ln: ln, byNet: map[string]*shared{},
		ctx: ctx, cancel: cancel, peers: map[string]*peer{}, resyncExpiry: time.Now().Add(resyncTimeout),
		handshaking: map[net.Conn]struct{}{}, started: time.Now(),
		// No old process of ours is waited for (one that hands its
		// tables over is taken as any teacher): haproxy's state once
		// that wait is over.
		flags: SecResyncLocal | SecResyncLocalTimeout,
		me:    &peer{name: c.Local, local: true}}
	for i, t := range c.Tables {
		sh := newShared(t, uint64(i+1), c.Sum)
		sh.wake = s.wakeAll
		s.tables = append(s.tables, sh)
		s.byNet[sh.wire] = sh
		t.SetOnTouch(sh.touched)
	}
	s.setRemotes(c.Remotes)
	s.wg.Add(2)
	go s.acceptLoop()
	go s.resyncTimer()
	if c.Discover != nil {
		s.wg.Add(1)
		go s.discoverLoop()
	}
	return s, nil
}

// same says whether a configuration is the running one's but for its
// static remote peers, which change without a restart.
func (s *Section) same(c *SectionConfig) bool {
	a, b := s.cfg, *c
	if !reflect.DeepEqual(a.ListenTLS, b.ListenTLS) || !reflect.DeepEqual(a.DiscoverTLS, b.DiscoverTLS) {
		return false
	}
	if len(a.Tables) != len(b.Tables) {
		return false
	}
	// The same table objects: a table rebuilt for a new layout needs a
	// new definition on the wire and a hook.
	for i := range a.Tables {
		if a.Tables[i] != b.Tables[i] {
			return false
		}
	}
	return reflect.DeepEqual(a.Discover, b.Discover) && a.Name == b.Name && a.Local == b.Local &&
		a.Listen == b.Listen && a.Sum == b.Sum
}

// Close stops the section: its listener, sessions and discovery.
func (s *Section) Close() {
	s.cancel()
	s.ln.Close()
	s.mu.Lock()
	for _, p := range s.peers {
		s.dropLocked(p)
	}
	for c := range s.handshaking {
		c.Close()
	}
	if s.local != nil {
		s.dropLocked(s.local)
	}
	s.mu.Unlock()
	for _, sh := range s.tables {
		sh.t.SetOnTouch(nil)
	}
	s.wg.Wait()
}

// Addr is the address the section listens on.
func (s *Section) Addr() net.Addr { return s.ln.Addr() }

// setRemotes puts the static peers in force: new ones are dialled, gone
// ones dropped with their session.
func (s *Section) setRemotes(rs []Remote) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]Remote{}
	for _, r := range rs {
		want[r.Name] = r
	}
	for name, p := range s.peers {
		if r, ok := want[name]; p.static && (!ok || r.Addr != p.addr || !reflect.DeepEqual(r.TLS, p.tls)) {
			s.dropLocked(p)
			delete(s.peers, name)
		}
	}
	for _, r := range rs {
		if s.peers[r.Name] == nil {
			s.addLocked(r.Name, r.Addr, true, r.TLS).shown = r.Shown
		}
	}
}

func (s *Section) addLocked(name, addr string, static bool, t *TLS) *peer {
	p := &peer{name: name, addr: addr, static: static, tls: t, acked: map[*shared]uint32{},
		dialWake: make(chan struct{}, 1), stop: make(chan struct{})}
	s.peers[name] = p
	if addr != "" && s.ctx.Err() == nil {
		s.wg.Add(1)
		go s.dialLoop(p)
	}
	return p
}

func (s *Section) dropLocked(p *peer) {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	if p.sess != nil {
		p.sess.close()
	}
}

// wakeAll tells every session there are updates to push.
// It runs at every local change of a shared table (the request path):
// it reads the sessions from a copy and takes no lock.
func (s *Section) wakeAll() {
	if l := s.live.Load(); l != nil {
		for _, ss := range *l {
			ss.wakeup()
		}
	}
}

// setSessLocked changes a peer's session and the copy wakeAll reads.
func (s *Section) setSessLocked(p *peer, ss *session) {
	p.sess = ss
	var l []*session
	for _, o := range s.peers {
		if o.sess != nil {
			l = append(l, o.sess)
		}
	}
	s.live.Store(&l)
}

// localName is the name this process gives itself to a peer: its -L name,
// or for a discovered peer the address DNS gives it.
func (s *Section) localName(p *peer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !p.discovered {
		return s.cfg.Local
	}
	if s.self != "" {
		return s.self
	}
	if h, port, err := net.SplitHostPort(s.ln.Addr().String()); err == nil {
		if ip := net.ParseIP(h); ip != nil && !ip.IsUnspecified() {
			return net.JoinHostPort(h, port)
		}
	}
	return s.cfg.Local
}

// acceptLoop takes incoming sessions.
func (s *Section) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Warn("peers accept failed", "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-s.ctx.Done():
				return
			}
			continue
		}
		s.mu.Lock()
		if s.ctx.Err() != nil {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.handshaking[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveIncoming(c)
			s.mu.Lock()
			delete(s.handshaking, c)
			s.mu.Unlock()
		}()
	}
}

// dialLoop keeps a session to a peer with an address: it connects when the
// peer has no session (one it accepted counts), waits after failures.
func (s *Section) dialLoop(p *peer) {
	defer s.wg.Done()
	var wait time.Duration
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.stop:
				t.Stop()
				return
			case <-s.ctx.Done():
				t.Stop()
				return
			}
		}
		s.mu.Lock()
		busy := p.sess != nil
		s.mu.Unlock()
		if busy {
			// Wait for the session (an accepted one) to end.
			select {
			case <-p.dialWake:
			case <-p.stop:
				return
			case <-s.ctx.Done():
				return
			}
			wait = jitter()
			continue
		}
		ended := s.connect(p)
		switch ended {
		case endCollision, endDead:
			wait = jitter()
		default:
			wait = reconnectDelay
		}
		s.mu.Lock()
		p.reconnect = time.Now().Add(wait)
		s.mu.Unlock()
	}
}

// jitter is haproxy's wait after killing a session, so that two peers
// that both do so do not reconnect at the same time again.
func jitter() time.Duration { return time.Duration(50+rand.IntN(2000)) * time.Millisecond }

// sessionEnd says how a session ended, for the wait before the next.
type sessionEnd int

const (
	endFailed    sessionEnd = iota // could not connect or refused
	endCollision                   // replaced by a session the peer opened
	endDead                        // closed after it was established
)

func (s *Section) connect(p *peer) sessionEnd {
	var d interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{Timeout: handshakeTimeout}
	if p.tls != nil {
		cfg, err := p.tls.config(false)
		if err != nil {
			s.log.Warn("peers TLS settings", "peer", p.name, "err", err)
			return endFailed
		}
		d = &tls.Dialer{NetDialer: &net.Dialer{Timeout: handshakeTimeout}, Config: cfg}
	}
	s.mu.Lock()
	p.dialing, p.status, p.lastHdshk = true, StatusConnect, time.Now()
	p.reconnect = p.lastHdshk.Add(reconnectDelay)
	p.newConn++
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, handshakeTimeout)
	c, err := d.DialContext(ctx, "tcp", p.addr)
	cancel()
	s.mu.Lock()
	p.dialing = false
	if err == nil && p.sess == nil {
		p.status = StatusConnected
	}
	s.mu.Unlock()
	if err != nil {
		s.log.Debug("peers connect failed", "peer", p.name, "addr", p.addr, "err", err)
		return endFailed
	}
	ss := newSession(s, p, c, nil, false)
	s.mu.Lock()
	if p.sess != nil || s.ctx.Err() != nil {
		s.mu.Unlock()
		c.Close()
		return endCollision
	}
	s.setSessLocked(p, ss)
	s.mu.Unlock()
	if err := ss.hello(); err != nil {
		s.log.Debug("peers handshake failed", "peer", p.name, "err", err)
		s.mu.Lock()
		replaced := p.sess != ss
		s.mu.Unlock()
		s.release(ss)
		if replaced || errors.Is(err, errReplaced) {
			// The peer connected to us meanwhile and its session won.
			return endCollision
		}
		return endFailed
	}
	s.log.Info("peers session established", "peer", p.name, "dir", "out")
	ss.run()
	s.release(ss)
	return endDead
}

// release forgets a session that ended.
func (s *Section) release(ss *session) {
	ss.close()
	s.mu.Lock()
	p := ss.peer
	if p.sess == ss {
		s.setSessLocked(p, nil)
		select {
		case p.dialWake <- struct{}{}:
		default:
		}
	}
	if s.resyncBy == ss {
		s.resyncBy = nil
		s.flags &^= SecResyncAssign | SecResyncProcess
		if p.local {
			s.flags |= SecResyncLocalAbort
		} else {
			s.flags |= SecResyncRemoteAbort
		}
		s.assignResyncLocked()
	}
	if !p.static && p.sess == nil && !p.discovered {
		// A peer known only by its connection goes with it.
		delete(s.peers, p.name)
	}
	s.mu.Unlock()
}

// established registers a session whose handshake succeeded and asks it
// to teach us the tables if we still need them.
func (s *Section) established(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.peer.local {
		// The process we replace teaches unasked: its lesson is ours.
		if !s.resynced {
			s.resyncBy = ss
			s.flags |= SecResyncAssign | SecResyncProcess | SecResyncLocalAssign
		}
		return
	}
	if !s.resynced && s.resyncBy == nil && !ss.peer.notUp {
		s.resyncBy = ss
		s.flags |= SecResyncAssign | SecResyncProcess | SecResyncRemoteAssign
		ss.askResync()
	}
}

func (s *Section) assignResyncLocked() {
	if s.resynced || s.resyncBy != nil {
		return
	}
	for _, p := range s.peers {
		if ss := p.sess; ss != nil && ss.isEstablished() && !p.notUp {
			s.resyncBy = ss
			s.flags |= SecResyncAssign | SecResyncProcess | SecResyncRemoteAssign
			ss.askResync()
			return
		}
	}
}

// resyncDone is told the teacher's verdict: finished, or partial (it was
// not synchronised itself: ask another, within a new delay).
func (s *Section) resyncDone(ss *session, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resyncBy != ss {
		return
	}
	s.resyncBy = nil
	s.flags &^= SecResyncAssign | SecResyncProcess
	if full {
		s.flags |= SecResyncLocal | SecResyncRemote
		if ss.peer.local {
			s.flags |= SecResyncLocalFinished
		} else {
			s.flags |= SecResyncRemoteFinished
		}
		s.resynced = true
		s.log.Info("peers tables learned", "from", ss.peer.name)
		return
	}
	ss.peer.notUp = true
	if ss.peer.local {
		s.flags |= SecResyncLocalPartial
	} else {
		s.flags |= SecResyncRemotePartial
	}
	s.resyncExpiry = time.Now().Add(resyncTimeout)
	s.assignResyncLocked()
}

// Resynced says whether the section has learned the tables (or stopped
// waiting for a teacher).
func (s *Section) Resynced() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resynced
}

// resyncTimer ends the wait for a teacher.
func (s *Section) resyncTimer() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		if !s.resynced && s.resyncBy == nil && time.Now().After(s.resyncExpiry) {
			s.resynced = true
			s.flags |= SecResyncRemote | SecResyncRemoteTimeout
		}
		done := s.resynced
		s.mu.Unlock()
		if done {
			return
		}
	}
}

// Peers reports each peer's name and whether it has an established
// session.
func (s *Section) Peers() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for n, p := range s.peers {
		out[n] = p.sess != nil && p.sess.isEstablished()
	}
	return out
}

// listen opens the local peer's address: host:port, with haproxy's ipv4@
// and ipv6@ prefixes, or fd@N, a listening socket inherited from the
// parent.
func listen(addr string) (net.Listener, error) {
	if n, ok := strings.CutPrefix(addr, "fd@"); ok {
		fd, err := strconv.Atoi(n)
		if err != nil {
			return nil, fmt.Errorf("invalid file descriptor in '%s'", addr)
		}
		f := os.NewFile(uintptr(fd), addr)
		defer f.Close()
		return net.FileListener(f)
	}
	network := "tcp"
	if a, ok := strings.CutPrefix(addr, "ipv4@"); ok {
		network, addr = "tcp4", a
	} else if a, ok := strings.CutPrefix(addr, "ipv6@"); ok {
		network, addr = "tcp6", a
	}
	return reusePort.Listen(context.Background(), network, addr)
}

// reusePort listens with SO_REUSEPORT, as haproxy's peers listener: a
// process started with -sf binds the peers address before the old one
// lets it go, and both take sessions meanwhile.
var reusePort = net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}}

// soReusePort is SO_REUSEPORT, which package syscall does not name on
// Linux.
const soReusePort = 0xf
