package backend

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"
)

// Where a server's checks and agent connect, and what the agent is sent,
// changed at runtime (`set server B/S check-addr|check-port|agent-addr|
// agent-port|agent-send`). Like a runtime address (addr.go), each change
// survives reloads while the configuration keeps the value it replaced; a
// configuration that names another value wins.

// Target is where a check connects when not to its server: Addr ("": the
// server's host) and Port (0: the server's port), as haproxy's check.addr
// and check.port.
type Target struct {
	Addr string
	Port int
}

// On is the target as dialled for a server at srvAddr (host:port).
func (t Target) On(srvAddr string) string {
	host, port, err := net.SplitHostPort(srvAddr)
	if err != nil {
		return srvAddr
	}
	if t.Addr != "" {
		host = t.Addr
	}
	if t.Port != 0 {
		port = strconv.Itoa(t.Port)
	}
	return net.JoinHostPort(host, port)
}

// override is a value set at runtime and the configured one it replaced:
// a server's address (addr.go), its check and agent targets, the agent's
// string.
type override[T comparable] struct{ cfg, rt T }

// overridden is one runtime-changeable value of a server.
type overridden[T comparable] struct{ p atomic.Pointer[override[T]] }

// set records rt in place of the configured value cur (or, when a runtime
// value already replaced it, of the value that one replaced).
func (o *overridden[T]) set(cur, rt T) {
	cfg := cur
	if old := o.p.Load(); old != nil {
		cfg = old.cfg
	}
	o.p.Store(&override[T]{cfg: cfg, rt: rt})
}

// keep returns the runtime value that replaces cfg, if any.
func (o *overridden[T]) keep(cfg T) (T, bool) {
	v := o.p.Load()
	if v == nil || v.cfg != cfg {
		var zero T
		return zero, false
	}
	return v.rt, true
}

// CheckAddr and AgentAddr are where health checks and the agent connect:
// their targets on the server's address.
func (set *ServerSettings) CheckAddr() string { return set.CheckTarget.On(set.Addr) }
func (set *ServerSettings) AgentAddr() string { return set.AgentTarget.On(set.Addr) }

// keepCheckOverrides applies the runtime check settings a reload keeps to
// the staged settings of the same server.
func (s *Server) keepCheckOverrides(set *ServerSettings) {
	if rt, ok := s.checkTarget.keep(set.CheckTarget); ok {
		set.CheckTarget = rt
	}
	if rt, ok := s.agentTarget.keep(set.AgentTarget); ok {
		set.AgentTarget = rt
	}
	if as := set.Agent; as != nil {
		if rt, ok := s.agentSend.keep(as.Send); ok {
			a := *as
			a.Send = rt
			set.Agent = &a
		}
	}
}

// SetCheckAddr is `set server B/S check-addr IP [port P]` and `check-port
// P` (ip ""): where health checks connect from the next check on. It
// returns haproxy's warning, "" when the change is made. As haproxy, the
// address must be an IP address (no name is resolved) and a port of 0
// means the server's.
func (s *Server) SetCheckAddr(ip, port string) string {
	return s.setTarget(false, ip, port, netip.ParseAddr)
}

// SetAgentAddr is `set server B/S agent-addr ADDR [port P]` and
// `agent-port P` (addr ""): where the agent connects from its next run.
// As haproxy, the address may be a name, resolved now.
func (s *Server) SetAgentAddr(addr, port string) string {
	return s.setTarget(true, addr, port, resolveOne)
}

// setTarget moves the health check's target (agent false) or the agent's,
// with haproxy's refusals in its order: checks not running, a bad
// address (parsed by parse), a bad port.
func (s *Server) setTarget(agent bool, addr, port string, parse func(string) (netip.Addr, error)) string {
	if msg := s.notChecked(agent); msg != "" {
		return msg
	}
	var a netip.Addr
	if addr != "" {
		var err error
		if a, err = parse(addr); err != nil {
			return "invalid addr '" + addr + "'"
		}
	}
	var msg string
	s.admin(func() {
		if msg = s.notChecked(agent); msg != "" {
			return // changed meanwhile
		}
		set := s.Settings()
		n := *set
		cur, kept := &n.CheckTarget, &s.checkTarget
		if agent {
			cur, kept = &n.AgentTarget, &s.agentTarget
		}
		t, refused := cur.moved(a, port)
		if refused != "" {
			msg = refused
			return
		}
		kept.set(*cur, t)
		*cur = t
		s.set.Store(&n)
	})
	return msg
}

// notChecked is haproxy's answer to a change of a check that does not
// run (not configured, or disabled), "" when it runs.
func (s *Server) notChecked(agent bool) string {
	set := s.Settings()
	switch {
	case agent && (set.Agent == nil || s.ChecksDisabled(true)):
		return "agent checks are not enabled on this server"
	case !agent && (set.Check == nil || s.ChecksDisabled(false)):
		return "health checks are not enabled on this server"
	}
	return ""
}

// SetAgentSend is `set server B/S agent-send STRING`: what the agent
// sends once connected, from its next run. ErrNoCheck: no agent runs.
func (s *Server) SetAgentSend(v string) error {
	var err error
	s.admin(func() {
		if s.notChecked(true) != "" {
			err = ErrNoCheck
			return
		}
		set := s.Settings()
		n := *set
		ag := *set.Agent
		ag.Send = v
		n.Agent = &ag
		s.agentSend.set(set.Agent.Send, v)
		s.set.Store(&n)
	})
	return err
}

// moved is t with its address replaced by a when a is valid and its port
// by port when not empty (0: the server's again). bad is haproxy's
// message for a port it refuses; nothing changes then.
func (t Target) moved(a netip.Addr, port string) (next Target, bad string) {
	next = t
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return t, "provided port is not an integer"
		}
		if n < 0 || n > 65535 {
			return t, "provided port is invalid"
		}
		next.Port = n
	}
	if a.IsValid() {
		next.Addr = a.Unmap().String()
	}
	return next, ""
}

// resolveOne is an address, or the first address a name resolves to
// (bounded, as the CLI waits for it).
func resolveOne(name string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		return a, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	as, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil || len(as) == 0 {
		return netip.Addr{}, &net.DNSError{Err: "no address", Name: name}
	}
	return as[0], nil
}
