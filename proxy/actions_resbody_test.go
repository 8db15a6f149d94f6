package proxy

import (
	"strings"
	"testing"

	"switchyard/http1"
)

// resBodyStream is a stream whose server reader holds raw, a response:
// its head parsed, its body bytes left buffered as the exchange leaves
// them for the response rules.
func resBodyStream(t *testing.T, lim http1.Limits, raw string) *httpStream {
	t.Helper()
	s := &httpStream{fe: &Frontend{limits: lim}, t: &txnState{}}
	buf := make([]byte, 4096)
	n := copy(buf, raw)
	s.t.sr.Reset(eofReader{})
	s.t.sr.AttachRead(buf, n)
	head, err := s.t.resp.Parse(s.t.sr.Buffered(), lim, http1.MethodGET)
	if err != nil {
		t.Fatal(err)
	}
	s.t.sr.Discard(head)
	return s
}

func TestResBodySoFar(t *testing.T) {
	// A small buffer, so that a body fills it: the room after the
	// chunked head below is 1024-48-512 less the head and two blocks.
	small := http1.Limits{MaxHeaders: 101, BufSize: 1024, MaxRewrite: 512}
	chunk := "64\r\n" + strings.Repeat("c", 100) + "\r\n"
	tests := []struct {
		name     string
		lim      http1.Limits
		raw      string
		body     string
		left     int64
		complete bool
	}{
		{"length partial", http1.DefaultLimits, "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello", "hello", 5, false},
		{"length whole, then more", http1.DefaultLimits, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcHTTP", "abc", 0, true},
		{"no body", http1.DefaultLimits, "HTTP/1.1 204 No Content\r\n\r\n", "", 0, true},
		{"until close", http1.DefaultLimits, "HTTP/1.1 200 OK\r\n\r\nsome", "some", -1, false},
		{"chunked whole", http1.DefaultLimits, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", "hello", 0, true},
		{"chunked in a chunk", http1.DefaultLimits, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n6\r\nlo", "hello", 4, false},
		{"chunked after the last chunk", http1.DefaultLimits, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n0\r\n", "hel", 0, false},
		{"chunked fills the buffer", small, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + strings.Repeat(chunk, 5) + "0\r\n\r\n",
			strings.Repeat("c", 366), 34, false},
		{"length fills the buffer", small, "HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n" + strings.Repeat("l", 500),
			strings.Repeat("l", 381), 119, true},
	}
	for _, tt := range tests {
		s := resBodyStream(t, tt.lim, tt.raw)
		complete, err := s.resBodySoFar()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(s.ctx.ResBody) != tt.body || s.ctx.ResBodyLeft != tt.left || complete != tt.complete {
			t.Errorf("%s: body %q, left %d, complete %v; want %q, %d, %v", tt.name,
				s.ctx.ResBody, s.ctx.ResBodyLeft, complete, tt.body, tt.left, tt.complete)
		}
		if s.ctx.ResBody == nil {
			t.Errorf("%s: nil body: the fetches would find none", tt.name)
		}
	}
}

// A wait decodes a chunked body again after every read: the decoded
// copies must not pile up in the transaction's scratch space.
func TestResBodySoFarReusesScratch(t *testing.T) {
	s := resBodyStream(t, http1.DefaultLimits, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n6\r\nlo")
	s.resBodySoFar()
	n := len(s.ctx.Scratch)
	for range 5 {
		s.resBodySoFar()
	}
	if len(s.ctx.Scratch) != n || string(s.ctx.ResBody) != "hello" {
		t.Errorf("scratch grew from %d to %d bytes; body %q", n, len(s.ctx.Scratch), s.ctx.ResBody)
	}
}

// A framing error is reported with the data before it.
func TestResBodySoFarBadChunk(t *testing.T) {
	s := resBodyStream(t, http1.DefaultLimits, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\nzz\r\n")
	if _, err := s.resBodySoFar(); err == nil {
		t.Fatalf("no error; body %q", s.ctx.ResBody)
	}
}
