package proxy

// Regression tests for the fixes of commit 766b4ec (retries resend the same
// bytes, no tunnel without an upgrade request, listen rules apply as a
// backend, no reuse of server connections with stray bytes, the server
// timeout during uploads, idle server connections closed while pooled).
// Each one fails on the behaviour before the fix.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rgWait waits for a signal from an origin, at most 3 s.
func rgWait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(3 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// rgSettled waits until no request is assigned to the only server of be:
// the exchange is over, and its server connection pooled or closed (the
// count drops after both).
func rgSettled(t *testing.T, rt *itRT, be string) {
	t.Helper()
	srv := rt.Snapshot().backends[be].servers[0]
	itPoll(t, 3*time.Second, "the server exchange to end", func() bool { return srv.Cur.Load() == 0 })
}

// rgAbort returns a channel closed when the test ends, before its origins
// are closed, so that origin handlers waiting for the test give up.
func rgAbort(t *testing.T) <-chan struct{} {
	ch := make(chan struct{})
	t.Cleanup(func() { close(ch) })
	return ch
}

// rgLog is what an origin received, shared by its connections.
type rgLog struct {
	mu  sync.Mutex
	buf []string
}

func (l *rgLog) add(s string) {
	l.mu.Lock()
	l.buf = append(l.buf, s)
	l.mu.Unlock()
}

func (l *rgLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.buf...)
}

// TestRegressNoResendAfterServerClose: a request whose pooled server
// connection the server closed without answering is never sent again (the
// server may have acted on it): the first request of a client connection
// gets 502, as in haproxy, and the next pipelined request goes, whole and
// alone, on a new server connection. (An older bug sent the next pipelined
// request's bytes as the body of a resent POST.)
func TestRegressNoResendAfterServerClose(t *testing.T) {
	t.Parallel()
	var log rgLog
	var n atomic.Int32
	o := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if n.Add(1) == 1 {
			// Answers one request, then closes when the next one comes,
			// as a server closing an idle connection just as it is
			// reused: the request gets no response, and may be retried.
			if _, err := itReadHead(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nwarm")
			br.Peek(1)
			return
		}
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return
			}
			msg := req.Method + " " + req.URL.Path + " " + string(b)
			log.add(msg)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s", len(msg), msg)
		}
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    http-reuse always
    server s {O}
`, "FE", fe, "O", o.addr))
	// A first client leaves a server connection in the pool.
	k0 := itDial(t, fe)
	if _, body := k0.get("/warm"); body != "warm" {
		t.Fatalf("warm-up: %q", body)
	}
	rgSettled(t, rt, "app")

	k := itDial(t, fe)
	k.send("POST /p HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhello" +
		"GET /next HTTP/1.1\r\nhost: a\r\n\r\n")
	if resp, _ := k.response("POST"); resp.StatusCode != 502 {
		t.Fatalf("POST: status %d, want 502 (origin log %q)", resp.StatusCode, log.all())
	}
	if resp, body := k.response("GET"); resp.StatusCode != 200 || body != "GET /next " {
		t.Fatalf("GET: status %d, origin saw %q (origin log %q)", resp.StatusCode, body, log.all())
	}
	if got := log.all(); len(got) != 1 {
		t.Errorf("origin received %q, want only the GET", got)
	}
	if a := o.accepts.Load(); a != 2 {
		t.Errorf("%d server connections, want 2 (the pooled one, then the GET's)", a)
	}
}

// TestRegressUnrequested101: a 101 to a request that did not ask to upgrade
// gets the client haproxy's 502 and does not turn the connection into a
// tunnel: a following request for /admin, denied by a rule, must not reach
// the server (haproxy 2.6 answers it 403; closing is as good). Before the
// fix the connection became a tunnel.
func TestRegressUnrequested101(t *testing.T) {
	t.Parallel()
	for _, up := range []struct{ name, resp string }{
		{"websocket", "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"},
		{"h2c", "HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n"},
	} {
		for _, pipelined := range []bool{true, false} {
			t.Run(up.name+map[bool]string{true: "/pipelined", false: "/sequential"}[pipelined], func(t *testing.T) {
				t.Parallel()
				var log rgLog
				o := itRawOrigin(t, func(c net.Conn) {
					br := bufio.NewReader(c)
					head, err := itReadHead(br)
					log.add(head)
					if err != nil {
						return
					}
					if strings.HasPrefix(head, "GET / ") {
						io.WriteString(c, up.resp)
					} else {
						io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret")
					}
					buf := make([]byte, 4096)
					for {
						n, err := br.Read(buf)
						log.add(string(buf[:n]))
						if err != nil {
							return
						}
					}
				})
				fe := itAddr(t)
				itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    http-request deny if { path_beg /admin }
    default_backend app
backend app
    server s {O}
`, "FE", fe, "O", o.addr))
				k := itDial(t, fe)
				const admin = "GET /admin HTTP/1.1\r\nhost: a\r\n\r\n"
				if pipelined {
					k.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n" + admin)
				} else {
					k.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
				}
				resp, _ := k.response("GET")
				if resp.StatusCode != 502 || resp.Proto != "HTTP/1.1" || resp.Status != "502 Bad Gateway" {
					t.Errorf("response to an unrequested 101: %s %s, want haproxy's \"HTTP/1.1 502 Bad Gateway\"", resp.Proto, resp.Status)
				}
				if !pipelined {
					k.c.Write([]byte(admin)) // the proxy may have closed already
				}
				// Then the connection closes, or /admin is denied.
				k.c.SetReadDeadline(time.Now().Add(time.Second))
				next, err := http.ReadResponse(k.br, &http.Request{Method: "GET"})
				switch {
				case err == nil:
					next.Body.Close()
					if next.StatusCode != 403 {
						t.Errorf("after the 502, /admin got status %d, want a 403 or a close", next.StatusCode)
					}
				case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
				default:
					t.Errorf("after the 502 the connection was neither closed nor answered: %v", err)
				}
				o.close() // waits for the origin's handlers
				for _, s := range log.all() {
					if strings.Contains(s, "/admin") {
						t.Fatalf("the request for /admin reached the server: it received %q", log.all())
					}
				}
			})
		}
	}
}

// TestRegressListenRulesAsBackend: the http-request rules of a listen
// section apply when another frontend uses it as its backend. Before the fix
// they ran only for the listen section's own binds.
func TestRegressListenRulesAsBackend(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "o")
	fe, ls := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend gate
listen gate
    bind {LS}
    http-request deny if { path /x }
    server s {O}
`, "FE", fe, "LS", ls, "O", o.addr))
	for _, addr := range []string{fe, ls} {
		k := itDial(t, addr)
		k.c.SetDeadline(time.Now().Add(2 * time.Second))
		k.send("GET /x HTTP/1.1\r\nhost: a\r\n\r\n")
		k.exact(it403)
		if _, body := k.get("/y"); body != "o" {
			t.Fatalf("/y: %q", body)
		}
	}
}

// rgPoison is a well-formed response that no request asked for.
const rgPoison = "HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nPOISON"

// TestRegressStrayServerBytes: a server connection that carries bytes after
// a complete response is not reused; the next request, from another client,
// gets the server's real answer on a new connection. Before the fix the
// connection was pooled and the next request read the stray bytes as its
// response.
func TestRegressStrayServerBytes(t *testing.T) {
	t.Parallel()
	large := strings.Repeat("x", 64<<10) // more than a buffer: spliced, so the stray bytes stay in the socket
	for _, c := range []struct {
		name  string
		first string // the first connection's response, with any stray bytes
		body  string // the body the first client must get
		late  bool   // the poison comes once the connection is idle in the pool
	}{
		{"same-segment", "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na" + rgPoison, "a", false},
		{"after-large-body", "HTTP/1.1 200 OK\r\ncontent-length: 65536\r\n\r\n" + large + rgPoison, large, false},
		{"late", "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na", "a", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pooled, sent := make(chan struct{}), make(chan struct{})
			var n atomic.Int32
			o := itRawOrigin(t, func(conn net.Conn) {
				br := bufio.NewReader(conn)
				if n.Add(1) == 1 {
					if _, err := itReadHead(br); err != nil {
						return
					}
					io.WriteString(conn, c.first)
					if c.late {
						select {
						case <-pooled:
						case <-time.After(itTimeout):
							return
						}
						io.WriteString(conn, rgPoison)
						close(sent)
					}
					io.Copy(io.Discard, br) // never answers again
					return
				}
				for {
					if _, err := itReadHead(br); err != nil {
						return
					}
					io.WriteString(conn, "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nreal")
				}
			})
			fe := itAddr(t)
			rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    http-reuse always
    server s {O}
`, "FE", fe, "O", o.addr))
			k1 := itDial(t, fe)
			if resp, body := k1.get("/"); resp.StatusCode != 200 || body != c.body {
				t.Fatalf("first client: status %d, %d bytes", resp.StatusCode, len(body))
			}
			rgSettled(t, rt, "app")
			if c.late {
				close(pooled)
				rgWait(t, sent, "the origin's unsolicited bytes")
			}
			k2 := itDial(t, fe)
			k2.c.SetDeadline(time.Now().Add(2 * time.Second))
			resp, body := k2.get("/")
			if resp.StatusCode != 200 || body != "real" {
				t.Fatalf("next client got status %d body %q, want the server's real answer", resp.StatusCode, body)
			}
			if a := o.accepts.Load(); a != 2 {
				t.Errorf("%d server connections, want 2", a)
			}
		})
	}
}

// TestRegressSlowUpload: a request body that takes longer than timeout
// server to arrive, the server reading it all before it answers: the
// timeout counts from the last data sent to the server, so the client gets
// the answer. Before the fix the exchange was cut with no response.
func TestRegressSlowUpload(t *testing.T) {
	t.Parallel()
	o := itRawOrigin(t, func(c net.Conn) {
		// What the origin saw is logged: shown if the test fails.
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			t.Logf("origin %v: reading the request head: %v", c.RemoteAddr(), err)
			return
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			t.Logf("origin %v: %s %s: reading the body after %q: %v", c.RemoteAddr(), req.Method, req.Header.Get("transfer-encoding"), b, err)
			return
		}
		t.Logf("origin %v: %s got %q", c.RemoteAddr(), req.Header.Get("transfer-encoding"), b)
		io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: "+strconv.Itoa(len(b)+4)+"\r\n\r\ngot "+string(b))
	})
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    timeout server 500ms
    server s {O}
`, "FE", fe, "O", o.addr))
	const body = "0123456789"
	for _, c := range []struct {
		name, head string
		part       func(b string) string
	}{
		{"content-length", "content-length: 10", func(b string) string { return b }},
		{"chunked", "transfer-encoding: chunked", func(b string) string { return "1\r\n" + b + "\r\n" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := itDial(t, fe)
			k.send("POST /up HTTP/1.1\r\nhost: a\r\n" + c.head + "\r\n\r\n")
			start := time.Now()
			for i := range len(body) {
				time.Sleep(150 * time.Millisecond) // the test is about a slow client
				if _, err := io.WriteString(k.c, c.part(body[i:i+1])); err != nil {
					t.Fatalf("the proxy closed the connection %v into the upload, after %d of 10 parts: %v", time.Since(start).Round(time.Millisecond), i, err)
				}
			}
			if c.name == "chunked" {
				k.send("0\r\n\r\n")
			}
			resp, err := http.ReadResponse(k.br, &http.Request{Method: "POST"})
			if err != nil {
				t.Fatalf("no response to a 1.5s upload under timeout server 500ms: %v", err)
			}
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(got) != "got "+body {
				t.Fatalf("status %d body %q, want 200 %q", resp.StatusCode, got, "got "+body)
			}
		})
	}
}

// TestRegressIdleServerClosed: server connections the server closed while
// they were idle in the pool are not used; the next request succeeds on a
// new connection and reaches the server once. Before the fix a request
// met one dead pooled connection, retried, met the next dead one, and got
// a 502.
func TestRegressIdleServerClosed(t *testing.T) {
	t.Parallel()
	abort := rgAbort(t)
	var log rgLog
	var n atomic.Int32
	arrived, closed := make(chan struct{}, 2), make(chan struct{}, 2)
	both, release := make(chan struct{}), make(chan struct{})
	o := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if n.Add(1) <= 2 {
			// The first two connections each answer one request, held
			// until both requests are in, so that both connections end up
			// idle in the pool; then they close.
			head, err := itReadHead(br)
			if err != nil {
				return
			}
			log.add(strings.SplitN(head, "\r\n", 2)[0])
			arrived <- struct{}{}
			select {
			case <-both:
			case <-abort:
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst")
			select {
			case <-release:
			case <-abort:
				return
			}
			c.Close()
			closed <- struct{}{}
			return
		}
		for {
			head, err := itReadHead(br)
			if err != nil {
				return
			}
			log.add(strings.SplitN(head, "\r\n", 2)[0])
			io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh")
		}
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    http-reuse always
    server s {O}
`, "FE", fe, "O", o.addr))
	k1, k2 := itDial(t, fe), itDial(t, fe)
	k1.send("GET /a HTTP/1.1\r\nhost: a\r\n\r\n")
	k2.send("GET /b HTTP/1.1\r\nhost: a\r\n\r\n")
	rgWait(t, arrived, "the first request at the origin")
	rgWait(t, arrived, "the second request at the origin")
	close(both)
	for _, k := range []*itClient{k1, k2} {
		if _, body := k.response("GET"); body != "first" {
			t.Fatalf("warm-up: %q", body)
		}
	}
	rgSettled(t, rt, "app")
	close(release)
	rgWait(t, closed, "the origin to close its first idle connection")
	rgWait(t, closed, "the origin to close its second idle connection")

	resp, body := k1.get("/again")
	if resp.StatusCode != 200 || body != "fresh" {
		t.Fatalf("request after the server closed its idle connections: status %d body %q", resp.StatusCode, body)
	}
	copies := 0
	for _, l := range log.all() {
		if strings.HasPrefix(l, "GET /again ") {
			copies++
		}
	}
	if copies != 1 {
		t.Fatalf("the origin saw %d copies of the request (log %q), want 1", copies, log.all())
	}
}

// TestRegressBadChunkWhileStreaming: a malformed chunk that arrives after
// the request body started streaming to the server is the client's error,
// 400 as in haproxy, even though the exchange sees the server connection
// close first (the body transfer closes it when it fails). A review found
// it answered 502.
func TestRegressBadChunkWhileStreaming(t *testing.T) {
	t.Parallel()
	heads := make(chan struct{}, 1)
	o := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := itReadHead(br); err != nil {
			return
		}
		heads <- struct{}{}
		io.Copy(io.Discard, br)
	})
	fe := rgProxyTo(t, o.addr)
	for i := range 20 {
		k := itDial(t, fe)
		k.send("POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n")
		select {
		case <-heads: // the body now streams
		case <-time.After(itTimeout):
			t.Fatal("the origin got no request head")
		}
		k.send("zz\r\nhello\r\n")
		if resp, _ := k.response("POST"); resp.StatusCode != 400 {
			t.Fatalf("attempt %d: status %d, want 400", i, resp.StatusCode)
		}
		k.c.Close()
	}
}

// TestRegressResponseCheckWhileStreaming: checking the chunks that came
// with a response head must not touch the buffer the request body is
// streaming through (it did: the race detector saw it, and bytes of the
// body were lost).
func TestRegressResponseCheckWhileStreaming(t *testing.T) {
	t.Parallel()
	const size = 64000
	want := bytes.Repeat([]byte("abcdefghij"), size/10)
	got := make(chan []byte, 1)
	o := itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, err := itReadHead(br); err != nil {
			return
		}
		// An early answer, chunked, with body bytes in the same write.
		io.WriteString(c, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
		b := make([]byte, size)
		n, _ := io.ReadFull(br, b)
		got <- b[:n]
		io.WriteString(c, "0\r\n\r\n")
	})
	fe := rgProxyTo(t, o.addr)
	k := itDial(t, fe)
	k.send("POST / HTTP/1.1\r\nhost: t\r\ncontent-length: " + strconv.Itoa(size) + "\r\n\r\n" + string(want[:4000]))
	// The answer's head comes once its chunks were checked; the rest of
	// the body follows through the same transfer.
	if l, err := k.br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "HTTP/1.1 200") {
		t.Fatalf("response line %q, %v", l, err)
	}
	k.send(string(want[4000:]))
	b := <-got
	if !bytes.Equal(b, want) {
		i := 0
		for i < len(b) && i < len(want) && b[i] == want[i] {
			i++
		}
		t.Fatalf("the origin got %d bytes of %d, first difference at %d", len(b), len(want), i)
	}
}

// TestRegressResponseRuleWhileUploading: a response rule that answers
// while the request body is still streaming ends the exchange at once and
// the client gets the rule's reply, whether the server stopped reading and
// holds the connection (the exchange used to wait for timeout server, and
// the reply was rendered into the buffer the body transfer was using) or
// answered and reset it (the transfer's failed write used to close the
// server connection before its answer was read, and the client got
// nothing).
func TestRegressResponseRuleWhileUploading(t *testing.T) {
	t.Parallel()
	for _, reset := range []bool{false, true} {
		t.Run(map[bool]string{false: "server-holds", true: "server-resets"}[reset], func(t *testing.T) {
			t.Parallel()
			hold := make(chan struct{})
			o := itRawOrigin(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				if _, err := itReadHead(br); err != nil {
					return
				}
				// Answer early and never read the body.
				io.WriteString(c, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
				if !reset {
					<-hold
				}
			})
			// Registered after the origin, so run before its cleanup,
			// which waits for the handlers.
			t.Cleanup(func() { close(hold) })
			fe := itAddr(t)
			itStart(t, itConfig(t, `defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend f
    bind {FE}
    default_backend b
backend b
    http-response return status 200 content-type text/plain lf-string "%[status]x" if { status 404 }
    server s {S}
`, "FE", fe, "S", o.addr))
			for i := range 5 {
				k := itDial(t, fe)
				const size = 64 << 20
				k.send("POST / HTTP/1.1\r\nhost: t\r\ncontent-length: " + strconv.Itoa(size) + "\r\n\r\n")
				go func() {
					// Push the body until the proxy stops taking it.
					chunk := bytes.Repeat([]byte("x"), 64<<10)
					for sent := 0; sent < size; sent += len(chunk) {
						if _, err := k.c.Write(chunk); err != nil {
							return
						}
					}
				}()
				resp, body := k.response("POST")
				if resp.StatusCode != 200 || body != "x" {
					t.Fatalf("attempt %d: status %d, body %q; want the rule's 200 with an empty %%[status] and x", i, resp.StatusCode, body)
				}
				if got, d := k.closed(5 * time.Second); got != "" {
					t.Fatalf("attempt %d: after the reply, %q came in %v", i, got, d)
				}
				k.c.Close()
			}
		})
	}
}

// rgProxyTo starts a proxy with one frontend in front of origin and
// returns the frontend's address.
func rgProxyTo(t *testing.T, origin string) string {
	t.Helper()
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend f
    bind {FE}
    default_backend b
backend b
    server s {S}
`, "FE", fe, "S", origin))
	return fe
}
