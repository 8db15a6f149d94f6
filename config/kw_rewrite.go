package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"switchyard/logformat"
	"switchyard/sample"
)

// The rewriting actions of http-request, http-response and
// http-after-response (header edits, request-line edits, set-status,
// redirect, variables, normalize-uri, strict-mode), the proxy keyword
// `redirect`, and the pre-2.1 keywords haproxy refuses naming their modern
// form. What each parser makes of its arguments goes into HTTPRule.Args as
// one of the types below; the data plane (proxy/actions_rewrite.go) compiles
// it into a function.

// HeaderOp is set-header, add-header, del-header, replace-header and
// replace-value.
type HeaderOp struct {
	Kind  HeaderOpKind
	Name  []byte            // the field name as written
	Value *logformat.Format // set/add: the value; replace: the replacement
	Match HeaderMatch       // del-header -m
	Re    *regexp.Regexp    // replace-*: the value regex; del-header -m reg: the name regex
}

type HeaderOpKind uint8

const (
	HdrSet HeaderOpKind = iota
	HdrAdd
	HdrDel
	HdrReplace      // replace-header: the whole value
	HdrReplaceValue // replace-value: each comma-separated value
)

// HeaderMatch is how del-header compares field names (-m).
type HeaderMatch uint8

const (
	MatchStr HeaderMatch = iota
	MatchBeg
	MatchEnd
	MatchSub
	MatchReg
)

// LineOp is set-method, set-path, set-pathq, set-query, set-uri and
// replace-path, replace-pathq, replace-uri.
type LineOp struct {
	Part  LinePart
	Value *logformat.Format // the new part, or the replacement with \N references
	Re    *regexp.Regexp    // replace-*: nil for set-*
}

// LinePart is the part of the request line a LineOp rewrites.
type LinePart uint8

const (
	PartMethod LinePart = iota
	PartPath            // the path, query string kept
	PartQuery           // the query string (its '?' included in the value)
	PartURI
	PartPathQ // the path with the query string
)

// StatusOp is set-status.
type StatusOp struct {
	Code   int
	Reason string // "" with HasReason unset: haproxy's phrase for Code
	// HasReason: a reason was given (possibly empty).
	HasReason bool
}

// RedirectOp is the redirect action and the proxy keyword.
type RedirectOp struct {
	Type RedirectType
	// Value is the location, prefix or scheme: a log-format string for
	// the action; Static holds it for the proxy keyword, which haproxy
	// takes literally. Both empty for "prefix /" (nothing is prepended).
	Value  *logformat.Format
	Static string
	// Code is 301, 302, 303, 307 or 308.
	Code                                int
	DropQuery, AppendSlash, IgnoreEmpty bool
	// Cookie is the Set-Cookie value (with "; path=/;" or
	// "; path=/; Max-Age=0;" appended as haproxy does), "" for none.
	Cookie string
}

type RedirectType uint8

const (
	RedirectLocation RedirectType = iota
	RedirectPrefix
	RedirectScheme
)

// VarOp is set-var, set-var-fmt and unset-var, in every rule set.
type VarOp struct {
	Ref   sample.VarRef
	Expr  *sample.Expr      // set-var
	Fmt   *logformat.Format // set-var-fmt
	Unset bool
	Conds sample.VarConds
}

// NormalizeOp is normalize-uri.
type NormalizeOp struct {
	Kind   Normalizer
	Strict bool // percent-*: refuse a malformed escape (400); path-strip-dotdot: "full"
}

type Normalizer uint8

const (
	NormMergeSlashes Normalizer = iota
	NormStripDot
	NormStripDotDot
	NormSortQuery
	NormPercentUpper
	NormPercentDecode
	NormFragmentStrip
	NormFragmentEncode
)

// StrictModeOp is strict-mode on|off.
type StrictModeOp struct{ On bool }

func init() {
	const req, res, after = HTTPRequestRules, HTTPResponseRules, HTTPAfterResponseRules
	hdr := func(kind HeaderOpKind) func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
		return func(c *RuleContext, r *HTTPRule, args []string) (int, error) { return parseHeaderOp(c, r, kind, args) }
	}
	RegisterAction(&ActionDef{Name: "set-header", Where: req | res | after, Parse: hdr(HdrSet)})
	RegisterAction(&ActionDef{Name: "add-header", Where: req | res | after, Parse: hdr(HdrAdd)})
	RegisterAction(&ActionDef{Name: "del-header", Where: req | res | after, Parse: hdr(HdrDel)})
	RegisterAction(&ActionDef{Name: "replace-header", Where: req | res | after, Parse: hdr(HdrReplace)})
	RegisterAction(&ActionDef{Name: "replace-value", Where: req | res | after, Parse: hdr(HdrReplaceValue)})
	for name, part := range map[string]LinePart{"set-method": PartMethod, "set-path": PartPath,
		"set-pathq": PartPathQ, "set-query": PartQuery, "set-uri": PartURI} {
		RegisterAction(&ActionDef{Name: name, Where: req, Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || len(args) > 1 && !isCondStart(args[1]) {
				return 0, errors.New("expects exactly 1 argument <format>")
			}
			f, err := c.ParseFormat(args[0])
			if err != nil {
				return 0, err
			}
			r.Args = &LineOp{Part: part, Value: f}
			return 1, nil
		}})
	}
	for name, part := range map[string]LinePart{"replace-path": PartPath, "replace-pathq": PartPathQ, "replace-uri": PartURI} {
		RegisterAction(&ActionDef{Name: name, Where: req, Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) < 2 || len(args) > 2 && !isCondStart(args[2]) {
				return 0, errors.New("expects exactly 2 arguments <match-regex> and <replace-format>")
			}
			re, err := sample.CompileRegex(args[0], false)
			if err != nil {
				return 0, fmt.Errorf("failed to parse the regex : %v", err)
			}
			f, err := c.ParseFormat(args[1])
			if err != nil {
				return 0, err
			}
			r.Args = &LineOp{Part: part, Value: f, Re: re}
			return 2, nil
		}})
	}
	statusParse := func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
		if len(args) == 0 || isCondStart(args[0]) {
			return 0, errors.New("expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>")
		}
		code, err := strconv.Atoi(args[0])
		if err != nil || code < 100 || code > 999 {
			return 0, errors.New("expects an integer status code between 100 and 999")
		}
		op := &StatusOp{Code: code}
		r.Args = op
		if len(args) > 2 && args[1] == "reason" && !isCondStart(args[2]) {
			op.Reason, op.HasReason = args[2], true
			return 3, nil
		}
		return 1, nil
	}
	RegisterAction(&ActionDef{Name: "set-status", Where: res | after, Parse: statusParse})
	RegisterAction(&ActionDef{Name: "redirect", Where: req | res, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			op, n, err := parseRedirect(c, args, true, c.Set != HTTPRequestRules)
			r.Args = op
			return n, err
		}})
	for _, name := range []string{"set-var", "set-var-fmt", "unset-var"} {
		RegisterAction(&ActionDef{Name: name, Where: req | res | after, Prefix: true, Parse: parseVarOp})
	}
	RegisterAction(&ActionDef{Name: "normalize-uri", Where: req, Parse: parseNormalize})
	RegisterAction(&ActionDef{Name: "strict-mode", Where: req | res | after,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, errors.New("expects exactly 1 arguments")
			}
			switch strings.ToLower(args[0]) {
			case "on":
				r.Args = &StrictModeOp{On: true}
			case "off":
				r.Args = &StrictModeOp{}
			default:
				return 0, fmt.Errorf("Unexpected value '%s'. Only 'on' and 'off' are supported", args[0])
			}
			return 1, nil
		}})
	RegisterAction(&ActionDef{Name: "allow", Where: after, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			r.Action = ActAllow
			if len(args) > 0 && !isCondStart(args[0]) {
				return 0, fmt.Errorf("unexpected argument '%s' (expects 'if' or 'unless')", args[0])
			}
			return 0, nil
		}})
	// haproxy 2.6's other http-after-response actions.
	// An unknown http-after-response action is named with the keyword.
	multiWord["http-after-response"] = struct{}{}

	// The proxy keyword: static strings, evaluated after the section's
	// http-request rules (even after an allow), before use_backend.
	register(SecFrontend|SecBackend, "redirect", func(p *parser, args []string) error {
		c := &RuleContext{Context: &Context{p}, Set: HTTPRequestRules}
		warnMisplaced(p, "redirect", false)
		op, n, err := parseRedirect(c, args, false, false)
		if err != nil {
			return err
		}
		r := &HTTPRule{Pos: p.pos(), Set: HTTPRequestRules, Args: op}
		if rest := args[n:]; len(rest) > 0 {
			cond, err := p.cond(rest)
			if err != nil {
				return fmt.Errorf("error in condition: %v", err)
			}
			r.Cond = cond
		}
		p.cur.Redirects = append(p.cur.Redirects, r)
		return nil
	})

	register(SecGlobal, "expose-experimental-directives", flagKw(func(p *parser) { p.cfg.Global.Experimental = true }))

	// The keywords haproxy removed in 2.1, refused with its pointer to
	// the modern form.
	const gone = "The '%s' directive is not supported anymore since HAProxy 2.1. "
	for kw, msg := range map[string]string{
		"reqrep":     gone + "Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
		"cliexp":     gone + "Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.",
		"reqirep":    gone + "Use 'http-request replace-header' instead.",
		"reqdel":     gone + "Use 'http-request del-header' instead.",
		"reqidel":    gone + "Use 'http-request del-header' instead.",
		"reqdeny":    "The '%s' not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.",
		"reqideny":   gone + "Use 'http-request deny' instead.",
		"reqpass":    "The '%s' not supported anymore since HAProxy 2.1.",
		"reqipass":   "The '%s' directive is not supported anymore since HAProxy 2.1.",
		"reqallow":   gone + "Use 'http-request allow' instead.",
		"reqiallow":  gone + "Use 'http-request allow' instead.",
		"reqtarpit":  gone + "Use 'http-request tarpit' instead.",
		"reqitarpit": gone + "Use 'http-request tarpit' instead.",
		"reqadd":     gone + "Use 'http-request add-header' instead.",
		"rsprep":     gone + "Use 'http-response replace-header' instead.",
		"srvexp":     gone + "Use 'http-response replace-header' instead.",
		"rspirep":    gone + "Use 'http-response replace-header' instead.",
		"rspdel":     gone + "Use 'http-response del-header' .",
		"rspidel":    gone + "Use 'http-response del-header' instead.",
		"rspdeny":    gone + "Use 'http-response deny' instead.",
		"rspideny":   gone + "Use 'http-response deny' instead.",
		"rspadd":     gone + "Use 'http-response add-header' instead.",
		"block":      gone + "Use 'http-request deny' which uses the exact same syntax.",
	} {
		err := fmt.Errorf(msg, kw)
		register(SecProxy, kw, func(*parser, []string) error { return err })
	}
}

// warnMisplaced gives haproxy's warning for an http-request rule (or a
// redirect) written after the rules that run after it.
func warnMisplaced(p *parser, what string, afterRedirect bool) {
	switch {
	case afterRedirect && len(p.cur.Redirects) > 0:
		p.warnf("a '%s' rule placed after a 'redirect' rule will still be processed before.", what)
	case len(p.cur.UseBackends) > 0:
		p.warnf("a '%s' rule placed after a 'use_backend' rule will still be processed before.", what)
	}
}

// parseHeaderOp parses the arguments of the header actions.
func parseHeaderOp(c *RuleContext, r *HTTPRule, kind HeaderOpKind, args []string) (int, error) {
	op := &HeaderOp{Kind: kind}
	r.Args = op
	switch kind {
	case HdrDel:
		if len(args) == 0 || isCondStart(args[0]) {
			return 0, errors.New("expects at least 1 argument")
		}
		op.Name = []byte(args[0])
		if len(args) < 2 || args[1] != "-m" {
			return 1, nil
		}
		if len(args) < 3 {
			return 0, errors.New("-m flag expects exactly 1 argument")
		}
		switch args[2] {
		case "str":
			op.Match = MatchStr
		case "beg":
			op.Match = MatchBeg
		case "end":
			op.Match = MatchEnd
		case "sub":
			op.Match = MatchSub
		case "reg":
			re, err := sample.CompileRegex(args[0], false)
			if err != nil {
				return 0, err
			}
			op.Match, op.Re = MatchReg, re
		default:
			return 0, fmt.Errorf("-m with unsupported matching method '%s'", args[2])
		}
		return 3, nil
	case HdrSet, HdrAdd:
		if len(args) < 2 {
			return 0, errors.New("expects exactly 2 arguments")
		}
		f, err := c.ParseFormat(args[1])
		if err != nil {
			return 0, err
		}
		op.Name, op.Value = []byte(args[0]), f
		return 2, nil
	}
	if len(args) < 3 {
		return 0, errors.New("expects exactly 3 arguments")
	}
	re, err := sample.CompileRegex(args[1], false)
	if err != nil {
		return 0, err
	}
	f, err := c.ParseFormat(args[2])
	if err != nil {
		return 0, err
	}
	op.Name, op.Re, op.Value = []byte(args[0]), re, f
	return 3, nil
}

// parseRedirect parses a redirect rule up to its condition. fmt says that
// the destination is a log-format string (the action) rather than a
// literal (the proxy keyword); response that it is an http-response rule.
func parseRedirect(c *RuleContext, args []string, fmtDest, response bool) (*RedirectOp, int, error) {
	op := &RedirectOp{Code: 302}
	typ, dest, haveType := RedirectLocation, "", false
	cookie, cookieSet := "", false
	i := 0
	for ; i < len(args) && !isCondStart(args[i]); i++ {
		a := args[i]
		switch a {
		case "location", "prefix", "scheme", "set-cookie", "clear-cookie", "code":
			if i+1 >= len(args) || args[i+1] == "" {
				return nil, 0, fmt.Errorf("missing argument for '%s'", a)
			}
			i++
			v := args[i]
			switch a {
			case "location":
				typ, dest, haveType = RedirectLocation, v, true
			case "prefix":
				typ, dest, haveType = RedirectPrefix, v, true
			case "scheme":
				typ, dest, haveType = RedirectScheme, v, true
			case "set-cookie":
				cookie, cookieSet = v, true
			case "clear-cookie":
				cookie, cookieSet = v, false
			case "code":
				code := atol(v)
				if code < 301 || code > 308 || code > 303 && code < 307 {
					return nil, 0, fmt.Errorf("'code': unsupported HTTP code '%s' (must be one of 301, 302, 303, 307 or 308)", v)
				}
				op.Code = code
			}
		case "drop-query":
			op.DropQuery = true
		case "append-slash":
			op.AppendSlash = true
		case "ignore-empty":
			op.IgnoreEmpty = true
		default:
			return nil, 0, fmt.Errorf("expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '%s')", a)
		}
	}
	if !haveType {
		return nil, 0, errors.New("redirection type expected ('prefix', 'location', or 'scheme')")
	}
	if response && typ != RedirectLocation {
		return nil, 0, errors.New("response only supports redirect type 'location'")
	}
	op.Type = typ
	switch {
	case typ == RedirectPrefix && dest == "/":
		// Nothing is prepended, so that "prefix /" redirects to itself.
	case fmtDest:
		f, err := c.ParseFormat(dest)
		if err != nil {
			return nil, 0, err
		}
		op.Value = f
	default:
		op.Static = dest
	}
	if cookie != "" || cookieSet {
		if cookieSet {
			op.Cookie = cookie + "; path=/;"
		} else {
			op.Cookie = cookie + "; path=/; Max-Age=0;"
		}
	}
	return op, i, nil
}

// atol reads a leading decimal number as C's atol does (0 when none).
func atol(s string) int {
	n, i, neg := 0, 0, false
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<40; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// parseVarOp parses set-var(name[,cond...]) EXPR, set-var-fmt(name[,cond...])
// FMT and unset-var(name); args[0] is the action word itself.
func parseVarOp(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	a, err := sample.ParseVarAction(args[0])
	if err != nil {
		return 0, err
	}
	c.Env().DeclareVar(a.Ref)
	op := &VarOp{Ref: a.Ref, Unset: a.Unset(), Conds: a.Conds}
	r.Args = op
	if op.Unset {
		return 1, nil
	}
	kind := a.Kind
	if kind == "set-var-fmt" {
		fs := "" // haproxy takes a missing format as an empty one
		if len(args) > 1 {
			fs = args[1]
		}
		f, err := c.ParseFormat(fs)
		if err != nil {
			return 0, err
		}
		op.Fmt = f
		return min(2, len(args)), nil
	}
	if len(args) < 2 {
		return 0, errors.New("missing fetch method")
	}
	e, n, err := sample.ParseExprWords(c.Env(), args[1:])
	if err != nil {
		return 0, err
	}
	if err := e.Check(c.avail()); err != nil {
		return 0, err
	}
	op.Expr = e
	return 1 + n, nil
}

// parseNormalize parses normalize-uri's normalizer.
func parseNormalize(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	if !c.Global().Experimental {
		return 0, errors.New("action is experimental, must be allowed via a global 'expose-experimental-directives'")
	}
	if len(args) == 0 || isCondStart(args[0]) {
		return 0, errors.New("missing argument <normalizer>")
	}
	op := &NormalizeOp{}
	r.Args = op
	opt := func(word string) (int, error) {
		if len(args) < 2 || isCondStart(args[1]) {
			return 1, nil
		}
		if args[1] != word {
			return 0, fmt.Errorf("unknown argument '%s' for '%s' normalizer", args[1], args[0])
		}
		op.Strict = true
		return 2, nil
	}
	switch args[0] {
	case "path-merge-slashes":
		op.Kind = NormMergeSlashes
	case "path-strip-dot":
		op.Kind = NormStripDot
	case "path-strip-dotdot":
		op.Kind = NormStripDotDot
		return opt("full")
	case "query-sort-by-name":
		op.Kind = NormSortQuery
	case "percent-to-uppercase":
		op.Kind = NormPercentUpper
		return opt("strict")
	case "percent-decode-unreserved":
		op.Kind = NormPercentDecode
		return opt("strict")
	case "fragment-strip":
		op.Kind = NormFragmentStrip
	case "fragment-encode":
		op.Kind = NormFragmentEncode
	default:
		return 0, fmt.Errorf("unknown normalizer '%s'", args[0])
	}
	return 1, nil
}
