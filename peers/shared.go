package peers

import (
	"sort"
	"sync"

	"switchyard/stick"
)

// shared is a table as the peers of a section share it: the table, and
// the log of its local changes that sessions push from. Each local change
// gets the next update id (haproxy's localupdate); a peer is pushed what
// came after the last id it acknowledged, so a peer that reconnects gets
// what it missed and not the whole table again.
type shared struct {
	t  *stick.Table
	id uint64 // local id on the wire (1-based position in the section)
	// sum, in a section that sums counters, holds this process's own
	// contributions, which are pushed instead of the entries (sum.go).
	sum *sumTable
	// wire is the table's name on the wire.
	wire string

	mu   sync.Mutex
	head uint32 // the last update id given to a local change
	// update is the last update id given, to a local change or to one
	// learned from a peer: as haproxy's table, both take ids from one
	// counter, but only local ones are logged and pushed.
	update uint32
	log    []logItem         // ids in increasing order (modulo 2^32)
	ids    map[string]uint32 // each key's latest id: older log items are stale
	wake   func()            // tells the sessions there is something to push
}

type logItem struct {
	id  uint32
	key string
}

func newShared(t *stick.Table, id uint64, sum bool) *shared {
	sh := &shared{t: t, id: id, ids: map[string]uint32{}, wire: t.Spec().NetName}
	if sum {
		sh.sum = newSumTable(t)
		sh.wire += sumSuffix
	}
	return sh
}

// pushed returns what a push of key sends: the entry, or in a summing
// section this process's contribution to it.
func (s *shared) pushed(key []byte) *stick.Entry {
	if s.sum != nil {
		return s.sum.own.Lookup(key)
	}
	return s.t.Lookup(key)
}

// all returns every entry a lesson teaches.
func (s *shared) all() []*stick.Entry {
	if s.sum != nil {
		return s.sum.own.Entries()
	}
	return s.t.Entries()
}

// touched records a local change of an entry.
func (s *shared) touched(e *stick.Entry) {
	if s.sum != nil {
		s.sum.local(e)
	}
	key := string(e.Key())
	s.mu.Lock()
	s.update++
	s.head = s.update
	s.ids[key] = s.head
	s.log = append(s.log, logItem{s.head, key})
	// Stale items pile up in the log when keys change often; keys that
	// left the table pile up in ids when they come and go.
	if len(s.log) > 2*len(s.ids)+1024 || len(s.ids) > 2*s.t.Size()+1024 {
		s.compactLocked()
	}
	wake := s.wake
	s.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// compactLocked drops stale items and the keys that left the table: the
// log then holds at most one item per entry.
func (s *shared) compactLocked() {
	out := s.log[:0]
	for _, it := range s.log {
		if s.ids[it.key] != it.id {
			continue
		}
		if s.t.Lookup([]byte(it.key)) == nil {
			delete(s.ids, it.key)
			continue
		}
		out = append(out, it)
	}
	clear(s.log[len(out):])
	s.log = out
	if s.sum != nil {
		s.sum.forget(func(k string) bool { return s.t.Lookup([]byte(k)) == nil })
	}
}

// learned counts a change learned from a peer: it takes an update id,
// as in haproxy (so that ids read alike in show peers), and is not pushed.
func (s *shared) learned() {
	s.mu.Lock()
	s.update++
	s.mu.Unlock()
}

// updates returns the last update id given to any change, and to a local
// one.
func (s *shared) updates() (any, local uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update, s.head
}

// current is the last update id given to a local change.
func (s *shared) current() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// after returns up to n changes made after id `from`, oldest first, each
// key once (with its latest id), and the id up to which the log was read:
// the next call starts there.
func (s *shared) after(from uint32, n int) (items []logItem, upto uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if from == s.head {
		return nil, from
	}
	// Ids compare by difference: they wrap after 2^32 changes.
	i := sort.Search(len(s.log), func(i int) bool { return int32(s.log[i].id-from) > 0 })
	for ; i < len(s.log); i++ {
		it := s.log[i]
		if s.ids[it.key] != it.id {
			continue
		}
		if len(items) == n {
			return items, items[n-1].id
		}
		items = append(items, it)
	}
	return items, s.head
}

// idOf is the latest update id of a key, or the current head when the key
// was never changed here (an entry learned from a peer, taught in a resync).
func (s *shared) idOf(key string) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.ids[key]; ok {
		return id
	}
	return s.head
}
