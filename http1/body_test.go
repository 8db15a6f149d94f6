package http1

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestChunkedDecoding(t *testing.T) {
	const body = "5;x=y\r\nhello\r\n1A \r\nabcdefghijklmnopqrstuvwxyz\n0\r\nT: 1\r\nU:  two \r\n\r\nNEXT"
	for piece := 1; piece <= 8; piece++ {
		rd := NewReader(&trickle{b: []byte(body), n: piece})
		rd.Attach(make([]byte, 64))
		var d BodyReader
		d.reset(rd, BodyChunked, 0, DefaultLimits, 400)
		data, tr, err := readAll(&d)
		if err != nil {
			t.Fatalf("pieces of %d: %v", piece, err)
		}
		if string(data) != "hello"+"abcdefghijklmnopqrstuvwxyz" {
			t.Errorf("pieces of %d: data %q", piece, data)
		}
		if len(tr) != 2 || string(tr[0].Name) != "T" || string(tr[1].Value) != "two" {
			t.Errorf("pieces of %d: trailers %q", piece, tr)
		}
		// The reader stops right after the body.
		rest, _ := io.ReadAll(io.MultiReader(bytes.NewReader(rd.Buffered()), rd.Source()))
		if string(rest) != "NEXT" {
			t.Errorf("pieces of %d: left %q", piece, rest)
		}
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct {
		name   string
		kind   BodyKind
		length int64
		in     string
		status int   // a ParseError with this status, or
		err    error // this error
	}{
		{"length truncated", BodyLength, 5, "abc", 0, io.ErrUnexpectedEOF},
		{"chunk truncated", BodyChunked, 0, "5\r\nab", 0, io.ErrUnexpectedEOF},
		{"no last chunk", BodyChunked, 0, "2\r\nab\r\n", 0, io.ErrUnexpectedEOF},
		{"missing crlf", BodyChunked, 0, "2\r\nabX\r\n0\r\n\r\n", 400, nil},
		{"cr without lf", BodyChunked, 0, "2\r\nab\rX0\r\n\r\n", 400, nil},
		{"size not hex", BodyChunked, 0, "g\r\n", 400, nil},
		{"size too large", BodyChunked, 0, "10000000000000\r\n", 400, nil},
		{"bad trailer", BodyChunked, 0, "0\r\nbad\r\n\r\n", 400, nil},
		{"line beyond buffer", BodyChunked, 0, "1;" + strings.Repeat("e", 100) + "\r\n", 400, nil},
	}
	for _, tt := range tests {
		rd := NewReader(strings.NewReader(tt.in))
		rd.Attach(make([]byte, 64))
		var d BodyReader
		d.reset(rd, tt.kind, tt.length, DefaultLimits, 400)
		_, _, err := readAll(&d)
		var pe *ParseError
		switch {
		case tt.status != 0 && (!errors.As(err, &pe) || pe.Status != tt.status):
			t.Errorf("%s: %v, want status %d", tt.name, err, tt.status)
		case tt.err != nil && err != tt.err:
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
}

func TestBodyUntilClose(t *testing.T) {
	rd := readerOn([]byte("all of it"))
	var d BodyReader
	d.reset(rd, BodyUntilClose, 0, DefaultLimits, 502)
	data, _, err := readAll(&d)
	if err != nil || string(data) != "all of it" || !d.Done() {
		t.Errorf("%q, %v", data, err)
	}
}

// A content-length body can go from socket to socket without passing
// through the reader once the buffered part is out: that is what lets the
// kernel splice it.
func TestBodyDirectCopy(t *testing.T) {
	in, inPeer := tcpPair(t)
	out, outPeer := tcpPair(t)
	const head = "POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n"
	payload := bytes.Repeat([]byte("0123456789"), 10000)
	go func() {
		inPeer.Write([]byte(head))
		inPeer.Write(payload)
	}()
	rd := NewReader(in)
	rd.Attach(make([]byte, 4096))
	var req Request
	for {
		n, err := req.Continue(rd.Buffered(), DefaultLimits)
		if err == nil {
			rd.Discard(n)
			break
		}
		if err != ErrIncomplete {
			t.Fatal(err)
		}
		if _, err := rd.Fill(); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(outPeer, int64(len(payload))))
		got <- b
	}()
	var d BodyReader
	d.ForRequest(rd, &req, DefaultLimits)
	for d.Direct() == 0 {
		span, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		out.Write(span)
	}
	n, err := io.CopyN(out, rd.Source(), d.Direct())
	d.Advance(n)
	if err != nil || !d.Done() {
		t.Fatalf("direct copy: %d, %v, done=%v", n, err, d.Done())
	}
	if b := <-got; !bytes.Equal(b, payload) {
		t.Errorf("received %d bytes, not the payload", len(b))
	}
	if rd.Detach() == nil {
		t.Error("the buffer could not be given back after the body")
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []net.Conn{a, b} {
		c.SetDeadline(time.Now().Add(ioTimeout))
		t.Cleanup(func() { c.Close() })
	}
	return a.(*net.TCPConn), b.(*net.TCPConn)
}

func TestReaderBuffers(t *testing.T) {
	rd := NewReader(strings.NewReader("abcdefgh"))
	if _, err := rd.Fill(); err != ErrNoBuffer {
		t.Fatalf("Fill without buffer: %v", err)
	}
	rd.Attach(make([]byte, 4))
	if n, err := rd.Fill(); n != 4 || err != nil {
		t.Fatalf("Fill: %d %v", n, err)
	}
	if _, err := rd.Fill(); err != ErrBufferFull {
		t.Fatalf("Fill when full: %v", err)
	}
	rd.Discard(3)
	if rd.Detach() != nil {
		t.Fatal("Detach with unread bytes must keep the buffer")
	}
	// Compaction makes room; the unread byte moves to the front.
	if n, err := rd.Fill(); n != 3 || err != nil || string(rd.Buffered()) != "defg" {
		t.Fatalf("Fill after Discard: %d %v %q", n, err, rd.Buffered())
	}
	old := rd.Attach(make([]byte, 16))
	if len(old) != 4 || string(rd.Buffered()) != "defg" {
		t.Fatalf("Attach moved %q", rd.Buffered())
	}
	rd.Discard(4)
	if b := rd.Detach(); len(b) != 16 {
		t.Fatalf("Detach returned %d bytes", len(b))
	}
	rd.Reset(strings.NewReader("x"))
	rd.Attach(make([]byte, 4))
	rd.Fill()
	if string(rd.Buffered()) != "x" {
		t.Fatalf("after Reset: %q", rd.Buffered())
	}
}

func TestChunkEncoding(t *testing.T) {
	var b []byte
	b = AppendChunkHeader(b, 0x1A2B)
	b = append(b, "data"...)
	b = AppendChunkEnd(b)
	b = AppendLastChunk(b, []Header{{[]byte("X-Sum"), []byte("1")}})
	if want := "1A2B\r\ndata\r\n0\r\nx-sum: 1\r\n\r\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	if got := string(AppendChunkHeader(nil, 0)); got != "0\r\n" {
		t.Errorf("size 0: %q", got)
	}
}
