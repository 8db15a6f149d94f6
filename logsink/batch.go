package logsink

import (
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Datagram lines are not sent one syscall each, as haproxy sends them, but
// gathered for at most flushDelay and sent together with sendmmsg. A
// syslog daemon on the same host (rsyslog on 127.0.0.1:514 or /dev/log,
// the usual setup) is woken once per batch instead of once per request:
// measured on the gateway benchmark, the per-line wake-up preempted the
// proxy in the middle of requests about every other request, which showed
// as tail latency, and the syscall itself was the largest single cost of
// a logged request. The price is that a line leaves up to flushDelay
// later, and that a crash loses what was not sent yet (Flush sends it on
// a normal exit).

// flushDelay is how long a line may wait for others to share its syscall.
const flushDelay = time.Millisecond

// Bounds of a batch: beyond them a line is dropped and counted, as a full
// socket buffer drops it.
const (
	batchMaxLines = 4096
	batchMaxBytes = 4 << 20
)

// rawAddr is a target's destination in the kernel's form, built once at
// load and only read afterwards, so every sender may share it.
type rawAddr struct {
	p unsafe.Pointer
	n uint32
}

func rawInet(ap netip.AddrPort) rawAddr {
	// The port is in network order in both forms.
	port := ap.Port()
	nport := port<<8 | port>>8
	if a := ap.Addr(); a.Is4() {
		sa := &unix.RawSockaddrInet4{Family: unix.AF_INET, Port: nport, Addr: a.As4()}
		return rawAddr{unsafe.Pointer(sa), unix.SizeofSockaddrInet4}
	}
	sa := &unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: nport, Addr: ap.Addr().As16()}
	return rawAddr{unsafe.Pointer(sa), unix.SizeofSockaddrInet6}
}

// maxUnixPath is the longest path a unix socket address holds.
const maxUnixPath = len(unix.RawSockaddrUnix{}.Path) - 1

// rawUnix is path's address; path is at most maxUnixPath long.
func rawUnix(path string) rawAddr {
	sa := &unix.RawSockaddrUnix{Family: unix.AF_UNIX}
	for i := 0; i < len(path); i++ {
		sa.Path[i] = int8(path[i])
	}
	// The length counts the family and the path with its terminating NUL.
	return rawAddr{unsafe.Pointer(sa), uint32(unsafe.Offsetof(sa.Path)) + uint32(len(path)) + 1}
}

// pendingLine is one line of a batch: its bytes in the batch's data and
// where it goes.
type pendingLine struct {
	off, n int
	to     rawAddr
}

// dgramBatch gathers the lines of one datagram socket.
type dgramBatch struct {
	fd int

	mu    sync.Mutex
	data  []byte
	lines []pendingLine
	// armed says that a flush is scheduled for what is gathered.
	armed bool
	wake  chan struct{}

	// sendMu keeps one flush at a time, so lines leave in order; the
	// flushing side owns the spare buffers and the headers.
	sendMu     sync.Mutex
	spareData  []byte
	spareLines []pendingLine
	hdrs       []mmsghdr
	iovs       []unix.Iovec
}

// mmsghdr is the kernel's struct mmsghdr; Go pads it as C does.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

func newDgramBatch(fd int) *dgramBatch {
	b := &dgramBatch{fd: fd, wake: make(chan struct{}, 1)}
	go b.run()
	return b
}

// add queues line for to. It never blocks on the network.
func (b *dgramBatch) add(line []byte, to rawAddr) {
	b.mu.Lock()
	if len(b.lines) >= batchMaxLines || len(b.data)+len(line) > batchMaxBytes {
		b.mu.Unlock()
		Dropped.Add(1)
		return
	}
	b.lines = append(b.lines, pendingLine{off: len(b.data), n: len(line), to: to})
	b.data = append(b.data, line...)
	arm := !b.armed
	b.armed = true
	b.mu.Unlock()
	if arm {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

// run sends a batch flushDelay after its first line.
func (b *dgramBatch) run() {
	t := time.NewTimer(flushDelay)
	t.Stop()
	for range b.wake {
		t.Reset(flushDelay)
		<-t.C
		b.flush()
	}
}

// flush sends what is gathered now.
func (b *dgramBatch) flush() {
	b.sendMu.Lock()
	defer b.sendMu.Unlock()
	b.mu.Lock()
	data, lines := b.data, b.lines
	b.data, b.lines = b.spareData[:0], b.spareLines[:0]
	b.armed = false
	b.mu.Unlock()
	b.send(data, lines)
	b.spareData, b.spareLines = data[:0], lines[:0]
}

// send hands lines to the kernel, as many per syscall as it takes. A line
// the socket refuses (a full buffer, an unreachable address) is dropped
// and counted; the others still go.
func (b *dgramBatch) send(data []byte, lines []pendingLine) {
	if len(lines) == 0 {
		return
	}
	if cap(b.hdrs) < len(lines) {
		b.hdrs = make([]mmsghdr, len(lines))
		b.iovs = make([]unix.Iovec, len(lines))
	}
	hdrs, iovs := b.hdrs[:len(lines)], b.iovs[:len(lines)]
	for i, l := range lines {
		iovs[i] = unix.Iovec{}
		if l.n > 0 { // a line has its newline at least; an empty one sends an empty datagram
			iovs[i].Base = &data[l.off]
			iovs[i].SetLen(l.n)
		}
		hdrs[i] = mmsghdr{hdr: unix.Msghdr{Name: (*byte)(l.to.p), Namelen: l.to.n, Iov: &iovs[i]}}
		hdrs[i].hdr.SetIovlen(1)
	}
	for len(hdrs) > 0 {
		n, _, errno := syscall.Syscall6(unix.SYS_SENDMMSG, uintptr(b.fd), uintptr(unsafe.Pointer(&hdrs[0])), uintptr(len(hdrs)),
			unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			// The socket's buffer is full: the rest cannot go either.
			Dropped.Add(int64(len(hdrs)))
			hdrs = nil
		case errno != 0:
			// The first line could not go (its address, its size);
			// skip it, the others may.
			Dropped.Add(1)
			hdrs = hdrs[1:]
		default:
			hdrs = hdrs[n:]
		}
	}
	clear(iovs) // no pointer into the spare data outlives the send
}

// opened are the batches of the datagram sockets made so far, for Flush.
var opened struct {
	sync.Mutex
	l []*dgramBatch
}

// Flush sends every datagram line still gathered, at once, and waits (a
// second at most) for the lines queued for stdout, stderr and fd@N
// targets to be written: called before the process exits.
func Flush() {
	opened.Lock()
	all := slices.Clone(opened.l)
	opened.Unlock()
	for _, b := range all {
		b.flush()
	}
	streams.Lock()
	ss := make([]*stream, 0, len(streams.m))
	for _, s := range streams.m {
		ss = append(ss, s)
	}
	streams.Unlock()
	deadline := time.Now().Add(time.Second)
	for _, s := range ss {
		s.flush(deadline)
	}
}
