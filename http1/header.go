package http1

// Header is one field. After a parse both slices point into the parsed
// buffer; fields added by rules may point anywhere. The codec never writes
// through a Header it did not parse.
type Header struct {
	Name, Value []byte
}

// Headers is an ordered field list with haproxy's editing semantics. Its
// backing array is kept across messages so that steady-state parsing does
// not allocate.
type Headers struct {
	list []Header
}

// NumHeaders returns the number of fields.
func (h *Headers) NumHeaders() int { return len(h.list) }

// Header returns field i, name as received.
func (h *Headers) Header(i int) (name, value []byte) {
	f := h.list[i]
	return f.Name, f.Value
}

// Fields returns the fields in order; the slice is only valid until the list
// is edited or the message is parsed again.
func (h *Headers) Fields() []Header { return h.list }

// Get returns the value of the first field named name (given in lower case;
// matched case-insensitively).
func (h *Headers) Get(name string) ([]byte, bool) {
	for _, f := range h.list {
		if eqFold(f.Name, name) {
			return f.Value, true
		}
	}
	return nil, false
}

// Del removes every field named name (lower case) and returns how many went.
func (h *Headers) Del(name string) int {
	kept := h.list[:0]
	for _, f := range h.list {
		if !eqFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	n := len(h.list) - len(kept)
	clear(h.list[len(kept):])
	h.list = kept
	return n
}

// Add appends a field; the slices are kept, not copied.
func (h *Headers) Add(name, value []byte) {
	h.list = append(h.list, Header{Name: name, Value: value})
}

// Set replaces every field named like name by one field at the end, which is
// what haproxy's set-header does.
func (h *Headers) Set(name, value []byte) {
	kept := h.list[:0]
	for _, f := range h.list {
		if !eqFoldBytes(f.Name, name) {
			kept = append(kept, f)
		}
	}
	clear(h.list[len(kept):])
	h.list = append(kept, Header{Name: name, Value: value})
}

func (h *Headers) reset() {
	clear(h.list)
	h.list = h.list[:0]
}
