package stick

import (
	"sort"
	"sync"
	"time"
)

// Registry holds the tables of the running configuration by name. Tables
// outlive snapshots: a reload finds its tables here, with what they have
// counted, and the old and new snapshots share them.
type Registry struct {
	mu     sync.Mutex
	tables map[string]*Table
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{tables: map[string]*Table{}} }

// Stage is a set of tables being prepared for a configuration: nothing
// changes in the registry until Commit.
type Stage struct {
	r      *Registry
	tables map[string]*Table
	resize []func()
}

// Stage starts preparing the tables of a new configuration.
func (r *Registry) Stage() *Stage { return &Stage{r: r, tables: map[string]*Table{}} }

// Table returns the table a spec asks for: the running table of the same
// name when it holds the same keys and data (its size, expiry and purge
// policy change at Commit), else a new one that takes over the data the
// two have in common at Commit.
func (s *Stage) Table(spec Spec) *Table {
	s.r.mu.Lock()
	old := s.r.tables[spec.Name]
	s.r.mu.Unlock()
	if old != nil && sameLayout(&old.spec, &spec) {
		s.tables[spec.Name] = old
		s.resize = append(s.resize, func() {
			old.mu.Lock()
			old.size, old.nopurge = spec.Size, spec.NoPurge
			old.exp.Store(uint32(spec.Expire / time.Millisecond))
			old.spec = spec
			old.mu.Unlock()
		})
		return old
	}
	t := New(spec)
	if old != nil && old.spec.Type == spec.Type && old.spec.KeySize == spec.KeySize {
		s.resize = append(s.resize, func() { t.copyFrom(old) })
	}
	s.tables[spec.Name] = t
	return t
}

// Commit puts the staged tables in force and closes those no longer named.
func (s *Stage) Commit() {
	for _, fn := range s.resize {
		fn()
	}
	s.r.mu.Lock()
	old := s.r.tables
	s.r.tables = s.tables
	s.r.mu.Unlock()
	for name, t := range old {
		if s.tables[name] != t {
			t.Close()
		}
	}
}

// Lookup returns a running table by name, or nil.
func (r *Registry) Lookup(name string) *Table {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tables[name]
}

// All returns the running tables, by name.
func (r *Registry) All() []*Table {
	r.mu.Lock()
	out := make([]*Table, 0, len(r.tables))
	for _, t := range r.tables {
		out = append(out, t)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].spec.Name < out[j].spec.Name })
	return out
}

func sameLayout(a, b *Spec) bool {
	if a.Type != b.Type || a.KeySize != b.KeySize || len(a.Stores) != len(b.Stores) {
		return false
	}
	for _, st := range a.Stores {
		found := false
		for _, o := range b.Stores {
			if o == st {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// copyFrom takes over the entries of a table whose data changed, with the
// data types both store.
func (t *Table) copyFrom(old *Table) {
	for _, oe := range old.Entries() {
		e := t.Peek([]byte(oe.key))
		if e == nil {
			return
		}
		oe.mu.Lock()
		e.mu.Lock()
		for d := DataType(0); d < NumDataTypes; d++ {
			if d == DTConnCur || old.off[d] < 0 || t.off[d] < 0 || old.period[d] != t.period[d] {
				continue
			}
			for i := 0; i < min(int(old.elems[d]), int(t.elems[d])); i++ {
				if src, dst := oe.slot(d, i), e.slot(d, i); src != nil && dst != nil {
					copy(dst, src)
				}
			}
		}
		e.srv = oe.srv
		e.mu.Unlock()
		oe.mu.Unlock()
	}
}
