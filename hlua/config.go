package hlua

import (
	"fmt"

	glua "github.com/yuin/gopher-lua"

	"strconv"
	"strings"
	"time"

	"switchyard/config"
)

// The configuration keywords of Lua: lua-load and its kin in the global
// section, tune.lua.*, `http-request lua.NAME` and the other rule sets'
// Lua actions, `use-service lua.NAME`.

type programKey struct{}

// ProgramOf returns the configuration's Lua program, nil when it loads no
// script.
func ProgramOf(cfg *config.Config) *Program {
	p, _ := cfg.Global.Ext[programKey{}].(*Program)
	if p.Empty() {
		return nil
	}
	return p
}

// program returns the program of the configuration being read, made on
// first use; its fetches and converters become the sample engine's.
func program(c *config.Context) *Program {
	g := c.Global()
	if p, ok := g.Ext[programKey{}].(*Program); ok {
		return p
	}
	p := NewProgram(c.Env())
	g.Ext.Set(programKey{}, p)
	c.Env().Dynamic = p
	return p
}

// ActionRule is the Args of a Lua action rule.
type ActionRule struct {
	Prog  *Program
	Name  string
	Words []string
	lua   []glua.LValue // Words as Lua strings, made once
}

// Run runs the rule's action on st.
func (a *ActionRule) Run(st Stream, res bool) ActionResult {
	return a.Prog.runAction(a.Name, st, a.lua, res)
}

// ServiceRef is the Impl of `use-service lua.NAME`.
type ServiceRef struct {
	Prog *Program
	Name string
	TCP  bool // registered as a "tcp" service (AppletTCP)
}

func init() {
	load := func(perThread bool) func(c *config.Context, args []string) error {
		return func(c *config.Context, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("expects a Lua file name")
			}
			p := program(c)
			// While it loads, the script sees the environment as the
			// configuration does so far (os.getenv), as haproxy's,
			// which has made the setenv lines above it.
			p.envLookup = c.LookupEnv
			defer func() { p.envLookup = nil }()
			return p.Load(args[0], args[1:], perThread)
		}
	}
	config.RegisterKeyword(config.SecGlobal, "lua-load", load(false))
	config.RegisterKeyword(config.SecGlobal, "lua-load-per-thread", load(true))
	config.RegisterKeyword(config.SecGlobal, "lua-prepend-path", func(c *config.Context, args []string) error {
		if len(args) == 0 || len(args) > 2 {
			return fmt.Errorf("expects a path and optionally 'path' or 'cpath'")
		}
		cpath := false
		if len(args) == 2 {
			switch args[1] {
			case "path":
			case "cpath":
				cpath = true
			default:
				return fmt.Errorf("'%s': expects 'path' or 'cpath'", args[1])
			}
		}
		program(c).PrependPath(args[0], cpath)
		return nil
	})
	timeout := func(field func(s *Settings) *time.Duration) func(c *config.Context, args []string) error {
		return func(c *config.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("expects a time")
			}
			d, err := config.ParseDuration(args[0])
			if err != nil {
				return err
			}
			*field(&program(c).Settings) = d
			return nil
		}
	}
	config.RegisterKeyword(config.SecGlobal, "tune.lua.session-timeout", timeout(func(s *Settings) *time.Duration { return &s.SessionTimeout }))
	config.RegisterKeyword(config.SecGlobal, "tune.lua.task-timeout", timeout(func(s *Settings) *time.Duration { return &s.TaskTimeout }))
	config.RegisterKeyword(config.SecGlobal, "tune.lua.service-timeout", timeout(func(s *Settings) *time.Duration { return &s.ServiceTimeout }))
	number := func(name, why string) func(c *config.Context, args []string) error {
		return func(c *config.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("expects a number")
			}
			if _, err := strconv.ParseUint(args[0], 10, 32); err != nil {
				return fmt.Errorf("expects a number, got '%s'", args[0])
			}
			c.Warnf("'%s' has no effect in switchyard: %s", name, why)
			return nil
		}
	}
	config.RegisterKeyword(config.SecGlobal, "tune.lua.forced-yield", number("tune.lua.forced-yield",
		"Lua code runs in goroutines that the Go scheduler preempts; a runaway script is stopped by the timeouts"))
	config.RegisterKeyword(config.SecGlobal, "tune.lua.maxmem", number("tune.lua.maxmem",
		"the Lua engine allocates from Go's heap, which it cannot bound per state"))
	onOff := func(set func(s *Settings, v string), allowed ...string) func(c *config.Context, args []string) error {
		return func(c *config.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("expects one of %s", strings.Join(allowed, ", "))
			}
			for _, a := range allowed {
				if args[0] == a {
					set(&program(c).Settings, a)
					return nil
				}
			}
			return fmt.Errorf("expects one of %s, got '%s'", strings.Join(allowed, ", "), args[0])
		}
	}
	config.RegisterKeyword(config.SecGlobal, "tune.lua.log.loggers", onOff(func(s *Settings, v string) { s.LogLoggers = v == "on" }, "on", "off"))
	config.RegisterKeyword(config.SecGlobal, "tune.lua.log.stderr", onOff(func(s *Settings, v string) { s.LogStderr = v }, "on", "auto", "off"))

	config.RegisterAction(&config.ActionDef{Name: "lua.", Prefix: true,
		Where: config.HTTPRequestRules | config.HTTPResponseRules |
			config.TCPRequestContentRules | config.TCPResponseContentRules,
		Parse: parseAction})
	config.ServicePrefix("lua.", resolveService)
}

// resolveService checks `use-service lua.NAME` as haproxy does: an http
// service only from http-request rules, a tcp one only in a proxy that
// is not in mode http.
func resolveService(c *config.RuleContext, name string) (any, error) {
	short := strings.TrimPrefix(name, "lua.")
	p, _ := c.Global().Ext[programKey{}].(*Program)
	d := p.declared(KindService, short)
	if d == nil {
		return nil, fmt.Errorf("'%s' unknown service name.", name)
	}
	if d.mode == "tcp" {
		if c.Proxy().Mode == config.ModeHTTP {
			return nil, fmt.Errorf("Lua TCP services cannot be used on HTTP proxies")
		}
	} else if c.Set != config.HTTPRequestRules {
		return nil, fmt.Errorf("HTTP applets are forbidden from 'tcp-request' rulesets")
	}
	return &ServiceRef{Prog: p, Name: short, TCP: d.mode == "tcp"}, nil
}

// actionKinds maps the rule sets to the names register_action uses.
var actionKinds = map[config.RuleSet]string{
	config.HTTPRequestRules:        "http-req",
	config.HTTPResponseRules:       "http-res",
	config.TCPRequestContentRules:  "tcp-req",
	config.TCPResponseContentRules: "tcp-res",
}

// parseAction reads `<set> lua.NAME [ARG…]`: the action must be
// registered for the rule set, and takes the number of words it declared.
func parseAction(c *config.RuleContext, r *config.HTTPRule, args []string) (int, error) {
	name := strings.TrimPrefix(args[0], "lua.")
	p, _ := c.Global().Ext[programKey{}].(*Program)
	d := p.declared(KindAction, name)
	kind := actionKinds[c.Set]
	ok := false
	if d != nil {
		for _, w := range d.where {
			ok = ok || w == kind
		}
	}
	if !ok {
		return 0, fmt.Errorf("'%s %s': unknown Lua action for %s (register it with core.register_action and \"%s\")",
			c.Set.Keyword(), args[0], kind, kind)
	}
	words := args[1:]
	n := 0
	for n < len(words) && n < d.nargs && words[n] != "if" && words[n] != "unless" {
		n++
	}
	if n < d.nargs {
		return 0, fmt.Errorf("'%s %s' expects %d arguments, got %d", c.Set.Keyword(), args[0], d.nargs, n)
	}
	a := &ActionRule{Prog: p, Name: name, Words: words[:n]}
	for _, w := range a.Words {
		a.lua = append(a.lua, glua.LString(w))
	}
	r.Args = a
	return 1 + n, nil
}
