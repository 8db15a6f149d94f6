package config

import (
	"fmt"
	"os/user"
	"strconv"
)

// program sections: commands that the master process starts once the
// proxies serve, starts again (or not) on each reload, and stops with
// itself (HAProxy's "3.7. Programs"). The configuration only describes
// them; cmd/switchyard runs them.

// Program is one program section.
type Program struct {
	Name string
	Pos  Pos // the section's first line
	// Command is the command and its arguments; a command without a slash
	// is looked up in PATH when it starts.
	Command []string
	// UID and GID are what the command runs as; HasUID and HasGID say
	// whether `user` and `group` asked for one (otherwise it keeps the
	// process's).
	UID, GID       int
	HasUID, HasGID bool
	// StartOnReload (the default) starts a new instance at each reload,
	// the running one being told to leave; without it the running instance
	// goes on and none is started.
	StartOnReload bool
}

type programsKey struct{}

// programList is kept in Global.Ext behind a pointer, so that a section
// appends to the list the Ext already holds. cur is the section being
// read: nil after a header that failed, whose lines are then skipped (the
// header said what was wrong). It lives here, with the configuration being
// read, because two loads may run at once.
type programList struct {
	list []*Program
	cur  *Program
}

func programs(g *Global) *programList {
	l, _ := g.Ext[programsKey{}].(*programList)
	if l == nil {
		l = &programList{}
		g.Ext.Set(programsKey{}, l)
	}
	return l
}

// currentProgram is the section being read, or nil.
func currentProgram(p *parser) *Program { return programs(&p.cfg.Global).cur }

// Programs returns the configuration's program sections in the order
// they were declared.
func Programs(g *Global) []*Program {
	if l, _ := g.Ext[programsKey{}].(*programList); l != nil {
		return l.list
	}
	return nil
}

// secProgram is initialised with the package's variables rather than in
// init, so that the tests' tables, built at the same time, can name it.
var secProgram = RegisterSection("program", openProgram, closeProgram)

func openProgram(c *Context, args []string) error {
	first := Programs(c.Global()) == nil
	l := programs(c.Global())
	l.cur = nil
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("expects an <id> argument")
	}
	if err := tooManyArgs(args, 1); err != nil {
		return err
	}
	if first {
		// HAProxy checks once, whatever the number of sections: the
		// error is at the first one. `master-worker` may come in a
		// later global section, hence the check once all is read.
		c.Later(func(cfg *Config) error {
			if !cfg.Global.MasterWorker && !c.p.opt.MasterWorker {
				return fmt.Errorf("Can't use a 'program' section without master worker mode.")
			}
			return nil
		})
	}
	for _, p := range l.list {
		if p.Name == args[0] {
			return fmt.Errorf("'%s' program section already exists in the configuration (declared at %s:%d).", args[0], p.Pos.File, p.Pos.Line)
		}
	}
	l.cur = &Program{Name: args[0], Pos: c.Pos(), StartOnReload: true}
	l.list = append(l.list, l.cur)
	return nil
}

// closeProgram reports a section without a command at its first line,
// which is where the missing line belongs.
func closeProgram(c *Context) error {
	l := programs(c.Global())
	p := l.cur
	l.cur = nil
	if p != nil && len(p.Command) == 0 {
		c.p.errs = append(c.p.errs, &Error{File: p.Pos.File, Line: p.Pos.Line,
			Msg: fmt.Sprintf("The program section '%s' lacks a command to launch.", p.Name)})
	}
	return nil
}

func init() {
	delete(unsupportedSections, "program")
	register(secProgram, "command", func(p *parser, args []string) error {
		cur := currentProgram(p)
		if cur == nil {
			return nil
		}
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("expects a command with optional arguments separated in words.")
		}
		// A second line replaces the first, as in HAProxy.
		cur.Command = append([]string(nil), args...)
		return nil
	})
	register(secProgram, "user", func(p *parser, args []string) error {
		cur := currentProgram(p)
		if cur == nil {
			return nil
		}
		if argOrEmpty(args) == "" {
			return fmt.Errorf("expects a user name.")
		}
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if cur.HasUID {
			// HAProxy's alert that does not fail the load: the first
			// line wins.
			p.warnf("user/uid already specified. Continuing.")
			return nil
		}
		// Resolved now, as HAProxy does, so that a typo fails the load
		// rather than the start of the program.
		u, err := user.Lookup(args[0])
		if err != nil {
			return fmt.Errorf("cannot find user id for '%s'", args[0])
		}
		cur.UID, _ = strconv.Atoi(u.Uid)
		cur.HasUID = true
		return nil
	})
	register(secProgram, "group", func(p *parser, args []string) error {
		cur := currentProgram(p)
		if cur == nil {
			return nil
		}
		if argOrEmpty(args) == "" {
			return fmt.Errorf("expects a group name.")
		}
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		if cur.HasGID {
			p.warnf("group/gid already specified. Continuing.")
			return nil
		}
		g, err := user.LookupGroup(args[0])
		if err != nil {
			return fmt.Errorf("cannot find group id for '%s'", args[0])
		}
		cur.GID, _ = strconv.Atoi(g.Gid)
		cur.HasGID = true
		return nil
	})
	registerNegatable(secProgram, "option start-on-reload", func(p *parser, args []string) error {
		on, args := stripNo(args)
		if err := tooManyArgs(args, 0); err != nil {
			return err
		}
		if cur := currentProgram(p); cur != nil {
			cur.StartOnReload = on
		}
		return nil
	})
}
