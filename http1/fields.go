package http1

// fieldParser parses a block of header fields: a head's, or the trailers
// after a chunked body. It follows haproxy's parser state by state, because
// what it accepts, rewrites and refuses is the contract.
type fieldParser struct {
	buf    []byte
	hdrs   *Headers
	err    *ParseError
	status int // what a refusal answers: 400 for requests, 502 for responses
	max    int // tune.http.maxhdr
	flags  msgFlags
	clen   int64
	host   int  // index of the first Host field, -1 if none
	clean  bool // heads, not trailers: drop close/keep-alive from Connection
	hostOK bool // Host fields are checked: requests and all trailers
}

func (p *fieldParser) invalid(off int, reason string) error {
	return p.err.fail(p.status, off, reason)
}

// parse reads fields from offset i up to and including the empty line that
// ends the block, and returns the offset just after it.
func (p *fieldParser) parse(i int) (int, error) {
	buf := p.buf
	for {
		if i >= len(buf) {
			return 0, ErrIncomplete
		}
		if isCRLF(buf[i]) {
			return p.endOfLine(i)
		}
		sol := i
		for i < len(buf) && isToken(buf[i]) {
			i++
		}
		if i >= len(buf) {
			return 0, ErrIncomplete
		}
		if buf[i] != ':' {
			return 0, p.invalid(i, "invalid character in header name")
		}
		if i == sol {
			return 0, p.invalid(i, "empty header name")
		}
		name := buf[sol:i]
		sov, eol, next, err := p.value(i + 1)
		if err != nil {
			return 0, err
		}
		if err := p.field(name, trimLWS(buf[sov:eol]), sov); err != nil {
			return 0, err
		}
		i = next
	}
}

// endOfLine consumes the CRLF (or bare LF) at i that ends the block.
func (p *fieldParser) endOfLine(i int) (int, error) {
	if p.buf[i] == '\n' {
		return i + 1, nil
	}
	if i+1 >= len(p.buf) {
		return 0, ErrIncomplete
	}
	if p.buf[i+1] != '\n' {
		return 0, p.invalid(i+1, "CR not followed by LF")
	}
	return i + 2, nil
}

// value scans a field value starting just after the colon. Obsolete line
// folding is accepted as haproxy does: the CR and LF are overwritten with
// spaces in the buffer, so the folded value reads as one line. That rewrite
// does not depend on what follows, so a parse retried on more data sees the
// same message.
func (p *fieldParser) value(i int) (sov, eol, next int, err error) {
	buf := p.buf
	for {
		for i < len(buf) && isSPHT(buf[i]) {
			i++
		}
		if i >= len(buf) {
			return 0, 0, 0, ErrIncomplete
		}
		sov = i
		if !isCRLF(buf[i]) {
			break
		}
		// Nothing but blanks so far: a line end here either folds or
		// ends an empty value.
		next, err = p.lineEnd(i)
		if err != nil {
			return 0, 0, 0, err
		}
		if !isSPHT(buf[next]) {
			return sov, sov, next, nil
		}
		blank(buf[sov:next])
		i = next
	}
	for {
		for i < len(buf) && !isCRLF(buf[i]) {
			i++
		}
		if i >= len(buf) {
			return 0, 0, 0, ErrIncomplete
		}
		eol = i
		next, err = p.lineEnd(i)
		if err != nil {
			return 0, 0, 0, err
		}
		if !isSPHT(buf[next]) {
			return sov, eol, next, nil
		}
		blank(buf[eol:next])
		i = next
	}
}

// lineEnd consumes the line end at i and makes sure the byte after it, which
// decides folding, is there.
func (p *fieldParser) lineEnd(i int) (int, error) {
	next, err := p.endOfLine(i)
	if err != nil {
		return 0, err
	}
	if next >= len(p.buf) {
		return 0, ErrIncomplete
	}
	return next, nil
}

func blank(b []byte) {
	for i := range b {
		b[i] = ' '
	}
}

// field applies the semantics of one complete field and stores it unless
// haproxy drops it (a repeated Content-Length or Host, an empty Connection).
func (p *fieldParser) field(name, v []byte, off int) error {
	if p.hdrs.NumHeaders() >= p.max {
		return p.invalid(off, "too many headers")
	}
	switch {
	case eqFold(name, "transfer-encoding"):
		if !transferEncoding(v, &p.flags) {
			return p.invalid(off, "invalid transfer-encoding")
		}
	case eqFold(name, "content-length"):
		word, keep, ok := contentLength(v, &p.flags, &p.clen)
		if !ok {
			return p.invalid(off, "invalid content-length")
		}
		if !keep {
			return nil
		}
		v = word
	case eqFold(name, "connection"):
		if connection(v, &p.flags, p.clean, false) == 0 {
			return nil
		}
	case eqFold(name, "upgrade"):
		upgrade(v, &p.flags)
	case p.hostOK && eqFold(name, "host"):
		if p.host < 0 {
			p.host = p.hdrs.NumHeaders()
		} else {
			if !eqFoldBytes(v, p.hdrs.list[p.host].Value) {
				return p.invalid(off, "conflicting host headers")
			}
			return nil
		}
	}
	p.hdrs.Add(name, v)
	return nil
}

// finish applies the checks haproxy makes once the block is complete.
func (p *fieldParser) finish(end int) error {
	if p.hdrs.NumHeaders() >= p.max {
		return p.invalid(end, "too many headers")
	}
	if p.flags&fXferEnc != 0 {
		if p.flags&fCLen != 0 {
			// Both framings: trust chunked, drop the length and
			// close the connection afterwards, as smuggling defence.
			p.flags |= fConnClose
			p.flags &^= fCLen
			p.hdrs.Del("content-length")
		} else if p.flags&fVer11 == 0 {
			p.flags |= fConnClose
		}
		if p.flags&(fChunked|fResp) == 0 {
			return p.invalid(end, "transfer-encoding without chunked")
		}
	}
	if p.clean {
		p.cleanConnection()
	}
	return nil
}

// cleanConnection rewrites the Connection fields now that the head is known
// to be complete (see connection).
func (p *fieldParser) cleanConnection() {
	for i := range p.hdrs.list {
		f := &p.hdrs.list[i]
		if eqFold(f.Name, "connection") {
			var flags msgFlags
			f.Value = f.Value[:connection(f.Value, &flags, true, true)]
		}
	}
}
