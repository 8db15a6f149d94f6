package http1

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestCodecCases replays the table that TestHaproxyCases proves against
// haproxy: for each case the codec must refuse with the same status and
// answer, or forward the same bytes, and turn the origin's answer into the
// same bytes for the client.
func TestCodecCases(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.Name, func(t *testing.T) {
			fwd, client := runCodec(c)
			if fwd != c.Fwd {
				t.Errorf("forwarded: %s", diff(fwd, c.Fwd))
			}
			if client != c.Client {
				t.Errorf("client got: %s", diff(client, c.Client))
			}
		})
	}
}

// runCodec plays a case through this package the way the proxy does.
func runCodec(c Case) (fwd, client string) {
	lim := DefaultLimits
	var req Request
	in := []byte(c.Req)
	n, err := req.Parse(in, lim)
	if err != nil {
		return "", string(ErrorResponse(parseStatus(err)))
	}
	rd := readerOn(in[n:])
	var body BodyReader
	body.ForRequest(rd, &req, lim)
	data, tr, err := readAll(&body)
	if err != nil {
		return "", string(ErrorResponse(parseStatus(err)))
	}
	head, out := req.AppendHead(nil, modeOf(c.Backend), false)
	fwd = string(encodeBody(head, out, data, tr))

	origin := []byte(c.response())
	var resp Response
	var answer []byte
	for {
		n, err := resp.Parse(origin, lim, req.Meth)
		if err != nil {
			answer, _ = ErrorReply(502).AppendTo(nil, ModeKeepAlive, req.Close, &req)
			return fwd, string(answer)
		}
		if resp.Interim() {
			answer, _ = resp.AppendHead(answer, ModeKeepAlive, req.Close, &req)
			origin = origin[n:]
			continue
		}
		rd := readerOn(origin[n:])
		body.ForResponse(rd, &resp, lim)
		data, tr, err := readAll(&body)
		if err != nil {
			answer, _ = ErrorReply(502).AppendTo(nil, ModeKeepAlive, req.Close, &req)
			return fwd, string(answer)
		}
		head, out := resp.AppendHead(answer, ModeKeepAlive, req.Close, &req)
		if resp.Tunnel() {
			// What follows is no longer HTTP and is relayed as is.
			return fwd, string(append(head, origin[n:]...))
		}
		return fwd, string(encodeBody(head, out, data, tr))
	}
}

func parseStatus(err error) int {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}

func modeOf(backend string) HTTPMode {
	switch {
	case strings.Contains(backend, "http-server-close"):
		return ModeServerClose
	case strings.Contains(backend, "httpclose"):
		return ModeClose
	}
	return ModeKeepAlive
}

// readerOn returns a Reader whose source is b, read in small pieces so that
// every framing step also meets a boundary.
func readerOn(b []byte) *Reader {
	rd := NewReader(&trickle{b: b, n: 3})
	rd.Attach(make([]byte, DefaultLimits.BufSize))
	return rd
}

// trickle hands out at most n bytes per Read.
type trickle struct {
	b []byte
	n int
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(t.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), t.n)], t.b)
	t.b = t.b[n:]
	return n, nil
}

// readAll drains a body, copying the spans and trailers out of the
// reader's buffer.
func readAll(d *BodyReader) (data []byte, tr []Header, err error) {
	for {
		span, err := d.Next()
		data = append(data, span...)
		if err == io.EOF {
			for _, h := range d.Trailers() {
				tr = append(tr, Header{bytes.Clone(h.Name), bytes.Clone(h.Value)})
			}
			return data, tr, nil
		}
		if err != nil {
			return data, nil, err
		}
	}
}

// encodeBody frames data after head as haproxy does when the whole body
// is at hand: one chunk, then the last chunk and the trailers.
func encodeBody(head []byte, out Out, data []byte, tr []Header) []byte {
	if !out.Chunked {
		return append(head, data...)
	}
	if len(data) > 0 {
		head = AppendChunkHeader(head, len(data))
		head = append(head, data...)
		head = AppendChunkEnd(head)
	}
	return AppendLastChunk(head, tr)
}
