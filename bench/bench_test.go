package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const wrkSample = `Running 3s test @ http://127.0.0.1:18080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   782.63us  663.26us   9.06ms   95.03%
    Req/Sec    64.45k    10.45k   70.63k    83.87%
  Latency Distribution
     50%  648.00us
     75%  780.00us
     90%    0.94ms
     99%    4.16ms
  198839 requests in 3.10s, 13.08MB read
  Socket errors: connect 1, read 2, write 0, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:  64147.63
Transfer/sec:      4.22MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkSample)
	if err != nil {
		t.Fatal(err)
	}
	if r.RPS != 64147.63 || r.P50 != 648*time.Microsecond || r.P99 != 4160*time.Microsecond || r.Errors != 12 {
		t.Fatalf("got %+v", r)
	}
	if _, err := parseWrk("Requests/sec: 1\n"); err == nil {
		t.Fatal("output without latency distribution accepted")
	}
}

func TestParseWrkLatency(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"648.00us": 648 * time.Microsecond,
		"0.94ms":   940 * time.Microsecond,
		"1.50s":    1500 * time.Millisecond,
		"2.00m":    2 * time.Minute,
	} {
		got, err := parseWrkLatency(in)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ms", "12", "1.0xs"} {
		if _, err := parseWrkLatency(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseSmapsRollup(t *testing.T) {
	in := "55d0c4a6e000-7ffd5a3f4000 ---p 00000000 00:00 0 [rollup]\n" +
		"Rss:               18796 kB\nPss:               17000 kB\n" +
		"Private_Clean:       100 kB\nPrivate_Dirty:     16000 kB\n"
	m, ok := parseSmapsRollup([]byte(in))
	if !ok || m.RSS != 18796*1024 || m.Private != 16100*1024 {
		t.Fatalf("got %+v, %v", m, ok)
	}
}

func TestParseStatTicks(t *testing.T) {
	// The command name may hold spaces and parentheses.
	in := "1234 (a (b) c) S 1 1234 1234 0 -1 4194304 100 0 0 0 70 30 0 0 20 0 1 0 5 1000 10\n"
	n, err := parseStatTicks([]byte(in))
	if err != nil || n != 100 {
		t.Fatalf("got %d, %v", n, err)
	}
}

func TestResponseComplete(t *testing.T) {
	full := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	for i := 0; i < len(full); i++ {
		if done, err := responseComplete([]byte(full[:i])); err != nil || done {
			t.Fatalf("prefix %d: %v, %v", i, done, err)
		}
	}
	if done, err := responseComplete([]byte(full)); err != nil || !done {
		t.Fatalf("full: %v, %v", done, err)
	}
	if _, err := responseComplete([]byte("HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n")); err == nil {
		t.Fatal("503 accepted")
	}
	if _, err := responseComplete([]byte("HTTP/1.1 200 OK\r\n\r\n")); err == nil {
		t.Fatal("response without content-length accepted")
	}
}

// The Go origin must answer pipelined requests and requests whose end is
// split across reads, one response each.
func TestOrigin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go originConn(c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	parts := []string{req + req, req[:len(req)-3], req[len(req)-3:], req[:len(req)-1], req[len(req)-1:]}
	for _, p := range parts {
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // separate reads on the other side
	}
	want := strings.Repeat(string(originResponse), 4)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(bufio.NewReader(c), got); err != nil {
		t.Fatalf("reading responses: %v (got %q)", err, got)
	}
	if string(got) != want {
		t.Fatalf("got %q", got)
	}
}

// Both configs must stay valid for the reference implementation, since the
// benchmark feeds them to haproxy unchanged.
func TestConfigsValidForHAProxy(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		haproxy = "/usr/sbin/haproxy"
		if _, err := os.Stat(haproxy); err != nil {
			t.Skip("haproxy not installed (scripts/deps.sh installs it)")
		}
	}
	dir := t.TempDir()
	env, stop, err := configEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := tlsCerts(dir); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []string{"haproxy.cfg", "origin.cfg", "gateway.cfg", "tls.cfg", "ratelimit.cfg", "lua-gateway.cfg"} {
		cmd := exec.Command(haproxy, "-c", "-q", "-f", filepath.Join(benchDir(), cfg))
		cmd.Dir = filepath.Dir(benchDir()) // the bench runs from the repository's root
		cmd.Env = append(append(os.Environ(), "BENCH_PROXY_PORT=1", "BENCH_ORIGIN_PORT=2", "BENCH_RSA_PORT=3", "BENCH_CERT_DIR="+dir), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("haproxy -c %s: %v\n%s", cfg, err, out)
		}
	}
}

func TestParseCPUBusy(t *testing.T) {
	in := "cpu  17625 0 13485 53507 290 0 4709 24 0 0\n" +
		"cpu0 8623 1 6124 27587 20 5 2431 9 0 0\n" +
		"cpu1 9002 0 7361 25920 269 0 2277 14 0 0\n" +
		"cpu10 1 1 1 1 1 1 1 1 0 0\n"
	n, err := parseCPUBusy([]byte(in), 0)
	if err != nil || n != 8623+1+6124+5+2431+9 {
		t.Fatalf("cpu0: %d, %v", n, err)
	}
	n, err = parseCPUBusy([]byte(in), 1)
	if err != nil || n != 9002+7361+2277+14 {
		t.Fatalf("cpu1: %d, %v", n, err)
	}
	if _, err := parseCPUBusy([]byte(in), 2); err == nil {
		t.Fatal("missing cpu2 not reported")
	}
}

// The handshake client makes full handshakes only, one request each, and
// counts a server that serves the wrong kind of key as an error.
func TestHandshakeLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := tlsCerts(dir); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "ecdsa.pem"), filepath.Join(dir, "ecdsa.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go originConn(c)
		}
	}()
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		o := handshakeLoad(hsJob{Addr: ln.Addr().String(), Version: v, Conns: 4, Duration: 300 * time.Millisecond})
		if o.Handshakes == 0 || o.Errors != 0 {
			t.Fatalf("%s: %+v", versionName(v), o)
		}
		if !strings.HasSuffix(o.Negotiated, " X25519") {
			t.Errorf("%s: negotiated %q", versionName(v), o.Negotiated)
		}
	}
	o := handshakeLoad(hsJob{Addr: ln.Addr().String(), Version: tls.VersionTLS13, RSA: true, Conns: 1, Duration: 50 * time.Millisecond})
	if o.Handshakes != 0 || o.Errors == 0 || !strings.Contains(o.FirstError, "ECDSA key") {
		t.Fatalf("ECDSA server taken for RSA: %+v", o)
	}
}

func TestParseHandshakeOutput(t *testing.T) {
	o, err := parseHandshakeOutput([]byte("noise\n" + hsResultPrefix + `{"Handshakes":7,"Errors":1,"Seconds":2,"Negotiated":"x"}` + "\n"))
	if err != nil || o.Handshakes != 7 || o.Errors != 1 || o.Seconds != 2 || o.Negotiated != "x" {
		t.Fatalf("got %+v, %v", o, err)
	}
	if _, err := parseHandshakeOutput([]byte("panic: boom\n")); err == nil {
		t.Fatal("output without a result accepted")
	}
}
