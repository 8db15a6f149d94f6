package sample

import (
	"fmt"
	"strings"
)

// constFetches read nothing from the traffic: constants and variables.
var constFetches = []fetchDef{
	{name: "always_false", out: TypeBool, fn: fetchConstBool(false)},
	{name: "always_true", out: TypeBool, fn: fetchConstBool(true)},
	{name: "bool", args: args(1, ArgStr), validate: validateBoolArg, out: TypeBool, fn: fetchIntArg(KindBool)},
	{name: "int", args: args(1, ArgInt), out: TypeInt, fn: fetchIntArg(KindInt)},
	{name: "ipv4", args: args(1, ArgIPv4), out: TypeIPv4, fn: fetchIPArg},
	{name: "ipv6", args: args(1, ArgIPv6), out: TypeIPv6, fn: fetchIPArg},
	{name: "str", args: args(1, ArgStr), out: TypeStr, fn: fetchStrArg},
	{name: "var", args: args(1, ArgStr, ArgStr), validate: validateVarArg, out: TypeAny, fn: fetchVar},
}

func fetchConstBool(b bool) fetchFunc {
	v := Bool(b)
	return func(*Ctx, []arg, cursor) (Value, cursor, bool) { return v, cursor{}, true }
}

func fetchIntArg(k Kind) fetchFunc {
	return func(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
		return Value{Kind: k, Int: a[0].i}, cursor{}, true
	}
}

func fetchIPArg(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	return IP(a[0].ip), cursor{}, true
}

func fetchStrArg(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	return Str(a[0].b), cursor{}, true
}

// validateBoolArg turns bool()'s text argument into 0 or 1.
func validateBoolArg(a []arg) error {
	switch strings.ToLower(a[0].s) {
	case "true", "1":
		a[0].i = 1
	case "false", "0":
		a[0].i = 0
	default:
		return fmt.Errorf("Expects 'true', 'false', '0' or '1'")
	}
	return nil
}

// validateVarArg resolves the variable name once, at config time.
func validateVarArg(a []arg) error {
	ref, err := ParseVarName(a[0].s)
	a[0].v = ref
	return err
}

// fetchVar returns a variable, or the default given as second argument
// (always a string) when the variable is not set.
func fetchVar(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	if v, ok := c.Vars.Get(a[0].v); ok {
		return v, cursor{}, true
	}
	if a[1].set {
		return Str(a[1].b), cursor{}, true
	}
	return Value{}, cursor{}, false
}
