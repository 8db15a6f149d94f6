package check

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestL4(t *testing.T) {
	var nilCfg *Config
	rs, err := nilCfg.Build(false)
	if err != nil {
		t.Fatal(err)
	}
	if rs.DisableOn404() || rs.SendsState() {
		t.Error("plain check has HTTP options")
	}
	addr := origin(t, func(c net.Conn) {})
	res := runCheck(t, rs, target(addr))
	want(t, res, StatusL4OK, 0, "")
	if res.Duration <= 0 {
		t.Error("no duration")
	}
	want(t, runCheck(t, rs, target(closedAddr(t))), StatusL4Conn, 0, "Connection refused")

	// A Config with lines but no check option is a plain check too.
	c := &Config{}
	if err := c.TCPCheck([]string{"send", "x"}); err != nil {
		t.Fatal(err)
	}
	rs, _ = c.Build(false)
	want(t, runCheck(t, rs, target(addr)), StatusL4OK, 0, "")
}

func TestHTTPDefaultExpect(t *testing.T) {
	for _, tc := range []struct {
		resp string
		st   Status
		code int
		desc string
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", StatusL7OK, 200, ""},
		{"HTTP/1.0 302 Found\r\n\r\n", StatusL7OK, 302, ""},
		{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", StatusL7Status, 503, "Service Unavailable"},
		{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", StatusL7Status, 404, "Not Found"},
		{"HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", StatusL7Status, 500, ""},
		{"hello\r\n\r\n", StatusL7Resp, 0, ""},
		{"HTTP/1.1 200 OK\r\nContent-Le", StatusL7Resp, 0, ""},
		{"", StatusL7Resp, 0, ""},
	} {
		addr, reqs := httpOrigin(t, tc.resp)
		res := runCheck(t, build(t, "option httpchk"), target(addr))
		if res.Status != tc.st || res.Code != tc.code || res.Desc != tc.desc || res.Twice {
			t.Errorf("%q: got %s %d %q, want %s %d %q", tc.resp, res.Status, res.Code, res.Desc, tc.st, tc.code, tc.desc)
		}
		if got := string(<-reqs); got != "OPTIONS / HTTP/1.0\r\n\r\n" {
			t.Errorf("request %q", got)
		}
	}
}

func TestHTTPDisableOn404(t *testing.T) {
	addr, _ := httpOrigin(t, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	rs := build(t, "option httpchk", "http-check disable-on-404", "http-check expect status 200")
	if !rs.DisableOn404() {
		t.Fatal("DisableOn404 false")
	}
	want(t, runCheck(t, rs, target(addr)), StatusL7OKCond, 404, "")
	// A server that is down stays down on a 404.
	tg := target(addr)
	tg.Down = true
	want(t, runCheck(t, rs, tg), StatusL7Status, 404, "Not Found")
}

func TestHTTPFailures(t *testing.T) {
	rs := build(t, "option httpchk")
	t.Run("timeout", func(t *testing.T) {
		addr := origin(t, func(c net.Conn) { waitClosed(t, c) })
		tg := target(addr)
		tg.ReadTimeout = 100 * time.Millisecond
		res := runCheck(t, rs, tg)
		want(t, res, StatusL7Timeout, 0, "")
		if res.Duration < 100*time.Millisecond {
			t.Errorf("timed out after %v", res.Duration)
		}
	})
	t.Run("no read timeout: the connect deadline runs on", func(t *testing.T) {
		addr := origin(t, func(c net.Conn) { waitClosed(t, c) })
		tg := target(addr)
		tg.ConnectTimeout, tg.ReadTimeout = 150*time.Millisecond, 0
		want(t, runCheck(t, rs, tg), StatusL7Timeout, 0, "")
	})
	t.Run("reset", func(t *testing.T) {
		addr := origin(t, func(c net.Conn) {
			readHTTPRequest(bufio.NewReader(c))
			c.(*net.TCPConn).SetLinger(0)
		})
		want(t, runCheck(t, rs, target(addr)), StatusSockErr, 0, "Connection reset by peer")
	})
	t.Run("cancelled", func(t *testing.T) {
		addr := origin(t, func(c net.Conn) { waitClosed(t, c) })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan Result)
		go func() { done <- rs.Run(ctx, target(addr)) }()
		cancel()
		select {
		case res := <-done:
			if res.Status != StatusUnknown || res.Status.Outcome() != Neutral {
				t.Errorf("cancelled check: %s %q", res.Status, res.Desc)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("cancelled check did not return")
		}
	})
}

func TestHTTPExpect(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nX-App: ready, warm\r\nX-Ver: 2.1\r\nContent-Length: 11\r\n\r\nhello world"
	for _, tc := range []struct {
		lines []string
		resp  string
		st    Status
		code  int
		desc  string
	}{
		{[]string{"http-check expect status 200"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect status 201-299,300"}, ok, StatusL7Status, 200, "OK"},
		{[]string{"http-check expect ! status 200"}, ok, StatusL7Status, 200, "OK"},
		{[]string{"http-check expect rstatus ^2"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect rstatus ^3"}, ok, StatusL7Status, 200, "OK"},
		{[]string{"http-check expect ! rstatus ^5"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect string world"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect string moon"}, ok, StatusL7Resp, 200, "HTTP content check did not match"},
		{[]string{"http-check expect ! string world"}, ok, StatusL7Resp, 200, "HTTP check matched unwanted content"},
		{[]string{"http-check expect rstring h.l+o"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect string x"}, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", StatusL7Resp, 200, "HTTP content check could not find a response body"},
		{[]string{"http-check expect string lo"}, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name x-app"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name x-app value warm"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect fhdr name x-app value warm"}, ok, StatusL7Status, 200, "OK"},
		{[]string{`http-check expect fhdr name x-app value "ready, warm"`}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name -m beg X-V value -m reg ^2\\.[0-9]$"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name -m sub pp value -m end rm"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name -m reg ^x-a.*$ value -m beg re"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect hdr name x-missing"}, ok, StatusL7Status, 200, "OK"},
		{[]string{"http-check expect ! hdr name x-missing"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check expect status 201 comment needs-201"}, ok, StatusL7Status, 200, "OK comment: needs-201"},
		{[]string{"http-check expect status 201 on-error oops-%[srv_name]"}, ok, StatusL7Status, 200, "oops-s1"},
		{[]string{"http-check expect status 200 on-success yay-%[be_name]"}, ok, StatusL7OK, 200, "yay-be"},
		{[]string{"http-check expect status 200 ok-status L7OKC"}, ok, StatusL7OKCond, 200, ""},
		{[]string{"http-check expect status 201 error-status L7OKC"}, ok, StatusL7OKCond, 200, "OK"},
		{[]string{"http-check expect status 200", "http-check expect string moon"}, ok, StatusL7Resp, 200, "HTTP content check did not match"},
		{[]string{"http-check expect status 200 comment c1", "http-check expect string world comment c2"}, ok, StatusL7OK, 200, ""},
		{[]string{"http-check comment shown", "http-check expect status 201"}, ok, StatusL7Status, 200, "OK comment: shown"},
		{[]string{"http-check expect status 201 comment foo"}, "HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n", StatusL7Status, 503, " comment: foo"},
		{[]string{"http-check expect status 200 comment foo"}, "", StatusL7Resp, 0, " comment: foo"},
	} {
		addr, _ := httpOrigin(t, tc.resp)
		rs := build(t, append([]string{"option httpchk GET / HTTP/1.1"}, tc.lines...)...)
		res := runCheck(t, rs, target(addr))
		if res.Status != tc.st || res.Code != tc.code || res.Desc != tc.desc {
			t.Errorf("%q: got %s %d %q, want %s %d %q", tc.lines, res.Status, res.Code, res.Desc, tc.st, tc.code, tc.desc)
		}
	}
}

// TestHTTPBodyArrivesLater: a string expect waits for the rest of the body
// until it matches or the response ends.
func TestHTTPBodyArrivesLater(t *testing.T) {
	release := make(chan struct{})
	addr := origin(t, func(c net.Conn) {
		readHTTPRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\nhel")
		select {
		case <-release:
		case <-t.Context().Done():
		}
		io.WriteString(c, "lo")
	})
	rs := build(t, "option httpchk", "http-check expect string hello")
	done := make(chan Result)
	go func() { done <- runCheck(t, rs, target(addr)) }()
	close(release)
	want(t, <-done, StatusL7OK, 200, "")
}

func TestHTTPConnectRules(t *testing.T) {
	addr1, reqs1 := httpOrigin(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	addr2, reqs2 := httpOrigin(t, "HTTP/1.1 204 No Content\r\n\r\n")
	_, port2, _ := net.SplitHostPort(addr2)
	rs := build(t, "option httpchk",
		"http-check connect",
		"http-check send meth GET uri /one ver HTTP/1.1",
		"http-check expect status 200",
		"http-check connect port "+port2,
		"http-check send meth GET uri /two ver HTTP/1.1",
		"http-check expect status 204")
	want(t, runCheck(t, rs, target(addr1)), StatusL7OK, 204, "")
	if got := string(<-reqs1); got != "GET /one HTTP/1.1\r\nconnection: close\r\n\r\n" {
		t.Errorf("first request %q", got)
	}
	if got := string(<-reqs2); got != "GET /two HTTP/1.1\r\nconnection: close\r\n\r\n" {
		t.Errorf("second request %q", got)
	}
}

// TestHTTPNoRequest: a backend that writes its own http-check rules starts
// a new list, losing its defaults' request, as in haproxy: the check then
// sends nothing and times out.
func TestHTTPNoRequest(t *testing.T) {
	def := &Config{}
	for _, l := range []string{"option httpchk GET /health HTTP/1.1"} {
		apply(def, l)
	}
	be := def.Clone()
	if err := apply(be, "http-check expect status 200"); err != nil {
		t.Fatal(err)
	}
	rs, _ := be.Build(true)
	if got := rs.String(); got != "httpchk: connect implicit; expect status 200" {
		t.Errorf("rules: %s", got)
	}
	// The defaults are untouched by the backend's line.
	drs, _ := def.Build(true)
	if got := drs.String(); got != "httpchk: connect implicit; send GET /health HTTP/1.1; expect status 200-399" {
		t.Errorf("defaults' rules: %s", got)
	}
	addr := origin(t, func(c net.Conn) { waitClosed(t, c) })
	tg := target(addr)
	tg.ReadTimeout = 100 * time.Millisecond
	want(t, runCheck(t, rs, tg), StatusL7Timeout, 0, "")
}

func TestClone(t *testing.T) {
	c := &Config{}
	for _, l := range []string{"option tcp-check", "tcp-check send PING", "tcp-check expect string PONG"} {
		if err := apply(c, l); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := c.Build(false)
	cc := c.Clone()
	same, _ := cc.Build(false)
	if same.String() != before.String() {
		t.Errorf("clone runs %s, original %s", same, before)
	}
	for _, l := range []string{"tcp-check send QUIT", "http-check disable-on-404", "option httpchk"} {
		if err := apply(cc, l); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := c.Build(false)
	if after.String() != before.String() || after.DisableOn404() {
		t.Errorf("original changed: %s", after)
	}
	// A clone of a clone that merges its request must not touch its
	// parent's rule.
	h := &Config{}
	apply(h, "option httpchk GET /a HTTP/1.1")
	h2 := h.Clone()
	apply(h2, "http-check send hdr Host x")
	rs, _ := h.Build(true)
	if !strings.Contains(rs.String(), "send GET /a HTTP/1.1;") {
		t.Errorf("parent changed: %s", rs)
	}
}

// TestConcurrentRuns: one rule set serves many checks at once.
func TestConcurrentRuns(t *testing.T) {
	addr, _ := httpOrigin(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	rs := build(t, "option httpchk", "http-check send-state", "http-check expect string ok")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg := target(addr)
			tg.State = SendState{Up: "UP", Weight: 1, TotalWeight: 1}
			if res := runCheck(t, rs, tg); res.Status != StatusL7OK {
				errs <- errors.New(res.Status.String() + " " + res.Desc)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLogDesc(t *testing.T) {
	for in, out := range map[string]string{
		"Service Unavailable": "Service Unavailable",
		"":                    "",
		"a\nb":                "a<0A>b",
		`<"x">`:               "<3C><22>x<22><3E>",
		"\x7f\xe9\ttab":       "<7F><E9><09>tab",
		"via agent : up (ok)": "via agent : up (ok)",
	} {
		if got := LogDesc(in); got != out {
			t.Errorf("LogDesc(%q) = %q, want %q", in, got, out)
		}
	}
}
