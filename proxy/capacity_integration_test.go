package proxy

// Integration tests of server capacity and retries: maxconn and the queues
// (timeout queue, maxqueue), retries on connection failure, option
// redispatch, retry-on, in HTTP and TCP mode, and what the logs say of them
// (%rc, %ts, %Tw, %sq, %bq). Expected behaviour is haproxy 2.6's manual and,
// where noted, what /usr/sbin/haproxy (2.6.12) does on the same
// configuration and requests.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// capHeld is an origin that holds every request until the test lets it go,
// and records how many it held at once.
type capHeld struct {
	*itOrigin
	arrived chan string   // the path of each request, as it arrives
	release chan struct{} // one token lets one held request go
	free    chan struct{} // closed: every request goes
	once    sync.Once
	active  atomic.Int64
	peak    atomic.Int64
}

func capHeldOrigin(t *testing.T) *capHeld {
	t.Helper()
	abort := make(chan struct{})
	h := &capHeld{arrived: make(chan string, 16), release: make(chan struct{}), free: make(chan struct{})}
	h.itOrigin = itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := h.active.Add(1)
		for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
		}
		select {
		case h.arrived <- r.URL.Path:
		case <-abort:
		}
		select {
		case <-h.release:
		case <-h.free:
		case <-abort:
		}
		h.active.Add(-1) // before the response can reach the proxy
		io.WriteString(w, r.URL.Path)
	})
	// Registered after the origin: runs before its cleanup, so that held
	// handlers give up.
	t.Cleanup(func() { close(abort) })
	return h
}

// waitArrival waits for the next request at the origin and checks its path.
func (h *capHeld) waitArrival(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-h.arrived:
		if got != want {
			t.Fatalf("the origin received %s, want %s", got, want)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("timed out waiting for %s at the origin", want)
	}
}

// next lets one held request go.
func (h *capHeld) next(t *testing.T) {
	t.Helper()
	select {
	case h.release <- struct{}{}:
	case <-time.After(3 * time.Second):
		t.Fatal("no request held at the origin to release")
	}
}

// all lets every request, held or to come, go.
func (h *capHeld) all() { h.once.Do(func() { close(h.free) }) }

// capEcho is an origin answering "<name> <method> <body>", counting its
// requests.
type capEcho struct {
	*itOrigin
	hits atomic.Int64
}

func capEchoOrigin(t *testing.T, name string) *capEcho {
	e := &capEcho{}
	e.itOrigin = itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", name, r.Method, b)
	})
	return e
}

// capHeads is an origin that reads one request head per connection, notes
// its request line, then does what act says (closes, or waits for the
// proxy to close).
type capHeads struct {
	*itRaw
	log rgLog
}

func capHeadsOrigin(t *testing.T, act func(c net.Conn, br *bufio.Reader)) *capHeads {
	h := &capHeads{}
	h.itRaw = itRawOrigin(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := itReadHead(br)
		if err != nil {
			return
		}
		h.log.add(strings.SplitN(head, "\r\n", 2)[0])
		act(c, br)
	})
	return h
}

// capClose closes the connection right after the request head.
func capClose(net.Conn, *bufio.Reader) {}

// capHang never answers: it reads until the proxy closes.
func capHang(_ net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) }

// capDeadAddr returns a 127.0.0.1 address nothing listens on.
func capDeadAddr(t *testing.T) string { return itAddr(t) }

// ---- maxconn and queues ----

// TestCapacityQueueOrder: with `maxconn 1`, one request at a time reaches the
// server; the others wait in the backend's queue, which the runtime state
// shows, and are served in their order of arrival as the slot frees.
func TestCapacityQueueOrder(t *testing.T) {
	t.Parallel()
	o := capHeldOrigin(t)
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    timeout queue 5s
    server s {O} maxconn 1
`, "FE", fe, "O", o.addr))
	be := rt.Snapshot().backends["app"].state
	ks := make([]*itClient, 3)
	for i := range ks {
		ks[i] = itDial(t, fe)
		ks[i].send("GET /" + strconv.Itoa(i+1) + " HTTP/1.1\r\nhost: a\r\n\r\n")
		if i == 0 {
			o.waitArrival(t, "/1")
			continue
		}
		// Queued one after the other, so that the order of arrival is known.
		itPoll(t, 3*time.Second, strconv.Itoa(i)+" request(s) in the queue", func() bool { return be.QueueLen() == i })
	}
	if n := be.QueueLen(); n != 2 {
		t.Fatalf("backend queue length %d while two requests wait, want 2", n)
	}
	if n := len(o.arrived); n != 0 {
		t.Fatalf("%d more requests reached the origin while its only slot was taken", n)
	}
	for i, k := range ks {
		path := "/" + strconv.Itoa(i+1)
		if i > 0 {
			o.waitArrival(t, path)
		}
		if n := be.QueueLen(); n != 2-i {
			t.Fatalf("queue length %d with %s at the origin, want %d", n, path, 2-i)
		}
		o.next(t)
		resp, body := k.response("GET")
		if resp.StatusCode != 200 || body != path {
			t.Fatalf("client %d: status %d body %q, want 200 %q", i+1, resp.StatusCode, body, path)
		}
	}
	if p := o.peak.Load(); p != 1 {
		t.Fatalf("the origin had %d requests at once under maxconn 1", p)
	}
}

// TestCapacityQueueTimeout: a request that waits `timeout queue` for a slot
// gets haproxy's 503; the request holding the slot is not disturbed.
func TestCapacityQueueTimeout(t *testing.T) {
	t.Parallel()
	o := capHeldOrigin(t)
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    timeout queue 200ms
    server s {O} maxconn 1
`, "FE", fe, "O", o.addr))
	be := rt.Snapshot().backends["app"].state
	k1 := itDial(t, fe)
	k1.send("GET /held HTTP/1.1\r\nhost: a\r\n\r\n")
	o.waitArrival(t, "/held")

	k2 := itDial(t, fe)
	start := time.Now()
	k2.send("GET /late HTTP/1.1\r\nhost: a\r\n\r\n")
	k2.exact(it503)
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Fatalf("503 after %v, want it after timeout queue (200ms)", d)
	}
	if n := be.QueueLen(); n != 0 {
		t.Fatalf("queue length %d after the timeout, want 0", n)
	}
	if n := len(o.arrived); n != 0 {
		t.Fatalf("the request that timed out in the queue reached the origin")
	}
	o.next(t)
	if resp, body := k1.response("GET"); resp.StatusCode != 200 || body != "/held" {
		t.Fatalf("held request: status %d body %q", resp.StatusCode, body)
	}
}

// TestCapacityMaxQueue: a hashing algorithm binds a request to its server,
// so it waits in that server's queue; `maxqueue 1` then refuses a third
// request at once with a 503 (haproxy 2.6.12 does the same).
func TestCapacityMaxQueue(t *testing.T) {
	t.Parallel()
	o := capHeldOrigin(t)
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance uri
    timeout queue 5s
    server s {O} maxconn 1 maxqueue 1
`, "FE", fe, "O", o.addr))
	snap := rt.Snapshot().backends["app"]
	be, srv := snap.state, snap.servers[0]
	k1, k2 := itDial(t, fe), itDial(t, fe)
	k1.send("GET /x HTTP/1.1\r\nhost: a\r\n\r\n")
	o.waitArrival(t, "/x")
	k2.send("GET /x HTTP/1.1\r\nhost: a\r\n\r\n")
	itPoll(t, 3*time.Second, "the second request in the server's queue", func() bool { return srv.QueueLen() == 1 })
	if n := be.QueueLen(); n != 0 {
		t.Fatalf("backend queue length %d, want 0: a hashed request waits for its server", n)
	}

	k3 := itDial(t, fe)
	start := time.Now()
	k3.send("GET /x HTTP/1.1\r\nhost: a\r\n\r\n")
	k3.exact(it503)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the request over maxqueue got its 503 after %v, want it at once (timeout queue is 5s)", d)
	}

	for i, k := range []*itClient{k1, k2} {
		if i > 0 {
			o.waitArrival(t, "/x")
		}
		o.next(t)
		if resp, body := k.response("GET"); resp.StatusCode != 200 || body != "/x" {
			t.Fatalf("client %d: status %d body %q", i+1, resp.StatusCode, body)
		}
	}
	if p := o.peak.Load(); p != 1 {
		t.Fatalf("the origin had %d requests at once under maxconn 1", p)
	}
}

// ---- retries on connection failure ----

// TestCapacityConnRetries: a server that refuses connections is retried
// `retries` times, with a pause of min(1s, timeout connect) before each
// retry on the same server, then the client gets a 503. With option
// redispatch and roundrobin, the retry goes at once to another server.
func TestCapacityConnRetries(t *testing.T) {
	t.Parallel()
	good := capEchoOrigin(t, "good")
	dead := capDeadAddr(t)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend rd if { path_beg /rd }
    default_backend dead
backend dead
    retries 2
    timeout connect 100ms
    server s {DEAD}
backend rd
    balance roundrobin
    option redispatch
    retries 2
    timeout connect 1s
    server dead {DEAD}
    server good {GOOD}
`, "FE", fe, "DEAD", dead, "GOOD", good.addr))

	t.Run("exhausted", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		start := time.Now()
		k.send("GET / HTTP/1.1\r\nhost: a\r\n\r\n")
		k.exact(it503)
		// haproxy 2.6.12 answers after 204ms here.
		if d := time.Since(start); d < 180*time.Millisecond || d > 2*time.Second {
			t.Fatalf("503 after %v, want it after two pauses of 100ms", d)
		}
	})
	t.Run("redispatch", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		for i := range 4 {
			start := time.Now()
			resp, body := k.get("/rd" + strconv.Itoa(i))
			if resp.StatusCode != 200 || body != "good GET " {
				t.Fatalf("request %d: status %d body %q", i, resp.StatusCode, body)
			}
			// A retry on the same server would wait 1s first.
			if d := time.Since(start); d > 700*time.Millisecond {
				t.Fatalf("request %d took %v: the redispatch waited", i, d)
			}
		}
	})
}

// TestCapacityRedispatchAvoidsFailedServer: "When a retry occurs, HAProxy
// tries to select another server than the last one" (option redispatch).
// With `balance first` the algorithm's choice is the failed server again;
// haproxy 2.6.12 answers 200 from the second server at once, logging %rc
// "+1", for a connection failure as for a retry-on.
func TestCapacityRedispatchAvoidsFailedServer(t *testing.T) {
	t.Parallel()
	good := capEchoOrigin(t, "good")
	closer := capHeadsOrigin(t, capClose)
	dead := capDeadAddr(t)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend l7 if { path_beg /l7 }
    default_backend conn
backend conn
    balance first
    option redispatch
    retries 2
    timeout connect 100ms
    server dead {DEAD}
    server good {GOOD}
backend l7
    balance first
    retry-on empty-response
    option redispatch 1
    server bad {CLOSER}
    server good {GOOD}
`, "FE", fe, "DEAD", dead, "GOOD", good.addr, "CLOSER", closer.addr))
	for _, path := range []string{"/conn", "/l7"} {
		k := itDial(t, fe)
		resp, body := k.get(path)
		if resp.StatusCode != 200 || body != "good GET " {
			t.Errorf("%s: status %d body %q, want 200 from the other server", path, resp.StatusCode, body)
		}
	}
}

// ---- retry-on ----

// TestCapacityRetryOnStatus: `retry-on 503` with `option redispatch 1`
// sends the request again, to the other server, when one answers 503: the
// client never sees the 503.
func TestCapacityRetryOnStatus(t *testing.T) {
	t.Parallel()
	var bad atomic.Int64
	o503 := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		bad.Add(1)
		w.WriteHeader(503)
		io.WriteString(w, "busy")
	})
	good := capEchoOrigin(t, "good")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    retry-on 503
    option redispatch 1
    server bad {BAD}
    server good {GOOD}
`, "FE", fe, "BAD", o503.addr, "GOOD", good.addr))
	k := itDial(t, fe)
	for i := range 4 {
		if resp, body := k.get("/" + strconv.Itoa(i)); resp.StatusCode != 200 || body != "good GET " {
			t.Fatalf("request %d: status %d body %q", i, resp.StatusCode, body)
		}
	}
	if bad.Load() == 0 {
		t.Fatal("no request went to the server answering 503: nothing was retried")
	}
	if n := good.hits.Load(); n != 4 {
		t.Fatalf("the good server got %d requests, want 4", n)
	}
}

// TestCapacityRetryOnEmptyResponse: `retry-on empty-response` sends a
// request whose server closed without a word to another server, GET or POST
// with a body that arrived whole; without it the client gets the 502; a
// request whose body was still streaming is never sent again. (haproxy
// 2.6.12 does all of this.)
func TestCapacityRetryOnEmptyResponse(t *testing.T) {
	t.Parallel()
	good := capEchoOrigin(t, "good")
	closer := capHeadsOrigin(t, capClose)
	lone := capHeadsOrigin(t, capClose)
	streamBad := capHeadsOrigin(t, capClose)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend noretry if { path_beg /noretry }
    use_backend stream if { path_beg /stream }
    default_backend empty
backend empty
    balance roundrobin
    retry-on empty-response
    option redispatch 1
    server bad {CLOSER}
    server good {GOOD}
backend noretry
    server bad {LONE}
backend stream
    balance first
    retry-on empty-response
    option redispatch 1
    server bad {SBAD}
    server good {GOOD}
`, "FE", fe, "CLOSER", closer.addr, "GOOD", good.addr, "LONE", lone.addr, "SBAD", streamBad.addr))

	count := func(h *capHeads, prefix string) int {
		n := 0
		for _, l := range h.log.all() {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}

	// Not parallel: the two share the roundrobin of backend empty.
	t.Run("get", func(t *testing.T) {
		k := itDial(t, fe)
		for i := range 4 {
			if resp, body := k.get("/get" + strconv.Itoa(i)); resp.StatusCode != 200 || body != "good GET " {
				t.Fatalf("request %d: status %d body %q", i, resp.StatusCode, body)
			}
		}
		if count(closer, "GET /get") == 0 {
			t.Fatal("no GET went to the closing server: nothing was retried")
		}
	})
	// Not parallel: the two share the roundrobin of backend empty.
	t.Run("post-whole", func(t *testing.T) {
		k := itDial(t, fe)
		for i := range 4 {
			k.send("POST /post" + strconv.Itoa(i) + " HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhello")
			if resp, body := k.response("POST"); resp.StatusCode != 200 || body != "good POST hello" {
				t.Fatalf("POST %d: status %d body %q", i, resp.StatusCode, body)
			}
		}
		if count(closer, "POST /post") == 0 {
			t.Fatal("no POST went to the closing server: nothing was retried")
		}
	})
	t.Run("no-retry-on", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		k.send("GET /noretry HTTP/1.1\r\nhost: a\r\n\r\n")
		k.exact(it502)
	})
	t.Run("streaming-body", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, fe)
		// Half of the body: the rest would come after the server answers.
		k.send("POST /stream HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\nhello")
		resp, _ := k.response("POST")
		if resp.StatusCode != 502 {
			t.Fatalf("status %d, want 502: a request whose body streams cannot be sent again", resp.StatusCode)
		}
		if n := count(streamBad, "POST /stream"); n != 1 {
			t.Fatalf("the closing server got the request %d times, want once", n)
		}
	})
}

// TestCapacityRetryOnResponseTimeout: `retry-on response-timeout` sends a
// request whose server did not answer within timeout server to the other
// server.
func TestCapacityRetryOnResponseTimeout(t *testing.T) {
	t.Parallel()
	good := capEchoOrigin(t, "good")
	hang := capHeadsOrigin(t, capHang)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    timeout server 200ms
    retry-on response-timeout
    option redispatch 1
    server bad {HANG}
    server good {GOOD}
`, "FE", fe, "HANG", hang.addr, "GOOD", good.addr))
	k := itDial(t, fe)
	for i := range 3 {
		start := time.Now()
		resp, body := k.get("/" + strconv.Itoa(i))
		if resp.StatusCode != 200 || body != "good GET " {
			t.Fatalf("request %d: status %d body %q", i, resp.StatusCode, body)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("request %d took %v", i, d)
		}
	}
	if len(hang.log.all()) == 0 {
		t.Fatal("no request went to the silent server: nothing was retried")
	}
}

// ---- mode tcp ----

// TestCapacityTCPRetries: in mode tcp a connection refused is retried the
// same way: redispatched to the working server with option redispatch, or
// retried on the same server, then the client connection closed.
func TestCapacityTCPRetries(t *testing.T) {
	t.Parallel()
	echo := itRawOrigin(t, func(c net.Conn) { io.Copy(c, c) })
	dead := capDeadAddr(t)
	fe, fe2 := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend rd
    bind {FE}
    default_backend rd
frontend dead
    bind {FE2}
    default_backend dead
backend rd
    balance roundrobin
    option redispatch
    server dead {DEAD}
    server echo {E}
backend dead
    retries 2
    timeout connect 100ms
    server s {DEAD}
`, "FE", fe, "FE2", fe2, "DEAD", dead, "E", echo.addr))

	for i := range 3 {
		k := itDial(t, fe)
		msg := "hello " + strconv.Itoa(i)
		k.send(msg)
		k.exact(msg)
		k.c.Close()
	}
	if n := echo.accepts.Load(); n != 3 {
		t.Fatalf("the echo server got %d connections, want 3", n)
	}

	k := itDial(t, fe2)
	start := time.Now()
	k.send("x")
	if got, _ := k.closed(3 * time.Second); got != "" {
		t.Fatalf("got %q from a backend whose server is down", got)
	}
	// haproxy 2.6.12 closes after 202ms here.
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Fatalf("closed after %v, want two pauses of 100ms first", d)
	}
}

// ---- logs ----

// capSink collects the datagrams of a `log 127.0.0.1:port format raw` line.
type capSink struct {
	c     *net.UDPConn
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func capLogSink(t *testing.T) *capSink {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &capSink{c: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.lines = append(s.lines, strings.TrimRight(string(buf[:n]), "\n"))
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-s.done
	})
	return s
}

func (s *capSink) addr() string { return s.c.LocalAddr().String() }

// line waits for the line that ends with the quoted request line of a
// request for path, and returns its fields before that.
func (s *capSink) line(t *testing.T, method, path string) []string {
	t.Helper()
	suffix := ` "` + method + ` ` + path + ` HTTP/1.1"`
	var found string
	itPoll(t, 3*time.Second, "the log line of "+path, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, l := range s.lines {
			if strings.HasSuffix(l, suffix) {
				found = l
				return true
			}
		}
		return false
	})
	return strings.Fields(strings.TrimSuffix(found, suffix))
}

// capLogFormat is the log format of the log tests; line() returns its fields
// before %r.
const capLogFormat = `log-format "%b %s %ts %rc %Tw %sq %bq %{+Q}r"`

const (
	capB = iota
	capS
	capTS
	capRC
	capTw
	capSQ
	capBQ
)

// capLogFrontends returns frontend sections named after names, each bound
// to a new address and logging to sink, all using backend be.
func capLogFrontends(t *testing.T, sink *capSink, be string, names ...string) (string, map[string]string) {
	t.Helper()
	var sb strings.Builder
	addrs := map[string]string{}
	for _, n := range names {
		addrs[n] = itAddr(t)
		fmt.Fprintf(&sb, "frontend %s\n    bind %s\n    log \"%s\" format raw local0\n    %s\n    default_backend %s\n",
			n, addrs[n], sink.addr(), capLogFormat, be)
	}
	return sb.String(), addrs
}

// TestCapacityLogs: %rc counts the retries, with a '+' when the request was
// redispatched; a request that timed out in the queue ends in "sQ", with no
// server and the time it waited (%Tw). Expected lines are haproxy 2.6.12's.
func TestCapacityLogs(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	good := capEchoOrigin(t, "good")
	held := capHeldOrigin(t)
	dead := capDeadAddr(t)
	rd, rdFE := capLogFrontends(t, sink, "rd", "rd")
	dd, deadFE := capLogFrontends(t, sink, "dead", "dead")
	q, qFE := capLogFrontends(t, sink, "q", "qheld", "qlate")
	itStart(t, itConfig(t, itDefaults+rd+dd+q+`
backend rd
    balance roundrobin
    option redispatch
    server dead {DEAD}
    server good {GOOD}
backend dead
    retries 2
    timeout connect 100ms
    server dead {DEAD}
backend q
    timeout queue 200ms
    server s {HELD} maxconn 1
`, "DEAD", dead, "GOOD", good.addr, "HELD", held.addr))

	t.Run("redispatch", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, rdFE["rd"])
		plus := 0
		for i := range 2 {
			path := "/rd" + strconv.Itoa(i)
			if resp, _ := k.get(path); resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", path, resp.StatusCode)
			}
			f := sink.line(t, "GET", path)
			if f[capB] != "rd" || f[capS] != "good" || f[capTS] != "--" || f[capRC] != "0" && f[capRC] != "+1" {
				t.Fatalf("%s logged %q, want \"rd good -- +1\" or \"rd good -- 0\"", path, f)
			}
			if f[capRC] == "+1" {
				plus++
			}
		}
		// Roundrobin sends at least one of two requests to the dead
		// server first (haproxy: both).
		if plus == 0 {
			t.Fatal("no request logged a retry count of +1")
		}
	})
	t.Run("retries-exhausted", func(t *testing.T) {
		t.Parallel()
		k := itDial(t, deadFE["dead"])
		k.send("GET /dead HTTP/1.1\r\nhost: a\r\n\r\n")
		k.exact(it503)
		// haproxy: "dead dead SC 2 0 0 0".
		if f := sink.line(t, "GET", "/dead"); strings.Join(f[:capTw], " ") != "dead dead SC 2" {
			t.Fatalf("logged %q, want \"dead dead SC 2 ...\"", f)
		}
	})
	t.Run("queue-timeout", func(t *testing.T) {
		t.Parallel()
		k1 := itDial(t, qFE["qheld"])
		k1.send("GET /q/held HTTP/1.1\r\nhost: a\r\n\r\n")
		held.waitArrival(t, "/q/held")
		k2 := itDial(t, qFE["qlate"])
		k2.send("GET /q/late HTTP/1.1\r\nhost: a\r\n\r\n")
		k2.exact(it503)
		// haproxy: "q <NOSRV> sQ 0 201 0 1".
		f := sink.line(t, "GET", "/q/late")
		if strings.Join(f[:capTw], " ") != "q <NOSRV> sQ 0" {
			t.Fatalf("logged %q, want \"q <NOSRV> sQ 0 ...\"", f)
		}
		if tw, err := strconv.Atoi(f[capTw]); err != nil || tw < 190 || tw > 2000 {
			t.Fatalf("%%Tw is %s, want about 200 (timeout queue)", f[capTw])
		}
		held.all()
		if resp, _ := k1.response("GET"); resp.StatusCode != 200 {
			t.Fatalf("held request: status %d", resp.StatusCode)
		}
		if f := sink.line(t, "GET", "/q/held"); strings.Join(f[:capTw], " ") != "q s -- 0" {
			t.Fatalf("held request logged %q", f)
		}
	})
}

// TestCapacityLogsMaxQueue: a request refused because its server's queue
// is full ends, in haproxy, in "SQ" (the server side refused it, while in
// the queue), and names the server it was bound to; %Tw is -1 (it never
// waited). Checked with haproxy 2.6.12: "mq s SQ 0 -1 0 0".
func TestCapacityLogsMaxQueue(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	held := capHeldOrigin(t)
	fe := itAddr(t)
	lf, lfe := capLogFrontends(t, sink, "mq", "logged")
	rt := itStart(t, itConfig(t, itDefaults+lf+`
frontend web
    bind {FE}
    default_backend mq
backend mq
    balance uri
    timeout queue 5s
    server s {HELD} maxconn 1 maxqueue 1
`, "FE", fe, "HELD", held.addr))
	k1, k2, k3 := itDial(t, fe), itDial(t, fe), itDial(t, lfe["logged"])
	k1.send("GET /mq HTTP/1.1\r\nhost: a\r\n\r\n")
	held.waitArrival(t, "/mq")
	k2.send("GET /mq HTTP/1.1\r\nhost: a\r\n\r\n")
	srv := rt.Snapshot().backends["mq"].servers[0]
	itPoll(t, 3*time.Second, "the second request in the server's queue", func() bool { return srv.QueueLen() == 1 })
	k3.send("GET /mq HTTP/1.1\r\nhost: a\r\n\r\n")
	k3.exact(it503)
	f := sink.line(t, "GET", "/mq")
	held.all()
	if got := strings.Join(f[:capSQ], " "); got != "mq s SQ 0 -1" {
		t.Fatalf("logged %q, want \"mq s SQ 0 -1 ...\"", f)
	}
}

// TestCapacityLogsQueuePositions: %bq and %sq, as haproxy 2.6.12 logs them
// for requests that went through a queue: one more than the requests served
// from that queue while this one waited (queue.c: queue_idx is the
// queue's index minus one when the request is queued). Three requests on a
// server with maxconn 1: "0 0", "0 1", "0 2"; a request that waited in its
// server's queue (balance uri) behind none: "1 0". haproxy 2.6.12 logged
// exactly these.
func TestCapacityLogsQueuePositions(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	held := capHeldOrigin(t)
	lf, fes := capLogFrontends(t, sink, "app", "c1", "c2", "c3")
	hf, hfes := capLogFrontends(t, sink, "mq", "h1", "h2")
	rt := itStart(t, itConfig(t, itDefaults+lf+hf+`
backend app
    timeout queue 5s
    server s {HELD} maxconn 1
backend mq
    balance uri
    timeout queue 5s
    server s {HELD} maxconn 1
`, "HELD", held.addr))
	app := rt.Snapshot().backends["app"].state
	var ks []*itClient
	for i, n := range []string{"c1", "c2", "c3"} {
		k := itDial(t, fes[n])
		k.send("GET /" + n + " HTTP/1.1\r\nhost: a\r\n\r\n")
		ks = append(ks, k)
		if i == 0 {
			held.waitArrival(t, "/c1")
		} else {
			itPoll(t, 3*time.Second, "queued requests", func() bool { return app.QueueLen() == i })
		}
	}
	for i, k := range ks {
		if i > 0 {
			held.waitArrival(t, "/c"+strconv.Itoa(i+1))
		}
		held.next(t)
		k.response("GET")
	}
	mq := rt.Snapshot().backends["mq"].servers[0]
	h1, h2 := itDial(t, hfes["h1"]), itDial(t, hfes["h2"])
	h1.send("GET /h1 HTTP/1.1\r\nhost: a\r\n\r\n")
	held.waitArrival(t, "/h1")
	h2.send("GET /h2 HTTP/1.1\r\nhost: a\r\n\r\n")
	itPoll(t, 3*time.Second, "a request in the server's queue", func() bool { return mq.QueueLen() == 1 })
	held.all()
	h1.response("GET")
	h2.response("GET")

	var got, want []string
	for _, c := range []struct{ path, sqbq string }{
		{"/c1", "0 0"}, {"/c2", "0 1"}, {"/c3", "0 2"}, {"/h1", "0 0"}, {"/h2", "1 0"},
	} {
		f := sink.line(t, "GET", c.path)
		got = append(got, c.path+" "+f[capSQ]+" "+f[capBQ])
		want = append(want, c.path+" "+c.sqbq)
	}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("%%sq %%bq logged %q, want %q (haproxy 2.6.12)", got, want)
	}
}

// TestCapacityLogsConcurrentLines: lines of a frontend logged at the same
// time by different client connections, to one UDP target.
func TestCapacityLogsConcurrentLines(t *testing.T) {
	t.Parallel()
	sink := capLogSink(t)
	o := itNamed(t, "o")
	lf, fes := capLogFrontends(t, sink, "app", "web")
	itStart(t, itConfig(t, itDefaults+lf+`
backend app
    server s {O}
`, "O", o.addr))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", fes["web"], 2*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nhost: a\r\n\r\n", i)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		sink.line(t, "GET", "/"+strconv.Itoa(i))
	}
}
