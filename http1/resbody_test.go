package http1

import (
	"strings"
	"testing"
)

// What a wait for a response body needs of the codec: how much body the
// buffer takes after a head, how much of the chunk being read is still to
// come, and a head that no longer lives in the buffer the body fills.

// haproxy 2.6 takes 15227 body bytes after "HTTP/1.1 200 OK" with one
// "content-length: 20000" field (seen from its res.body_len), and 8 fewer
// of a chunked body.
func TestBodyRoom(t *testing.T) {
	var r Response
	head := "HTTP/1.1 200 OK\r\ncontent-length: 20000\r\n\r\n"
	if _, err := r.Parse([]byte(head), DefaultLimits, MethodGET); err != nil {
		t.Fatal(err)
	}
	if got := DefaultLimits.BodyRoom(r.Cost(), false); got != 15227 {
		t.Errorf("BodyRoom = %d, want 15227", got)
	}
	// And 15214 of a chunked body after "transfer-encoding: chunked".
	head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
	if _, err := r.Parse([]byte(head), DefaultLimits, MethodGET); err != nil {
		t.Fatal(err)
	}
	if got := DefaultLimits.BodyRoom(r.Cost(), true); got != 15214 {
		t.Errorf("BodyRoom, chunked = %d, want 15214", got)
	}
	if got := DefaultLimits.BodyRoom(1<<20, false); got != 0 {
		t.Errorf("BodyRoom of a head larger than the buffer = %d, want 0", got)
	}
	// It is what BufferedBodyCost lets in, less the block holding it.
	for _, cost := range []int{77, 500, 15000} {
		room := DefaultLimits.BodyRoom(cost, false)
		if room > 0 && DefaultLimits.BufferedBodyCost(cost, 1<<20) != room+htxBlock {
			t.Errorf("cost %d: BodyRoom %d disagrees with BufferedBodyCost", cost, room)
		}
		if !DefaultLimits.BodyFits(cost, room) || DefaultLimits.BodyFits(cost, room+1) {
			t.Errorf("cost %d: BodyRoom %d disagrees with BodyFits", cost, room)
		}
	}
}

func TestChunkLeft(t *testing.T) {
	rd := NewReader(strings.NewReader("3\r\nhel\r\n6\r\nlo"))
	rd.Attach(make([]byte, 64))
	var d BodyReader
	d.reset(rd, BodyChunked, 0, DefaultLimits, 502)
	want := []struct {
		span string
		left int64
	}{{"hel", 0}, {"lo", 4}}
	for _, w := range want {
		span, err := d.Next()
		if err != nil || string(span) != w.span || d.ChunkLeft() != w.left {
			t.Fatalf("Next = %q, %v, ChunkLeft %d; want %q, left %d", span, err, d.ChunkLeft(), w.span, w.left)
		}
	}
	var plain BodyReader
	plain.reset(NewReader(strings.NewReader("abc")), BodyLength, 10, DefaultLimits, 502)
	if plain.ChunkLeft() != 0 {
		t.Errorf("ChunkLeft of a content-length body = %d", plain.ChunkLeft())
	}
}

func TestResponseOwn(t *testing.T) {
	buf := []byte("HTTP/1.1 201 Created\r\nx-a: some value\r\ncontent-length: 3\r\n\r\n")
	var r Response
	if _, err := r.Parse(buf, DefaultLimits, MethodGET); err != nil {
		t.Fatal(err)
	}
	r.Own(nil)
	for i := range buf {
		buf[i] = 'Z' // the body takes the buffer over
	}
	name, value := r.Header(0)
	if string(r.Version()) != "HTTP/1.1" || string(r.Code()) != "201" || string(r.Reason()) != "Created" ||
		string(name) != "x-a" || string(value) != "some value" {
		t.Errorf("after Own: %q %q %q, %q: %q", r.Version(), r.Code(), r.Reason(), name, value)
	}
}
