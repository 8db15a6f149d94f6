package config

import (
	"fmt"
	"strings"

	"switchyard/sample"
)

// What binds a request to a server besides the balancer: option persist,
// force-persist and ignore-persist (which decide whether a cookie naming a
// down server, or any cookie, counts), and use-server rules. The cookie
// itself is kw_cookie.go's.

// PersistRule is a force-persist (Force) or ignore-persist rule; the first
// that matches, in declaration order, decides.
type PersistRule struct {
	Force bool
	Cond  *sample.Cond
}

// UseServer is a `use-server` rule.
type UseServer struct {
	Pos    Pos
	Server string
	Cond   *sample.Cond
}

func init() {
	register(SecDefaults|SecBackend, "dynamic-cookie-key", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "<secret_key> as argument"); err != nil {
			return err
		}
		p.cur.DynamicCookieKey = args[0]
		return nil
	})
	registerNegatable(SecProxy, "option abortonclose", func(p *parser, args []string) error {
		on, err := negFlag(args)
		p.cur.AbortOnClose = on
		return err
	}).actsOn(CapBE, "'abortonclose' ignored because %[2]s '%[3]s' has no %[4]s capability.")
	registerNegatable(SecProxy, "option persist", func(p *parser, args []string) error {
		on, err := negFlag(args)
		p.cur.Persist = on
		return err
	}).actsOn(CapBE, "'persist' ignored because %[2]s '%[3]s' has no %[4]s capability.")
	persistRule := func(force bool) func(p *parser, args []string) error {
		return func(p *parser, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("requires either 'if' or 'unless' followed by a condition")
			}
			c, err := p.cond(args)
			if err != nil {
				return err
			}
			p.cur.PersistRules = append(p.cur.PersistRules, PersistRule{Force: force, Cond: c})
			return nil
		}
	}
	register(SecBackend, "force-persist", persistRule(true))
	register(SecBackend, "ignore-persist", persistRule(false))
	register(SecBackend, "use-server", func(p *parser, args []string) error {
		if len(args) < 3 {
			return fmt.Errorf("expects a server name followed by 'if' or 'unless' and a condition")
		}
		if strings.Contains(args[0], "%[") {
			return fmt.Errorf("server names given by a log-format string are not supported yet by switchyard")
		}
		c, err := p.cond(args[1:])
		if err != nil {
			return err
		}
		p.cur.UseServers = append(p.cur.UseServers, &UseServer{Pos: p.pos(), Server: args[0], Cond: c})
		return nil
	})
}

// validateChecks reports, as haproxy does once a section is read, check
// settings that cannot work (an error) or are ignored (warnings), for a
// backend whose servers are checked.
func (p *parser) validateChecks(px *Proxy) {
	checked := false
	for _, s := range px.Servers {
		checked = checked || s.Check
	}
	if !checked || px.Check == nil {
		return
	}
	kind := "backend"
	if px.Cap&CapFE != 0 {
		kind = "proxy"
	}
	for _, w := range px.Check.Warnings(kind, px.Name) {
		p.res.Messages = append(p.res.Messages, Message{File: px.Pos.File, Line: px.Pos.Line, Level: LevelWarning, Msg: w})
	}
	if _, err := px.Check.Build(px.Mode == ModeHTTP); err != nil {
		p.errs = append(p.errs, &Error{File: px.Pos.File, Line: px.Pos.Line, Msg: fmt.Sprintf("%s '%s': %v", kind, px.Name, err)})
	}
}

// validateUseServers checks that use-server rules name servers of their
// section, as haproxy does once the section is read.
func (p *parser) validateUseServers(px *Proxy) {
	kind := "backend"
	if px.Cap&CapFE != 0 {
		kind = "proxy" // haproxy's name for a listen section here
	}
	for _, us := range px.UseServers {
		found := false
		for _, s := range px.Servers {
			if s.Name == us.Server {
				found, s.Referenced = true, true
			}
		}
		if !found {
			p.errs = append(p.errs, &Error{File: us.Pos.File, Line: us.Pos.Line,
				Msg: fmt.Sprintf("%s '%s' : unable to find server '%s' referenced in a 'use-server' rule.", kind, px.Name, us.Server)})
		}
	}
}
