package proxy

import (
	"os"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/counters"
)

// What the admin surface reads of the running configuration and of the
// long-lived state: the sections in order, their counters, their limits.
// Nothing here changes anything.

// Proxies returns the frontend, backend and listen sections in
// configuration order.
func (s *Snapshot) Proxies() []*config.Proxy { return s.proxies }

// Frontend returns the frontend (or listen section) of that name, or nil.
func (s *Snapshot) Frontend(name string) *Frontend { return s.frontendByName(name) }

// Backend returns the backend (or listen section) of that name, or nil.
func (s *Snapshot) Backend(name string) *Backend { return s.backends[name] }

// Config returns the frontend's section.
func (fe *Frontend) Config() *config.Proxy { return fe.cfg }

// Counters returns the frontend's long-lived counters.
func (fe *Frontend) Counters() *counters.FE { return fe.counters }

// ListenerCounters returns the counters of one of its binds (by key).
func (fe *Frontend) ListenerCounters(key string) *counters.FE { return fe.listeners[key] }

// Conns returns the frontend's current connections and its limit.
func (fe *Frontend) Conns() (cur, limit int) {
	s := fe.slotsNow()
	if s == nil {
		return 0, 0
	}
	return s.current(), s.size()
}

// Config returns the backend's section.
func (be *Backend) Config() *config.Proxy { return be.cfg }

// State returns the backend's long-lived state: its servers, queue,
// balancer and counters.
func (be *Backend) State() *backend.Backend { return be.state }

// Servers returns the backend's servers in declaration order, those added
// at runtime after them (the live list, not the configuration's).
func (be *Backend) Servers() []*backend.Server { return be.state.Servers() }

// Process is the process-wide part of `show info`.
type Process struct {
	CumConns, CumSess, CumReq   uint64
	ConnRate, SessRate, ReqRate int64
	MaxConnRate, MaxSessRate    uint64
	CurConns, MaxConn           int
	HardMaxConn                 int // the configured maxconn (MaxConn may be set at runtime)
	BytesOut                    uint64
	Stopping                    bool
	Listeners                   int
	Jobs                        int
	Started                     time.Time
	FDLimit                     int64
	// TLS are the process's TLS counters (the Ssl* lines), live.
	TLS *counters.TLSProcess
}

// Process returns the process's counters and limits.
func (rt *Runtime) Process() Process {
	rt.mu.Lock()
	g := rt.global
	hard := rt.globalCfgNow
	jobs := len(rt.conns)
	listeners := len(rt.acceptors)
	rt.mu.Unlock()
	p := Process{
		CumConns: rt.pc.conns.Load(), CumSess: rt.pc.sess.Load(), CumReq: rt.pc.reqs.Load(),
		ConnRate: rt.pc.ConnRate.PerSecond(), SessRate: rt.pc.SessRate.PerSecond(), ReqRate: rt.pc.ReqRate.PerSecond(),
		MaxConnRate: rt.pc.ConnRate.Max(), MaxSessRate: rt.pc.SessRate.Max(),
		CurConns: g.current(), BytesOut: rt.pc.bytesOut.Load(),
		Stopping: rt.Stopping(), Listeners: listeners, Jobs: jobs + listeners, Started: rt.started,
		FDLimit: fdLimit(), HardMaxConn: hard, TLS: rt.state.registry.TLS(),
	}
	if g != nil {
		p.MaxConn = g.size()
	}
	return p
}

// ClearCounters resets the process's maxima (`clear counters`), or all
// its counters too.
func (rt *Runtime) ClearCounters(all bool) {
	rt.pc.ConnRate.ClearMax()
	rt.pc.SessRate.ClearMax()
	rt.pc.ReqRate.ClearMax()
	rt.state.registry.TLS().ClearMax()
	if all {
		rt.pc.conns.Store(0)
		rt.pc.sess.Store(0)
		rt.pc.reqs.Store(0)
		rt.pc.bytesOut.Store(0)
	}
}

// ExportListeners gives duplicates of the listening sockets, by bind key,
// to hand to the process replacing this one (`_getsocks` on a stats socket
// with `expose-fd listeners`).
func (rt *Runtime) ExportListeners() ([]string, []*os.File, error) { return rt.listeners.Export() }
