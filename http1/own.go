package http1

// Own copies what the request's parts point to (its line, its fields, as
// parsed or as edited since) into one slice, reusing dst's room, and
// points them there: the buffer the head was parsed from can then take
// other bytes (the body, when it is waited for). It returns that slice.
func (r *Request) Own(dst []byte) []byte {
	n := len(r.method) + len(r.uri) + len(r.version) + len(r.wsKey)
	for _, h := range r.list {
		n += len(h.Name) + len(h.Value)
	}
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = dst[:0]
	cp := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		at := len(dst)
		dst = append(dst, b...)
		return dst[at:len(dst):len(dst)]
	}
	r.method, r.uri, r.version, r.wsKey = cp(r.method), cp(r.uri), cp(r.version), cp(r.wsKey)
	for i := range r.list {
		r.list[i].Name, r.list[i].Value = cp(r.list[i].Name), cp(r.list[i].Value)
	}
	return dst
}

// Own is Request.Own for a response head: its status line and fields.
func (r *Response) Own(dst []byte) []byte {
	n := len(r.version) + len(r.code) + len(r.reason)
	for _, h := range r.list {
		n += len(h.Name) + len(h.Value)
	}
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = dst[:0]
	cp := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		at := len(dst)
		dst = append(dst, b...)
		return dst[at:len(dst):len(dst)]
	}
	r.version, r.code, r.reason = cp(r.version), cp(r.code), cp(r.reason)
	for i := range r.list {
		r.list[i].Name, r.list[i].Value = cp(r.list[i].Name), cp(r.list[i].Value)
	}
	return dst
}
