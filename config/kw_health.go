package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
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
		a, err := netip.ParseAddr(args[0])
		if err != nil {
			return fmt.Errorf("'addr' expects an IPv4 or IPv6 address, got '%s' (host names are not supported yet by switchyard)", args[0])
		}
		o.CheckAddr = a.String()
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

// checkTimings returns a server's inter, rise and fall with haproxy's
// defaults filled in.
func (o *ServerOpts) checkTimings() (inter time.Duration, rise, fall int) {
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

// CheckTimings returns the server's check interval, rise and fall,
// haproxy's defaults filled in.
func (s *Server) CheckTimings() (inter time.Duration, rise, fall int) { return s.checkTimings() }
