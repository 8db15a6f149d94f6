package sample

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// aclExpr is one ACL line: a sample expression, how its values compare,
// and the patterns they compare with.
type aclExpr struct {
	expr   *Expr
	kw     string // the criterion's keyword, for messages
	method matchMethod
	pats   patternSet
}

// eval reports whether any value of the expression matches a pattern.
// Values built while matching (lower-cased headers...) are dropped from
// c.Scratch afterwards: nothing refers to them once the answer is known.
func (e *aclExpr) eval(c *Ctx) bool {
	mark := len(c.Scratch)
	it := e.expr.Iter()
	matched := false
	for {
		v, ok := it.Next(c)
		if !ok {
			break
		}
		if e.method == mFound {
			matched = true
			break
		}
		if v, ok = convert(c, v, e.method.expect()); ok && e.pats.match(c, v) {
			matched = true
			break
		}
	}
	c.Scratch = c.Scratch[:mark]
	return matched
}

// parseACLExpr compiles "criterion [flags] [operator] [patterns...]", the
// words of an acl line after its name or of an anonymous ACL.
func parseACLExpr(words []string, baseDir string) (*aclExpr, error) {
	words = untilEmpty(words)
	if len(words) == 0 {
		return nil, fmt.Errorf("missing fetch method in ACL expression ''")
	}
	e := &aclExpr{}
	haveMethod := false
	kwName, rest := splitKeyword(words[0])
	if ak, ok := aclKeywords[kwName]; ok {
		expr, err := parseACLKeyword(kwName, ak, words[0], rest)
		if err != nil {
			return nil, err
		}
		e.expr, e.kw = expr, kwName
		if len(expr.convs) == 0 {
			e.method, haveMethod = ak.method, true
		} else {
			// A converter makes the keyword's own match meaningless: the
			// output type decides, as for any fetch.
			e.kw = expr.fetch.name
		}
	} else {
		// Words after the criterion that name converters are applied, and
		// yet still read as patterns below: haproxy's historical syntax.
		expr, _, err := ParseExprWords(words)
		if err != nil {
			return nil, fmt.Errorf("%v in ACL expression '%s'", err, words[0])
		}
		e.expr, e.kw = expr, expr.fetch.name
	}
	if !haveMethod {
		e.method, haveMethod = defaultMatch(e.expr.outType())
	}
	words = words[1:]

	var f patFlags
	mapFiles, loaded := false, false
flags:
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		flag, next := words[0], ""
		if len(words) > 1 {
			next = words[1]
		}
		switch flag {
		case "-i":
			f.icase = true
		case "-n":
			f.noDNS = true
		case "-M":
			mapFiles = true
		case "-u":
			if _, err := strconv.Atoi(next); err != nil {
				return nil, fmt.Errorf("the argument of -u must be an integer")
			}
			words = words[1:]
		case "-f":
			if !haveMethod {
				return nil, e.needMethod()
			}
			if e.pats == nil {
				e.pats = newPatternSet(e.method)
			}
			path := next
			if baseDir != "" && !filepath.IsAbs(path) {
				path = filepath.Join(baseDir, path)
			}
			if err := loadPatternFile(path, next, mapFiles, func(p string) error { return e.pats.add(p, f) }); err != nil {
				return nil, err
			}
			loaded = true
			words = words[1:]
		case "-m":
			if loaded {
				return nil, fmt.Errorf("'-m' must only be specified before patterns and files in parsing ACL expression")
			}
			m, ok := lookupMatch(next)
			if !ok {
				return nil, fmt.Errorf("unknown matching method '%s' when parsing ACL expression", next)
			}
			if m != mFound && !castable(e.expr.outType(), m.expect()) {
				return nil, fmt.Errorf("matching method '%s' cannot be used with fetch keyword '%s'", next, e.kw)
			}
			e.method, haveMethod = m, true
			words = words[1:]
		case "--":
			words = words[1:]
			break flags
		default:
			return nil, fmt.Errorf("'%s' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'", flag)
		}
		words = words[1:]
	}
	if !haveMethod {
		return nil, e.needMethod()
	}
	if e.pats == nil {
		e.pats = newPatternSet(e.method)
	}
	op := "eq"
	for _, w := range words {
		if e.method.takesRanges() {
			if isOperator(w) {
				op = w
				continue
			}
			var err error
			if w, err = rewriteOperator(op, w); err != nil {
				return nil, err
			}
		}
		if err := e.pats.add(w, f); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *aclExpr) needMethod() error {
	return fmt.Errorf("matching method must be specified first (using '-m') when using a sample fetch of this type ('%s')", e.kw)
}

// parseACLKeyword compiles an ACL keyword with its arguments and
// converters, all within the one word, with haproxy's messages.
func parseACLKeyword(kw string, ak aclKeyword, word, rest string) (*Expr, error) {
	f := fetches[ak.fetch]
	a, rest, aerr := parseArgs(rest, f.args)
	if aerr != nil {
		return nil, fmt.Errorf("ACL keyword '%s' : %v", kw, aerr)
	}
	if f.validate != nil {
		if err := f.validate(a); err != nil {
			return nil, fmt.Errorf("in argument to '%s', %v", kw, err)
		}
	}
	expr := &Expr{fetch: f, args: a}
	if _, _, err := expr.parseConvs(kw, []string{word}, rest, syntaxWord); err != nil {
		return nil, fmt.Errorf("ACL keyword '%s' : %v", kw, err)
	}
	return expr, nil
}

// untilEmpty cuts words at the first empty one: haproxy's line parser
// ends its argument list there, so `acl a path "" /x` has no pattern.
func untilEmpty(words []string) []string {
	for i, w := range words {
		if w == "" {
			return words[:i]
		}
	}
	return words
}
