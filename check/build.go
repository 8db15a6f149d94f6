package check

import "fmt"

// Ruleset is a compiled check: what Run does against one server. It is
// immutable and safe for concurrent use (all servers of a backend share
// their backend's).
type Ruleset struct {
	proto      proto
	rules      []*rule
	disable404 bool
	sendState  bool
}

// DisableOn404 says whether `http-check disable-on-404` is on: a 404 from
// a server that is up passes conditionally (StatusL7OKCond, NOLB).
func (rs *Ruleset) DisableOn404() bool { return rs.disable404 }

// SendsState says whether `http-check send-state` is on: the caller must
// fill Target.State for each check.
func (rs *Ruleset) SendsState() bool { return rs.sendState }

// l4Rules is the check of a backend without any check option: connect.
var l4Rules = []*rule{{act: actConnect, connect: connectRule{def: true, implicit: true}}}

// Build compiles the rules the section configured. A nil Config, or one
// without any check option, gives the plain connect check (L4OK). httpMode
// is the backend's mode; haproxy's checks behave the same in both modes,
// so it only documents the caller's context.
func (c *Config) Build(httpMode bool) (*Ruleset, error) {
	_ = httpMode
	if c == nil || !c.enabled {
		return &Ruleset{proto: protoNone, rules: l4Rules}, nil
	}
	rs := &Ruleset{proto: c.proto, disable404: c.disable404, sendState: c.sendState}
	var rules []*rule
	switch c.list {
	case listHTTP:
		rules = cloneRules(c.httpRules)
	case listTCP:
		rules = cloneRules(c.tcpRules)
	case listInherited:
		rules = cloneRules(c.inherited)
	case listBuiltin:
		rules = builtinRules(c.proto, c.vars)
	default:
		return nil, fmt.Errorf("tcp-check configured but no ruleset defined")
	}
	if c.proto == protoHTTP {
		var err error
		if rules, err = finishHTTP(rules); err != nil {
			return nil, err
		}
	}
	rs.rules = finishRules(rules)
	return rs, nil
}

// finishHTTP completes an HTTP rule list as haproxy does once the section
// is parsed: the request of `option httpchk` goes after a first connect,
// and a list ending with a request gets the implicit "expect status
// 200-399".
func finishHTTP(rules []*rule) ([]*rule, error) {
	if i := firstRule(rules); i >= 0 && rules[i].isOptSend() {
		if n := nextRule(rules, i); n >= 0 && rules[n].act == actConnect {
			send := rules[i]
			out := make([]*rule, 0, len(rules))
			out = append(out, rules[:i]...)
			out = append(out, rules[i+1:n+1]...)
			out = append(out, send)
			out = append(out, rules[n+1:]...)
			send.index = rules[n].index + 1
			rules = out
		}
	}
	if i := lastRule(rules); i >= 0 && rules[i].act == actSend {
		r, err := parseExpect([]string{"expect", "status", "200-399"}, true, nil)
		if err != nil {
			return nil, fmt.Errorf("unable to add implicit http-check expect rule (%v)", err)
		}
		r.index = rules[i].index + 1
		rules = append(rules, r)
	}
	return rules, nil
}

// finishRules adds the implicit first connect, moves comments onto the
// rules they describe, and links expects to the rule they resume from.
func finishRules(rules []*rule) []*rule {
	if i := firstRule(rules); i < 0 || rules[i].act != actConnect {
		c := &rule{act: actConnect, connect: connectRule{def: true, implicit: true}}
		rules = append([]*rule{c}, rules...)
	}
	// A comment describes the rule after it, and the following ones of
	// the same action (a comment before two expects names both), but a
	// connect or a variable action ends it.
	out := make([]*rule, 0, len(rules))
	comment := ""
	prev := actComment
	for _, r := range rules {
		if r.act != prev && prev != actComment {
			comment = ""
		}
		prev = r.act
		switch r.act {
		case actComment:
			comment = r.comment
			continue
		case actConnect:
			if r.comment == "" {
				r.comment = comment
			}
			comment = ""
		case actVar:
			comment = ""
		default:
			if r.comment == "" {
				r.comment = comment
			}
		}
		out = append(out, r)
	}
	// An expect resumes from the first inverted expect of the run of
	// expects it ends; variable actions between them do not break the
	// run (they run again on resuming, as in haproxy).
	for i, r := range out {
		if r.act != actExpect {
			continue
		}
		r.expect.head = i
		for j := i - 1; j >= 0 && (out[j].act == actExpect || out[j].act == actVar); j-- {
			if out[j].act == actExpect && out[j].expect.inverse {
				r.expect.head = j
			}
		}
	}
	return out
}
