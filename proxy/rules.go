package proxy

import (
	"fmt"

	"switchyard/config"
	"switchyard/http1"
	"switchyard/sample"
)

// appendRuleResponse builds the response of a return or a deny with a
// payload: the rule's formats are rendered here, the layout is the codec's
// (http1.AppendReplyHead, AppendReplyTail). scratch holds a log-format
// body while its length is not yet known.
func appendRuleResponse(dst []byte, scratch *[]byte, r *config.HTTPRule, ctx *sample.Ctx, req *http1.Request, close bool) []byte {
	body := r.Body
	if r.BodyFormat != nil {
		*scratch = r.BodyFormat.Append((*scratch)[:0], ctx, nil)
		body = *scratch
	}
	dst = http1.AppendReplyHead(dst, r.Status)
	for _, h := range r.Headers {
		n := len(dst)
		dst = http1.AppendReplyFieldName(dst, h.Name)
		v := len(dst)
		if dst = h.Value.Append(dst, ctx, nil); len(dst) == v {
			dst = dst[:n] // haproxy leaves out a field whose value is empty
			continue
		}
		dst = append(dst, "\r\n"...)
	}
	ctype := r.ContentType
	if len(body) == 0 {
		ctype = "" // and the content type of an empty body
	}
	return http1.AppendReplyTail(dst, body, ctype, close, req)
}

// ruleVerdict is what an action tells the evaluation of its rule set.
type ruleVerdict uint8

const (
	ruleContinue ruleVerdict = iota // on to the next rule
	ruleStop                        // no more rules of this set (allow)
	ruleAnswered                    // the proxy answered the request itself
)

// ruleFunc runs an action on a stream; keep says, when it answered, whether
// the client connection goes on.
type ruleFunc func(s *httpStream) (v ruleVerdict, keep bool)

// compiledRule is a rule ready to run: its condition and its action.
type compiledRule struct {
	cond *sample.Cond
	run  ruleFunc
	pos  *sample.RulePos // where the rule was written; nil for `redirect` lines
	// instant: the action never waits (compileInstantAction), so the
	// stick clock read for the list stays valid after it.
	instant bool
}

// ended records r as the last rule that ended its set (last_rule_file).
func (r *compiledRule) ended(ctx *sample.Ctx) {
	if r.pos != nil {
		ctx.LastRule = r.pos
	}
}

// actionCompilers turn a rule of each action into its function, once, at
// load: the hot path runs functions, it does not switch over actions.
var actionCompilers = map[*config.ActionDef]actionCompiler{}

type actionCompiler struct {
	compile func(r *config.HTTPRule) ruleFunc
	// instant: the action never waits, so the stick clock read for the
	// rule list stays valid after it (stickClock).
	instant bool
}

// compileAction registers the compiler of an action of a rule set.
func compileAction(set config.RuleSet, name string, compile func(r *config.HTTPRule) ruleFunc) {
	registerAction(set, name, actionCompiler{compile: compile})
}

// compileInstantAction registers an action that never waits (stickClock).
func compileInstantAction(set config.RuleSet, name string, compile func(r *config.HTTPRule) ruleFunc) {
	registerAction(set, name, actionCompiler{compile: compile, instant: true})
}

func registerAction(set config.RuleSet, name string, c actionCompiler) {
	def := config.LookupAction(set, name)
	if def == nil {
		panic("proxy: no action " + set.Keyword() + " " + name)
	}
	actionCompilers[def] = c
}

func init() {
	compileAction(config.HTTPRequestRules, "allow", func(*config.HTTPRule) ruleFunc {
		return func(*httpStream) (ruleVerdict, bool) { return ruleStop, false }
	})
	answer := func(r *config.HTTPRule) ruleFunc {
		if r.Set == config.HTTPResponseRules {
			// haproxy drops the server's response before it builds the
			// reply: the reply's formats find no response to read.
			return func(s *httpStream) (ruleVerdict, bool) {
				s.ctx.Resp = nil
				return ruleAnswered, s.answer(r)
			}
		}
		return func(s *httpStream) (ruleVerdict, bool) { return ruleAnswered, s.answer(r) }
	}
	compileAction(config.HTTPRequestRules, "deny", answer)
	// reject closes the connection unanswered, with a reset, counted as a
	// denied request and logged as the proxy's refusal (PR).
	compileAction(config.HTTPRequestRules, "reject", func(*config.HTTPRule) ruleFunc {
		return func(s *httpStream) (ruleVerdict, bool) {
			s.rejectedByContent(s.t.be)
			resetOnClose(s.cl.Conn)
			return ruleAnswered, false
		}
	})
	compileAction(config.HTTPRequestRules, "return", answer)
}

// compileRules turns a proxy's rules into functions.
func compileRules(px *config.Proxy, rules []*config.HTTPRule) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		c, ok := actionCompilers[r.Def]
		if !ok {
			return nil, fmt.Errorf("%s:%d: %s '%s': action '%s' has no implementation in the data plane",
				r.Pos.File, r.Pos.Line, px.Cap.Kind(), px.Name, r.Def.Name)
		}
		out = append(out, compiledRule{cond: r.Cond, run: c.compile(r), pos: &sample.RulePos{File: r.Pos.File, Line: r.Pos.Line},
			instant: c.instant})
	}
	return out, nil
}
