package http1

import "testing"

// A typical browser request: 8 fields.
const benchRequest = "GET /search?q=switchyard&lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"\r\n"

func BenchmarkParseRequest(b *testing.B) {
	buf := []byte(benchRequest)
	var r Request
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Parse(buf, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendHead(b *testing.B) {
	var r Request
	if _, err := r.Parse([]byte(benchRequest), DefaultLimits); err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = r.AppendHead(dst[:0], ModeKeepAlive, false)
	}
}

// Steady-state parsing must not allocate: the proxy parses every request.
func TestParseRequestAllocs(t *testing.T) {
	buf := []byte(benchRequest)
	var r Request
	var resp Response
	rbuf := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: x\r\n\r\n")
	dst := make([]byte, 0, 1024)
	bad := []byte("GET / HTTP/1.1\r\nHost : x\r\n\r\n")
	n := testing.AllocsPerRun(100, func() {
		r.Parse(buf, DefaultLimits)
		dst, _ = r.AppendHead(dst[:0], ModeKeepAlive, false)
		resp.Parse(rbuf, DefaultLimits, r.Meth)
		dst, _ = resp.AppendHead(dst[:0], ModeKeepAlive, false, &r)
		if _, err := r.Parse(bad, DefaultLimits); err == nil {
			t.Fatal("bad request accepted")
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}
