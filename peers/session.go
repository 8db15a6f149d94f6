package peers

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchyard/stick"
)

var errReplaced = errors.New("replaced by another session")

// session is one connection with a peer, in either direction: once the
// handshake is done both ends speak alike. A reader goroutine applies what
// comes in; a writer goroutine pushes updates, acks and control messages.
type session struct {
	sec      *Section
	peer     *peer
	c        net.Conn
	br       *bufio.Reader
	incoming bool
	dwngrd   bool // the peer speaks 2.0: no timed updates

	wake chan struct{}
	done chan struct{}
	once sync.Once
	// lastRx is when something last came from the peer, nextHb when the
	// writer sends a heartbeat unless it sends something else (unix ns;
	// for show peers).
	lastRx, nextHb atomic.Int64

	mu          sync.Mutex
	established bool
	wantResync  bool // send a resync request
	// Teaching the peer every entry, when it asks (resync request):
	// normal pushes wait until it confirms.
	teach       bool
	teachSent   bool
	teachOrigin map[*shared]uint32
	teachKeys   map[*shared][]*stick.Entry
	confirms    int
	pushed      map[*shared]uint32 // last update pushed, per table
	remote      map[uint64]*remoteTable
	lastTable   *shared // the table the peer was last told updates are for

	// Reader only (rxDict written under mu too, for show peers).
	cur    *remoteTable
	rxDict [dictEntries]string

	// Writer only.
	txDict  map[string]int
	txSlots [dictEntries]string
	txNext  int
}

// remoteTable is a table as the peer defined it.
type remoteTable struct {
	id     uint64
	local  *shared // nil: no table of ours matches; its updates are skipped
	data   uint64  // the data types its updates carry
	nbelem [stick.NumDataTypes]int
	// lastGet is the last update id received, lastAcked the last one
	// acknowledged.
	lastGet, lastAcked uint32
}

// newSession makes a session on c; br is the reader the handshake used
// (nil: a new one).
func newSession(s *Section, p *peer, c net.Conn, br *bufio.Reader, incoming bool) *session {
	if br == nil {
		br = bufio.NewReaderSize(c, 16<<10)
	}
	return &session{sec: s, peer: p, c: c, br: br, incoming: incoming,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		pushed: map[*shared]uint32{}, remote: map[uint64]*remoteTable{}, txDict: map[string]int{}}
}

func (ss *session) wakeup() {
	select {
	case ss.wake <- struct{}{}:
	default:
	}
}

func (ss *session) close() {
	ss.once.Do(func() {
		close(ss.done)
		ss.c.Close()
	})
}

func (ss *session) isEstablished() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.established
}

func (ss *session) askResync() {
	ss.mu.Lock()
	ss.wantResync = true
	ss.mu.Unlock()
	ss.wakeup()
}

// start puts the session in service: pushes resume after what the peer
// acknowledged in its previous sessions.
func (ss *session) start() {
	s := ss.sec
	s.mu.Lock()
	ss.mu.Lock()
	for _, sh := range s.tables {
		ss.pushed[sh] = ss.peer.acked[sh]
	}
	ss.established = true
	ss.lastRx.Store(time.Now().UnixNano())
	ss.mu.Unlock()
	s.mu.Unlock()
	s.established(ss)
}

// hello is the connecting side's handshake: three lines, then the peer's
// status code.
func (ss *session) hello() error {
	s := ss.sec
	ss.c.SetDeadline(time.Now().Add(handshakeTimeout))
	msg := fmt.Sprintf("%s %d.%d\n%s\n%s %d 1\n", protoName, protoMajor, protoMinor, ss.peer.name, s.localName(ss.peer), os.Getpid())
	if _, err := io.WriteString(ss.c, msg); err != nil {
		return err
	}
	line, err := readLine(ss.br)
	if err != nil {
		return err
	}
	code, _ := strconv.Atoi(line)
	s.mu.Lock()
	ss.peer.status, ss.peer.lastHdshk = code, time.Now()
	s.mu.Unlock()
	if code != statusSuccess {
		return fmt.Errorf("peer answered %q", line)
	}
	ss.c.SetDeadline(time.Time{})
	s.mu.Lock()
	replaced := ss.peer.sess != ss
	s.mu.Unlock()
	if replaced {
		return errReplaced
	}
	ss.start()
	return nil
}

// readLine reads a handshake line, without its end.
func readLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("handshake line too long")
		}
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// serveIncoming is the accepting side: check the three lines, answer a
// status, then run the session.
func (s *Section) serveIncoming(c net.Conn) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	br := bufio.NewReaderSize(c, 16<<10)
	refuse := func(code int) {
		fmt.Fprintf(c, "%d\n", code)
		c.Close()
	}
	line, err := readLine(br)
	if err != nil {
		c.Close()
		return
	}
	ver, ok := strings.CutPrefix(line, protoName+" ")
	if !ok {
		refuse(statusErrProto)
		return
	}
	maj, min, ok := strings.Cut(ver, ".")
	majN, err1 := strconv.Atoi(maj)
	minN, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || majN != protoMajor || minN > protoMinor {
		refuse(statusErrVersion)
		return
	}
	host, err := readLine(br)
	if err != nil {
		c.Close()
		return
	}
	if !s.isSelf(host) {
		refuse(statusErrHost)
		return
	}
	last, err := readLine(br)
	if err != nil {
		c.Close()
		return
	}
	name, _, ok := strings.Cut(last, " ")
	if !ok {
		refuse(statusErrProto)
		return
	}
	s.mu.Lock()
	p := s.peers[name]
	if p == nil && s.cfg.Discover != nil && name != s.cfg.Local && isAddrName(name) && s.ctx.Err() == nil {
		// A replica found by DNS may know of us before we know of it.
		p = s.addLocked(name, "", false, nil)
	}
	if name == s.cfg.Local {
		// Our own name: the process we replace (a binary upgrade), come
		// to hand its tables over before it leaves (handover.go).
		if s.local != nil && s.local.sess != nil {
			s.mu.Unlock()
			refuse(statusTryAgain)
			return
		}
		s.local = &peer{name: name, local: true, acked: map[*shared]uint32{}, dialWake: make(chan struct{}, 1), stop: make(chan struct{})}
		p = s.local
	}
	if p == nil {
		s.mu.Unlock()
		refuse(statusErrPeer)
		return
	}
	ss := newSession(s, p, c, br, true)
	ss.dwngrd = minN == 0
	if old := p.sess; old != nil {
		// As haproxy: the new session wins; the peer that lost its own
		// retries later, at a random delay.
		old.close()
		p.coll++
	}
	p.status, p.lastHdshk = statusSuccess, time.Now()
	s.setSessLocked(p, ss)
	s.mu.Unlock()
	if _, err := fmt.Fprintf(c, "%d\n", statusSuccess); err != nil {
		s.release(ss)
		return
	}
	c.SetDeadline(time.Time{})
	s.log.Info("peers session established", "peer", name, "dir", "in")
	ss.start()
	ss.run()
	s.release(ss)
}

// isSelf says whether a name the peer gave us is ours: the local peer
// name, or with discovery an address of ours on our port.
func (s *Section) isSelf(name string) bool {
	if name == s.cfg.Local {
		return true
	}
	if s.cfg.Discover == nil {
		return false
	}
	s.mu.Lock()
	self := s.self
	s.mu.Unlock()
	if name == self {
		return true
	}
	h, port, err := net.SplitHostPort(name)
	if err != nil {
		return false
	}
	_, lport, _ := net.SplitHostPort(s.ln.Addr().String())
	return port == lport && s.isLocalIP(net.ParseIP(h))
}

func isAddrName(name string) bool {
	h, _, err := net.SplitHostPort(name)
	return err == nil && net.ParseIP(h) != nil
}

// run serves an established session until it ends.
func (ss *session) run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ss.writer()
	}()
	err := ss.reader()
	if isTimeout(err) {
		ss.sec.mu.Lock()
		ss.peer.noHbt++
		ss.sec.mu.Unlock()
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		dir := "out"
		if ss.incoming {
			dir = "in"
		}
		ss.sec.log.Info("peers session ended", "peer", ss.peer.name, "dir", dir, "err", err)
	}
	ss.close()
	wg.Wait()
}

// protoError ends the session with a protocol error message.
type protoError struct{ code byte }

func (e protoError) Error() string {
	if e.code == errSizeLimit {
		return "message too large"
	}
	return "protocol error"
}

func (ss *session) reader() error {
	var hdr [2]byte
	data := make([]byte, 0, 1024)
	for {
		ss.c.SetReadDeadline(time.Now().Add(deadAfter))
		if _, err := io.ReadFull(ss.br, hdr[:]); err != nil {
			return err
		}
		ss.lastRx.Store(time.Now().UnixNano())
		data = data[:0]
		if hdr[1]&stktBit != 0 {
			n, err := readVarint(ss.br)
			if err != nil {
				return err
			}
			if n > maxMsg {
				ss.peer.protoErr.Add(1)
				ss.sendError(errSizeLimit)
				return protoError{errSizeLimit}
			}
			if cap(data) < int(n) {
				data = make([]byte, n)
			}
			data = data[:n]
			if _, err := io.ReadFull(ss.br, data); err != nil {
				return err
			}
		}
		if err := ss.handle(hdr[0], hdr[1], data); err != nil {
			var pe protoError
			if errors.As(err, &pe) {
				ss.peer.protoErr.Add(1)
				ss.sendError(pe.code)
			}
			return err
		}
	}
}

func readVarint(br *bufio.Reader) (uint64, error) {
	var buf [10]byte
	for i := range buf {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		buf[i] = c
		if (i == 0 && c < 0xf0) || (i > 0 && c < 0x80) {
			r := reader{b: buf[:i+1]}
			return r.varint(), r.err
		}
	}
	return 0, protoError{errProtocol}
}

func (ss *session) sendError(code byte) {
	ss.c.SetWriteDeadline(time.Now().Add(time.Second))
	ss.c.Write([]byte{classError, code})
}

func (ss *session) handle(class, typ byte, data []byte) error {
	switch class {
	case classControl:
		return ss.control(typ)
	case classError:
		return fmt.Errorf("peer sent error %d", typ)
	case classReserved:
		return protoError{errProtocol}
	case classStickTable:
		r := &reader{b: data}
		switch typ {
		case stktDefine:
			return ss.define(r)
		case stktSwitch:
			id := r.varint()
			if r.err != nil {
				return protoError{errProtocol}
			}
			ss.mu.Lock()
			ss.cur = ss.remote[id]
			ss.mu.Unlock()
		case stktUpdate, stktIncUpdate, stktUpdateTimed, stktIncUpdateTimed:
			// The writer acknowledges what came, once it runs out of input
			// or sooner: wake it.
			defer ss.wakeup()
			return ss.update(r, typ == stktUpdate || typ == stktUpdateTimed, typ == stktUpdateTimed || typ == stktIncUpdateTimed)
		case stktAck:
			id := r.varint()
			upd := r.u32()
			if r.err != nil {
				return protoError{errProtocol}
			}
			ss.ack(id, upd)
		}
	}
	return nil
}

func (ss *session) control(typ byte) error {
	s := ss.sec
	switch typ {
	case ctrlResyncReq:
		// Teach every entry as it is now; what changes meanwhile is
		// pushed once the peer confirms.
		// (A leaving process teaches its successor unasked: no
		// request came then.)
		if !ss.peer.local {
			s.mu.Lock()
			s.flags |= SecResyncRequested
			s.mu.Unlock()
		}
		ss.mu.Lock()
		ss.teach, ss.teachSent = true, false
		ss.teachOrigin = map[*shared]uint32{}
		ss.teachKeys = map[*shared][]*stick.Entry{}
		for _, sh := range s.tables {
			ss.teachOrigin[sh] = sh.current()
			ss.teachKeys[sh] = sh.all()
		}
		ss.mu.Unlock()
		ss.wakeup()
	case ctrlResyncFinished, ctrlResyncPartial:
		ss.mu.Lock()
		ss.confirms++
		ss.mu.Unlock()
		s.resyncDone(ss, typ == ctrlResyncFinished)
		ss.wakeup()
	case ctrlResyncConfirm:
		s.mu.Lock()
		ss.mu.Lock()
		if ss.teach {
			for sh, id := range ss.teachOrigin {
				ss.pushed[sh] = id
				ss.peer.acked[sh] = id
			}
			ss.teach, ss.teachSent, ss.teachOrigin, ss.teachKeys = false, false, nil, nil
		}
		ss.mu.Unlock()
		s.mu.Unlock()
		ss.wakeup()
	case ctrlHeartbeat:
		ss.peer.rxHbt.Add(1)
	}
	return nil
}

// netKeyType is a table's key type on the wire.
func netKeyType(k stick.KeyType) uint64 {
	switch k {
	case stick.KeyIP:
		return ktIPv4
	case stick.KeyIPv6:
		return ktIPv6
	case stick.KeyInteger:
		return ktSInt
	case stick.KeyString:
		return ktStr
	}
	return ktBin
}

func (ss *session) define(r *reader) error {
	id := r.varint()
	nlen := r.varint()
	if r.err != nil || nlen == 0 || nlen >= uint64(len(r.b)) {
		return protoError{errProtocol}
	}
	name := string(r.bytes(nlen))
	ktype := r.varint()
	klen := r.varint()
	data := r.varint()
	if r.err != nil {
		return protoError{errProtocol}
	}
	rt := &remoteTable{id: id, data: data}
	sh := ss.sec.byNet[name]
	if sh != nil {
		spec := sh.t.Spec()
		if netKeyType(spec.Type) != ktype || uint64(spec.KeySize) != klen {
			sh = nil // a table of the same name that holds other keys: ignored
		}
	}
	// The expiry, then the parameters of arrays and frequency counters,
	// come with peers of haproxy 2.4 and later.
	r.varint()
	extra := r.err == nil
	for d := stick.DataType(0); d < stick.NumDataTypes && sh != nil; d++ {
		if data&(1<<d) == 0 {
			continue
		}
		info := d.Info()
		rt.nbelem[d] = 1
		if !info.Array && info.Std != stick.StdFreq {
			continue
		}
		if !extra {
			if info.Array {
				sh = nil // an array without its size cannot be read
			}
			continue
		}
		if uint64(d) != r.varint() {
			sh = nil
			break
		}
		if info.Array {
			rt.nbelem[d] = int(r.varint())
		}
		if info.Std == stick.StdFreq {
			r.varint() // the period: ours is the one that counts here
		}
		if r.err != nil {
			sh = nil
		}
	}
	rt.local = sh
	ss.mu.Lock()
	for rid, o := range ss.remote {
		if rid == id || (sh != nil && o.local == sh) {
			delete(ss.remote, rid)
		}
	}
	if sh != nil {
		// Only tables of ours are kept: a peer defining many others
		// cannot make the map grow.
		ss.remote[id] = rt
	}
	ss.cur = rt
	ss.mu.Unlock()
	return nil
}

func (ss *session) update(r *reader, withID, timed bool) error {
	ss.mu.Lock()
	rt := ss.cur
	if rt != nil && rt.local != nil {
		if withID {
			rt.lastGet = r.u32()
		} else {
			rt.lastGet++
		}
	}
	ss.mu.Unlock()
	if rt == nil || rt.local == nil {
		return nil // no table of ours: skipped, as haproxy
	}
	var exp uint32
	if timed {
		exp = r.u32()
	}
	t := rt.local.t
	spec := t.Spec()
	var key []byte
	switch spec.Type {
	case stick.KeyString:
		n := r.varint()
		b := r.bytes(n)
		if r.err == nil && n > uint64(spec.KeySize-1) {
			b = b[:spec.KeySize-1]
		}
		key = b
	case stick.KeyInteger:
		key = r.bytes(4)
	default:
		key = r.bytes(uint64(spec.KeySize))
	}
	if r.err != nil {
		return protoError{errProtocol}
	}
	if spec.Type == stick.KeyString {
		// haproxy's keys end at their first NUL.
		if i := strings.IndexByte(string(key), 0); i >= 0 {
			key = key[:i]
		}
	}
	e := t.Learn(key, exp, timed)
	if e != nil {
		rt.local.learned()
	}
	now := stick.NowMs()
	sum := rt.local.sum
	for d := stick.DataType(0); d < stick.NumDataTypes; d++ {
		if rt.data&(1<<d) == 0 {
			continue
		}
		info := d.Info()
		set := e != nil && !info.Local && t.Stores(d)
		for idx := 0; idx < rt.nbelem[d]; idx++ {
			ok := set && idx < t.Elems(d)
			var val slot
			switch info.Std {
			case stick.StdSInt, stick.StdUInt, stick.StdULL:
				val.v = r.varint()
			case stick.StdFreq:
				age := r.varint()
				curr := r.varint()
				prev := r.varint()
				val.f = stick.FreqState{Tick: (now - uint32(age)) &^ 1, Curr: uint32(curr), Prev: uint32(prev)}
			case stick.StdDict:
				if err := ss.readDict(r, e, ok); err != nil {
					return err
				}
				continue
			}
			if r.err != nil {
				break
			}
			if !ok {
				continue
			}
			switch {
			case sum != nil && summed(d):
				sum.remote(e, ss.peer.name, slotID{d, idx}, val, t.Period(d))
			case info.Std == stick.StdFreq:
				e.SetFreq(d, idx, val.f)
			default:
				e.SetLearned(d, idx, int64(val.v))
			}
		}
		if r.err != nil {
			// Also what ends a huge element count from the definition:
			// every element takes at least a byte.
			return protoError{errProtocol}
		}
	}
	return nil
}

// readDict reads a server_key: 0 for none, else the length of what
// follows, then a cache id alone (a value sent before) or an id with a new
// value.
func (ss *session) readDict(r *reader, e *stick.Entry, store bool) error {
	n := r.varint()
	if r.err != nil || n == 0 {
		return r.err
	}
	sub := &reader{b: r.bytes(n)}
	if r.err != nil {
		return protoError{errProtocol}
	}
	id := sub.varint()
	if sub.err != nil || id == 0 || id > dictEntries {
		return protoError{errProtocol}
	}
	if len(sub.b) > 0 {
		vlen := sub.varint()
		v := sub.bytes(vlen)
		if sub.err != nil {
			return protoError{errProtocol}
		}
		// Under the session's lock for show peers (the reader alone
		// writes it).
		ss.mu.Lock()
		ss.rxDict[id-1] = string(v)
		ss.mu.Unlock()
	}
	if store && ss.rxDict[id-1] != "" {
		e.SetServerKey(ss.rxDict[id-1])
	}
	return nil
}

func (ss *session) ack(id uint64, upd uint32) {
	s := ss.sec
	if id == 0 || id > uint64(len(s.tables)) {
		return
	}
	sh := s.tables[id-1]
	s.mu.Lock()
	ss.mu.Lock()
	if !ss.teach {
		ss.peer.acked[sh] = upd
	}
	ss.mu.Unlock()
	s.mu.Unlock()
}

// writer sends what there is to send when woken, and a heartbeat after
// heartbeatEvery of silence.
func (ss *session) writer() {
	hb := time.NewTimer(heartbeatEvery)
	defer hb.Stop()
	ss.nextHb.Store(time.Now().Add(heartbeatEvery).UnixNano())
	buf := make([]byte, 0, 32<<10)
	for {
		beat := false
		select {
		case <-ss.done:
			return
		case <-ss.wake:
		case <-hb.C:
			beat = true
		}
		var more bool
		buf, more = ss.fill(buf[:0])
		hbOnly := false
		if beat && len(buf) == 0 {
			buf = append(buf, classControl, ctrlHeartbeat)
			hbOnly = true
		}
		if len(buf) > 0 {
			ss.c.SetWriteDeadline(time.Now().Add(deadAfter))
			if _, err := ss.c.Write(buf); err != nil {
				ss.close()
				return
			}
			if hbOnly {
				ss.peer.txHbt.Add(1)
			}
		}
		if len(buf) > 0 || beat {
			hb.Reset(heartbeatEvery)
			ss.nextHb.Store(time.Now().Add(heartbeatEvery).UnixNano())
		}
		if more {
			ss.wakeup()
		}
	}
}

// fillBudget is how many bytes one write gathers before the writer loops.
const fillBudget = 24 << 10

// fill gathers what is due, in haproxy's order: a resync request, acks,
// updates (or a lesson), the end of a lesson, confirmations. more says the
// budget ran out before everything was gathered.
func (ss *session) fill(buf []byte) ([]byte, bool) {
	s := ss.sec
	now := stick.NowMs()
	resynced := s.Resynced() // before ss.mu: the section's lock comes first
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.wantResync {
		buf = append(buf, classControl, ctrlResyncReq)
		ss.wantResync = false
	}
	for _, rt := range ss.remote {
		if rt.local != nil && rt.lastGet != rt.lastAcked {
			var d []byte
			d = appendVarint(d, rt.id)
			d = binary.BigEndian.AppendUint32(d, rt.lastGet)
			buf = appendMsg(buf, stktAck, d)
			rt.lastAcked = rt.lastGet
		}
	}
	if ss.teach {
		if ss.teachSent {
			return ss.confirmLocked(buf), false
		}
		for _, sh := range s.tables {
			keys := ss.teachKeys[sh]
			for len(keys) > 0 {
				if len(buf) > fillBudget {
					ss.teachKeys[sh] = keys
					return buf, true
				}
				e := keys[0]
				keys = keys[1:]
				buf = ss.appendUpdate(buf, sh, e, sh.idOf(string(e.Key())), !ss.dwngrd, now)
			}
			ss.teachKeys[sh] = nil
		}
		typ := byte(ctrlResyncPartial)
		if resynced {
			typ = ctrlResyncFinished
		}
		buf = append(buf, classControl, typ)
		ss.teachSent = true
		return ss.confirmLocked(buf), false
	}
	for _, sh := range s.tables {
		if ss.peer.local {
			break // the process we replace has what it taught us
		}
		for {
			if len(buf) > fillBudget {
				return buf, true
			}
			items, upto := sh.after(ss.pushed[sh], 64)
			for _, it := range items {
				if e := sh.pushed([]byte(it.key)); e != nil {
					buf = ss.appendUpdate(buf, sh, e, it.id, false, now)
				}
			}
			ss.pushed[sh] = upto
			if len(items) < 64 {
				break
			}
		}
	}
	return ss.confirmLocked(buf), false
}

func (ss *session) confirmLocked(buf []byte) []byte {
	for ; ss.confirms > 0; ss.confirms-- {
		buf = append(buf, classControl, ctrlResyncConfirm)
	}
	return buf
}

// appendDefine appends the definition of a table: its id, name, key type
// and size, the data types it stores, its expiry, and the parameters of
// its arrays and frequency counters.
func appendDefine(buf []byte, sh *shared) []byte {
	t := sh.t
	spec := t.Spec()
	var d, params []byte
	d = appendVarint(d, sh.id)
	d = appendVarint(d, uint64(len(sh.wire)))
	d = append(d, sh.wire...)
	d = appendVarint(d, netKeyType(spec.Type))
	d = appendVarint(d, uint64(spec.KeySize))
	var bits uint64
	for dt := stick.DataType(0); dt < stick.NumDataTypes; dt++ {
		if !t.Stores(dt) {
			continue
		}
		bits |= 1 << dt
		info := dt.Info()
		switch {
		case info.Array:
			params = appendVarint(params, uint64(dt))
			params = appendVarint(params, uint64(t.Elems(dt)))
			if info.Std == stick.StdFreq {
				params = appendVarint(params, uint64(t.Period(dt)))
			}
		case info.Std == stick.StdFreq:
			params = appendVarint(params, uint64(dt))
			params = appendVarint(params, uint64(t.Period(dt)))
		}
	}
	d = appendVarint(d, bits)
	d = appendVarint(d, uint64(spec.Expire/time.Millisecond))
	d = append(d, params...)
	return appendMsg(buf, stktDefine, d)
}

// appendUpdate appends an entry's update, preceded by the table's
// definition when the previous update was for another table.
func (ss *session) appendUpdate(buf []byte, sh *shared, e *stick.Entry, id uint32, timed bool, now uint32) []byte {
	if ss.lastTable != sh {
		buf = appendDefine(buf, sh)
		ss.lastTable = sh
	}
	t := sh.t
	spec := t.Spec()
	d := make([]byte, 0, 64)
	d = binary.BigEndian.AppendUint32(d, id)
	typ := byte(stktUpdate)
	if timed {
		typ = stktUpdateTimed
		d = binary.BigEndian.AppendUint32(d, e.Remain(now))
	}
	key := e.Key()
	switch spec.Type {
	case stick.KeyString:
		d = appendVarint(d, uint64(len(key)))
		d = append(d, key...)
	default:
		d = append(d, key...)
	}
	for dt := stick.DataType(0); dt < stick.NumDataTypes; dt++ {
		if !t.Stores(dt) {
			continue
		}
		info := dt.Info()
		for idx := 0; idx < t.Elems(dt); idx++ {
			switch info.Std {
			case stick.StdSInt, stick.StdUInt, stick.StdULL:
				// conn_cur goes too: the peer expects every type it was
				// told of, and ignores this one.
				v, _ := e.ReadAt(dt, idx, now)
				d = appendVarint(d, uint64(v))
			case stick.StdFreq:
				f, _ := e.Freq(dt, idx)
				d = appendVarint(d, uint64(now-f.Tick))
				d = appendVarint(d, uint64(f.Curr))
				d = appendVarint(d, uint64(f.Prev))
			case stick.StdDict:
				d = ss.appendDict(d, e.ServerKey())
			}
		}
	}
	return appendMsg(buf, typ, d)
}

// appendDict appends a server_key through the session's cache: a value
// sent before goes as its id alone.
func (ss *session) appendDict(d []byte, v string) []byte {
	if v == "" {
		return appendVarint(d, 0)
	}
	if id, ok := ss.txDict[v]; ok {
		d = appendVarint(d, 1)
		return appendVarint(d, uint64(id+1))
	}
	id := ss.txNext
	ss.txNext = (ss.txNext + 1) % dictEntries
	if old := ss.txSlots[id]; old != "" {
		delete(ss.txDict, old)
	}
	ss.txSlots[id], ss.txDict[v] = v, id
	var sub []byte
	sub = appendVarint(sub, uint64(id+1))
	sub = appendVarint(sub, uint64(len(v)))
	sub = append(sub, v...)
	d = appendVarint(d, uint64(len(sub)))
	return append(d, sub...)
}
