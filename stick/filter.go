package stick

// What a reader of a table outside the request path needs, beyond "show
// table" (show.go): the table's attributes, an entry's values one by one,
// and filters on an entry's data ("data.<type> <op> <value>" on the CLI,
// {name, op, value} in Lua's StickTable.dump).

// Op is a comparison of a data filter (haproxy's STD_OP_*).
type Op uint8

const (
	OpEQ Op = iota
	OpNE
	OpLE
	OpLT
	OpGE
	OpGT
)

var opNames = [...]string{OpEQ: "eq", OpNE: "ne", OpLE: "le", OpLT: "lt", OpGE: "ge", OpGT: "gt"}

func (o Op) String() string { return opNames[o] }

// ParseOp reads an operator's name: exactly one of eq ne le lt ge gt.
func ParseOp(s string) (Op, bool) {
	for i, n := range opNames {
		if n == s {
			return Op(i), true
		}
	}
	return 0, false
}

// Holds reports whether v <op> ref.
func (o Op) Holds(v, ref int64) bool {
	switch o {
	case OpEQ:
		return v == ref
	case OpNE:
		return v != ref
	case OpLE:
		return v <= ref
	case OpLT:
		return v < ref
	case OpGE:
		return v >= ref
	}
	return v > ref
}

// Filter is one condition on an entry's data: the value of Type (a
// counter, a frequency counter's rate over its period, an array's first
// element) compared to Value.
type Filter struct {
	Type  DataType
	Op    Op
	Value int64
}

// Match reports whether the entry passes the filter at tick now. A data
// type that holds no number (server_key), or that the table does not
// store, passes every filter, as in haproxy's Lua dump, which skips such
// a condition.
func (f *Filter) Match(e *Entry, now uint32) bool {
	if dataInfo[f.Type].Std == StdDict {
		return true
	}
	v, ok := e.ReadAt(f.Type, 0, now)
	if !ok {
		return true
	}
	return f.Op.Holds(v, f.Value)
}

// Info is a table's attributes at one moment.
type Info struct {
	Type    KeyType
	KeySize int // bytes of a key (a string's counts haproxy's NUL)
	Size    int
	Used    int    // entries, the expired ones purged first (show table's)
	NoPurge bool   // full, the table refuses new entries
	Expire  uint32 // ms; 0: entries never expire
}

// Info reads the table's attributes.
func (t *Table) Info() Info {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.purgeLocked(NowMs())
	return Info{
		Type:    t.spec.Type,
		KeySize: t.spec.KeySize,
		Size:    t.size,
		Used:    len(t.entries),
		NoPurge: t.nopurge,
		Expire:  t.exp.Load(),
	}
}

// EachValue calls fn for each data type the table stores, in type order,
// with the value "show table" shows at tick now: a counter, a frequency
// counter's rate, the first element of an array (v); server_key's name,
// "-" when none (s). The entry is locked while fn runs: fn must not call
// the entry's methods.
func (e *Entry) EachValue(now uint32, fn func(d DataType, v int64, s string)) {
	t := e.t
	e.mu.Lock()
	defer e.mu.Unlock()
	for d := DataType(0); d < NumDataTypes; d++ {
		if t.off[d] < 0 {
			continue
		}
		if dataInfo[d].Std == StdDict {
			s := e.srv
			if s == "" {
				s = "-"
			}
			fn(d, 0, s)
			continue
		}
		v, _ := e.readLocked(d, 0, now)
		fn(d, v, "")
	}
}

// StoredTypes counts the data types the table stores.
func (t *Table) StoredTypes() int {
	n := 0
	for d := range t.off {
		if t.off[d] >= 0 {
			n++
		}
	}
	return n
}
