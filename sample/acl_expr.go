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
	// pats are the patterns written on the line, then one index per -f
	// file, which follows the file's reference when its content changes.
	pats []*refIndex
}

// eval reports whether any value of the expression matches a pattern.
// Values built while matching (lower-cased headers...) are dropped from
// c.Scratch afterwards: nothing refers to them once the answer is known.
func (e *aclExpr) test(c *Ctx) Tri {
	mark := len(c.Scratch)
	c.mayChange = false
	it := e.expr.Iter()
	res := Fail
	for {
		v, ok := it.Next(c)
		if !ok {
			break
		}
		if e.method == mFound {
			res = Pass
			break
		}
		if v, ok = convert(c, v, e.method.expect()); ok && e.match(c, v) {
			res = Pass
			break
		}
	}
	c.Scratch = c.Scratch[:mark]
	if res == Fail && c.mayChange {
		res = Miss
	}
	return res
}

func (e *aclExpr) match(c *Ctx, v Value) bool {
	for _, idx := range e.pats {
		if _, ok := idx.cur.Load().set.lookup(c, v); ok {
			return true
		}
	}
	return false
}

// parseACLExpr compiles "criterion [flags] [operator] [patterns...]", the
// words of an acl line after its name or of an anonymous ACL.
func parseACLExpr(env *Env, words []string) (*aclExpr, error) {
	words = untilEmpty(words)
	if len(words) == 0 {
		return nil, fmt.Errorf("missing fetch method in ACL expression ''")
	}
	b := aclBuilder{env: env}
	if err := b.criterion(words); err != nil {
		return nil, err
	}
	patterns, err := b.options(words[1:])
	if err != nil {
		return nil, err
	}
	if err := b.patterns(patterns); err != nil {
		return nil, err
	}
	b.e.pats = append([]*refIndex{staticIndex(b.inline)}, b.e.pats...)
	return b.e, nil
}

// aclBuilder holds the state of an acl line while its words are read.
type aclBuilder struct {
	e          *aclExpr
	haveMethod bool     // the match method is known, so patterns can be parsed
	flags      patFlags // flags in force for the patterns that follow
	mapFiles   bool     // -M: files have two columns
	loaded     bool     // a -f file was read, -m may no longer change
	env        *Env
	inline     patternSet // the patterns on the line
}

// criterion compiles the fetch or ACL keyword in words[0].
func (b *aclBuilder) criterion(words []string) error {
	b.e = &aclExpr{}
	kw, rest := splitKeyword(words[0])
	if ak, ok := aclKeywords[kw]; ok {
		expr, err := parseACLKeyword(b.env, kw, ak, words[0], rest)
		if err != nil {
			return err
		}
		b.e.expr, b.e.kw = expr, kw
		if len(expr.convs) == 0 {
			b.e.method, b.haveMethod = ak.method, true
		} else {
			// A converter makes the keyword's own match meaningless: the
			// output type decides, as for any fetch.
			b.e.kw = expr.fetch.name
		}
	} else {
		// Words after the criterion that name converters are applied, and
		// yet still read as patterns: haproxy's historical syntax.
		expr, _, _, err := parseExpr(b.env, words, syntaxWords, true)
		if err != nil {
			msg, hint := err.Error(), ""
			if h, ok := err.(*hintError); ok {
				msg, hint = h.msg, h.hint
			}
			return fmt.Errorf("%s in ACL expression '%s'%s", msg, words[0], hint)
		}
		b.e.expr, b.e.kw = expr, expr.fetch.name
	}
	if !b.haveMethod {
		b.e.method, b.haveMethod = defaultMatch(b.e.expr.outType())
	}
	return nil
}

// options reads the flags before the patterns and returns the patterns.
func (b *aclBuilder) options(words []string) ([]string, error) {
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		flag, next := words[0], ""
		if len(words) > 1 {
			next = words[1]
		}
		words = words[1:]
		switch flag {
		case "-i":
			b.flags.icase = true
		case "-n":
			b.flags.noDNS = true
		case "-M":
			b.mapFiles = true
		case "--":
			return words, nil
		case "-u": // the id is for the runtime API, which does not exist yet
			if _, err := strconv.Atoi(next); err != nil {
				return nil, fmt.Errorf("the argument of -u must be an integer")
			}
			words = words[min(1, len(words)):]
		case "-f":
			if err := b.loadFile(next); err != nil {
				return nil, err
			}
			words = words[min(1, len(words)):]
		case "-m":
			if err := b.setMethod(next); err != nil {
				return nil, err
			}
			words = words[min(1, len(words)):]
		default:
			return nil, fmt.Errorf("'%s' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'", flag)
		}
	}
	return words, nil
}

func (b *aclBuilder) setMethod(name string) error {
	if b.loaded {
		return fmt.Errorf("'-m' must only be specified before patterns and files in parsing ACL expression")
	}
	m, ok := lookupMatch(name)
	if !ok {
		return fmt.Errorf("unknown matching method '%s' when parsing ACL expression", name)
	}
	if m != mFound && !castable(b.e.expr.outType(), m.expect()) {
		return fmt.Errorf("matching method '%s' cannot be used with fetch keyword '%s'", name, b.e.kw)
	}
	b.e.method, b.haveMethod = m, true
	return nil
}

// loadFile adds the patterns of a -f file, with the flags given so far.
func (b *aclBuilder) loadFile(name string) error {
	if err := b.ensurePatterns(); err != nil {
		return err
	}
	path := name
	if dir := b.env.dir(); dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b.loaded = true
	ref, err := b.env.refs().load(path, name, b.mapFiles)
	if err != nil {
		return err
	}
	idx, err := ref.index(indexKey{method: b.e.method, flags: b.flags})
	if err != nil {
		return err
	}
	b.e.pats = append(b.e.pats, idx)
	return nil
}

// patterns adds the patterns given on the line. For integer matches, the
// operators eq, ge, gt, le and lt apply to the values that follow them.
func (b *aclBuilder) patterns(words []string) error {
	if err := b.ensurePatterns(); err != nil {
		return err
	}
	op := "eq"
	rewrite := rewriteOperator
	if b.e.method == mVer {
		rewrite = rewriteVerOperator
	}
	for _, w := range words {
		if b.e.method.takesRanges() {
			if isOperator(w) {
				op = w
				continue
			}
			var err error
			if w, err = rewrite(op, w); err != nil {
				return err
			}
		}
		if err := b.inline.add(w, b.flags, noID); err != nil {
			return err
		}
	}
	return nil
}

// ensurePatterns creates the pattern set once the method is final.
func (b *aclBuilder) ensurePatterns() error {
	if !b.haveMethod {
		return fmt.Errorf("matching method must be specified first (using '-m') when using a sample fetch of this type ('%s')", b.e.kw)
	}
	if b.inline == nil {
		b.inline = newPatternSet(b.e.method)
	}
	return nil
}

// parseACLKeyword compiles an ACL keyword with its arguments and
// converters, all within the one word, with haproxy's messages.
func parseACLKeyword(env *Env, kw string, ak aclKeyword, word, rest string) (*Expr, error) {
	f := fetches[ak.fetch]
	a, rest, aerr := parseArgs(rest, f.args)
	if aerr != nil {
		return nil, fmt.Errorf("ACL keyword '%s' : %v", kw, aerr)
	}
	fn, err := f.instantiate(env, a)
	if err != nil {
		return nil, fmt.Errorf("in argument to '%s', %v", kw, err)
	}
	expr := &Expr{fetch: f, fn: fn, args: a}
	if _, _, err := expr.parseConvs(env, "", []string{word}, rest, syntaxWord); err != nil {
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
