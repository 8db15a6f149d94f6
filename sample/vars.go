package sample

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Scope is the lifetime of a variable, given by the prefix of its name.
type Scope uint8

const (
	ScopeProc  Scope = iota + 1 // the whole process, shared by all connections
	ScopeSess                   // one client connection
	ScopeTxn                    // one request and its response
	ScopeReq                    // request processing only
	ScopeRes                    // response processing only
	ScopeCheck                  // a health check (never visible to traffic)
)

var scopePrefixes = [...]struct {
	prefix string
	scope  Scope
}{
	{"proc.", ScopeProc}, {"sess.", ScopeSess}, {"txn.", ScopeTxn},
	{"req.", ScopeReq}, {"res.", ScopeRes}, {"check.", ScopeCheck},
}

// VarRef names a variable. It is resolved once, when the config is loaded.
type VarRef struct {
	Scope Scope
	Name  string // without the scope prefix
}

// ParseVarName resolves a variable name such as "txn.user" with haproxy's
// rules and error messages.
func ParseVarName(s string) (VarRef, error) {
	if s == "" {
		return VarRef{}, fmt.Errorf("Empty variable name cannot be accepted")
	}
	for _, p := range scopePrefixes {
		name, ok := strings.CutPrefix(s, p.prefix)
		if !ok || name == "" {
			continue
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isAlnum(c) && c != '_' && c != '.' {
				return VarRef{}, fmt.Errorf("invalid syntax at char '%s'", name[i:])
			}
		}
		return VarRef{Scope: p.scope, Name: name}, nil
	}
	return VarRef{}, fmt.Errorf("invalid variable name '%s'. A variable name must be start by its scope. "+
		"The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'", s)
}

// Vars holds the variables of one transaction (txn.*, req.*, res.*) and of
// its session (sess.*); proc.* variables live in a process-wide store. A
// transaction has few variables, so slices searched linearly beat maps, and
// entries keep their buffers across transactions so that setting a
// variable does not allocate once a connection has warmed up.
type Vars struct {
	txn  []varEntry // dropped by Reset
	sess []varEntry // dropped by ResetSession
	// check holds check.* variables once ForCheck made these a health
	// check's variables; anywhere else (nil) they are neither kept nor
	// seen. A pointer: every client connection carries a Vars.
	check *[]varEntry
}

// ForCheck makes v the variables of a health check, where check.*
// variables live (haproxy keeps them in the check itself); ResetSession
// drops them with the others when the next check run starts.
func (v *Vars) ForCheck() {
	if v.check == nil {
		v.check = new([]varEntry)
	}
}

type varEntry struct {
	ref VarRef
	val Value
	buf []byte // owns val.Str, which must outlive the request buffers
}

// Reset drops transaction-scoped variables, keeping session ones.
func (v *Vars) Reset() { v.txn = v.txn[:0] }

// ResetSession drops every variable, for a new client connection (or a
// new run of a health check).
func (v *Vars) ResetSession() {
	v.txn = v.txn[:0]
	v.sess = v.sess[:0]
	if v.check != nil {
		*v.check = (*v.check)[:0]
	}
}

// Exists says whether a variable exists: it has a value, or it is a
// proc.* variable the configuration names (which exists unset from the
// start, as in haproxy). ifexists and ifnotexists test this; ifset and
// ifnotset whether Get finds a value.
func (v *Vars) Exists(r VarRef) bool {
	if r.Scope == ScopeProc {
		return procVars.exists(r)
	}
	_, ok := v.Get(r)
	return ok
}

// Get returns the value of a variable. Check-scoped variables are never
// visible from traffic rules.
func (v *Vars) Get(r VarRef) (Value, bool) {
	switch {
	case r.Scope == ScopeProc:
		return procVars.get(r)
	case r.Scope == ScopeCheck && v.check == nil:
		return Value{}, false
	}
	list := v.list(r.Scope)
	if i := find(*list, r); i >= 0 {
		return (*list)[i].val, true
	}
	return Value{}, false
}

// Set stores a copy of val in a variable, creating it if needed.
func (v *Vars) Set(r VarRef, val Value) {
	switch {
	case r.Scope == ScopeProc:
		procVars.set(r, val)
		return
	case r.Scope == ScopeCheck && v.check == nil:
		return
	}
	list := v.list(r.Scope)
	i := find(*list, r)
	if i < 0 {
		i = len(*list)
		if i < cap(*list) {
			*list = (*list)[:i+1] // reuse the slot and its buffer
		} else {
			*list = append(*list, varEntry{})
		}
		(*list)[i].ref = r
	}
	(*list)[i].store(val)
}

// Unset removes a variable.
func (v *Vars) Unset(r VarRef) {
	switch {
	case r.Scope == ScopeProc:
		procVars.unset(r)
		return
	case r.Scope == ScopeCheck && v.check == nil:
		return
	}
	list := v.list(r.Scope)
	if i := find(*list, r); i >= 0 {
		last := len(*list) - 1
		// Swap rather than copy over so that the removed entry's buffer
		// stays in the slice's spare capacity for reuse.
		(*list)[i], (*list)[last] = (*list)[last], (*list)[i]
		*list = (*list)[:last]
	}
}

func (v *Vars) list(s Scope) *[]varEntry {
	switch s {
	case ScopeSess:
		return &v.sess
	case ScopeCheck:
		return v.check
	}
	return &v.txn
}

func find(list []varEntry, r VarRef) int {
	for i := range list {
		if list[i].ref == r {
			return i
		}
	}
	return -1
}

func (e *varEntry) store(val Value) {
	if val.Kind == KindStr || val.Kind == KindBin {
		e.buf = append(e.buf[:0], val.Str...)
		val.Str = e.buf
	}
	e.val = val
}

// procVars is the process-wide store of proc.* variables. Readers are on
// the request path and must not take a lock, so the store is copied on
// write and published atomically; writes are rare.
var procVars procStore

type procStore struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[[]varEntry]
}

func (p *procStore) get(r VarRef) (Value, bool) {
	list := p.cur.Load()
	if list == nil {
		return Value{}, false
	}
	if i := find(*list, r); i >= 0 && (*list)[i].val.Kind != KindNone {
		return (*list)[i].val, true
	}
	return Value{}, false
}

// exists says whether the variable exists, set or not: proc.* variables
// the configuration names exist from the start, without a value.
func (p *procStore) exists(r VarRef) bool {
	list := p.cur.Load()
	return list != nil && find(*list, r) >= 0
}

// declare creates the variables that do not exist yet, without a value.
func (p *procStore) declare(refs []VarRef) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var next []varEntry
	if cur := p.cur.Load(); cur != nil {
		next = append(next, *cur...)
	}
	for _, r := range refs {
		if find(next, r) < 0 {
			next = append(next, varEntry{ref: r})
		}
	}
	p.cur.Store(&next)
}

// DeclareProcVars creates the proc.* variables a configuration names, as
// haproxy does when it reads it: they exist (ifexists) without a value
// (ifset), and unset-var takes their value, not them.
func DeclareProcVars(refs []VarRef) { procVars.declare(refs) }

func (p *procStore) set(r VarRef, val Value) {
	p.mu.Lock()
	defer p.mu.Unlock()
	next := p.copyWithout(r)
	e := varEntry{ref: r}
	e.store(val)
	next = append(next, e)
	p.cur.Store(&next)
}

func (p *procStore) unset(r VarRef) {
	p.mu.Lock()
	defer p.mu.Unlock()
	next := p.copyWithout(r)
	// A variable the configuration names stays, without a value.
	next = append(next, varEntry{ref: r})
	p.cur.Store(&next)
}

// copyWithout returns a fresh copy of the store minus r. Entries are
// immutable once published, so sharing their buffers is safe.
func (p *procStore) copyWithout(r VarRef) []varEntry {
	var next []varEntry
	if cur := p.cur.Load(); cur != nil {
		next = make([]varEntry, 0, len(*cur)+1)
		for _, e := range *cur {
			if e.ref != r {
				next = append(next, e)
			}
		}
	}
	return next
}
