package http1

import (
	"errors"
	"io"
)

// Errors from Reader.Fill.
var (
	ErrNoBuffer   = errors.New("http1: reader has no buffer attached")
	ErrBufferFull = errors.New("http1: reader buffer is full")
)

// Reader buffers what is read from a connection in a buffer that the caller
// lends and takes back, so that an idle connection holds no buffer.
//
// Slices returned by Buffered stay valid until the next Fill or Attach,
// which may move the unread bytes to the front of the buffer.
type Reader struct {
	src  io.Reader
	buf  []byte
	r, w int
	// BeforeFill, when set, runs before Fill reads from the source: the
	// moment a forwarder must send what it holds, since the read may wait.
	BeforeFill func() error
}

// NewReader returns a Reader on src, without a buffer.
func NewReader(src io.Reader) *Reader { return &Reader{src: src} }

// Reset switches to a new source and forgets any unread bytes; the buffer
// stays attached.
func (b *Reader) Reset(src io.Reader) {
	b.src = src
	b.r, b.w = 0, 0
}

// Source is the underlying reader. Once Buffered is empty, bytes may be
// copied from it directly (e.g. io.CopyN between two TCP connections, which
// lets the kernel splice a content-length body).
func (b *Reader) Source() io.Reader { return b.src }

// Attach makes buf the buffer, moving any unread bytes into it (buf must be
// large enough), and returns the previous buffer, if any, for recycling.
func (b *Reader) Attach(buf []byte) []byte {
	old := b.buf
	n := copy(buf[:cap(buf)], b.buf[b.r:b.w])
	if n != b.w-b.r {
		panic("http1: Attach buffer too small for the unread bytes")
	}
	b.buf, b.r, b.w = buf[:cap(buf)], 0, n
	return old
}

// Detach takes the buffer back when nothing is left unread; with unread
// bytes (a pipelined request) it returns nil and keeps the buffer.
func (b *Reader) Detach() []byte {
	if b.r != b.w {
		return nil
	}
	buf := b.buf
	b.buf, b.r, b.w = nil, 0, 0
	return buf
}

// Buffered returns the unread bytes.
func (b *Reader) Buffered() []byte { return b.buf[b.r:b.w] }

// Discard consumes n unread bytes.
func (b *Reader) Discard(n int) {
	if n < 0 || n > b.w-b.r {
		panic("http1: Discard out of range")
	}
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// Fill reads at least one byte from the source into the free space,
// compacting the buffer first if needed, and returns how many came.
func (b *Reader) Fill() (int, error) {
	if b.buf == nil {
		return 0, ErrNoBuffer
	}
	if b.BeforeFill != nil {
		if err := b.BeforeFill(); err != nil {
			return 0, err
		}
	}
	if b.w == len(b.buf) {
		if b.r == 0 {
			return 0, ErrBufferFull
		}
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	// A reader returning nothing without an error is allowed; do not
	// spin forever on one that keeps doing it.
	for range 100 {
		n, err := b.src.Read(b.buf[b.w:])
		b.w += n
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.ErrNoProgress
}

// AttachRead makes buf the buffer when its first n bytes were already read
// from the source by the caller. A proxy uses it to wait for readability
// without holding a buffer, then read straight into one from a pool. Any
// previous buffer must have been detached.
func (b *Reader) AttachRead(buf []byte, n int) {
	if b.r != b.w {
		panic("http1: AttachRead with unread bytes")
	}
	b.buf, b.r, b.w = buf[:cap(buf)], 0, n
}
