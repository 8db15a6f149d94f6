package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/http1"
	"switchyard/sample"
)

// httpStream is one client connection in `mode http`. One goroutine runs it:
// read a request, run the rules, forward it, relay the response, repeat. A
// single goroutine per connection, with no per-request goroutine in the
// common case, is what keeps the cost per request low.
type httpStream struct {
	rt  *Runtime
	cc  *clientConn
	fe  *Frontend
	raw syscall.RawConn

	pool *bufPool
	in   *[]byte // client buffer; nil while idle
	inR  int     // start of unparsed bytes in *in
	inW  int     // end of received bytes in *in

	req  http1.Request
	resp http1.Response
	ctx  sample.Ctx
	out  []byte // serialised heads, reused

	first      bool // no request has been completed on this connection yet
	closeAfter bool // the current exchange ends the client connection
	srvConn  net.Conn
	srvOwned *backend.Server // server of srvConn when kept private (http-reuse never)
}

func (rt *Runtime) serveHTTP(c net.Conn, fe *Frontend) {
	cc := rt.newClientConn(c, fe)
	defer cc.close()
	s := &httpStream{rt: rt, cc: cc, fe: fe, pool: poolFor(fe.bufSize), first: true}
	if sc, ok := c.(syscall.Conn); ok {
		s.raw, _ = sc.SyscallConn()
	}
	s.ctx.Src, s.ctx.Dst = addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	defer s.releaseAll()
	for {
		if !s.readRequest() {
			return
		}
		if !s.transaction() || rt.Stopping() {
			return
		}
		s.first = false
	}
}

func (s *httpStream) releaseAll() {
	if s.in != nil {
		s.pool.put(s.in)
		s.in = nil
	}
	if s.srvConn != nil {
		s.srvConn.Close()
		s.srvConn = nil
	}
}

// compact moves unparsed bytes to the front of the buffer, or gives the
// buffer back when there are none, so an idle connection holds no buffer.
func (s *httpStream) compact() {
	if s.in == nil {
		return
	}
	if s.inR == s.inW {
		s.pool.put(s.in)
		s.in, s.inR, s.inW = nil, 0, 0
		return
	}
	if s.inR > 0 {
		n := copy(*s.in, (*s.in)[s.inR:s.inW])
		s.inR, s.inW = 0, n
	}
}

// waitAndRead reads more client bytes. While no buffer is held, it waits for
// readability without one and only takes a buffer from the pool once bytes
// are there to read.
func (s *httpStream) waitAndRead() (int, error) {
	if s.in != nil || s.raw == nil {
		if s.in == nil {
			s.in = s.pool.get()
		}
		return s.cc.c.Read((*s.in)[s.inW:])
	}
	var n int
	var rerr error
	err := s.raw.Read(func(fd uintptr) bool {
		buf := s.pool.get()
		n, rerr = syscall.Read(int(fd), *buf)
		if rerr == syscall.EAGAIN || rerr == syscall.EINTR {
			s.pool.put(buf)
			return false
		}
		if n <= 0 {
			s.pool.put(buf)
			return true
		}
		s.in, s.inR, s.inW = buf, 0, 0
		return true
	})
	if err != nil {
		return 0, err
	}
	if rerr != nil {
		return 0, rerr
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// readRequest reads and parses the next request head. It returns false when
// the connection must end (closed, timed out, or an error was answered).
func (s *httpStream) readRequest() bool {
	fe := s.fe
	t := fe.timeouts
	// Waiting for a new request: keep-alive timeout between requests,
	// http-request for the first, falling back as haproxy does.
	idle := t.HTTPRequest
	if !s.first && t.HTTPKeepAlive > 0 {
		idle = t.HTTPKeepAlive
	}
	if idle == 0 {
		idle = t.Client
	}
	var reqDeadline time.Time
	for {
		if s.in != nil && s.inW > s.inR {
			n, err := s.req.Parse((*s.in)[s.inR:s.inW], fe.limits)
			if err == nil {
				s.inR += n
				s.cc.c.SetReadDeadline(time.Time{})
				return true
			}
			if !errors.Is(err, http1.ErrIncomplete) {
				s.sendError(parseStatus(err), nil)
				return false
			}
			if s.inR > 0 {
				s.compact()
			}
			if s.inW == len(*s.in) {
				// A head larger than tune.bufsize.
				s.sendError(400, nil)
				return false
			}
			if reqDeadline.IsZero() {
				d := t.HTTPRequest
				if d == 0 {
					d = t.Client
				}
				reqDeadline = deadline(d)
			}
			s.cc.c.SetReadDeadline(reqDeadline)
		} else {
			if s.rt.Stopping() {
				return false
			}
			s.cc.idle.Store(true)
			s.cc.c.SetReadDeadline(deadline(idle))
			if s.rt.Stopping() { // a stop that began after the first check
				s.cc.idle.Store(false)
				return false
			}
		}
		n, err := s.waitAndRead()
		s.cc.idle.Store(false)
		if n > 0 {
			s.inW += n
			continue
		}
		partial := s.in != nil && s.inW > s.inR
		if errors.Is(err, os.ErrDeadlineExceeded) && partial && !s.rt.Stopping() {
			s.sendError(408, nil)
		}
		return false
	}
}

func parseStatus(err error) int {
	var pe *http1.ParseError
	if errors.As(err, &pe) && pe.Status != 0 {
		return pe.Status
	}
	return 400
}

// sendError writes one of the proxy's error responses and closes.
func (s *httpStream) sendError(status int, be *Backend) {
	page := s.errorPage(status, be)
	s.cc.c.SetWriteDeadline(deadline(s.fe.timeouts.Client))
	s.cc.c.Write(page)
}

func (s *httpStream) errorPage(status int, be *Backend) []byte {
	if be != nil {
		if b, ok := be.errors.custom[status]; ok {
			return b
		}
	}
	return s.fe.errors.get(status)
}

// transaction runs one request through rules, routing and a server. It
// returns whether the client connection can carry another request.
func (s *httpStream) transaction() bool {
	fe := s.fe
	s.ctx.Reset()
	s.ctx.Req = &s.req

	if done, keep := s.runRequestRules(); done {
		return keep
	}
	be := fe.route(&s.ctx)
	if be == nil {
		s.sendError(503, nil)
		return false
	}
	return s.forward(be)
}

// runRequestRules evaluates http-request rules in order. done reports that a
// rule answered the request itself.
func (s *httpStream) runRequestRules() (done, keep bool) {
	for _, r := range s.fe.rules {
		if r.Cond != nil && !r.Cond.Eval(&s.ctx) {
			continue
		}
		switch r.Action {
		case config.ActAllow:
			return false, false
		case config.ActDeny, config.ActReturn:
			return true, s.answer(r)
		}
	}
	return false, false
}

// answer sends the response of a deny/return rule. The connection stays open
// when the request had no body left to read, as haproxy does.
func (s *httpStream) answer(r *config.HTTPRule) bool {
	keep := s.req.BodyKind == http1.BodyNone && !s.req.Close
	s.out = s.out[:0]
	switch {
	case r.UseErrorFile:
		s.out = append(s.out, s.errorPage(r.Status, nil)...)
		keep = false // error pages carry "connection: close"
	case r.RawResponse:
		s.out = append(s.out, r.Body...)
		keep = false
	default:
		s.out = appendRuleResponse(s.out, r, &s.ctx, !keep)
	}
	s.cc.c.SetWriteDeadline(deadline(s.fe.timeouts.Client))
	if _, err := s.cc.c.Write(s.out); err != nil {
		return false
	}
	return keep
}

// forward sends the request to a server of be and relays the response.
func (s *httpStream) forward(be *Backend) bool {
	srv := be.lb.Pick(&s.req, s.ctx.Src.Addr())
	if srv == nil {
		s.drainOrClose()
		s.sendError(503, be)
		return false
	}
	srv.Cur.Add(1)
	defer srv.Cur.Add(-1)
	srv.Total.Add(1)

	reused := false
	for attempt := 0; ; attempt++ {
		sc, wasIdle, err := s.serverConn(be, srv)
		if err != nil {
			s.sendError(503, be)
			return false
		}
		reused = wasIdle
		res := s.exchange(be, srv, sc)
		switch res {
		case exDone:
			return s.keepClient()
		case exRetry:
			if reused && attempt == 0 {
				continue // an idle connection the server had closed: try a fresh one
			}
			s.sendError(502, be)
			return false
		default:
			return false
		}
	}
}

type exchangeResult int

const (
	exDone  exchangeResult = iota // response relayed; client connection may continue
	exRetry                       // nothing was received; the request can be sent again
	exFail                        // error answered or connection broken: close
)

// serverConn returns a connection to srv: the private one of this client
// connection, an idle one from the pool, or a new one.
func (s *httpStream) serverConn(be *Backend, srv *backend.Server) (net.Conn, bool, error) {
	if s.srvConn != nil {
		if s.srvOwned == srv {
			c := s.srvConn
			s.srvConn, s.srvOwned = nil, nil
			return c, true, nil
		}
		s.srvConn.Close()
		s.srvConn, s.srvOwned = nil, nil
	}
	if be.cfg.Reuse != config.ReuseNever {
		if c := srv.Pool.Get(); c != nil {
			return c, true, nil
		}
	}
	c, err := be.dial(srv, s.ctx.Dst.Port())
	return c, false, err
}
