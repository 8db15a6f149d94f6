package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"switchyard/backend"
)

// Health checks and server roles: the server options that say whether and
// how a server is checked, which servers are backups, and the proxy and
// global keywords that go with them. The check itself (option httpchk,
// http-check, tcp-check…) is kw_check.go's.

func init() {
	flag := func(set func(o *ServerOpts, on bool), on bool) func(*Context, *ServerOpts, []string) error {
		return func(_ *Context, o *ServerOpts, _ []string) error {
			set(o, on)
			return nil
		}
	}
	for name, set := range map[string]func(*ServerOpts, bool){
		"check":            func(o *ServerOpts, on bool) { o.Check = on },
		"backup":           func(o *ServerOpts, on bool) { o.Backup = on },
		"check-send-proxy": func(o *ServerOpts, on bool) { o.CheckSendProxy = on },
	} {
		RegisterServerOption(name, 0, flag(set, true))
		RegisterServerOption("no-"+name, 0, flag(set, false))
	}
	RegisterServerOption("disabled", 0, flag(func(o *ServerOpts, on bool) { o.Disabled = on }, true))
	RegisterServerOption("enabled", 0, flag(func(o *ServerOpts, on bool) { o.Disabled = !on }, true))

	for name, field := range map[string]func(*ServerOpts) *time.Duration{
		"inter":     func(o *ServerOpts) *time.Duration { return &o.Inter },
		"fastinter": func(o *ServerOpts) *time.Duration { return &o.FastInter },
		"downinter": func(o *ServerOpts) *time.Duration { return &o.DownInter },
	} {
		RegisterServerOption(name, 1, func(_ *Context, o *ServerOpts, args []string) error {
			d, err := ParseDuration(args[0])
			if err != nil {
				return fmt.Errorf("'%s': %v", name, err)
			}
			if d <= 0 {
				return fmt.Errorf("'%s' expects a positive delay, got '%s'", name, args[0])
			}
			*field(o) = d
			return nil
		})
	}
	for name, field := range map[string]func(*ServerOpts) *int{
		"rise": func(o *ServerOpts) *int { return &o.Rise },
		"fall": func(o *ServerOpts) *int { return &o.Fall },
	} {
		RegisterServerOption(name, 1, func(_ *Context, o *ServerOpts, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 1 {
				return fmt.Errorf("'%s' has to be >= 1, got '%s'", name, args[0])
			}
			*field(o) = n
			return nil
		})
	}
	RegisterServerOption("port", 1, func(_ *Context, o *ServerOpts, args []string) error {
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("'port' expects a valid port number (1-65535), got '%s'", args[0])
		}
		o.CheckPort = n
		return nil
	})
	RegisterServerOption("addr", 1, func(_ *Context, o *ServerOpts, args []string) error {
		// An address, with a port or not: `port` wins over its port.
		a, err := netip.ParseAddr(args[0])
		port := 0
		if err != nil {
			ap, err2 := netip.ParseAddrPort(args[0])
			if err2 != nil {
				return fmt.Errorf("'addr' expects an IPv4 or IPv6 address, got '%s' (host names are not supported yet by switchyard)", args[0])
			}
			a, port = ap.Addr(), int(ap.Port())
		}
		o.CheckAddr, o.CheckAddrPort = a.String(), port
		return nil
	})

	for name, field := range map[string]func(*ServerOpts) *int{
		"maxconn":  func(o *ServerOpts) *int { return &o.MaxConn },
		"maxqueue": func(o *ServerOpts) *int { return &o.MaxQueue },
		"minconn":  func(o *ServerOpts) *int { return &o.MinConn },
	} {
		RegisterServerOption(name, 1, func(_ *Context, o *ServerOpts, args []string) error {
			n, err := parseInt(name, args[0], 0, 1<<31-1)
			if err != nil {
				return err
			}
			*field(o) = n
			return nil
		})
	}
	register(SecProxy, "fullconn", func(p *parser, args []string) error {
		return intKw(args, "fullconn", 1, 1<<31-1, &p.cur.FullConn)
	}).actsOn(CapBE, ignoredWarning)

	registerNegatable(SecProxy, "option allbackups", func(p *parser, args []string) error {
		on, err := negFlag(args)
		p.cur.AllBackups = on
		return err
	}).actsOn(CapBE, "'allbackups' ignored because %[2]s '%[3]s' has no %[4]s capability.")

	register(SecGlobal, "spread-checks", func(p *parser, args []string) error {
		return intKw(args, "spread-checks", 0, 50, &p.cfg.Global.SpreadChecks)
	})
}

// CheckDefaults are haproxy's check timings when a server sets none.
const (
	DefaultInter = 2 * time.Second
	DefaultRise  = 2
	DefaultFall  = 3
)

// CheckTimings returns a server's check interval, rise and fall with
// haproxy's defaults filled in.
func (o *ServerOpts) CheckTimings() (inter time.Duration, rise, fall int) {
	inter, rise, fall = o.Inter, o.Rise, o.Fall
	if inter == 0 {
		inter = DefaultInter
	}
	if rise == 0 {
		rise = DefaultRise
	}
	if fall == 0 {
		fall = DefaultFall
	}
	return inter, rise, fall
}

// HealthOpts are the server options of agent checks, slowstart, observe,
// on-marked-down/up and track. They live in ServerOpts.Ext (as a value:
// a server copies its default-server's), read with Health.
type HealthOpts struct {
	// Agent is agent-check (no-agent-check clears it); AgentSend,
	// AgentInter (0: haproxy's 2s, not inter), AgentAddr and AgentPort
	// its settings (see AgentTarget for the fallbacks).
	Agent        bool
	AgentSend    string
	AgentInter   time.Duration
	AgentAddr    string
	AgentPort    int
	AgentPortSet bool // agent-port was given (even 0): port no longer applies
	// SlowStart is slowstart.
	SlowStart time.Duration
	// Observe, ErrorLimit (0: 10) and OnError are observe, error-limit
	// and on-error.
	Observe    backend.ObserveMode
	ErrorLimit int
	OnError    backend.OnError
	// OnMarkedDown is on-marked-down shutdown-sessions, OnMarkedUp
	// on-marked-up shutdown-backup-sessions.
	OnMarkedDown, OnMarkedUp bool
	// Track is track's argument as written: "server" or "proxy/server".
	Track string
}

type healthKey struct{}

// Health returns the server's agent, slowstart, observe and track options.
func (o *ServerOpts) Health() HealthOpts {
	h, _ := o.Ext[healthKey{}].(HealthOpts)
	return h
}

func setHealth(o *ServerOpts, f func(h *HealthOpts)) {
	h := o.Health()
	f(&h)
	o.Ext.Set(healthKey{}, h)
}

// DefaultAgentInter is haproxy's agent-inter when none is set: its own
// default, not the server's inter.
const DefaultAgentInter = 2 * time.Second

// AgentTarget returns where the agent connects: agent-addr, else addr,
// else "" (the server's address); agent-port, else port (haproxy's
// "port" sets the agent's port too unless agent-port was given).
func (o *ServerOpts) AgentTarget() (addr string, port int) {
	h := o.Health()
	addr, port = h.AgentAddr, h.AgentPort
	if addr == "" {
		addr = o.CheckAddr
	}
	if !h.AgentPortSet {
		port = o.CheckPort
	}
	return addr, port
}

func init() {
	health := func(f func(c *Context, h *HealthOpts, arg string) error) func(*Context, *ServerOpts, []string) error {
		return func(c *Context, o *ServerOpts, args []string) error {
			var err error
			setHealth(o, func(h *HealthOpts) {
				arg := ""
				if len(args) > 0 {
					arg = args[0]
				}
				err = f(c, h, arg)
			})
			if err == nil {
				c.validateHealthLater()
			}
			return err
		}
	}
	RegisterServerOption("agent-check", 0, health(func(_ *Context, h *HealthOpts, _ string) error {
		h.Agent = true
		return nil
	}))
	RegisterServerOption("no-agent-check", 0, health(func(_ *Context, h *HealthOpts, _ string) error {
		h.Agent = false
		return nil
	}))
	RegisterServerOption("agent-send", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		if arg == "" {
			return fmt.Errorf("'agent-send' expects a string as argument")
		}
		h.AgentSend = arg
		return nil
	}))
	RegisterServerOption("agent-inter", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		d, err := ParseDuration(arg)
		if err != nil {
			return fmt.Errorf("'agent-inter': %v", err)
		}
		if d <= 0 {
			return fmt.Errorf("'agent-inter' expects a positive delay, got '%s'", arg)
		}
		h.AgentInter = d
		return nil
	}))
	RegisterServerOption("agent-addr", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		a, err := netip.ParseAddr(arg)
		if err != nil {
			return fmt.Errorf("parsing agent-addr failed. Check if '%s' is correct address (host names are not supported yet by switchyard)", arg)
		}
		h.AgentAddr = a.String()
		return nil
	}))
	RegisterServerOption("agent-port", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		// haproxy takes whatever atol makes of it; a port that is
		// not one is refused here rather than silently truncated.
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("'agent-port' expects a port number (0-65535), got '%s'", arg)
		}
		h.AgentPort, h.AgentPortSet = n, true
		return nil
	}))
	RegisterServerOption("slowstart", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		d, err := ParseDuration(arg)
		if err != nil {
			return fmt.Errorf("'slowstart': %v", err)
		}
		h.SlowStart = d
		return nil
	}))
	RegisterServerOption("observe", 1, health(func(c *Context, h *HealthOpts, arg string) error {
		switch arg {
		case "none":
			h.Observe = backend.ObserveNone
		case "layer4":
			h.Observe = backend.ObserveLayer4
		case "layer7":
			// haproxy looks at the mode in force when it reads the line.
			if px := c.Proxy(); px == nil || px.Mode != ModeHTTP {
				return fmt.Errorf("'layer7' can only be used in http proxies")
			}
			h.Observe = backend.ObserveLayer7
		case "":
			return fmt.Errorf("'observe' expects <mode> as argument")
		default:
			return fmt.Errorf("'observe' expects one of 'none', 'layer4', 'layer7' but got '%s'", arg)
		}
		return nil
	}))
	RegisterServerOption("error-limit", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		n, err := strconv.Atoi(arg)
		if err != nil || n <= 0 {
			return fmt.Errorf("error-limit has to be > 0, got '%s'", arg)
		}
		h.ErrorLimit = n
		return nil
	}))
	RegisterServerOption("on-error", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		switch arg {
		case "fastinter":
			h.OnError = backend.OnErrorFastInter
		case "fail-check":
			h.OnError = backend.OnErrorFailCheck
		case "sudden-death":
			h.OnError = backend.OnErrorSuddenDeath
		case "mark-down":
			h.OnError = backend.OnErrorMarkDown
		default:
			return fmt.Errorf("'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '%s'", arg)
		}
		return nil
	}))
	RegisterServerOption("on-marked-down", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		if arg != "shutdown-sessions" {
			return fmt.Errorf("'on-marked-down' expects 'shutdown-sessions' but got '%s'", arg)
		}
		h.OnMarkedDown = true
		return nil
	}))
	RegisterServerOption("on-marked-up", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		if arg != "shutdown-backup-sessions" {
			return fmt.Errorf("'on-marked-up' expects 'shutdown-backup-sessions' but got '%s'", arg)
		}
		h.OnMarkedUp = true
		return nil
	}))
	RegisterServerOption("track", 1, health(func(_ *Context, h *HealthOpts, arg string) error {
		if arg == "" {
			return fmt.Errorf("'track' expects [<proxy>/]<server> as argument")
		}
		h.Track = arg
		return nil
	}))
}

// TrackTarget returns the backend and server a server tracks, its own
// backend when track names none; ok is false without track.
func (s *Server) TrackTarget(px *Proxy) (backend, server string, ok bool) {
	t := s.Health().Track
	if t == "" {
		return "", "", false
	}
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		return t[:i], t[i+1:], true
	}
	return px.Name, t, true
}

// validateHealthLater asks, once per configuration, for the checks that
// need the whole of it: what haproxy checks once a server line is read
// (agent port, check with track) and the tracks it resolves once every
// section is (check_config_validity).
func (c *Context) validateHealthLater() {
	g := c.Global()
	if g.Ext[healthKey{}] != nil {
		return
	}
	g.Ext.Set(healthKey{}, true)
	p := c.p
	p.later = append(p.later, p.validateHealth)
}

func (p *parser) validateHealth() {
	delete(p.cfg.Global.Ext, healthKey{}) // the marker has done its job
	fail := func(px *Proxy, s *Server, err error) {
		p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line,
			Msg: fmt.Sprintf("'server %s/%s' : ", px.Name, s.Name) + err.Error()})
	}
	backends := map[string]*Proxy{}
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapBE == 0 {
			continue
		}
		if backends[px.Name] == nil {
			backends[px.Name] = px
		}
		for _, s := range px.Servers {
			for _, err := range serverLineErrors(s) {
				fail(px, s, err)
			}
		}
	}
	if len(p.errs) > 0 {
		return // haproxy stops before resolving tracks
	}
	// Tracks resolve in declaration order, each once its line is valid,
	// as srv_apply_track: a loop is found by the server that closes it.
	applied := map[*Server]*Server{}
	for _, px := range p.cfg.Proxies {
		if px.Cap&CapBE == 0 {
			continue
		}
		for _, s := range px.Servers {
			var strack *Server
			found := func(tpx *Proxy, name string) (Trackee, bool) {
				for _, o := range tpx.Servers {
					if o.Name == name {
						strack = o
						loop := applied[o]
						for loop != nil && loop != s {
							loop = applied[loop]
						}
						return Trackee{
							Checked: o.Check || o.Health().Agent || o.Health().Track != "",
							Loops:   o == s || loop != nil,
						}, true
					}
				}
				return Trackee{}, false
			}
			_, err := resolveTrack(px, s, func(name string) *Proxy { return backends[name] }, found)
			if err != nil {
				fail(px, s, err)
				continue
			}
			if strack != nil {
				applied[s] = strack
			}
		}
	}
}

// serverLineErrors are the checks haproxy makes of a server once its line
// is read (_srv_parse_finalize): a check with a track, an agent without a
// port.
func serverLineErrors(s *Server) []error {
	var errs []error
	h := s.Health()
	if s.Check && h.Track != "" {
		errs = append(errs, errors.New("unable to enable checks and tracking at the same time!"))
	}
	if _, port := s.AgentTarget(); h.Agent && port == 0 {
		errs = append(errs, fmt.Errorf("server %s does not have agent port. Agent check has been disabled.", s.Name))
	}
	return errs
}

// Trackee is what resolving a track needs to know of the server it names.
type Trackee struct {
	// Dynamic: the server was added at runtime, and cannot be tracked.
	Dynamic bool
	// Checked: the server has a check or an agent, or tracks another.
	Checked bool
	// Loops: the server is the tracking one, or its chain of tracks
	// leads back to it.
	Loops bool
}

// resolveTrack is haproxy's srv_apply_track for s, a server of px: backend
// finds a backend by name, server a server of one. It returns the backend
// tracked (nil without track) or the refusal, in haproxy's words.
func resolveTrack(px *Proxy, s *Server, backend func(name string) *Proxy, server func(tpx *Proxy, name string) (Trackee, bool)) (*Proxy, error) {
	pname, sname, ok := s.TrackTarget(px)
	if !ok {
		return nil, nil
	}
	tpx := backend(pname)
	if tpx == nil {
		return nil, fmt.Errorf("unable to find required proxy '%s' for tracking.", pname)
	}
	t, ok := server(tpx, sname)
	switch {
	case !ok:
		return nil, fmt.Errorf("unable to find required server '%s' for tracking.", sname)
	case t.Dynamic:
		return nil, fmt.Errorf("unable to use %s/%s for tracking as it is a dynamic server.", tpx.Name, sname)
	case !t.Checked:
		return nil, fmt.Errorf("unable to use %s/%s for tracking as it does not have any check nor agent enabled.", tpx.Name, sname)
	case t.Loops:
		return nil, fmt.Errorf("unable to track %s/%s as it belongs to a tracking chain looping back to %s/%s.", tpx.Name, sname, tpx.Name, s.Name)
	case tpx != px && disableOn404(tpx) != disableOn404(px):
		// sic: haproxy's message lacks the space.
		return nil, fmt.Errorf("unable to use %s/%s fortracking: disable-on-404 option inconsistency.", tpx.Name, sname)
	}
	return tpx, nil
}

func disableOn404(px *Proxy) bool {
	rs, err := px.Check.Build(px.Mode == ModeHTTP)
	return err == nil && rs.DisableOn404()
}
