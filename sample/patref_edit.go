package sample

import (
	"fmt"
	"slices"
)

// Run-time edits of a reference, for the add-acl, del-acl, set-map and
// del-map actions and the runtime API, with haproxy's semantics
// (pat_ref_add, pat_ref_set, pat_ref_delete, pat_ref_prune). Each edit
// builds the new entries and every index over them, then swaps them in:
// a reader sees the reference before the edit or after it, never half of
// it, and an edit that an index refuses (a key that is not an address for
// an ip ACL, a value that is not a number for map_str_int) changes
// nothing. The cost of an edit is that of indexing the whole reference
// again, which is fine for the small maps actions maintain; large maps
// are better changed through their file.
//
// Edits are not written to the file. They last until the file changes on
// disk (the watcher then reads it again) or a configuration that no
// longer names the file is loaded; a reload of the configuration keeps
// them when the file did not change.

// Add appends an entry, even if one with the same key exists (the first
// keeps matching, as in haproxy). value is ignored by one-column files.
func (ref *PatternRef) Add(key, value string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.addLocked(key, value)
}

func (ref *PatternRef) addLocked(key, value string) error {
	old := ref.cur.Load()
	if !ref.Map {
		value = ""
	}
	// Appending past the old slices' length leaves what readers of the
	// old version see untouched.
	ents := &refEntries{
		keys:  append(old.keys, key),
		vals:  append(old.vals, value),
		lines: append(old.lines, 0),
		ids:   append(old.ids, NewEntryID()),
	}
	if err := ref.replaceLocked(ents); err != nil {
		return err
	}
	return nil
}

// Set gives value to every entry whose key is key; "entry not found" if
// there is none. A value that an index cannot parse changes nothing.
func (ref *PatternRef) Set(key, value string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.setLocked(key, value)
}

func (ref *PatternRef) setLocked(key, value string) error {
	old := ref.cur.Load()
	var ids []int
	for i, k := range old.keys {
		if k == key {
			ids = append(ids, i)
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("entry not found")
	}
	return ref.setEntriesLocked(old, ids, value)
}

// setEntriesLocked gives value to the entries at positions ids of old,
// the current content.
func (ref *PatternRef) setEntriesLocked(old *refEntries, ids []int, value string) error {
	if !ref.Map {
		return nil // no values to set
	}
	// Values only: the pattern sets stay, the values are copied.
	parsed := make(map[Type]Value)
	for key := range ref.indexes {
		if key.out == TypeAny {
			continue
		}
		if _, done := parsed[key.out]; done {
			continue
		}
		v, err := parseMapValue(value, key.out)
		if err != nil {
			return err
		}
		parsed[key.out] = v
	}
	ents := &refEntries{keys: old.keys, vals: slices.Clone(old.vals), lines: old.lines, ids: old.ids}
	for _, i := range ids {
		ents.vals[i] = value
	}
	built := make(map[*refIndex]*indexed, len(ref.indexes))
	for key, idx := range ref.indexes {
		x := idx.cur.Load()
		if key.out == TypeAny {
			built[idx] = x
			continue
		}
		built[idx] = x.withValues(ents, ids, parsed[key.out])
	}
	ref.cur.Store(ents)
	for idx, x := range built {
		idx.cur.Store(x)
	}
	return nil
}

// Delete removes every entry whose key is key and reports whether there
// was one.
func (ref *PatternRef) Delete(key string) bool {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.deleteLocked(key)
}

func (ref *PatternRef) deleteLocked(key string) bool {
	old := ref.cur.Load()
	if !slices.Contains(old.keys, key) {
		return false
	}
	ents := &refEntries{}
	for i, k := range old.keys {
		if k != key {
			ents.keys = append(ents.keys, k)
			ents.vals = append(ents.vals, old.vals[i])
			ents.lines = append(ents.lines, old.lines[i])
			ents.ids = append(ents.ids, old.ids[i])
		}
	}
	// Removing entries cannot make an index fail.
	_ = ref.replaceLocked(ents)
	return true
}

// Clear removes every entry.
func (ref *PatternRef) Clear() {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	_ = ref.replaceLocked(&refEntries{})
}

// Has reports whether an entry has key.
func (ref *PatternRef) Has(key string) bool {
	return slices.Contains(ref.cur.Load().keys, key)
}

// AddIfMissing adds key unless an entry has it already: the add-acl
// action, atomic with respect to other edits.
func (ref *PatternRef) AddIfMissing(key string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	if slices.Contains(ref.cur.Load().keys, key) {
		return nil
	}
	return ref.addLocked(key, "")
}

// SetOrAdd sets the value of key's entries, or adds one: the set-map
// action, atomic with respect to other edits.
func (ref *PatternRef) SetOrAdd(key, value string) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	if slices.Contains(ref.cur.Load().keys, key) {
		return ref.setLocked(key, value)
	}
	return ref.addLocked(key, value)
}

// Entries returns a copy of the entries, in order, for the runtime API.
func (ref *PatternRef) Entries() (keys, values []string) {
	e := ref.cur.Load()
	return slices.Clone(e.keys), slices.Clone(e.vals)
}
