package proxy

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"switchyard/http1"
)

// option abortonclose: a client that closes its side while its request
// waits for a server slot or a server connection gives the request up, so
// that a saturated server is not handed work nobody waits for. The client
// socket is watched (peeked, never read) only during that wait, and only
// when nothing but the request came from the client: buffered bytes mean
// the client did not close.

// abortOnClose makes s.t.abort a context that ends when the client closes
// its input, and returns the function that stops watching; it must be
// called before anything reads the client again, and may be called twice.
func (s *httpStream) abortOnClose() (stop func()) {
	s.t.abort = context.Background()
	if !s.requestAlone() {
		return func() {}
	}
	ctx, stopWatch := watchClose(s.cl.Conn, s.cl.rearmRead)
	s.t.abort = ctx
	return func() {
		stopWatch()
		s.t.abort = context.Background()
	}
}

// watchClose returns a context that ends when the peer of c closes its
// side (a read would see the end of the stream), and the function that
// stops watching and calls rearm to restore c's read deadline. Bytes
// waiting to be read, or an error, end the watch without ending the
// context. Without a descriptor to watch, the context never ends.
func watchClose(c net.Conn, rearm func()) (context.Context, func()) {
	sc, ok := netConn(c).(syscall.Conn) // a TLS client's close shows on its socket

	if !ok {
		return context.Background(), func() {}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return context.Background(), func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stopping atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var b [1]byte
		raw.Read(func(fd uintptr) bool {
			if stopping.Load() {
				return true
			}
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				return false // nothing yet: wait for the socket
			}
			if err == nil && n == 0 {
				cancel() // end of stream: the client closed
			}
			return true // bytes, or an error: the client is not just gone
		})
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			stopping.Store(true)
			c.SetReadDeadline(time.Unix(1, 0)) // wakes the watcher
			<-done
			rearm()
			cancel()
		})
	}
}

// requestAlone says whether the client's buffered bytes are exactly the
// request's body, all of it: nothing else came that a peek would see.
func (s *httpStream) requestAlone() bool {
	buf := int64(len(s.cr.Buffered()))
	r := &s.t.req
	switch {
	case s.t.bodyRead || r.BodyKind == http1.BodyNone:
		return buf == 0
	case r.BodyKind == http1.BodyLength:
		return buf == r.ContentLength
	}
	return false
}
