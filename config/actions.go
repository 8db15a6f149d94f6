package config

import (
	"fmt"
	"sort"
	"strings"

	"switchyard/logformat"
	"switchyard/sample"
)

// RuleSet names a list of rules that actions appear in. Each is evaluated
// at its own point of a stream, in haproxy's order: tcp-request connection,
// session and content, http-request, then, once the server answered,
// tcp-response content, http-response and http-after-response.
type RuleSet uint8

const (
	HTTPRequestRules RuleSet = 1 << iota
	HTTPResponseRules
	HTTPAfterResponseRules
	TCPRequestConnectionRules
	TCPRequestSessionRules
	TCPRequestContentRules
	TCPResponseContentRules
)

// ruleSets lists the rule sets with the keyword that starts their lines
// and the sections they are allowed in. A set without a rule list in the
// model yet (see Proxy.ruleList) has no row: its actions cannot be
// registered until it does.
var ruleSets = []struct {
	set     RuleSet
	keyword string
	where   Section
}{
	// The http sets are allowed in named defaults sections too: a proxy
	// using one runs its rules first (they are the head of its lists).
	{HTTPRequestRules, "http-request", SecDefaults | SecFrontend | SecBackend},
	{HTTPResponseRules, "http-response", SecDefaults | SecFrontend | SecBackend},
	{HTTPAfterResponseRules, "http-after-response", SecDefaults | SecFrontend | SecBackend},
	// The tcp sets' keywords are two words: their lines are dispatched by
	// one keyword each, in kw_tcp.go, which looks the action up here.
	{TCPRequestConnectionRules, "tcp-request connection", SecDefaults | SecFrontend | SecBackend},
	{TCPRequestSessionRules, "tcp-request session", SecDefaults | SecFrontend | SecBackend},
	{TCPRequestContentRules, "tcp-request content", SecDefaults | SecFrontend | SecBackend},
	{TCPResponseContentRules, "tcp-response content", SecDefaults | SecFrontend | SecBackend},
}

// Keyword is the word that starts the lines of the rule set.
func (s RuleSet) Keyword() string {
	for _, r := range ruleSets {
		if r.set == s {
			return r.keyword
		}
	}
	return fmt.Sprintf("RuleSet(%d)", uint8(s))
}

// ActionDef is one action keyword of the rule sets: where it is valid,
// whether it ends the evaluation of its rule set, and how it parses. The
// package that implements an action registers it (RegisterAction); the
// data plane compiles each rule into a function once, at load.
type ActionDef struct {
	Name  string
	Where RuleSet
	// Final says that the action, when it runs, ends the evaluation of
	// its rule set (allow, deny, return…): a rule after an unconditional
	// final one can never run. set-header, set-var… are not final.
	Final bool
	// Parse reads the action's arguments into r and returns how many it
	// took; what follows must be the rule's condition (if/unless …) or
	// nothing. The caller parses the condition.
	Parse func(c *RuleContext, r *HTTPRule, args []string) (int, error)
	// Prefix says that the action's arguments start in its own word, as
	// haproxy's set-var(txn.x): Parse then gets that whole word as
	// args[0] (and counts it).
	Prefix bool
}

// RuleContext is what an action's parser may use of the configuration
// being read.
type RuleContext struct {
	*Context
	// Set is the rule set of the line (an action valid in several may
	// differ: deny answers 403 to a request, 502 for a response).
	Set RuleSet
}

// ParseFormat compiles a log-format string that a rule puts into an HTTP
// message (return's lf-string and hdr, set-header…): its %[...] may read
// what exists where the rule set runs, as haproxy checks it (the request's
// head is gone once the response comes).
func (c *RuleContext) ParseFormat(s string) (*logformat.Format, error) {
	return logformat.ParseOptions(s, logformat.Options{Flags: logformat.HTTPValue, HTTPMode: true, Avail: c.avail(), Env: c.p.samples})
}

// avail is what the sample fetches of a rule of the set may read.
func (c *RuleContext) avail() sample.Source {
	if c.Set == HTTPResponseRules || c.Set == HTTPAfterResponseRules {
		return sample.SrcL4 | sample.SrcL6Res | sample.SrcHTTPRes | sample.SrcHTTPReqInfo | sample.SrcBackend | sample.SrcServer
	}
	return sample.SrcL4 | sample.SrcL6Req | sample.SrcHTTPReq | backendSide(c.Proxy())
}

// backendSide is SrcBackend for the rules of a proxy with a backend side
// (the backend is known there), nothing for a frontend's.
func backendSide(px *Proxy) sample.Source {
	if px != nil && px.Cap&(CapBE|CapDef) != 0 {
		return sample.SrcBackend
	}
	return 0
}

// actions maps "http-request deny" and the like to their definition.
var actions = map[string]*ActionDef{}

// RegisterAction adds an action to the rule sets named by def.Where: each
// becomes the keyword "<set keyword> <name>" of the sections where the set
// is allowed. Registering a name twice, or for a set that has no rule list
// yet, is a programming error.
func RegisterAction(def *ActionDef) {
	left := def.Where
	for _, rs := range ruleSets {
		if def.Where&rs.set == 0 {
			continue
		}
		left &^= rs.set
		name := rs.keyword + " " + def.Name
		if actions[name] != nil {
			panic("config: action registered twice: " + name)
		}
		actions[name] = def
		set := rs.set
		if strings.Contains(rs.keyword, " ") {
			continue // dispatched by the set's keyword (kw_tcp.go)
		}
		kw := register(rs.where, name, func(p *parser, args []string) error {
			return p.addRule(set, def, args)
		})
		kw.prefix = def.Prefix
	}
	if left != 0 {
		panic(fmt.Sprintf("config: action %s registered for rule sets without a rule list (%#x)", def.Name, uint8(left)))
	}
}

// LookupAction returns the definition of an action of a rule set, or nil.
func LookupAction(set RuleSet, name string) *ActionDef {
	if def := actions[set.Keyword()+" "+name]; def != nil {
		return def
	}
	// lua.NAME: the action registered for the prefix, which gets the
	// whole word (Prefix).
	if i := strings.IndexByte(name, '.'); i > 0 {
		if def := actions[set.Keyword()+" "+name[:i+1]]; def != nil && def.Prefix {
			return def
		}
	}
	return nil
}

// Actions lists the actions of a rule set, by name.
func Actions(set RuleSet) []*ActionDef {
	prefix := set.Keyword() + " "
	var out []*ActionDef
	for name, def := range actions {
		if strings.HasPrefix(name, prefix) {
			out = append(out, def)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// addRule parses one rule line: the action's arguments, then the
// condition, and appends the rule to the current proxy's list for set.
func (p *parser) addRule(set RuleSet, def *ActionDef, args []string) error {
	if p.cur.Cap == CapDef && p.cur.Name == "" {
		return fmt.Errorf("'%s' not allowed in anonymous 'defaults' section.", set.Keyword())
	}
	r := &HTTPRule{Pos: p.pos(), Def: def, Set: set}
	n, err := def.Parse(&RuleContext{Context: &Context{p}, Set: set}, r, args)
	if err != nil {
		return err
	}
	if rest := args[n:]; len(rest) > 0 {
		c, err := p.cond(rest)
		if err != nil {
			return err
		}
		r.Cond = c
	}
	if set == HTTPRequestRules {
		warnMisplaced(p, "http-request", true)
	}
	list := p.cur.ruleList(set)
	*list = append(*list, r)
	return nil
}

// ruleList is the proxy's list of rules of a set.
func (px *Proxy) ruleList(set RuleSet) *[]*HTTPRule {
	switch set {
	case HTTPRequestRules:
		return &px.HTTPRequest
	case HTTPResponseRules:
		return &px.HTTPResponse
	case HTTPAfterResponseRules:
		return &px.HTTPAfterResponse
	case TCPRequestConnectionRules, TCPRequestSessionRules, TCPRequestContentRules, TCPResponseContentRules:
		return px.tcpRuleList(set)
	}
	panic("config: no rule list for " + set.Keyword())
}
