package hlua

import (
	"bytes"
	"io"
	"sort"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// core.register_cli commands: runtime API commands written in Lua. The
// runtime API (package runtimeapi) finds them by their words and runs
// them with an AppletTCP whose output is the command's answer and whose
// input is what the client sends after the command, as haproxy's CLI
// applet (a command's payload, after "<<", is the CLI's: the script does
// not see it).

// CLICommand returns the name (words joined by spaces) of the
// register_cli command whose words begin args, the longest if several
// do; ok is false when none does.
func (p *Program) CLICommand(args []string) (name string, ok bool) {
	if p == nil {
		return "", false
	}
	best := -1
	for k, d := range p.decls {
		if k.kind != KindCLI || len(d.words) > len(args) || len(d.words) <= best {
			continue
		}
		match := true
		for i, w := range d.words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			name, best, ok = k.name, len(d.words), true
		}
	}
	return name, ok
}

// CLIUsage returns the usage lines of the register_cli commands, as the
// runtime API's help shows them ("words : usage"), sorted.
func (p *Program) CLIUsage() [][2]string {
	if p == nil {
		return nil
	}
	var out [][2]string
	for k, d := range p.decls {
		if k.kind == KindCLI {
			out = append(out, [2]string{k.name, d.help})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// cliConn is a CLI command's exchange: its payload to read, its answer
// to write.
type cliConn struct {
	in  io.Reader
	out *bytes.Buffer
}

func (c *cliConn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *cliConn) Write(b []byte) (int, error) { return c.out.Write(b) }

// RunCLI runs the register_cli command name with every word of the
// command line as arguments (the command's own words first, as haproxy
// passes them) and returns what it sent. in is the rest of the client's
// input (getline, receive). A script error is logged as haproxy's "Lua
// cli 'NAME': …" and ends the answer where it was.
func (p *Program) RunCLI(name string, args []string, in io.Reader) string {
	t, fn, end, err := p.begin(KindCLI, name)
	if err != nil {
		p.logAppletError(nil, "cli", name, err)
		return ""
	}
	defer end()
	var out bytes.Buffer
	if in == nil {
		in = strings.NewReader("")
	}
	a := &TCPApplet{Conn: &cliConn{in: in, out: &out}}
	t.cur = t.newCall(KindCLI, name, nil, nil)
	t.setLimit(p.Settings.SessionTimeout)
	largs := make([]glua.LValue, 0, len(args)+1)
	largs = append(largs, t.appletTCP(a))
	for _, w := range args {
		largs = append(largs, glua.LString(w))
	}
	if _, err := t.run(fn, 0, largs...); err != nil && !isDoneSignal(err) {
		p.log(nil, logErr, "Lua cli '"+name+"': "+errorText(err)+".")
	}
	return out.String()
}
