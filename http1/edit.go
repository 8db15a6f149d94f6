package http1

// Editing a parsed head, for the rewriting rules (set-header, set-path,
// set-status...). Edited values may point anywhere: the caller keeps them
// alive until the head is written. The codec re-reads every field when it
// writes a head (see headWriter), so an edited Connection or
// Content-Length field takes effect as haproxy's output side makes it.
//
// haproxy stores a head in a buffer of tune.bufsize, of which it leaves
// tune.maxrewrite free when it receives: a rewrite that would make the head
// (and what the buffer holds of the body) outgrow the buffer fails. Cost and
// RewriteRoom measure that the way haproxy counts it.

// RewriteRoom is how large a head (with the body bytes buffered after it)
// may grow through rewrites.
func (l Limits) RewriteRoom() int { return l.BufSize - htxHeader }

// BufferedBodyCost is what n body bytes received with a head of cost
// headCost take in haproxy's buffer: what the receive limit let in, plus
// the block that holds them.
func (l Limits) BufferedBodyCost(headCost, n int) int {
	if n <= 0 {
		return 0
	}
	room := l.headRoom() - headCost - htxBlock
	if room <= 0 {
		return 0
	}
	return htxBlock + min(n, room)
}

// BodyRoom is how many body bytes haproxy's buffer takes in after a head
// of cost headCost, within its receive limit: what a wait for the body
// (wait-for-body, option http-buffer-request) can gather at most. Its
// chunk parser keeps the room of one more block free whatever the chunk
// sizes (haproxy 2.6 takes 8 bytes fewer of a chunked body).
func (l Limits) BodyRoom(headCost int, chunked bool) int {
	room := l.headRoom() - headCost - htxBlock
	if chunked {
		room -= htxBlock
	}
	return max(0, room)
}

// BodyFits says whether n body bytes received after a head of cost
// headCost all fit in haproxy's buffer (within its receive limit).
func (l Limits) BodyFits(headCost, n int) bool {
	return n <= 0 || n <= l.headRoom()-headCost-htxBlock
}

// FieldCost is what one header field takes.
func FieldCost(name, value []byte) int { return htxBlock + len(name) + len(value) }

// Cost is what the request head takes in haproxy's buffer.
func (r *Request) Cost() int { return headCost(r.method, r.uri, r.version, r.list) }

// Cost is what the response head takes in haproxy's buffer.
func (r *Response) Cost() int { return headCost(r.version, r.code, r.reason, r.list) }

// DelName removes every field named name (any case) and returns how many
// went.
func (h *Headers) DelName(name []byte) int {
	return h.DelFunc(func(n []byte) bool { return eqFoldBytes(n, name) })
}

// DelFunc removes every field whose name match accepts, keeping the order
// of the others, and returns how many went.
func (h *Headers) DelFunc(match func(name []byte) bool) int {
	kept := h.list[:0]
	for _, f := range h.list {
		if !match(f.Name) {
			kept = append(kept, f)
		}
	}
	n := len(h.list) - len(kept)
	clear(h.list[len(kept):])
	h.list = kept
	return n
}

// SetValue replaces the value of field i.
func (h *Headers) SetValue(i int, v []byte) { h.list[i].Value = v }

// EqualFold compares a field name to name, ignoring case, as header
// names are compared.
func EqualFold(a, b []byte) bool { return eqFoldBytes(a, b) }

// EqualFoldLower reports whether b is lower, ignoring b's case: a header
// name compared with a known lower-case one, without allocating.
func EqualFoldLower(b []byte, lower string) bool { return eqFold(b, lower) }

// NextValue returns the end of the comma-separated element of a field
// value that starts at i: the next comma outside a quoted string, or
// len(v).
func NextValue(v []byte, i int) int { return valueEnd(v, i) }

// IsLWS reports a space or a tab.
func IsLWS(c byte) bool { return isLWS(c) }

// SetStatus replaces the status code and the reason phrase of a response
// (http-response set-status). code is the status in decimal.
func (r *Response) SetStatus(status int, code, reason []byte) {
	r.Status, r.code, r.reason = status, code, reason
}
