package proxy

import (
	"switchyard/config"
	"switchyard/sample"
)

// The capture and set-log-level actions: what the transaction's log line
// says, and at which level it is sent.

func init() {
	capture := func(r *config.HTTPRule) ruleFunc {
		a := r.Args.(*config.CaptureAction)
		return func(s *httpStream) (ruleVerdict, bool) {
			fl := s.fe.log
			if fl == nil {
				return ruleContinue, false
			}
			slots := s.t.lg.reqCaps
			if a.Response {
				slots = s.t.lg.resCaps
			}
			mark := len(s.ctx.Scratch)
			if v, ok := a.Expr.Eval(&s.ctx); ok {
				var text []byte
				if v.Kind == sample.KindStr || v.Kind == sample.KindBin {
					text = v.Str
				} else {
					s.ctx.Scratch = v.AppendText(s.ctx.Scratch)
					text = s.ctx.Scratch[mark:]
				}
				s.setCapture(slots, a.Slot, text, a.Len)
			}
			s.ctx.Scratch = s.ctx.Scratch[:mark]
			return ruleContinue, false
		}
	}
	compileAction(config.HTTPRequestRules, "capture", capture)
	compileAction(config.HTTPResponseRules, "capture", capture)
	compileAction(config.HTTPAfterResponseRules, "capture", capture)
	logLevel := func(r *config.HTTPRule) ruleFunc {
		a := r.Args.(*config.LogLevelAction)
		level := a.Level + 1
		if a.Silent {
			level = -1
		}
		return func(s *httpStream) (ruleVerdict, bool) {
			s.t.lg.level = level
			return ruleContinue, false
		}
	}
	for _, set := range []config.RuleSet{config.HTTPRequestRules, config.HTTPResponseRules, config.HTTPAfterResponseRules} {
		compileAction(set, "set-log-level", logLevel)
	}
}
