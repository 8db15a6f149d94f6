package proxy

import (
	"syscall"
)

// roundTrip sends a whole request on a server connection and reads the
// first bytes of the answer in one pass through Go's netpoller.
//
// Sending with Write and then reading with Read costs a read that fails
// with EAGAIN after every request: Go tries the read before it waits, since
// it cannot know whether the answer came in between. Here the write happens
// inside RawConn.Read's callback, after the netpoller has been reset for
// this wait; an answer can only come after the write, so it cannot be
// missed, and the first read is attempted only once the socket is readable.
//
// A connection taken idle from the pool is checked in the same pass: one
// read before the write must find nothing (EAGAIN). Bytes there came from
// the server unasked, or it closed the connection; either way the request
// must go elsewhere. This read replaces the peek that would otherwise be
// needed, so reuse costs no extra system call.
//
// A request whose body streams sends its head this way without waiting:
// the body pump has to start before the answer is awaited. It gets the
// check, not the saved read.
type roundTrip struct {
	req   []byte // the request: head and whole body
	buf   []byte // where the answer's first bytes go
	check bool   // the connection comes idle from the pool
	wait  bool   // wait for the answer once req is written

	sent  int   // bytes of req written
	wrote bool  // req is all written: waiting for the answer
	n     int   // bytes of the answer read into buf
	stale bool  // check found bytes, an end or an error: nothing was sent
	err   error // a write error, or the read's error (io.EOF-like: n == 0)

	fn func(uintptr) bool // step, bound once: a closure per call would allocate
}

// rtResult is how a round trip ended.
type rtResult uint8

const (
	rtAnswered   rtResult = iota // n > 0 bytes of answer in buf
	rtSent                       // req is written; not waiting was asked
	rtStale                      // the pooled connection was unusable; nothing was sent
	rtPartial                    // the socket took part of req: write the rest, then read as usual
	rtNoAnswer                   // sent, but the read failed: read as usual to see why
	rtSendFailed                 // the write failed
)

// run performs the round trip on t, or only the check and the write
// unless wait. The read deadline must be armed.
func (r *roundTrip) run(t *timedConn, req, buf []byte, check, wait bool) rtResult {
	r.sent, r.wrote, r.n, r.stale, r.err = 0, false, 0, false, nil
	raw := t.rawConn()
	if raw == nil {
		if check && t.idleBroken() {
			return rtStale
		}
		return rtPartial // no descriptor (TLS): the caller writes and reads
	}
	if r.fn == nil {
		r.fn = r.step
	}
	r.req, r.buf, r.check, r.wait = req, buf, check, wait
	defer func() { r.req, r.buf = nil, nil }()
	for {
		err := raw.Read(r.fn)
		if err == nil {
			break
		}
		if !t.readRearmed(err) {
			if !r.wrote {
				if r.sent == 0 && r.err == nil {
					r.err = err
				}
				return rtSendFailed
			}
			return rtNoAnswer
		}
	}
	switch {
	case r.stale:
		return rtStale
	case !r.wrote && r.err != nil:
		return rtSendFailed
	case !r.wrote:
		return rtPartial
	case !r.wait:
		return rtSent
	case r.n > 0:
		return rtAnswered
	}
	return rtNoAnswer
}

// step is RawConn.Read's callback: check, write, then read once readable.
// It returns false to wait for readability.
func (r *roundTrip) step(fd uintptr) bool {
	if !r.wrote {
		if r.check && r.sent == 0 {
			// Whatever is there is not an answer to this request.
			if _, err := syscall.Read(int(fd), r.buf); err != syscall.EAGAIN {
				r.stale = true
				return true
			}
		}
		for r.sent < len(r.req) {
			n, err := syscall.Write(int(fd), r.req[r.sent:])
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN {
				return true // the socket is full: the caller writes the rest with deadlines
			}
			if err != nil {
				r.err = err
				return true
			}
			r.sent += n
		}
		r.wrote = true
		return !r.wait
	}
	n, err := syscall.Read(int(fd), r.buf)
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return false
	}
	if n > 0 {
		r.n = n
		return true
	}
	r.err = err
	return true
}
