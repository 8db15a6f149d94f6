package http1

import "io"

type bodyState uint8

const (
	stDone bodyState = iota
	stLength
	stUntilClose
	stChunkSize
	stChunkData
	stChunkCRLF
	stTrailers
)

// BodyReader yields a message body as spans of the Reader's buffer, without
// copying, checking chunked framing strictly as haproxy does.
type BodyReader struct {
	rd       *Reader
	state    bodyState
	remain   int64 // bytes left in the body (stLength) or the chunk
	lim      Limits
	status   int // what a framing error answers: 400 or 502
	trailers Headers
	err      ParseError
	again    rescan // for chunk size lines and trailers
}

// ForRequest prepares d to read req's body from rd, which must hold the
// bytes that followed the head.
func (d *BodyReader) ForRequest(rd *Reader, req *Request, lim Limits) {
	d.reset(rd, req.BodyKind, req.ContentLength, lim, 400)
}

// ForResponse prepares d to read resp's body from rd.
func (d *BodyReader) ForResponse(rd *Reader, resp *Response, lim Limits) {
	d.reset(rd, resp.BodyKind, resp.ContentLength, lim, 502)
}

func (d *BodyReader) reset(rd *Reader, kind BodyKind, length int64, lim Limits, status int) {
	d.rd, d.lim, d.status, d.remain = rd, lim, status, 0
	d.trailers.reset()
	d.again.reset()
	switch kind {
	case BodyLength:
		d.state, d.remain = stLength, length
	case BodyChunked:
		d.state = stChunkSize
	case BodyUntilClose:
		d.state = stUntilClose
	default:
		d.state = stDone
	}
}

// Next returns the next span of body data. The span is part of the Reader's
// buffer and is valid until the next call. At the end of the body it returns
// io.EOF; a source ending early gives io.ErrUnexpectedEOF, bad framing a
// *ParseError.
func (d *BodyReader) Next() ([]byte, error) {
	for {
		switch d.state {
		case stDone:
			return nil, io.EOF
		case stLength, stChunkData:
			if d.remain == 0 {
				if d.state == stLength {
					d.state = stDone
				} else {
					d.state = stChunkCRLF
				}
				continue
			}
			if span := d.take(d.remain); span != nil {
				d.remain -= int64(len(span))
				return span, nil
			}
		case stUntilClose:
			if span := d.take(-1); span != nil {
				return span, nil
			}
			if err := d.fill(); err == io.ErrUnexpectedEOF {
				d.state = stDone
				return nil, io.EOF
			} else if err != nil {
				return nil, err
			}
			continue
		case stChunkCRLF:
			if err := d.chunkCRLF(); err != nil {
				return nil, err
			}
			continue
		case stChunkSize:
			if err := d.chunkSize(); err != nil {
				return nil, err
			}
			continue
		case stTrailers:
			if err := d.readTrailers(); err != nil {
				return nil, err
			}
			continue
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
}

// ChunkLeft is how many bytes of the chunk being read Next has not returned
// yet: 0 between chunks and in bodies that are not chunked.
func (d *BodyReader) ChunkLeft() int64 {
	if d.state == stChunkData {
		return d.remain
	}
	return 0
}

// take consumes up to max buffered bytes (all of them if max < 0).
func (d *BodyReader) take(max int64) []byte {
	buf := d.rd.Buffered()
	if len(buf) == 0 {
		return nil
	}
	if max >= 0 && int64(len(buf)) > max {
		buf = buf[:max]
	}
	d.rd.Discard(len(buf))
	return buf
}

// fill reads more; the source ending mid-body is ErrUnexpectedEOF.
func (d *BodyReader) fill() error {
	_, err := d.rd.Fill()
	switch err {
	case nil:
		return nil
	case io.EOF:
		return io.ErrUnexpectedEOF
	case ErrBufferFull:
		return d.err.fail(d.status, 0, "chunk line or trailers too large")
	}
	return err
}

// The framing steps below either advance the state or read more input;
// Next then looks again.

func (d *BodyReader) chunkCRLF() error {
	buf := d.rd.Buffered()
	switch {
	case len(buf) > 0 && buf[0] == '\n':
		d.rd.Discard(1)
	case len(buf) > 1 && buf[0] == '\r' && buf[1] == '\n':
		d.rd.Discard(2)
	case len(buf) > 1 || len(buf) == 1 && buf[0] != '\r':
		return d.err.fail(d.status, 0, "missing CRLF after chunk data")
	default:
		return d.fill()
	}
	d.state = stChunkSize
	return nil
}

func (d *BodyReader) chunkSize() error {
	buf := d.rd.Buffered()
	if d.again.wait(buf, false) {
		return d.fill()
	}
	size, n, ok := parseChunkLine(buf)
	if !ok {
		return d.err.fail(d.status, 0, "invalid chunk size line")
	}
	if n == 0 {
		d.again.failed(buf)
		return d.fill()
	}
	d.again.reset()
	d.rd.Discard(n)
	d.remain = size
	d.state = stChunkData
	if size == 0 {
		d.state = stTrailers
	}
	return nil
}

// readTrailers parses the trailer block as haproxy does: like request
// header fields (Host and framing fields included), whatever the direction.
func (d *BodyReader) readTrailers() error {
	buf := d.rd.Buffered()
	if d.again.wait(buf, true) {
		return d.fill()
	}
	d.trailers.reset()
	p := fieldParser{buf: buf, hdrs: &d.trailers, err: &d.err, status: d.status,
		max: d.lim.MaxHeaders, host: -1, hostOK: true}
	end, err := p.parse(0)
	if err == nil {
		err = p.finish(end)
	}
	if err == ErrIncomplete {
		d.again.failed(buf)
		return d.fill()
	}
	if err != nil {
		return err
	}
	d.again.reset()
	d.rd.Discard(end)
	d.state = stDone
	return nil
}

// Trailers returns the trailer fields once Next has returned io.EOF on a
// chunked body. They point into the Reader's buffer: use them before the
// next Fill.
func (d *BodyReader) Trailers() []Header { return d.trailers.list }

// Direct returns how many bytes of a content-length body the caller may copy
// straight from the Reader's Source, which is possible once nothing is
// buffered; it is 0 otherwise. Report what was copied with Advance.
func (d *BodyReader) Direct() int64 {
	if d.state != stLength || len(d.rd.Buffered()) > 0 {
		return 0
	}
	return d.remain
}

// Advance accounts for n body bytes copied directly (see Direct).
func (d *BodyReader) Advance(n int64) {
	d.remain -= n
	if d.remain == 0 {
		d.state = stDone
	}
}

// Done reports whether the whole body has been read.
func (d *BodyReader) Done() bool { return d.state == stDone }
