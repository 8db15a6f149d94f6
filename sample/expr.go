package sample

import (
	"fmt"
	"strings"
)

// Expr is a compiled sample expression: a fetch with its arguments and a
// chain of converters, e.g. "req.hdr(host),lower". It is immutable and safe
// for concurrent use.
type Expr struct {
	text  string
	fetch *fetchDef
	fn    fetchFunc // the fetch's function for these arguments
	args  []arg
	convs []convCall
}

type convCall struct {
	def  *convDef
	fn   convFunc
	args []arg
}

// String returns the expression as written in the configuration.
func (e *Expr) String() string { return e.text }

// Check reports an error when the expression reads something that is not
// available where it is used, e.g. request headers in a tcp-request
// connection rule. avail lists what is available.
func (e *Expr) Check(avail Source) error {
	if missing := e.fetch.src.missingFrom(avail); missing != 0 {
		return fmt.Errorf("sample fetch <%s> may not be reliably used here because it needs '%s' which is not available here",
			e.text, missing)
	}
	return nil
}

// Constant says whether the expression always has the same value: a
// constant fetch (str, int…) without converters.
func (e *Expr) Constant() bool {
	switch e.fetch.name {
	case "str", "int", "bool", "ipv4", "ipv6", "always_true", "always_false":
		return len(e.convs) == 0
	}
	return false
}

// outType is the type of the expression's result, known at config time.
func (e *Expr) outType() Type {
	if n := len(e.convs); n > 0 {
		return e.convs[n-1].def.out
	}
	return e.fetch.out
}

// Eval returns the expression's value: for a multi-valued fetch, the value
// a plain fetch returns (the last header occurrence, the first URL
// parameter...). Strings may point into the request or c.Scratch.
func (e *Expr) Eval(c *Ctx) (Value, bool) {
	v, _, ok := e.fn(c, e.args, cursor{})
	if !ok {
		return Value{}, false
	}
	return e.convert(c, v)
}

// Iter walks every value of the expression, as ACLs do: every occurrence
// of a header, every matching cookie or URL parameter. It is a plain value
// so that iterating allocates nothing.
type Iter struct {
	e    *Expr
	cur  cursor
	done bool
}

// Iter starts a walk over the expression's values.
func (e *Expr) Iter() Iter { return Iter{e: e, cur: cursor{all: true}} }

// Next returns the next value, or false at the end. As in haproxy, a value
// that a converter fails on ends the walk.
func (it *Iter) Next(c *Ctx) (Value, bool) {
	if it.done {
		return Value{}, false
	}
	v, next, ok := it.e.fn(c, it.e.args, it.cur)
	it.cur = next
	it.done = !ok || !next.more
	if !ok {
		return Value{}, false
	}
	if v, ok = it.e.convert(c, v); !ok {
		it.done = true
	}
	return v, ok
}

func (e *Expr) convert(c *Ctx, v Value) (Value, bool) {
	for i := range e.convs {
		cv := &e.convs[i]
		var ok bool
		if v, ok = convert(c, v, cv.def.in); !ok {
			return Value{}, false
		}
		if v, ok = cv.fn(c, cv.args, v); !ok {
			return Value{}, false
		}
	}
	return v, true
}

// ParseExpr compiles a sample expression written as one word, such as
// "req.hdr(host),lower".
func ParseExpr(env *Env, s string) (*Expr, error) {
	e, _, _, err := parseExpr(env, []string{s}, syntaxWord, false)
	return e, err
}

// ParseExprWords compiles a sample expression starting at words[0] with
// haproxy's historical syntax, where each following word that names a
// converter is applied too ("req.hdr(host) lower"). It returns how many
// words the expression used.
func ParseExprWords(env *Env, words []string) (*Expr, int, error) {
	e, n, _, err := parseExpr(env, words, syntaxWords, false)
	return e, n, err
}

// ParseExprPrefix compiles the sample expression at the start of s and
// returns the text after it, for expressions embedded in text such as
// log-format's "%[req.hdr(host),lower]".
func ParseExprPrefix(env *Env, s string) (*Expr, string, error) {
	e, _, rest, err := parseExpr(env, []string{s}, syntaxPrefix, false)
	return e, rest, err
}

// exprSyntax says where an expression ends.
type exprSyntax uint8

const (
	syntaxWord   exprSyntax = iota // the whole word, anything else is an error
	syntaxWords                    // converters may follow as separate words
	syntaxPrefix                   // stop at the first character that cannot continue it
)

// parseExpr compiles an expression from words[0] (and following words
// with syntaxWords). It returns the number of words used and, with
// syntaxPrefix, the unparsed rest of words[0]. inACL widens suggestions
// for unknown fetches to the ACL keywords.
func parseExpr(env *Env, words []string, syn exprSyntax, inACL bool) (*Expr, int, string, error) {
	if len(words) == 0 {
		return nil, 0, "", fmt.Errorf("missing fetch method")
	}
	name, rest := splitKeyword(words[0])
	if name == "" {
		return nil, 0, "", fmt.Errorf("missing fetch method")
	}
	f := lookupFetch(env, name)
	if f == nil {
		return nil, 0, "", unknownFetch(name, inACL)
	}
	a, rest, aerr := parseArgs(rest, f.args)
	if aerr != nil {
		return nil, 0, "", fmt.Errorf("fetch method '%s' : %v", name, aerr)
	}
	fn, err := f.instantiate(env, a)
	if err != nil {
		return nil, 0, "", fmt.Errorf("invalid args in fetch method '%s' : %v", name, err)
	}
	e := &Expr{fetch: f, fn: fn, args: a}
	n, rest, err := e.parseConvs(env, name, words, rest, syn)
	return e, n, rest, err
}

// unknownFetch reports a fetch we do not have, telling apart haproxy
// keywords that are not implemented yet from likely typos.
func unknownFetch(name string, inACL bool) error {
	if why := refusedFetches[name]; why != "" {
		return fmt.Errorf("fetch method '%s' is not supported: %s", name, why)
	}
	if unsupportedFetches[name] {
		return fmt.Errorf("fetch method '%s' is not supported yet", name)
	}
	return &hintError{fmt.Sprintf("unknown fetch method '%s'", name), didYouMean(name, fetchNames(inACL))}
}

// hintError is an error with a suggestion that callers adding context
// keep at the end of the message.
type hintError struct{ msg, hint string }

func (e *hintError) Error() string { return e.msg + e.hint }

// parseConvs parses the converter chain following the fetch: rest is what
// follows the fetch keyword and its arguments in words[0]. fetchName is
// used in messages, if not empty. It returns the number of words used and
// the text left.
func (e *Expr) parseConvs(env *Env, fetchName string, words []string, rest string, syn exprSyntax) (int, string, error) {
	idx := 0
	for {
		if rest != "" && rest[0] != ',' {
			if syn == syntaxPrefix {
				break
			}
			if n := len(e.convs); n > 0 {
				return 0, "", fmt.Errorf("missing comma after converter '%s'", e.convs[n-1].def.name)
			}
			if fetchName == "" { // haproxy does not name ACL keywords here
				return 0, "", fmt.Errorf("missing comma after fetch keyword")
			}
			return 0, "", fmt.Errorf("missing comma after fetch keyword '%s'", fetchName)
		}
		rest = strings.TrimLeft(rest, ",")
		newWord := false
		if rest == "" {
			idx++
			if syn != syntaxWords || idx >= len(words) || words[idx] == "" {
				break
			}
			rest, newWord = words[idx], true
		}
		name, after := splitKeyword(rest)
		cv := lookupConv(env, name)
		if cv == nil {
			if newWord { // a word that is not a converter ends the expression
				break
			}
			if unsupportedConvs[name] {
				return 0, "", fmt.Errorf("converter '%s' is not supported yet", name)
			}
			return 0, "", fmt.Errorf("unknown converter '%s'", name)
		}
		if !castable(e.outType(), cv.in) {
			return 0, "", fmt.Errorf("converter '%s' cannot be applied", name)
		}
		a, after, aerr := parseArgs(after, cv.args)
		if aerr != nil {
			return 0, "", fmt.Errorf("invalid arg %d in converter '%s' : %v", aerr.pos+1, name, aerr)
		}
		fn, err := cv.instantiate(env, a)
		if err != nil {
			return 0, "", fmt.Errorf("invalid args in converter '%s' : %v", name, err)
		}
		e.convs = append(e.convs, convCall{def: cv, fn: fn, args: a})
		rest = after
	}
	if syn == syntaxPrefix {
		e.text = words[0][:len(words[0])-len(rest)]
		return 1, rest, nil
	}
	e.text = strings.Join(words[:idx], " ")
	return idx, "", nil
}

// splitKeyword splits a word into its leading keyword (letters, digits and
// ._-+:) and the rest.
func splitKeyword(s string) (kw, rest string) {
	i := 0
	for i < len(s) && isIDChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func isIDChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == ':'
}
