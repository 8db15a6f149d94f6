package http1

import (
	"bytes"
	"testing"
)

// Re-parsing what the serialiser wrote may need room for the fields it adds.
var roomy = Limits{MaxHeaders: 1000, BufSize: 1 << 20, MaxRewrite: 1024}

// FuzzParseRequest: parsing never panics, and what is forwarded is a
// request haproxy would accept again and forward unchanged.
func FuzzParseRequest(f *testing.F) {
	for _, c := range allCases() {
		f.Add([]byte(c.Req))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Request
		n, err := r.Parse(bytes.Clone(data), DefaultLimits)
		if err != nil {
			return
		}
		if n > len(data) {
			t.Fatalf("head length %d beyond %d bytes", n, len(data))
		}
		once, _ := r.AppendHead(nil, ModeKeepAlive, false)
		kind := r.BodyKind
		var again Request
		m, err := again.Parse(bytes.Clone(once), roomy)
		if err != nil || m != len(once) {
			t.Fatalf("forwarded head %q does not parse: %d, %v", once, m, err)
		}
		twice, _ := again.AppendHead(nil, ModeKeepAlive, false)
		if !bytes.Equal(normalize(once), normalize(twice)) || again.BodyKind != kind {
			t.Fatalf("forwarding is not stable:\n%q\n%q", once, twice)
		}
	})
}

// FuzzParseResponse is FuzzParseRequest for responses; the first byte
// picks the request method.
func FuzzParseResponse(f *testing.F) {
	for _, c := range allCases() {
		f.Add(byte(MethodGET), []byte(c.response()))
	}
	f.Add(byte(MethodHEAD), []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"))
	f.Add(byte(MethodCONNECT), []byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, method byte, data []byte) {
		meth := Method(method % (byte(MethodCONNECT) + 1))
		var r Response
		n, err := r.Parse(bytes.Clone(data), DefaultLimits, meth)
		if err != nil {
			return
		}
		if n > len(data) {
			t.Fatalf("head length %d beyond %d bytes", n, len(data))
		}
		once, _ := r.AppendHead(nil, ModeKeepAlive, false, nil)
		var again Response
		m, err := again.Parse(bytes.Clone(once), roomy, meth)
		if err != nil || m != len(once) {
			t.Fatalf("forwarded head %q does not parse: %d, %v", once, m, err)
		}
		twice, _ := again.AppendHead(nil, ModeKeepAlive, false, nil)
		if !bytes.Equal(normalize(once), normalize(twice)) {
			t.Fatalf("forwarding is not stable:\n%q\n%q", once, twice)
		}
	})
}

// FuzzChunked: the decoder never panics, whatever the read sizes, and what
// it decodes survives being encoded and decoded again.
func FuzzChunked(f *testing.F) {
	f.Add(uint8(1), []byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add(uint8(3), []byte("5;a=b\r\nhello\r\n3 \r\nabc\n0\r\nX-T: 1\r\n\r\n"))
	f.Add(uint8(7), []byte("10000000000000\r\n"))
	f.Add(uint8(2), []byte("0\r\nHost: a\r\nHost: b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, piece uint8, data []byte) {
		data, tr, err := decodeChunked(data, int(piece%16)+1)
		if err != nil {
			return
		}
		var enc []byte
		if len(data) > 0 {
			enc = AppendChunkHeader(enc, len(data))
			enc = AppendChunkEnd(append(enc, data...))
		}
		enc = AppendLastChunk(enc, tr)
		data2, tr2, err := decodeChunked(enc, 64)
		if err != nil || !bytes.Equal(data, data2) || len(tr) != len(tr2) {
			t.Fatalf("re-encoded body %q decodes to %q, %d trailers, %v", enc, data2, len(tr2), err)
		}
	})
}

// normalize undoes what haproxy itself changes when a head goes through it
// twice: the websocket key field it adds is written with capitals, and the
// Connection values it cleans may keep blanks and empty list elements
// ("a , close" gives "a ", ",,," gives ","). Names are lowered, values
// trimmed, and Connection values reduced to their tokens, in both heads.
func normalize(head []byte) []byte {
	lines := bytes.Split(head, []byte("\r\n"))
	out := [][]byte{lines[0]}
	for _, l := range lines[1:] {
		c := bytes.Index(l, []byte(": "))
		if c <= 0 {
			out = append(out, l)
			continue
		}
		name := bytes.ToLower(l[:c])
		value := bytes.TrimRight(l[c+2:], " \t")
		if string(name) == "connection" {
			var tokens [][]byte
			for _, t := range bytes.Split(value, []byte(",")) {
				if t = bytes.Trim(t, " \t"); len(t) > 0 {
					tokens = append(tokens, t)
				}
			}
			if len(tokens) == 0 {
				continue
			}
			value = bytes.Join(tokens, []byte(","))
		}
		out = append(out, append(append(name, ": "...), value...))
	}
	return bytes.Join(out, []byte("\r\n"))
}

func decodeChunked(b []byte, piece int) ([]byte, []Header, error) {
	rd := NewReader(&trickle{b: b, n: piece})
	rd.Attach(make([]byte, 1024))
	var d BodyReader
	d.reset(rd, BodyChunked, 0, DefaultLimits, 400)
	return readAll(&d)
}
