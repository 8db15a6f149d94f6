package sample

import (
	"fmt"
	"strings"
)

// VarConds are the conditions of set-var(name,cond…) — haproxy's
// VF_COND_* — shared by the set-var converter, the set-var actions of
// every rule set and health checks.
type VarConds uint8

const (
	VarIfExists VarConds = 1 << iota
	VarIfNotExists
	VarIfEmpty
	VarIfNotEmpty
	VarIfSet
	VarIfNotSet
	VarIfGt
	VarIfLt
)

var varCondNames = map[string]VarConds{
	"ifexists": VarIfExists, "ifnotexists": VarIfNotExists, "ifempty": VarIfEmpty,
	"ifnotempty": VarIfNotEmpty, "ifset": VarIfSet, "ifnotset": VarIfNotSet,
	"ifgt": VarIfGt, "iflt": VarIfLt,
}

// ParseVarCond reads one condition's name.
func ParseVarCond(name string) (VarConds, bool) {
	c, ok := varCondNames[name]
	return c, ok
}

// SetIf stores val in the variable unless one of the conditions fails, as
// haproxy's var_set, and says whether it stored it. A variable exists when
// it has a value or is a proc.* variable the configuration names (those
// exist unset from the start); it is set when it has a value. ifgt and
// iflt compare integers only: with another type on either side they pass.
func (v *Vars) SetIf(r VarRef, val Value, c VarConds) bool {
	if c == 0 {
		v.Set(r, val)
		return true
	}
	old, set := v.Get(r)
	exists := set || r.Scope == ScopeProc && procVars.exists(r) // Exists without a second lookup
	str := val.Kind == KindStr || val.Kind == KindBin
	switch {
	case c&VarIfExists != 0 && !exists, c&VarIfNotExists != 0 && exists,
		c&VarIfSet != 0 && !set, c&VarIfNotSet != 0 && set,
		c&VarIfEmpty != 0 && (!str || len(val.Str) > 0),
		c&VarIfNotEmpty != 0 && str && len(val.Str) == 0,
		set && old.Kind == KindInt && val.Kind == KindInt &&
			(c&VarIfGt != 0 && !(old.Int > val.Int) || c&VarIfLt != 0 && !(old.Int < val.Int)):
		return false
	}
	v.Set(r, val)
	return true
}

// VarAction is the word of a set-var, set-var-fmt or unset-var action:
// which one, its variable, and set-var's conditions.
type VarAction struct {
	Kind  string // "set-var", "set-var-fmt" or "unset-var"
	Ref   VarRef
	Conds VarConds
}

// Unset says whether the action is unset-var.
func (a VarAction) Unset() bool { return a.Kind == "unset-var" }

// ParseVarAction reads "set-var(name[,cond…])", "set-var-fmt(…)" or
// "unset-var(name)" as haproxy's parse_store does for every rule set:
// the conditions stop at the first empty one, and unset-var takes none.
func ParseVarAction(word string) (VarAction, error) {
	var a VarAction
	rest := word
	for _, k := range []string{"set-var-fmt", "set-var", "unset-var"} {
		if r, ok := strings.CutPrefix(word, k); ok {
			a.Kind, rest = k, r
			break
		}
	}
	const expects = "Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"
	if a.Kind == "" || !strings.HasPrefix(rest, "(") {
		return a, fmt.Errorf("invalid or incomplete action '%s'. %s", word, expects)
	}
	if !strings.HasSuffix(rest, ")") || len(rest) < 2 {
		return a, fmt.Errorf("incomplete argument after action '%s'. %s", word, expects)
	}
	parts := strings.Split(rest[1:len(rest)-1], ",")
	if len(parts) > 1 && parts[1] != "" && a.Unset() {
		return a, fmt.Errorf("unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions")
	}
	for _, cs := range parts[1:] {
		if cs == "" {
			break // haproxy stops at an empty condition
		}
		c, ok := ParseVarCond(cs)
		if !ok {
			return a, fmt.Errorf("unknown condition \"%s\"", cs)
		}
		a.Conds |= c
	}
	var err error
	a.Ref, err = ParseVarName(parts[0])
	return a, err
}
