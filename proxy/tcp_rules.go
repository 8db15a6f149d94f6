package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"switchyard/config"
	"switchyard/counters"
	"switchyard/http1"
	"switchyard/proxyproto"
	"switchyard/sample"
)

// This file runs the tcp-request and tcp-response rule sets at haproxy's
// points of a connection: connection rules at accept, before anything is
// read; the PROXY header (accept-proxy, expect-proxy); session rules; then
// per stream (per request in mode http) the content rules, and the
// response content rules once the server answers.

// tcpVerdict is what a tcp rule tells the evaluation of its set.
type tcpVerdict uint8

const (
	tcpContinue tcpVerdict = iota // on to the next rule
	tcpAccept                     // stop: accepted
	tcpReject                     // close the connection(s)
	tcpClose                      // tcp-response close: close the server side
)

// tcpRun is what a tcp rule acts on.
type tcpRun struct {
	ctx         *sample.Ctx
	expectProxy bool   // a connection rule asked for a PROXY header
	scratch     []byte // set-var-fmt's rendering
}

type tcpRuleFunc func(r *tcpRun) tcpVerdict

type compiledTCPRule struct {
	cond *sample.Cond
	run  tcpRuleFunc
	pos  *sample.RulePos
	// http: the rule reads the HTTP request, which a tcp frontend must
	// first wait for (within inspect-delay).
	http bool
}

// tcpRules are a proxy's compiled tcp rule sets.
type tcpRules struct {
	conn, sess, content, response []compiledTCPRule
	inspect, resInspect           time.Duration
	contentHTTP                   bool // a content rule reads the HTTP request
}

var tcpCompilers = map[*config.ActionDef]func(r *config.HTTPRule) tcpRuleFunc{}

func compileTCPAction(name string, sets []config.RuleSet, compile func(r *config.HTTPRule) tcpRuleFunc) {
	for _, set := range sets {
		def := config.LookupAction(set, name)
		if def == nil {
			panic("proxy: no action " + set.Keyword() + " " + name)
		}
		tcpCompilers[def] = compile
	}
}

var (
	tcpReqSets = []config.RuleSet{config.TCPRequestConnectionRules, config.TCPRequestSessionRules, config.TCPRequestContentRules}
	tcpAllSets = append(tcpReqSets[:3:3], config.TCPResponseContentRules)
)

func init() {
	verdict := func(v tcpVerdict) func(*config.HTTPRule) tcpRuleFunc {
		return func(*config.HTTPRule) tcpRuleFunc { return func(*tcpRun) tcpVerdict { return v } }
	}
	compileTCPAction("accept", tcpAllSets, verdict(tcpAccept))
	compileTCPAction("reject", tcpAllSets, verdict(tcpReject))
	compileTCPAction("close", []config.RuleSet{config.TCPResponseContentRules}, verdict(tcpClose))
	compileTCPAction("expect-proxy", tcpReqSets, func(*config.HTTPRule) tcpRuleFunc {
		return func(r *tcpRun) tcpVerdict { r.expectProxy = true; return tcpContinue }
	})
	for _, name := range []string{"set-var", "set-var-fmt", "unset-var"} {
		compileTCPAction(name, tcpAllSets, compileVarAction)
	}
}

func compileVarAction(rule *config.HTTPRule) tcpRuleFunc {
	a := rule.Args.(*config.VarOp)
	switch {
	case a.Expr != nil:
		return func(r *tcpRun) tcpVerdict {
			if v, ok := a.Expr.Eval(r.ctx); ok {
				r.ctx.Vars.SetIf(a.Ref, v, a.Conds)
			}
			return tcpContinue
		}
	case a.Fmt != nil:
		return func(r *tcpRun) tcpVerdict {
			r.scratch = a.Fmt.Append(r.scratch[:0], r.ctx, nil)
			r.ctx.Vars.SetIf(a.Ref, sample.Str(r.scratch), a.Conds)
			return tcpContinue
		}
	}
	return func(r *tcpRun) tcpVerdict { r.ctx.Vars.Unset(a.Ref); return tcpContinue }
}

// compileTCPRules compiles a proxy's tcp rule sets; nil when it has none.
func compileTCPRules(px *config.Proxy) (*tcpRules, error) {
	t := &px.TCP
	if len(t.Connection)+len(t.Session)+len(t.Content)+len(t.Response) == 0 && t.InspectDelay == 0 {
		return nil, nil
	}
	out := &tcpRules{inspect: t.InspectDelay, resInspect: t.ResponseInspectDelay}
	for _, l := range []struct {
		src []*config.HTTPRule
		dst *[]compiledTCPRule
	}{{t.Connection, &out.conn}, {t.Session, &out.sess}, {t.Content, &out.content}, {t.Response, &out.response}} {
		for _, r := range l.src {
			compile := tcpCompilers[r.Def]
			if compile == nil {
				return nil, errorAt(px, r, "action '%s' has no implementation in the data plane", r.Def.Name)
			}
			c := compiledTCPRule{cond: r.Cond, run: compile(r), pos: &sample.RulePos{File: r.Pos.File, Line: r.Pos.Line}}
			if r.Set == config.TCPRequestContentRules {
				c.http = r.Cond != nil && r.Cond.Check(sample.SrcL4|sample.SrcL6Req, "") != nil
				if a, ok := r.Args.(*config.VarOp); ok && a.Expr != nil && a.Expr.Check(sample.SrcL4|sample.SrcL6Req) != nil {
					c.http = true
				}
				if a, ok := r.Args.(*config.TrackAction); ok && a.Key.Check(sample.SrcL4|sample.SrcL6Req) != nil {
					c.http = true // track-sc0 url: the key is in the HTTP request
				}
				out.contentHTTP = out.contentHTTP || c.http
			}
			*l.dst = append(*l.dst, c)
		}
	}
	return out, nil
}

// evalTCP runs rules from the first; the verdict is tcpContinue when none
// decided (the default: accept).
func evalTCP(rules []compiledTCPRule, r *tcpRun) tcpVerdict {
	for i := range rules {
		if v := evalTCPRule(&rules[i], r); v != tcpContinue {
			return v
		}
	}
	return tcpContinue
}

func evalTCPRule(rule *compiledTCPRule, r *tcpRun) tcpVerdict {
	v, _ := rule.test(r)
	return v
}

// test runs the rule if its condition holds; miss says that the condition
// could not be decided yet (more bytes could decide it: haproxy's
// ACL_TEST_MISS), which a rule that may wait waits on. A condition that
// cannot wait reads a miss as a failure, as Cond.Eval does.
func (rule *compiledTCPRule) test(r *tcpRun) (v tcpVerdict, miss bool) {
	if rule.cond != nil {
		switch rule.cond.Test(r.ctx) {
		case sample.Miss:
			return tcpContinue, true
		case sample.Fail:
			return tcpContinue, false
		}
	}
	return rule.runOn(r), false
}

// runOn runs the rule's action, recording the rule when it ends its set
// (last_rule_file).
func (rule *compiledTCPRule) runOn(r *tcpRun) tcpVerdict {
	v := rule.run(r)
	if v != tcpContinue {
		r.ctx.LastRule = rule.pos
	}
	return v
}

// sessionStart does what haproxy does between accept and the first stream:
// tcp-request connection rules on the connection's own addresses, the
// PROXY header when the bind or a rule expects one, then tcp-request
// session rules. The bytes read past the header are returned in a buffer
// of pool (nil if none), for the stream to begin with. ok is false when
// the connection is to be closed.
func (rt *Runtime) sessionStart(c net.Conn, fe *Frontend, bindKey string, ctx *sample.Ctx, pool *bufPool, accepted time.Time) (buf *[]byte, n int, ok bool) {
	tr := fe.tcp
	run := tcpRun{ctx: ctx}
	if tr != nil && evalTCP(tr.conn, &run) == tcpReject {
		fe.feCount(bindKey, func(c *counters.FE) *atomicU64 { return &c.DeniedConn })
		resetOnClose(c) // haproxy closes a connection refused this early with a reset
		return nil, 0, false
	}
	if o, ok := ctx.Owner.(tracker); ok {
		o.tracked().countSession()
	}
	t, isTLS := c.(*serverTLS)
	if isTLS {
		// As haproxy's SslRate: the connections of ssl binds that the
		// connection rules let through, handshake made or not.
		t.tp.Accepts.Add()
	}
	fb := fe.binds[bindKey]
	// The PROXY header and the handshake share one timeout client, as
	// haproxy's embryonic session has one timer.
	var deadline time.Time
	if t := fe.cfg.Timeouts.Client; t > 0 {
		deadline = accepted.Add(t)
	}
	if run.expectProxy || fb != nil && fb.acceptProxy {
		var fail *connError
		if buf, n, fail = readProxyHeader(netConn(c), ctx, pool, deadline); fail != nil {
			fe.logConnError(fb, ctx, accepted, fail)
			return nil, 0, false
		}
	}
	if isTLS {
		var pre []byte
		if buf != nil {
			pre = (*buf)[:n]
		}
		err := t.handshake(pre, deadline)
		pool.put(buf)
		buf, n = nil, 0
		if err != nil {
			ce := handshakeError(err)
			// haproxy's embryonic session expires without the handshake
			// failing: a timeout is not a failed handshake.
			if ce != &errSSLTimeout {
				fe.countHandshake(t.tp, bindKey, false, false)
			}
			fe.logConnError(fb, ctx, accepted, ce)
			return nil, 0, false
		}
		fe.countHandshake(t.tp, bindKey, true, t.state.DidResume)
		ctx.FrontTLS = &t.state
	}
	if tr != nil && evalTCP(tr.sess, &run) == tcpReject {
		fe.feCount(bindKey, func(c *counters.FE) *atomicU64 { return &c.DeniedSess })
		pool.put(buf)
		return nil, 0, false
	}
	rt.countSess(fe, bindKey)
	return buf, n, true
}

// readProxyHeader reads and applies a PROXY header by deadline (zero:
// none). What follows the header stays in the returned buffer, moved to
// its start.
func readProxyHeader(c net.Conn, ctx *sample.Ctx, pool *bufPool, deadline time.Time) (*[]byte, int, *connError) {
	if !deadline.IsZero() {
		c.SetReadDeadline(deadline)
		defer c.SetReadDeadline(time.Time{})
	}
	buf := pool.get()
	defer func() { pool.put(buf) }()
	got := 0
	for {
		m, err := c.Read((*buf)[got:])
		got += m
		if got > 0 {
			h, used, perr := proxyproto.Parse((*buf)[:got])
			if perr == nil {
				if !h.Local {
					// As haproxy 2.6, the header gives the session its
					// addresses; the connection's (fc_src, fc_dst) stay
					// the socket's or what connection rules set.
					ctx.KeepFrontConn()
					ctx.Src, ctx.Dst = h.Src, h.Dst
				}
				ctx.PP = proxyInfo(&h)
				rest := copy(*buf, (*buf)[used:got])
				if rest == 0 {
					return nil, 0, nil
				}
				kept := buf
				buf = nil
				return kept, rest, nil
			}
			if !errors.Is(perr, proxyproto.ErrIncomplete) {
				switch {
				case proxyproto.LooksLikeHeader((*buf)[:got]):
					return nil, 0, &errPrxBadHdr
				case got < proxyproto.V2HeaderLen:
					// haproxy cannot tell yet whether a version 2
					// header was meant, and cannot wait (it peeked).
					return nil, 0, &errPrxTruncated
				}
				return nil, 0, &errPrxNotHdr
			}
			if got == len(*buf) {
				return nil, 0, &errPrxTruncated
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, 0, &errPrxTimeout
		case got == 0 && errors.Is(err, io.EOF):
			return nil, 0, &errPrxEmpty
		case got == 0:
			return nil, 0, &errPrxAbort
		default:
			return nil, 0, &errPrxTruncated
		}
	}
}

// proxyInfo keeps what fetches read of a received PROXY header, copied:
// the header's bytes are in a buffer that is reused.
func proxyInfo(h *proxyproto.Header) *sample.ProxyInfo {
	pi := &sample.ProxyInfo{}
	for _, t := range h.TLVs {
		switch t.Type {
		case proxyproto.TypeAuthority:
			pi.Authority = append([]byte{}, t.Value...)
		case proxyproto.TypeUniqueID:
			pi.UniqueID = append([]byte{}, t.Value...)
		}
	}
	return pi
}

// contentRules runs tcp-request content rules on a tcp stream. in holds
// the bytes received so far (got of them) and is read into while a rule
// waits, until inspect-delay: a rule that reads the HTTP request waits
// for it, and one whose condition more bytes could decide (req.payload,
// req.len…) waits for them, as haproxy's ACL_TEST_MISS. It returns the
// bytes received, which the server gets first; the context keeps them as
// the payload that later choices (use_backend, balance hash) read.
func (rt *Runtime) contentRules(c net.Conn, tr *tcpRules, ctx *sample.Ctx, pool *bufPool, in *[]byte, got int) (*[]byte, int, tcpVerdict) {
	if ctx.L6 == nil {
		ctx.L6 = new(sample.Payload) // a TCP stream brings its own (tcpScope)
	}
	if tr == nil || len(tr.content) == 0 {
		ctx.L6.Req, ctx.L6.Final = payloadView(in, got), true
		return in, got, tcpContinue
	}
	run := tcpRun{ctx: ctx}
	var deadline time.Time
	if tr.inspect > 0 {
		deadline = time.Now().Add(tr.inspect)
	}
	var req http1.Request
	var parsed []byte
	final := tr.inspect == 0
	// parse tries the request on a copy of the bytes: parsing rewrites
	// its buffer, and the server must get the bytes as sent.
	parse := func() bool {
		if in == nil {
			return false
		}
		parsed = append(parsed[:0], (*in)[:got]...)
		_, err := req.Parse(parsed, http1.DefaultLimits)
		if err == nil {
			ctx.Req = &req
			return true
		}
		return !errors.Is(err, http1.ErrIncomplete) // malformed: decided, no request
	}
	// more reads what comes next, within inspect-delay; once the buffer
	// is full, the peer closed or the delay is over, all is final.
	more := func() {
		if in == nil {
			in = pool.get()
		}
		if got == len(*in) {
			final = true
			return
		}
		c.SetReadDeadline(deadline)
		m, err := c.Read((*in)[got:])
		got += m
		if err != nil {
			final = true
		}
	}
	// As haproxy's first receive before the analysers: bytes already
	// there are seen by the first evaluation, waiting or not.
	if got == 0 {
		if in == nil {
			in = pool.get()
		}
		got = readReady(c, *in)
	}
	decided := !tr.contentHTTP || parse()
	defer func() { ctx.Req = nil }()
	for i := 0; i < len(tr.content); {
		rule := &tr.content[i]
		if rule.http && !decided && !final {
			more()
			decided = parse()
			continue
		}
		ctx.L6.Req, ctx.L6.Final = payloadView(in, got), final
		v, miss := rule.test(&run)
		if miss {
			more()
			continue
		}
		if v != tcpContinue {
			c.SetReadDeadline(time.Time{})
			ctx.L6.Req, ctx.L6.Final = payloadView(in, got), true
			return in, got, v
		}
		i++
	}
	c.SetReadDeadline(time.Time{})
	ctx.L6.Req, ctx.L6.Final = payloadView(in, got), true
	return in, got, tcpContinue
}

// readReady reads what has already arrived on c into b, without waiting.
func readReady(c net.Conn, b []byte) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	raw.Read(func(fd uintptr) bool {
		if m, err := syscall.Read(int(fd), b); err == nil && m > 0 {
			n = m
		}
		return true // never wait
	})
	return n
}

// payloadView is the bytes received so far as the payload fetches see
// them: empty but not nil when none came, since nil means "not a TCP
// stream" to them.
func payloadView(in *[]byte, got int) []byte {
	if in == nil {
		return noPayload
	}
	return (*in)[:got]
}

var noPayload = []byte{}

// feBind is what a frontend does on one of its binds before the first
// stream.
type feBind struct {
	acceptProxy bool
	tls         *tls.Config // nil: clear
	// name names the bind in logs: its `name`, or its number in the
	// frontend as haproxy numbers listeners.
	name string
}

// compileConn compiles what a frontend runs before and around its streams:
// its tcp rules, and per bind the PROXY header and TLS.
func (fe *Frontend) compileConn(px *config.Proxy) error {
	var err error
	if fe.tcp, err = compileTCPRules(px); err != nil {
		return err
	}
	fe.binds = make(map[string]*feBind, len(px.Binds))
	for i, b := range px.Binds {
		fb := &feBind{acceptProxy: config.AcceptProxy(b), name: b.Name}
		if fb.name == "" {
			fb.name = strconv.Itoa(i + 1)
		}
		if b.TLSServer != nil {
			fb.tls = b.TLSServer.Config()
		}
		fe.binds[b.Key()] = fb
		fe.embryonic = fe.embryonic || fb.acceptProxy || fb.tls != nil
	}
	return nil
}

func errorAt(px *config.Proxy, r *config.HTTPRule, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s '%s': %s", r.Pos.File, r.Pos.Line, px.Cap.Kind(), px.Name, fmt.Sprintf(format, args...))
}

// tcpStreamStart runs a tcp connection up to the choice of its backend:
// sessionStart, the frontend's content rules, routing, the backend's
// content rules. in holds the got bytes already received (a tunnelBufs
// buffer, possibly nil, that the caller puts back).
//
// When it fails, term is the termination state haproxy logs for the stream
// (content rules reject: PR; no backend: SC), zero when no stream exists
// yet for haproxy (connection and session rules, the PROXY header).
func (rt *Runtime) tcpStreamStart(c net.Conn, key string, fe *Frontend, ctx *sample.Ctx, accepted time.Time) (in *[]byte, got int, be *Backend, term [2]byte) {
	in, got, ok := rt.sessionStart(c, fe, key, ctx, tunnelBufs, accepted)
	if !ok {
		return in, got, nil, term
	}
	var v tcpVerdict
	if in, got, v = rt.contentRules(c, fe.tcp, ctx, tunnelBufs, in, got); v == tcpReject {
		return in, got, nil, [2]byte{'P', 'R'}
	} else if t, ok := tcpLuaTerm(v); ok {
		return in, got, nil, t // a Lua rule ended the stream (lua_tcp.go)
	} else if v == tcpService {
		return in, got, nil, term // a Lua service takes it (serveTCP)
	}
	if be = fe.route(ctx); be == nil {
		return in, got, nil, [2]byte{'S', 'C'}
	}
	if be.cfg != fe.cfg {
		if in, got, v = rt.contentRules(c, be.tcp, ctx, tunnelBufs, in, got); v == tcpReject {
			return in, got, nil, [2]byte{'P', 'R'}
		} else if t, ok := tcpLuaTerm(v); ok {
			return in, got, nil, t
		} else if v == tcpService {
			return in, got, be, term
		}
	}
	return in, got, be, term
}

// tcpServerStart sends the server what was received during inspection and,
// when the backend has tcp-response content rules, returns the server
// connection wrapped so that they run on the server's first bytes.
func tcpServerStart(c, sc net.Conn, be *Backend, ctx *sample.Ctx, in *[]byte, got int) (net.Conn, bool) {
	if got > 0 {
		if t := be.cfg.Timeouts.Server; t > 0 {
			sc.SetWriteDeadline(time.Now().Add(t))
		}
		if _, err := sc.Write((*in)[:got]); err != nil {
			sc.Close()
			return sc, false
		}
		sc.SetWriteDeadline(time.Time{})
	}
	if be.tcp == nil || len(be.tcp.response) == 0 {
		return sc, true
	}
	return &inspectedConn{Conn: sc, client: c, rules: be.tcp.response, inspect: be.tcp.resInspect, ctx: ctx}, true
}

// inspectedConn runs tcp-response content rules when the server's first
// bytes (or its end) come, before they are passed on. A rule whose
// condition more bytes could decide (res.payload, res.len…) waits for
// them within the backend's tcp-response inspect-delay, reading into the
// caller's buffer.
type inspectedConn struct {
	net.Conn
	client  net.Conn
	rules   []compiledTCPRule
	inspect time.Duration
	ctx     *sample.Ctx
	done    bool
	closing bool // tcp-response close: the server side ends after this read
}

func (ic *inspectedConn) Read(b []byte) (int, error) {
	if ic.closing {
		return 0, io.EOF
	}
	n, err := ic.Conn.Read(b)
	if ic.done || n == 0 && err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, err
	}
	ic.done = true
	var deadline time.Time
	if ic.inspect > 0 {
		deadline = time.Now().Add(ic.inspect)
	}
	ctx := ic.ctx
	ctx.OnResponse = true
	if ctx.L6 == nil {
		ctx.L6 = new(sample.Payload)
	}
	// The request's bytes stay readable; what the response rules saw
	// does not outlive them.
	saved := *ctx.L6
	waited := false
	defer func() {
		*ctx.L6, ctx.OnResponse = saved, false
		if waited {
			ic.Conn.SetReadDeadline(time.Time{}) // the tunnel arms its own
		}
	}()
	run := tcpRun{ctx: ctx}
	final := ic.inspect == 0 || err != nil
	v := tcpContinue
	for i := 0; i < len(ic.rules); {
		rule := &ic.rules[i]
		ctx.L6.Res, ctx.L6.Final = b[:n], final || n == len(b)
		var miss bool
		if v, miss = rule.test(&run); miss {
			waited = true
			ic.Conn.SetReadDeadline(deadline)
			var m int
			m, err = ic.Conn.Read(b[n:])
			n += m
			if err != nil {
				final = true
				if errors.Is(err, os.ErrDeadlineExceeded) {
					err = nil // the delay is over, not the stream
				}
			}
			continue
		}
		if v != tcpContinue {
			break
		}
		i++
	}
	switch v {
	case tcpReject, tcpDone, tcpError: // tcpDone, tcpError: lua_tcp.go
		ic.Conn.Close()
		ic.client.Close()
		return 0, errServerClosed
	case tcpClose:
		// Shut before what came is passed on: the client gets the end.
		ic.Conn.Close()
		ic.closing = true
		return 0, io.EOF
	}
	return n, err
}

// CloseWrite passes a half-close on to the server connection.
func (ic *inspectedConn) CloseWrite() error {
	if cw, ok := ic.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return ic.Conn.Close()
}

var errServerClosed = errors.New("server connection closed by a tcp-response rule")

// start begins an HTTP connection: what comes before its first stream
// (sessionStart), then the request loop. The bytes after a PROXY header
// are the start of the first request.
func (s *httpStream) start() {
	if s.fe.tcp == nil && !s.fe.embryonic {
		s.rt.countSess(s.fe, s.bindKey)
		s.serve()
		return
	}
	buf, n, ok := s.rt.sessionStart(s.cc.c, s.fe, s.bindKey, &s.ctx, s.pool, s.accepted)
	if !ok {
		s.end()
		return
	}
	if buf != nil {
		s.crBuf = buf
		s.cr.AttachRead(*buf, n)
	}
	s.serve()
}

// requestContentRules runs a proxy's tcp-request content rules on a
// parsed request (in mode http they wait for nothing: the head is there).
// done says that a rule rejected it: the connection closes unanswered.
func (s *httpStream) requestContentRules(tr *tcpRules) (done bool) {
	if tr == nil || len(tr.content) == 0 {
		return false
	}
	run := tcpRun{ctx: &s.ctx}
	return evalTCP(tr.content, &run) == tcpReject
}

// responseContentRules runs the backend's tcp-response content rules once
// the server's head is parsed, before the http-response rules.
func (s *httpStream) responseContentRules(be *Backend) tcpVerdict {
	if be.tcp == nil || len(be.tcp.response) == 0 {
		return tcpContinue
	}
	// They run before haproxy analyses the response as HTTP: no HTTP
	// fetch finds anything there (the request's head is gone too).
	req := s.ctx.Req
	s.ctx.Req, s.ctx.ReqInfo, s.ctx.Resp, s.ctx.OnResponse = nil, req, nil, true
	defer func() { s.ctx.Req, s.ctx.ReqInfo, s.ctx.OnResponse = req, nil, false }()
	run := tcpRun{ctx: &s.ctx}
	return evalTCP(be.tcp.response, &run)
}
