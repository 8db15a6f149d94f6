package config

import (
	"fmt"
	"strconv"
	"strings"

	"switchyard/backend"
	"switchyard/internal/addrenv"
)

func init() {
	register(SecDefaults|SecBackend, "server", parseServer)
	register(SecDefaults|SecBackend, "default-server", func(p *parser, args []string) error {
		return parseServerOpts(p, args, &p.cur.DefaultServer)
	})
	register(SecProxy, "balance", func(p *parser, args []string) error {
		if err := backend.ParseBalanceEnv(p.samples, args, &p.cur.Balance); err != nil {
			return err
		}
		p.cur.BalanceSet = true // even `balance` alone: dispatch and transparent give way
		return nil
	}).actsOn(CapBE, ignoredWarning)
	register(SecProxy, "hash-type", func(p *parser, args []string) error {
		return backend.ParseHashType(args, &p.cur.Balance)
	}).actsOn(CapBE, ignoredWarning)
	// haproxy accepts hash-balance-factor in a frontend without a word.
	register(SecProxy, "hash-balance-factor", func(p *parser, args []string) error {
		return backend.ParseHashBalanceFactor(args, &p.cur.Balance)
	})
}

// serverOptsNotYet are server options that later issues implement.
var serverOptsNotYet = map[string]bool{

	"cookie": true, "ssl": true,
	"verify": true, "ca-file": true, "crt": true, "sni": true, "alpn": true, "check-ssl": true,
	"check-sni": true, "check-alpn": true, "proto": true, "send-proxy": true, "send-proxy-v2": true,
	"send-proxy-v2-ssl": true, "send-proxy-v2-ssl-cn": true, "proxy-v2-options": true, "resolvers": true,
	"resolve-prefer": true, "resolve-opts": true, "resolve-net": true, "init-addr": true,
	"tfo": true, "source": true,
	"namespace": true, "redir": true, "no-ssl": true,
	"ws": true, "max-reuse": true, "no-tls-tickets": true, "ciphers": true, "ciphersuites": true,
	"ssl-min-ver": true, "ssl-max-ver": true, "force-sslv3": true, "usesrc": true, "stick": true,
	"non-stick": true, "log-proto": true, "socks4": true, "allow-0rtt": true, "tcp-ut": true,
	"set-proxy-v2-tlv-fmt": true, "crl-file": true, "curves": true, "sigalgs": true,
	"client-sigalgs": true, "npn": true, "check-proto": true, "check-via-socks4": true,
	"agent-check-ssl": true, "hash-key": true, "guid": true,
}

func parseServer(p *parser, args []string) error {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") && len(args[1]) > 1 && !strings.Contains(args[1], ":") {
		return fmt.Errorf("expects <name> and <addr>[:<port>] as arguments")
	}
	if p.cur.Cap == CapDef {
		return fmt.Errorf("'server' is not allowed in a defaults section")
	}
	s := &Server{Pos: p.pos(), Name: args[0], ServerOpts: p.cur.DefaultServer}
	s.Ext = s.Ext.clone()
	s.TLS.DefaultOn = p.cur.DefaultServer.TLS.On // haproxy's SRV_F_DEFSRV_USE_SSL
	for _, o := range p.cur.Servers {
		if o.Name == s.Name {
			return fmt.Errorf("backend '%s', another server named '%s' was already defined at line %d, please use distinct names",
				p.cur.Name, s.Name, o.Pos.Line)
		}
	}
	if err := parseServerAddr(args[1], s); err != nil {
		return err
	}
	rest := make([]string, 0, len(args)-2)
	for i := 2; i < len(args); i++ {
		if args[i] != "id" {
			rest = append(rest, args[i])
			continue
		}
		if i+1 >= len(args) {
			return fmt.Errorf("'id' expects an integer argument")
		}
		i++
		n, err := parseInt("id", args[i], 1, 1<<31-1)
		if err != nil {
			return err
		}
		s.ID = n
	}
	if err := parseServerOpts(p, rest, &s.ServerOpts); err != nil {
		return err
	}
	p.cur.Servers = append(p.cur.Servers, s)
	return nil
}

// parseServerAddr reads "host[:port]", "[v6]:port", "ipv4@..." or "ipv6@...",
// after haproxy's environment expansion. As haproxy, an empty host is
// 0.0.0.0 and port 0 is a port (a server without one gets the client's).
func parseServerAddr(spec string, s *Server) error {
	spec = addrenv.Expand(spec)
	family := ""
	if pre, rest, ok := strings.Cut(spec, "@"); ok && !strings.HasPrefix(spec, "/") {
		family, spec = pre, rest
	}
	if family == "unix" || family == "" && strings.HasPrefix(spec, "/") {
		// A UNIX socket, by its path, as haproxy reads "/path" and
		// "unix@path".
		if spec == "" {
			return fmt.Errorf("missing path in '%s'", spec)
		}
		s.Host, s.Unix = spec, true
		return nil
	}
	switch family {
	case "", "ipv4", "ipv6":
	default:
		return fmt.Errorf("server address family '%s@' is not supported yet by switchyard", family)
	}
	// As haproxy: the last colon separates the port ("ipv6@::1:8080" is
	// [::1]:8080); "[addr]" is an address without a port.
	host, port := spec, ""
	switch {
	case strings.HasPrefix(spec, "[") && strings.HasSuffix(spec, "]"):
		host = spec[1 : len(spec)-1]
	case strings.Contains(spec, ":"):
		i := strings.LastIndexByte(spec, ':')
		host, port = spec[:i], spec[i+1:]
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if host == "" {
		host = "0.0.0.0"
		if family == "ipv6" {
			host = "::"
		}
	}
	s.MapPorts = port == ""
	if port != "" {
		if port[0] == '+' || port[0] == '-' {
			return fmt.Errorf("port offsets ('%s') are not supported yet by switchyard", spec)
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("invalid port '%s' in '%s'", port, spec)
		}
		s.Port = n
	}
	s.Host = host
	return nil
}

func parseServerOpts(p *parser, args []string, o *ServerOpts) error {
	for i := 0; i < len(args); i++ {
		if n, ok, err := parseLineOption(p, "server", serverOptions, o, args, i); ok {
			if err != nil {
				return err
			}
			i += n
			continue
		}
		switch k := args[i]; k {
		case "weight":
			if i+1 >= len(args) {
				return fmt.Errorf("'weight' expects an integer argument")
			}
			i++
			n, err := parseInt("weight", args[i], 0, 256)
			if err != nil {
				return err
			}
			o.Weight = n
		case "pool-max-conn", "pool-low-conn":
			if i+1 >= len(args) {
				return fmt.Errorf("'%s' expects <value> as argument", k)
			}
			i++
			lo := 0
			if k == "pool-max-conn" {
				lo = -1
			}
			n, err := parseInt(k, args[i], lo, 1<<31-1)
			if err != nil {
				return err
			}
			if k == "pool-max-conn" {
				o.PoolMaxConn = &n
			} else {
				o.PoolLowConn = n
			}
		case "pool-purge-delay":
			if i+1 >= len(args) {
				return fmt.Errorf("'%s' expects <value> as argument", k)
			}
			i++
			d, err := ParseDuration(args[i])
			if err != nil {
				return fmt.Errorf("'%s': %v", k, err)
			}
			o.PoolPurgeDelay = &d
		default:
			if serverOptsNotYet[k] {
				return fmt.Errorf("server option '%s' is not supported yet by switchyard", k)
			}
			return fmt.Errorf("unknown server option '%s'", k)
		}
	}
	return nil
}
