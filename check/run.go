package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"switchyard/http1"
	"switchyard/internal/socks4"
	"switchyard/logformat"
	"switchyard/proxyproto"
	"switchyard/sample"
)

// bufSize is haproxy's tune.bufsize: what a check reads of a response at
// most (an expect on a longer response sees its first 16 kB only).
const bufSize = 16384

// descMax is the longest description haproxy keeps (HCHK_DESC_LEN - 1).
const descMax = 127

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, bufSize)
	return &b
}}

// run is one execution of a rule set against one server.
type run struct {
	ctx   context.Context
	t     *Target
	rs    *Ruleset
	rules []*rule

	conn     net.Conn    // the connection the rules read and write: sock, or TLS over it
	sock     net.Conn    // the socket
	unwatch  func() bool // stops the context watcher of conn
	linger   bool        // close conn with a FIN, not an RST
	deadline time.Time
	// connecting: the current connect has not completed (failures are
	// layer 4 ones).
	connecting bool
	// tlsOpen: the current connection was counted as a TLS endpoint
	// (Target.Counter), to count as closed with it.
	tlsOpen bool

	buf []byte // what was read since the last connect or send
	eos bool   // the server closed its side
	// http is the response parsed from buf, for HTTP rule sets.
	http      *httpResp
	reqMethod string

	cur  *rule // haproxy's current_step: the rule failures are about
	code int   // haproxy's check->code

	res   Result
	done  bool
	agent *AgentResult // what an agent replied
	early *Result      // a protocol expect's pass, which haproxy logs

	// sctx is what the rules' sample expressions and log-format strings
	// read (see samples): haproxy gives each check run a session of its
	// own, whose variables start empty.
	sctx   sample.Ctx
	l6     sample.Payload   // sctx.L6 in a TCP check
	stream logformat.Stream // %b and %s
	lfBuf  []byte           // log-format renderings
}

// Run executes the rules against t and returns what they found, with its
// Duration. A cancelled ctx ends the check early with StatusUnknown (no
// information); a ctx deadline counts as a timeout, like t's timeouts.
func (rs *Ruleset) Run(ctx context.Context, t *Target) Result {
	res, _ := rs.execute(ctx, t)
	return res
}

// execute runs the rules and returns the result with its duration, and
// what an agent replied.
func (rs *Ruleset) execute(ctx context.Context, t *Target) (Result, *AgentResult) {
	start := time.Now()
	x := newRun(ctx, rs, t)
	bp := bufPool.Get().(*[]byte)
	x.buf = (*bp)[:0]
	x.exec()
	x.closeConn()
	x.http = nil
	// The pooled buffer must not stay reachable from the context.
	x.l6 = sample.Payload{}
	x.sctx.L6, x.sctx.Resp, x.sctx.ResBody = nil, nil, nil
	*bp = x.buf[:0]
	bufPool.Put(bp)
	res := x.res
	res.Duration = time.Since(start)
	return res, x.agent
}

// newRun prepares a run of rs against t.
func newRun(ctx context.Context, rs *Ruleset, t *Target) *run {
	x := &run{ctx: ctx, t: t, rs: rs, rules: rs.rules}
	x.sctx.Vars.ForCheck()
	// Fetches registered by other packages look for their stream in
	// Owner; a check has none, and the Target is what it can offer.
	x.sctx.Owner = t
	x.stream = logformat.Stream{Backend: t.Backend, Server: t.Server}
	return x
}

// exec evaluates the rules in order, as haproxy's tcpcheck_main: each
// expect reads once if nothing is buffered, and one that needs more data
// makes the check read again and resume from the expect heading its run.
func (x *run) exec() {
	mustRead := true
	lastRead := false
	for i := 0; i < len(x.rules); i++ {
		r := x.rules[i]
		x.code = 0
		if r.act == actVar {
			// As haproxy's action keywords, it is not a step: the
			// current step, which failures and the result are about,
			// stays the rule before.
			r.vars.run(x)
			continue
		}
		x.cur = r
		switch r.act {
		case actConnect:
			if !x.connect(r) {
				return
			}
			mustRead, lastRead = true, false
		case actSend:
			if !x.send(r) {
				return
			}
			mustRead = true
		case actExpect:
			if mustRead {
				if !x.recv(r) {
					return
				}
				lastRead = x.eos || x.full()
				mustRead = false
			}
			var ret evalRet
			if x.rs.proto == protoHTTP {
				ret = x.expectHTTP(r, lastRead)
			} else {
				ret = x.expectTCP(r, lastRead)
			}
			switch ret {
			case evalStop:
				return
			case evalWait:
				head := r.expect.head
				x.cur = x.rules[head]
				if !x.waitMore() {
					return
				}
				lastRead = x.eos || x.full()
				i = head - 1
			}
		}
		if x.done {
			return
		}
	}
	x.finish()
}

// samples returns the sample context for an expression or log-format
// string evaluated now, haproxy's check session: the HTTP response read so
// far for HTTP rule sets (res.hdr, status...), the bytes read so far for the
// others (res.payload, res.len...; haproxy's payload fetches read the
// check's input buffer whatever their direction, and nothing in HTTP
// checks). resDir is the direction of the evaluation: haproxy evaluates
// log-format strings and status-code in the response direction, set-var's
// expressions in the request one, which decides what hdr() and the cookie
// fetches read.
func (x *run) samples(resDir bool) *sample.Ctx {
	c := &x.sctx
	c.OnResponse = resDir
	c.Resp, c.L6, c.ResBody, c.ResBodyLeft = nil, nil, nil, 0
	if x.rs.proto == protoHTTP {
		if h := x.response(); h.parsed && !h.bad {
			c.Resp = &h.resp
			// res.body and its kin read the body read so far, as
			// haproxy reads the check's buffer.
			c.ResBody = h.body
			if c.ResBody == nil {
				c.ResBody = []byte{}
			}
			if h.resp.BodyKind == http1.BodyLength && !h.complete {
				c.ResBodyLeft = h.resp.ContentLength - int64(len(h.body))
			}
		}
	} else {
		// A check's payload fetches read what it has read, in either
		// direction, and never wait.
		x.l6 = sample.Payload{Req: x.buf, Res: x.buf, Final: true}
		c.L6 = &x.l6
	}
	return c
}

// finish sets the result once every rule passed, from the last one.
func (x *run) finish() {
	if x.early != nil {
		x.res, x.done = *x.early, true
		x.res.Twice = true
		return
	}
	r := x.cur
	switch {
	case r == nil:
		x.pass(StatusL7OK, "(tcp-check)")
	case r.act == actExpect:
		if x.rs.disable404 && !x.t.Down && x.code == 404 {
			x.pass(StatusL7OKCond, "")
			return
		}
		e := &r.expect
		msg := ""
		if e.onSuccess != nil {
			msg = e.onSuccess(x)
		} else if x.rs.proto == protoTCP {
			msg = "(tcp-check)"
		}
		if e.statusCode != nil {
			if c, ok := e.statusCode(x); ok {
				x.code = c
			}
		}
		st := e.okStatus
		if st == StatusUnknown {
			st = StatusL7OK
		}
		x.pass(st, msg)
	case r.act == actConnect:
		msg := "(tcp-check)"
		if r.connect.implicit {
			msg = ""
		}
		st := StatusL4OK
		if x.conn != x.sock { // a TLS connection: layer 6 passed too
			st = StatusL6OK
		}
		x.pass(st, msg)
	default:
		x.pass(StatusL7OK, "(tcp-check)")
	}
}

// clipDesc is what haproxy's fixed-size description keeps of s: up to a
// NUL, 127 bytes at most.
func clipDesc(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > descMax {
		s = s[:descMax]
	}
	return s
}

func (x *run) pass(st Status, desc string) {
	x.res = Result{Status: st, Code: x.code, Desc: clipDesc(desc)}
	x.done = true
}

// passed records a protocol check's success set before the rules end.
func (x *run) passed(st Status, desc string) {
	if x.early == nil {
		x.early = &Result{Status: st, Code: x.code, Desc: clipDesc(desc)}
	}
}

func (x *run) fail(st Status, desc string) evalRet {
	x.res = Result{Status: st, Code: x.code, Desc: clipDesc(desc)}
	x.done = true
	return evalStop
}

func (x *run) aborted() evalRet {
	x.res, x.done = Result{Status: StatusUnknown}, true
	return evalStop
}

// nextRule says whether a rule follows r.
func (x *run) nextRule(r *rule) bool {
	return len(x.rules) > 0 && x.rules[len(x.rules)-1] != r
}

// stepID is the step number messages give for r: its index plus one, or
// 0 for the implicit first connect.
func (x *run) stepID(r *rule) int {
	if r == nil {
		return 1
	}
	if r.index == 0 && r.act == actConnect && r.connect.implicit {
		return 0
	}
	return r.index + 1
}

// suffix is what haproxy appends to connection errors and timeouts of a
// tcp-check rule set ("option tcp-check"): where it happened.
func (x *run) suffix() string {
	if x.rs.proto != protoTCP {
		return ""
	}
	r := x.cur
	step := x.stepID(r)
	if step == 0 {
		return " at initial connection step of tcp-check"
	}
	s := fmt.Sprintf(" at step %d of tcp-check", step)
	if r == nil {
		return s
	}
	switch r.act {
	case actConnect:
		if r.connect.port != 0 {
			s += fmt.Sprintf(" (connect port %d)", r.connect.port)
		} else {
			s += " (connect)"
		}
	case actSend:
		s += " (send)"
	case actExpect:
		e := &r.expect
		switch e.typ {
		case expString:
			s += fmt.Sprintf(" (expect string '%s')", e.data)
		case expBinary:
			s += fmt.Sprintf(" (expect binary '%s')", e.data)
		case expRegex:
			s += " (expect regex)"
		case expBinaryRegex:
			s += " (expect binary regex)"
		case expStringLF:
			s += " (expect log-format string)"
		case expBinaryLF:
			s += " (expect log-format binary)"
		case expHTTPStatus:
			s += " (expect HTTP status codes)"
		case expHTTPStatusRegex:
			s += " (expect HTTP status regex)"
		case expHTTPHeader:
			s += " (expect HTTP header pattern)"
		case expHTTPBody:
			s += fmt.Sprintf(" (expect HTTP body content '%s')", e.data)
		case expHTTPBodyRegex:
			s += " (expect HTTP body regex)"
		case expHTTPBodyLF:
			s += " (expect log-format HTTP body)"
		case expCustom:
			s += " (expect custom function)"
		}
	}
	if r.comment != "" {
		s += fmt.Sprintf(" comment: '%s'", r.comment)
	}
	return s
}

// expectFail fails the check on expect rule r, with haproxy's description:
// info if given, else the rule's on-error, else (tcp-check rule sets only)
// the generic words; then the rule's comment.
func (x *run) expectFail(r *rule, st Status, match bool, info string) evalRet {
	e := &r.expect
	var msg string
	switch {
	case info != "":
		msg = info
	case e.onError != nil:
		msg = e.onError(x)
	case x.rs.proto != protoTCP:
	default:
		if match {
			msg = "TCPCHK matched unwanted content"
		} else {
			msg = "TCPCHK did not match content"
		}
		step := x.stepID(r)
		switch e.typ {
		case expHTTPStatus:
			msg += fmt.Sprintf("(status codes) at step %d", step)
		case expString, expHTTPBody:
			msg += fmt.Sprintf(" '%s' at step %d", e.data, step)
		case expBinary:
			msg += fmt.Sprintf(" (binary) at step %d", step)
		case expRegex, expHTTPStatusRegex, expHTTPBodyRegex:
			msg += fmt.Sprintf(" (regex) at step %d", step)
		case expBinaryRegex:
			msg += fmt.Sprintf(" (binary regex) at step %d", step)
		case expStringLF, expHTTPBodyLF:
			msg += fmt.Sprintf(" (log-format string) at step %d", step)
		case expBinaryLF:
			msg += fmt.Sprintf(" (log-format binary) at step %d", step)
		case expCustom:
			msg += fmt.Sprintf(" (custom function) at step %d", step)
		case expHTTPHeader:
			msg += fmt.Sprintf(" (header pattern) at step %d", step)
		}
	}
	if r.comment != "" {
		msg += " comment: " + r.comment
	}
	if e.statusCode != nil {
		if c, ok := e.statusCode(x); ok {
			x.code = c
		}
	}
	return x.fail(st, msg)
}

// dest is where connect rule r goes: its addr and port if given, else
// the target's.
func (x *run) dest(r *rule) (string, error) {
	c := &r.connect
	if strings.HasPrefix(x.t.Addr, "/") && !c.addr.IsValid() {
		return x.t.Addr, nil // a UNIX socket: no port to change
	}
	host, port, err := net.SplitHostPort(x.t.Addr)
	if err != nil {
		return "", err
	}
	if c.addr.IsValid() {
		host = c.addr.String()
	}
	switch {
	case c.port != 0:
		port = itoa(c.port)
	case c.addrPort != 0:
		port = itoa(c.addrPort)
	}
	return net.JoinHostPort(host, port), nil
}

// aLongTimeAgo unblocks a connection's pending I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

func (x *run) connect(r *rule) bool {
	x.closeConn()
	x.buf, x.eos, x.http = x.buf[:0], false, nil
	addr, err := x.dest(r)
	if err != nil {
		x.fail(StatusSockErr, err.Error())
		return false
	}
	x.deadline = time.Time{}
	if x.t.ConnectTimeout > 0 {
		x.deadline = time.Now().Add(x.t.ConnectTimeout)
	}
	// As haproxy, a connection meant to speak TLS counts as a TLS
	// endpoint from its setup, before it connects.
	cfg := x.tlsConfig(r)
	if cfg != nil && x.t.Counter != nil {
		x.t.Counter.TLSOpen()
		x.tlsOpen = true
	}
	x.connecting = true
	// No keep-alive probes on a connection that lives for one check: it
	// saves the socket options Go sets by default.
	d := net.Dialer{Deadline: x.deadline, KeepAlive: -1}
	if x.connectOnly(r) {
		d.Control = delayAck
	}
	conn, err := x.dial(&d, r, addr)
	if err != nil {
		x.ioError(err)
		return false
	}
	x.connecting = false
	x.conn, x.sock, x.linger = conn, conn, r.connect.linger
	if x.t.ReadTimeout > 0 {
		x.deadline = time.Now().Add(x.t.ReadTimeout)
	}
	conn.SetDeadline(x.deadline)
	// Cancelling the context unblocks the check's reads and writes.
	x.unwatch = context.AfterFunc(x.ctx, func() { conn.SetDeadline(aLongTimeAgo) })
	if r.connect.sendProxy || (r.connect.def && x.t.SendProxy && x.rs.proto != protoAgent) {
		if _, err := conn.Write(x.proxyHeader(conn)); err != nil {
			x.ioError(err)
			return false
		}
	}
	if cfg != nil {
		return x.handshake(cfg)
	}
	return true
}

// connectOnly says whether nothing is sent or read after the connect rule
// r: a plain layer-4 check.
func (x *run) connectOnly(r *rule) bool {
	if r.connect.sendProxy || r.connect.def && x.t.SendProxy {
		return false
	}
	for i, o := range x.rules {
		if o == r {
			n := nextRule(x.rules, i) // variable actions send nothing
			return n < 0 || x.rules[n].act == actConnect
		}
	}
	return false
}

// proxyHeader is the PROXY protocol header haproxy's checks send: a
// version 1 line with the check connection's own addresses, or a version 2
// LOCAL header.
func (x *run) proxyHeader(conn net.Conn) []byte {
	if x.t.ProxyV2 {
		return proxyproto.AppendV2Local(nil)
	}
	src := addrPortOf(conn.LocalAddr())
	dst := addrPortOf(conn.RemoteAddr())
	return proxyproto.AppendV1(nil, src, dst)
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// closeConn ends the current connection as haproxy does: with an RST,
// unless the rule asked to linger or the server already closed.
func (x *run) closeConn() {
	if x.tlsOpen {
		x.tlsOpen = false
		x.t.Counter.TLSClose()
	}
	if x.conn == nil {
		return
	}
	if x.unwatch != nil {
		x.unwatch()
		x.unwatch = nil
	}
	if tc, ok := x.sock.(*net.TCPConn); ok && !x.linger && !x.eos {
		tc.SetLinger(0)
	}
	// A TLS connection ends like a clear one, without a close_notify.
	x.sock.Close()
	x.conn, x.sock = nil, nil
}

func (x *run) full() bool { return len(x.buf) >= bufSize }

// send writes rule r's data; the response to it starts a new buffer.
func (x *run) send(r *rule) bool {
	x.buf, x.http = x.buf[:0], nil
	s := &r.send
	var data []byte
	switch {
	case s.gen != nil:
		data = s.gen(x.t)
	case s.kind == sendString || s.kind == sendBinary || s.kind == sendBinaryLF && s.lf == nil:
		if len(s.data) >= bufSize {
			x.fail(StatusL7Resp, fmt.Sprintf("tcp-check send : string too large (%d) for buffer size (%d) at step %d", len(s.data), bufSize, x.stepID(r)))
			return false
		}
		data = s.data
	case s.kind == sendStringLF:
		str := s.lf.render(x)
		if str == "" {
			return true
		}
		data = []byte(str)
	case s.kind == sendBinaryLF:
		str := s.lf.render(x)
		if str == "" {
			return true
		}
		b, err := parseHex(str)
		if err != nil {
			x.fail(StatusL7Resp, fmt.Sprintf("tcp-check send : failed to build log-format string at step %d", x.stepID(r)))
			return false
		}
		data = b
	case s.kind == sendHTTP:
		b, err := x.httpRequest(s.http)
		if err != nil {
			x.fail(StatusL7Resp, fmt.Sprintf("tcp-check send : failed to build HTTP request at step %d", x.stepID(r)))
			return false
		}
		data = b
	}
	if len(data) == 0 {
		return true
	}
	if _, err := x.conn.Write(data); err != nil {
		x.ioError(err)
		return false
	}
	return true
}

// recv is the first read for an expect: at least one byte, the end of
// the response, or a failure.
func (x *run) recv(r *rule) bool {
	if !x.eos && !x.full() {
		if !x.readMore() {
			return false
		}
	}
	if len(x.buf) == 0 && x.eos && x.rs.proto != protoHTTP {
		msg := fmt.Sprintf("TCPCHK got an empty response at step %d", x.stepID(r))
		if r.comment != "" {
			msg += fmt.Sprintf(" comment: '%s'", r.comment)
		}
		st := r.expect.errStatus
		if st == StatusUnknown {
			st = StatusL7Resp
		}
		x.fail(st, msg)
		return false
	}
	return true
}

// waitMore reads more for an expect that needs it. With nothing more to
// come, haproxy would wait for its timeout: so do we.
func (x *run) waitMore() bool {
	if !x.eos && !x.full() {
		return x.readMore()
	}
	var expire <-chan time.Time
	if !x.deadline.IsZero() {
		tm := time.NewTimer(time.Until(x.deadline))
		defer tm.Stop()
		expire = tm.C
	}
	if expire != nil || x.ctx.Done() != nil {
		select {
		case <-x.ctx.Done():
		case <-expire:
		}
	}
	x.ioError(errTimeout)
	return false
}

var errTimeout = errors.New("timeout")

func (x *run) readMore() bool {
	n, err := x.conn.Read(x.buf[len(x.buf):bufSize])
	x.buf = x.buf[:len(x.buf)+n]
	switch {
	case err == nil:
		return true
	case err == io.EOF:
		x.eos = true
		return true
	}
	x.ioError(err)
	return false
}

// ioError reports a failed dial, read or write as haproxy's
// chk_report_conn_err: a timeout, a connection problem while connecting,
// a socket error once connected.
func (x *run) ioError(err error) {
	if errors.Is(x.ctx.Err(), context.Canceled) {
		x.aborted()
		return
	}
	timeout := isTimeout(err)
	switch {
	case timeout && x.connecting:
		x.fail(StatusL4Timeout, x.suffix())
	case timeout:
		st := StatusL7Timeout
		if x.cur != nil && x.cur.act == actExpect && x.cur.expect.toutStatus != StatusUnknown {
			st = x.cur.expect.toutStatus
		}
		x.fail(st, x.suffix())
	case x.connecting:
		x.fail(StatusL4Conn, connErrText(err)+x.suffix())
	default:
		x.fail(StatusSockErr, errnoText(err)+x.suffix())
	}
}

// isTimeout says whether err is a deadline's or the check's timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return err == errTimeout || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// errnoText is C's strerror of the error's errno ("Connection reset by
// peer"), which haproxy prints; Go's texts are the same, uncapitalized.
func errnoText(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return err.Error()
	}
	s := en.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// connErrText is the description of a failed connect. The errors a
// connect() call returns at once (rather than later on the socket) are
// "General socket error (…)" in haproxy.
func connErrText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		switch en {
		case syscall.ENETUNREACH, syscall.EACCES, syscall.EPERM:
			return "General socket error (" + errnoText(err) + ")"
		}
	}
	return errnoText(err)
}

var hostname = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return h
})

// stateHeader is the value of X-Haproxy-Server-State.
func (x *run) stateHeader() string {
	s := &x.t.State
	addr, port := s.Address, s.Port
	if addr == "" && port == "" {
		addr, port, _ = net.SplitHostPort(x.t.Addr)
	}
	node := s.Node
	if node == "" {
		node = hostname()
	}
	h := fmt.Sprintf("%s; address=%s; port=%s; name=%s/%s; node=%s; weight=%d/%d; scur=%d/%d; qcur=%d",
		s.Up, addr, port, x.t.Backend, x.t.Server, node, s.Weight, s.TotalWeight,
		s.Sessions, s.BackendSessions, s.Queue)
	if s.Throttle > 0 {
		h += fmt.Sprintf("; throttle=%d%%", s.Throttle)
	}
	return h
}

// dial connects to addr for the connect rule r: directly, or through the
// server's SOCKS4 proxy when the rule says via-socks4 or, for the default
// connection, the server has check-via-socks4 (haproxy ignores both for a
// server without a socks4 proxy). The SOCKS4 handshake counts in the
// connect time.
func (x *run) dial(d *net.Dialer, r *rule, addr string) (net.Conn, error) {
	proxy := x.t.Socks4
	if proxy == "" || !r.connect.viaSocks4 && !(r.connect.def && x.t.ViaSocks4) {
		network := "tcp"
		if strings.HasPrefix(addr, "/") {
			network = "unix"
		}
		return d.DialContext(x.ctx, network, addr)
	}
	return socks4.Dial(x.ctx, d, proxy, addr, x.deadline)
}
