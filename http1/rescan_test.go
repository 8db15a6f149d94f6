package http1

import (
	"strings"
	"testing"
)

// Fed a byte at a time, a parse still ends as soon as it can, and errors
// still show.
func TestRescanByteByByte(t *testing.T) {
	tests := []struct {
		in     string
		status int // 0: accepted
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\nA: " + strings.Repeat("b", 3000) + "\r\n\r\n", 0},
		{"GET / HTTP/1.1\nHost: x\n\n", 0},
		{"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 0},
		{"GET / HTTP/1.1\r\nHo st: x\r\n" + strings.Repeat("a", 100), 400},
	}
	for _, tt := range tests {
		var r Request
		status := -1
		for i := 1; i <= len(tt.in) && status < 0; i++ {
			n, err := r.Continue([]byte(tt.in[:i]), DefaultLimits)
			switch {
			case err == nil:
				if n != len(tt.in) {
					t.Errorf("%.30q: done at %d of %d bytes", tt.in, n, len(tt.in))
				}
				status = 0
			case err != ErrIncomplete:
				status = err.(*ParseError).Status
			}
		}
		if status != tt.status {
			t.Errorf("%.30q: status %d, want %d", tt.in, status, tt.status)
		}
	}
}

// Parse never trusts what an earlier, abandoned parse saw.
func TestParseForgetsIncomplete(t *testing.T) {
	var r Request
	long := "GET / HTTP/1.1\r\nA: " + strings.Repeat("b", 100)
	r.Parse([]byte(long), DefaultLimits)
	r.Parse([]byte(long+"c"), DefaultLimits)
	other := "GET / HTTP/1.1\r\n\r\n" + strings.Repeat("d", 100)
	if n, err := r.Parse([]byte(other), DefaultLimits); err != nil || n != 18 {
		t.Fatalf("a new message after an abandoned one: %d, %v", n, err)
	}
}

func TestRescanTrailersAtStart(t *testing.T) {
	const body = "0\r\n\r\n"
	for piece := 1; piece <= 3; piece++ {
		rd := NewReader(&trickle{b: []byte(body), n: piece})
		rd.Attach(make([]byte, 64))
		var d BodyReader
		d.reset(rd, BodyChunked, 0, DefaultLimits, 400)
		if _, _, err := readAll(&d); err != nil {
			t.Errorf("pieces of %d: %v", piece, err)
		}
	}
}
