package http1

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"switchyard/sample"
)

var _ sample.Request = (*Request)(nil)

func parseReq(t *testing.T, s string) *Request {
	t.Helper()
	var r Request
	n, err := r.Parse([]byte(s), DefaultLimits)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	if n != len(s) {
		t.Fatalf("Parse(%q) = %d, want the whole head", s, n)
	}
	return &r
}

func TestRequestFraming(t *testing.T) {
	tests := []struct {
		req                    string
		kind                   BodyKind
		length                 int64
		close, upgrade, expect bool
		major, minor           int
	}{
		{"GET / HTTP/1.1\r\n\r\n", BodyNone, 0, false, false, false, 1, 1},
		{"GET / HTTP/1.0\r\n\r\n", BodyNone, 0, true, false, false, 1, 0},
		{"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", BodyNone, 0, false, false, false, 1, 0},
		{"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", BodyNone, 0, true, false, false, 1, 1},
		{"POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", BodyLength, 12, false, false, false, 1, 1},
		{"POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", BodyLength, math.MaxInt64, false, false, false, 1, 1},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", BodyChunked, 0, false, false, false, 1, 1},
		{"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", BodyChunked, 0, true, false, false, 1, 1},
		{"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", BodyChunked, 0, true, false, false, 1, 0},
		{"CONNECT h:443 HTTP/1.1\r\nContent-Length: 3\r\n\r\n", BodyNone, 0, false, false, false, 1, 1},
		{"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n", BodyNone, 0, false, true, false, 1, 1},
		{"POST / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 0\r\n\r\n", BodyLength, 0, false, true, false, 1, 1},
		{"POST / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 1\r\n\r\n", BodyLength, 1, false, false, false, 1, 1},
		{"POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", BodyLength, 1, false, false, true, 1, 1},
		{"GET / HTTP/2.0\r\n\r\n", BodyNone, 0, false, false, false, 2, 0},
	}
	for _, tt := range tests {
		r := parseReq(t, tt.req)
		if r.BodyKind != tt.kind || r.ContentLength != tt.length || r.Close != tt.close ||
			r.Upgrade != tt.upgrade || r.Expect100 != tt.expect || r.Major != tt.major || r.Minor != tt.minor {
			t.Errorf("%q: kind %d len %d close %v upgrade %v expect %v version %d.%d", tt.req,
				r.BodyKind, r.ContentLength, r.Close, r.Upgrade, r.Expect100, r.Major, r.Minor)
		}
	}
}

func TestRequestAccessors(t *testing.T) {
	r := parseReq(t, "PUT /x?y HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: z\r\n\r\n")
	if string(r.Method()) != "PUT" || r.Meth != MethodPUT || string(r.URI()) != "/x?y" || string(r.Version()) != "HTTP/1.1" {
		t.Errorf("request line: %q %d %q %q", r.Method(), r.Meth, r.URI(), r.Version())
	}
	if h, ok := r.Host(); !ok || string(h) != "a" {
		t.Errorf("Host() = %q, %v", h, ok)
	}
	if string(r.UpgradeTo()) != "z" {
		t.Errorf("UpgradeTo() = %q", r.UpgradeTo())
	}
	if n, v := r.Header(1); string(n) != "Connection" || string(v) != "upgrade" {
		t.Errorf("Header(1) = %q: %q", n, v)
	}
	r.SetMethod([]byte("GET"))
	r.SetURI([]byte("/new"))
	if r.Meth != MethodGET || string(r.URI()) != "/new" {
		t.Error("SetMethod/SetURI")
	}
}

// Every strict prefix of an acceptable head is incomplete: the proxy must
// keep reading, never answer early.
func TestRequestPrefixesIncomplete(t *testing.T) {
	for _, c := range allCases() {
		var r Request
		n, err := r.Parse([]byte(c.Req), DefaultLimits)
		if err != nil {
			continue
		}
		for i := 0; i < n; i++ {
			if _, err := r.Parse([]byte(c.Req[:i]), DefaultLimits); err != ErrIncomplete {
				t.Errorf("%s: prefix of %d bytes: %v, want ErrIncomplete", c.Name, i, err)
				break
			}
		}
	}
}

func TestRequestPipelined(t *testing.T) {
	buf := []byte("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
	var r Request
	n, err := r.Parse(buf, DefaultLimits)
	if err != nil || string(r.URI()) != "/1" {
		t.Fatalf("first: %v %q", err, r.URI())
	}
	if _, err := r.Parse(buf[n:], DefaultLimits); err != nil || string(r.URI()) != "/2" {
		t.Fatalf("second: %v %q", err, r.URI())
	}
}

func TestRequestLimits(t *testing.T) {
	lim := Limits{MaxHeaders: 3, BufSize: 1024, MaxRewrite: 512}
	var r Request
	_, err := r.Parse([]byte("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\n\r\n"), lim)
	if err != nil {
		t.Fatalf("2 fields with maxhdr 3: %v", err)
	}
	_, err = r.Parse([]byte("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n"), lim)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Status != 400 {
		t.Fatalf("3 fields with maxhdr 3: %v", err)
	}
	// Incomplete data beyond what haproxy could buffer is a refusal.
	big := bytes.Repeat([]byte("a"), lim.RawHeadMax()+1)
	if _, err := r.Parse(append([]byte("GET /"), big...), lim); !errors.As(err, &pe) || pe.Status != 400 {
		t.Fatalf("oversized head: %v", err)
	}
}

// Rules edit the fields; the serialiser re-reads them as haproxy's output
// side does.
func TestRequestEdits(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Request)
		mode  HTTPMode
		want  string
		close bool
	}{
		{"add connection close", func(r *Request) { r.Add([]byte("Connection"), []byte("close")) }, ModeKeepAlive,
			"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\nconnection: close\r\n\r\n", true},
		{"keep-alive beats server-close", func(r *Request) { r.Add([]byte("Connection"), []byte("keep-alive")) }, ModeServerClose,
			"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n", false},
		{"server-close", func(r *Request) {}, ModeServerClose,
			"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\nconnection: close\r\n\r\n", true},
		{"length removed", func(r *Request) { r.Del("content-length") }, ModeKeepAlive,
			"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n", false},
		{"bad length added", func(r *Request) { r.Add([]byte("Content-Length"), []byte("x")) }, ModeKeepAlive,
			"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\n", false},
		{"set replaces all", func(r *Request) { r.Set([]byte("HOST"), []byte("b")) }, ModeKeepAlive,
			"POST / HTTP/1.1\r\ncontent-length: 2\r\nhost: b\r\n\r\n", false},
	}
	for _, tt := range tests {
		r := parseReq(t, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n")
		tt.edit(r)
		got, out := r.AppendHead(nil, tt.mode, false)
		if string(got) != tt.want || out.Close != tt.close {
			t.Errorf("%s: got %q close=%v, want %q close=%v", tt.name, got, out.Close, tt.want, tt.close)
		}
	}
}

func TestHeadersEditing(t *testing.T) {
	var h Headers
	h.Add([]byte("A"), []byte("1"))
	h.Add([]byte("b"), []byte("2"))
	h.Add([]byte("a"), []byte("3"))
	if v, ok := h.Get("a"); !ok || string(v) != "1" {
		t.Errorf("Get = %q %v", v, ok)
	}
	if _, ok := h.Get("c"); ok {
		t.Error("Get of a missing field")
	}
	if n := h.Del("a"); n != 2 || h.NumHeaders() != 1 {
		t.Errorf("Del = %d, left %d", n, h.NumHeaders())
	}
	h.Set([]byte("B"), []byte("4"))
	if n, v := h.Header(0); h.NumHeaders() != 1 || string(n) != "B" || string(v) != "4" {
		t.Errorf("Set left %q: %q", n, v)
	}
}
