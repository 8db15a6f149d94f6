package sample

import (
	"errors"
	"slices"
	"sort"
	"sync/atomic"
)

// What the runtime API (package runtimeapi) needs of a reference beyond
// the edits of patref_edit.go: entries it can name one by one (haproxy
// names them by their address, `del map m #0x…`), a whole new content put
// in service at once (`commit map`), a check that an entry would be
// accepted before it is kept aside for a later version, and the lookups
// of `get map` and `get acl`.

// RefEntry is one entry of a reference.
type RefEntry struct {
	// ID names the entry for as long as the process runs; it survives
	// edits of other entries and changes of the entry's value.
	ID         uint64
	Key, Value string
}

// entryIDs numbers the entries. The first is high enough that an id
// printed in hexadecimal looks like the addresses haproxy prints.
var entryIDs atomic.Uint64

const firstEntryID = 0x7f0000000000

// NewEntryID returns a new entry id.
func NewEntryID() uint64 { return firstEntryID + entryIDs.Add(1)<<4 }

// List returns the entries, in order.
func (ref *PatternRef) List() []RefEntry {
	e := ref.cur.Load()
	out := make([]RefEntry, len(e.keys))
	for i := range e.keys {
		out[i] = RefEntry{ID: e.ids[i], Key: e.keys[i], Value: e.vals[i]}
	}
	return out
}

// position returns where the entry id is in e, or -1.
func (e *refEntries) position(id uint64) int {
	return slices.Index(e.ids, id)
}

// DeleteID removes the entry id and reports whether there was one.
func (ref *PatternRef) DeleteID(id uint64) bool {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	old := ref.cur.Load()
	i := old.position(id)
	if i < 0 {
		return false
	}
	ents := &refEntries{
		keys:  slices.Delete(slices.Clone(old.keys), i, i+1),
		vals:  slices.Delete(slices.Clone(old.vals), i, i+1),
		lines: slices.Delete(slices.Clone(old.lines), i, i+1),
		ids:   slices.Delete(slices.Clone(old.ids), i, i+1),
	}
	_ = ref.replaceLocked(ents) // removing cannot make an index fail
	return true
}

// ErrNoEntry is the answer to an edit of an entry id that does not exist.
var ErrNoEntry = errors.New("key or pattern not found")

// SetID gives value to the entry id; a value an index cannot parse
// changes nothing.
func (ref *PatternRef) SetID(id uint64, value string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	old := ref.cur.Load()
	i := old.position(id)
	if i < 0 {
		return ErrNoEntry
	}
	return ref.setEntriesLocked(old, []int{i}, value)
}

// Check reports whether an entry would be accepted by every user of the
// reference (its key as a pattern, its value as a map's output), without
// adding it.
func (ref *PatternRef) Check(key, value string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	for k := range ref.indexes {
		if k.out == TypeInt || k.out == TypeAddr {
			if _, err := parseMapValue(value, k.out); err != nil {
				return err
			}
		}
		if err := newPatternSet(k.method).add(key, k.flags, 0); err != nil {
			return err
		}
	}
	return nil
}

// Replace puts ents in service as the whole content, at once; if an
// index refuses an entry, nothing changes.
func (ref *PatternRef) Replace(ents []RefEntry) error {
	e := &refEntries{
		keys:  make([]string, len(ents)),
		vals:  make([]string, len(ents)),
		lines: make([]int32, len(ents)),
		ids:   make([]uint64, len(ents)),
	}
	for i, en := range ents {
		e.keys[i], e.ids[i] = en.Key, en.ID
		if ref.Map {
			e.vals[i] = en.Value
		}
	}
	return ref.replace(e)
}

// RefMatch is how one user of a reference (an ACL's or a converter's
// way of matching) matches a sample, as `get map` and `get acl` print it.
type RefMatch struct {
	Method string // -m: str, beg, ip...
	ICase  bool
	Found  bool
	// Tree says whether haproxy would have found the entry in one of
	// its trees (exact strings and prefixes without -i, addresses)
	// rather than in its lists.
	Tree       bool
	Key, Value string
	// ValueType is the type of the value as a map converter returns
	// it (haproxy's smp_to_type names), "" for an ACL.
	ValueType string
}

// Match looks s up as each user of the reference does: s is cast to the
// type the matching needs (an address for -m ip), as haproxy's `get map`.
func (ref *PatternRef) Match(s string) []RefMatch {
	ref.mu.Lock()
	keys := make([]indexKey, 0, len(ref.indexes))
	idxs := make(map[indexKey]*refIndex, len(ref.indexes))
	for k, idx := range ref.indexes {
		keys = append(keys, k)
		idxs[k] = idx
	}
	ref.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.method != b.method {
			return a.method < b.method
		}
		if a.flags.icase != b.flags.icase {
			return !a.flags.icase
		}
		return a.out < b.out
	})
	ents := ref.cur.Load()
	var out []RefMatch
	for _, k := range keys {
		m := RefMatch{Method: k.method.refName(), ICase: k.flags.icase}
		x := idxs[k].cur.Load()
		c := &Ctx{}
		v, ok := Cast(c, Str([]byte(s)), k.method.expect())
		if ok {
			if id, found := x.set.lookup(c, v); found && id >= 0 && int(id) < len(ents.keys) {
				m.Found, m.Key = true, ents.keys[id]
				m.Tree = k.method == mIP || ((k.method == mStr || k.method == mBeg) && !k.flags.icase)
				if val, ok := x.value(id); ok {
					m.Value, m.ValueType = ents.vals[id], valueTypeName(val)
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// valueTypeName names a value's type as haproxy's smp_to_type.
func valueTypeName(v Value) string {
	switch v.Kind {
	case KindInt:
		return "sint"
	case KindIP:
		if v.IP.Is4() {
			return "ipv4"
		}
		return "ipv6"
	}
	return "str"
}
