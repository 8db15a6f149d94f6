package hlua

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"math"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"
)

// core.tcp(): haproxy's Socket class, LuaSocket's client half. haproxy
// runs each socket as an internal stream through its LUA-SOCKET proxy; we
// use a plain net.Conn and reproduce what scripts see of that stream
// (checked against haproxy 2.6.12 on the same script):
//
//   - connect returns 1, or nil and "Can't connect"; an address it cannot
//     parse, or an IPv4/IPv6 address without a port, is a Lua error. Host
//     names are not resolved (haproxy parses the address without DNS).
//   - receive returns the data, or nil and "connection closed." once the
//     connection is closed and nothing was read. What was read before the
//     close (and the prefix) is returned alone, as a success. A number
//     pattern counts the prefix in the bytes wanted, as haproxy does.
//   - send returns the number of bytes sent, or -1 once the connection is
//     closed; data sent before connect waits for it.
//   - settimeout is an inactivity timeout on connect, reads and writes:
//     when it strikes the connection is closed, as haproxy kills the
//     stream (receive then answers as for a close).
//   - there is no timeout by default, as in haproxy.
//
// Every wait (connect, read, write) runs in thread.block: a shared state
// runs other calls meanwhile, and the wait is not counted in the Lua
// timeout.

// luaSocket is a Socket object.
type luaSocket struct {
	mu      sync.Mutex // held across a whole operation, waits included
	box     *connBox
	state   sockState
	buf     []byte       // received and not yet returned
	eof     bool         // the peer closed its side
	pending []byte       // sent before connect
	timeout atomic.Int64 // ns, 0: none
}

func (s *luaSocket) tmo() time.Duration { return time.Duration(s.timeout.Load()) }

type sockState uint8

const (
	sockNew sockState = iota
	sockConnected
	sockDead // closed by the script, failed, or timed out
)

// connBox holds the connection apart from the object, so that a cleanup
// can close it once the object is garbage (haproxy's __gc; gopher-lua
// calls none).
type connBox struct {
	mu sync.Mutex
	c  net.Conn
	// prog holds the connection open while set: its Stop closes it, so
	// that no socket outlives the configuration whose script opened it.
	prog *Program
}

func (b *connBox) get() net.Conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.c
}

// set holds c; false (and c closed) when the program has stopped.
func (b *connBox) set(c net.Conn) bool {
	if b.prog != nil && !b.prog.holdSocket(b) {
		c.Close()
		return false
	}
	b.mu.Lock()
	b.c = c
	b.mu.Unlock()
	return true
}

func (b *connBox) close() {
	b.mu.Lock()
	c := b.c
	b.c = nil
	b.mu.Unlock()
	if c != nil {
		c.Close()
		if b.prog != nil {
			b.prog.dropSocket(b)
		}
	}
}

// openSocket adds core.tcp to the core table.
func openSocket(v *vm, core *glua.LTable) {
	L := v.L
	newClass(L, "Socket", map[string]glua.LGFunction{
		"connect":     v.sockConnect(false),
		"connect_ssl": v.sockConnect(true),
		"send":        v.sockSend,
		"receive":     v.sockReceive,
		"close":       v.sockClose,
		"getpeername": func(L *glua.LState) int { return sockName(L, true) },
		"getsockname": func(L *glua.LState) int { return sockName(L, false) },
		"settimeout":  sockSetTimeout,
		"setoption":   func(L *glua.LState) int { return 0 },
	})
	core.RawSetString("tcp", L.NewFunction(func(L *glua.LState) int {
		s := &luaSocket{box: &connBox{prog: v.prog}}
		runtime.AddCleanup(s, func(b *connBox) { b.close() }, s.box)
		L.Push(newObject(L, "Socket", s))
		return 1
	}))
}

func checkSocket(L *glua.LState) *luaSocket {
	if s, ok := objectValue(L, 1).(*luaSocket); ok {
		return s
	}
	L.ArgError(1, "Socket expected")
	return nil
}

// wait runs fn, which waits on the network, outside the call's Lua time
// and, for the shared state, without its lock. While the scripts load no
// other call exists: fn runs as is. When the program stops meanwhile,
// abort is called to end the wait (a task blocked on a socket must not
// outlive its configuration).
func (v *vm) wait(L *glua.LState, fn func(), abort func()) {
	t := v.waitingThread(L)
	if t == nil || v.loading {
		fn()
		return
	}
	t.block(func() {
		if abort != nil {
			// stopCtx is the program's stop as a context: no
			// goroutine per wait to watch for it.
			defer context.AfterFunc(v.prog.stopCtx, abort)()
		}
		fn()
	})
}

// sockAddr is a parsed destination: a UNIX socket's path, or else a TCP
// address.
type sockAddr struct {
	path string
	tcp  netip.AddrPort
}

// dial connects to a; a TCP address without a port (port 0) cannot be
// reached, as under haproxy.
func (a sockAddr) dial(ctx context.Context, d *net.Dialer) (net.Conn, error) {
	switch {
	case a.path != "":
		return d.DialContext(ctx, "unix", a.path)
	case a.tcp.Port() == 0:
		return nil, errors.New("port 0")
	}
	return d.DialContext(ctx, "tcp", a.tcp.String())
}

// parseSockAddr reads an address as haproxy's str2sa_range does for
// Socket.connect: "unix@path", "/path", "abns@name", "ipv4@", "ipv6@",
// else host:port where the port follows the last colon (IPv6 may be
// bracketed). hasPort says the address named a port.
func parseSockAddr(s string) (a sockAddr, hasPort bool, ok bool) {
	str := s
	family := ""
	switch {
	case strings.HasPrefix(str, "unix@"):
		return sockAddr{path: str[len("unix@"):]}, true, str != "unix@"
	case strings.HasPrefix(str, "/"):
		return sockAddr{path: str}, true, true
	case strings.HasPrefix(str, "abns@"):
		return sockAddr{path: "@" + str[len("abns@"):]}, true, str != "abns@"
	case strings.HasPrefix(str, "ipv4@"):
		family, str = "4", str[len("ipv4@"):]
	case strings.HasPrefix(str, "ipv6@"):
		family, str = "6", str[len("ipv6@"):]
	case strings.Contains(str, "@"):
		// fd@, sockpair@, udp@…: not a stream socket we can open.
		return sockAddr{}, false, false
	}
	host, portStr := str, ""
	if i := strings.LastIndexByte(str, ':'); i >= 0 {
		host, portStr = str[:i], str[i+1:]
	}
	port := 0
	if portStr != "" {
		if port, ok = parsePort(portStr); !ok {
			return sockAddr{}, false, false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	var ip netip.Addr
	switch host {
	case "", "*":
		ip = netip.IPv4Unspecified()
		if family == "6" {
			ip = netip.IPv6Unspecified()
		}
	default:
		var err error
		ip, err = netip.ParseAddr(host)
		if err != nil || family == "4" && !ip.Is4() || family == "6" && ip.Is4() {
			return sockAddr{}, false, false
		}
	}
	return sockAddr{tcp: netip.AddrPortFrom(ip, uint16(port))}, portStr != "", true
}

// parsePort reads a port number, 0 to 65535.
func parsePort(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 65535
}

func (v *vm) sockConnect(useTLS bool) glua.LGFunction {
	return func(L *glua.LState) int {
		if useTLS && L.GetTop() != 3 {
			L.RaiseError("'connect_ssl' needs 3 arguments")
		}
		if L.GetTop() < 2 {
			L.RaiseError("connect: need at least 2 arguments")
		}
		s := checkSocket(L)
		ip := L.CheckString(2)
		port := -1
		if L.GetTop() >= 3 {
			port = int(checkInteger(L, 3))
			// As haproxy: a port argument ends the address with a
			// colon, so that IPv6 addresses need no brackets.
			if port > 0 {
				ip += ":"
			}
		}
		a, hasPort, ok := parseSockAddr(ip)
		if !ok {
			L.RaiseError("connect: cannot parse destination address '%s'", ip)
		}
		if a.path == "" && !hasPort {
			if port == -1 {
				L.RaiseError("connect: port missing")
			}
			a.tcp = netip.AddrPortFrom(a.tcp.Addr(), uint16(port))
		}
		var conn net.Conn
		var err error
		var closed bool
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		v.wait(L, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.state != sockNew {
				closed = true
				return
			}
			conn, err = s.dial(ctx, a, useTLS)
			if err == nil && !s.box.set(conn) {
				err = errStopped
			}
			if err != nil {
				s.state = sockDead
				return
			}
			s.state = sockConnected
		}, cancel)
		switch {
		case closed:
			L.Push(glua.LNil)
			return 1
		case err != nil:
			L.Push(glua.LNil)
			L.Push(glua.LString("Can't connect"))
			return 2
		}
		L.Push(glua.LNumber(1))
		return 1
	}
}

// dial opens the connection (TLS on top when useTLS) and sends what was
// sent before; cancelling ctx ends the attempt.
func (s *luaSocket) dial(ctx context.Context, a sockAddr, useTLS bool) (net.Conn, error) {
	conn, err := a.dial(ctx, &net.Dialer{Timeout: s.tmo()})
	if err != nil {
		return nil, err
	}
	if useTLS {
		// haproxy's Lua SSL server: "ssl verify none", and no SNI.
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
		if s.tmo() > 0 {
			tc.SetDeadline(time.Now().Add(s.tmo()))
		}
		if err := tc.Handshake(); err != nil {
			conn.Close()
			return nil, err
		}
		tc.SetDeadline(time.Time{})
		conn = tc
	}
	if len(s.pending) > 0 {
		if s.tmo() > 0 {
			conn.SetWriteDeadline(time.Now().Add(s.tmo()))
		}
		_, err = conn.Write(s.pending)
		s.pending = nil
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// sendRange is haproxy's choice of the bytes of data that send(data, i,
// j) sends, string.sub's rules: 1-based, negative from the end. haproxy
// lets j reach one past the end and then sends the string's terminating
// NUL byte too; we stop at the end.
func sendRange(n, top int, i, j int) (int, int, bool) {
	if top >= 4 {
		if j < 0 {
			j = n + j + 1
		}
		if j > n {
			j = n
		}
	} else {
		j = n
	}
	if top >= 3 {
		if i < 0 {
			i = n + i + 1
		}
		if i > n {
			i = n + 1
		}
	} else {
		i = 1
	}
	if i > j || i == 0 && j == 0 {
		return 0, 0, false
	}
	if i <= 0 {
		i = 1
	}
	if j <= 0 {
		j = 1
	}
	return i, j, true
}

func (v *vm) sockSend(L *glua.LState) int {
	top := L.GetTop()
	if top < 2 || top > 4 {
		L.RaiseError("'send' needs between 2 and 4 arguments")
	}
	s := checkSocket(L)
	data := L.CheckString(2)
	i, j := 0, 0
	if top >= 4 {
		j = int(checkInteger(L, 4))
	}
	if top >= 3 {
		i = int(checkInteger(L, 3))
	}
	i, j, ok := sendRange(len(data), top, i, j)
	if !ok {
		L.Push(glua.LNumber(0))
		return 1
	}
	part := data[i-1 : j]
	n := -1
	v.wait(L, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch s.state {
		case sockDead:
			return
		case sockNew:
			s.pending = append(s.pending, part...)
			n = len(part)
			return
		}
		conn := s.box.get()
		if conn == nil {
			return
		}
		if s.tmo() > 0 {
			conn.SetWriteDeadline(time.Now().Add(s.tmo()))
		}
		var err error
		n, err = conn.Write([]byte(part))
		if err != nil {
			s.kill()
			if n == 0 {
				n = -1
			}
		}
	}, s.interrupt)
	L.Push(glua.LNumber(n))
	return 1
}

// interrupt ends a wait on the connection: the program stops.
func (s *luaSocket) interrupt() {
	if c := s.box.get(); c != nil {
		c.SetDeadline(time.Now())
	}
}

// kill ends the connection after an error or a timeout: later calls see
// it closed.
func (s *luaSocket) kill() {
	s.state = sockDead
	s.box.close()
}

// sockBufSize is haproxy's tune.bufsize: the most of a line it holds.
const sockBufSize = 16384

// receive patterns.
const (
	rcvLine = -1
	rcvAll  = -2
)

func (v *vm) sockReceive(L *glua.LState) int {
	top := L.GetTop()
	if top < 1 || top > 3 {
		L.RaiseError("The 'receive' function requires between 1 and 3 arguments.")
	}
	s := checkSocket(L)
	wanted := rcvLine
	if top >= 2 {
		switch p := L.Get(2).(type) {
		case glua.LString:
			switch string(p) {
			case "*a":
				wanted = rcvAll
			case "*l":
				wanted = rcvLine
			default:
				n, err := strconv.ParseInt(string(p), 10, 64)
				if err != nil {
					L.RaiseError("Unsupported pattern.")
				}
				wanted = int(n)
			}
		case glua.LNumber:
			if p < 0 {
				L.RaiseError("Unsupported size.")
			}
			wanted = int(math.Min(float64(p), math.MaxInt32))
		}
	}
	var out []byte
	if top >= 3 {
		p, ok := L.Get(3).(glua.LString)
		if !ok {
			L.RaiseError("Expect a 'string' for the prefix")
		}
		out = append(out, p...)
	}
	var res []byte
	var got bool
	v.wait(L, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		// Data received before the close is still returned.
		if s.state == sockConnected || len(s.buf) > 0 {
			res, got = s.receive(s.box.get(), wanted, out)
		} else {
			res, got = out, len(out) > 0
		}
	}, s.interrupt)
	if !got {
		L.Push(glua.LNil)
		L.Push(glua.LString("connection closed."))
		return 2
	}
	L.Push(glua.LString(res))
	return 1
}

// receive reads what wanted asks for and returns it after out (the
// prefix), or, once the connection is closed, what it has (false when
// that is nothing at all).
func (s *luaSocket) receive(conn net.Conn, wanted int, out []byte) ([]byte, bool) {
	for {
		switch {
		case wanted == rcvLine:
			if i := bytes.IndexByte(s.buf, '\n'); i >= 0 {
				line := s.buf[:i]
				if len(line) > 0 && line[len(line)-1] == '\r' {
					line = line[:len(line)-1]
				}
				out = append(out, line...)
				s.consume(i + 1)
				return out, true
			}
			if len(s.buf) >= sockBufSize && !s.eof {
				// haproxy's buffer is full without a line: it
				// waits for the timeout (forever without one),
				// then the socket is dead. We end it at once, and
				// hold no more than haproxy would.
				s.kill()
				s.buf = nil
				return out, len(out) > 0
			}
			if s.eof && len(s.buf) > 0 {
				// haproxy returns an unterminated last line at
				// the close.
				out = append(out, s.buf...)
				s.consume(len(s.buf))
				return out, true
			}
		case wanted == rcvAll:
			out = append(out, s.buf...)
			s.consume(len(s.buf))
		default:
			need := wanted - len(out)
			if wanted == 0 {
				return out, true
			}
			if need <= 0 {
				// The prefix already covers the count: haproxy
				// returns what it has at once (or at the first
				// data).
				if len(s.buf) > 0 {
					out = append(out, s.buf...)
					s.consume(len(s.buf))
					return out, true
				}
			} else {
				take := min(need, len(s.buf))
				out = append(out, s.buf[:take]...)
				s.consume(take)
				if len(out) >= wanted {
					return out, true
				}
			}
		}
		if s.eof || s.state != sockConnected || conn == nil {
			return out, len(out) > 0
		}
		if !s.fill(conn) && wanted == rcvLine {
			// A timeout loses the incomplete line with the stream.
			if !s.eof {
				s.buf = s.buf[:0]
			}
		}
	}
}

func (s *luaSocket) consume(n int) {
	s.buf = s.buf[n:]
	if len(s.buf) == 0 {
		s.buf = nil
	}
}

// fill reads once; false on a close, an error or a timeout (the socket is
// then dead, but what it holds can still be returned).
func (s *luaSocket) fill(conn net.Conn) bool {
	if s.tmo() > 0 {
		conn.SetReadDeadline(time.Now().Add(s.tmo()))
	}
	// Read straight into the buffer's spare room: a local array would
	// escape (conn is an interface) and cost an allocation and a copy
	// per read.
	s.buf = slices.Grow(s.buf, sockBufSize)
	n, err := conn.Read(s.buf[len(s.buf) : len(s.buf)+sockBufSize])
	s.buf = s.buf[:len(s.buf)+n]
	if err != nil {
		s.eof = !isTimeout(err)
		s.kill()
		return false
	}
	return true
}

// isTimeout says err is a deadline that struck (os.ErrDeadlineExceeded
// is a net.Error too).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (v *vm) sockClose(L *glua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("'close' needs 1 arguments")
	}
	s := checkSocket(L)
	// Closing first ends another call's wait on the socket; the state
	// changes once that call let go of it.
	s.box.close()
	v.wait(L, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.kill()
		s.buf, s.pending = nil, nil
	}, nil)
	return 0
}

// sockName is getpeername (peer) or getsockname: "ip:port", "[ip6]:port",
// or a UNIX socket's path; nil when not connected.
func sockName(L *glua.LState, peer bool) int {
	what := "getsockname"
	if peer {
		what = "getpeername"
	}
	if L.GetTop() != 1 {
		L.RaiseError("'%s' needs 1 arguments", what)
	}
	s := checkSocket(L)
	var a net.Addr
	if c := s.box.get(); c != nil {
		if peer {
			a = c.RemoteAddr()
		} else {
			a = c.LocalAddr()
		}
	}
	switch x := a.(type) {
	case *net.TCPAddr:
		ap := x.AddrPort()
		L.Push(glua.LString(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()))
	case *net.UnixAddr:
		L.Push(glua.LString(x.Name))
	default:
		L.Push(glua.LNil)
	}
	return 1
}

func sockSetTimeout(L *glua.LState) int {
	if L.GetTop() != 2 {
		L.RaiseError("'settimeout' needs 2 arguments")
	}
	s := checkSocket(L)
	ms := checkNumber(L, 2) * 1000
	if ms < 0 {
		L.RaiseError("settimeout: cannot set negatives values")
	}
	if ms > math.MaxInt32 {
		L.RaiseError("settimeout: cannot set values larger than %d ms", math.MaxInt32)
	}
	d := time.Duration(ms * float64(time.Millisecond))
	if d < time.Millisecond {
		d = time.Millisecond // haproxy's minimum
	}
	s.timeout.Store(int64(d))
	L.Push(glua.LNumber(1))
	return 1
}

// checkNumber is luaL_checknumber: a number, or a string that holds one
// (scripts pass ports read from headers). gopher-lua's CheckNumber takes
// strings too, but tries ParseInt with base 0 first and so reads "010"
// as octal 8 where Lua reads 10: decimal is tried first here.
func checkNumber(L *glua.LState, n int) float64 {
	switch x := L.Get(n).(type) {
	case glua.LNumber:
		return float64(x)
	case glua.LString:
		t := strings.TrimSpace(string(x))
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return f
		}
		if i, err := strconv.ParseInt(t, 0, 64); err == nil {
			return float64(i)
		}
	}
	L.TypeError(n, glua.LTNumber)
	return 0
}

// checkInteger is luaL_checkinteger (Lua 5.3): a number with an integer
// value, or a string holding one.
func checkInteger(L *glua.LState, n int) int64 {
	f := checkNumber(L, n)
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		L.ArgError(n, "number has no integer representation")
	}
	return int64(f)
}
