package check

import (
	"fmt"
	"strings"

	"switchyard/sample"
)

// The variable actions of check rule sets: set-var(<name>[,<cond>...])
// <expr>, set-var-fmt(<name>[,<cond>...]) <fmt> and unset-var(<name>), as
// haproxy 2.6's vars.c parses and runs them for tcp-check and http-check.
// A check has its own session and no stream: check.* and sess.* variables
// live for one run of the check, proc.* ones are the process's, and txn.*,
// req.* and res.* ones are neither set nor found.

// varRule is a set-var, set-var-fmt or unset-var rule.
type varRule struct {
	ref   sample.VarRef
	unset bool
	expr  *sample.Expr // set-var
	fmt   *lfString    // set-var-fmt
	// ident is the check's own answer for a bare srv_name or be_name
	// expression (see identity), "s" or "b".
	ident string
	conds sample.VarConds
	word  string // the action as written, "set-var(check.x)"
	src   string // the expression or format as written
}

func isVarAction(a string) bool {
	return strings.HasPrefix(a, "set-var") || strings.HasPrefix(a, "unset-var")
}

// parseVarAction parses a variable action; args[0] is the action word
// with the variable's name ("set-var(check.x)").
func parseVarAction(args []string, le *lfEnv) (*rule, error) {
	word := args[0]
	a, err := sample.ParseVarAction(word)
	kind := a.Kind
	wrap := func(err error) error { return fmt.Errorf("'%s' : %w", kind, err) }
	if err != nil {
		return nil, wrap(err)
	}
	le.env.DeclareVar(a.Ref)
	v := &varRule{ref: a.Ref, unset: a.Unset(), conds: a.Conds, word: word}
	r := &rule{act: actVar, vars: v}
	switch kind {
	case "unset-var":
		return r, nil
	case "set-var-fmt":
		// haproxy takes a missing format as an empty one.
		v.src = argAt(args, 1)
		if v.fmt, err = parseLF(v.src, le); err != nil {
			return nil, wrap(err)
		}
		return r, nil
	}
	if argAt(args, 1) == "" {
		return nil, wrap(fmt.Errorf("missing fetch method"))
	}
	v.src = args[1]
	kw := fetchKeyword(args[1])
	need, notYet := refusal(kw)
	switch {
	case need != "":
		return nil, wrap(fmt.Errorf("fetch method '%s' extracts information from '%s', none of which is available here", word, need))
	case notYet:
		return nil, wrap(notYetError(kw))
	}
	if id, ok := identity[kw]; ok {
		// Only the bare fetch: converters (glued or in the words after
		// it) would need the proxy package's fetch.
		if args[1] != kw || len(args) > 2 {
			return nil, wrap(fmt.Errorf("sample fetch '%s' with converters is not supported yet by switchyard in health checks (only %s alone is)", kw, kw))
		}
		v.ident = id
		return r, nil
	}
	// As haproxy, the words after the expression that are not
	// converters are ignored.
	e, _, err := sample.ParseExprWords(le.env, args[1:])
	if err != nil {
		return nil, wrap(err)
	}
	if err := e.Check(checkAvail); err != nil {
		return nil, wrap(err)
	}
	v.expr = e
	return r, nil
}

// run executes the rule in check run x; like haproxy's, it never fails
// the check.
func (v *varRule) run(x *run) {
	switch v.ref.Scope {
	case sample.ScopeTxn, sample.ScopeReq, sample.ScopeRes:
		return // a check has no stream to hold them
	}
	c := x.samples(false)
	defer func() { c.Scratch = c.Scratch[:0] }()
	switch {
	case v.unset:
		c.Vars.Unset(v.ref)
	case v.fmt != nil:
		setVar(c, v, sample.Str([]byte(v.fmt.render(x))))
	case v.ident == "s":
		setVar(c, v, sample.Str([]byte(x.t.Server)))
	case v.ident == "b":
		setVar(c, v, sample.Str([]byte(x.t.Backend)))
	default:
		// samples(false): haproxy evaluates set-var's expression in the
		// request direction, hdr() and cookies read as in request rules.
		if val, ok := v.expr.Eval(c); ok {
			setVar(c, v, val)
		}
	}
}

// setVar stores val under the rule's conditions, as haproxy's var_set.
func setVar(c *sample.Ctx, v *varRule, val sample.Value) {
	c.Vars.SetIf(v.ref, val, v.conds)
}
