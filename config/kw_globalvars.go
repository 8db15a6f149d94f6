package config

import (
	"fmt"
	"strings"

	"switchyard/logformat"
	"switchyard/sample"
)

// `set-var` and `set-var-fmt` in global: process-wide variables (proc.*)
// set once the configuration is in force, in the order of the lines, so
// that each may read those before it. They are kept here and applied by
// ApplyVars (loading stays pure: -c and a refused reload change nothing).

// GlobalVar is one global set-var or set-var-fmt line.
type GlobalVar struct {
	Pos  Pos
	Ref  sample.VarRef
	Expr *sample.Expr      // set-var
	Fmt  *logformat.Format // set-var-fmt
}

func init() {
	for _, kw := range []string{"set-var", "set-var-fmt"} {
		register(SecGlobal, kw, func(p *parser, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("requires a variable name and an expression")
			}
			ref, err := sample.ParseVarName(args[0])
			p.samples.DeclareVar(ref)
			if err != nil {
				return err
			}
			if ref.Scope != sample.ScopeProc {
				return fmt.Errorf("only 'proc.' variables may be set in the global section")
			}
			gv := GlobalVar{Pos: p.pos(), Ref: ref}
			if kw == "set-var-fmt" {
				if len(args) > 2 {
					return fmt.Errorf("expects a single format string (quote it)")
				}
				f, err := logformat.ParseOptions(args[1], logformat.Options{Env: p.samples})
				if err != nil {
					return err
				}
				gv.Fmt = f
			} else {
				e, n, err := sample.ParseExprWords(p.samples, args[1:])
				if err != nil {
					return err
				}
				if n != len(args)-1 {
					return fmt.Errorf("unexpected '%s' after the expression", strings.Join(args[1+n:], " "))
				}
				// No traffic exists here: only what reads none.
				if err := e.Check(0); err != nil {
					return err
				}
				gv.Expr = e
			}
			p.cfg.Global.Vars = append(p.cfg.Global.Vars, gv)
			return nil
		})
	}
}

// ApplyVars sets the global section's proc.* variables, in order. An
// expression that yields nothing leaves its variable as it was, as in
// haproxy.
func (c *Config) ApplyVars() {
	sample.DeclareProcVars(c.procVars)
	var ctx sample.Ctx
	for _, gv := range c.Global.Vars {
		if gv.Fmt != nil {
			ctx.Vars.Set(gv.Ref, sample.Str(gv.Fmt.Append(nil, &ctx, nil)))
			continue
		}
		if v, ok := gv.Expr.Eval(&ctx); ok {
			ctx.Vars.Set(gv.Ref, v)
		}
	}
}
