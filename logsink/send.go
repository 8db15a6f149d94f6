package logsink

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Dropped counts the lines dropped because a target could not take them
// at once (a full socket buffer or output queue), as haproxy's
// dropped_logs.
var Dropped atomic.Int64

// Meta is what a line's header says besides the time and priority: the
// tag (log-tag, the program name by default), the host name
// (log-send-hostname, "" for none) and the process id.
type Meta struct {
	Tag      string
	Hostname string
}

// Send sends msg at level to each target whose level admits it. sd is the
// structured data of rfc5424 headers ("" is "-"). It never blocks.
func Send(targets []*Target, meta *Meta, level int, msg, sd []byte) {
	if len(targets) == 0 {
		return
	}
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == 0) {
		msg = msg[:len(msg)-1]
	}
	bp := bufs.Get().(*[]byte)
	now := time.Now()
	for _, t := range targets {
		if level > t.Level || t.sampling != nil && !t.sampling.take() {
			continue
		}
		*bp = t.appendLine((*bp)[:0], now, meta, max(level, t.MinLevel), msg, sd)
		t.send(*bp)
	}
	if cap(*bp) <= 64<<10 {
		bufs.Put(bp)
	}
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

var pid = strconv.Itoa(os.Getpid())

// appendLine builds the datagram: header, message cut so that both fit
// MaxLen, and a newline.
func (t *Target) appendLine(dst []byte, now time.Time, meta *Meta, level int, msg, sd []byte) []byte {
	f := t.Format
	if f == FormatAuto {
		f = FormatLocal
		if meta.Hostname != "" {
			f = FormatRFC3164
		}
	}
	switch f {
	case FormatLocal, FormatRFC3164, FormatRFC5424, FormatPriority:
		dst = appendPri(dst, t.Facility<<3+level)
	case FormatTimed, FormatShort:
		dst = appendPri(dst, level)
	}
	switch f {
	case FormatLocal, FormatRFC3164:
		dst = append(dst, legacyTime(now)...)
	case FormatRFC5424:
		dst = append(dst, "1 "...)
		dst = appendISO(dst, now)
	case FormatTimed, FormatISO:
		dst = appendISO(dst, now)
	}
	switch f {
	case FormatRFC3164:
		if meta.Hostname != "" {
			dst = append(append(dst, meta.Hostname...), ' ')
		} else {
			dst = append(dst, "localhost "...)
		}
		fallthrough
	case FormatLocal:
		if meta.Tag != "" {
			dst = append(append(append(append(dst, meta.Tag...), '['), pid...), "]: "...)
		}
	case FormatRFC5424:
		dst = appendField(dst, meta.Hostname)
		dst = appendField(dst, meta.Tag)
		dst = appendField(dst, pid)
		dst = appendField(dst, "") // msgid
		for len(sd) > 0 && sd[len(sd)-1] == ' ' {
			sd = sd[:len(sd)-1]
		}
		dst = appendField(dst, string(sd))
	}
	if room := t.MaxLen - len(dst); room <= 0 {
		dst = dst[:t.MaxLen]
	} else {
		dst = append(dst, msg[:min(len(msg), room)]...)
	}
	return append(dst, '\n')
}

func appendPri(dst []byte, pri int) []byte {
	return append(strconv.AppendInt(append(dst, '<'), int64(pri), 10), '>')
}

func appendField(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "- "...)
	}
	return append(append(dst, s...), ' ')
}

// appendISO is haproxy's timeofday_as_iso_us: local time to the
// microsecond with the zone's offset, and a space.
func appendISO(dst []byte, now time.Time) []byte {
	return append(now.AppendFormat(dst, "2006-01-02T15:04:05.000000-07:00"), ' ')
}

// legacyTime is "Jan  2 15:04:05 " in local time, made once a second.
func legacyTime(now time.Time) string {
	sec := now.Unix()
	if c := legacyCache.Load(); c != nil && c.sec == sec {
		return c.text
	}
	c := &cachedTime{sec: sec, text: now.Format("Jan _2 15:04:05 ")}
	legacyCache.Store(c)
	return c.text
}

type cachedTime struct {
	sec  int64
	text string
}

var legacyCache atomic.Pointer[cachedTime]

// send writes one line. Datagrams are gathered and sent together, with
// MSG_DONTWAIT (batch.go); stdout and stderr, which can block (a pipe
// nobody reads), are written by a goroutine behind a queue.
func (t *Target) send(line []byte) {
	switch t.kind {
	case kindFD:
		st := t.out.Load()
		if st == nil {
			st = streamFor(t.fd) // shared by the targets of one descriptor
			t.out.Store(st)
		}
		st.enqueue(line)
	case kindUDP:
		udpSocket(t.addr.Addr().Is4()).add(line, t.raw)
	case kindUnix:
		unixSocket().add(line, t.raw)
	}
}

// dgramSocket is one datagram socket shared by every target of a family,
// as haproxy shares logfdinet and logfdunix. Its lines are sent in
// batches; batch is nil if the socket could not be made.
type dgramSocket struct {
	once  sync.Once
	batch *dgramBatch
}

// add queues a line for to, or counts it dropped without a socket.
func (s *dgramSocket) add(line []byte, to rawAddr) {
	if s.batch == nil {
		Dropped.Add(1)
		return
	}
	s.batch.add(line, to)
}

var udp4, udp6, unixgram dgramSocket

func (s *dgramSocket) open(domain int) *dgramSocket {
	s.once.Do(func() {
		fd, err := syscall.Socket(domain, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return
		}
		// Nothing is ever read from it.
		syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 0)
		s.batch = newDgramBatch(fd)
		opened.Lock()
		opened.l = append(opened.l, s.batch)
		opened.Unlock()
	})
	return s
}

func udpSocket(v4 bool) *dgramSocket {
	if v4 {
		return udp4.open(syscall.AF_INET)
	}
	return udp6.open(syscall.AF_INET6)
}

func unixSocket() *dgramSocket { return unixgram.open(syscall.AF_UNIX) }

// stream is a descriptor (stdout, stderr, fd@N), written by its own
// goroutine.
type stream struct {
	q chan []byte
	// pending counts the lines queued and not yet written; drained is
	// signalled when it falls to zero, for Flush.
	pending atomic.Int64
	drained chan struct{}
}

var streams struct {
	sync.Mutex
	m map[int]*stream
}

// queueLen bounds the lines waiting for a slow descriptor.
const queueLen = 4096

func streamFor(fd int) *stream {
	streams.Lock()
	defer streams.Unlock()
	if s := streams.m[fd]; s != nil {
		return s
	}
	if streams.m == nil {
		streams.m = map[int]*stream{}
	}
	s := &stream{q: make(chan []byte, queueLen), drained: make(chan struct{}, 1)}
	var f *os.File
	switch fd {
	case 1:
		f = os.Stdout
	case 2:
		f = os.Stderr
	default:
		f = os.NewFile(uintptr(fd), "fd@"+strconv.Itoa(fd))
	}
	go s.write(f)
	streams.m[fd] = s
	return s
}

// streamWriteMax bounds what one write of a stream gathers.
const streamWriteMax = 64 << 10

// write writes the queued lines, those already waiting together in one
// write: a pipe to a container runtime's log collector wakes it once per
// write, as datagram batches do (batch.go).
func (s *stream) write(f *os.File) {
	var buf []byte
	for line := range s.q {
		buf = append(buf[:0], line...)
		n := int64(1)
	gather:
		for len(buf) < streamWriteMax {
			select {
			case more, ok := <-s.q:
				if !ok {
					break gather
				}
				buf = append(buf, more...)
				n++
			default:
				break gather
			}
		}
		f.Write(buf)
		if cap(buf) > 4*streamWriteMax {
			buf = nil
		}
		if s.pending.Add(-n) == 0 {
			select {
			case s.drained <- struct{}{}:
			default:
			}
		}
	}
}

func (s *stream) enqueue(line []byte) {
	s.pending.Add(1)
	select {
	case s.q <- append([]byte(nil), line...):
	default:
		s.pending.Add(-1)
		Dropped.Add(1)
	}
}

// flush waits, at most until deadline, for the queued lines to be written.
func (s *stream) flush(deadline time.Time) {
	for s.pending.Load() > 0 {
		wait := time.Until(deadline)
		if wait <= 0 {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-s.drained:
		case <-t.C:
		}
		t.Stop()
	}
}
