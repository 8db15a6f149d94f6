package proxy

import (
	"bytes"
	"time"

	"switchyard/config"
	"switchyard/http1"
)

// http-request actions of the connection and error half of issue 6: auth.

func init() {
	compileAction(config.HTTPRequestRules, "auth", func(r *config.HTTPRule) ruleFunc {
		realm := r.Args.(*config.AuthArgs).Realm
		return func(s *httpStream) (ruleVerdict, bool) { return ruleAnswered, s.authReply(realm) }
	})
}

// authReply answers 401 with the proxy's 401 message and a
// WWW-Authenticate field naming the realm (by default the name of the
// proxy whose rule it is), as haproxy's http-request auth.
func (s *httpStream) authReply(realm string) bool {
	r := s.fe.errors.reply(401)
	be := s.t.be
	if be != nil {
		if br, ok := be.errors.custom[401]; ok {
			r = br
		}
	}
	if realm == "" {
		realm = s.fe.Name
		if be != nil && be.cfg != s.fe.cfg {
			realm = be.Name
		}
	}
	mustClose := s.t.closeAfter || s.t.req.Close || s.ending() || !s.bodyDone()
	var out http1.Out
	s.t.out, out = r.AppendTo(s.t.out[:0], s.respMode(), mustClose, &s.t.req)
	if end := bytes.Index(s.t.out, []byte("\r\n\r\n")); end >= 0 {
		field := "www-authenticate: Basic realm=\"" + realm + "\"\r\n"
		// After the message's fields, before the connection field that
		// the sending adds, as haproxy's mux does.
		at := end + 2
		if last := bytes.LastIndex(s.t.out[:end], []byte("\r\n")) + 2; last > 1 &&
			len(s.t.out)-last > 11 && bytes.EqualFold(s.t.out[last:last+11], []byte("connection:")) {
			at = last
		}
		s.t.out = append(s.t.out[:at], append([]byte(field), s.t.out[at:]...)...)
	}
	s.t.lg.rec.Status = 401
	s.term('P', 'R')
	s.t.out = s.afterReply(s.t.out, be, mustClose) // as every reply of the proxy's
	s.countHead(s.t.out)
	return s.writeRaw(s.t.out) && !out.Close && !mustClose
}

func init() {
	compileAction(config.HTTPRequestRules, "tarpit", func(r *config.HTTPRule) ruleFunc {
		return func(s *httpStream) (ruleVerdict, bool) {
			px := s.fe.cfg
			if s.t.be != nil {
				px = s.t.be.cfg
			}
			if d := config.TarpitDelay(px); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-s.rt.stopCh:
					t.Stop()
				}
			}
			s.tarpitted()
			return ruleAnswered, s.answer(r)
		}
	})
}
