package config

import (
	"errors"
	"fmt"

	"switchyard/sample"
)

// This file is how packages other than config add to the language: stats,
// stick tables, Lua, userlists and the like register their keywords,
// sections, bind and server options from the package that implements them,
// and keep what they parse in the Ext of the object the line belongs to.

// Ext holds what keywords registered from other packages parsed, under a
// key of the registering package's own (an unexported type, so that no two
// packages collide). A proxy copies its defaults section's Ext.
type Ext map[any]any

// Set stores v under key, creating the map if needed.
func (e *Ext) Set(key, v any) {
	if *e == nil {
		*e = Ext{}
	}
	(*e)[key] = v
}

func (e Ext) clone() Ext {
	if e == nil {
		return nil
	}
	c := make(Ext, len(e))
	for k, v := range e {
		c[k] = v
	}
	return c
}

// Context is what a keyword's parser may use of the configuration being
// read.
type Context struct{ p *parser }

// Global is the global section as read so far (it comes first).
func (c *Context) Global() *Global { return &c.p.cfg.Global }

// Proxy is the proxy or defaults section of the line, nil elsewhere.
func (c *Context) Proxy() *Proxy { return c.p.cur }

// Pos is the file and line being parsed.
func (c *Context) Pos() Pos { return c.p.pos() }

// LookupEnv is the environment as the line sees it: the process's, with
// the setenv, presetenv and unsetenv lines read so far (which the process
// gets only once the configuration is in force).
func (c *Context) LookupEnv(name string) (string, bool) { return c.p.lookupEnv(name) }

// Warnf adds a warning at the line.
func (c *Context) Warnf(format string, args ...any) { c.p.warnf(format, args...) }

// Env is the configuration that sample expressions, ACLs and formats
// compile in: pattern files and maps by name, checks made once every
// section is read.
func (c *Context) Env() *sample.Env { return c.p.samples }

// Later runs check once every section is read, before validation: a line
// naming a backend may come before the backend. An error is reported at
// the line that asked.
func (c *Context) Later(check func(cfg *Config) error) {
	pos := c.p.pos()
	c.p.later = append(c.p.later, func() {
		if err := check(c.p.cfg); err != nil {
			c.p.errs = append(c.p.errs, &Error{File: pos.File, Line: pos.Line, Msg: err.Error()})
		}
	})
}

// RegisterKeyword adds a keyword of the sections in where. A keyword of two
// words ("stats uri") is registered with its two words. Registering a name
// twice for a section is a programming error.
func RegisterKeyword(where Section, name string, parse func(c *Context, args []string) error) {
	register(where, name, func(p *parser, args []string) error { return parse(&Context{p}, args) })
}

// lookups find objects of registered sections for the Env's Lookup.
var lookups = map[string]func(c *Context, name string) any{}

// RegisterLookup lets sample expressions find objects of a kind that a
// registered section declares ("userlist"), by name, once every section
// is read (see sample.Env.Lookup).
func RegisterLookup(kind string, find func(c *Context, name string) any) {
	lookups[kind] = find
}

// sectionKind is a section registered from outside the package.
type sectionKind struct {
	name  string
	sec   Section
	open  func(c *Context, args []string) error
	close func(c *Context) error
}

var (
	sectionKinds = map[string]*sectionKind{}
	nextSection  = secFirstFree
)

// RegisterSection adds a section (userlist, peers, http-errors...): open
// parses its header line, close (optional) runs at its end. It returns the
// Section its keywords are registered with.
func RegisterSection(name string, open func(c *Context, args []string) error, close func(c *Context) error) Section {
	if sectionKinds[name] != nil || name == "global" || name == "defaults" || name == "frontend" ||
		name == "backend" || name == "listen" {
		panic("config: section registered twice: " + name)
	}
	if nextSection == 0 {
		panic("config: too many sections")
	}
	k := &sectionKind{name: name, sec: nextSection, open: open, close: close}
	sectionKinds[name] = k
	nextSection <<= 1
	return k.sec
}

// openSection starts a registered section.
func (p *parser) openSection(k *sectionKind, args []string) {
	p.sec, p.cur, p.skip, p.section = k.sec, nil, "", k
	if err := k.open(&Context{p}, args[1:]); err != nil {
		p.errorf("'%s': %v", k.name, err)
	}
}

// closeSection ends a registered section, if one is open.
func (p *parser) closeSection() {
	k := p.section
	p.section = nil
	if k != nil && k.close != nil {
		if err := k.close(&Context{p}); err != nil {
			p.errorf("'%s': %v", k.name, err)
		}
	}
}

// lineOption is an option of a bind or server line registered from
// outside the package.
type lineOption[T any] struct {
	args  int
	parse func(c *Context, dst T, args []string) error
}

var (
	bindOptions   = map[string]lineOption[*Bind]{}
	serverOptions = map[string]lineOption[*ServerOpts]{}
)

// RegisterBindOption adds an option of bind lines that takes nargs words.
func RegisterBindOption(name string, nargs int, parse func(c *Context, b *Bind, args []string) error) {
	if _, dup := bindOptions[name]; dup {
		panic("config: bind option registered twice: " + name)
	}
	delete(bindOptsNotYet, name)
	bindOptions[name] = lineOption[*Bind]{nargs, parse}
}

// RegisterServerOption adds an option of server and default-server lines
// that takes nargs words.
func RegisterServerOption(name string, nargs int, parse func(c *Context, s *ServerOpts, args []string) error) {
	if _, dup := serverOptions[name]; dup {
		panic("config: server option registered twice: " + name)
	}
	delete(serverOptsNotYet, name)
	serverOptions[name] = lineOption[*ServerOpts]{nargs, parse}
}

// missingArgs are HAProxy's own words for an option of a bind or server
// line ("bind crt", "server track") given without its argument; the
// others get a generic message.
var missingArgs = map[string]string{
	"bind crt":           "'crt' : missing certificate location",
	"bind crt-list":      "'crt-list' : missing certificate location",
	"server addr":        "'addr' expects <ipv4|ipv6> as argument.",
	"server agent-addr":  "'agent-addr' expects an address as argument.",
	"server agent-inter": "'agent-inter' expects a delay as argument.",
	"server agent-port":  "'agent-port' expects a port number as argument.",
	"server agent-send":  "'agent-send' expects a string as argument.",
	"server check-sni":   "'check-sni' : missing SNI",
	"server cookie":      "'cookie' expects <value> as argument.",
	"server crt":         "'crt' : missing certificate file path",
	"server error-limit": "'error-limit' expects an integer argument.",
	"server observe":     "'observe' expects <mode> as argument.",
	"server port":        "'port' expects a port number as argument.",
	"server socks4":      "'socks4' expects <addr>:<port> as argument.",
	"server track":       "'track' expects [<proxy>/]<server> as argument.",
	"server verifyhost":  "'verifyhost' : missing hostname to verify against",
}

// parseLineOption runs a registered option found at args[i], and returns
// how many words it took beyond its name; ok is false if none is
// registered under that name.
func parseLineOption[T any](p *parser, kind string, table map[string]lineOption[T], dst T, args []string, i int) (n int, ok bool, err error) {
	o, ok := table[args[i]]
	if !ok {
		return 0, false, nil
	}
	if i+o.args >= len(args) {
		if msg, ok := missingArgs[kind+" "+args[i]]; ok {
			return 0, true, errors.New(msg)
		}
		return 0, true, fmt.Errorf("'%s' expects %d argument(s)", args[i], o.args)
	}
	return o.args, true, o.parse(&Context{p}, dst, args[i+1:i+1+o.args])
}
