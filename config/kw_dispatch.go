package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"switchyard/internal/addrenv"
)

// `dispatch <address>:<port>` and `option transparent` (or the deprecated
// `transparent`): where a backend that does not load-balance sends the
// requests no persistence sent to one of its servers. haproxy 2.6 keeps
// them for compatibility: a backend balances when a `balance` line applies
// to it (its own or its defaults'), or when it has neither of these;
// otherwise its servers are reached only through persistence (a cookie,
// use-server, force-persist) and every other request goes to the dispatch
// address, or, transparent, to the address the client connected to. The
// checks below are haproxy's check_config_validity's.

// DispatchAddr is a `dispatch` line.
type DispatchAddr struct {
	Pos  Pos
	Spec string // as written, for messages
	// Host is the address as written (after environment expansion), "*"
	// and "" being 0.0.0.0 (:: with ipv6@); Family is "ipv4" or "ipv6"
	// when a prefix restricts it, else "".
	Host   string
	Family string
	Port   int
	// Addr is the resolved "ip:port", set by provision: haproxy resolves
	// a name once, at start-up.
	Addr string
}

func init() {
	register(SecFrontend|SecBackend, "dispatch", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects <address>:<port> as argument")
		}
		d, err := parseDispatchAddr(args[0])
		if err != nil {
			return err
		}
		if len(args) > 1 {
			return fmt.Errorf("cannot handle unexpected argument '%s'", args[1])
		}
		d.Pos = p.pos()
		p.cur.Dispatch = d
		return nil
	}).actsOn(CapBE, ignoredWarning)
	transparent := func(p *parser, args []string) error {
		on, args := stripNo(args)
		if len(args) > 0 {
			return fmt.Errorf("cannot handle unexpected argument '%s'", args[0])
		}
		p.cur.Transparent = on
		return nil
	}
	// haproxy names the option without "option" in its warning.
	registerNegatable(SecProxy, "option transparent", transparent).
		actsOn(CapBE, "'transparent' ignored because %[2]s '%[3]s' has no %[4]s capability.")
	// The deprecated keyword: haproxy takes it silently anywhere in a
	// proxy, a frontend included (where it means nothing), and refuses
	// "no transparent".
	register(SecProxy, "transparent", func(p *parser, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("cannot handle unexpected argument '%s'", args[0])
		}
		p.cur.Transparent = true
		return nil
	})
}

// dispatchFamilies are the address prefixes haproxy's str2sa_range takes
// for a dispatch address, with the IP family each restricts to; the other
// stream families are not supported yet.
var dispatchFamilies = map[string]string{
	"": "", "ipv4": "ipv4", "ipv6": "ipv6", "tcp": "", "tcp4": "ipv4", "tcp6": "ipv6",
}

// parseDispatchAddr reads "[family@]host:port" as haproxy reads a dispatch
// address: the port is mandatory, a single one (no range, no offset).
func parseDispatchAddr(spec string) (*DispatchAddr, error) {
	spec = addrenv.Expand(spec)
	if spec == "" {
		return nil, fmt.Errorf("'' resolves to an empty address (environment variable missing?)")
	}
	d := &DispatchAddr{Spec: spec}
	rest := spec
	if pre, after, ok := strings.Cut(spec, "@"); ok {
		fam, known := dispatchFamilies[pre]
		switch {
		case known:
			d.Family, rest = fam, after
		case pre == "fd":
			return nil, fmt.Errorf("a file descriptor is not acceptable here in '%s'", spec)
		case pre == "udp" || pre == "udp4" || pre == "udp6" || pre == "quic4" || pre == "quic6":
			return nil, fmt.Errorf("dgram-type address not acceptable in '%s'", spec)
		default:
			return nil, fmt.Errorf("address family '%s@' is not supported yet by switchyard", pre)
		}
	}
	// As haproxy: the last colon separates the port ("::1:80" is
	// [::1]:80); "[addr]" alone has no port.
	i := strings.LastIndexByte(rest, ':')
	if i < 0 || strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		return nil, fmt.Errorf("missing port specification in '%s'", spec)
	}
	host, port := rest[:i], rest[i+1:]
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	switch {
	case port == "":
		return nil, fmt.Errorf("missing port specification in '%s'", spec)
	case port[0] == '+' || port[0] == '-':
		return nil, fmt.Errorf("port offset not permitted here in '%s'", spec)
	case strings.Contains(port, "-"):
		return nil, fmt.Errorf("port range not permitted here in '%s'", spec)
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("invalid character '%c' in port number '%s' in '%s'", c, port, spec)
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("invalid port '%s'", port)
	}
	d.Port = n
	switch host {
	case "", "*":
		host = "0.0.0.0"
		if d.Family == "ipv6" {
			host = "::"
		}
	}
	d.Host = host
	if a, err := netip.ParseAddr(host); err == nil {
		if err := d.setAddr(a); err != nil {
			return nil, fmt.Errorf("%v in '%s'", err, spec)
		}
	}
	return d, nil
}

// setAddr sets the address to dial, if a fits the family.
func (d *DispatchAddr) setAddr(a netip.Addr) error {
	a = a.Unmap()
	if d.Family == "ipv4" && !a.Is4() || d.Family == "ipv6" && !a.Is6() {
		return fmt.Errorf("invalid address: '%s'", d.Host)
	}
	d.Addr = net.JoinHostPort(a.String(), strconv.Itoa(d.Port))
	return nil
}

// validateDispatch applies haproxy's rules between balance, dispatch and
// transparent once the backend is read: a balance line wins over a
// dispatch address (ignored, with a warning) and cannot go with
// transparent (an error); dispatch wins over transparent.
func (p *parser) validateDispatch(px *Proxy) {
	kind := "backend"
	if px.Cap&CapFE != 0 {
		kind = "proxy" // haproxy's name for a listen section here
	}
	if px.BalanceSet {
		switch {
		case px.Transparent:
			p.errs = append(p.errs, &Error{File: px.Pos.File, Line: px.Pos.Line,
				Msg: fmt.Sprintf("%s '%s' cannot use both transparent and balance mode.", kind, px.Name)})
		case px.Dispatch != nil:
			p.res.Messages = append(p.res.Messages, Message{File: px.Pos.File, Line: px.Pos.Line, Level: LevelWarning,
				Msg: fmt.Sprintf("dispatch address of %s '%s' will be ignored in balance mode.", kind, px.Name)})
			px.Dispatch = nil
		}
	}
	if px.Dispatch != nil {
		px.Transparent = false
	}
}

// resolveDispatch resolves a dispatch address given by name, once, at load,
// as haproxy resolves it at start-up.
func (p *parser) resolveDispatch(px *Proxy) {
	d := px.Dispatch
	if d == nil || d.Addr != "" {
		return
	}
	fail := func() {
		p.errs = append(p.errs, &Error{File: d.Pos.File, Line: d.Pos.Line,
			Msg: fmt.Sprintf("'dispatch': invalid address: '%s' in '%s'", d.Host, d.Spec)})
	}
	ip, err := p.resolve(d.Host)
	if err != nil {
		fail()
		return
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || d.setAddr(a) != nil {
		fail()
	}
}
