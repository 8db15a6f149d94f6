package peers

import (
	"crypto/tls"
	"errors"
	"net"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// What the runtime API's `show peers` reads: each section's resync state,
// its peers (the local one among them), their sessions and the tables
// they share, in the terms of haproxy 2.6's dump (peers.c) wherever
// switchyard has the same thing. The values are a snapshot taken under
// the section's lock; the runtime API lays them out.

// Section resync flags, haproxy's PEERS_F_* (the values it prints).
const (
	SecResyncLocal          = 0x0001 // learning from the old local process is over (or not needed)
	SecResyncRemote         = 0x0002 // learning from a remote peer is over (or given up)
	SecResyncAssign         = 0x0004 // a peer is assigned to teach us
	SecResyncProcess        = 0x0008 // the assigned peer was asked
	SecResyncLocalTimeout   = 0x0010
	SecResyncRemoteTimeout  = 0x0020
	SecResyncLocalAbort     = 0x0040
	SecResyncRemoteAbort    = 0x0080
	SecResyncLocalFinished  = 0x0100
	SecResyncRemoteFinished = 0x0200
	SecResyncLocalPartial   = 0x0400
	SecResyncRemotePartial  = 0x0800
	SecResyncLocalAssign    = 0x1000
	SecResyncRemoteAssign   = 0x2000
	SecResyncRequested      = 0x4000 // a peer asked us to teach it
)

// Peer flags, haproxy's PEER_F_*.
const (
	PeerTeachProcess  = 0x00000001
	PeerTeachFinished = 0x00000008
	PeerTeachComplete = 0x00000010
	PeerLearnAssign   = 0x00000100
	PeerLearnNotUp    = 0x00000200
	PeerAlive         = 0x20000000
	PeerDowngrade     = 0x80000000
)

// Session steps, haproxy's PEER_SESS_ST_* (its st0).
const (
	StConnect   = 5  // connecting
	StGetStatus = 6  // hello sent, waiting for the status
	StWaitMsg   = 7  // established
	StEnd       = 11 // closed
)

// Handshake status codes as show peers names them (haproxy's
// PEER_SESS_SC_*): 0 none yet, 100 connecting, 110 connected (waiting
// for the status), then the status received or sent.
const (
	StatusNone      = 0
	StatusConnect   = 100
	StatusConnected = 110
)

// aliveWindow is haproxy's liveness period: a peer heard from within it
// is flagged alive.
const aliveWindow = 5 * time.Second

// SectionStatus is a running section as show peers prints it.
type SectionStatus struct {
	ID      uintptr // the section's address, for haproxy's pointer column
	Name    string
	Started time.Time // when the section started (haproxy: its last change)
	Flags   uint32    // SecResync*
	// ResyncExpiry is when the wait for a teacher ends (or ended).
	ResyncExpiry time.Time
	// Peers are in haproxy's order: the configuration's peer lines, the
	// local one among them, last first; peers found by DNS or known only
	// by their connection come first, by name.
	Peers []PeerStatus
}

// PeerStatus is a peer of a section, the local one included.
type PeerStatus struct {
	ID     uintptr
	Name   string
	Local  bool
	Active bool   // a session exists or a connection is being made
	Addr   string // host:port, "" when none
	// Status is the last handshake status (StatusNone, StatusConnect,
	// StatusConnected, or a code of the protocol: 200, 300, 50x).
	Status int
	// LastHandshake is when the last connection began or its status came;
	// Reconnect when the next connection is due (or, in session, when
	// silence ends it); Heartbeat when the next heartbeat is due. Zero:
	// never.
	LastHandshake, Reconnect, Heartbeat time.Time

	Confirm, TxHeartbeats, RxHeartbeats, NoHeartbeat, NewConn, ProtoErr, Collisions uint32
	Flags                                                                           uint32 // Peer*

	Session *SessionStatus // nil without one

	// RemoteTable is the table the peer's updates are for (its last
	// definition); LastLocalTable the one ours were last announced for.
	RemoteTable, LastLocalTable *TableRef
	Tables                      []SharedStatus // the shared tables, last declared first

	// TxDict is the values of our dictionary cache towards the peer, up to
	// the first free slot; RxDict the peer's, by id ("" for a free slot).
	TxDict []string
	RxDict []string
}

// SessionStatus is a peer's session.
type SessionStatus struct {
	ID    uintptr
	St0   int    // St*
	State string // the connection's state, haproxy's names: EST, CLO
	// Incoming sessions have their connection's addresses, as in haproxy
	// (an outgoing one is a stream of haproxy's own, which has none).
	Incoming bool
	TLS      bool
	Src, Dst net.Addr
}

// TableRef names a shared table as a session refers to it.
type TableRef struct {
	ID                uintptr
	Name              string
	LocalID, RemoteID uint64
}

// SharedStatus is a table shared with one peer.
type SharedStatus struct {
	ID                uintptr
	LocalID, RemoteID uint64
	Flags             uint32
	RemoteData        uint64 // the data types the peer's definition announced
	LastAcked         uint32 // the last of its updates we acknowledged
	LastPushed        uint32 // the last of ours we pushed
	LastGet           uint32 // the last of its updates we received
	TeachingOrigin    uint32 // where the lesson being taught ends
	Update            uint32 // the last of ours it acknowledged

	TableID     uintptr
	TableName   string
	TableUpdate uint32 // the last update id given, local or learned
	LocalUpdate uint32 // the last given to a local change
	// CommitUpdate is the last update pushed to some peer.
	CommitUpdate uint32
	RefCnt       int
}

func ptr(v any) uintptr {
	if v == nil {
		return 0
	}
	return reflect.ValueOf(v).Pointer()
}

// Status returns the running sections in the order of the configuration
// that put them in force.
func (m *Manager) Status() []SectionStatus {
	m.mu.Lock()
	var secs []*Section
	for _, name := range m.order {
		if s := m.sections[name]; s != nil {
			secs = append(secs, s)
		}
	}
	m.mu.Unlock()
	out := make([]SectionStatus, 0, len(secs))
	for _, s := range secs {
		out = append(out, s.status())
	}
	return out
}

func (s *Section) status() SectionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := SectionStatus{ID: ptr(s), Name: s.cfg.Name, Started: s.started, Flags: s.flags, ResyncExpiry: s.resyncExpiry}
	// haproxy's list is built by prepending each line: the last first.
	var static, dynamic []*peer
	for _, p := range s.peers {
		if p.static {
			static = append(static, p)
		} else {
			dynamic = append(dynamic, p)
		}
	}
	sort.Slice(dynamic, func(i, j int) bool { return dynamic[i].name < dynamic[j].name })
	pos := map[string]int{}
	for i, r := range s.cfg.Remotes {
		pos[r.Name] = i
	}
	sort.Slice(static, func(i, j int) bool { return pos[static[i].name] < pos[static[j].name] })
	local := s.me
	if s.local != nil {
		local = s.local
	}
	// Static peers with the local one at its place, reversed.
	var order []*peer
	for i, p := range static {
		if i == s.cfg.LocalIndex {
			order = append(order, local)
		}
		order = append(order, p)
	}
	if s.cfg.LocalIndex >= len(static) {
		order = append(order, local)
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	order = append(dynamic, order...)
	now := time.Now()
	for _, p := range order {
		st.Peers = append(st.Peers, s.peerStatusLocked(p, now))
	}
	return st
}

func (s *Section) peerStatusLocked(p *peer, now time.Time) PeerStatus {
	ps := PeerStatus{ID: ptr(p), Name: p.name, Local: p.local, Addr: p.addr,
		Status: p.status, LastHandshake: p.lastHdshk, Reconnect: p.reconnect,
		TxHeartbeats: p.txHbt.Load(), RxHeartbeats: p.rxHbt.Load(), NoHeartbeat: p.noHbt,
		NewConn: p.newConn, ProtoErr: p.protoErr.Load(), Collisions: p.coll}
	if ps.Addr == "" {
		ps.Addr = p.shown
	}
	if p.local {
		ps.Addr = s.cfg.Listen
		if strings.HasPrefix(ps.Addr, "fd@") {
			ps.Addr = s.ln.Addr().String()
		}
		ps.Name = s.cfg.Local
	}
	if p.notUp {
		ps.Flags |= PeerLearnNotUp
	}
	ps.Active = p.dialing || p.sess != nil
	ss := p.sess
	if ss != nil && s.resyncBy == ss {
		ps.Flags |= PeerLearnAssign
	}
	var remoteOf map[*shared]*remoteTable
	if ss != nil {
		ss.mu.Lock()
		ps.Confirm = uint32(ss.confirms)
		if ss.teach {
			ps.Flags |= PeerTeachProcess
			if ss.teachSent {
				ps.Flags |= PeerTeachFinished
			}
		}
		if ss.dwngrd {
			ps.Flags |= PeerDowngrade
		}
		if ss.established {
			if rx := ss.lastRx.Load(); rx != 0 {
				last := time.Unix(0, rx)
				if now.Sub(last) < aliveWindow {
					ps.Flags |= PeerAlive
				}
				ps.Reconnect = last.Add(deadAfter)
			}
			if hb := ss.nextHb.Load(); hb != 0 {
				ps.Heartbeat = time.Unix(0, hb)
			}
		}
		sess := &SessionStatus{ID: ptr(ss), St0: StGetStatus, State: "EST", Incoming: ss.incoming}
		switch {
		case isClosed(ss):
			sess.St0, sess.State = StEnd, "CLO"
		case ss.established:
			sess.St0 = StWaitMsg
		}
		if _, ok := ss.c.(*tls.Conn); ok {
			sess.TLS = true
		}
		if ss.incoming {
			sess.Src, sess.Dst = ss.c.RemoteAddr(), ss.c.LocalAddr()
		}
		ps.Session = sess
		remoteOf = map[*shared]*remoteTable{}
		for _, rt := range ss.remote {
			if rt.local != nil {
				remoteOf[rt.local] = rt
			}
		}
		if rt := ss.cur; rt != nil && rt.local != nil {
			ps.RemoteTable = &TableRef{ID: ptr(rt.local), Name: rt.local.t.Spec().Name, LocalID: rt.local.id, RemoteID: rt.id}
		}
		if sh := ss.lastTable; sh != nil {
			ref := &TableRef{ID: ptr(sh), Name: sh.t.Spec().Name, LocalID: sh.id}
			if rt := remoteOf[sh]; rt != nil {
				ref.RemoteID = rt.id
			}
			ps.LastLocalTable = ref
		}
		for i := 0; i < dictEntries && ss.txSlots[i] != ""; i++ {
			ps.TxDict = append(ps.TxDict, ss.txSlots[i])
		}
		ps.RxDict = append([]string(nil), ss.rxDict[:]...)
		ss.mu.Unlock()
	} else {
		ps.RxDict = make([]string, dictEntries)
	}
	for i := len(s.tables) - 1; i >= 0; i-- {
		sh := s.tables[i]
		t := SharedStatus{ID: ptr(sh), LocalID: sh.id, Update: p.acked[sh],
			TableID: ptr(sh.t), TableName: sh.t.Spec().Name, RefCnt: 1}
		t.TableUpdate, t.LocalUpdate = sh.updates()
		t.CommitUpdate = s.committedLocked(sh)
		if ss != nil {
			ss.mu.Lock()
			t.LastPushed = ss.pushed[sh]
			if ss.teach {
				t.TeachingOrigin = ss.teachOrigin[sh]
			}
			if rt := remoteOf[sh]; rt != nil {
				t.RemoteID, t.RemoteData = rt.id, rt.data
				t.LastGet, t.LastAcked = rt.lastGet, rt.lastAcked
			}
			ss.mu.Unlock()
		}
		ps.Tables = append(ps.Tables, t)
	}
	return ps
}

// committedLocked is the last update of sh pushed to some peer
// (haproxy's commitupdate).
func (s *Section) committedLocked(sh *shared) uint32 {
	var c uint32
	for _, p := range s.peers {
		if ss := p.sess; ss != nil {
			ss.mu.Lock()
			if v := ss.pushed[sh]; int32(v-c) > 0 {
				c = v
			}
			ss.mu.Unlock()
		}
	}
	return c
}

func isClosed(ss *session) bool {
	select {
	case <-ss.done:
		return true
	default:
		return false
	}
}

// isTimeout says whether a session ended for lack of anything received.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// counters a peer keeps across its sessions, for show peers; those the
// sessions' goroutines bump are atomic, the others are guarded by the
// section's lock.
type peerCounters struct {
	status                 int
	lastHdshk, reconnect   time.Time
	dialing                bool
	newConn, noHbt, coll   uint32
	txHbt, rxHbt, protoErr atomic.Uint32
}
