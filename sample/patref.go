package sample

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// PatternRefs holds the pattern files and maps of a configuration, each
// once by file name, as haproxy's pat_ref list. Every ACL and map
// converter naming a file refers to its PatternRef, so a change to the file
// (or to its entries at run time) reaches all of them at once.
//
// A new configuration gets a new PatternRefs, seeded with the running
// one's (NewPatternRefs(prev)): a file whose bytes did not change keeps
// its reference, indexes included, so a reload does not re-index a large
// map; one that changed is read afresh into a new reference, and the
// running configuration's is left alone until the new one is in service.
type PatternRefs struct {
	mu   sync.Mutex
	refs map[refKey]*PatternRef
	prev *PatternRefs
}

// refKey names a reference: the file, and whether its lines are read as
// key-value pairs (maps, ACLs with -M) or whole patterns.
type refKey struct {
	path    string
	mapMode bool
}

// NewPatternRefs returns an empty set that reuses the unchanged files of
// prev (nil for none).
func NewPatternRefs(prev ...*PatternRefs) *PatternRefs {
	r := &PatternRefs{refs: map[refKey]*PatternRef{}}
	if len(prev) > 0 {
		r.prev = prev[0]
	}
	return r
}

// Refs lists the references, for watchers and the runtime API.
func (r *PatternRefs) Refs() []*PatternRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*PatternRef, 0, len(r.refs))
	for _, ref := range r.refs {
		out = append(out, ref)
	}
	return out
}

// load returns the reference of a file, reading it on first use. name is
// the file as written in the configuration, path where it is read.
func (r *PatternRefs) load(path, name string, mapMode bool) (*PatternRef, error) {
	key := refKey{filepath.Clean(path), mapMode}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ref := r.refs[key]; ref != nil {
		return ref, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open pattern file <%s>", name)
	}
	sum := maphash.Bytes(refSeed, data)
	if r.prev != nil {
		r.prev.mu.Lock()
		old := r.prev.refs[key]
		r.prev.mu.Unlock()
		if old != nil && old.sum.Load() == sum {
			r.refs[key] = old
			return old, nil
		}
	}
	ents, err := parseRefFile(data, name, mapMode)
	if err != nil {
		return nil, err
	}
	ref := &PatternRef{Name: name, Path: key.path, Map: mapMode, indexes: map[indexKey]*refIndex{}}
	ref.cur.Store(ents)
	ref.sum.Store(sum)
	r.refs[key] = ref
	return ref, nil
}

var refSeed = maphash.MakeSeed()

// PatternRef is the content of one pattern or map file: its entries in
// file order, behind an atomic pointer, and the indexes the ACLs and
// converters using it match against, rebuilt whenever the entries change.
type PatternRef struct {
	Name string // as written in the configuration
	Path string
	Map  bool // entries are "key value" lines

	mu      sync.Mutex // serialises changes
	cur     atomic.Pointer[refEntries]
	sum     atomic.Uint64 // of the file bytes the entries were read from
	indexes map[indexKey]*refIndex
}

// refEntries is one version of a reference's content.
type refEntries struct {
	keys, vals []string
	lines      []int32 // where each entry is in its file, for messages
}

// Len is the number of entries.
func (ref *PatternRef) Len() int { return len(ref.cur.Load().keys) }

// parseRefFile reads pattern lines as haproxy does: lines starting with
// '#' are comments, leading blanks are skipped, blank lines ignored, and
// the pattern runs to the end of the line (inner and trailing blanks
// included). In map mode the key is the first word and the value what
// follows the blanks after it.
func parseRefFile(data []byte, name string, mapMode bool) (*refEntries, error) {
	e := &refEntries{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		line = bytes.TrimLeft(line, " \t")
		if i := bytes.IndexByte(line, '\r'); i >= 0 {
			line = line[:i]
		}
		if len(line) == 0 {
			continue
		}
		if len(e.keys) == 1<<31-1 {
			return nil, fmt.Errorf("too many entries in file '%s'", name)
		}
		key, val := line, []byte(nil)
		if mapMode {
			if i := bytes.IndexAny(line, " \t"); i >= 0 {
				key, val = line[:i], bytes.TrimRight(bytes.TrimLeft(line[i:], " \t"), " \t")
			}
		}
		e.keys = append(e.keys, string(key))
		e.vals = append(e.vals, string(val))
		e.lines = append(e.lines, int32(n+1))
	}
	return e, nil
}

// Reload reads the file again and, if every line indexes without error,
// puts the new content in service for every user at once. On error the
// old content stays and the error names the file and line.
func (ref *PatternRef) Reload() (changed bool, err error) {
	data, err := os.ReadFile(ref.Path)
	if err != nil {
		return false, fmt.Errorf("failed to open pattern file <%s>: %v", ref.Name, errors.Unwrap(err))
	}
	sum := maphash.Bytes(refSeed, data)
	if sum == ref.sum.Load() {
		return false, nil
	}
	ents, err := parseRefFile(data, ref.Name, ref.Map)
	if err != nil {
		return false, err
	}
	if err := ref.replace(ents); err != nil {
		return false, err
	}
	ref.sum.Store(sum)
	return true, nil
}

// replace builds every index over ents first, and swaps them in only
// when all built: readers see the old content or the new, never a mix
// within one index.
func (ref *PatternRef) replace(ents *refEntries) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	built := make(map[*refIndex]*indexed, len(ref.indexes))
	for key, idx := range ref.indexes {
		x, err := buildIndex(ents, key, ref.Name)
		if err != nil {
			return err
		}
		built[idx] = x
	}
	ref.cur.Store(ents)
	for idx, x := range built {
		idx.cur.Store(x)
	}
	return nil
}

// indexKey is what an index depends on besides the entries: how keys
// match, and the type values are parsed to (TypeAny: no values).
type indexKey struct {
	method matchMethod
	flags  patFlags
	out    Type
}

// refIndex is the compiled form of a reference for one indexKey, shared
// by every user with the same key.
type refIndex struct {
	cur atomic.Pointer[indexed]
}

// indexed is one version of an index: the patterns, and the values
// parsed to the index's type, by entry id.
type indexed struct {
	set  patternSet
	vals []Value
}

// index returns the reference's index for key, building it on first use.
func (ref *PatternRef) index(key indexKey) (*refIndex, error) {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	if idx := ref.indexes[key]; idx != nil {
		return idx, nil
	}
	x, err := buildIndex(ref.cur.Load(), key, ref.Name)
	if err != nil {
		return nil, err
	}
	idx := &refIndex{}
	idx.cur.Store(x)
	ref.indexes[key] = idx
	return idx, nil
}

func buildIndex(ents *refEntries, key indexKey, name string) (*indexed, error) {
	x := &indexed{set: newPatternSet(key.method)}
	if key.out != TypeAny {
		x.vals = make([]Value, len(ents.keys))
	}
	for i, k := range ents.keys {
		// The value first: haproxy reports a bad value before a bad key.
		if x.vals != nil {
			v, err := parseMapValue(ents.vals[i], key.out)
			if err != nil {
				return nil, fmt.Errorf("%v at line %d of file '%s'", err, ents.lines[i], name)
			}
			x.vals[i] = v
		}
		if err := x.set.add(k, key.flags, int32(i)); err != nil {
			return nil, fmt.Errorf("%v at line %d of file '%s'", err, ents.lines[i], name)
		}
	}
	return x, nil
}

// staticIndex holds patterns written on an ACL line: they never change.
func staticIndex(set patternSet) *refIndex {
	idx := &refIndex{}
	idx.cur.Store(&indexed{set: set})
	return idx
}

// parseMapValue parses a map's value to the converter's output type, at
// load, as haproxy does (a map_str_int value that is not a number is an
// error then, not at lookup).
func parseMapValue(s string, t Type) (Value, error) {
	switch t {
	case TypeInt:
		n, ok := parseMapInt(s)
		if !ok {
			return Value{}, fmt.Errorf("unable to parse '%s'", s)
		}
		return Int(n), nil
	case TypeAddr:
		v, ok := parseMapIP(s)
		if !ok {
			return Value{}, fmt.Errorf("unable to parse '%s'", s)
		}
		return v, nil
	}
	return Str([]byte(s)), nil
}
