package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// init-addr: how a server named by a host name gets its address at load,
// the methods tried in order (haproxy's default is last,libc).

type initAddrKey struct{}

// InitAddr is a server's init-addr methods, nil for the default.
func InitAddr(o *ServerOpts) []string {
	m, _ := o.Ext[initAddrKey{}].([]string)
	return m
}

func init() {
	RegisterServerOption("init-addr", 1, func(c *Context, o *ServerOpts, args []string) error {
		var methods []string
		for _, m := range strings.Split(args[0], ",") {
			switch m {
			case "last", "libc", "none":
			default:
				if _, err := netip.ParseAddr(m); err != nil {
					return fmt.Errorf("'init-addr' : unknown resolution method '%s'", m)
				}
			}
			methods = append(methods, m)
		}
		o.Ext.Set(initAddrKey{}, methods)
		return nil
	})
}

// initAddress finds a server's address with its init-addr methods: libc
// asks the resolver, an address is taken as it is, none leaves the server
// without address and in maintenance until one is set at run time
// (haproxy's "resolution" maintenance). last is the address a
// server-state-file gives, which is applied after load: at load it finds
// nothing. ok is false when no method gave an address.
func (p *parser) initAddress(s *Server) (host string, ok bool) {
	methods := InitAddr(&s.ServerOpts)
	if methods == nil {
		methods = []string{"last", "libc"}
	}
	for _, m := range methods {
		switch m {
		case "last":
		case "libc":
			if a, err := p.resolve(s.Host); err == nil {
				return a, true
			}
		case "none":
			s.Disabled = true
			return "0.0.0.0", true
		default:
			return m, true
		}
	}
	return "", false
}
