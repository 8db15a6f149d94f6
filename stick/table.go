package stick

import (
	"sync"
	"sync/atomic"
	"time"
)

// Table is a stick table: entries by key, at most Size of them, each
// expiring Expire after it was last touched unless something tracks it.
type Table struct {
	spec Spec
	// The layout of an entry's slots: where each stored data type
	// starts (-1: not stored), its element count and period in ms.
	off    [NumDataTypes]int16
	elems  [NumDataTypes]uint8
	period [NumDataTypes]uint32
	nslots int
	// exp is the expiry in ms (0: entries never expire). A reload may
	// change it under mu; the touches read it without (Count, Release).
	exp atomic.Uint32

	mu      sync.Mutex
	size    int
	nopurge bool
	entries map[string]*Entry
	// lru runs from the least recently touched entry (head) to the most
	// recent (tail); with one expire per table it is also the order in
	// which entries expire.
	head, tail *Entry
	timer      *time.Timer
	closed     bool

	// onTouch, when set, learns of every entry whose data changed
	// locally (peers push them).
	onTouch atomic.Pointer[func(e *Entry)]
}

// Entry is one key's data. Its data is read and written under its own
// lock through the methods of this file; its place in the table under the
// table's.
type Entry struct {
	t     *Table
	key   string
	mu    sync.Mutex
	slots []uint64
	srv   string // server_key

	// expire is when the entry expires (a tick; meaningless when the
	// table's exp is 0). Touches store it without the table's lock; the
	// lru list catches up when it is walked (as haproxy requeues an entry
	// whose expiry moved).
	expire atomic.Uint32

	// ref is how many trackers hold the entry. It grows under t.mu (Get)
	// and shrinks without it (Release): an entry that a reader under t.mu
	// sees unreferenced stays so while t.mu is held, and a Release stores
	// the expiry before it gives up its reference, so that a reader that
	// loads ref before expire sees the touch of the last Release.
	ref atomic.Int32

	// Under t.mu.
	qexp       uint32 // the expiry the entry had when queued at its place
	prev, next *Entry
	gone       bool // removed from the table
}

// New makes an empty table for spec.
func New(spec Spec) *Table {
	t := &Table{spec: spec, size: spec.Size, nopurge: spec.NoPurge, entries: map[string]*Entry{}}
	for i := range t.off {
		t.off[i] = -1
	}
	// Slots are laid out in data type order, whatever the line's order.
	for d := DataType(0); d < NumDataTypes; d++ {
		for _, st := range spec.Stores {
			if st.Type != d {
				continue
			}
			n := max(st.Elems, 1)
			t.off[d], t.elems[d] = int16(t.nslots), uint8(n)
			t.period[d] = uint32(st.Period / time.Millisecond)
			if d.Info().Std == StdFreq {
				n *= freqSlots
			}
			if d.Info().Std != StdDict {
				t.nslots += n
			}
		}
	}
	t.exp.Store(uint32(spec.Expire / time.Millisecond))
	return t
}

// Spec is what the table was made from.
func (t *Table) Spec() *Spec { return &t.spec }

// Name is the table's name as configurations reference it.
func (t *Table) Name() string { return t.spec.Name }

// Stores reports whether the table stores a data type.
func (t *Table) Stores(d DataType) bool { return d < NumDataTypes && t.off[d] >= 0 }

// Elems is the element count of a stored data type (1 but for arrays).
func (t *Table) Elems(d DataType) int { return int(t.elems[d]) }

// Period is the period of a stored frequency counter, in ms.
func (t *Table) Period(d DataType) uint32 { return t.period[d] }

// Len is the number of entries (haproxy's "used").
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.purgeLocked(NowMs())
	return len(t.entries)
}

// Size is the most entries the table holds.
func (t *Table) Size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.size
}

// Lookup returns the entry of key, or nil, without taking a reference: its
// data may be read, but it may leave the table at any time.
func (t *Table) Lookup(key []byte) *Entry { return t.LookupAt(key, NowMs()) }

// LookupAt is Lookup at a tick the caller already read.
func (t *Table) LookupAt(key []byte, now uint32) *Entry {
	t.mu.Lock()
	e := t.entries[string(key)]
	if e != nil && t.expiredLocked(e, now) {
		t.removeLocked(e)
		e = nil
	}
	t.mu.Unlock()
	return e
}

// Get returns the entry of key, created if missing, with a reference taken
// (Release gives it back), and touches it. It returns nil when the table
// is full and nothing can be purged.
func (t *Table) Get(key []byte) *Entry { return t.GetAt(key, NowMs()) }

// GetAt is Get at a tick the caller already read.
func (t *Table) GetAt(key []byte, now uint32) *Entry {
	t.mu.Lock()
	e := t.entries[string(key)]
	if e == nil {
		if e = t.createLocked(string(key), now); e == nil {
			t.mu.Unlock()
			return nil
		}
	}
	e.ref.Add(1)
	// The touch only stores the expiry: the lru list catches up when it
	// is walked (purge, trash), as for a change of the entry's data.
	// Moving the entry to the young end on every request would write to
	// its neighbours too, cache lines that a table of many clients does
	// not otherwise touch.
	e.expire.Store(now + t.exp.Load())
	t.mu.Unlock()
	return e
}

// Peek is Get without taking a reference: an entry created for a value
// that is only set (stick store, set table).
func (t *Table) Peek(key []byte) *Entry {
	now := NowMs()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[string(key)]
	if e == nil {
		if e = t.createLocked(string(key), now); e == nil {
			return nil
		}
	}
	t.touchLocked(e, now)
	return e
}

// Release gives back a reference taken by Get and touches the entry; the
// peers learn of it then, as haproxy's stream end pushes what it tracked.
func (e *Entry) Release() { e.ReleaseAt(NowMs()) }

// ReleaseAt is Release at a tick the caller already read. It takes no
// lock: the touch is the expiry's store (the lru list catches up when
// walked), and the reference goes last, so that the entry, which nothing
// removes while it is referenced, is still in the table when the peers
// are told.
func (e *Entry) ReleaseAt(now uint32) {
	t := e.t
	e.expire.Store(now + t.exp.Load())
	if hook := t.onTouch.Load(); hook != nil {
		(*hook)(e)
	}
	e.ref.Add(-1)
}

// Touch renews the entry's expiry, as any local change of its data does
// (haproxy's stktable_touch_local), and tells the peers.
func (e *Entry) Touch() { e.touchAt(NowMs()) }

// touchAt is Touch at a tick the caller already read: the data paths read
// the clock once for the change and the touch.
func (e *Entry) touchAt(now uint32) {
	t := e.t
	e.expire.Store(now + t.exp.Load())
	if hook := t.onTouch.Load(); hook != nil {
		(*hook)(e)
	}
}

// Delete removes the entry of key unless something tracks it; it reports
// whether it was removed (clear table … key).
func (t *Table) Delete(key []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[string(key)]
	if e == nil || e.ref.Load() > 0 {
		return false
	}
	t.removeLocked(e)
	return true
}

// Clear removes every entry that nothing tracks and keep accepts (nil:
// all), as "clear table" does; it returns how many went.
func (t *Table) Clear(keep func(e *Entry) bool) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for e := t.head; e != nil; {
		next := e.next
		if e.ref.Load() == 0 && (keep == nil || !keep(e)) {
			t.removeLocked(e)
			n++
		}
		e = next
	}
	return n
}

// Close stops the table's expiry timer: it is no longer in any
// configuration.
func (t *Table) Close() {
	t.mu.Lock()
	t.closed = true
	if t.timer != nil {
		t.timer.Stop()
	}
	t.mu.Unlock()
}

// SetOnTouch installs the function told of local changes (peers).
func (t *Table) SetOnTouch(fn func(e *Entry)) {
	if fn == nil {
		t.onTouch.Store(nil)
		return
	}
	t.onTouch.Store(&fn)
}

func (t *Table) createLocked(key string, now uint32) *Entry {
	t.purgeLocked(now)
	if len(t.entries) >= t.size {
		if t.nopurge || t.trashLocked(t.size>>8+1) == 0 {
			return nil
		}
	}
	e := &Entry{t: t, key: key, slots: make([]uint64, t.nslots), qexp: now + t.exp.Load()}
	e.expire.Store(e.qexp)
	t.entries[key] = e
	t.pushLocked(e)
	if t.exp.Load() != 0 && t.head == e {
		t.armLocked(now)
	}
	return e
}

// trashLocked removes up to n of the least recently touched entries that
// nothing tracks, when the table is full (stktable_trash_oldest).
func (t *Table) trashLocked(n int) int {
	done := 0
	// Each entry is looked at once: one touched since it was queued
	// goes to the young end instead (haproxy requeues it too).
	for seen, all := 0, len(t.entries); seen < all && done < n && t.head != nil; seen++ {
		e := t.head
		// ref before expire: see Entry.ref.
		if ref := e.ref.Load(); ref > 0 {
			t.requeueLocked(e, e.expire.Load())
			continue
		}
		// Touched since it was queued: it is still the oldest when its
		// new expiry comes before the next entry's (haproxy's expiry
		// tree would put it back in front); else it goes to the young end.
		if exp := e.expire.Load(); exp != e.qexp && e.next != nil && int32(exp-e.next.qexp) > 0 {
			t.requeueLocked(e, exp)
			continue
		}
		t.removeLocked(e)
		done++
	}
	return done
}

// expiredLocked loads ref before expire (see Entry.ref).
func (t *Table) expiredLocked(e *Entry, now uint32) bool {
	return t.exp.Load() != 0 && e.ref.Load() == 0 && int32(now-e.expire.Load()) >= 0
}

// purgeLocked removes the entries whose time is over; an entry that is
// tracked stays, and counts as touched.
func (t *Table) purgeLocked(now uint32) {
	if t.exp.Load() == 0 {
		return
	}
	for e := t.head; e != nil && int32(now-e.qexp) >= 0; e = t.head {
		ref := e.ref.Load() // before expire: see Entry.ref
		switch exp := e.expire.Load(); {
		case exp != e.qexp && int32(now-exp) < 0:
			t.requeueLocked(e, exp) // touched since it was queued
		case ref > 0:
			t.touchLocked(e, now)
		default:
			t.removeLocked(e)
		}
	}
}

// armLocked schedules the next purge for when the oldest entry expires.
func (t *Table) armLocked(now uint32) {
	if t.closed || t.head == nil {
		return
	}
	wait := time.Duration(int32(t.head.qexp-now)) * time.Millisecond
	wait = max(wait, 10*time.Millisecond) // coalesce a stream of expiries
	if t.timer == nil {
		t.timer = time.AfterFunc(wait, t.expireTask)
		return
	}
	t.timer.Reset(wait)
}

func (t *Table) expireTask() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := NowMs()
	t.purgeLocked(now)
	t.armLocked(now)
}

func (t *Table) touchLocked(e *Entry, now uint32) {
	exp := now + t.exp.Load()
	e.expire.Store(exp)
	t.requeueLocked(e, exp)
}

// requeueLocked moves an entry to the young end of the list.
func (t *Table) requeueLocked(e *Entry, exp uint32) {
	e.qexp = exp
	if t.tail != e {
		t.unlinkLocked(e)
		t.pushLocked(e)
	}
}

func (t *Table) removeLocked(e *Entry) {
	t.unlinkLocked(e)
	delete(t.entries, e.key)
	e.gone = true
}

func (t *Table) pushLocked(e *Entry) {
	e.prev, e.next = t.tail, nil
	if t.tail != nil {
		t.tail.next = e
	} else {
		t.head = e
	}
	t.tail = e
}

func (t *Table) unlinkLocked(e *Entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if t.head == e {
		t.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else if t.tail == e {
		t.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
