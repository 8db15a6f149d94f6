package backend

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// A server's address changed at runtime (`set server B/S addr`). The
// change survives reloads while the configuration keeps the address it
// replaced; a configuration that names another address wins (the server's
// addr is an overridden value, checkaddr.go).

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
	// Checks and the agent follow (CheckAddr, AgentAddr), but for their
	// own address or port.
	next.Addr = net.JoinHostPort(newHost, newPort)
	s.addr.set(set.Addr, next.Addr)
	s.set.Store(&next)
	s.Pool.FlushIdle()
}
