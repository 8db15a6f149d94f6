package runtimeapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"switchyard/admin"
	"switchyard/sample"
)

// The map and ACL commands (map.c's), on the pattern files of the running
// configuration.
//
// Every one needs the admin level: haproxy 2.6 checks no level at all for
// them, which let a `level user` socket rewrite maps; haproxy fixed that
// as a security bug in 3.4 (commit 94d2f69b9, backported), and so does
// switchyard.
//
// References are named by their file, as written in the configuration, or
// by "#<id>": the ids number the files of the configuration in the order
// of their names (haproxy numbers them in the order the configuration
// uses them, and gives ids to the patterns written on ACL lines too,
// which switchyard does not list). Entries are named "#0x…", the id
// `show map` prints before each.
//
// Versions (prepare, add @ver, commit) follow haproxy's generations: the
// current version is the reference's content, which requests match; the
// entries added to a newer version wait here until it is committed, and
// then replace the content at once.

// mapVersions are the versions of the references, kept by the server.
type mapVersions struct {
	mu   sync.Mutex
	refs map[*sample.PatternRef]*refVersions
}

type refVersions struct {
	curr, next uint32
	staged     map[uint32][]sample.RefEntry
}

// of returns the versions of ref, created at 0.
func (m *mapVersions) of(ref *sample.PatternRef) *refVersions {
	if m.refs == nil {
		m.refs = map[*sample.PatternRef]*refVersions{}
	}
	v := m.refs[ref]
	if v == nil {
		v = &refVersions{staged: map[uint32][]sample.RefEntry{}}
		m.refs[ref] = v
	}
	return v
}

// forget drops the versions of references the configuration no longer
// has.
func (m *mapVersions) forget(live []*sample.PatternRef) {
	keep := map[*sample.PatternRef]bool{}
	for _, r := range live {
		keep[r] = true
	}
	for r := range m.refs {
		if !keep[r] {
			delete(m.refs, r)
		}
	}
}

// mapCall is a map or ACL command being run.
type mapCall struct {
	*call
	isMap bool
	vers  *mapVersions
	refs  []*sample.PatternRef // of the running configuration, by id
}

// newMapCall prepares a map or ACL command; it holds the versions' lock
// until done.
func newMapCall(c *call) (*mapCall, bool) {
	if !c.need(admin.Admin) {
		return nil, false
	}
	m := &mapCall{call: c, isMap: c.arg(1) == "map", vers: &c.s.srv.maps}
	if pr := c.s.srv.surf.Runtime().Snapshot().Patterns; pr != nil {
		m.refs = pr.Refs()
	}
	sort.Slice(m.refs, func(i, j int) bool {
		if m.refs[i].Name != m.refs[j].Name {
			return m.refs[i].Name < m.refs[j].Name
		}
		return !m.refs[i].Map
	})
	m.vers.mu.Lock()
	m.vers.forget(m.refs)
	return m, true
}

func (m *mapCall) done() { m.vers.mu.Unlock() }

// kind is "map" or "ACL" as the messages name them.
func (m *mapCall) kind() string {
	if m.isMap {
		return "map"
	}
	return "ACL"
}

func (m *mapCall) unknown() {
	m.err("Unknown " + m.kind() + " identifier. Please use #<id> or <file>.\n")
}

// lookup finds a reference by "#<id>" or name; with typed, only one of
// the command's kind (a map for map, a list of patterns for acl).
func (m *mapCall) lookup(name string, typed bool) *sample.PatternRef {
	var ref *sample.PatternRef
	if n, ok := strings.CutPrefix(name, "#"); ok {
		id, err := strconv.Atoi(n)
		if err != nil || id < 0 || id >= len(m.refs) {
			return nil
		}
		ref = m.refs[id]
	} else {
		for _, r := range m.refs {
			if r.Name == name {
				ref = r
				break
			}
		}
		if ref == nil {
			if pr := m.s.srv.surf.Runtime().Snapshot().Patterns; pr != nil {
				ref = pr.Lookup(name)
			}
		}
	}
	if ref != nil && typed && ref.Map != m.isMap {
		return nil
	}
	return ref
}

// version reads a version number as haproxy's str2uic.
func version(s string) uint32 {
	n, _ := strconv.ParseUint(leadingDigits(s), 10, 32)
	return uint32(n)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// entries returns the entries of one version.
func (m *mapCall) entries(ref *sample.PatternRef, ver uint32) []sample.RefEntry {
	v := m.vers.of(ref)
	if ver == v.curr {
		return ref.List()
	}
	return v.staged[ver]
}

// count is haproxy's entry_cnt: the entries of every version.
func (m *mapCall) count(ref *sample.PatternRef) int {
	n := ref.Len()
	for _, e := range m.vers.of(ref).staged {
		n += len(e)
	}
	return n
}

// cmdShowMap is `show map|acl [[@<ver>] <name>]`.
func cmdShowMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	args := c.args
	if arg(args, 2) == "" {
		c.data([]byte("# id (file) description\n"))
		for id, ref := range m.refs {
			if ref.Map != m.isMap {
				continue
			}
			v := m.vers.of(ref)
			used := "acl"
			if ref.Map {
				used = "map"
			}
			c.data(fmt.Appendf(nil, "%d (%s) pattern loaded from file '%s' used by %s. curr_ver=%d next_ver=%d entry_cnt=%d\n",
				id, ref.Name, ref.Path, used, v.curr, v.next, m.count(ref)))
		}
		return
	}
	ver, hasVer := uint32(0), false
	if strings.HasPrefix(args[2], "@") {
		ver, hasVer = version(args[2][1:]), true
		args = args[1:]
	}
	ref := m.lookup(arg(args, 2), true)
	if ref == nil {
		m.unknown()
		return
	}
	if !hasVer {
		ver = m.vers.of(ref).curr
	}
	for _, e := range m.entries(ref, ver) {
		if ref.Map {
			c.data(fmt.Appendf(nil, "0x%x %s %s\n", e.ID, e.Key, e.Value))
		} else {
			c.data(fmt.Appendf(nil, "0x%x %s\n", e.ID, e.Key))
		}
	}
}

// cmdGetMap is `get map|acl <name> <value>`: how each user of the file
// matches value.
func cmdGetMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	if c.arg(2) == "" || c.arg(3) == "" {
		c.err("Missing " + m.kind() + " identifier and/or key.\n")
		return
	}
	ref := m.lookup(c.arg(2), false)
	if ref == nil {
		m.unknown()
		return
	}
	for _, r := range ref.Match(c.arg(3)) {
		b := fmt.Appendf(nil, "type=%s", r.Method)
		if r.ICase {
			b = append(b, ", case=insensitive"...)
		} else {
			b = append(b, ", case=sensitive"...)
		}
		found := "found"
		if !m.isMap {
			found = "match"
		}
		if !r.Found {
			b = fmt.Appendf(b, ", %s=no\n", found)
			c.data(b)
			continue
		}
		b = fmt.Appendf(b, ", %s=yes", found)
		if r.Tree {
			b = append(b, ", idx=tree"...)
		} else {
			b = append(b, ", idx=list"...)
		}
		if m.isMap {
			b = fmt.Appendf(b, ", key=\"%s\"", r.Key)
			if r.ValueType != "" {
				b = fmt.Appendf(b, ", value=\"%s\", type=\"%s\"", r.Value, r.ValueType)
			} else {
				b = append(b, ", value=none"...)
			}
		} else {
			b = fmt.Appendf(b, ", pattern=\"%s\"", r.Key)
		}
		c.data(append(b, '\n'))
	}
}

// cmdAddMap is `add map|acl [@<ver>] <name> <key> [<value>]`, or `add map
// [@<ver>] <name>` with a payload of "key value" lines.
func cmdAddMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	args := c.args
	ver, hasVer := uint32(0), false
	if strings.HasPrefix(arg(args, 2), "@") {
		ver, hasVer = version(args[2][1:]), true
		args = args[1:]
	}
	if m.isMap {
		if (!c.hasPayload && (arg(args, 2) == "" || arg(args, 3) == "" || arg(args, 4) == "")) || (c.hasPayload && arg(args, 2) == "") {
			c.err("'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload\n")
			return
		}
	} else if arg(args, 2) == "" || arg(args, 3) == "" {
		c.err("'add acl' expects two parameters: ACL identifier and pattern.\n")
		return
	}
	ref := m.lookup(args[2], false)
	if ref == nil {
		m.unknown()
		return
	}
	v := m.vers.of(ref)
	if !hasVer {
		ver = v.curr
	} else if int32(ver-v.next) > 0 {
		c.err("Version number in the future, please use 'prepare " + strings.ToLower(m.kind()) + "' before.\n")
		return
	}
	if !m.isMap && ref.Map {
		c.err("This ACL is shared with a map containing samples. You must use the command 'add map' to add values.\n")
		return
	}
	add := func(key, value string) bool {
		var err error
		if ver == v.curr {
			err = ref.Add(key, value)
		} else if err = ref.Check(key, value); err == nil {
			v.staged[ver] = append(v.staged[ver], sample.RefEntry{ID: sample.NewEntryID(), Key: key, Value: value})
		}
		if err != nil {
			c.err(err.Error() + ".\n")
			return false
		}
		return true
	}
	if !c.hasPayload || !m.isMap {
		add(arg(args, 3), arg(args, 4))
		return
	}
	// One "key value" per line; the value is the rest of the line.
	// Lines added before a bad one stay, as in haproxy.
	for _, line := range strings.Split(c.payload, "\n") {
		if line == "" {
			continue
		}
		cut := strings.IndexAny(line, " \t")
		if cut < 0 {
			c.err("Missing value for key '" + line + "'.\n")
			return
		}
		if !add(line[:cut], strings.TrimLeft(line[cut:], " \t")) {
			return
		}
	}
}

// entryID reads "#0x…", an entry's id; ok is false for a key.
func entryID(s string) (id uint64, isID, ok bool) {
	if !strings.HasPrefix(s, "#0x") {
		return 0, false, true
	}
	n, err := strconv.ParseUint(s[3:], 16, 64)
	return n, true, err == nil
}

// cmdSetMap is `set map <name> <key>|#<id> <value>`: the value of every
// entry of that key, in every version, or of that entry.
func cmdSetMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	if c.arg(2) == "" || c.arg(3) == "" || c.arg(4) == "" {
		c.err("'set map' expects three parameters: map identifier, key and value.\n")
		return
	}
	ref := m.lookup(c.arg(2), false)
	if ref == nil {
		m.unknown()
		return
	}
	id, isID, ok := entryID(c.arg(3))
	if !ok {
		c.err("Malformed identifier. Please use #<id> or <file>.\n")
		return
	}
	value := c.arg(4)
	v := m.vers.of(ref)
	if isID {
		err := ref.SetID(id, value)
		if err == sample.ErrNoEntry {
			err = v.setStaged(ref, func(e *sample.RefEntry) bool { return e.ID == id }, value)
		}
		if err != nil {
			c.err(err.Error() + ".\n")
		}
		return
	}
	err := ref.Set(c.arg(3), value)
	if serr := v.setStaged(ref, func(e *sample.RefEntry) bool { return e.Key == c.arg(3) }, value); err != nil && serr == nil {
		err = nil // found in a version being prepared
	}
	if err != nil {
		c.err(err.Error() + ".\n")
	}
}

// setStaged sets the value of the staged entries that match; it fails if
// none does, or if the value is refused.
func (v *refVersions) setStaged(ref *sample.PatternRef, match func(*sample.RefEntry) bool, value string) error {
	found := false
	for ver, ents := range v.staged {
		for i := range ents {
			if !match(&ents[i]) {
				continue
			}
			if err := ref.Check(ents[i].Key, value); err != nil {
				return err
			}
			if ref.Map {
				v.staged[ver][i].Value = value
			}
			found = true
		}
	}
	if !found {
		return sample.ErrNoEntry
	}
	return nil
}

// cmdDelMap is `del map|acl <name> <key>|#<id>`: every entry of that key,
// in every version, or that entry.
func cmdDelMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	if c.arg(2) == "" || c.arg(3) == "" {
		c.err("This command expects two parameters: " + m.kind() + " identifier and key.\n")
		return
	}
	ref := m.lookup(c.arg(2), true)
	if ref == nil {
		// haproxy says "map" for an ACL here.
		c.err("Unknown map identifier. Please use #<id> or <file>.\n")
		return
	}
	id, isID, ok := entryID(c.arg(3))
	if !ok {
		c.err("Malformed identifier. Please use #<id> or <file>.\n")
		return
	}
	match := func(e *sample.RefEntry) bool { return e.Key == c.arg(3) }
	var found bool
	if isID {
		match = func(e *sample.RefEntry) bool { return e.ID == id }
		found = ref.DeleteID(id)
	} else {
		found = ref.Delete(c.arg(3))
	}
	v := m.vers.of(ref)
	for ver, ents := range v.staged {
		kept := ents[:0]
		for i := range ents {
			if match(&ents[i]) {
				found = true
				continue
			}
			kept = append(kept, ents[i])
		}
		v.staged[ver] = kept
	}
	if !found {
		c.err("Key not found.\n")
	}
}

// cmdClearMap is `clear map|acl [@<ver>] <name>`: the entries of the
// current version, or of another one.
func cmdClearMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	args := c.args
	ver, hasVer := uint32(0), false
	if strings.HasPrefix(arg(args, 2), "@") {
		ver, hasVer = version(args[2][1:]), true
		args = args[1:]
	}
	if arg(args, 2) == "" {
		c.err("Missing " + m.kind() + " identifier.\n")
		return
	}
	ref := m.lookup(args[2], true)
	if ref == nil {
		m.unknown()
		return
	}
	v := m.vers.of(ref)
	if !hasVer || ver == v.curr {
		ref.Clear()
		return
	}
	delete(v.staged, ver)
}

// cmdPrepareMap is `prepare map|acl <name>`: a new, empty version.
func cmdPrepareMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	ref := m.lookup(c.arg(2), true)
	if ref == nil {
		m.unknown()
		return
	}
	v := m.vers.of(ref)
	v.next++
	c.msg(logInfo, fmt.Sprintf("New version created: %d\n", v.next))
}

// cmdCommitMap is `commit map|acl @<ver> <name>`: the version becomes the
// content, at once; older versions are dropped, newer ones stay.
func cmdCommitMap(c *call) {
	m, ok := newMapCall(c)
	if !ok {
		return
	}
	defer m.done()
	if !strings.HasPrefix(c.arg(2), "@") {
		c.err("Missing version number.\n")
		return
	}
	ver := version(c.arg(2)[1:])
	if c.arg(3) == "" {
		c.err("Missing " + m.kind() + " identifier.\n")
		return
	}
	ref := m.lookup(c.arg(3), true)
	if ref == nil {
		m.unknown()
		return
	}
	v := m.vers.of(ref)
	// Only a version after the current one and not after the last one
	// prepared can be committed.
	if ver-(v.curr+1) >= v.next-v.curr {
		c.err("Version number out of range.\n")
		return
	}
	if err := ref.Replace(v.staged[ver]); err != nil {
		c.err(err.Error() + ".\n")
		return
	}
	v.curr = ver
	for g := range v.staged {
		if int32(g-ver) <= 0 {
			delete(v.staged, g)
		}
	}
}
