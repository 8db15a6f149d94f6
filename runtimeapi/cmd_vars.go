package runtimeapi

import (
	"switchyard/admin"
	"switchyard/logformat"
	"switchyard/sample"
)

// `get var <name>`: a process-wide variable (proc.*), as vars.c prints it:
// its type and its value as text, unprintable bytes as dots.
func cmdGetVar(c *call) {
	if !c.need(admin.Operator) {
		return
	}
	name := c.arg(2)
	if name == "" {
		c.err("Missing process-wide variable identifier.\n")
		return
	}
	ref, err := sample.ParseVarName(name)
	var vars sample.Vars
	v, ok := vars.Get(ref)
	if err != nil || ref.Scope != sample.ScopeProc || !ok {
		c.err("Variable not found.\n")
		return
	}
	out := append([]byte(name+": type="+varType(v)+" value=<"), v.AppendText(nil)...)
	for i := len(name) + 1; i < len(out); i++ {
		if b := out[i]; b < 0x20 || b > 0x7e {
			out[i] = '.'
		}
	}
	// haproxy ends the line with the answer's empty one alone.
	c.msg(logInfo, string(append(out, '>')))
}

// varType is haproxy's name of a sample's type.
func varType(v sample.Value) string {
	switch v.Kind {
	case sample.KindInt:
		return "sint"
	case sample.KindBool:
		return "bool"
	case sample.KindBin:
		return "bin"
	case sample.KindIP:
		if v.IP.Is4() {
			return "ipv4"
		}
		return "ipv6"
	}
	return "str"
}

// `set var <name> [expr|fmt] <value>` (experimental mode): sets a proc.*
// variable from an expression or a log-format string, evaluated at once
// with no traffic, as vars.c's CLI parser does.
func cmdSetVar(c *call) {
	if !c.need(admin.Operator) {
		return
	}
	name := c.arg(2)
	if name == "" {
		c.err("Missing process-wide variable identifier.\n")
		return
	}
	if c.arg(3) == "" {
		c.err("Missing either 'expr', 'fmt' or expression.\n")
		return
	}
	value, useFmt := c.arg(3), false
	if c.arg(4) != "" {
		switch c.arg(3) {
		case "fmt":
			useFmt = true
		case "expr":
		default:
			c.err("'set var': arg type must be either 'expr' or 'fmt' but got '" + c.arg(3) + "'.")
			return
		}
		value = c.arg(4)
	}
	ref, err := sample.ParseVarName(name)
	if err != nil {
		c.err(err.Error())
		return
	}
	if ref.Scope != sample.ScopeProc {
		c.err("'set var': cannot set variable '" + name + "', only scope 'proc' is permitted here.")
		return
	}
	var ctx sample.Ctx
	if useFmt {
		f, err := logformat.ParseOptions(value, logformat.Options{})
		if err != nil {
			c.err(err.Error())
			return
		}
		ctx.Vars.Set(ref, sample.Str(f.Append(nil, &ctx, nil)))
		return
	}
	e, _, err := sample.ParseExprWords(nil, []string{value})
	if err == nil {
		err = e.Check(0)
	}
	if err != nil {
		c.err(err.Error())
		return
	}
	if v, ok := e.Eval(&ctx); ok {
		ctx.Vars.Set(ref, v)
	}
}
