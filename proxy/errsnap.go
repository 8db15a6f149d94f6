package proxy

import (
	"errors"
	"maps"
	"net/netip"
	"sync"
	"time"

	"switchyard/backend"
	"switchyard/http1"
)

// Error snapshots, haproxy's `show errors`: the last invalid request each
// frontend received and the last invalid response each backend received,
// with the bytes as they arrived and where the parser stopped. They are
// kept by proxy name, so a reload keeps them.

// ErrorSnapshot is one captured message.
type ErrorSnapshot struct {
	When     time.Time
	Event    uint32 // the process's count of captures before this one
	Response bool   // a backend's invalid response (else a frontend's invalid request)
	// Other is the proxy at the other end (the frontend of an invalid
	// response; none for a request, which is refused before any routing,
	// as haproxy's H1 layer refuses it before its stream exists).
	Other   string
	Server  string // the server that sent an invalid response ("": none)
	Src     netip.AddrPort
	Buf     []byte // the message from its first byte, up to what had arrived
	ErrPos  int    // offset in Buf where the parser stopped
	BufSize int    // tune.bufsize: haproxy prints the space left in it
}

// errorSnapshots are the process's captures.
type errorSnapshots struct {
	mu     sync.Mutex
	events uint32                       // captures made
	last   map[string][2]*ErrorSnapshot // proxy name -> request, response
}

// capture records a snapshot for the proxy px.
func (e *errorSnapshots) capture(px string, es *ErrorSnapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	es.Event = e.events
	e.events++
	if e.last == nil {
		e.last = map[string][2]*ErrorSnapshot{}
	}
	p := e.last[px]
	if es.Response {
		p[1] = es
	} else {
		p[0] = es
	}
	e.last[px] = p
}

// ErrorSnapshots returns the last invalid request and response captured
// per proxy name ([0] and [1], nil: none) and how many captures the
// process made.
func (rt *Runtime) ErrorSnapshots() (map[string][2]*ErrorSnapshot, uint32) {
	e := &rt.state.errSnaps
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.last), e.events
}

// captureBadRequest records the invalid request head in buf, refused at
// pos.
func (s *httpStream) captureBadRequest(buf []byte, pos int) {
	s.rt.state.errSnaps.capture(s.fe.Name, &ErrorSnapshot{
		When: time.Now(), Src: s.ctx.Src, Buf: snapBytes(buf, s.fe.limits.BufSize),
		ErrPos: pos, BufSize: s.fe.limits.BufSize,
	})
}

// captureBadResponse records the invalid response head in buf, from srv
// of be, refused at pos.
func (s *httpStream) captureBadResponse(be *Backend, srv *backend.Server, buf []byte, pos int) {
	name := ""
	if srv != nil {
		name = srv.Name
	}
	s.rt.state.errSnaps.capture(be.Name, &ErrorSnapshot{
		When: time.Now(), Response: true, Other: s.fe.Name, Server: name, Src: s.ctx.Src,
		Buf: snapBytes(buf, s.fe.limits.BufSize), ErrPos: pos, BufSize: s.fe.limits.BufSize,
	})
}

// errPos is where the parser refused buf (its end when it does not say).
func errPos(buf []byte, err error) int {
	var pe *http1.ParseError
	if errors.As(err, &pe) {
		return pe.Offset
	}
	return len(buf)
}

// snapBytes copies at most a buffer's worth of the message.
func snapBytes(b []byte, size int) []byte {
	if size > 0 && len(b) > size {
		b = b[:size]
	}
	return append([]byte(nil), b...)
}
