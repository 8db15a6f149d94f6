package sample

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
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

// Lookup finds the reference of a file by its name as written in the
// configuration (haproxy's pat_ref_lookup), or else by its path; nil if
// the configuration loads no such file.
func (r *PatternRefs) Lookup(name string) *PatternRef {
	r.mu.Lock()
	defer r.mu.Unlock()
	var byPath *PatternRef
	clean := filepath.Clean(name)
	for _, ref := range r.refs {
		if ref.Name == name {
			return ref
		}
		if ref.Path == clean {
			byPath = ref
		}
	}
	return byPath
}

// load returns the reference of a file, reading it on first use. name is
// the file as written in the configuration, path where it is read.
func (r *PatternRefs) load(path, name string, mapMode bool) (*PatternRef, error) {
	key := refKey{filepath.Clean(path), mapMode}
	virtual := IsVirtual(name)
	if virtual {
		key.path = name // a name, not a file: no directory applies
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ref := r.refs[key]; ref != nil {
		return ref, nil
	}
	// As haproxy, a file is either a list of patterns or a map: using
	// it both ways is refused.
	if other := r.refs[refKey{key.path, !mapMode}]; other != nil {
		if mapMode {
			return nil, fmt.Errorf("The file \"%s\" is already used as one column file and cannot be used by as two column file.", name)
		}
		return nil, fmt.Errorf("The file \"%s\" is already used as two column file and cannot be used by as one column file.", name)
	}
	if virtual {
		return r.virtualLocked(key), nil
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

// IsVirtual says whether a pattern file or map name is haproxy's virtual
// reference ("virt@NAME", configuration.txt 2.7): a list that no file
// backs, empty when the configuration is loaded and filled at run time
// (the runtime API, the set-map and add-acl actions, the ACME task). The
// prefix is part of the name.
func IsVirtual(name string) bool { return len(name) > len("virt@") && strings.HasPrefix(name, "virt@") }

// virtualLocked returns the virtual reference of key: the running
// configuration's, so that the entries added at run time (an ACME
// challenge being validated) outlive a reload, or else a new, empty one.
func (r *PatternRefs) virtualLocked(key refKey) *PatternRef {
	if r.prev != nil {
		r.prev.mu.Lock()
		old := r.prev.refs[key]
		r.prev.mu.Unlock()
		if old != nil {
			r.refs[key] = old
			return old
		}
	}
	ref := &PatternRef{Name: key.path, Path: key.path, Map: key.mapMode, Virtual: true, indexes: map[indexKey]*refIndex{}}
	ref.cur.Store(&refEntries{})
	r.refs[key] = ref
	return ref
}

// PatternRef is the content of one pattern or map file: its entries in
// file order, behind an atomic pointer, and the indexes the ACLs and
// converters using it match against, rebuilt whenever the entries change.
type PatternRef struct {
	Name string // as written in the configuration
	Path string
	Map  bool // entries are "key value" lines
	// Virtual: a "virt@" reference, which no file backs (Path is its
	// name); only run-time edits change it.
	Virtual bool

	mu      sync.Mutex // serialises changes
	cur     atomic.Pointer[refEntries]
	sum     atomic.Uint64 // of the file bytes the entries were read from
	indexes map[indexKey]*refIndex

	reloads, errors atomic.Uint64 // file reloads done and refused
}

// refEntries is one version of a reference's content.
type refEntries struct {
	keys, vals []string
	lines      []int32  // where each entry is in its file, for messages
	ids        []uint64 // each entry's identity, for the runtime API (patref_cli.go)
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
	// Keys and values are slices of one copy of the file: a million
	// entries are one allocation, not two million.
	arena := string(data)
	sub := func(b []byte) string {
		if len(b) == 0 {
			return ""
		}
		off := uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		return arena[off : int(off)+len(b)]
	}
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
		e.keys = append(e.keys, sub(key))
		e.vals = append(e.vals, sub(val))
		e.lines = append(e.lines, int32(n+1))
		e.ids = append(e.ids, NewEntryID())
	}
	return e, nil
}

// Reload reads the file again and, if every line indexes without error,
// puts the new content in service for every user at once. On error the
// old content stays and the error names the file and line.
func (ref *PatternRef) Reload() (changed bool, err error) {
	if ref.Virtual {
		return false, nil
	}
	data, err := os.ReadFile(ref.Path)
	if err != nil {
		return false, fmt.Errorf("failed to open pattern file <%s>: %v", ref.Name, errors.Unwrap(err))
	}
	sum := maphash.Bytes(refSeed, data)
	if sum == ref.sum.Load() {
		return false, nil
	}
	ents, err := parseRefFile(data, ref.Name, ref.Map)
	if err == nil {
		err = ref.replace(ents)
	}
	if err != nil {
		ref.errors.Add(1)
		return false, err
	}
	ref.sum.Store(sum)
	ref.reloads.Add(1)
	return true, nil
}

// Reloads is how many times a new content of the file was put in service.
func (ref *PatternRef) Reloads() uint64 { return ref.reloads.Load() }

// ReloadErrors is how many times a changed file was refused (a bad line,
// an unreadable file): the old content stayed in service.
func (ref *PatternRef) ReloadErrors() uint64 { return ref.errors.Load() }

// CountError records a failed reload that Reload did not see (the file
// could not be read), for the statistics.
func (ref *PatternRef) CountError() { ref.errors.Add(1) }

// replace builds every index over ents first, and swaps them in only
// when all built: readers see the old content or the new, never a mix
// within one index.
func (ref *PatternRef) replace(ents *refEntries) error {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.replaceLocked(ents)
}

func (ref *PatternRef) replaceLocked(ents *refEntries) error {
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
// parsed to the index's type, by entry id. Values are kept by type, the
// smallest way: strings are the entries' own (no copy), integers and
// addresses in slices of their own.
type indexed struct {
	set   patternSet
	out   Type
	strs  []string // TypeStr: the entries' values
	ints  []int64
	addrs []netip.Addr
}

// value is the value of entry id, as a sample. A string value points into
// the entry: samples are never written in place.
func (x *indexed) value(id int32) (Value, bool) {
	switch x.out {
	case TypeStr:
		if int(id) < len(x.strs) && id >= 0 {
			s := x.strs[id]
			return Str(unsafe.Slice(unsafe.StringData(s), len(s))), true
		}
	case TypeInt:
		if int(id) < len(x.ints) && id >= 0 {
			return Int(x.ints[id]), true
		}
	case TypeAddr:
		if int(id) < len(x.addrs) && id >= 0 {
			return IP(x.addrs[id]), true
		}
	}
	return Value{}, false
}

// withValues makes x's values those of ents for the entries in ids, which
// parse as v (the caller checked).
func (x *indexed) withValues(ents *refEntries, ids []int, v Value) *indexed {
	nx := &indexed{set: x.set, out: x.out, strs: ents.vals}
	switch x.out {
	case TypeInt:
		nx.ints = slices.Clone(x.ints)
		for _, i := range ids {
			nx.ints[i] = v.Int
		}
	case TypeAddr:
		nx.addrs = slices.Clone(x.addrs)
		for _, i := range ids {
			nx.addrs[i] = v.IP
		}
	}
	return nx
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
	x := &indexed{set: newPatternSet(key.method), out: key.out}
	switch key.out {
	case TypeStr:
		x.strs = ents.vals
	case TypeInt:
		x.ints = make([]int64, len(ents.keys))
	case TypeAddr:
		x.addrs = make([]netip.Addr, len(ents.keys))
	}
	for i, k := range ents.keys {
		// The value first: haproxy reports a bad value before a bad key.
		if key.out == TypeInt || key.out == TypeAddr {
			v, err := parseMapValue(ents.vals[i], key.out)
			if err != nil {
				return nil, &LineError{File: name, Line: int(ents.lines[i]), Msg: err.Error()}
			}
			if key.out == TypeInt {
				x.ints[i] = v.Int
			} else {
				x.addrs[i] = v.IP
			}
		}
		if err := x.set.add(k, key.flags, int32(i)); err != nil {
			return nil, &LineError{File: name, Line: int(ents.lines[i]), Msg: err.Error()}
		}
	}
	return x, nil
}

// LineError is a line of a pattern file or map that does not parse.
type LineError struct {
	File string // as written in the configuration
	Line int    // 0 for an entry added at run time
	Msg  string
}

// Error reads as haproxy's message.
func (e *LineError) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s at line %d of file '%s'", e.Msg, e.Line, e.File)
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
