package config

import (
	"fmt"
	"net/netip"

	"switchyard/backend"
)

// Socks4 is a server's `socks4 ADDR:PORT`: connections to the server go
// through that SOCKS4 proxy; and `check-via-socks4`: so do its checks.
type Socks4 = backend.Socks4

func init() {
	RegisterServerOption("socks4", 1, func(_ *Context, o *ServerOpts, args []string) error {
		var s Server
		if err := parseServerAddr(args[0], &s); err != nil {
			return fmt.Errorf("'socks4 %s' : %v", args[0], err)
		}
		if s.MapPorts || s.Port == 0 {
			return fmt.Errorf("'socks4 %s' : missing port specification in '%s'.", args[0], args[0])
		}
		a, err := netip.ParseAddr(s.Host)
		if err != nil {
			return fmt.Errorf("'socks4 %s' : expects an IPv4 or IPv6 address (host names are not supported yet by switchyard here)", args[0])
		}
		o.Socks4.Proxy = netip.AddrPortFrom(a, uint16(s.Port)).String()
		return nil
	})
	RegisterServerOption("check-via-socks4", 0, func(_ *Context, o *ServerOpts, _ []string) error {
		o.Socks4.Checks = true
		return nil
	})
}
