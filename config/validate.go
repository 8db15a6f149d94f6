package config

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"switchyard/backend"
	"switchyard/sample"
)

// validate checks what can only be checked once every section is known:
// references between proxies, their modes, server addresses and ids.
func (p *parser) validate() {
	p.checkDuplicateBinds()
	backends := map[string]*Proxy{}
	ids := map[int]*Proxy{}
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapBE != 0 {
			backends[px.Name] = px
		}
		if px.ID == 0 {
			continue
		}
		if o := ids[px.ID]; o != nil {
			p.errs = append(p.errs, &Error{File: px.Pos.File, Line: px.Pos.Line,
				Msg: fmt.Sprintf("%s %s reuses same custom id as %s %s (declared at %s:%d)",
					px.Cap.Kind(), px.Name, o.Cap.Kind(), o.Name, o.Pos.File, o.Pos.Line)})
		}
		ids[px.ID] = px
	}
	// Proxies without an id get the next free one in declaration order,
	// as haproxy numbers them (fe_id, be_id, the stats page). A stats
	// socket makes haproxy create its CLI's proxy ("GLOBAL") first, which
	// takes the first free id.
	next := 1
	if len(p.cfg.Global.StatsSockets) > 0 && ids[next] == nil {
		ids[next] = &Proxy{Name: "GLOBAL"}
	}
	for _, px := range p.cfg.Proxies {
		if px.ID != 0 {
			continue
		}
		for ids[next] != nil {
			next++
		}
		px.ID = next
		ids[next] = px
	}
	for _, px := range p.cfg.Proxies {
		p.file, p.line = px.Pos.File, px.Pos.Line
		if px.Cap&CapFE != 0 {
			p.validateFrontend(px, backends)
		}
		if px.Cap&CapBE != 0 {
			p.validateBackend(px)
			p.validateDispatch(px)  // kw_dispatch.go
			p.validateSendProxy(px) // kw_sendproxy.go
			p.validateUseServers(px)
			p.validateChecks(px)
		}
		if ig := px.ignored; ig != nil {
			// haproxy resolves the backends named by `default_backend` and
			// `use_backend` lines even where it ignores them (in a
			// backend), so a missing or incompatible one is still an error.
			if ig.DefaultBackend != "" {
				p.checkBackendRef(px, ig.DefaultBackend, ig.DefaultBackPos, "default_backend", backends)
			}
			for _, ub := range ig.UseBackends {
				p.checkBackendRef(px, ub.Backend, ub.Pos, "use_backend", backends)
			}
		}
		p.validateLogging(px)
		p.warnDefaultBackendAndServers(px, backends)
		p.warnUnusableConditions(px)
		p.warnL6InHTTP(px)
		for _, rules := range [][]*HTTPRule{px.HTTPRequest, px.HTTPResponse, px.HTTPAfterResponse} {
			if px.Mode == ModeTCP && len(rules) > 0 {
				p.file, p.line = rules[0].Pos.File, rules[0].Pos.Line
				p.warnf("'%s' rules ignored for %s '%s' as they require HTTP mode.", rules[0].Set.Keyword(), px.Cap.Kind(), px.Name)
			}
		}
		p.lintProxy(px) // lint.go
	}
	p.lintConfig()
}

// warnL6InHTTP warns, as haproxy does, about each condition of an HTTP
// proxy that reads a TCP stream's bytes (req.payload, req.len…): there
// the fetches find nothing. haproxy checks use_backend, then use-server,
// then the rule sets in their order.
func (p *parser) warnL6InHTTP(px *Proxy) {
	if px.Mode != ModeHTTP {
		return
	}
	warn := func(c *sample.Cond, pos Pos) {
		if c != nil && c.Reads(sample.SrcL6Req|sample.SrcL6Res) {
			p.file, p.line = pos.File, pos.Line
			p.warnf("Proxy '%s': L6 sample fetches ignored on HTTP proxies (declared at %s:%d).", px.Name, pos.File, pos.Line)
		}
	}
	for _, ub := range px.UseBackends {
		warn(ub.Cond, ub.Pos)
	}
	for _, us := range px.UseServers {
		warn(us.Cond, us.Pos)
	}
	for _, rules := range [][]*HTTPRule{px.TCP.Connection, px.TCP.Session, px.TCP.Content, px.TCP.Response, px.HTTPRequest, px.HTTPResponse, px.HTTPAfterResponse} {
		for _, r := range rules {
			warn(r.Cond, r.Pos)
		}
	}
}

// warnUnusableConditions warns, as haproxy does, about rule conditions that
// can never match where they run: a response rule sees no request header
// (it was forwarded), a request rule no response.
//
// haproxy names the place as a frontend's for request rules of a section
// that has a frontend side, and as a backend's for response rules of one
// that has a backend side (a listen: frontend, then backend); the warnings
// come in line order.
func (p *parser) warnUnusableConditions(px *Proxy) {
	rules := append(append([]*HTTPRule(nil), px.HTTPRequest...), px.HTTPResponse...)
	rules = append(append(rules, px.HTTPAfterResponse...), px.Redirects...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Pos.Line < rules[j].Pos.Line })
	for _, r := range rules {
		if r.Cond == nil {
			continue
		}
		avail, side := sample.SrcL4|sample.SrcL6Req|sample.SrcHTTPReq|backendSide(px), "frontend"
		if px.Cap&CapFE == 0 {
			side = "backend"
		}
		if r.Set == HTTPResponseRules || r.Set == HTTPAfterResponseRules {
			avail, side = sample.SrcL4|sample.SrcL6Res|sample.SrcHTTPRes|sample.SrcHTTPReqInfo|sample.SrcBackend|sample.SrcServer, "backend"
			if px.Cap&CapBE == 0 {
				side = "frontend"
			}
		}
		if err := r.Cond.Check(avail, side+" "+r.Set.Keyword()+" header rule"); err != nil {
			p.file, p.line = r.Pos.File, r.Pos.Line
			p.warnf("%v", err)
		}
	}
}

// checkDuplicateBinds refuses an address bound by two frontends: caught
// here, `-c` reports it, not only a start. (haproxy binds both with
// SO_REUSEPORT and the kernel spreads connections between them at random;
// switchyard has one listener per address. The same address twice in one
// frontend is one listener, as harmless as in haproxy.)
func (p *parser) checkDuplicateBinds() {
	owner := map[string]*Proxy{}
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapFE == 0 {
			continue
		}
		for _, b := range px.Binds {
			if other := owner[b.Key()]; other != nil && other != px {
				p.errs = append(p.errs, &Error{File: b.Pos.File, Line: b.Pos.Line,
					Msg: fmt.Sprintf("address %s is already bound by %s '%s'", b.Addr, other.Cap.Kind(), other.Name)})
				continue
			}
			owner[b.Key()] = px
		}
	}
}

// warnDefaultBackendAndServers is haproxy's warning for a proxy with both a
// default_backend and servers, given even where the default_backend is
// ignored (in a backend, whose servers are in fact used).
func (p *parser) warnDefaultBackendAndServers(px *Proxy, backends map[string]*Proxy) {
	name := px.DefaultBackend
	if name == "" && px.ignored != nil {
		name = px.ignored.DefaultBackend
	}
	be := backends[name]
	if be == nil || len(px.Servers) == 0 || px.Mode == ModeHTTP && be.Mode == ModeTCP {
		return
	}
	p.file, p.line = px.Pos.File, px.Pos.Line
	p.warnf("In proxy '%s', the 'default_backend' rule always has precedence over the servers, which will never be used.", px.Name)
}

func (p *parser) validateFrontend(px *Proxy, backends map[string]*Proxy) {
	if len(px.Binds) == 0 {
		p.warnf("%s '%s' has no 'bind' directive. Please declare it as a backend if this was intended.", px.Cap.Kind(), px.Name)
	}
	for _, b := range px.Binds {
		p.validateBindTLS(px, b) // kw_ssl.go
	}
	check := func(name string, pos Pos, rule string) {
		be := p.checkBackendRef(px, name, pos, rule, backends)
		if be != nil && px.Mode == ModeTCP && be.Mode == ModeHTTP {
			p.errs = append(p.errs, &Error{File: pos.File, Line: pos.Line,
				Msg: fmt.Sprintf("tcp %s '%s' using http backend '%s' (an implicit upgrade to HTTP) is not supported yet by switchyard; set 'mode http' on the frontend",
					px.Cap.Kind(), px.Name, be.Name)})
		}
	}
	if px.DefaultBackend != "" {
		check(px.DefaultBackend, px.DefaultBackPos, "default_backend")
	}
	for _, ub := range px.UseBackends {
		check(ub.Backend, ub.Pos, "use_backend")
		if ub.Cond == nil {
			continue
		}
		avail, where := sample.SrcL4|sample.SrcL6Req|sample.SrcHTTPReq, "frontend use-backend rule"
		if px.Mode == ModeTCP {
			avail, where = sample.SrcL4|sample.SrcL6Req, "use_backend in a tcp frontend"
		}
		if err := ub.Cond.Check(avail, where); err != nil {
			p.file, p.line = ub.Pos.File, ub.Pos.Line
			p.warnf("%v", err)
		}
	}
}

// checkBackendRef reports a backend that px names in a `default_backend` or
// `use_backend` rule but that does not exist or cannot serve px's mode, as
// haproxy does; it returns the backend, or nil when there is none.
func (p *parser) checkBackendRef(px *Proxy, name string, pos Pos, rule string, backends map[string]*Proxy) *Proxy {
	be := backends[name]
	if be == nil {
		p.errs = append(p.errs, &Error{File: pos.File, Line: pos.Line,
			Msg: fmt.Sprintf("%s '%s': unable to find required %s: '%s'.", px.Cap.Kind(), px.Name, rule, name)})
		return nil
	}
	if px.Mode == ModeHTTP && be.Mode == ModeTCP {
		p.errs = append(p.errs, &Error{File: pos.File, Line: pos.Line,
			Msg: fmt.Sprintf("http %s '%s' (%s:%d) tries to use incompatible tcp backend '%s' (%s:%d) in a '%s' rule (see 'mode').",
				px.Cap.Kind(), px.Name, px.Pos.File, px.Pos.Line, be.Name, be.Pos.File, be.Pos.Line, rule)})
	}
	return be
}

func (p *parser) validateBackend(px *Proxy) {
	used := map[int]*Server{}
	for _, s := range px.Servers {
		// As haproxy: a server without a port can be checked only on a
		// `port`; one whose address is unset (0.0.0.0, ::) is accepted
		// (its checks fail until `set server addr` gives it one).
		if s.Check && s.MapPorts && s.CheckPort == 0 && s.CheckAddrPort == 0 && !unsetHost(s.Host) {
			p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line,
				Msg: fmt.Sprintf("'server %s/%s' : 'check' needs a port: the server has no port and no 'port' check parameter", px.Name, s.Name)})
		}
		if s.ID != 0 {
			if o := used[s.ID]; o != nil {
				p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line,
					Msg: fmt.Sprintf("server '%s/%s' has the same ID (%d) as server '%s' declared at line %d", px.Name, s.Name, s.ID, o.Name, o.Pos.Line)})
			}
			used[s.ID] = s
		}
		if err := p.validateServerTLS(px, s); err != nil { // kw_ssl.go
			p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line, Msg: err.Error()})
		}
	}
	// Servers without an explicit id are numbered as haproxy numbers
	// them: consistent hashing places servers by id.
	ids := make([]int, len(px.Servers))
	for i, s := range px.Servers {
		ids[i] = s.ID
	}
	backend.AssignIDs(ids)
	for i, s := range px.Servers {
		s.ID = ids[i]
	}
}

// provision is the stage after validation that reaches outside the files:
// server names are resolved once, like haproxy's default `init-addr
// last,libc`. It runs only on a configuration without errors, so that a
// broken one makes no DNS query.
func (p *parser) provision() {
	for _, px := range p.cfg.Proxies {
		p.resolveDispatch(px) // kw_dispatch.go
		for _, s := range px.Servers {
			if err := p.resolveServer(s); err != nil {
				p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line,
					Msg: fmt.Sprintf("'server %s' : %v", s.Name, err)})
			}
		}
	}
}

// resolveServer turns the host into an address once, at load, like haproxy's
// default `init-addr last,libc`.
func (p *parser) resolveServer(s *Server) error {
	if s.Unix {
		s.Addr = s.Host
		return nil
	}
	host := s.Host
	if net.ParseIP(host) == nil {
		a, ok := p.initAddress(s) // kw_initaddr.go
		if !ok {
			return fmt.Errorf("could not resolve address '%s'", host)
		}
		host = a
	}
	s.Addr = net.JoinHostPort(host, strconv.Itoa(s.Port))
	return nil
}

// resolve turns a host name into an address with the configured resolver,
// or the system's.
func (p *parser) resolve(host string) (string, error) {
	if p.opt.Resolve != nil {
		return p.opt.Resolve(host)
	}
	addrs, err := net.LookupHost(host)
	if err != nil {
		return "", err
	}
	return addrs[0], nil
}

// unsetHost says whether a server's host is no address at all: empty, or
// the unspecified address.
func unsetHost(host string) bool {
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return host == "" || err == nil && a.IsUnspecified()
}
