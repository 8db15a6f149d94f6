package backend

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// A server's address changed at runtime (`set server B/S addr`). The
// change survives reloads while the configuration keeps the address it
// replaced; a configuration that names another address wins.

// addrOverride is a runtime address and the configured one it replaced.
type addrOverride struct{ cfg, rt string }

// SetAddr changes the server's address and, when port is not empty, its
// port, as haproxy's srv_update_addr_port, and returns haproxy's report of
// what it did (or refused), which the CLI prints either way.
func (s *Server) SetAddr(ip, port string) string {
	var msg strings.Builder
	s.admin(func() { s.setAddr(ip, port, &msg) })
	msg.WriteString(" by 'stats socket command'\n")
	return msg.String()
}

func (s *Server) setAddr(ip, port string, msg *strings.Builder) {
	set := s.Settings()
	host, curPort, err := net.SplitHostPort(set.Addr)
	if err != nil {
		msg.WriteString("Update for the current server address family is only supported through configuration file")
		return
	}
	newHost, newPort, changed := host, curPort, false
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			msg.WriteString("Invalid addr '" + ip + "'")
			return
		}
		if cur, err := netip.ParseAddr(host); err == nil && cur == a {
			msg.WriteString("no need to change the addr")
		} else {
			newHost, changed = a.String(), true
			msg.WriteString("IP changed from '" + host + "' to '" + ip + "'")
		}
	}
	if port != "" {
		if ip != "" {
			msg.WriteString(", ")
		}
		if port[0] == '+' || port[0] == '-' {
			msg.WriteString("port maps are not supported yet by switchyard")
			return
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			msg.WriteString("problem converting port '" + port + "' to an int")
			return
		}
		if strconv.Itoa(n) == curPort {
			msg.WriteString("no need to change the port")
		} else {
			msg.WriteString("port changed from '" + curPort + "' to '" + strconv.Itoa(n) + "'")
			newPort, changed = strconv.Itoa(n), true
		}
	}
	if !changed {
		return
	}
	next := *set
	next.Addr = net.JoinHostPort(newHost, newPort)
	// Checks and the agent follow the server, but for their own address
	// or port.
	if cs := set.Check; cs != nil {
		c := *cs
		c.Addr = next.CheckTarget.On(next.Addr)
		next.Check = &c
	}
	if as := set.Agent; as != nil {
		a := *as
		a.Addr = next.AgentTarget.On(next.Addr)
		next.Agent = &a
	}
	cfg := set.Addr
	if o := s.addr.Load(); o != nil {
		cfg = o.cfg
	}
	s.addr.Store(&addrOverride{cfg: cfg, rt: next.Addr})
	s.set.Store(&next)
	s.Pool.FlushIdle()
}

// keepsAddr says whether a configuration naming addr for this server keeps
// the address set at runtime, which it returns.
func (s *Server) keepsAddr(addr string) (string, bool) {
	o := s.addr.Load()
	if o == nil || o.cfg != addr {
		return "", false
	}
	return o.rt, true
}
