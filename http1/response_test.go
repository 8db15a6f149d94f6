package http1

import "testing"

func TestResponseFraming(t *testing.T) {
	tests := []struct {
		resp                   string
		method                 Method
		kind                   BodyKind
		length                 int64
		close, interim, tunnel bool
		status                 int
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", MethodGET, BodyLength, 5, false, false, false, 200},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", MethodHEAD, BodyNone, 0, false, false, false, 200},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", MethodGET, BodyChunked, 0, false, false, false, 200},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", MethodGET, BodyChunked, 0, true, false, false, 200},
		{"HTTP/1.1 200 OK\r\n\r\n", MethodGET, BodyUntilClose, 0, true, false, false, 200},
		{"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", MethodGET, BodyLength, 1, true, false, false, 200},
		{"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", MethodGET, BodyLength, 1, false, false, false, 200},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", MethodGET, BodyLength, 1, true, false, false, 200},
		{"HTTP/1.1 204 No Content\r\nContent-Length: 1\r\n\r\n", MethodGET, BodyNone, 0, false, false, false, 204},
		{"HTTP/1.1 304 Not Modified\r\n\r\n", MethodGET, BodyNone, 0, false, false, false, 304},
		{"HTTP/1.1 100 Continue\r\n\r\n", MethodPOST, BodyNone, 0, false, true, false, 100},
		{"HTTP/1.1 103 Early Hints\r\n\r\n", MethodGET, BodyNone, 0, false, true, false, 103},
		{"HTTP/1.1 101 Switching\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n", MethodGET, BodyNone, 0, false, false, true, 101},
		{"HTTP/1.1 200 OK\r\n\r\n", MethodCONNECT, BodyNone, 0, false, false, true, 200},
		{"HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n", MethodCONNECT, BodyLength, 0, false, false, false, 407},
		{"HTTP/1.1 099 X\r\nContent-Length: 1\r\n\r\n", MethodGET, BodyLength, 1, false, false, false, 99},
	}
	for _, tt := range tests {
		var r Response
		n, err := r.Parse([]byte(tt.resp), DefaultLimits, tt.method)
		if err != nil || n != len(tt.resp) {
			t.Errorf("%q: %d, %v", tt.resp, n, err)
			continue
		}
		if r.BodyKind != tt.kind || r.ContentLength != tt.length || r.Close != tt.close ||
			r.Interim() != tt.interim || r.Tunnel() != tt.tunnel || r.Status != tt.status {
			t.Errorf("%q (method %d): kind %d len %d close %v interim %v tunnel %v status %d", tt.resp, tt.method,
				r.BodyKind, r.ContentLength, r.Close, r.Interim(), r.Tunnel(), r.Status)
		}
	}
}

func TestResponseAccessors(t *testing.T) {
	var r Response
	if _, err := r.Parse([]byte("HTTP/1.0 404 Not Found\r\nA: b\r\n\r\n"), DefaultLimits, MethodGET); err != nil {
		t.Fatal(err)
	}
	if string(r.Version()) != "HTTP/1.0" || string(r.Code()) != "404" || string(r.Reason()) != "Not Found" ||
		r.HTTP11() || r.Major != 1 || r.Minor != 0 {
		t.Errorf("status line: %q %q %q", r.Version(), r.Code(), r.Reason())
	}
	if v, ok := r.Get("a"); !ok || string(v) != "b" {
		t.Errorf("Get = %q", v)
	}
}

func TestResponseConnectionModes(t *testing.T) {
	req := parseReq(t, "GET / HTTP/1.1\r\n\r\n")
	req10 := parseReq(t, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	const resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	tests := []struct {
		name  string
		mode  HTTPMode
		close bool
		req   *Request
		want  string
	}{
		{"keep-alive", ModeKeepAlive, false, req, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"},
		{"client closes", ModeKeepAlive, true, req, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
		{"httpclose", ModeClose, false, req, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"},
		{"server-close keeps the client", ModeServerClose, false, req, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"},
		{"http10 client", ModeKeepAlive, false, req10, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"},
	}
	for _, tt := range tests {
		var r Response
		if _, err := r.Parse([]byte(resp), DefaultLimits, MethodGET); err != nil {
			t.Fatal(err)
		}
		got, out := r.AppendHead(nil, tt.mode, tt.close, tt.req)
		if string(got) != tt.want || out.Close != (tt.close || tt.mode == ModeClose) {
			t.Errorf("%s: %q close=%v", tt.name, got, out.Close)
		}
	}
}
