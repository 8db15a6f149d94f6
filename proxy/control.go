package proxy

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/counters"
)

// Runtime control of frontends and of the process's limits (the runtime
// API's `disable|enable|shutdown frontend` and `set maxconn
// frontend|global`). The settings live in the long-lived state, so that a
// reload keeps them unless the new configuration changed the same item.

// feControl is a frontend's runtime state, by name.
type feControl struct {
	// slots is the frontend's connection limit in force (nil: none). A
	// connection keeps the semaphore it took its slot from, so replacing
	// it never strands a slot.
	slots atomic.Pointer[semaphore]

	mu sync.Mutex
	// override is `set maxconn frontend` (0: none); cfgMax the configured
	// limit it replaced: a configuration that changes that limit drops
	// the override.
	override, cfgMax int
	paused           bool
	resume           chan struct{} // closed when resumed
	stopped          bool          // shutdown frontend: until the next reload
}

// isPaused returns the channel that closes on resume, or nil when the
// frontend accepts.
func (c *feControl) isPaused() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.paused {
		return nil
	}
	return c.resume
}

// slotsFor returns the semaphore a (re)configured frontend uses: the
// runtime override while the configured limit n is the one it replaced.
func (c *feControl) slotsFor(n int) *semaphore {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.override > 0 && c.cfgMax == n {
		n = c.override
	} else {
		c.override = 0
	}
	c.stopped = false // a reload brings a shut frontend back, as a new haproxy process
	cur := c.slots.Load()
	if n <= 0 {
		return nil
	}
	if cur != nil && cur.size() == n {
		return cur
	}
	return newSemaphore(n)
}

// frontendControl returns the long-lived control of a frontend.
func (g *staged) frontendControl(name string) *feControl {
	g.st.mu.Lock()
	defer g.st.mu.Unlock()
	c := g.st.controls[name]
	if c == nil {
		c = &feControl{}
	}
	g.controls[name] = c
	return c
}

// Errors of the frontend commands, haproxy's words.
var (
	ErrNoFrontend      = errors.New("No such frontend.\n")
	ErrFrontendStopped = errors.New("Frontend was already shut down.\n")
	errCannotDisable   = errors.New("Frontend was previously shut down, cannot disable.\n")
	errCannotEnable    = errors.New("Frontend was previously shut down, cannot enable.\n")
	errAlreadyEnabled  = errors.New("All sockets are already enabled.\n")
	errAlreadyDisabled = errors.New("All sockets are already disabled.\n")
)

// PauseFrontend stops a frontend from accepting (`disable frontend`):
// connections wait in the listeners' backlogs until it is enabled.
func (rt *Runtime) PauseFrontend(name string) error {
	return rt.withControl(name, func(c *feControl) error {
		switch {
		case c.stopped:
			return errCannotDisable
		case c.paused:
			return errAlreadyDisabled
		}
		c.paused, c.resume = true, make(chan struct{})
		rt.wakeAcceptors()
		return nil
	})
}

// ResumeFrontend lets a paused frontend accept again (`enable frontend`).
func (rt *Runtime) ResumeFrontend(name string) error {
	return rt.withControl(name, func(c *feControl) error {
		switch {
		case c.stopped:
			return errCannotEnable
		case !c.paused:
			return errAlreadyEnabled
		}
		c.paused = false
		close(c.resume)
		return nil
	})
}

// withControl runs f on a frontend's control, locked.
func (rt *Runtime) withControl(name string, f func(c *feControl) error) error {
	fe := rt.Snapshot().Frontend(name)
	if fe == nil {
		return ErrNoFrontend
	}
	fe.ctl.mu.Lock()
	defer fe.ctl.mu.Unlock()
	return f(fe.ctl)
}

// ShutdownFrontend closes a frontend's listeners until the next reload
// (`shutdown frontend`); its connections finish.
func (rt *Runtime) ShutdownFrontend(name string) error {
	fe := rt.Snapshot().Frontend(name)
	if fe == nil {
		return ErrNoFrontend
	}
	c := fe.ctl
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return ErrFrontendStopped
	}
	c.stopped = true
	if c.paused {
		c.paused = false
		close(c.resume)
	}
	c.mu.Unlock()
	keys := make([]string, 0, len(fe.cfg.Binds))
	for _, b := range fe.cfg.Binds {
		keys = append(keys, b.Key())
	}
	rt.listeners.Close(keys)
	return nil
}

// FrontendState says whether a frontend is paused or shut down.
func (fe *Frontend) FrontendState() (paused, stopped bool) {
	c := fe.ctl
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused, c.stopped
}

// SetFrontendMaxConn changes a frontend's maxconn until a reload changes
// the configured one (`set maxconn frontend`).
func (rt *Runtime) SetFrontendMaxConn(name string, n int) error {
	fe := rt.Snapshot().Frontend(name)
	if fe == nil {
		return ErrNoFrontend
	}
	c := fe.ctl
	c.mu.Lock()
	c.override, c.cfgMax = n, fe.cfgMax
	var s *semaphore
	if n > 0 {
		s = newSemaphore(n)
	}
	c.slots.Store(s)
	c.mu.Unlock()
	rt.wakeAcceptors()
	return nil
}

// SetGlobalMaxConn changes the process's maxconn until a reload changes
// the configured one (`set maxconn global`).
func (rt *Runtime) SetGlobalMaxConn(n int) {
	rt.mu.Lock()
	rt.globalOverride, rt.globalCfg = n, rt.globalCfgNow
	rt.global = newSemaphore(n)
	rt.mu.Unlock()
	rt.wakeAcceptors()
}

// wakeAcceptors makes the accept loops look at their limits again.
func (rt *Runtime) wakeAcceptors() {
	rt.mu.Lock()
	close(rt.reloaded)
	rt.reloaded = make(chan struct{})
	rt.mu.Unlock()
}

// slotsNow is the frontend's connection limit in force.
func (fe *Frontend) slotsNow() *semaphore { return fe.ctl.slots.Load() }

// Session is one client connection as `show sess` lists it.
type Session struct {
	ID                        uint64 // stable while the connection lives
	Src, Dst                  netip.AddrPort
	Frontend, Backend, Server string // Backend and Server: "" between requests
	Age                       time.Duration
}

// Sessions lists the client connections.
func (rt *Runtime) Sessions() []Session {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]Session, 0, len(rt.conns))
	now := time.Now()
	for cc := range rt.conns {
		s := Session{ID: cc.id(), Src: addrPort(cc.c.RemoteAddr()), Dst: addrPort(cc.c.LocalAddr()),
			Frontend: cc.fe, Age: now.Sub(cc.start)}
		if be := cc.be.Load(); be != nil {
			s.Backend = be.Name
		}
		if srv := cc.srv.Load(); srv != nil {
			s.Server = srv.Name
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Session) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ShutdownSession cuts one client connection by its id; false when none
// has it.
func (rt *Runtime) ShutdownSession(id uint64) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for cc := range rt.conns {
		if cc.id() == id {
			cc.forceClose()
			return true
		}
	}
	return false
}

// ShutdownServerSessions cuts the connections whose request is using srv
// (`shutdown sessions server`); it returns how many.
func (rt *Runtime) ShutdownServerSessions(srv *backend.Server) int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	n := 0
	for cc := range rt.conns {
		if cc.srv.Load() == srv {
			cc.forceClose()
			n++
		}
	}
	return n
}

// id is a connection's number for the CLI: its address, as haproxy
// prints its streams' pointers.
func (cc *clientConn) id() uint64 { return uint64(uintptr(unsafe.Pointer(cc))) }

// Rate limits of the process (maxconnrate, maxsessrate, `set rate-limit
// connections|sessions global`): set at runtime, they are kept across
// reloads while the configuration keeps the value they replaced.
type rateLimit struct {
	limit      atomic.Int64 // in force (0: none)
	cfg, rtSet int64        // the configured value a runtime change replaced, and that change (guarded by Runtime.mu)
	override   bool
}

// configure puts the configured limit in force unless a runtime change of
// the same configured value holds. rt.mu is held.
func (r *rateLimit) configure(n int64) {
	if r.override && r.cfg == n {
		r.limit.Store(r.rtSet)
		return
	}
	r.override = false
	r.limit.Store(n)
}

// set is a runtime change. rt.mu is held.
func (r *rateLimit) set(n int64, configured int64) {
	r.override, r.cfg, r.rtSet = true, configured, n
	r.limit.Store(n)
}

// SetRateLimit changes maxconnrate ("connections") or maxsessrate
// ("sessions") at runtime; 0 removes the limit.
func (rt *Runtime) SetRateLimit(what string, n int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	switch what {
	case "connections":
		rt.connRate.set(int64(n), rt.connRateCfg)
	case "sessions":
		rt.sessRate.set(int64(n), rt.sessRateCfg)
	}
}

// RateLimits returns the limits in force (0: none).
func (rt *Runtime) RateLimits() (conns, sessions int) {
	return int(rt.connRate.limit.Load()), int(rt.sessRate.limit.Load())
}

// throttle waits while the process accepts faster than its limits allow,
// as haproxy pauses its listeners; it reports false when the runtime
// stops meanwhile.
func (rt *Runtime) throttle(reloaded <-chan struct{}) bool {
	for {
		wait := time.Duration(0)
		for _, c := range []struct {
			lim  int64
			rate *counters.Rate
		}{{rt.connRate.limit.Load(), &rt.pc.ConnRate}, {rt.sessRate.limit.Load(), &rt.pc.SessRate}} {
			if c.lim > 0 && c.rate.PerSecond() >= c.lim {
				wait = max(wait, time.Second/time.Duration(c.lim))
			}
		}
		if wait == 0 {
			return true
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-t.C:
		case <-reloaded:
			t.Stop()
			return true
		case <-rt.stopCh:
			t.Stop()
			return false
		}
	}
}

// AddServer creates a server in a backend at runtime (`add server B/S
// ADDR [options]`), read as a `server` line of that backend: it starts in
// maintenance with its checks disabled, takes balanced traffic once
// enabled, and is gone at the next reload unless the configuration names
// it. Cookie persistence and use-server do not name it. With `track`, it
// follows a running server that is not dynamic (config checks it as
// haproxy's srv_apply_track).
func (rt *Runtime) AddServer(beName, name string, args []string) error {
	snap := rt.Snapshot()
	be := snap.Backend(beName)
	if be == nil {
		return errors.New("No such backend.")
	}
	if err := be.state.AcceptsDynamic(); err != nil {
		return err
	}
	sc, err := config.ParseDynamicServer(&snap.Global, be.cfg, name, args)
	if err != nil {
		return err
	}
	// The "backend/server" it names is in the settings already.
	_, err = config.ResolveDynamicTrack(be.cfg, sc,
		func(name string) *config.Proxy {
			if b := snap.Backend(name); b != nil {
				return b.cfg
			}
			return nil
		},
		func(bname, sname string) (config.Trackee, bool) {
			s := rt.state.registry.Server(bname, sname)
			if s == nil {
				return config.Trackee{}, false
			}
			set := s.Settings()
			return config.Trackee{Dynamic: set.Dynamic, Checked: set.Check != nil || set.Agent != nil || set.Track != ""}, true
		})
	if err != nil {
		return err
	}
	if r := sc.TLS.Ref; r != nil {
		// As haproxy, the certificate comes from the store when it holds
		// one for the file (set ssl cert may have changed it).
		if c := rt.certs.ServerCert(r.Path); c != nil {
			r.Set(c)
		}
	}
	var rules backend.Prober
	if sc.Check {
		if rules, err = be.cfg.Check.Build(be.cfg.Mode == config.ModeHTTP); err != nil {
			return err
		}
	}
	_, err = be.state.AddServer(serverSettings(be.cfg, sc, rules))
	return err
}

// DelServer removes a server at runtime (`del server B/S`).
func (rt *Runtime) DelServer(beName, name string) error {
	be := rt.Snapshot().Backend(beName)
	if be == nil {
		return errors.New("No such backend.")
	}
	return be.state.DelServer(name)
}
