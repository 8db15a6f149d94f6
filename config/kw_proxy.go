package config

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"switchyard/http1"
	"switchyard/sample"
)

func init() {
	register(SecProxy, "mode", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "'tcp' or 'http'"); err != nil {
			return err
		}
		switch args[0] {
		case "http":
			p.cur.Mode = ModeHTTP
		case "tcp":
			p.cur.Mode = ModeTCP
		case "health", "log", "spop":
			return fmt.Errorf("mode '%s' is not supported yet by switchyard", args[0])
		default:
			return fmt.Errorf("expects 'tcp' or 'http', got '%s'", args[0])
		}
		return nil
	})
	register(SecFrontend|SecBackend, "description", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects a string argument")
		}
		p.cur.Description = strings.Join(args, " ")
		return nil
	})
	register(SecFrontend|SecBackend, "id", func(p *parser, args []string) error {
		return intKw(args, "id", 1, 1<<31-1, &p.cur.ID)
	})
	register(SecProxy, "maxconn", func(p *parser, args []string) error {
		return intKw(args, "maxconn", 0, 1<<31-1, &p.cur.MaxConn)
	}).actsOn(CapFE, ignoredWarning+" Maybe you want 'fullconn' instead ?")
	register(SecProxy, "retries", func(p *parser, args []string) error {
		return intKw(args, "retries", 0, 1<<16, &p.cur.Retries)
	}).actsOn(CapBE, ignoredWarning)
	register(SecProxy, "http-reuse", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "'never', 'safe', 'aggressive' or 'always'"); err != nil {
			return err
		}
		switch args[0] {
		case "never":
			p.cur.Reuse = ReuseNever
		case "safe":
			p.cur.Reuse = ReuseSafe
		case "aggressive":
			p.cur.Reuse = ReuseAggressive
		case "always":
			p.cur.Reuse = ReuseAlways
		default:
			return fmt.Errorf("expects 'never', 'safe', 'aggressive' or 'always', got '%s'", args[0])
		}
		return nil
	}).actsOn(CapBE, ignoredWarning)
	register(SecProxy, "errorfile", parseErrorFile)

	timeouts := map[string]func(*Timeouts) *time.Duration{
		"client":          func(t *Timeouts) *time.Duration { return &t.Client },
		"server":          func(t *Timeouts) *time.Duration { return &t.Server },
		"connect":         func(t *Timeouts) *time.Duration { return &t.Connect },
		"http-request":    func(t *Timeouts) *time.Duration { return &t.HTTPRequest },
		"http-keep-alive": func(t *Timeouts) *time.Duration { return &t.HTTPKeepAlive },
		"tunnel":          func(t *Timeouts) *time.Duration { return &t.Tunnel },
		"client-fin":      func(t *Timeouts) *time.Duration { return &t.ClientFin },
		"server-fin":      func(t *Timeouts) *time.Duration { return &t.ServerFin },
		"check":           func(t *Timeouts) *time.Duration { return &t.Check },
		"queue":           func(t *Timeouts) *time.Duration { return &t.Queue },
	}
	// The side of each timeout, as proxy_parse_timeout in haproxy's proxy.c,
	// which words its warning differently from other keywords.
	const timeoutIgnored = "'%[1]s' will be ignored because %[2]s '%[3]s' has no %[4]s capability"
	for name, field := range timeouts {
		field := field
		var side Cap
		switch name {
		case "client", "client-fin":
			side = CapFE
		case "server", "connect", "tunnel", "server-fin", "check", "queue":
			side = CapBE
		}
		register(SecProxy, "timeout "+name, func(p *parser, args []string) error {
			return durationKw(args, field(&p.cur.Timeouts))
		}).actsOnLate(side, timeoutIgnored)
	}
	// Old spellings, still accepted by haproxy 2.6 with a warning? No: they
	// were removed in 2.1, so they are plain unknown keywords here too.

	connMode := func(m ConnMode) func(p *parser, args []string) error {
		return func(p *parser, args []string) error {
			on, err := negFlag(args)
			if err != nil {
				return err
			}
			if on {
				p.cur.ConnMode = m
			} else if p.cur.ConnMode == m {
				p.cur.ConnMode = ConnKeepAlive
			}
			return nil
		}
	}
	registerNegatable(SecProxy, "option http-keep-alive", connMode(ConnKeepAlive))
	registerNegatable(SecProxy, "option http-server-close", connMode(ConnServerClose))
	registerNegatable(SecProxy, "option httpclose", connMode(ConnClose))
	registerNegatable(SecProxy, "option forwardfor", parseForwardFor)
	registerNegatable(SecProxy, "option originalto", parseOriginalTo)

	register(SecProxy, "default_backend", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "a backend name"); err != nil {
			return err
		}
		p.cur.DefaultBackend, p.cur.DefaultBackPos = args[0], p.pos()
		return nil
	}).actsOn(CapFE, ignoredWarning)
	register(SecFrontend|SecBackend, "use_backend", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects a backend name")
		}
		ub := &UseBackend{Pos: p.pos(), Backend: args[0]}
		if strings.Contains(args[0], "%[") {
			return fmt.Errorf("dynamic backend names (log-format) are not supported yet by switchyard")
		}
		if len(args) > 1 {
			c, err := p.cond(args[1:])
			if err != nil {
				return err
			}
			ub.Cond = c
		}
		p.cur.UseBackends = append(p.cur.UseBackends, ub)
		return nil
	}).actsOn(CapFE, ignoredWarning)
	register(SecFrontend|SecBackend, "acl", func(p *parser, args []string) error {
		if len(args) < 2 {
			return fmt.Errorf("expects an ACL name and a criterion")
		}
		return p.cur.ACLs.Add(args[0], args[1:])
	})

	registerNotYet("option prefer-last-server",
		"option tcpka", "option clitcpka", "option srvtcpka", "option http-pretend-keepalive", "option http-no-delay", "option http-use-proxy-header",
		"option nolinger", "option independent-streams", "option forwarded",
		"option accept-invalid-http-request", "option accept-invalid-http-response", "option checkcache",
		"option contstats", "option tcp-smart-accept",
		"option tcp-smart-connect", "option external-check",
		"option http-ignore-probes", "option h1-case-adjust-bogus-client", "option h1-case-adjust-bogus-server",
		"option disable-h2-upgrade", "option idle-close-on-response",
		"capture cookie",
		"stats",
		"compression", "filter", "server-template",
		"email-alert",
		"external-check", "persist", "source", "rate-limit", "rate-limit sessions",
		"http-send-name-header", "bind-process", "max-keep-alive-queue",
		"timeout http-error")
}

func durationKw(args []string, dst *time.Duration) error {
	if err := wantArgs(args, 1, "a time value"); err != nil {
		return err
	}
	d, err := ParseDuration(args[0])
	if err != nil {
		return err
	}
	*dst = d
	return nil
}

// cond compiles an if/unless condition against the current proxy's ACLs.
func (p *parser) cond(words []string) (*sample.Cond, error) {
	acls := p.cur.ACLs
	if acls == nil {
		acls = sample.NewACLSet(p.samples)
	}
	return condOn(acls, words)
}

// condOn compiles an if/unless condition against a set of ACLs.
func condOn(acls *sample.ACLSet, words []string) (*sample.Cond, error) {
	if words[0] != "if" && words[0] != "unless" {
		return nil, fmt.Errorf("unexpected '%s', expects 'if' or 'unless' followed by a condition", words[0])
	}
	if len(words) == 1 {
		return nil, fmt.Errorf("missing condition after '%s'", words[0])
	}
	return sample.ParseCond(words, acls)
}

func parseForwardFor(p *parser, args []string) error {
	return parseAddrHeader(args, "forwardfor", "x-forwarded-for", &p.cur.ForwardFor)
}

// parseOriginalTo is `option originalto [except NET] [header NAME]`: the
// address the client connected to, in x-original-to.
func parseOriginalTo(p *parser, args []string) error {
	return parseAddrHeader(args, "originalto", "x-original-to", &p.cur.OriginalTo)
}

// parseAddrHeader reads the options that add an address header, forwardfor
// (which alone takes if-none) and originalto, or their `no` form.
func parseAddrHeader(args []string, name, header string, dst **ForwardFor) error {
	if len(args) > 0 && args[0] == "no" {
		if len(args) > 1 {
			return fmt.Errorf("'no option %s' takes no argument", name)
		}
		*dst = nil
		return nil
	}
	ff := &ForwardFor{Header: header}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "except":
			if i+1 >= len(args) {
				return fmt.Errorf("'except' expects a network")
			}
			i++
			pfx, err := parsePrefix(args[i])
			if err != nil {
				return fmt.Errorf("'except': %v", err)
			}
			ff.Except = pfx
		case "header":
			if i+1 >= len(args) || args[i+1] == "" {
				return fmt.Errorf("'header' expects a header name")
			}
			i++
			ff.Header = strings.ToLower(args[i])
		case "if-none":
			if name != "forwardfor" {
				return fmt.Errorf("unknown parameter 'if-none' (expects 'except' or 'header')")
			}
			ff.IfNone = true
		default:
			expects := "'except' or 'header'"
			if name == "forwardfor" {
				expects = "'except', 'header' or 'if-none'"
			}
			return fmt.Errorf("unknown parameter '%s' (expects %s)", args[i], expects)
		}
	}
	ff.HeaderBytes = []byte(ff.Header)
	*dst = ff
	return nil
}

// parsePrefix reads an address or a network in CIDR or address/mask form.
func parsePrefix(s string) (netip.Prefix, error) {
	if addr, mask, ok := strings.Cut(s, "/"); ok {
		if m, err := netip.ParseAddr(mask); err == nil && m.Is4() {
			bits := 0
			for _, b := range m.As4() {
				for ; b&0x80 != 0; b <<= 1 {
					bits++
				}
			}
			s = addr + fmt.Sprintf("/%d", bits)
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid network '%s'", s)
		}
		return pfx.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid address '%s'", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// errorFileCodes are the statuses haproxy 2.6 lets `errorfile` replace.
var errorFileCodes = map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true,
	407: true, 408: true, 410: true, 413: true, 421: true, 422: true, 425: true, 429: true, 500: true,
	501: true, 502: true, 503: true, 504: true}

func parseErrorFile(p *parser, args []string) error {
	if err := wantArgs(args, 2, "<code> <file>"); err != nil {
		return err
	}
	code, err := parseInt("status code", args[0], 200, 599)
	if err != nil {
		return err
	}
	if !errorFileCodes[code] {
		return fmt.Errorf("status code %d cannot be overridden (supported: 200 400 401 403 404 405 407 408 410 413 421 422 425 429 500 501 502 503 504)", code)
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return fmt.Errorf("error opening file '%s': %v", args[1], err)
	}
	reply, err := http1.ParseErrorFile(data, p.cfg.Global.BufSize)
	if err != nil {
		return fmt.Errorf("file '%s': %v", args[1], err)
	}
	if reply.Truncated {
		p.warnf("'errorfile %d': file '%s' is larger than tune.bufsize (%d bytes) and was truncated", code, args[1], p.cfg.Global.BufSize)
	}
	if p.cur.ErrorFiles == nil {
		p.cur.ErrorFiles = map[int]*http1.Reply{}
	}
	p.cur.ErrorFiles[code] = reply
	return nil
}
