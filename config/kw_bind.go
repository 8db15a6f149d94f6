package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"switchyard/internal/addrenv"
)

func init() {
	// haproxy refuses `bind` in defaults, ignores it in a backend with a
	// warning (it binds the port all the same, but never accepts on it).
	register(SecFrontend|SecBackend, "bind", parseBind).actsOn(CapFE, ignoredWarning)
}

// bindOptsNotYet are haproxy bind options later issues implement.
var bindOptsNotYet = map[string]bool{
	"ssl": true, "crt": true, "crt-list": true, "ca-file": true, "verify": true, "alpn": true,
	"npn": true, "accept-proxy": true, "accept-netscaler-cip": true, "transparent": true, "tfo": true,
	"defer-accept": true, "interface": true, "namespace": true, "mss": true, "proto": true,
	"ciphers": true, "ciphersuites": true, "ssl-min-ver": true, "ssl-max-ver": true, "curves": true,
	"ecdhe": true, "strict-sni": true, "no-tls-tickets": true, "allow-0rtt": true, "crl-file": true,
	"generate-certificates": true, "quic-cc-algo": true, "thread": true, "process": true,
	"expose-fd": true, "level": true, "severity-output": true, "tcp-ut": true, "id": true, "nice": true,
	"user": true, "group": true, "uid": true, "gid": true, "force-sslv3": true, "force-tlsv10": true,
	"force-tlsv11": true, "force-tlsv12": true, "force-tlsv13": true, "no-sslv3": true,
	"no-tlsv10": true, "no-tlsv11": true, "no-tlsv12": true, "no-tlsv13": true, "prefer-client-ciphers": true,
	"ca-ignore-err": true, "crt-ignore-err": true, "no-ca-names": true, "sigalgs": true, "client-sigalgs": true,
}

func parseBind(p *parser, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("expects [addr1]:port1[-end1]{,[addr]:port[-end]}... as arguments")
	}
	var opts Bind
	opts.Pos = p.pos()
	for i := 1; i < len(args); i++ {
		if n, ok, err := parseLineOption(p, "bind", bindOptions, &opts, args, i); ok {
			if err != nil {
				return err
			}
			i += n
			continue
		}
		need := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("'%s' expects an argument", args[i])
			}
			i++
			return args[i], nil
		}
		switch o := args[i]; o {
		case "name":
			v, err := need()
			if err != nil {
				return err
			}
			opts.Name = v
		case "v4v6":
			opts.V4V6 = true
		case "v6only":
			opts.V6Only = true
		case "backlog", "maxconn":
			v, err := need()
			if err != nil {
				return err
			}
			n, err := parseInt(o, v, 0, 1<<31-1)
			if err != nil {
				return err
			}
			if o == "backlog" {
				opts.Backlog = n
			} else {
				opts.MaxConn = n
			}
		case "mode":
			v, err := need()
			if err != nil {
				return err
			}
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return fmt.Errorf("'mode' expects an octal permission, got '%s'", v)
			}
			opts.Mode = uint32(m)
		default:
			if bindOptsNotYet[o] {
				return fmt.Errorf("bind option '%s' is not supported yet by switchyard", o)
			}
			return fmt.Errorf("unknown bind option '%s'", o)
		}
	}
	for _, spec := range strings.Split(addrenv.Expand(args[0]), ",") {
		binds, err := expandBindAddr(spec, p.resolve)
		if err != nil {
			return err
		}
		for _, b := range binds {
			nb := opts
			nb.Network, nb.Addr = b[0], b[1]
			p.cur.Binds = append(p.cur.Binds, &nb)
		}
	}
	return nil
}

// expandBindAddr turns one bind address into (network, address) pairs, one per
// port of a range, following haproxy's address syntax: an optional family
// prefix (ipv4@, ipv6@, unix@, fd@), "*" or nothing for all IPv4 addresses,
// and the last colon separating the port, so ":::80" is IPv6 any, port 80.
func expandBindAddr(spec string, resolve func(string) (string, error)) ([][2]string, error) {
	family := ""
	if pre, rest, ok := strings.Cut(spec, "@"); ok {
		family, spec = pre, rest
	}
	switch family {
	case "fd":
		if _, err := strconv.Atoi(spec); err != nil {
			return nil, fmt.Errorf("'fd@' expects a file descriptor number, got '%s'", spec)
		}
		return [][2]string{{"fd", spec}}, nil
	case "unix":
		if spec == "" {
			return nil, fmt.Errorf("'unix@' expects a socket path")
		}
		return [][2]string{{"unix", spec}}, nil
	case "", "ipv4", "ipv6", "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("address family '%s@' is not supported yet by switchyard", family)
	}
	if family == "" && strings.HasPrefix(spec, "/") {
		return [][2]string{{"unix", spec}}, nil
	}
	colon := strings.LastIndexByte(spec, ':')
	if colon < 0 {
		return nil, fmt.Errorf("missing port number in '%s'", spec)
	}
	host, ports := spec[:colon], spec[colon+1:]
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	network := "tcp4"
	switch {
	case host == "" || host == "*":
		host = "0.0.0.0"
		if family == "ipv6" || family == "tcp6" {
			host = "::"
		}
	case strings.Contains(host, ":"):
		network = "tcp6"
	}
	if family == "ipv6" || family == "tcp6" {
		network = "tcp6"
	}
	if ip := net.ParseIP(host); ip == nil {
		// haproxy resolves a host name at start; so do we, once.
		addr, err := resolve(host)
		if err != nil {
			return nil, fmt.Errorf("could not resolve address '%s'", host)
		}
		host = addr
		if strings.Contains(host, ":") {
			network = "tcp6"
		}
	}
	lo, hi, err := parsePortRange(ports)
	if err != nil {
		return nil, fmt.Errorf("%v in '%s'", err, spec)
	}
	var out [][2]string
	for port := lo; port <= hi; port++ {
		out = append(out, [2]string{network, net.JoinHostPort(host, strconv.Itoa(port))})
	}
	return out, nil
}

func parsePortRange(s string) (int, int, error) {
	loS, hiS, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(loS)
	if err != nil || lo < 0 || lo > 65535 {
		return 0, 0, fmt.Errorf("invalid port '%s'", loS)
	}
	hi := lo
	if isRange {
		hi, err = strconv.Atoi(hiS)
		if err != nil || hi < lo || hi > 65535 {
			return 0, 0, fmt.Errorf("invalid port range '%s'", s)
		}
	}
	if lo == 0 && !isRange {
		// port 0 lets the kernel choose; haproxy refuses it but tests and the
		// demo rely on it, so it is accepted on bind only.
		return 0, 0, nil
	}
	return lo, hi, nil
}
