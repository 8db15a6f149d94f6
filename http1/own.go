package http1

// Own copies what the request's parts point to (its line, its fields, as
// parsed or as edited since) into one slice, reusing dst's room, and
// points them there: the buffer the head was parsed from can then take
// other bytes (the body, when it is waited for). It returns that slice.
func (r *Request) Own(dst []byte) []byte {
	return own(dst, r.list, &r.method, &r.uri, &r.version, &r.wsKey)
}

// Own is Request.Own for a response head: its status line and fields.
func (r *Response) Own(dst []byte) []byte {
	return own(dst, r.list, &r.version, &r.code, &r.reason)
}

// own copies the parts and the fields' names and values into dst and
// points them there.
func own(dst []byte, list []Header, parts ...*[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(*p)
	}
	for _, h := range list {
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
	for _, p := range parts {
		*p = cp(*p)
	}
	for i := range list {
		list[i].Name, list[i].Value = cp(list[i].Name), cp(list[i].Value)
	}
	return dst
}
