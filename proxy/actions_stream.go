package proxy

import (
	"net/netip"
	"strings"
	"time"

	"switchyard/config"
	"switchyard/sample"
)

// The stream actions: set-src, set-src-port, set-dst, set-dst-port (in
// http-request and the tcp-request sets), set-timeout and early-hint.
//
// Where an address change lasts follows haproxy 2.6, whose connection,
// session and stream each hold the addresses: tcp-request connection and
// session rules change the connection's (every request on it sees the new
// ones), tcp-request content and http-request rules the stream's, which in
// mode http is one request: the next request starts from the connection's.

// streamTxn is what the stream actions changed for the transaction in
// progress on an HTTP connection; end undoes it when the transaction ends.
type streamTxn struct {
	saved    bool           // src and dst hold the connection's addresses
	src, dst netip.AddrPort // restored at the end of the transaction
	// server and tunnel are set-timeout's (0: the backend's own).
	server, tunnel time.Duration
	hinting        bool // an early-hint response is being built in s.t.out
	tunneling      bool // the connection was upgraded: a tunnel now
}

// keepAddrs saves the connection's addresses before the transaction's
// first change of them.
func (x *streamTxn) keepAddrs(c *sample.Ctx) {
	if !x.saved {
		x.saved, x.src, x.dst = true, c.Src, c.Dst
	}
}

// end gives the next transaction the connection's addresses back and
// forgets this one's timeouts.
func (x *streamTxn) end(c *sample.Ctx) {
	if x.saved {
		c.Src, c.Dst = x.src, x.dst
	}
	*x = streamTxn{}
}

// serverTimeout is the transaction's timeout server: set-timeout's, or the
// backend's.
func (x *streamTxn) serverTimeout(be *Backend) time.Duration {
	if x.server != 0 {
		return x.server
	}
	return be.cfg.Timeouts.Server
}

// tunnelTimeout is the transaction's timeout tunnel (0: none).
func (x *streamTxn) tunnelTimeout(be *Backend) time.Duration {
	if x.tunnel != 0 {
		return x.tunnel
	}
	return be.cfg.Timeouts.Tunnel
}

// applyAddr sets the address or the port of c's source or destination to
// the value of a's expression, as haproxy does: a new address keeps the
// port (0 if there was no IP address), a new port on something that is not
// an IP address goes with 0.0.0.0. A value that is not an address (or a
// port) changes nothing.
func applyAddr(a *config.AddrAction, c *sample.Ctx) {
	mark := len(c.Scratch)
	defer func() { c.Scratch = c.Scratch[:mark] }()
	v, ok := a.Expr.Eval(c)
	if !ok {
		return
	}
	to := sample.TypeAddr
	if a.Port {
		to = sample.TypeInt
	}
	if v, ok = sample.Cast(c, v, to); !ok {
		return
	}
	dst := &c.Src
	if a.Dst {
		dst = &c.Dst
	}
	if a.Port {
		addr := dst.Addr()
		if !addr.IsValid() {
			addr = netip.IPv4Unspecified()
		}
		*dst = netip.AddrPortFrom(addr, uint16(v.Int))
		return
	}
	if v.Kind == sample.KindIP && v.IP.IsValid() {
		*dst = netip.AddrPortFrom(v.IP, dst.Port())
	}
}

// hintHead starts a 103 response.
const hintHead = "HTTP/1.1 103 Early Hints\r\n"

func init() {
	for _, name := range []string{"set-src", "set-src-port", "set-dst", "set-dst-port"} {
		compileAction(config.HTTPRequestRules, name, func(r *config.HTTPRule) ruleFunc {
			a := r.Args.(*config.AddrAction)
			return func(s *httpStream) (ruleVerdict, bool) {
				s.sx.keepAddrs(&s.ctx)
				s.ctx.KeepFrontConn()
				applyAddr(a, &s.ctx)
				return ruleContinue, false
			}
		})
		compileTCPAction(name, tcpReqSets, func(r *config.HTTPRule) tcpRuleFunc {
			a := r.Args.(*config.AddrAction)
			if r.Set == config.TCPRequestConnectionRules {
				// The front connection's own addresses (fc_src...).
				return func(run *tcpRun) tcpVerdict { applyAddr(a, run.ctx); return tcpContinue }
			}
			if r.Set != config.TCPRequestContentRules {
				// The session's addresses, before any stream.
				return func(run *tcpRun) tcpVerdict {
					run.ctx.KeepFrontConn()
					applyAddr(a, run.ctx)
					return tcpContinue
				}
			}
			return func(run *tcpRun) tcpVerdict {
				if s, ok := run.ctx.Owner.(*httpStream); ok {
					s.sx.keepAddrs(run.ctx) // this request's only
				}
				run.ctx.KeepFrontConn()
				applyAddr(a, run.ctx)
				return tcpContinue
			}
		})
	}

	compileAction(config.HTTPRequestRules, "set-timeout", func(r *config.HTTPRule) ruleFunc {
		a := r.Args.(*config.TimeoutAction)
		set := func(s *httpStream, d time.Duration) {
			if a.Tunnel {
				s.sx.tunnel = d
			} else {
				s.sx.server = d
			}
		}
		if a.Expr == nil {
			return func(s *httpStream) (ruleVerdict, bool) { set(s, a.Value); return ruleContinue, false }
		}
		return func(s *httpStream) (ruleVerdict, bool) {
			mark := len(s.ctx.Scratch)
			v, ok := a.Expr.Eval(&s.ctx)
			if ok {
				v, ok = sample.Cast(&s.ctx, v, sample.TypeInt)
			}
			s.ctx.Scratch = s.ctx.Scratch[:mark]
			if ok {
				// Milliseconds; 0 is haproxy's "no timeout set", which
				// leaves the backend's, and a negative one has already
				// expired when it is armed.
				d := time.Duration(v.Int) * time.Millisecond
				if v.Int < 0 {
					d = time.Nanosecond
				}
				set(s, d)
			}
			return ruleContinue, false
		}
	})

	compileAction(config.HTTPRequestRules, "early-hint", func(r *config.HTTPRule) ruleFunc {
		a := r.Args.(*config.EarlyHint)
		rest := a.Group.Rules[a.Index+1:]
		name := strings.ToLower(a.Name) // haproxy's HTX keeps names in lower case
		return func(s *httpStream) (ruleVerdict, bool) {
			if !s.t.req.HTTP11() {
				return ruleContinue, false // HTTP/1.0 clients get none
			}
			if !s.sx.hinting {
				s.sx.hinting = true
				s.t.out = append(s.t.out[:0], hintHead...)
			}
			s.t.out = append(s.t.out, name...)
			s.t.out = append(s.t.out, ": "...)
			s.t.out = a.Value.Append(s.t.out, &s.ctx, nil)
			s.t.out = append(s.t.out, "\r\n"...)
			// The response goes out after the last rule of the run that
			// applies (haproxy ends it at the run's last rule).
			for _, next := range rest {
				if next.Cond == nil || next.Cond.Eval(&s.ctx) {
					return ruleContinue, false
				}
			}
			s.t.out = append(s.t.out, "\r\n"...)
			s.sx.hinting = false
			s.countHead(s.t.out)
			s.writeRaw(s.t.out)
			s.t.out = s.t.out[:0]
			return ruleContinue, false
		}
	})
}
