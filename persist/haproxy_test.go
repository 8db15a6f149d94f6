package persist

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/http1"
	"switchyard/internal/haproxytest"
)

// The differential test runs haproxy 2.6 with a cookie line in front of
// small origins, sends it requests, and checks that this package, given the
// same request, rewrites the Cookie fields as the origin received them,
// produces the Set-Cookie and Cache-Control lines the client received, and
// logs the same %tsc cookie characters.

// diffOrigin is one server: a raw HTTP/1.1 origin that answers every request
// with diffReply, so that the test can compute the same response.
type diffOrigin struct {
	name string
	ln   net.Listener
}

func startDiffOrigin(t *testing.T, name string) *diffOrigin {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &diffOrigin{name: name, ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				br := bufio.NewReader(c)
				for {
					head, err := readHead(br)
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(diffReply(name, head))); err != nil {
						return
					}
				}
			}()
		}
	}()
	return o
}

// readHead reads a request head (the test's requests have no body).
func readHead(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		b.WriteString(l)
		if l == "\r\n" {
			return b.String(), nil
		}
	}
}

// headLines returns the fields of a head named like one of names, as
// "name: value" with the name in lower case and the value as sent.
func headLines(head string, names ...string) []string {
	var out []string
	lines := strings.Split(head, "\r\n")
	for _, l := range lines[1:] {
		n, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n = strings.ToLower(n)
		for _, want := range names {
			if n == want {
				out = append(out, n+": "+strings.TrimLeft(v, " \t"))
			}
		}
	}
	return out
}

// diffReply is the origin's answer to a request head: status from
// x-status, a Set-Cookie for each x-sc, the raw line of each x-rh, and the
// request's Cookie fields as received for a body.
func diffReply(name, head string) string {
	status := "200"
	var extra strings.Builder
	for _, l := range headLines(head, "x-status", "x-sc", "x-rh") {
		n, v, _ := strings.Cut(l, ": ")
		switch n {
		case "x-status":
			status = v
		case "x-sc":
			extra.WriteString("Set-Cookie: " + v + "\r\n")
		case "x-rh":
			extra.WriteString(v + "\r\n")
		}
	}
	body := strings.Join(headLines(head, "cookie"), "\n")
	return fmt.Sprintf("HTTP/1.1 %s X\r\nx-origin: %s\r\n%scontent-length: %d\r\n\r\n%s", status, name, extra.String(), len(body), body)
}

// logLines collects haproxy's log lines ("{id} tsc") by request id.
type logLines struct {
	mu    sync.Mutex
	buf   string
	byID  map[string]string
	added chan struct{}
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf += string(p)
	for {
		i := strings.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := l.buf[:i]
		l.buf = l.buf[i+1:]
		if id, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(id, "{") {
			l.byID[strings.Trim(id, "{}")] = rest
		}
	}
	select {
	case l.added <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *logLines) wait(id string, d time.Duration) (string, bool) {
	deadline := time.After(d)
	for {
		l.mu.Lock()
		s, ok := l.byID[id]
		l.mu.Unlock()
		if ok {
			return s, true
		}
		select {
		case <-l.added:
		case <-deadline:
			return "", false
		}
	}
}

// diffServers are the backend's servers: s3 is disabled (down), s4 has no
// cookie. Their cookies, in order, for Choose.
var diffCookies = []string{"s1", "s2", "s3", ""}

func diffUp(i int) bool { return i != 2 }

// diffCase is one request: its method, Cookie lines, what the server sets,
// other response fields and status.
type diffCase struct {
	name    string
	method  string
	cookies []string
	sc      []string // Set-Cookie values the server sends
	rh      []string // other response lines
	status  string
}

var dateRE = regexp.MustCompile(`\|[A-Za-z0-9+/]{5}`)

func TestHaproxyDifferential(t *testing.T) {
	haproxytest.Need(t)
	now := time.Now().Unix()
	date := func(secs int64) string { return string(appendDate(nil, uint32(secs>>2))) }
	// Far enough ahead that the clock ticking between haproxy's
	// processing and ours changes nothing (dates are 4 s apart).
	fresh := date(now + 600)
	cases := []diffCase{
		{name: "none"},
		{name: "valid", cookies: []string{"SRV=s1"}},
		{name: "valid-other", cookies: []string{"SRV=s2; other=1"}},
		{name: "middle", cookies: []string{"a=1; SRV=s1; b=2"}},
		{name: "last-spaced", cookies: []string{"a=1 ; SRV=s1"}},
		{name: "middle-tight", cookies: []string{"a=1;SRV=s1;b=2"}},
		{name: "middle-tabs", cookies: []string{"a=1\t;\tSRV=s2 ;\t b=2"}},
		{name: "two-ours-then-other", cookies: []string{"SRV=s1;SRV=s2; $P=1; x=1"}},
		{name: "dollar-first", cookies: []string{"$Version=1; a=2; SRV=s1; $Path=/; SRV=s2"}},
		{name: "invalid", cookies: []string{"SRV=bad; x=y"}},
		{name: "down", cookies: []string{"SRV=s3"}},
		{name: "two-fields", cookies: []string{"a=1", "SRV=s2"}},
		{name: "three-fields", cookies: []string{"SRV=s2", "a=1; SRV=s1", "SRV=x"}},
		{name: "twice", cookies: []string{"SRV=s1; SRV=s2"}},
		{name: "invalid-then-valid", cookies: []string{"SRV=zz; q=1; SRV=s2"}},
		{name: "spaces", cookies: []string{"x = 1;  SRV = s1 ;y=2"}},
		{name: "dollar", cookies: []string{"$Version=1; SRV=s1; $Path=/"}},
		{name: "dollar-kept", cookies: []string{"$Version=1; SRV=s1; $Path=/; k=v"}},
		{name: "quoted", cookies: []string{`SRV="s1"; q="a;b"`}},
		{name: "prefixed", cookies: []string{"SRV=s1~abc"}},
		{name: "prefixed-mid", cookies: []string{"k=v; SRV=s2~x~y; z=1"}},
		{name: "prefix-empty", cookies: []string{"SRV=~abc"}},
		{name: "empty", cookies: []string{"SRV="}},
		{name: "novalue", cookies: []string{"novalue; SRV=s1"}},
		{name: "novalue-after", cookies: []string{"SRV=s1; novalue"}},
		{name: "comma", cookies: []string{"SRV=s1, b=2"}},
		{name: "trailing-semicolon", cookies: []string{"SRV=s1;"}},
		{name: "case", cookies: []string{"srv=s1"}},
		{name: "server-sets", cookies: []string{"SRV=s1"}, sc: []string{"SRV=app123; Path=/app"}},
		{name: "server-sets-alone", sc: []string{"SRV=app; Path=/"}},
		{name: "server-sets-two", cookies: []string{"SRV=s2~old"}, sc: []string{"other=1", "SRV = xyz ; Secure", "SRV=again"}},
		{name: "server-other", sc: []string{"a = b; Path=/"}},
		{name: "server-odd", cookies: []string{"SRV=s2"}, sc: []string{"SRV", "SRV=", `SRV="a;b"; path=/`, "a=1; SRV=x", "  SRV  =  x y  ; path=/"}},
		{name: "set-cookie2", rh: []string{"Set-Cookie2: a=1, SRV=x; Version=1, b=2"}},
		{name: "set-cookie2-valid", cookies: []string{"SRV=s1"}, rh: []string{"Set-Cookie2: a=1, SRV=x; Version=1, b=2"}},
		{name: "set-cookie2-first", cookies: []string{"SRV=s1"}, rh: []string{"Set-Cookie2: SRV=x, SRV=y, b=2"}},
		{name: "set-cookie2-spaces-after", cookies: []string{"SRV=s1"}, rh: []string{"Set-Cookie2: a=1, SRV=x, c = 3"}},
		{name: "set-cookie2-after", sc: []string{"SRV=x"}, rh: []string{"Set-Cookie2: SRV=y"}},
		{name: "post", method: "POST"},
		{name: "post-valid", method: "POST", cookies: []string{"SRV=s1"}},
		{name: "post-public", method: "POST", rh: []string{"Cache-Control: public"}},
		{name: "post-public-fresh", method: "POST", rh: []string{"Cache-Control: public, max-age=60"}},
		{name: "post-fresh", method: "POST", rh: []string{"Cache-Control: max-age=60"}},
		{name: "fresh", rh: []string{"Cache-Control: max-age=60"}},
		{name: "s-maxage", rh: []string{"Cache-Control: S-MAXAGE=5"}},
		{name: "max-age-0", rh: []string{"Cache-Control: max-age=0"}},
		{name: "expires", rh: []string{"Expires: Thu, 01 Jan 2037 00:00:00 GMT"}},
		{name: "etag", rh: []string{`ETag: "x"`}},
		{name: "last-modified", rh: []string{"Last-Modified: Thu, 01 Jan 2020 00:00:00 GMT"}},
		{name: "no-cache", rh: []string{"Cache-Control: max-age=10, no-cache"}},
		{name: "no-cache-set-cookie", rh: []string{`Cache-Control: no-cache="set-cookie", max-age=10`}},
		{name: "public-after-private", rh: []string{"Cache-Control: private, max-age=5", "cache-control: PUBLIC"}},
		{name: "pragma", rh: []string{"Pragma: no-cache", "Cache-Control: max-age=5"}},
		{name: "pragma-other", rh: []string{"Pragma: x", "Cache-Control: max-age=5"}},
		{name: "status-302", status: "302", rh: []string{"Cache-Control: max-age=5"}},
		{name: "status-302-public", status: "302", rh: []string{"Cache-Control: max-age=5, public"}},
		{name: "status-404", status: "404", rh: []string{"Cache-Control: max-age=5"}},
		{name: "head", method: "HEAD", rh: []string{"Cache-Control: max-age=5"}},
		{name: "put", method: "PUT", rh: []string{"Cache-Control: max-age=5"}},
		{name: "dated", cookies: []string{"SRV=s1|" + fresh}},
		{name: "dated-both", cookies: []string{"SRV=s2|" + fresh + "|" + date(now-60)}},
		{name: "idle", cookies: []string{"SRV=s1|" + date(now-3600)}},
		{name: "old", cookies: []string{"SRV=s1|" + fresh + "|" + date(now-4*3600)}},
		{name: "future", cookies: []string{"SRV=s1|" + date(now+3*86400)}},
		{name: "bad-date", cookies: []string{"SRV=s1|ab=de"}},
		{name: "short-date", cookies: []string{"SRV=s1|abc"}},
		{name: "dated-invalid", cookies: []string{"SRV=nope|" + fresh}},
	}
	configs := []struct{ name, line string }{
		{"insert-indirect-nocache", `cookie SRV insert indirect nocache httponly secure domain .example.com domain .example.org attr "SameSite=Lax" attr Partitioned`},
		{"insert-nocache", "cookie SRV insert nocache"},
		{"insert-postonly", "cookie SRV insert indirect postonly"},
		{"insert-preserve", "cookie SRV insert preserve nocache"},
		{"insert-indirect-preserve", "cookie SRV insert indirect preserve"},
		{"prefix", "cookie SRV prefix"},
		{"prefix-indirect", "cookie SRV prefix indirect"},
		{"rewrite", "cookie SRV rewrite"},
		{"passive", "cookie SRV"},
		{"passive-indirect", "cookie SRV indirect preserve"},
		{"maxidle", "cookie SRV insert indirect maxidle 30m"},
		{"maxidle-maxlife", "cookie SRV insert indirect nocache maxidle 30m maxlife 2h"},
		{"maxlife", "cookie SRV insert maxlife 2h"},
		{"rewrite-maxidle", "cookie SRV rewrite maxidle 30m"},
	}
	origins := []*diffOrigin{startDiffOrigin(t, "s1"), startDiffOrigin(t, "s2"), startDiffOrigin(t, "s4")}
	for _, cf := range configs {
		t.Run(cf.name, func(t *testing.T) {
			args := strings.Fields(strings.ReplaceAll(cf.line, `"`, ""))
			ck, err := Parse(args[1:])
			if err != nil {
				t.Fatal(err)
			}
			front := haproxytest.FreeAddr("tcp", "127.0.0.1")
			logs := &logLines{byID: map[string]string{}, added: make(chan struct{}, 1)}
			cfg := fmt.Sprintf(`global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind %s
    capture request header x-id len 16
    log-format "%%hr %%tsc %%s"
    default_backend be
backend be
    %s
    server s1 %s cookie s1
    server s2 %s cookie s2
    server s3 %s cookie s3 disabled
    server s4 %s
`, front, cf.line, origins[0].ln.Addr(), origins[1].ln.Addr(), origins[0].ln.Addr(), origins[2].ln.Addr())
			haproxytest.Start(t, haproxytest.Options{Config: cfg, Stdout: logs, WaitFor: front})
			for n, dc := range cases {
				t.Run(dc.name, func(t *testing.T) {
					id := strconv.Itoa(n)
					runDiffCase(t, ck, front, id, dc, logs)
				})
			}
		})
	}
}

func runDiffCase(t *testing.T, ck *Cookie, front, id string, dc diffCase, logs *logLines) {
	method := dc.method
	if method == "" {
		method = "GET"
	}
	var rb strings.Builder
	fmt.Fprintf(&rb, "%s / HTTP/1.1\r\nhost: test\r\nx-id: %s\r\n", method, id)
	for _, c := range dc.cookies {
		rb.WriteString("Cookie: " + c + "\r\n")
	}
	for _, v := range dc.sc {
		rb.WriteString("x-sc: " + v + "\r\n")
	}
	for _, v := range dc.rh {
		rb.WriteString("x-rh: " + v + "\r\n")
	}
	if dc.status != "" {
		rb.WriteString("x-status: " + dc.status + "\r\n")
	}
	if method == "POST" || method == "PUT" {
		rb.WriteString("content-length: 0\r\n")
	}
	rb.WriteString("connection: close\r\n\r\n")
	raw := rb.String()

	// haproxy's side.
	conn, err := net.DialTimeout("tcp", front, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading haproxy's response: %v (got %q)", err, got)
	}
	head, body, ok := strings.Cut(string(got), "\r\n\r\n")
	if !ok {
		t.Fatalf("incomplete response %q", got)
	}
	head += "\r\n"
	origin := ""
	if l := headLines(head, "x-origin"); len(l) == 1 {
		origin = strings.TrimPrefix(l[0], "x-origin: ")
	} else {
		t.Fatalf("no server answered: %q", got)
	}
	hapLog, ok := logs.wait(id, 10*time.Second)
	if !ok {
		// Copied under the lock, reported after: Fatalf ends the
		// goroutine, and a lock left held would stop the copy of
		// haproxy's output, and with it the cleanup that waits for
		// haproxy to exit (the test hung until go test's timeout).
		logs.mu.Lock()
		lines, partial := fmt.Sprintf("%q", logs.byID), logs.buf
		logs.mu.Unlock()
		t.Fatalf("no log line for request %s; lines %s, partial %q", id, lines, partial)
	}

	// Ours.
	var req http1.Request
	buf := []byte(raw)
	if _, err := req.Parse(buf, http1.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	var tx Txn
	tx.Reset()
	chosen := -1
	now := time.Now()
	ck.Request(&tx, &req, now, func(v []byte) Match {
		i, m := Choose(diffCookies, v, diffUp, false)
		if i >= 0 {
			chosen = i
		}
		return m
	})
	srvIdx := map[string]int{"s1": 0, "s2": 1, "s4": 3}[origin]
	if chosen >= 0 && chosen != srvIdx {
		t.Errorf("haproxy used %s, the cookie chose server %d", origin, chosen+1)
	}
	ourReq, _ := req.AppendHead(nil, http1.ModeKeepAlive, false)
	ourCookies := strings.Join(headLines(string(ourReq), "cookie"), "\n")
	if body != ourCookies {
		t.Errorf("request %q\norigin received:\n%s\nwe send:\n%s", dc.cookies, body, ourCookies)
	}

	reply := []byte(diffReply(origin, string(ourReq)))
	var resp http1.Response
	if _, err := resp.Parse(reply, http1.DefaultLimits, req.Meth); err != nil {
		t.Fatal(err)
	}
	ck.Response(&tx, &resp, true, diffCookies[srvIdx], now)
	ourResp, _ := resp.AppendHead(nil, http1.ModeKeepAlive, true, &req)
	hapSet := headLines(head, "set-cookie", "set-cookie2", "cache-control")
	ourSet := headLines(string(ourResp), "set-cookie", "set-cookie2", "cache-control")
	norm := func(l []string) string { return dateRE.ReplaceAllString(strings.Join(l, "\n"), "|DATE") }
	if norm(hapSet) != norm(ourSet) {
		t.Errorf("request %q, server %s sets %q\nhaproxy answers:\n%s\nwe answer:\n%s", dc.cookies, origin, dc.sc, strings.Join(hapSet, "\n"), strings.Join(ourSet, "\n"))
	}
	// A first date the client brought must come back as it was.
	if strings.Count(strings.Join(hapSet, ""), "|") == 2 && strings.Join(hapSet, "") != strings.Join(ourSet, "") {
		hd, od := dateRE.FindAllString(strings.Join(hapSet, ""), -1), dateRE.FindAllString(strings.Join(ourSet, ""), -1)
		if len(hd) == 2 && len(od) == 2 && hd[1] != od[1] && (hd[1] == "|"+dateOf(dc.cookies) || od[1] == "|"+dateOf(dc.cookies)) {
			t.Errorf("first date: haproxy %s, ours %s", hd[1], od[1])
		}
	}
	if testing.Verbose() {
		t.Logf("origin %s got %q; haproxy set %q; log %q", origin, body, hapSet, hapLog)
	}
	r, s := ck.Tsc(&tx)
	want := fmt.Sprintf("%c%c", r, s)
	if f := strings.Fields(hapLog); len(f) < 1 || len(f[0]) != 4 || f[0][2:] != want {
		t.Errorf("request %q: haproxy logs %q, our %%tsc cookie chars are %q", dc.cookies, hapLog, want)
	}
}

// dateOf returns the second date of the first dated cookie, if any.
func dateOf(cookies []string) string {
	for _, c := range cookies {
		if m := dateRE.FindAllString(c, -1); len(m) == 2 {
			return m[1][1:]
		}
	}
	return ""
}
