package config

import (
	"fmt"
	"regexp"
	"strconv"

	"switchyard/logformat"
	"switchyard/logsink"
	"switchyard/sample"
)

// fcgi-app sections describe a FastCGI application (HAProxy's "10.1.
// FastCGI application"). switchyard does not speak FastCGI yet: a section
// is read and checked as haproxy checks it, so that a configuration that
// declares one unused (as haproxy's own tests do) loads, while everything
// that would send traffic to it — `use-fcgi-app`, `filter fcgi-app`, a
// server's `proto fcgi` — is refused as not supported yet. A warning at
// the section says so, so nobody takes the section for a working one.

// FCGIApp is one fcgi-app section, as read.
type FCGIApp struct {
	Name string
	Pos  Pos
	// Docroot is the script root on the application's host (required).
	Docroot string
	// Index is the script for URIs that end with a slash.
	Index string
	// PathInfo splits the path into the script name and PATH_INFO.
	PathInfo *regexp.Regexp
	// ACLs are the section's own, for the rules' conditions.
	ACLs *sample.ACLSet
	// Rules are set-param and pass-header lines, in order.
	Rules []FCGIRule
	// KeepConn, GetValues, MpxsConns and MaxReqs are the options.
	KeepConn, GetValues, MpxsConns bool
	MaxReqs                        int
	// Logs are the log-stderr targets.
	Logs []*logsink.Target
}

// FCGIRule is a set-param (Value set) or pass-header (Value nil) line.
type FCGIRule struct {
	Name  string
	Value *logformat.Format
	Cond  *sample.Cond
}

type fcgiAppsKey struct{}

// fcgiApps holds the sections by name and the one being read (nil after
// a header that failed: its lines are skipped).
type fcgiApps struct {
	byName map[string]*FCGIApp
	cur    *FCGIApp
}

func fcgiAppsOf(g *Global) *fcgiApps {
	a, _ := g.Ext[fcgiAppsKey{}].(*fcgiApps)
	if a == nil {
		a = &fcgiApps{byName: map[string]*FCGIApp{}}
		g.Ext.Set(fcgiAppsKey{}, a)
	}
	return a
}

// FCGIApps returns the configuration's fcgi-app sections by name.
func FCGIApps(g *Global) map[string]*FCGIApp {
	if a, _ := g.Ext[fcgiAppsKey{}].(*fcgiApps); a != nil {
		return a.byName
	}
	return nil
}

var secFCGIApp = RegisterSection("fcgi-app", openFCGIApp, closeFCGIApp)

func openFCGIApp(c *Context, args []string) error {
	a := fcgiAppsOf(c.Global())
	a.cur = nil
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("expects <name> as argument.")
	}
	if err := tooManyArgs(args, 1); err != nil {
		return err
	}
	if err := checkSectionName("fcgi-app", args[0]); err != nil {
		return err
	}
	if old := a.byName[args[0]]; old != nil {
		return fmt.Errorf("fcgi-app section '%s' has the same name as another one declared at %s:%d.", args[0], old.Pos.File, old.Pos.Line)
	}
	a.cur = &FCGIApp{Name: args[0], Pos: c.Pos(), KeepConn: true, MaxReqs: 1, ACLs: sample.NewACLSet(c.Env())}
	a.byName[args[0]] = a.cur
	c.Warnf("fcgi-app '%s': FastCGI is not supported yet by switchyard; the section is checked, and no backend can use it", args[0])
	return nil
}

// closeFCGIApp reports a section without docroot, at its first line, and
// max-reqs without multiplexing, as haproxy does once all is read.
func closeFCGIApp(c *Context) error {
	a := fcgiAppsOf(c.Global())
	app := a.cur
	a.cur = nil
	if app == nil {
		return nil
	}
	if app.Docroot == "" {
		c.p.errs = append(c.p.errs, &Error{File: app.Pos.File, Line: app.Pos.Line,
			Msg: fmt.Sprintf("fcgi-app '%s': no docroot configured.", app.Name)})
	}
	if !app.MpxsConns && !app.GetValues && app.MaxReqs > 1 {
		c.p.res.Messages = append(c.p.res.Messages, Message{File: app.Pos.File, Line: app.Pos.Line, Level: LevelWarning,
			Msg: fmt.Sprintf("fcgi-app '%s': multiplexing not supported, ignore the option 'max-reqs'.", app.Name)})
		app.MaxReqs = 1
	}
	return nil
}

// fcgiKw registers a keyword of the section; parse runs only when the
// section's header was good.
func fcgiKw(name string, parse func(p *parser, app *FCGIApp, args []string) error) *keyword {
	return register(secFCGIApp, name, func(p *parser, args []string) error {
		app := fcgiAppsOf(&p.cfg.Global).cur
		if app == nil {
			return nil
		}
		return parse(p, app, args)
	})
}

// fcgiOneArg reads the single argument of docroot, index and path-info.
func fcgiOneArg(args []string, what string) (string, error) {
	if len(args) == 0 || args[0] == "" {
		return "", fmt.Errorf("expects <%s> as argument.", what)
	}
	if err := tooManyArgs(args, 1); err != nil {
		return "", err
	}
	return args[0], nil
}

// fcgiRuleCond reads the optional condition after a rule's arguments,
// against the section's own ACLs.
func fcgiRuleCond(app *FCGIApp, words []string) (*sample.Cond, error) {
	if len(words) == 0 {
		return nil, nil
	}
	return condOn(app.ACLs, words)
}

// fcgiFlag is `[no] option NAME` for the section's boolean options.
func fcgiFlag(name string, field func(*FCGIApp) *bool) {
	fcgiKw("option "+name, func(p *parser, app *FCGIApp, args []string) error {
		on, err := negFlag(args)
		if err != nil {
			return err
		}
		*field(app) = on
		return nil
	}).negatable = true
}

func init() {
	delete(unsupportedSections, "fcgi-app")
	// Using an application is what is not supported: say so where it is
	// asked for.
	registerNotYet("use-fcgi-app")

	fcgiKw("docroot", func(_ *parser, app *FCGIApp, args []string) (err error) {
		app.Docroot, err = fcgiOneArg(args, "path")
		return err
	})
	fcgiKw("index", func(_ *parser, app *FCGIApp, args []string) (err error) {
		app.Index, err = fcgiOneArg(args, "filename")
		return err
	})
	fcgiKw("path-info", func(_ *parser, app *FCGIApp, args []string) error {
		s, err := fcgiOneArg(args, "regex")
		if err != nil {
			return err
		}
		re, err := sample.CompileRegex(s, false)
		if err != nil {
			return fmt.Errorf("'%s' : %v", s, err)
		}
		app.PathInfo = re
		return nil
	})
	fcgiKw("acl", func(_ *parser, app *FCGIApp, args []string) error {
		if len(args) < 2 {
			return fmt.Errorf("expects an ACL name and a criterion")
		}
		return app.ACLs.Add(args[0], args[1:])
	})
	fcgiKw("set-param", func(p *parser, app *FCGIApp, args []string) error {
		if len(args) < 2 || args[0] == "" || args[1] == "" {
			return fmt.Errorf("expects <name> and <value> as arguments.")
		}
		f, err := logformat.ParseOptions(args[1], logformat.Options{Flags: logformat.HTTPValue, HTTPMode: true, Env: p.samples,
			// Parameters are sent with the request, by the backend, to a
			// server: what request rules of a backend may read.
			Avail: sample.SrcL4 | sample.SrcL6Req | sample.SrcHTTPReq | sample.SrcBackend | sample.SrcServer})
		if err != nil {
			return fmt.Errorf("'%s' : %v", args[0], err)
		}
		cond, err := fcgiRuleCond(app, args[2:])
		if err != nil {
			return fmt.Errorf("'%s' : %v", args[0], err)
		}
		app.Rules = append(app.Rules, FCGIRule{Name: args[0], Value: f, Cond: cond})
		return nil
	})
	fcgiKw("pass-header", func(_ *parser, app *FCGIApp, args []string) error {
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("expects <name> as arguments.")
		}
		cond, err := fcgiRuleCond(app, args[1:])
		if err != nil {
			return fmt.Errorf("'%s' : %v", args[0], err)
		}
		app.Rules = append(app.Rules, FCGIRule{Name: args[0], Cond: cond})
		return nil
	})
	fcgiFlag("keep-conn", func(a *FCGIApp) *bool { return &a.KeepConn })
	fcgiFlag("get-values", func(a *FCGIApp) *bool { return &a.GetValues })
	fcgiFlag("mpxs-conns", func(a *FCGIApp) *bool { return &a.MpxsConns })
	fcgiKw("option max-reqs", func(_ *parser, app *FCGIApp, args []string) error {
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("option 'max-reqs' expects an integer argument.")
		}
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n <= 0 {
			return fmt.Errorf("option 'max-reqs' expects a strictly positive integer argument.")
		}
		app.MaxReqs = n
		return nil
	})
	registerNegatable(secFCGIApp, "log-stderr", func(p *parser, args []string) error {
		if app := fcgiAppsOf(&p.cfg.Global).cur; app != nil {
			return p.logLine(args, &app.Logs)
		}
		return nil
	})
}
