package sample

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ACLSet is the named ACLs of one proxy. Several lines with the same name
// are OR'ed. haproxy's predefined ACLs (TRUE, METH_GET, ...) are
// instantiated when a condition first names them: an ACL declared under a
// predefined name before that replaces it, and one declared after extends
// it, exactly as in haproxy.
type ACLSet struct {
	env   *Env
	named map[string]*acl
}

// acl is one named (or anonymous) ACL: the OR of its expressions.
type acl struct {
	name  string // "" for anonymous ACLs
	exprs []*aclExpr
}

// NewACLSet returns an empty set, whose ACLs and conditions compile in env;
// the predefined ACLs are always visible.
func NewACLSet(env *Env) *ACLSet { return &ACLSet{env: env, named: map[string]*acl{}} }

// Add compiles one "acl NAME criterion [flags] [operator] value ..." line:
// name and the words after it. Errors read like haproxy's; the caller adds
// the file and line.
func (s *ACLSet) Add(name string, args []string) error {
	if i := strings.IndexFunc(name, func(r rune) bool { return r >= 0x80 || !isACLNameChar(byte(r)) }); i >= 0 || name == "" {
		bad := ""
		if i >= 0 {
			bad = name[i : i+1]
		}
		return fmt.Errorf("character '%s' is not permitted in acl name '%s'", bad, name)
	}
	if strings.EqualFold(name, "or") {
		return fmt.Errorf("acl name '%s' will never match. 'or' is used to express a logical disjunction within a condition", name)
	}
	e, err := parseACLExpr(s.env, args)
	if err != nil {
		return fmt.Errorf("error detected while parsing ACL '%s' : %v", name, err)
	}
	a := s.named[name]
	if a == nil {
		a = &acl{name: name}
		s.named[name] = a
	}
	a.exprs = append(a.exprs, e)
	return nil
}

func isACLNameChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == ':' || c == '_' || c == '-'
}

// lookup finds a named ACL, instantiating a predefined one on first use.
func (s *ACLSet) lookup(name string) (*acl, error) {
	if a := s.named[name]; a != nil {
		return a, nil
	}
	words, ok := predefinedACLs[name]
	if !ok {
		return nil, fmt.Errorf("no such ACL : '%s'%s", name, didYouMean(name, s.names()))
	}
	if words == nil {
		return nil, fmt.Errorf("predefined ACL '%s' is not supported yet", name)
	}
	e, err := parseACLExpr(nil, words)
	if err != nil {
		panic(fmt.Sprintf("predefined ACL %s does not compile: %v", name, err))
	}
	a := &acl{name: name, exprs: []*aclExpr{e}}
	s.named[name] = a
	return a, nil
}

// names lists the ACLs a condition may name, for suggestions.
func (s *ACLSet) names() []string {
	names := slices.Collect(maps.Keys(s.named))
	for n := range predefinedACLs {
		names = append(names, n)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// test is the OR of the ACL's expressions: a match decides; otherwise an
// expression that more bytes could make match leaves it undecided.
func (a *acl) test(c *Ctx) Tri {
	res := Fail
	for _, e := range a.exprs {
		if res |= e.test(c); res == Pass {
			break
		}
	}
	return res
}
