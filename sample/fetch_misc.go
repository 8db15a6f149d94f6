package sample

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// miscFetches read nothing from the traffic: the clock, random numbers,
// the environment.
var miscFetches = []fetchDef{
	{name: "date", args: args(0, ArgInt, ArgStr), validate: validateDateUnit, out: TypeInt, fn: fetchDate},
	{name: "rand", args: args(0, ArgInt), out: TypeInt, fn: fetchRand},
	{name: "env", args: args(1, ArgStr), out: TypeStr, compile: compileEnv},
	{name: "uuid", args: args(0, ArgInt), validate: validateUUID, out: TypeStr, fn: fetchUUID},
	{name: "last_rule_file", out: TypeStr, fn: fetchLastRuleFile},
	{name: "last_rule_line", out: TypeInt, fn: fetchLastRuleLine},
}

// fetchLastRuleFile and fetchLastRuleLine say where the last rule that
// ended its rule set (accept, deny, allow, redirect…) was written.
func fetchLastRuleFile(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.LastRule == nil {
		return Value{}, cursor{}, false
	}
	return Value{Kind: KindStr, Str: []byte(c.LastRule.File)}, cursor{}, true
}

func fetchLastRuleLine(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.LastRule == nil {
		return Value{}, cursor{}, false
	}
	return Int(int64(c.LastRule.Line)), cursor{}, true
}

// now is the clock of the date fetch; tests replace it.
var now = time.Now

// validateDateUnit turns date's unit ("s", "ms" or "us") into the number
// of units per second, in a[1].i.
func validateDateUnit(a []arg) error {
	a[1].i = 1
	if !a[1].set {
		return nil
	}
	switch a[1].s {
	case "s":
	case "ms":
		a[1].i = 1000
	case "us":
		a[1].i = 1000000
	default:
		return fmt.Errorf("expects 's', 'ms' or 'us', got '%s'", a[1].s)
	}
	return nil
}

// fetchDate is the current time since the epoch in the unit asked, plus
// the optional offset (in that unit, as haproxy adds it after scaling).
func fetchDate(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	t := now()
	n := t.Unix()
	switch a[1].i {
	case 1000:
		n = n*1000 + int64(t.Nanosecond()/1e6)
	case 1000000:
		n = n*1000000 + int64(t.Nanosecond()/1e3)
	}
	return Int(n + a[0].i), cursor{}, true
}

// fetchRand is a random 32-bit number, scaled to [0, range) when a range
// is given (by multiplying, not by a modulo, as haproxy).
func fetchRand(_ *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	r := uint64(rand.Uint32())
	if a[0].set {
		r = r * uint64(a[0].i) >> 32 // the product wraps, as in haproxy
	}
	return Int(int64(r)), cursor{}, true
}

// compileEnv reads the variable once, when the configuration is loaded:
// haproxy's environment only changes while it reads its configuration.
func compileEnv(_ *Env, a []arg) (fetchFunc, error) {
	val, ok := os.LookupEnv(a[0].s)
	b := []byte(val)
	return func(*Ctx, []arg, cursor) (Value, cursor, bool) { return Str(b), cursor{}, ok }, nil
}

func validateUUID(a []arg) error {
	if a[0].set && a[0].i != 4 {
		return fmt.Errorf("Unsupported UUID version: '%d'", a[0].i)
	}
	return nil
}

// fetchUUID returns a random (version 4) UUID in its text form.
func fetchUUID(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	start := len(c.Scratch)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			c.Scratch = append(c.Scratch, '-')
		}
		c.Scratch = append(c.Scratch, "0123456789abcdef"[x>>4], "0123456789abcdef"[x&15])
	}
	return Str(scratchFrom(c, start)), cursor{}, true
}
