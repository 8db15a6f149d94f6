package proxy

import (
	"net"
	"time"

	"switchyard/config"
	"switchyard/counters"
	"switchyard/hlua"
	"switchyard/logsink"
	"switchyard/sample"
)

// Lua on TCP streams: `tcp-request content lua.NAME` and `tcp-response
// content lua.NAME` actions, and `tcp-request content use-service
// lua.NAME` with a "tcp" service (AppletTCP), as haproxy 2.6 runs them.

// Verdicts of the Lua rules beyond tcp_rules.go's: the script ended the
// stream (txn:done()), a service takes it, or the script failed.
const (
	tcpDone tcpVerdict = iota + 16
	tcpService
	tcpError
)

// luaTCP is what Lua decided for a TCP stream (tcpScope.lua).
type luaTCP struct {
	service *hlua.ServiceRef // use-service: the stream goes to it
	done    bool             // txn:done()
	priv    any              // txn:set_priv's value, the stream's
}

// luaState is the stream's Lua state, made on first use.
func (sc *tcpScope) luaState() *luaTCP {
	if sc.lua == nil {
		sc.lua = &luaTCP{}
	}
	return sc.lua
}

// scopeOf finds the tcpScope of a TCP stream's context (nil in mode http).
func scopeOf(ctx *sample.Ctx) *tcpScope {
	switch o := ctx.Owner.(type) {
	case *tcpScope:
		return o
	case *tcpLog:
		return o.tcpScope
	}
	return nil
}

func init() {
	prev := hlua.StreamOf
	hlua.StreamOf = func(c *sample.Ctx) hlua.Stream {
		if st := prev(c); st != nil {
			return st
		}
		if sc := scopeOf(c); sc != nil {
			return &luaTCPStream{ctx: c, sc: sc}
		}
		return nil
	}
	sets := []config.RuleSet{config.TCPRequestContentRules, config.TCPResponseContentRules}
	compileTCPAction("lua.", sets, func(r *config.HTTPRule) tcpRuleFunc {
		a := r.Args.(*hlua.ActionRule)
		res := r.Set == config.TCPResponseContentRules
		return func(run *tcpRun) tcpVerdict {
			var st hlua.Stream
			var ts *luaTCPStream
			if sc := scopeOf(run.ctx); sc != nil {
				ts = &luaTCPStream{ctx: run.ctx, sc: sc}
				st = ts
			} else if st = hlua.StreamOf(run.ctx); st == nil {
				return tcpContinue
			}
			// As haproxy's tcp_inspect_request: STOP and DONE end the
			// rule set as accept does, txn:done() ends the stream, DENY
			// and INVALID reject, ERROR is an internal error, ABORT
			// ends the analysis but lets the stream go on (logged as a
			// proxy's condition, PR).
			switch a.Run(st, res) {
			case hlua.ActStop, hlua.ActDone:
				return tcpAccept
			case hlua.ActTxnDone:
				if ts == nil {
					return tcpReject // mode http: the connection ends
				}
				if lg, ok := run.ctx.Owner.(*tcpLog); ok && res {
					lg.term('L', 'D')
				}
				return tcpDone
			case hlua.ActAbort:
				if lg, ok := run.ctx.Owner.(*tcpLog); ok {
					lg.term('P', 'R')
				}
				return tcpAccept
			case hlua.ActDeny, hlua.ActInvalid:
				return tcpReject
			case hlua.ActError:
				if ts == nil {
					return tcpReject
				}
				return tcpError
			}
			return tcpContinue
		}
	})
	compileTCPAction("use-service", []config.RuleSet{config.TCPRequestContentRules}, func(r *config.HTTPRule) tcpRuleFunc {
		ref, _ := r.Args.(*config.UseService).Impl.(*hlua.ServiceRef)
		return func(run *tcpRun) tcpVerdict {
			sc := scopeOf(run.ctx)
			if ref == nil || sc == nil {
				return tcpReject // refused at load: cannot happen
			}
			sc.luaState().service = ref
			return tcpService
		}
	})
}

// tcpLuaTerm is the termination state of a stream a Lua rule ended, and
// whether it did (tcpStreamStart).
func tcpLuaTerm(v tcpVerdict) ([2]byte, bool) {
	switch v {
	case tcpDone:
		return [2]byte{'L', 'R'}, true
	case tcpError:
		return [2]byte{'I', 'R'}, true
	}
	return [2]byte{}, false
}

// serveLuaTCP gives a TCP stream to the Lua service a content rule chose:
// the client's bytes received so far first, then the connection. It
// returns the bytes sent to and received from the client.
func (rt *Runtime) serveLuaTCP(c net.Conn, key string, fe *Frontend, sc *tcpScope, ctx *sample.Ctx, in *[]byte, got int, lg *tcpLog) (toClient, toServer int64) {
	ref := sc.lua.service
	appletSession(currentBackend(sc.snap, fe, sc.be))
	fe.feCount(key, func(cn *counters.FE) *atomicU64 { return &cn.Intercepted })
	var pre []byte
	if in != nil {
		pre = append(pre, (*in)[:got]...)
	}
	conn := &luaTCPConn{Conn: c, timeout: fe.cfg.Timeouts.Client}
	a := &hlua.TCPApplet{Conn: conn, In: pre}
	st := &luaTCPStream{ctx: ctx, sc: sc}
	if lg != nil {
		// As haproxy logs an applet: no queue, no connect time.
		now := lg.ms()
		lg.rec.Timers.Queue, lg.rec.Timers.Connect, lg.rec.Timers.Data = now, now, now
		lg.rec.Server = "<lua." + ref.Name + ">"
		if sc.be != nil {
			lg.rec.Backend = sc.be.Name
		} else {
			lg.rec.Backend = fe.Name
		}
	}
	ok := ref.Prog.RunTCPService(ref.Name, st, a)
	if !ok {
		lg.term('I', 'D')
	}
	// The service returned: the client gets the end of the stream, and
	// what it still sends is drained rather than answered with a reset.
	var buf [512]byte
	lingerClose(c, buf[:])
	return a.Sent, int64(got) + conn.read
}

// luaTCPConn is the client connection of a TCP service: each read waits
// at most the frontend's timeout client.
type luaTCPConn struct {
	net.Conn
	timeout time.Duration
	read    int64
}

func (c *luaTCPConn) Read(b []byte) (int, error) {
	if c.timeout > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	n, err := c.Conn.Read(b)
	c.read += int64(n)
	return n, err
}

func (c *luaTCPConn) Write(b []byte) (int, error) {
	if c.timeout > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Write(b)
}

// luaTCPStream is a TCP stream as Lua's TXN sees it: no txn.http; fetches
// read the stream's context; txn:done() ends the stream.
type luaTCPStream struct {
	ctx *sample.Ctx
	sc  *tcpScope
}

func (l *luaTCPStream) Ctx() *sample.Ctx                                 { return l.ctx }
func (l *luaTCPStream) HTTP() bool                                       { return false }
func (l *luaTCPStream) Headers(bool, func(name, value []byte))           {}
func (l *luaTCPStream) SetHeader(bool, string, string, bool)             {}
func (l *luaTCPStream) AddHeader(bool, string, string)                   {}
func (l *luaTCPStream) ReplaceHeaders(bool, string, func([]byte) []byte) {}
func (l *luaTCPStream) SetLine(string, string) bool                      { return false }
func (l *luaTCPStream) SetStatus(int, string) bool                       { return false }
func (l *luaTCPStream) Frontend() string                                 { return l.sc.fe.Name }

func (l *luaTCPStream) Backend() string {
	if l.sc.be != nil {
		return l.sc.be.Name
	}
	return ""
}

// SetLogLevel is txn:set_loglevel: the level of the stream's log line,
// or none (silent, -1), as for HTTP streams.
func (l *luaTCPStream) SetLogLevel(lvl int) {
	if lvl < 0 {
		l.sc.logLevel = -1
		return
	}
	l.sc.logLevel = lvl + 1
}

// Done is txn:done(): the stream ends once the action returns (a reply
// has no meaning on a TCP stream).
func (l *luaTCPStream) Done(*hlua.Reply) {
	l.sc.luaState().done = true
}

// LuaPriv keeps set_priv's value for the stream: its actions and its
// service share it (hlua.PrivStream).
func (l *luaTCPStream) LuaPriv() *any {
	return &l.sc.luaState().priv
}

func (l *luaTCPStream) Log(level int, msg string) {
	fe := l.sc.fe
	if targets := fe.cfg.Log.Targets; len(targets) > 0 {
		meta := logMeta(fe.cfg, &l.sc.snap.Global)
		logsink.Send(targets, &meta, level, []byte(msg), nil)
		return
	}
	luaGlobalLog(&l.sc.snap.Global, level, msg)
}
