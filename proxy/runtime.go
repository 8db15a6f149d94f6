package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/config"
	"switchyard/counters"
	"switchyard/listener"
	"switchyard/peers"
	"switchyard/ssl"
)

// Runtime is the running proxy: the current snapshot, the listeners and the
// live connections. Apply swaps configurations; Stop ends the process's work.
type Runtime struct {
	Log *slog.Logger

	snap      atomic.Pointer[Snapshot]
	state     *State
	listeners *listener.Manager

	applyMu   sync.Mutex // one Apply at a time
	mu        sync.Mutex
	acceptors map[string]*acceptor
	global    *semaphore // global maxconn
	conns     map[*clientConn]struct{}
	wg        sync.WaitGroup
	stopping  atomic.Bool
	stopCh    chan struct{}
	reloaded  chan struct{} // closed and replaced by each Apply
	janitor   janitor
	expiry    *certWatch   // certexpiry.go
	certs     ssl.Store    // the certificates in service (runtime API, file watch)
	fdBase    int64        // descriptors counted for the reserve and the listeners
	requests  atomic.Int64 // requests logged, for %rt
	pc        procCounters // the process's traffic counters (show info)
	started   time.Time
	// globalOverride is `set maxconn global` (0: none), kept while the
	// configured maxconn is globalCfg; globalCfgNow is the configured
	// one in force. Guarded by mu.
	globalOverride, globalCfg, globalCfgNow int
	// connRate and sessRate are maxconnrate and maxsessrate (control.go),
	// with the configured values in force (guarded by mu).
	connRate, sessRate       rateLimit
	connRateCfg, sessRateCfg int64
	peers                    *peers.Manager // peers.go; guarded by applyMu
	luaHost                  *luaHost       // lua.go; guarded by applyMu
	softStop                 atomic.Bool    // SoftStop (peers.go)
}

type acceptor struct {
	key string
	l   net.Listener
}

// New returns a runtime with no configuration.
func New(log *slog.Logger, lm *listener.Manager) *Runtime {
	if log == nil {
		log = slog.Default()
	}
	if lm == nil {
		lm = listener.NewManager()
	}
	rt := &Runtime{
		Log: log, state: newState(log), listeners: lm,
		acceptors: map[string]*acceptor{}, conns: map[*clientConn]struct{}{},
		stopCh: make(chan struct{}), reloaded: make(chan struct{}), started: time.Now(),
	}
	rt.expiry = newCertWatch(log, realClock{})
	go rt.janitor.run(rt.stopCh)
	go rt.expiry.run(rt.stopCh)
	rt.certs.OnChange = func() { rt.expiry.update(rt.Snapshot().Certificates()) }
	rt.certs.Clients = rt.clientCerts
	go rt.state.pools.Run(rt.stopCh)
	return rt
}

// Certs are the certificates and crt-lists in service, which the runtime
// API and the file watcher change without a reload.
func (rt *Runtime) Certs() *ssl.Store { return &rt.certs }

// Snapshot returns the configuration in force.
func (rt *Runtime) Snapshot() *Snapshot { return rt.snap.Load() }

// Apply builds a snapshot from cfg and makes it current. Listeners the new
// configuration still names are kept, new ones opened, the others closed.
// On any error the running configuration stays as it was.
func (rt *Runtime) Apply(cfg *config.Config) error {
	rt.applyMu.Lock()
	defer rt.applyMu.Unlock()
	limit := fdLimit()
	binds := 0
	for _, px := range cfg.Proxies {
		binds += len(px.Binds)
	}
	maxconn, err := rt.maxConn(&cfg.Global, limit, binds)
	if err != nil {
		return err
	}
	st := rt.state.stage()
	snap, err := build(cfg, st, maxconn)
	if err != nil {
		return err
	}
	if rt.Stopping() {
		return errStopping
	}
	ls, err := rt.listeners.Open(snap.Binds())
	if err != nil {
		return err
	}
	if rt.Stopping() {
		// Stop closed the listeners while these opened: close them too.
		rt.listeners.CloseAll()
		return errStopping
	}
	st.commit()
	rt.applyPeers(cfg, snap)
	rt.applyLua(cfg)
	base := int64(fdReserve + len(ls))
	if maxconn > 0 {
		// As haproxy, the ratios are of the descriptors the connection
		// limit needs (maxsock), not of the system's limit.
		rt.state.pools.SetLimit(int64(maxconn)*perConn+base, cfg.Global.PoolLowFDRatio, cfg.Global.PoolHighFDRatio)
	}
	rt.state.pools.AddOthers(base - rt.fdBase)
	rt.fdBase = base
	rt.certs.Attach(snap.tlsServers(), cfg.Global.SSL.Files)
	rt.expiry.update(snap.Certificates())
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rl := config.RateLimitsOf(&cfg.Global)
	rt.connRateCfg, rt.sessRateCfg = int64(rl.Conns), int64(rl.Sessions)
	rt.connRate.configure(rt.connRateCfg)
	rt.sessRate.configure(rt.sessRateCfg)
	rt.globalCfgNow = maxconn
	if rt.globalOverride > 0 && rt.globalCfg == maxconn {
		maxconn = rt.globalOverride
	} else {
		rt.globalOverride = 0
	}
	if rt.global == nil || rt.global.size() != maxconn {
		rt.global = nil
		if maxconn > 0 {
			rt.global = newSemaphore(maxconn)
		}
	}
	rt.snap.Store(snap)
	// Wake acceptors waiting for a slot of the old configuration: limits
	// may have changed.
	close(rt.reloaded)
	rt.reloaded = make(chan struct{})
	for k, l := range ls {
		if a := rt.acceptors[k]; a != nil && a.l == l {
			continue
		}
		a := &acceptor{key: k, l: l}
		rt.acceptors[k] = a
		// The acceptor counts in the wait group while it runs, so that a
		// connection it accepts is counted before Stop can see zero.
		rt.wg.Add(1)
		go rt.accept(a)
	}
	for k := range rt.acceptors {
		if _, keep := ls[k]; !keep {
			delete(rt.acceptors, k)
		}
	}
	rt.listeners.Retain(ls)
	// Sockets that a changed bind line replaced stop now that their
	// successors accept.
	for _, l := range rt.listeners.TakeReplaced() {
		l.Close()
	}
	return nil
}

// errStopping refuses a configuration that comes once a stop began.
var errStopping = errors.New("the process is stopping")

// accept runs one listener's accept loop until the listener is closed.
func (rt *Runtime) accept(a *acceptor) {
	defer rt.wg.Done()
	var backoff time.Duration
	failures := 0
	for {
		snap := rt.snap.Load()
		fe := snap.byBind[a.key]
		if fe == nil || rt.stopping.Load() {
			return
		}
		// Take the connection slots before accepting: when the proxy is full,
		// connections wait in the kernel's backlog instead of being dropped.
		rt.mu.Lock()
		g, reloaded := rt.global, rt.reloaded
		rt.mu.Unlock()
		if !rt.throttle(reloaded) {
			return
		}
		if resume := fe.ctl.isPaused(); resume != nil {
			// disable frontend: connections wait in the backlog.
			select {
			case <-resume:
			case <-reloaded:
			case <-rt.stopCh:
				return
			}
			continue
		}
		slots := fe.slotsNow()
		if ok, again := rt.acquire(slots, reloaded); !ok {
			if again {
				continue
			}
			return
		}
		if ok, again := rt.acquire(g, reloaded); !ok {
			release(slots)
			if again {
				continue
			}
			return
		}
		c, err := a.l.Accept()
		if err != nil {
			release(slots)
			release(g)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors: idle server connections give theirs
			// back and the accept is tried again at once.
			if outOfFDs(err) && rt.state.pools.Shed() > 0 {
				continue
			}
			// Otherwise back off as net/http does, and say so once per
			// run of failures rather than once per attempt.
			if backoff == 0 {
				rt.Log.Warn("accept failed; retrying with backoff", "bind", a.key, "err", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			failures++
			time.Sleep(backoff)
			continue
		}
		if failures > 0 {
			rt.Log.Info("accepting again", "bind", a.key, "failed_attempts", failures)
			failures = 0
		}
		backoff = 0
		// Paused while this loop waited in Accept: the connection waits
		// as it would have in the backlog. The pause itself woke the
		// loops (wakeAcceptors closed the channel taken before Accept),
		// so each wait takes the channel afresh.
		for resume := fe.ctl.isPaused(); resume != nil; resume = fe.ctl.isPaused() {
			rt.mu.Lock()
			reloaded = rt.reloaded
			rt.mu.Unlock()
			select {
			case <-resume:
			case <-reloaded:
			case <-rt.stopCh:
				c.Close()
				release(slots)
				release(g)
				return
			}
		}
		rt.state.pools.AddOthers(perConn)
		counted(slots, 1)
		counted(g, 1)
		// The frontend may have changed while we waited in Accept; a
		// bind that left the configuration keeps its old frontend and
		// snapshot, and its streams close after one request.
		if cur := rt.snap.Load(); cur.byBind[a.key] != nil {
			snap, fe = cur, cur.byBind[a.key]
		}
		rt.countConn(fe, a.key, counters.Now())
		lc := fe.listeners[a.key]
		if lc != nil {
			lc.Cur.Add(1)
		}
		if fb := fe.binds[a.key]; fb != nil && fb.tls != nil {
			// The handshake runs on the connection's goroutine
			// (sessionStart), not here.
			c = newServerTLS(c, fb.tls, rt.state.registry.TLS())
		}
		rt.wg.Add(1)
		// The slots released are the ones taken, whatever the reload did.
		if fe.cfg.Mode == config.ModeHTTP {
			// The stream is set up here so that its goroutine starts
			// right in its loop: the fewer frames under an idle wait, the
			// smaller the stack an idle connection keeps.
			s := rt.newHTTPStream(c, a.key, snap, fe, slots, g)
			s.lc = lc
			go s.start()
			continue
		}
		go rt.serve(c, a.key, fe, slots, g, lc)
	}
}

// acquire takes a slot of s. It gives up when the runtime stops, or, with
// again set, when a reload happened (the limits may have changed).
func (rt *Runtime) acquire(s *semaphore, reloaded <-chan struct{}) (ok, again bool) {
	if s == nil {
		return true, false
	}
	select {
	case s.ch <- struct{}{}:
		return true, false
	case <-reloaded:
		return false, true
	case <-rt.stopCh:
		return false, false
	}
}

func release(s *semaphore) {
	if s != nil {
		s.release()
	}
}

// done ends a connection's accounting: its slots and the stop wait group.
func (rt *Runtime) done(slots, global *semaphore, lc *feCounters) {
	rt.releaseConn(slots, global, lc)
	rt.wg.Done()
}

// releaseConn gives back a connection's slots and counts it gone. An
// HTTP stream does it before closing its socket, so that a client that
// reconnects at once is not counted twice (smax, scur).
func (rt *Runtime) releaseConn(slots, global *semaphore, lc *feCounters) {
	if lc != nil {
		lc.Cur.Add(-1)
	}
	rt.state.pools.AddOthers(-perConn)
	counted(slots, -1)
	counted(global, -1)
	release(slots)
	release(global)
}

// counted adds n to the connections holding a slot of s.
func counted(s *semaphore, n int64) {
	if s != nil {
		s.conns.Add(n)
	}
}

// serve runs a `mode tcp` connection.
func (rt *Runtime) serve(c net.Conn, key string, fe *Frontend, slots, global *semaphore, lc *feCounters) {
	defer func() {
		// A bug hit by one connection must not take the others down.
		if r := recover(); r != nil {
			rt.Log.Error("internal error: connection closed", "frontend", fe.Name, "panic", r, "stack", string(debug.Stack()))
			c.Close()
		}
		rt.done(slots, global, lc)
	}()
	rt.serveTCP(c, key, fe)
}

// track registers a connection so that a soft stop can close it when idle.
func (rt *Runtime) track(cc *clientConn) {
	rt.mu.Lock()
	rt.conns[cc] = struct{}{}
	rt.mu.Unlock()
}

func (rt *Runtime) untrack(cc *clientConn) {
	rt.mu.Lock()
	delete(rt.conns, cc)
	rt.mu.Unlock()
}

// Stopping reports whether a stop has begun; streams use it to close
// keep-alive connections after the current response.
func (rt *Runtime) Stopping() bool { return rt.stopping.Load() }

// stopAccepting is Stop's first step: when it returns, no listener accepts
// and every connection has been told the process is stopping. It may be
// called more than once.
func (rt *Runtime) stopAccepting() {
	if rt.stopping.CompareAndSwap(false, true) {
		close(rt.stopCh)
		rt.state.registry.Close()
	}
	rt.listeners.CloseAll()
}

// Stop closes the listeners, lets connections finish their current
// transaction (answered with the connection's end), lets idle ones end at
// their next response or their idle timeout, and waits until all are gone
// or ctx ends; then the rest are closed. It reports whether every
// connection ended in time.
func (rt *Runtime) Stop(ctx context.Context) bool {
	defer rt.stopPeers() // peers.go
	defer rt.stopLua()   // lua.go
	rt.stopAccepting()
	done := make(chan struct{})
	go func() { rt.wg.Wait(); close(done) }()
	// Idle server connections go with the process; the servers see
	// them close rather than linger until the process exits.
	defer rt.state.pools.CloseAll()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	rt.mu.Lock()
	for cc := range rt.conns {
		cc.forceClose()
	}
	rt.mu.Unlock()
	<-done
	return false
}
