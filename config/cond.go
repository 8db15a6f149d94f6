package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Conditions of .if/.elif and of the -cc flag (doc/configuration.txt §2.4;
// semantics checked against `haproxy -cc` 2.6):
//
//	expr := and { "||" and }      && binds tighter than ||
//	and  := term { "&&" term }
//	term := { "!" } ( integer | "(" expr ")" | predicate [ "(" args ")" ] )
//
// An integer is read as C's strtol with base 0 reads it (so "0x10" is true
// and "08" is "0" followed by garbage); a bare word is an error, not true.
// The whole expression is parsed before any of it is evaluated, so a
// syntax error is reported even in a branch that && or || would skip.

// condDefaultVersion is what version predicates compare with when
// LexOptions.Version is empty.
const condDefaultVersion = "2.6.0"

// condMaxDepth bounds parenthesis nesting, so that hostile input cannot
// exhaust the stack. HAProxy's own bound (MAX_CFG_RECURSION) is of the
// same order.
const condMaxDepth = 256

// EvalCond evaluates a condition as .if would (used by the -cc command-line
// flag). args are the words after .if; like HAProxy, it joins them with
// single spaces before parsing, and an empty condition is false.
func EvalCond(args []string, opt LexOptions) (bool, error) {
	text := strings.Join(args, " ")
	if text == "" {
		return false, nil
	}
	p := &condParser{s: text}
	expr, err := p.expr()
	if err != nil {
		return false, err
	}
	p.skipBlanks()
	if p.i < len(p.s) {
		return false, fmt.Errorf("unexpected character '%c' at the end of conditional expression '%s'", p.s[p.i], text)
	}
	return expr.eval(opt)
}

// condExpr is a disjunction of conjunctions.
type condExpr [][]condTerm

type condTerm struct {
	neg  bool
	pred *condPred // nil for a constant or a parenthesised expression
	args []string  // of pred
	sub  condExpr  // non-nil for a parenthesised expression
	val  bool      // of a constant
}

type condPred struct {
	name  string
	nargs int
	eval  func(args []string, opt LexOptions) (bool, error)
}

// condPreds are the predicates of HAProxy 2.6. All their arguments are
// mandatory strings.
var condPreds = []condPred{
	{"defined", 1, func(a []string, opt LexOptions) (bool, error) {
		_, ok := opt.lexGetenv(a[0])
		return ok, nil
	}},
	{"feature", 1, func(a []string, opt LexOptions) (bool, error) {
		return slices.Contains(opt.Features, a[0]), nil
	}},
	{"streq", 2, func(a []string, _ LexOptions) (bool, error) {
		return a[0] == a[1], nil
	}},
	{"strneq", 2, func(a []string, _ LexOptions) (bool, error) {
		return a[0] != a[1], nil
	}},
	{"version_atleast", 1, func(a []string, opt LexOptions) (bool, error) {
		return condCompareVersion(opt.condVersion(), a[0]) <= 0, nil
	}},
	{"version_before", 1, func(a []string, opt LexOptions) (bool, error) {
		return condCompareVersion(opt.condVersion(), a[0]) > 0, nil
	}},
	{"openssl_version_atleast", 1, condNoOpenSSL},
	{"openssl_version_before", 1, condNoOpenSSL},
	// The TLS library is Go's, so no library name this predicate is
	// meant to tell apart (OpenSSL, LibreSSL, BoringSSL...) matches.
	{"ssllib_name_startswith", 1, func([]string, LexOptions) (bool, error) {
		return false, nil
	}},
}

// condNoOpenSSL fails rather than guess: a config that tests the OpenSSL
// version expects an OpenSSL-specific behaviour we cannot promise.
func condNoOpenSSL([]string, LexOptions) (bool, error) {
	return false, errors.New("not supported, switchyard does not use OpenSSL")
}

func (o LexOptions) condVersion() string {
	if o.Version == "" {
		return condDefaultVersion
	}
	return o.Version
}

func (e condExpr) eval(opt LexOptions) (bool, error) {
	for _, and := range e {
		ok, err := condEvalAnd(and, opt)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func condEvalAnd(terms []condTerm, opt LexOptions) (bool, error) {
	for _, t := range terms {
		ok, err := t.eval(opt)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (t *condTerm) eval(opt LexOptions) (bool, error) {
	v := t.val
	var err error
	switch {
	case t.pred != nil:
		v, err = t.pred.eval(t.args, opt)
		if err != nil {
			return false, fmt.Errorf("predicate '%s': %w", t.pred.name, err)
		}
	case t.sub != nil:
		if v, err = t.sub.eval(opt); err != nil {
			return false, err
		}
	}
	return v != t.neg, nil
}

type condParser struct {
	s     string
	i     int
	depth int
}

// skipBlanks skips what HAProxy's condition parser skips: spaces and tabs.
func (p *condParser) skipBlanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *condParser) expr() (condExpr, error) {
	var e condExpr
	for {
		and, err := p.and()
		if err != nil {
			return nil, err
		}
		e = append(e, and)
		if !p.operator("||") {
			return e, nil
		}
	}
}

func (p *condParser) and() ([]condTerm, error) {
	var terms []condTerm
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		if !p.operator("&&") {
			return terms, nil
		}
	}
}

// operator consumes op and the blanks around it. It leaves the position
// on op when the expression ends right after it, so that the term parser
// reports the dangling operator.
func (p *condParser) operator(op string) bool {
	p.skipBlanks()
	if !strings.HasPrefix(p.s[p.i:], op) {
		return false
	}
	at := p.i
	p.i += len(op)
	p.skipBlanks()
	if p.i == len(p.s) {
		p.i = at
	}
	return true
}

func (p *condParser) term() (condTerm, error) {
	var t condTerm
	p.skipBlanks()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] == '!' {
		t.neg = !t.neg
		p.i++
		p.skipBlanks()
	}
	if end, nonzero, ok := condNumber(p.s, p.i); ok {
		t.val = nonzero
		p.i = end
		return t, nil
	}
	if p.i < len(p.s) && p.s[p.i] == '(' {
		if p.depth++; p.depth > condMaxDepth {
			return t, fmt.Errorf("conditional expression nested deeper than %d parentheses", condMaxDepth)
		}
		p.i++
		p.skipBlanks()
		if p.i == len(p.s) {
			return t, fmt.Errorf("unparsable conditional expression '%s'", p.s[start:])
		}
		sub, err := p.expr()
		if err != nil {
			return t, err
		}
		p.depth--
		p.skipBlanks()
		if p.i == len(p.s) || p.s[p.i] != ')' {
			return t, fmt.Errorf("expected ')' after conditional expression '%s'", p.s[start:])
		}
		p.i++
		t.sub = sub
		return t, nil
	}
	// Like HAProxy, the predicate name ends at a space or a parenthesis.
	end := p.i + strings.IndexAny(p.s[p.i:]+" ", " (")
	for k := range condPreds {
		if condPreds[k].name == p.s[p.i:end] {
			t.pred = &condPreds[k]
		}
	}
	if t.pred == nil {
		return t, fmt.Errorf("unparsable conditional expression '%s'", p.s[start:])
	}
	p.i = end
	args, err := p.args(t.pred)
	if err != nil {
		return t, fmt.Errorf("%v in predicate '%s'", err, t.pred.name)
	}
	t.args = args
	return t, nil
}

// args reads a predicate's argument list the way HAProxy's make_arg_list
// reads string arguments: a second level of quotes and backslash escapes,
// arguments cut at unquoted commas. A predicate written without
// parentheses gets one empty argument ("defined" is defined("")).
func (p *condParser) args(pred *condPred) ([]string, error) {
	if p.i == len(p.s) || p.s[p.i] != '(' {
		if pred.nargs > 1 {
			return nil, fmt.Errorf("missing arguments (got 1/%d)", pred.nargs)
		}
		return []string{""}, nil
	}
	p.i++
	var args []string
	for {
		arg, err := p.arg(len(args) + 1)
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		if p.i == len(p.s) || p.s[p.i] == ')' || len(args) == pred.nargs {
			break
		}
		p.i++ // the comma
	}
	switch {
	case len(args) < pred.nargs:
		return nil, fmt.Errorf("missing arguments (got %d/%d)", len(args), pred.nargs)
	case p.i == len(p.s):
		return nil, errors.New("expected ')'")
	case p.s[p.i] != ')':
		return nil, fmt.Errorf("expected ')' before '%s'", p.s[p.i:])
	}
	p.i++
	return args, nil
}

// arg reads one argument up to an unquoted ',' or ')' or the end.
func (p *condParser) arg(n int) (string, error) {
	var b []byte
	squote, dquote := false, false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"' && !squote:
			dquote = !dquote
		case c == '\'' && !dquote:
			squote = !squote
		case c == '\\' && !squote:
			if p.i+1 == len(p.s) {
				return "", fmt.Errorf("unterminated escape sequence in argument %d", n)
			}
			switch next := p.s[p.i+1]; next {
			case '\\', ' ', '"', '\'':
				b = append(b, next)
				p.i++
			case 'r':
				b = append(b, '\r')
				p.i++
			case 'n':
				b = append(b, '\n')
				p.i++
			case 't':
				b = append(b, '\t')
				p.i++
			default:
				b = append(b, '\\')
			}
		case !squote && !dquote && (c == ',' || c == ')'):
			return string(b), nil
		default:
			b = append(b, c)
		}
		p.i++
	}
	return string(b), nil
}

// condNumber reads an integer at s[i] as strtol(s, &end, 0) does and
// reports where it ends and whether it is non-zero; ok is false if there
// is no number there. Overflow does not matter: strtol saturates, and a
// saturated value is still non-zero.
func condNumber(s string, i int) (end int, nonzero, ok bool) {
	j := i
	for j < len(s) && lexIsSpace(s[j]) {
		j++
	}
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	isDigit := lexIsDigit
	switch {
	case strings.HasPrefix(s[j:], "0x") || strings.HasPrefix(s[j:], "0X"):
		if j+2 < len(s) && lexIsHex(s[j+2]) {
			j += 2
			isDigit = lexIsHex
		} else {
			return j + 1, false, true // "0" then an 'x' that is not part of it
		}
	case strings.HasPrefix(s[j:], "0"):
		isDigit = func(c byte) bool { return '0' <= c && c <= '7' }
	}
	digits := j
	for j < len(s) && isDigit(s[j]) {
		nonzero = nonzero || s[j] != '0'
		j++
	}
	if j == digits {
		return i, false, false
	}
	return j, nonzero, true
}

// condCompareVersion compares version v with the running version cur as
// HAProxy's compare_current_version does: -1 if v is older, 0 if equal, 1
// if newer, and -2 or -3 if cur or v cannot be parsed. HAProxy treats the
// latter as "older" (version_atleast(garbage) is true) and so do we.
func condCompareVersion(cur, v string) int {
	a, ok := condSplitVersion(cur)
	if !ok {
		return -2
	}
	b, ok := condSplitVersion(v)
	if !ok {
		return -3
	}
	for k := range a {
		switch {
		case b[k] < a[k]:
			return -1
		case b[k] > a[k]:
			return 1
		}
	}
	return 0
}

// condSplitVersion splits "a.b.c.d-tagN-commit" into HAProxy's seven
// comparable elements: a, b, c, d, the tag kind (dev 1, rc/pre 2,
// release 3), the tag number and the commit count. Missing parts are 0.
func condSplitVersion(v string) ([7]uint32, bool) {
	var out [7]uint32
	out[4] = 3
	if v == "" {
		return out, false
	}
	p := v
	tag := false
	for k := 0; k < 4 && !tag; k++ {
		n, rest := condStrtol(p)
		out[k] = n
		switch {
		case rest == "":
			return out, true
		case rest[0] == '-':
			tag = true
		case rest[0] != '.' || k == 3:
			return out, false
		}
		p = rest[1:]
	}
	if p == "" || !lexIsDigit(p[0]) {
		kind := uint32(0)
		switch {
		case strings.HasPrefix(p, "dev"):
			kind, p = 1, p[3:]
		case strings.HasPrefix(p, "rc"):
			kind, p = 2, p[2:]
		case strings.HasPrefix(p, "pre"):
			kind, p = 2, p[3:]
		}
		if kind != 0 {
			out[4] = kind
			n, rest := condStrtol(p)
			out[5] = n
			switch {
			case rest == "":
				return out, true
			case rest[0] != '-':
				return out, false
			}
			p = rest[1:]
		}
	}
	// The commit count is the number after the last '-', if any.
	if dash := strings.LastIndexByte(p, '-'); dash >= 0 {
		p = p[dash+1:]
		if p == "" {
			return out, false
		}
	}
	if n, rest := condStrtol(p); rest == "" {
		out[6] = n
	}
	return out, true
}

// condStrtol reads a base-10 integer as strtol does and returns it cast to
// C's unsigned int, with the unread rest (all of s if there is no number).
func condStrtol(s string) (uint32, string) {
	j := 0
	for j < len(s) && lexIsSpace(s[j]) {
		j++
	}
	neg := false
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		neg = s[j] == '-'
		j++
	}
	digits := j
	var n int64
	saturated := false
	for ; j < len(s) && lexIsDigit(s[j]); j++ {
		d := int64(s[j] - '0')
		if saturated || n > (math.MaxInt64-d)/10 {
			saturated = true
			continue
		}
		n = n*10 + d
	}
	switch {
	case j == digits:
		return 0, s
	case saturated && neg:
		n = math.MinInt64
	case saturated:
		n = math.MaxInt64
	case neg:
		n = -n
	}
	return uint32(n), s[j:]
}
