package config

import (
	"fmt"
	"strings"
	"time"

	"switchyard/logformat"
	"switchyard/sample"
)

// TCPRules are a proxy's tcp-request and tcp-response rules and their
// inspection delays. A named defaults section's rules come first in the
// lists of the proxies that use it, which is how haproxy evaluates them
// (the defaults' rules, then the proxy's, an accept ending both).
type TCPRules struct {
	Connection []*HTTPRule // tcp-request connection: at accept, L4 only
	Session    []*HTTPRule // tcp-request session: after the PROXY header
	Content    []*HTTPRule // tcp-request content: with inspect-delay
	Response   []*HTTPRule // tcp-response content
	// InspectDelay is tcp-request inspect-delay, ResponseInspectDelay
	// tcp-response inspect-delay (0: rules run once, on what is there).
	InspectDelay, ResponseInspectDelay time.Duration
}

// ExpectProxy is the Args of `tcp-request connection expect-proxy layer4`.
type ExpectProxy struct{}

func (px *Proxy) tcpRuleList(set RuleSet) *[]*HTTPRule {
	switch set {
	case TCPRequestConnectionRules:
		return &px.TCP.Connection
	case TCPRequestSessionRules:
		return &px.TCP.Session
	case TCPRequestContentRules:
		return &px.TCP.Content
	}
	return &px.TCP.Response
}

// tcpAvail is what the rules of a set may read, as haproxy's SMP_VAL_*
// of the set: connection and session rules see the connection only.
func tcpAvail(set RuleSet, px *Proxy) sample.Source {
	switch set {
	case TCPRequestContentRules:
		return sample.SrcL4 | sample.SrcL6Req | sample.SrcHTTPReq | backendSide(px)
	case TCPResponseContentRules:
		return sample.SrcL4 | sample.SrcL6Res | sample.SrcHTTPRes | sample.SrcHTTPReqInfo | sample.SrcBackend | sample.SrcServer
	}
	return sample.SrcL4
}

// tcpPlace names where a rule set runs in haproxy's messages.
func tcpPlace(set RuleSet, px *Proxy) string {
	side := "frontend"
	if set == TCPResponseContentRules || set == TCPRequestContentRules && px.Cap&CapFE == 0 {
		side = "backend"
	}
	switch set {
	case TCPRequestConnectionRules:
		return "frontend tcp-request connection rule"
	case TCPRequestSessionRules:
		return "frontend tcp-request session rule"
	case TCPRequestContentRules:
		return side + " tcp-request content rule"
	}
	return side + " tcp-response content rule"
}

// tcpNotYet are the haproxy 2.6 actions of the tcp rule sets that later
// issues implement.
var tcpNotYet = []string{"set-mark", "set-tos", "silent-drop", "expect-netscaler-cip", "do-resolve", "send-spoe-group",
	"set-log-level", "set-nice", "set-priority-class", "set-priority-offset", "switch-mode", "use-service",
	"set-bandwidth-limit", "attach-srv", "set-fc-mark", "set-fc-tos"}

// parenActions take their first argument in parentheses glued to their
// name: set-var(txn.x).
var parenActions = map[string]bool{"set-var": true, "set-var-fmt": true, "unset-var": true}

func init() {
	const reqSets = TCPRequestConnectionRules | TCPRequestSessionRules | TCPRequestContentRules
	const allSets = reqSets | TCPResponseContentRules
	RegisterAction(&ActionDef{Name: "accept", Where: allSets, Final: true, Parse: noArgs})
	RegisterAction(&ActionDef{Name: "reject", Where: allSets | HTTPRequestRules, Final: true, Parse: noArgs})
	RegisterAction(&ActionDef{Name: "close", Where: TCPResponseContentRules, Final: true, Parse: noArgs})
	RegisterAction(&ActionDef{Name: "expect-proxy", Where: reqSets,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || args[0] != "layer4" {
				got := ""
				if len(args) > 0 {
					got = args[0]
				}
				return 0, fmt.Errorf("'%s expect-proxy' only supports 'layer4' in %s '%s' (got '%s')",
					c.Set.Keyword(), c.Proxy().Cap.Kind(), c.Proxy().Name, got)
			}
			if c.Set != TCPRequestConnectionRules {
				return 0, fmt.Errorf("'expect-proxy layer4' is not allowed in '%s' rules in %s '%s'",
					c.Set.Keyword(), c.Proxy().Cap.Kind(), c.Proxy().Name)
			}
			r.Args = ExpectProxy{}
			return 1, nil
		}})
	for _, name := range []string{"set-var", "set-var-fmt", "unset-var"} {
		RegisterAction(&ActionDef{Name: name, Where: allSets,
			Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
				return parseTCPVar(c, r, args)
			}})
	}

	for _, set := range []RuleSet{TCPRequestConnectionRules, TCPRequestSessionRules, TCPRequestContentRules, TCPResponseContentRules} {
		set := set
		register(SecProxy, set.Keyword(), func(p *parser, args []string) error {
			return p.tcpRule(set, args)
		})
	}
	register(SecProxy, "tcp-request inspect-delay", func(p *parser, args []string) error {
		return p.inspectDelay("tcp-request", &p.cur.TCP.InspectDelay, args)
	})
	register(SecProxy, "tcp-response inspect-delay", func(p *parser, args []string) error {
		if p.cur.Cap&(CapBE|CapDef) == 0 || p.cur.Cap == CapDef && p.cur.Name == "" {
			return fmt.Errorf("tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name")
		}
		return p.inspectDelay("tcp-response", &p.cur.TCP.ResponseInspectDelay, args)
	})
	for _, kw := range []string{"tcp-request", "tcp-response"} {
		kw := kw
		delete(notYet, kw)
		// What the two-word keywords above do not catch.
		register(SecProxy, kw, func(p *parser, args []string) error {
			px := p.cur
			if len(args) == 0 {
				return fmt.Errorf("missing argument for '%s' in %s '%s'", kw, px.Cap.Kind(), px.Name)
			}
			if kw == "tcp-response" {
				return fmt.Errorf("'%s' expects 'inspect-delay' or 'content' in %s '%s' (got '%s')", kw, px.Cap.Kind(), px.Name, args[0])
			}
			return fmt.Errorf("'%s' expects 'inspect-delay', 'connection', 'session' or 'content' in %s '%s' (got '%s')", kw, px.Cap.Kind(), px.Name, args[0])
		})
	}
}

func noArgs(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	return 0, nil
}

func (p *parser) inspectDelay(kw string, dst *time.Duration, args []string) error {
	px := p.cur
	if px.Cap == CapDef && px.Name == "" {
		return fmt.Errorf("%s inspect-delay is not allowed in anonymous 'defaults' sections", kw)
	}
	if len(args) != 1 {
		return fmt.Errorf("'%s inspect-delay' expects a positive delay in milliseconds, in %s '%s'", kw, px.Cap.Kind(), px.Name)
	}
	d, err := ParseDuration(args[0])
	if err != nil {
		return fmt.Errorf("'%s inspect-delay' expects a positive delay in milliseconds, in %s '%s' (%v)", kw, px.Cap.Kind(), px.Name, err)
	}
	if *dst != 0 {
		p.warnf("ignoring %s inspect-delay (was already defined) in %s '%s'", kw, px.Cap.Kind(), px.Name)
		return nil
	}
	*dst = d
	return nil
}

// tcpRule parses a `tcp-request connection|session|content` or
// `tcp-response content` line: the action, its arguments and the
// condition.
func (p *parser) tcpRule(set RuleSet, args []string) error {
	px := p.cur
	kw := set.Keyword()
	switch {
	case px.Cap == CapDef && px.Name == "":
		return fmt.Errorf("%s is not allowed in anonymous 'defaults' sections", kw)
	case (set == TCPRequestConnectionRules || set == TCPRequestSessionRules) && px.Cap&(CapFE|CapDef) == 0:
		return fmt.Errorf("%s is not allowed because %s %s is not a frontend", kw, px.Cap.Kind(), px.Name)
	case set == TCPResponseContentRules && px.Cap&(CapBE|CapDef) == 0:
		return fmt.Errorf("%s is only allowed in 'backend' sections or 'defaults' section with a name", kw)
	}
	if len(args) == 0 {
		return fmt.Errorf("missing argument for '%s' in %s '%s'", kw, px.Cap.Kind(), px.Name)
	}
	name, _, paren := strings.Cut(args[0], "(")
	if !paren {
		name = args[0]
	}
	def := LookupAction(set, name)
	if def != nil && parenActions[name] && !paren && strings.Contains(name, "-var") {
		return fmt.Errorf("'%s': invalid or incomplete action '%s'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'", kw, args[0])
	}
	if def == nil || paren && !parenActions[name] {
		for _, n := range tcpNotYet {
			if n == name {
				return fmt.Errorf("'%s %s' is not supported yet by switchyard", kw, name)
			}
		}
		var names []string
		for _, d := range Actions(set) {
			names = append(names, "'"+d.Name+"'")
		}
		return fmt.Errorf("'%s' expects %s in %s '%s' (got '%s')", kw, strings.Join(names, ", "), px.Cap.Kind(), px.Name, args[0])
	}
	if !parenActions[name] && !strings.HasSuffix(def.Name, ".") {
		args = args[1:]
	}
	if err := p.addRule(set, def, args); err != nil {
		return err
	}
	list := px.ruleList(set)
	r := (*list)[len(*list)-1]
	if r.Cond != nil {
		if err := r.Cond.Check(tcpAvail(set, px), tcpPlace(set, px)); err != nil {
			msg := strings.Replace(err.Error(), " will never match because", " will never match in '"+kw+"' because", 1)
			p.warnf("%s", msg)
		}
	}
	return nil
}

// parseTCPVar parses set-var(name[,cond...]) EXPR, set-var-fmt(name) FMT
// and unset-var(name); args[0] is the action word itself.
func parseTCPVar(c *RuleContext, r *HTTPRule, args []string) (int, error) {
	word := args[0]
	a, err := sample.ParseVarAction(word)
	if err != nil {
		return 0, err
	}
	c.Env().DeclareVar(a.Ref)
	op := &VarOp{Ref: a.Ref, Unset: a.Unset(), Conds: a.Conds}
	r.Args = op
	avail := tcpAvail(c.Set, c.Proxy())
	switch a.Kind {
	case "unset-var":
		return 1, nil
	case "set-var-fmt":
		// haproxy takes a missing format as an empty one.
		fs := ""
		if len(args) > 1 {
			fs = args[1]
		}
		f, err := logformat.ParseOptions(fs, logformat.Options{Flags: logformat.HTTPValue,
			HTTPMode: c.Proxy().Mode == ModeHTTP, Avail: avail, Env: c.Env()})
		if err != nil {
			return 0, fmt.Errorf("'%s': %v", word, err)
		}
		op.Fmt = f
		return min(2, len(args)), nil
	}
	if len(args) < 2 {
		return 0, fmt.Errorf("'%s' expects a sample expression", word)
	}
	e, n, err := sample.ParseExprWords(c.Env(), args[1:])
	if err != nil {
		return 0, fmt.Errorf("'%s': %v", word, err)
	}
	if err := e.Check(avail); err != nil {
		return 0, fmt.Errorf("'%s': %v", word, err)
	}
	op.Expr = e
	return 1 + n, nil
}

type acceptProxyKey struct{}

// AcceptProxy says whether a bind line has accept-proxy: its connections
// start with a PROXY protocol header.
func AcceptProxy(b *Bind) bool { return b.Ext[acceptProxyKey{}] == true }

func init() {
	RegisterBindOption("accept-proxy", 0, func(c *Context, b *Bind, args []string) error {
		b.Ext.Set(acceptProxyKey{}, true)
		return nil
	})
}
