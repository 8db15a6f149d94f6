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

// capturer is a stream that keeps request captures: an HTTP stream, or a
// logged TCP stream.
type capturer interface {
	captureRequest(slot int, v []byte, n int)
	capturedRequest(slot int) ([]byte, bool)
}

func (s *httpStream) captureRequest(slot int, v []byte, n int) {
	if s.t != nil {
		s.setCapture(s.t.lg.reqCaps, slot, v, n)
	}
}

func (s *httpStream) capturedRequest(slot int) ([]byte, bool) {
	if s.t == nil || slot < 0 || slot >= len(s.t.lg.reqCaps) || s.t.lg.reqCaps[slot] == nil {
		return nil, false
	}
	return s.t.lg.reqCaps[slot], true
}

func (l *tcpLog) captureRequest(slot int, v []byte, n int) {
	if slot < len(l.rec.ReqCaptures) {
		l.rec.ReqCaptures[slot] = append([]byte(nil), v[:min(len(v), n)]...)
	}
}

func (l *tcpLog) capturedRequest(slot int) ([]byte, bool) {
	if slot < 0 || slot >= len(l.rec.ReqCaptures) || l.rec.ReqCaptures[slot] == nil {
		return nil, false
	}
	return l.rec.ReqCaptures[slot], true
}

func init() {
	compileTCPAction("capture", []config.RuleSet{config.TCPRequestContentRules}, func(rule *config.HTTPRule) tcpRuleFunc {
		a := rule.Args.(*config.CaptureAction)
		return func(r *tcpRun) tcpVerdict {
			c, ok := r.ctx.Owner.(capturer)
			if !ok {
				return tcpContinue
			}
			mark := len(r.ctx.Scratch)
			if v, ok := a.Expr.Eval(r.ctx); ok {
				text := v.Str
				if v.Kind != sample.KindStr && v.Kind != sample.KindBin {
					r.ctx.Scratch = v.AppendText(r.ctx.Scratch)
					text = r.ctx.Scratch[mark:]
				}
				c.captureRequest(a.Slot, text, a.Len)
			}
			r.ctx.Scratch = r.ctx.Scratch[:mark]
			return tcpContinue
		}
	})
}
