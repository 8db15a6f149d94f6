package sample

import (
	"fmt"
	"strings"
)

// Cond is a compiled condition: the words after a rule's "if" or "unless".
// It is a disjunction of conjunctions of ACLs, each possibly negated:
//
//	[!]acl1 [!]acl2 ... { or | || } [!]acl3 ...
//
// where an ACL is a name or an anonymous "{ criterion ... }".
type Cond struct {
	unless bool
	suites [][]term // OR of ANDs
}

type term struct {
	acl *acl
	neg bool
}

// ParseCond compiles a condition; words[0] must be "if" or "unless". Named
// ACLs must already be in acls. Errors read like haproxy's; the caller
// adds context such as "error detected while parsing an 'http-request
// deny' condition : ".
func ParseCond(words []string, acls *ACLSet) (*Cond, error) {
	words = untilEmpty(words)
	if len(words) == 0 || (words[0] != "if" && words[0] != "unless") {
		return nil, fmt.Errorf("conditions must start with either 'if' or 'unless'")
	}
	c := &Cond{unless: words[0] == "unless"}
	var suite []term
	neg := false
	for i := 1; i < len(words); i++ {
		w := words[i]
		for strings.HasPrefix(w, "!") {
			neg = !neg
			w = w[1:]
		}
		if w == "" { // a lone "!" applies to what follows
			continue
		}
		if strings.EqualFold(w, "or") || w == "||" {
			if suite != nil {
				c.suites = append(c.suites, suite)
			}
			suite, neg = nil, false
			continue
		}
		var a *acl
		if w == "{" {
			end := i + 1
			for end < len(words) && words[end] != "}" {
				end++
			}
			if end == len(words) {
				return nil, fmt.Errorf("missing closing '}' in condition")
			}
			e, err := parseACLExpr(acls.env, words[i+1:end])
			if err != nil {
				return nil, err
			}
			a, i = &acl{exprs: []*aclExpr{e}}, end
		} else {
			var err error
			if a, err = acls.lookup(w); err != nil {
				return nil, err
			}
		}
		suite = append(suite, term{acl: a, neg: neg})
		neg = false
	}
	if suite != nil {
		c.suites = append(c.suites, suite)
	}
	return c, nil
}

// Tri is the outcome of a condition on a TCP stream whose bytes are still
// coming: haproxy's ACL_TEST_FAIL, ACL_TEST_MISS and ACL_TEST_PASS, with
// the same values, so that OR is | and AND is &.
type Tri uint8

const (
	Fail Tri = 0
	Miss Tri = 1 // undecided: more bytes could change the answer
	Pass Tri = 3
)

func (t Tri) not() Tri {
	if t == Miss {
		return Miss
	}
	return Pass - t
}

// Eval evaluates the condition, "unless" included. An empty condition is
// false, so "if" alone never fires and "unless" alone always does.
func (c *Cond) Eval(ctx *Ctx) bool { return c.Test(ctx) == Pass }

// Test evaluates the condition, "unless" included, and says Miss when it
// cannot decide before more bytes come (only while tcp content rules wait,
// when ctx.L6.Final is false). haproxy looks for Miss before applying
// "unless", so neither polarity fires on an undecided condition.
func (c *Cond) Test(ctx *Ctx) Tri {
	res := Fail
	for _, suite := range c.suites {
		if res |= testSuite(ctx, suite); res == Pass {
			break
		}
	}
	switch {
	case res == Miss:
		return Miss
	case (res == Pass) != c.unless:
		return Pass
	}
	return Fail
}

// testSuite is the AND of the suite's terms; haproxy stops at the first
// term that does not pass, undecided ones included.
func testSuite(ctx *Ctx, suite []term) Tri {
	res := Pass
	for _, t := range suite {
		r := t.acl.test(ctx)
		if t.neg {
			r = r.not()
		}
		if res &= r; res != Pass {
			break
		}
	}
	return res
}

// Check reports, as haproxy warns, an ACL of the condition that can never
// match where the condition is used because none of its criteria read
// something available there. avail lists what is available; where names
// the place, e.g. "frontend tcp-request connection rule".
func (c *Cond) Check(avail Source, where string) error {
	for _, suite := range c.suites {
		for _, t := range suite {
			if usable(t.acl, avail) {
				continue
			}
			if t.acl.name != "" {
				return fmt.Errorf("acl '%s' will never match because it only involves keywords that are incompatible with '%s'",
					t.acl.name, where)
			}
			return fmt.Errorf("anonymous acl will never match because it uses keyword '%s' which is incompatible with '%s'",
				t.acl.exprs[0].kw, where)
		}
	}
	return nil
}

// Reads reports whether one of the condition's criteria reads src.
func (c *Cond) Reads(src Source) bool {
	for _, suite := range c.suites {
		for _, t := range suite {
			for _, e := range t.acl.exprs {
				if e.expr.fetch.src&src != 0 {
					return true
				}
			}
		}
	}
	return false
}

// usable reports whether one of the ACL's criteria may work with avail.
func usable(a *acl, avail Source) bool {
	for _, e := range a.exprs {
		if e.expr.fetch.src.missingFrom(avail) == 0 {
			return true
		}
	}
	return false
}
