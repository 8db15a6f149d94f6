package sample

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
	exists := set || v.Exists(r)
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
