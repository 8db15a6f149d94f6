// Package proxy runs the data plane: it compiles a config.Config into an
// immutable Snapshot, accepts connections on the listeners and runs HTTP and
// TCP streams through the frontends and backends of the snapshot they began
// with.
package proxy

import (
	"fmt"
	"sync/atomic"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
	"switchyard/persist"
	"switchyard/sample"
	"switchyard/stick"
)

// Snapshot is one compiled configuration. It is never modified after Build:
// a reload builds a new one and swaps the pointer.
type Snapshot struct {
	Global config.Global
	// Patterns are the configuration's pattern files and maps; the next
	// configuration shares those whose files did not change.
	Patterns  *sample.PatternRefs
	frontends []*Frontend
	// proxies are the frontend, backend and listen sections in
	// configuration order, for the statistics.
	proxies  []*config.Proxy
	byBind   map[string]*Frontend
	backends map[string]*Backend
	// tables are the stick tables by name (long-lived: State.tables).
	tables map[string]*stick.Table
	// tableList is tables in declaration order (sticktables.go).
	tableList []*stick.Table
}

// Frontend is the compiled client side of a frontend or listen section:
// its section (settings are read from there) and what is compiled from it.
type Frontend struct {
	Name     string
	cfg      *config.Proxy
	reqRules []compiledRule // http-request
	resRules []compiledRule // http-response
	// afterRules are the http-after-response rules (actions_rewrite.go).
	afterRules []compiledRule
	routes     []route
	log        *frontLog    // nil: no traffic log, no unique id
	logCount   atomic.Int64 // lines logged, for %lc
	def        *Backend
	errors     *errorPages
	limits     http1.Limits
	bufPool    *bufPool
	// ctl is the frontend's runtime state: its connection slots
	// (maxconn, nil: unlimited), pause (control.go); cfgMax the
	// configured maxconn.
	ctl      *feControl
	cfgMax   int
	counters *feCounters // long-lived: request rate…
	// listeners are the counters of the frontend's listeners, by bind
	// key (long-lived too).
	listeners map[string]*feCounters
	tcp       *tcpRules // tcp-request rules; nil: none
	// binds are what happens on each bind before its first stream (the
	// PROXY header, TLS), by bind key; embryonic says whether any bind
	// has such a step.
	binds     map[string]*feBind
	embryonic bool
}

type route struct {
	cond *sample.Cond
	be   *Backend
}

// Backend is the compiled server side of a backend or listen section.
type Backend struct {
	Name     string
	cfg      *config.Proxy
	reqRules []compiledRule // http-request, run after routing (not for a listen's own)
	resRules []compiledRule // http-response, run before the frontend's
	// afterRules: http-after-response, run before the frontend's.
	afterRules []compiledRule
	state      *backend.Backend // long-lived: the balancer over the servers usable now
	servers    []*backend.Server
	byName     map[string]*backend.Server
	// Persistence (persist.go): the cookie (nil: none, or the backend is
	// not in mode http), the servers' cookie values in declaration order,
	cookie       *persist.Cookie
	cookieValues []string
	errors       *errorPages
	tcp          *tcpRules // tcp-request content and tcp-response rules; nil: none

	// stick: stick on/match/store-* rules (stick.go); nil: none.
	stick *stickRules
}

// build compiles a configuration, attaching to the long-lived state staged
// in st (server counters, pools, frontend slots) by name.
// maxconn is the process's (global maxconn, or derived from the descriptor
// limit), the default of every frontend.
func build(cfg *config.Config, st *staged, maxconn int) (*Snapshot, error) {
	s := &Snapshot{Global: cfg.Global, Patterns: cfg.Patterns, byBind: map[string]*Frontend{}, backends: map[string]*Backend{},
		tables: map[string]*stick.Table{}}
	for _, spec := range cfg.Tables() {
		s.tables[spec.Name] = st.tables.Table(*spec)
		s.tableList = append(s.tableList, s.tables[spec.Name])
	}
	st.backends.SpreadChecks(cfg.Global.SpreadChecks)
	st.backends.Node(cfg.Global.Node)
	fullConn := defaultFullConn(cfg, maxconn)
	for _, px := range cfg.Proxies {
		if px.Cap&(config.CapFE|config.CapBE) != 0 {
			s.proxies = append(s.proxies, px)
		}
	}
	for _, px := range cfg.Proxies {
		if px.Cap&config.CapBE == 0 {
			continue
		}
		be, err := buildBackend(px, &cfg.Global, fullConn[px.Name], st)
		if err != nil {
			return nil, err
		}
		be.stick = compileStick(px, s.tables, be.servers)
		s.backends[px.Name] = be
	}
	for _, px := range cfg.Proxies {
		if px.Cap&config.CapFE == 0 {
			continue
		}
		fe := &Frontend{
			Name: px.Name, cfg: px, bufPool: poolFor(cfg.Global.BufSize),
			limits: http1.Limits{MaxHeaders: cfg.Global.MaxHdr, BufSize: cfg.Global.BufSize, MaxRewrite: min(cfg.Global.MaxRewrite, cfg.Global.BufSize/2)},
		}
		fe.errors = newErrorPages(px.ErrorFiles)
		fe.log = compileLog(px, &cfg.Global)
		var err error
		if err = fe.compileConn(px); err != nil {
			return nil, err
		}
		if fe.reqRules, err = compileRequestRules(px); err != nil {
			return nil, err
		}
		fe.reqRules = withBufferRequest(px, fe.reqRules) // actions_body.go
		if fe.afterRules, err = compileRules(px, px.HTTPAfterResponse); err != nil {
			return nil, err
		}
		if fe.resRules, err = compileRules(px, px.HTTPResponse); err != nil {
			return nil, err
		}
		for _, ub := range px.UseBackends {
			fe.routes = append(fe.routes, route{cond: ub.Cond, be: s.backends[ub.Backend]})
		}
		switch {
		case px.DefaultBackend != "":
			fe.def = s.backends[px.DefaultBackend]
		case px.Cap&config.CapBE != 0:
			fe.def = s.backends[px.Name] // a listen section is its own backend
		}
		feMax := px.MaxConn
		if feMax == 0 {
			feMax = maxconn
		}
		fe.ctl, fe.cfgMax = st.frontendControl(px.Name), feMax
		st.frontendSlots(fe.ctl, feMax)
		fe.counters = st.frontendCounters(px.Name)
		// As in haproxy, a listener has counters of its own only under
		// option socket-stats: without it, nothing reads them, and the
		// per-request paths skip a nil set.
		fe.listeners = map[string]*feCounters{}
		if px.SocketStats {
			for _, b := range px.Binds {
				fe.listeners[b.Key()] = st.frontendCounters(px.Name + "\x00" + b.Key())
			}
		}
		for _, b := range px.Binds {
			s.byBind[b.Key()] = fe // config refused an address bound twice
		}
		s.frontends = append(s.frontends, fe)
	}
	return s, nil
}

func buildBackend(px *config.Proxy, g *config.Global, fullConn int, st *staged) (*Backend, error) {
	be := &Backend{Name: px.Name, cfg: px, errors: newErrorPages(px.ErrorFiles)}
	var err error
	if be.tcp, err = compileTCPRules(px); err != nil {
		return nil, err
	}
	if be.reqRules, err = compileRequestRules(px); err != nil {
		return nil, err
	}
	be.reqRules = withBufferRequest(px, be.reqRules) // actions_body.go
	if be.afterRules, err = compileRules(px, px.HTTPAfterResponse); err != nil {
		return nil, err
	}
	if be.resRules, err = compileRules(px, px.HTTPResponse); err != nil {
		return nil, err
	}
	algo := px.Balance
	if px.Mode != config.ModeHTTP && algo.NeedsHTTP() {
		algo.Kind = backend.RoundRobin // as haproxy, which warns at load
	}
	if be.state, be.servers, err = st.backend(px, g, algo, fullConn); err != nil {
		return nil, fmt.Errorf("%s:%d: backend '%s': %v", px.Pos.File, px.Pos.Line, px.Name, err)
	}
	be.byName = make(map[string]*backend.Server, len(be.servers))
	for _, s := range be.servers {
		be.byName[s.Name] = s
	}
	if px.Cookie != nil && px.Mode == config.ModeHTTP {
		be.cookie = px.Cookie
		for _, sc := range px.Servers {
			be.cookieValues = append(be.cookieValues, serverCookie(px, sc))
		}
	}

	return be, nil
}

// queueTimeout is how long a request waits for a server slot: timeout
// queue, or timeout connect when it is not set, as in haproxy.
func (be *Backend) queueTimeout() time.Duration {
	if t := be.cfg.Timeouts.Queue; t > 0 {
		return t
	}
	return be.cfg.Timeouts.Connect
}

// frontendByName returns the named frontend (or listen section), or nil.
func (s *Snapshot) frontendByName(name string) *Frontend {
	for _, fe := range s.frontends {
		if fe.Name == name {
			return fe
		}
	}
	return nil
}

// Binds lists every bind of the snapshot.
func (s *Snapshot) Binds() []*config.Bind {
	var out []*config.Bind
	for _, fe := range s.frontends {
		out = append(out, fe.cfg.Binds...)
	}
	return out
}

// errorPages holds the responses a proxy sends for its own errors: haproxy's
// built-in ones, replaced by `errorfile` where configured.
type errorPages struct {
	custom map[int]*http1.Reply
}

func newErrorPages(files map[int]*http1.Reply) *errorPages {
	return &errorPages{custom: files}
}

// reply returns the response for an error a stream produces.
func (e *errorPages) reply(status int) *http1.Reply {
	if r, ok := e.custom[status]; ok {
		return r
	}
	return http1.ErrorReply(status)
}

// early appends the response for an error found before a request could be
// parsed (400, 408): haproxy writes its built-in message as is.
func (e *errorPages) early(dst []byte, status int, req *http1.Request) []byte {
	if r, ok := e.custom[status]; ok {
		b, _ := r.AppendTo(dst, http1.ModeClose, true, req)
		return b
	}
	return append(dst, http1.ErrorResponse(status)...)
}
