package proxy

// Integration tests: real listeners and real origins on 127.0.0.1, driven by
// raw clients. Expected bytes of the proxy's own responses were captured from
// haproxy 2.6 (/usr/sbin/haproxy) on the same requests.

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/http1"
	"switchyard/internal/testaddr"
)

// itTimeout bounds every connection of these tests.
const itTimeout = 10 * time.Second

const itDefaults = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
`

// haproxy 2.6's replies, as captured from it for an HTTP/1.1 keep-alive
// request (names in lower case, no connection field).
const (
	it503 = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"
	it502 = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n"
	it504 = "HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n"
	it403 = "HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n"
	it429 = "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 117\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
		"<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n"
)

// itPorts is this package's share of test ports; the listener and cmd
// tests use other ranges.
var itPorts = testaddr.New(20000, 26000)

// itAddr returns a free 127.0.0.1 address for a bind line.
func itAddr(t *testing.T) string { return itPorts.Addr(t) }

// itConfig loads configuration text after replacing {KEY} placeholders.
func itConfig(t *testing.T, text string, kv ...string) *config.Config {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		text = strings.ReplaceAll(text, "{"+kv[i]+"}", kv[i+1])
	}
	cfg, _, errs := config.LoadBytes("it.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatalf("config errors: %v\n%s", errs, text)
	}
	return cfg
}

type itRT struct {
	*Runtime
	noCleanup atomic.Bool // set when a test found Stop hanging
}

// itStart runs cfg on a new runtime, stopped at the end of the test.
func itStart(t *testing.T, cfg *config.Config) *itRT {
	t.Helper()
	rt := &itRT{Runtime: New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)}
	if err := rt.Apply(cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	t.Cleanup(func() {
		if rt.noCleanup.Load() {
			return
		}
		if _, ok := itStopWithin(rt, time.Second, 5*time.Second); !ok {
			t.Errorf("Runtime.Stop did not return within 5s with a 1s context")
		}
	})
	return rt
}

// itStopWithin calls Stop with a context of grace and waits for it at most
// limit. ok is false if Stop did not return in time.
func itStopWithin(rt *itRT, grace, limit time.Duration) (result, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	done := make(chan bool, 1)
	go func() {
		defer cancel()
		done <- rt.Stop(ctx)
	}()
	select {
	case r := <-done:
		return r, true
	case <-time.After(limit):
		return false, false
	}
}

// ---- origins ----

type itOrigin struct {
	addr    string
	accepts atomic.Int64
}

// itHTTPOrigin runs h on a net/http server and counts its connections.
func itHTTPOrigin(t *testing.T, h http.HandlerFunc) *itOrigin {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &itOrigin{addr: l.Addr().String()}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: itTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				o.accepts.Add(1)
			}
		},
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return o
}

// itNamed is an origin answering its name to every request.
func itNamed(t *testing.T, name string) *itOrigin {
	return itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, name)
	})
}

type itRaw struct {
	addr    string
	accepts atomic.Int64
	l       net.Listener
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
	once    sync.Once
}

// itRawOrigin runs handle on every connection accepted on a raw TCP socket.
func itRawOrigin(t *testing.T, handle func(c net.Conn)) *itRaw {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &itRaw{addr: l.Addr().String(), l: l}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			o.accepts.Add(1)
			c.SetDeadline(time.Now().Add(itTimeout))
			o.mu.Lock()
			o.conns = append(o.conns, c)
			o.mu.Unlock()
			o.wg.Add(1)
			go func() {
				defer o.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(o.close)
	return o
}

// close stops the origin and closes its connections.
func (o *itRaw) close() {
	o.once.Do(func() {
		o.l.Close()
		o.mu.Lock()
		for _, c := range o.conns {
			c.Close()
		}
		o.mu.Unlock()
		o.wg.Wait()
	})
}

// itReadHead reads a message head up to its blank line.
func itReadHead(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		l, err := br.ReadString('\n')
		sb.WriteString(l)
		if err != nil {
			return sb.String(), err
		}
		if l == "\r\n" || l == "\n" {
			return sb.String(), nil
		}
	}
}

// itHeadValue returns the value of a field in a raw head (case-insensitive).
func itHeadValue(head, name string) string {
	for _, l := range strings.Split(head, "\r\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ---- clients ----

type itClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func itDial(t *testing.T, addr string) *itClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(itTimeout))
	t.Cleanup(func() { c.Close() })
	return &itClient{t: t, c: c, br: bufio.NewReader(c)}
}

func (k *itClient) send(s string) {
	k.t.Helper()
	if _, err := io.WriteString(k.c, s); err != nil {
		k.t.Fatalf("write: %v", err)
	}
}

// response reads one response to a request of the given method.
func (k *itClient) response(method string) (*http.Response, string) {
	k.t.Helper()
	resp, err := http.ReadResponse(k.br, &http.Request{Method: method})
	if err != nil {
		k.t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		k.t.Fatalf("reading response body: %v", err)
	}
	return resp, string(b)
}

// get sends a GET on the connection and returns the response.
func (k *itClient) get(path string, extra ...string) (*http.Response, string) {
	k.t.Helper()
	k.send("GET " + path + " HTTP/1.1\r\nhost: test\r\n" + strings.Join(extra, "") + "\r\n")
	return k.response("GET")
}

// exact reads exactly len(want) bytes and compares them.
func (k *itClient) exact(want string) {
	k.t.Helper()
	got := make([]byte, len(want))
	n, err := io.ReadFull(k.br, got)
	if err != nil || string(got) != want {
		k.t.Fatalf("got %q (err %v), want %q", got[:n], err, want)
	}
}

// closed waits at most within for the connection to be closed by the proxy
// and returns what came before the close and how long it took.
func (k *itClient) closed(within time.Duration) (string, time.Duration) {
	k.t.Helper()
	start := time.Now()
	k.c.SetReadDeadline(start.Add(within))
	defer k.c.SetReadDeadline(time.Now().Add(itTimeout))
	b, err := io.ReadAll(k.br)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		k.t.Fatalf("connection not closed within %v (read %q, err %v)", within, b, err)
	}
	return string(b), time.Since(start)
}

// silent checks that nothing comes, and the connection stays open, for d.
func (k *itClient) silent(d time.Duration) {
	k.t.Helper()
	k.c.SetReadDeadline(time.Now().Add(d))
	defer k.c.SetReadDeadline(time.Now().Add(itTimeout))
	b, err := k.br.Peek(1)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		k.t.Fatalf("expected nothing for %v, got %q err %v", d, b, err)
	}
}

// itGetNew makes one request on a new connection and returns the body.
func itGetNew(t *testing.T, addr, path string) string {
	t.Helper()
	k := itDial(t, addr)
	defer k.c.Close()
	resp, body := k.get(path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d body %q", path, resp.StatusCode, body)
	}
	return body
}

// itPoll waits for cond, at most d.
func itPoll(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ---- balancing and routing ----

func TestIntegrationRoundRobin(t *testing.T) {
	t.Parallel()
	a, b, c := itNamed(t, "a"), itNamed(t, "b"), itNamed(t, "c")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    server a {A}
    server b {B}
    server c {C}
`, "FE", fe, "A", a.addr, "B", b.addr, "C", c.addr))
	k := itDial(t, fe)
	var seq []string
	for range 9 {
		_, body := k.get("/")
		seq = append(seq, body)
	}
	seen := map[string]bool{}
	for i, s := range seq {
		seen[s] = true
		if i >= 3 && seq[i-3] != s {
			t.Fatalf("not a round robin: %v", seq)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("not every server was used: %v", seq)
	}
}

func TestIntegrationWeights(t *testing.T) {
	t.Parallel()
	a, b := itNamed(t, "a"), itNamed(t, "b")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    server a {A} weight 3
    server b {B} weight 1
`, "FE", fe, "A", a.addr, "B", b.addr))
	k := itDial(t, fe)
	n := map[string]int{}
	for range 40 {
		_, body := k.get("/")
		n[body]++
	}
	if n["a"] != 30 || n["b"] != 10 {
		t.Fatalf("weights 3:1 over 40 requests gave %v", n)
	}
}

func TestIntegrationRouting(t *testing.T) {
	t.Parallel()
	api, static, app, lo := itNamed(t, "api"), itNamed(t, "static"), itNamed(t, "app"), itNamed(t, "listen")
	fe, ls := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    acl is_api path_beg /api/
    acl is_static hdr(host) -i static.example.com
    use_backend api if is_api
    use_backend static if is_static
    default_backend app
backend api
    server s {API}
backend static
    server s {STATIC}
backend app
    server s {APP}
listen both
    bind {LS}
    server s {LO}
`, "FE", fe, "LS", ls, "API", api.addr, "STATIC", static.addr, "APP", app.addr, "LO", lo.addr))
	k := itDial(t, fe)
	for _, c := range []struct{ path, host, want string }{
		{"/api/users", "test", "api"},
		{"/", "STATIC.example.com", "static"},
		{"/api/x", "static.example.com", "api"}, // first matching rule wins
		{"/other", "test", "app"},
		{"/api", "test", "app"},
	} {
		k.send("GET " + c.path + " HTTP/1.1\r\nhost: " + c.host + "\r\n\r\n")
		if _, body := k.response("GET"); body != c.want {
			t.Errorf("%s host %s went to %q, want %q", c.path, c.host, body, c.want)
		}
	}
	if got := itGetNew(t, ls, "/"); got != "listen" {
		t.Errorf("listen section answered %q", got)
	}
}

// ---- responses made by the proxy ----

func TestIntegrationReturnAndDeny(t *testing.T) {
	t.Parallel()
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    http-request return status 201 content-type text/plain string "hello" hdr X-Foo "bar %[path]" if { path /ret }
    http-request return status 200 content-type text/plain lf-string "p=%[path]" if { path /lf }
    http-request deny if { path /deny }
    http-request deny deny_status 429 if { path /tmr }
    default_backend none
backend none
`, "FE", fe))
	k := itDial(t, fe)
	k.send("GET /ret HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact("HTTP/1.1 201 Created\r\nx-foo: bar /ret\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nhello")
	// The connection stays open: the same client goes on.
	k.send("GET /deny HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact(it403)
	k.send("GET /tmr HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact(it429)
	k.send("HEAD /deny HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact(it403[:strings.Index(it403, "<html>")])
	k.send("GET /none HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact(it503)
	k.silent(50 * time.Millisecond)

	// HTTP/1.0 without keep-alive: connection: close, then the close.
	k = itDial(t, fe)
	k.send("GET /lf HTTP/1.0\r\n\r\n")
	k.exact("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\np=/lf")
	if rest, _ := k.closed(2 * time.Second); rest != "" {
		t.Fatalf("extra bytes after the reply: %q", rest)
	}
}

func TestIntegrationServerErrors(t *testing.T) {
	t.Parallel()
	closer := itRawOrigin(t, func(c net.Conn) {
		itReadHead(bufio.NewReader(c)) // then close without a word
	})
	down := itAddr(t) // nothing listens there
	dir := t.TempDir()
	ef := filepath.Join(dir, "503.http")
	os.WriteFile(ef, []byte("HTTP/1.1 503 Service Unavailable\r\nCache-Control: no-cache\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nX-Custom: Yes\r\n\r\nsorry\n"), 0o644)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend down if { path_beg /down }
    use_backend closer if { path_beg /closer }
    use_backend custom if { path_beg /custom }
    default_backend empty
backend empty
backend down
    server s {DOWN}
backend closer
    server s {CLOSER}
backend custom
    errorfile 503 {EF}
`, "FE", fe, "DOWN", down, "CLOSER", closer.addr, "EF", ef))

	k := itDial(t, fe)
	for _, c := range []struct{ path, want string }{
		{"/", it503},
		{"/down", it503},
		{"/custom", "HTTP/1.1 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/plain\r\ncontent-length: 6\r\nx-custom: Yes\r\n\r\nsorry\n"},
		{"/", it503},
	} {
		// Each error leaves the client connection open, as in haproxy.
		k.send("GET " + c.path + " HTTP/1.1\r\nhost: a\r\n\r\n")
		k.exact(c.want)
	}
	k.silent(50 * time.Millisecond)

	// A server that closes without answering: the first request of a
	// connection gets 502 and the connection goes on; a later one gets
	// nothing and the connection closes, so that the client retries
	// (haproxy's answer to a keep-alive request the server dropped).
	k = itDial(t, fe)
	k.send("GET /closer HTTP/1.1\r\nhost: a\r\n\r\n")
	k.exact(it502)
	k.send("GET /closer HTTP/1.1\r\nhost: a\r\n\r\n")
	if got, _ := k.closed(2 * time.Second); got != "" {
		t.Fatalf("second request to a closing server: got %q, want a silent close", got)
	}

	k = itDial(t, fe)
	k.send("GET /custom HTTP/1.0\r\n\r\n")
	k.exact("HTTP/1.1 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/plain\r\ncontent-length: 6\r\nx-custom: Yes\r\nconnection: close\r\n\r\nsorry\n")
	k.closed(2 * time.Second)
}

// TestIntegrationBadServerResponses: a server that times out or answers
// something invalid gets the client a 504 or a 502 (bytes as haproxy 2.6),
// then nothing else, and the client connection goes on. A server that
// closes in the middle of the head of an answer to a request that is not
// the first of its connection gets the client connection closed silently,
// as in haproxy.
func TestIntegrationBadServerResponses(t *testing.T) {
	t.Parallel()
	bad := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := itReadHead(br)
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(head, "GET /garbage "):
			io.WriteString(c, "NOT HTTP AT ALL\r\n\r\n")
		case strings.HasPrefix(head, "GET /truncated "):
			io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-le")
			return
		}
		io.Copy(io.Discard, br) // /slow: never answer
	})
	good := itNamed(t, "good")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend good if { path /good }
    default_backend bad
backend bad
    timeout server 300ms
    server s {BAD}
backend good
    server s {GOOD}
`, "FE", fe, "BAD", bad.addr, "GOOD", good.addr))
	for _, c := range []struct{ path, want string }{
		{"/slow", it504},
		{"/garbage", it502},
		{"/truncated", ""},
	} {
		t.Run(c.path[1:], func(t *testing.T) {
			t.Parallel()
			k := itDial(t, fe)
			// A first exchange on the connection leaves state behind.
			if _, body := k.get("/good"); body != "good" {
				t.Fatalf("got %q", body)
			}
			start := time.Now()
			k.send("GET " + c.path + " HTTP/1.1\r\nhost: a\r\n\r\n")
			if c.want == "" {
				if got, _ := k.closed(2 * time.Second); got != "" {
					t.Fatalf("got %q, want a silent close", got)
				}
				return
			}
			k.exact(c.want)
			if c.path == "/slow" {
				// Well under twice the timeout: the wait for the answer
				// must not be armed twice.
				if d := time.Since(start); d < 250*time.Millisecond || d > 550*time.Millisecond {
					t.Errorf("504 after %v, want about 300ms", d)
				}
			}
			k.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if extra, _ := io.ReadAll(k.br); len(extra) > 0 {
				t.Fatalf("BUG: after the %s the client received %d more bytes: %q (exchange() goes on after readResponseHead has answered an error, relaying a stale response head)", c.want[9:12], len(extra), extra)
			}
			k.c.SetReadDeadline(time.Now().Add(itTimeout))
			if _, body := k.get("/good"); body != "good" {
				t.Fatalf("next request: %q", body)
			}
		})
	}
}

// ---- connections to the servers ----

func TestIntegrationKeepAliveReuse(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	for range 5 {
		if resp, body := k.get("/"); body != "o" || resp.Close {
			t.Fatalf("body %q close %v", body, resp.Close)
		}
	}
	if n := o.accepts.Load(); n != 1 {
		t.Fatalf("5 requests on one client connection used %d server connections, want 1", n)
	}
}

// TestIntegrationHTTPReuse: what a new client's first request may use.
// haproxy 2.6: "never" keeps the server connection private to the client
// connection; "safe" sends the first request of a session on its own
// connection; "always" shares idle connections (checked against haproxy).
func TestIntegrationHTTPReuse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode    string
		accepts int64
	}{{"never", 2}, {"safe", 2}, {"always", 1}} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			var closes atomic.Int64
			o := itRawOrigin(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				for {
					if _, err := itReadHead(br); err != nil {
						closes.Add(1)
						return
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
				}
			})
			fe := itAddr(t)
			itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    http-reuse {MODE}
    server s {O}
`, "FE", fe, "O", o.addr, "MODE", c.mode))
			k1 := itDial(t, fe)
			for range 3 {
				k1.get("/")
			}
			k1.c.Close()
			if c.mode == "never" {
				// A private server connection ends with its client.
				itPoll(t, 3*time.Second, "the server connection to close", func() bool { return closes.Load() == 1 })
			}
			k2 := itDial(t, fe)
			for range 3 {
				k2.get("/")
			}
			if n := o.accepts.Load(); n != c.accepts {
				t.Errorf("http-reuse %s: two clients used %d server connections, want %d", c.mode, n, c.accepts)
			}
		})
	}
}

func TestIntegrationServerClose(t *testing.T) {
	t.Parallel()
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "close=%v", r.Close)
	})
	fe, fe2, fe3 := itAddr(t), itAddr(t), itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend sc
    bind {FE}
    option http-server-close
    default_backend app
frontend hc
    bind {FE2}
    option httpclose
    default_backend app
frontend behc
    bind {FE3}
    default_backend app_close
backend app
    server s {O}
backend app_close
    option httpclose
    server s {O}
`, "FE", fe, "FE2", fe2, "FE3", fe3, "O", o.addr))

	// http-server-close: the server side closes after each response, the
	// client side stays open.
	k := itDial(t, fe)
	for i := range 3 {
		resp, body := k.get("/")
		if body != "close=true" || resp.Close {
			t.Fatalf("http-server-close request %d: origin saw %q, client close %v", i, body, resp.Close)
		}
	}
	if n := o.accepts.Load(); n != 3 {
		t.Errorf("http-server-close: %d server connections for 3 requests, want 3", n)
	}

	// httpclose on the frontend: both sides close.
	k = itDial(t, fe2)
	resp, body := k.get("/")
	if body != "close=true" || !resp.Close {
		t.Fatalf("httpclose: origin saw %q, client close %v", body, resp.Close)
	}
	k.closed(2 * time.Second)

	// httpclose on the backend only: haproxy 2.6 closes the server side;
	// the client side follows the frontend's mode (checked against
	// haproxy 2.6.12: no connection: close, the client connection stays).
	k = itDial(t, fe3)
	resp, body = k.get("/")
	if body != "close=true" {
		t.Fatalf("backend httpclose: origin saw %q", body)
	}
	if resp.Close {
		t.Errorf("backend httpclose: the client got connection: close; haproxy keeps the client side alive (frontend mode)")
	}
}

func TestIntegrationPipelining(t *testing.T) {
	t.Parallel()
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/1" {
			<-time.After(30 * time.Millisecond) // a slow first answer must still come first
		}
		fmt.Fprintf(w, "%s%s", r.URL.Path, b)
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	k.send("GET /1 HTTP/1.1\r\nhost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\nabc" +
		"GET /3 HTTP/1.1\r\nhost: a\r\n\r\n")
	for _, want := range []string{"/1", "/2abc", "/3"} {
		if _, body := k.response("GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
}

func TestIntegrationRequestBodies(t *testing.T) {
	t.Parallel()
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %x %v %v", n, h.Sum(nil)[:8], r.TransferEncoding, err)
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = byte(i * 7 / 3)
	}
	sum := sha256.Sum256(body)
	k := itDial(t, fe)
	stream := func(head string, pieces func(w io.Writer) error) string {
		errc := make(chan error, 1)
		k.send(head)
		go func() { errc <- pieces(k.c) }()
		_, got := k.response("POST")
		if err := <-errc; err != nil {
			t.Fatalf("writing the body: %v", err)
		}
		return got
	}
	got := stream("POST /cl HTTP/1.1\r\nhost: a\r\ncontent-length: 1048576\r\n\r\n", func(w io.Writer) error {
		for off := 0; off < len(body); off += 64 << 10 {
			if _, err := w.Write(body[off : off+64<<10]); err != nil {
				return err
			}
		}
		return nil
	})
	if want := fmt.Sprintf("1048576 %x [] <nil>", sum[:8]); got != want {
		t.Fatalf("content-length body: origin got %q, want %q", got, want)
	}
	got = stream("POST /chunked HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n", func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 8<<10)
		for off, size := 0, 1; off < len(body); size = size*3%40000 + 1 {
			n := min(size, len(body)-off)
			fmt.Fprintf(bw, "%x\r\n", n)
			bw.Write(body[off : off+n])
			bw.WriteString("\r\n")
			off += n
		}
		bw.WriteString("0\r\n\r\n")
		return bw.Flush()
	})
	if want := fmt.Sprintf("1048576 %x [chunked] <nil>", sum[:8]); got != want {
		t.Fatalf("chunked body: origin got %q, want %q", got, want)
	}
	// Framing is intact: the connection carries one more request.
	if _, got := k.get("/after"); got != fmt.Sprintf("0 %x [] <nil>", func() []byte { s := sha256.Sum256(nil); return s[:8] }()) {
		t.Fatalf("request after the bodies: %q", got)
	}
	if n := o.accepts.Load(); n != 1 {
		t.Errorf("%d server connections, want 1", n)
	}
}

func TestIntegrationResponseFraming(t *testing.T) {
	t.Parallel()
	chunk := strings.Repeat("0123456789abcdef", 1024) // 16 kB
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/trailers":
			w.Header().Set("Trailer", "X-Sum")
			for range 10 {
				io.WriteString(w, chunk)
				w.(http.Flusher).Flush()
			}
			w.Header().Set("X-Sum", "160k")
		case "/head":
			w.Header().Set("Content-Length", "1000")
			if r.Method != "HEAD" {
				w.Write(make([]byte, 1000))
			}
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(304)
		default:
			io.WriteString(w, "plain")
		}
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	resp, body := k.get("/trailers")
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || body != strings.Repeat(chunk, 10) {
		t.Fatalf("chunked response: te %v, %d bytes", resp.TransferEncoding, len(body))
	}
	if got := resp.Trailer.Get("X-Sum"); got != "160k" {
		t.Fatalf("trailer X-Sum = %q (trailers %v)", got, resp.Trailer)
	}
	k.send("HEAD /head HTTP/1.1\r\nhost: a\r\n\r\n")
	resp, body = k.response("HEAD")
	if resp.StatusCode != 200 || resp.ContentLength != 1000 || body != "" {
		t.Fatalf("HEAD: status %d length %d body %q", resp.StatusCode, resp.ContentLength, body)
	}
	for _, p := range []string{"/204", "/304"} {
		resp, body = k.get(p)
		if strconv.Itoa(resp.StatusCode) != p[1:] || body != "" || resp.Close {
			t.Fatalf("%s: status %d body %q close %v", p, resp.StatusCode, body, resp.Close)
		}
	}
	if _, body = k.get("/plain"); body != "plain" {
		t.Fatalf("after bodyless responses: %q", body)
	}
	if n := o.accepts.Load(); n != 1 {
		t.Errorf("%d server connections, want 1", n)
	}
}

func TestIntegrationExpectContinue(t *testing.T) {
	t.Parallel()
	// net/http sends "100 Continue" when the handler reads the body.
	goOrigin := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %s", b)
	})
	// This one never sends 100: it waits for the body.
	mute := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := itReadHead(br)
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(itHeadValue(head, "content-length"))
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: "+strconv.Itoa(n+4)+"\r\n\r\ngot "+string(b))
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend mute if { path /mute }
    default_backend app
backend app
    server s {O}
backend mute
    server s {M}
`, "FE", fe, "O", goOrigin.addr, "M", mute.addr))
	k := itDial(t, fe)
	k.send("POST /go HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n")
	head, err := itReadHead(k.br)
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 100 Continue\r\n") {
		t.Fatalf("interim response: %q %v", head, err)
	}
	k.send("hello")
	if resp, body := k.response("POST"); resp.StatusCode != 200 || body != "got hello" {
		t.Fatalf("after 100: %d %q", resp.StatusCode, body)
	}

	k.send("POST /mute HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n")
	k.silent(200 * time.Millisecond) // a client then sends the body anyway
	k.send("world")
	if resp, body := k.response("POST"); resp.StatusCode != 200 || body != "got world" {
		t.Fatalf("without 100: %d %q", resp.StatusCode, body)
	}
}

func TestIntegrationWebSocketTunnel(t *testing.T) {
	t.Parallel()
	o := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := itReadHead(br)
		if err != nil || !strings.EqualFold(itHeadValue(head, "upgrade"), "websocket") {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
			return
		}
		h := sha1.Sum([]byte(itHeadValue(head, "sec-websocket-key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+
			base64.StdEncoding.EncodeToString(h[:])+"\r\n\r\n")
		c.SetDeadline(time.Time{})
		io.Copy(c, br)
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
    mode http
    timeout connect 2s
    timeout client 150ms
    timeout server 150ms
    timeout tunnel 1s
frontend web
    bind {FE}
    default_backend ws
backend ws
    server s {O}
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	k.send("GET /chat HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n")
	head, err := itReadHead(k.br)
	if err != nil || !strings.HasPrefix(head, "HTTP/1.1 101 ") || itHeadValue(head, "sec-websocket-accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("upgrade response: %q %v", head, err)
	}
	k.send("ping")
	k.exact("ping")
	// Idle longer than timeout client/server: the tunnel timeout governs.
	k.silent(400 * time.Millisecond)
	k.send("pong")
	k.exact("pong")
	rest, d := k.closed(5 * time.Second)
	if rest != "" || d < 800*time.Millisecond || d > 3*time.Second {
		t.Fatalf("tunnel closed after %v (read %q), want about 1s of inactivity", d, rest)
	}
}

func TestIntegrationForwardFor(t *testing.T) {
	t.Parallel()
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "xff=%s client=%s", strings.Join(r.Header.Values("X-Forwarded-For"), "|"), r.Header.Get("X-Client"))
	})
	fes := map[string]string{}
	kv := []string{"O", o.addr}
	for _, n := range []string{"PLAIN", "HDR", "EXCEPT", "IFNONE", "NONE", "FEBE"} {
		fes[n] = itAddr(t)
		kv = append(kv, n, fes[n])
	}
	itStart(t, itConfig(t, itDefaults+`
frontend plain
    bind {PLAIN}
    option forwardfor
    default_backend app
frontend hdr
    bind {HDR}
    option forwardfor header X-Client
    default_backend app
frontend except
    bind {EXCEPT}
    option forwardfor except 127.0.0.0/8
    default_backend app
frontend ifnone
    bind {IFNONE}
    option forwardfor if-none
    default_backend app
frontend none
    bind {NONE}
    default_backend app_ff
frontend febe
    bind {FEBE}
    option forwardfor header X-Client
    default_backend app_xff
backend app
    server s {O}
backend app_ff
    option forwardfor header X-Client
    server s {O}
backend app_xff
    option forwardfor
    server s {O}
`, kv...))
	for _, c := range []struct{ fe, extra, want string }{
		{"PLAIN", "", "xff=127.0.0.1 client="},
		{"PLAIN", "x-forwarded-for: 1.2.3.4\r\n", "xff=1.2.3.4|127.0.0.1 client="}, // appended as a new field
		{"HDR", "", "xff= client=127.0.0.1"},
		{"EXCEPT", "", "xff= client="},
		{"IFNONE", "", "xff=127.0.0.1 client="},
		{"IFNONE", "x-forwarded-for: 1.2.3.4\r\n", "xff=1.2.3.4 client="},
		{"NONE", "", "xff= client=127.0.0.1"}, // the backend's option alone
		{"FEBE", "", "xff=127.0.0.1 client="}, // the backend's header name wins
	} {
		k := itDial(t, fes[c.fe])
		if _, body := k.get("/", c.extra); body != c.want {
			t.Errorf("%s %q: origin saw %q, want %q", c.fe, c.extra, body, c.want)
		}
		k.c.Close()
	}
}

// ---- client-side timeouts and limits ----

func TestIntegrationHTTPRequestTimeout(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    timeout http-request 200ms
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	want := string(http1.ErrorResponse(408))

	t.Run("partial", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		k.send("GET / HTTP/1.1\r\nhost")
		got, d := k.closed(3 * time.Second)
		if got != want || d < 150*time.Millisecond {
			t.Fatalf("after %v got %q, want the 408 after 200ms", d, got)
		}
	})
	t.Run("partial-second-request", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		k.get("/")
		k.send("GET / HTTP/1.1\r\nhost")
		if got, _ := k.closed(3 * time.Second); got != want {
			t.Fatalf("got %q, want the 408", got)
		}
	})
	t.Run("empty-connection", func(t *testing.T) {
		t.Parallel()
		// haproxy 2.6 answers 408 to a connection that sent nothing at all
		// (unless option http-ignore-probes), checked with haproxy 2.6.12.
		k := itDial(t, fe)
		if got, _ := k.closed(3 * time.Second); got != want {
			t.Fatalf("BUG: a connection that sent nothing was closed with %q, haproxy sends the 408", got)
		}
	})
}

func TestIntegrationKeepAliveTimeout(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    timeout http-request 5s
    timeout http-keep-alive 200ms
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	k.get("/")
	got, d := k.closed(3 * time.Second)
	if got != "" || d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("idle connection closed after %v with %q, want silently after 200ms", d, got)
	}
}

func TestIntegrationFrontendMaxconn(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    maxconn 2
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
	k1, k2 := itDial(t, fe), itDial(t, fe)
	k1.get("/")
	k2.get("/")
	k3 := itDial(t, fe) // connects: it waits in the backlog
	k3.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
	k3.silent(300 * time.Millisecond)
	k1.c.Close()
	if _, body := k3.response("GET"); body != "o" {
		t.Fatalf("third connection got %q", body)
	}
}

// ---- mode tcp ----

func TestIntegrationTCP(t *testing.T) {
	t.Parallel()
	echo := itRawOrigin(t, func(c net.Conn) {
		io.Copy(c, c) // until the client's FIN arrives
		io.WriteString(c, "bye")
	})
	got := make(chan string, 1)
	banner := itRawOrigin(t, func(c net.Conn) {
		io.WriteString(c, "banner")
		c.(*net.TCPConn).CloseWrite()
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	fe, fe2 := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend echo
    bind {FE}
    default_backend echo
frontend banner
    bind {FE2}
    default_backend banner
backend echo
    server s {E}
backend banner
    server s {B}
`, "FE", fe, "FE2", fe2, "E", echo.addr, "B", banner.addr))

	// Client half-close: the server sees the end and can still answer.
	k := itDial(t, fe)
	k.send("hello")
	k.exact("hello")
	k.c.(*net.TCPConn).CloseWrite()
	if rest, _ := k.closed(3 * time.Second); rest != "bye" {
		t.Fatalf("after the client's half-close got %q, want \"bye\"", rest)
	}

	// Server half-close: the client sees the end and can still send.
	k = itDial(t, fe2)
	if rest, _ := k.closed(3 * time.Second); rest != "banner" {
		t.Fatalf("got %q before the server's FIN", rest)
	}
	k.send("late data")
	k.c.(*net.TCPConn).CloseWrite()
	select {
	case s := <-got:
		if s != "late data" {
			t.Fatalf("server received %q after its half-close", s)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the client's data after the server's half-close never arrived")
	}
}

func TestIntegrationTCPClientTimeout(t *testing.T) {
	t.Parallel()
	echo := itRawOrigin(t, func(c net.Conn) { io.Copy(c, c) })
	fe := itAddr(t)
	itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 200ms
    timeout server 10s
frontend echo
    bind {FE}
    default_backend echo
backend echo
    server s {E}
`, "FE", fe, "E", echo.addr))
	k := itDial(t, fe)
	k.send("x")
	k.exact("x")
	if _, d := k.closed(3 * time.Second); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("idle tunnel closed after %v, want about 200ms", d)
	}
}

// ---- reload ----

const itOneBackend = itDefaults + `
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`

func TestIntegrationReloadKeepAliveClient(t *testing.T) {
	t.Parallel()
	a, b := itNamed(t, "a"), itNamed(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itOneBackend, "FE", fe, "O", a.addr))
	k := itDial(t, fe)
	if _, body := k.get("/"); body != "a" {
		t.Fatalf("before reload: %q", body)
	}
	if err := rt.Apply(itConfig(t, itOneBackend, "FE", fe, "O", b.addr)); err != nil {
		t.Fatal(err)
	}
	// The connection survives the reload; a request runs on the snapshot
	// it started on, and the next request on the new one.
	if resp, body := k.get("/"); body != "b" || resp.Close {
		t.Fatalf("keep-alive connection after reload: %q close %v", body, resp.Close)
	}
	if body := itGetNew(t, fe, "/"); body != "b" {
		t.Fatalf("new connection after reload: %q", body)
	}
}

func TestIntegrationReloadNoRefusedConnection(t *testing.T) {
	t.Parallel()
	a, b := itNamed(t, "a"), itNamed(t, "b")
	fe := itAddr(t)
	cfgs := []*config.Config{
		itConfig(t, itOneBackend, "FE", fe, "O", a.addr),
		itConfig(t, itOneBackend, "FE", fe, "O", b.addr),
	}
	rt := itStart(t, cfgs[0])
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := func() error {
					c, err := net.DialTimeout("tcp", fe, 2*time.Second)
					if err != nil {
						return err
					}
					defer c.Close()
					c.SetDeadline(time.Now().Add(5 * time.Second))
					io.WriteString(c, "GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
					resp, err := http.ReadResponse(bufio.NewReader(c), nil)
					if err != nil {
						return err
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						return fmt.Errorf("status %d", resp.StatusCode)
					}
					return nil
				}()
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		// Let a few connections in between two reloads.
		n := ok.Load() + failed.Load()
		itPoll(t, 5*time.Second, "client progress", func() bool { return ok.Load()+failed.Load() >= n+3 })
		if err := rt.Apply(cfgs[(i+1)%2]); err != nil {
			t.Fatalf("Apply %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d connections failed during 20 reloads; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
	}
}

func TestIntegrationReloadBinds(t *testing.T) {
	t.Parallel()
	a := itNamed(t, "a")
	p1, p2 := itAddr(t), itAddr(t)
	one := itDefaults + `
frontend web
    bind {P1}
    default_backend app
backend app
    server s {O}
`
	two := one + `
frontend web2
    bind {P2}
    default_backend app
`
	onlyTwo := itDefaults + `
frontend web2
    bind {P2}
    default_backend app
backend app
    server s {O}
`
	rt := itStart(t, itConfig(t, one, "P1", p1, "O", a.addr))
	if _, err := net.DialTimeout("tcp", p2, time.Second); err == nil {
		t.Fatal("P2 listening before it is configured")
	}
	if err := rt.Apply(itConfig(t, two, "P1", p1, "P2", p2, "O", a.addr)); err != nil {
		t.Fatal(err)
	}
	itGetNew(t, p2, "/")
	k := itDial(t, p1)
	k.get("/")
	if err := rt.Apply(itConfig(t, onlyTwo, "P2", p2, "O", a.addr)); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", p1, time.Second); err == nil {
		c.Close()
		t.Fatal("P1 still accepts connections after its bind was removed")
	}
	itGetNew(t, p2, "/")
	// A connection accepted on the removed bind gets its next request
	// answered, with connection: close.
	if resp, body := k.get("/"); body != "a" || !resp.Close {
		t.Fatalf("connection accepted on the removed bind: %q close %v", body, resp.Close)
	}
}

func TestIntegrationReloadFailureKeepsRunningConfig(t *testing.T) {
	t.Parallel()
	a, b := itNamed(t, "a"), itNamed(t, "b")
	p1, p2 := itAddr(t), itAddr(t)
	rt := itStart(t, itConfig(t, itOneBackend, "FE", p1, "O", a.addr))
	k := itDial(t, p1)
	k.get("/") // leaves an idle server connection in the pool
	before := rt.Snapshot()

	busy, err := net.Listen("tcp4", p2)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	err = rt.Apply(itConfig(t, itDefaults+`
frontend web
    bind {P1}
    default_backend app
frontend other
    bind {P2}
    default_backend app
backend app
    server s {O}
`, "P1", p1, "P2", p2, "O", b.addr))
	if err == nil || !strings.Contains(err.Error(), "it.cfg:") || !strings.Contains(err.Error(), "Address already in use") {
		t.Fatalf("Apply with a busy port: %v", err)
	}
	if rt.Snapshot() != before {
		t.Fatal("a failed Apply replaced the snapshot")
	}
	if body := itGetNew(t, p1, "/"); body != "a" {
		t.Fatalf("after a failed reload: %q", body)
	}
	if _, body := k.get("/"); body != "a" {
		t.Fatalf("keep-alive client after a failed reload: %q", body)
	}
	// A failed reload must change nothing, not even the long-lived state:
	// the registry must still hold the running configuration's server (whose
	// pool keeps the idle server connections).
	running := rt.Snapshot().backends["app"].servers[0]
	held := rt.state.registry.Server("app", "s")
	if held != running {
		t.Errorf("BUG: the failed Apply replaced server app/s in the long-lived State (and closed its idle connections): held %s, running %s", held.Addr(), running.Addr())
	}
}

// TestIntegrationReloadMaxconn: a reload that changes maxconn must keep the
// limit exact. The accept loop takes a slot of the old frontend before
// Accept; the connection it then accepts must give back that same slot.
func TestIntegrationReloadMaxconn(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe := itAddr(t)
	text := itDefaults + `
frontend web
    bind {FE}
    maxconn {N}
    default_backend app
backend app
    server s {O}
`
	rt := itStart(t, itConfig(t, text, "FE", fe, "O", o.addr, "N", "2"))
	old := rt.Snapshot().frontends[0].slotsNow()
	k0 := itDial(t, fe)
	k0.get("/")
	// The accept loop holds a slot for its next Accept: 2 in use.
	itPoll(t, 3*time.Second, "the accept loop to take its next slot", func() bool { return len(old.ch) == 2 })
	if err := rt.Apply(itConfig(t, text, "FE", fe, "O", o.addr, "N", "3")); err != nil {
		t.Fatal(err)
	}
	k0.c.Close()
	k1 := itDial(t, fe) // accepted with the slot taken under maxconn 2
	k1.get("/")
	k1.c.Close()
	itPoll(t, 3*time.Second, "connections to end", func() bool {
		rt.mu.Lock()
		defer rt.mu.Unlock()
		return len(rt.conns) == 0
	})
	var ks []*itClient
	for range 3 {
		k := itDial(t, fe)
		k.get("/")
		ks = append(ks, k)
	}
	k4 := itDial(t, fe)
	k4.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
	k4.c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := k4.br.Peek(1); err == nil {
		rt.noCleanup.Store(true) // its Stop would hang on a release of a slot never taken
		t.Fatal("BUG: a fourth connection was served with maxconn 3 after a reload changed maxconn (slot taken from the old semaphore, given back to the new one)")
	}
}

// ---- stop ----

func TestIntegrationStopGraceful(t *testing.T) {
	t.Parallel()
	inHandler := make(chan struct{}, 1)
	release := make(chan struct{})
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			inHandler <- struct{}{}
			select {
			case <-release:
			case <-time.After(itTimeout):
			}
		}
		io.WriteString(w, "done")
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itOneBackend, "FE", fe, "O", o.addr))
	idle := itDial(t, fe)
	idle.get("/")
	busy := itDial(t, fe)
	busy.send("GET /slow HTTP/1.1\r\nhost: a\r\n\r\n")
	<-inHandler

	// Stop's first step runs here, so the checks below do not race the
	// goroutine to the listeners; Stop repeats it harmlessly.
	rt.stopAccepting()
	stopped := make(chan bool, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopped <- rt.Stop(ctx)
	}()
	// The idle keep-alive connection is not closed under its client, who
	// may be sending at that moment: its next request is answered with the
	// connection's end.
	if c, err := net.DialTimeout("tcp", fe, time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting after Stop began")
	}
	if resp, body := idle.get("/"); body != "done" || !resp.Close {
		t.Fatalf("idle connection's next request during the stop: %q close %v", body, resp.Close)
	}
	if got, _ := idle.closed(3 * time.Second); got != "" {
		t.Fatalf("idle connection got %q after its last response", got)
	}
	if c, err := net.DialTimeout("tcp", fe, time.Second); err == nil {
		c.Close()
		t.Fatal("still accepting after Stop began")
	}
	select {
	case <-stopped:
		t.Fatal("Stop returned with a request in flight")
	default:
	}
	close(release)
	resp, body := busy.response("GET")
	if body != "done" || !resp.Close {
		t.Fatalf("in-flight request: %q close %v", body, resp.Close)
	}
	busy.closed(3 * time.Second)
	select {
	case ok := <-stopped:
		if !ok {
			t.Fatal("Stop returned false though every connection ended")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Stop did not return after the last request")
	}
}

func TestIntegrationStopHung(t *testing.T) {
	t.Parallel()
	got := make(chan struct{}, 1)
	hang := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		itReadHead(br)
		got <- struct{}{}
		io.Copy(io.Discard, br)
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, `
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend web
    bind {FE}
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", hang.addr))
	k := itDial(t, fe)
	k.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
	<-got
	start := time.Now()
	res, ok := itStopWithin(rt, 300*time.Millisecond, 3*time.Second)
	// The client connection is cut either way.
	k.closed(time.Second)
	if !ok {
		rt.noCleanup.Store(true)
		hang.close() // unblocks the stream so that Stop can return
		t.Fatalf("BUG: Stop with a 300ms context did not return within %v: the server side of an HTTP request in flight is not closed on a hard stop", time.Since(start))
	}
	if res {
		t.Fatal("Stop reported every connection ended in time")
	}
}
