package config

import (
	"fmt"
	"strings"

	"switchyard/sample"
	"switchyard/stick"
)

// Persistence by stick table: `stick on`, `stick match`, `stick
// store-request` (or `stick store`) and `stick store-response`, with
// haproxy's checks and messages; the `non-stick` server option.

// StickRule is one stick line of a backend.
type StickRule struct {
	Pos   Pos
	Match bool // looks the key up and sends the request to the stored server
	Store bool // stores the server the request went to under the key
	// OnResponse: store-response, the key is read from the response.
	OnResponse bool
	Expr       *sample.Expr
	Table      string // as written; see TableName
	// Named: the line has a table argument, even an empty one, which
	// names no table (haproxy takes the missing word as "").
	Named bool
	Cond  *sample.Cond
}

// StickRules are a backend's stick lines: request rules (on, match,
// store-request) and store-response rules, each in declaration order.
type StickRules struct {
	Request  []*StickRule
	Response []*StickRule
}

type stickRulesKey struct{}

// Stick returns the backend's stick rules, nil when it has none.
func Stick(px *Proxy) *StickRules {
	r, _ := px.Ext[stickRulesKey{}].(*StickRules)
	return r
}

// TableName is the table a rule of px uses: the one it names, or px's.
func (r *StickRule) TableName(px *Proxy) string {
	if r.Named {
		return r.Table
	}
	return px.Name
}

// What each kind of rule may read, as haproxy's SMP_VAL_BE_SET_SRV and
// SMP_VAL_BE_STO_RUL allow: the request when choosing the server, the
// response (and what stays of the request) when storing after it.
const (
	stickReqAvail = sample.SrcL4 | sample.SrcL6Req | sample.SrcHTTPReq | sample.SrcBackend
	stickResAvail = sample.SrcL4 | sample.SrcL6Res | sample.SrcHTTPRes | sample.SrcHTTPReqInfo | sample.SrcBackend | sample.SrcServer
)

func init() {
	register(SecFrontend|SecBackend, "stick", parseStick)
	RegisterServerOption("non-stick", 0, func(_ *Context, o *ServerOpts, _ []string) error {
		o.Ext.Set(nonStickKey{}, true)
		return nil
	})
	RegisterServerOption("stick", 0, func(_ *Context, o *ServerOpts, _ []string) error {
		o.Ext.Set(nonStickKey{}, false) // undoes a default-server's non-stick
		return nil
	})
}

type nonStickKey struct{}

// NonStick says whether a server's connections are never stored in stick
// tables (the `non-stick` server option).
func NonStick(s *Server) bool {
	v, _ := s.Ext[nonStickKey{}].(bool)
	return v
}

func parseStick(p *parser, args []string) error {
	px := p.cur
	if px.Cap&CapBE == 0 {
		// haproxy reads no further in a frontend, so nothing after the
		// keyword is an error there (which actsOn would not give).
		p.warnf(ignoredWarning, "stick", px.Cap.Kind(), px.Name, CapBE.Kind())
		return nil
	}
	r := &StickRule{Pos: p.pos()}
	if len(args) == 0 {
		return fmt.Errorf("expects 'on', 'match', or 'store'.")
	}
	switch args[0] {
	case "store", "store-request":
		r.Store = true
	case "store-response":
		r.Store, r.OnResponse = true, true
	case "match":
		r.Match = true
	case "on":
		r.Match, r.Store = true, true
	default:
		return fmt.Errorf("expects 'on', 'match', or 'store'.")
	}
	args = args[1:]
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("expects a fetch method.")
	}
	expr, n, err := sample.ParseExprWords(p.samples, args)
	if err != nil {
		return err
	}
	avail, when := stickReqAvail, "during request"
	if r.OnResponse {
		avail, when = stickResAvail, "for 'store-response'"
	}
	if expr.Check(avail) != nil {
		return fmt.Errorf("fetch method '%s' extracts information from '%s', none of which is available %s.",
			fetchName(expr), missingSource(expr, avail), when)
	}
	r.Expr = expr
	args = args[n:]
	if len(args) > 0 && args[0] == "table" {
		r.Named = true
		if len(args) > 1 {
			r.Table = args[1]
			args = args[2:]
		} else {
			args = nil
		}
	}
	if len(args) > 0 && (args[0] == "if" || args[0] == "unless") {
		if len(args) == 1 {
			// haproxy accepts an empty condition: if never holds,
			// unless always does.
			args = append(args, "FALSE")
		}
		c, err := p.cond(args)
		if err != nil {
			return fmt.Errorf("error detected while parsing sticking condition : %v.", err)
		}
		where := "backend use-server, balance or stick-match rule"
		if r.OnResponse {
			where = "backend stick-store rule"
		}
		if err := c.Check(avail, where); err != nil {
			p.warnf("%v", err)
		}
		r.Cond = c
	} else if len(args) > 0 {
		return fmt.Errorf("unknown keyword '%s'.", args[0])
	}
	rules := Stick(px)
	if rules == nil {
		rules = &StickRules{}
		px.Ext.Set(stickRulesKey{}, rules)
	}
	if r.OnResponse {
		rules.Response = append(rules.Response, r)
	} else {
		rules.Request = append(rules.Request, r)
	}
	(&Context{p}).Later(func(cfg *Config) error { return checkStickTable(cfg, px, r) })
	return nil
}

// checkStickTable finds the table of a rule once every section is read,
// checks that the rule's key converts to its keys, and makes the table
// store the server (server_id, server_key), as haproxy does for every
// table a stick rule uses.
func checkStickTable(cfg *Config, px *Proxy, r *StickRule) error {
	name := r.TableName(px)
	s := cfg.Table(name)
	if s == nil {
		what := "stick-table"
		if r.OnResponse {
			what = "store table"
		}
		return fmt.Errorf("Proxy '%s': unable to find %s '%s'.", px.Name, what, name)
	}
	if !keyCompatible(r.Expr, s) {
		return fmt.Errorf("Proxy '%s': type of fetch not usable with type of stick-table '%s'.", px.Name, name)
	}
	for _, d := range []stick.DataType{stick.DTServerID, stick.DTServerKey} {
		if _, err := s.AddStore(stick.Store{Type: d, Elems: 1}); err != nil {
			return err
		}
	}
	return nil
}

// fetchName is the fetch keyword of an expression, as haproxy names it in
// its messages.
func fetchName(e *sample.Expr) string {
	t := e.String()
	if i := strings.IndexAny(t, "(, "); i >= 0 {
		t = t[:i]
	}
	return t
}

// missingSource names what an expression reads that avail lacks.
func missingSource(e *sample.Expr, avail sample.Source) string {
	for _, b := range []sample.Source{sample.SrcL4, sample.SrcHTTPReq, sample.SrcHTTPRes, sample.SrcHTTPMsg,
		sample.SrcHTTPReqInfo, sample.SrcBackend, sample.SrcServer, sample.SrcL6Req, sample.SrcL6Res} {
		if avail&b == 0 && e.Check(avail|b) == nil {
			return b.String()
		}
	}
	return "nothing"
}
