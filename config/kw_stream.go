package config

import (
	"fmt"
	"time"

	"switchyard/logformat"
	"switchyard/sample"
)

// The actions that change the stream rather than the HTTP message:
// set-src, set-src-port, set-dst, set-dst-port (http-request and the
// tcp-request sets), set-timeout and early-hint (http-request). The data
// plane is proxy/actions_stream.go.

// AddrAction is set-src, set-src-port, set-dst or set-dst-port: the
// address (or port) the rest of the stream sees becomes the value of Expr.
type AddrAction struct {
	Expr *sample.Expr
	Dst  bool // the destination (set-dst*), otherwise the source
	Port bool // only the port (set-*-port), otherwise only the address
}

// TimeoutAction is `http-request set-timeout server|tunnel <time|expr>`:
// the transaction's server (or tunnel) timeout becomes Value, or the value
// of Expr in milliseconds.
type TimeoutAction struct {
	Tunnel bool
	Value  time.Duration
	Expr   *sample.Expr
}

// EarlyHint is `http-request early-hint <name> <fmt>`: one field of a 103
// Early Hints response. Consecutive early-hint rules of a list share one
// response, as in haproxy: Group holds them in order, Index is this one's
// place.
type EarlyHint struct {
	Name  string
	Value *logformat.Format
	Group *HintGroup
	Index int
}

// HintGroup is a run of consecutive early-hint rules of one rule list.
type HintGroup struct {
	Rules []*HTTPRule
}

func init() {
	const addrSets = HTTPRequestRules | TCPRequestConnectionRules | TCPRequestSessionRules | TCPRequestContentRules
	for _, name := range []string{"set-src", "set-src-port", "set-dst", "set-dst-port"} {
		a := AddrAction{Dst: name[4] == 'd', Port: len(name) > 7}
		RegisterAction(&ActionDef{Name: name, Where: addrSets,
			Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
				expr, n, err := sample.ParseExprWords(c.Env(), args)
				if err != nil {
					return 0, err
				}
				// haproxy checks the expression against what an
				// http-request rule may read, whatever the rule set.
				if err := checkExprAvail(expr, sample.SrcL4|sample.SrcL6Req|sample.SrcHTTPReq, args[n-1]); err != nil {
					return 0, err
				}
				act := a
				act.Expr = expr
				r.Args = &act
				return n, nil
			}})
	}
	RegisterAction(&ActionDef{Name: "set-timeout", Where: HTTPRequestRules, Parse: parseSetTimeout})
	RegisterAction(&ActionDef{Name: "early-hint", Where: HTTPRequestRules, Parse: parseEarlyHint})
}

// checkExprAvail is haproxy's check of an action's expression: the fetch
// must read something available where the rule runs.
func checkExprAvail(expr *sample.Expr, avail sample.Source, word string) error {
	if expr.Check(avail) == nil {
		return nil
	}
	what := "nothing"
	for _, b := range []sample.Source{sample.SrcL4, sample.SrcL6Req, sample.SrcL6Res, sample.SrcHTTPReq, sample.SrcHTTPRes, sample.SrcHTTPMsg, sample.SrcHTTPReqInfo} {
		if expr.Check(avail|b) == nil {
			what = b.String()
			break
		}
	}
	return fmt.Errorf("fetch method '%s' extracts information from '%s', none of which is available here", word, what)
}

func parseSetTimeout(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	if len(args) < 2 {
		return 0, fmt.Errorf("expects exactly 2 arguments")
	}
	if px := c.Proxy(); px.Cap&(CapBE|CapDef) == 0 {
		return 0, fmt.Errorf("proxy '%s' has no backend capability", px.Name)
	}
	a := &TimeoutAction{}
	name := args[0]
	switch name {
	case "server":
	case "tunnel":
		a.Tunnel = true
	default:
		return 0, fmt.Errorf("'set-timeout' rule supports 'server'/'tunnel' (got '%s')", name)
	}
	d, bad, trailing, err := parseRuleTime(args[1])
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s in argument '%s' to rule 'set-timeout %s' %s", err, args[1], name, timeLimits[err.Error()])
	case bad >= 0:
		expr, n, err := sample.ParseExprWords(c.Env(), args[1:])
		if err != nil {
			return 0, fmt.Errorf("unexpected character '%c' in rule 'set-timeout %s'", args[1][bad], name)
		}
		a.Expr = expr
		r.Args = a
		return 1 + n, nil
	case d == 0:
		return 0, fmt.Errorf("null value is not valid for a 'set-timeout %s' rule", name)
	}
	if trailing >= 0 {
		c.Warnf("unexpected character '%c' after the timer value '%s', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.", args[1][trailing], args[1])
	}
	a.Value = d
	r.Args = a
	return 2, nil
}

var timeLimits = map[string]string{
	"timer overflow":  "(maximum value is 2147483647 ms or ~24.8 days)",
	"timer underflow": "(minimum value is 1 ms)",
}

// parseRuleTime reads a time as haproxy's parse_time_err does, in whole
// milliseconds rounded up: bad is the index of the character that stops it
// from being a time (-1 if none), trailing that of a character after the
// unit (ignored with a warning, -1 if none).
func parseRuleTime(s string) (d time.Duration, bad, trailing int, err error) {
	i := 0
	var v uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		v = v*10 + uint64(s[i]-'0')
		if v > 1<<40 {
			v = 1 << 40 // large enough to overflow whatever the unit
		}
		i++
	}
	if i == 0 {
		return 0, 0, -1, nil
	}
	unit := time.Millisecond
	if i < len(s) {
		switch s[i] {
		case 's':
			unit = time.Second
		case 'u':
			if i+1 >= len(s) || s[i+1] != 's' {
				return 0, i, -1, nil
			}
			unit = time.Microsecond
			i++
		case 'm':
			unit = time.Minute
			if i+1 < len(s) && s[i+1] == 's' {
				unit = time.Millisecond
				i++
			}
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		default:
			return 0, i, -1, nil
		}
		i++
	}
	trailing = -1
	if i < len(s) {
		trailing = i
	}
	total := time.Duration(v) * unit
	ms := (total + time.Millisecond - 1) / time.Millisecond
	switch {
	case ms >= 1<<31:
		return 0, -1, -1, fmt.Errorf("timer overflow")
	case ms == 0 && v != 0:
		return 0, -1, -1, fmt.Errorf("timer underflow")
	}
	return ms * time.Millisecond, -1, trailing, nil
}

func parseEarlyHint(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	if len(args) < 2 || args[0] == "" || args[1] == "" {
		return 0, fmt.Errorf("expects exactly 2 arguments")
	}
	f, err := c.ParseFormat(args[1])
	if err != nil {
		return 0, err
	}
	a := &EarlyHint{Name: args[0], Value: f}
	// The rule is appended once parsed: the list's last rule is the one
	// before it.
	list := *c.Proxy().ruleList(c.Set)
	if n := len(list); n > 0 {
		if prev, ok := list[n-1].Args.(*EarlyHint); ok {
			a.Group = prev.Group
		}
	}
	if a.Group == nil {
		a.Group = &HintGroup{}
	}
	a.Index = len(a.Group.Rules)
	a.Group.Rules = append(a.Group.Rules, r)
	r.Args = a
	return 2, nil
}
