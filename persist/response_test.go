package persist

import (
	"strings"
	"testing"

	"switchyard/http1"
)

// parseResponse parses a 200 response (or status) with the given fields.
func parseResponse(t *testing.T, status string, lines []string) *http1.Response {
	t.Helper()
	if status == "" {
		status = "200"
	}
	raw := "HTTP/1.1 " + status + " X\r\n" + strings.Join(append(lines, "content-length: 0"), "\r\n") + "\r\n\r\n"
	resp := new(http1.Response)
	if _, err := resp.Parse([]byte(raw), http1.DefaultLimits, http1.MethodGET); err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestResponse(t *testing.T) {
	const lastFresh = 600 // a last-seen date in the future: no refresh needed
	for _, c := range []struct {
		name    string
		line    string
		method  string
		cookies []string // the request's
		srv     string   // the server that answered ("-": none)
		status  string
		lines   []string // the server's fields
		want    string   // the fields sent on, but content-length
		state   ResState
	}{
		{name: "insert", line: "SRV insert", srv: "s1",
			want: "set-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "insert, all attributes", line: `SRV insert indirect httponly secure domain .a.com domain .b.com attr SameSite=Lax attr Partitioned`, srv: "s2",
			want: "set-cookie: SRV=s2; path=/; domain=.a.com; domain=.b.com; HttpOnly; Secure; SameSite=Lax; Partitioned", state: ResInserted},
		{name: "insert, server without cookie", line: "SRV insert secure attr x", srv: "",
			want: "set-cookie: SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/; Secure; x", state: ResInserted},
		{name: "insert, no server", line: "SRV insert", srv: "-", want: "", state: ResNone},
		{name: "insert, valid cookie", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1", want: "", state: ResNone},
		{name: "insert, invalid cookie", line: "SRV insert", cookies: []string{"SRV=zz"}, srv: "s2",
			want: "set-cookie: SRV=s2; path=/", state: ResInserted},
		{name: "insert, server's own removed", line: "SRV insert", srv: "s1",
			lines: []string{"Set-Cookie: a=1", "Set-Cookie: SRV=mine; Path=/x", "Set-Cookie: b=2"},
			want:  "set-cookie: a=1\nset-cookie: b=2\nset-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "insert, server's own removed with a valid cookie", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie: SRV=mine"}, want: "", state: ResDeleted},
		{name: "insert, spaces around equal", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie: a = 1 ; Path=/"}, want: "set-cookie: a=1 ; Path=/", state: ResNone},
		{name: "preserve", line: "SRV insert preserve", srv: "s1",
			lines: []string{"Set-Cookie: SRV=mine; Max-Age=0"}, want: "set-cookie: SRV=mine; Max-Age=0", state: ResFound},
		{name: "preserve, nothing set", line: "SRV insert preserve", srv: "s1",
			want: "set-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "postonly, GET", line: "SRV insert postonly", srv: "s1", want: "", state: ResNone},
		{name: "postonly, POST", line: "SRV insert postonly", method: "POST", srv: "s1",
			want: "set-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, cacheable", line: "SRV insert nocache", srv: "s1", lines: []string{"Cache-Control: max-age=60"},
			want: "cache-control: max-age=60\nset-cookie: SRV=s1; path=/\ncache-control: private", state: ResInserted},
		{name: "nocache, no freshness", line: "SRV insert nocache", srv: "s1",
			want: "set-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, validator", line: "SRV insert nocache", srv: "s1", lines: []string{`ETag: "e"`},
			want: "etag: \"e\"\nset-cookie: SRV=s1; path=/\ncache-control: private", state: ResInserted},
		{name: "nocache, expires", line: "SRV insert nocache", srv: "s1", lines: []string{"Expires: 0"},
			want: "expires: 0\nset-cookie: SRV=s1; path=/\ncache-control: private", state: ResInserted},
		{name: "nocache, private", line: "SRV insert nocache", srv: "s1", lines: []string{"Cache-Control: max-age=60, private"},
			want: "cache-control: max-age=60, private\nset-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, pragma", line: "SRV insert nocache", srv: "s1", lines: []string{"Pragma: No-Cache", "Cache-Control: public, max-age=5"},
			want: "pragma: No-Cache\ncache-control: public, max-age=5\nset-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, POST", line: "SRV insert nocache", method: "POST", srv: "s1", lines: []string{"Cache-Control: max-age=60"},
			want: "cache-control: max-age=60\nset-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, POST public", line: "SRV insert nocache", method: "POST", srv: "s1", lines: []string{"Cache-Control: max-age=60", "Cache-Control: public"},
			want: "cache-control: max-age=60\ncache-control: public\nset-cookie: SRV=s1; path=/\ncache-control: private", state: ResInserted},
		{name: "nocache, 302", line: "SRV insert nocache", status: "302", srv: "s1", lines: []string{"Cache-Control: max-age=60"},
			want: "cache-control: max-age=60\nset-cookie: SRV=s1; path=/", state: ResInserted},
		{name: "nocache, not inserted", line: "SRV insert nocache", cookies: []string{"SRV=s1"}, srv: "s1", lines: []string{"Cache-Control: max-age=60"},
			want: "cache-control: max-age=60", state: ResNone},

		{name: "indirect, server's cookie with a valid one", line: "SRV prefix indirect", cookies: []string{"SRV=s1~a"}, srv: "s1",
			lines: []string{"Set-Cookie: SRV=b"}, want: "", state: ResDeleted},
		{name: "indirect, server's cookie without", line: "SRV prefix indirect", srv: "s1",
			lines: []string{"Set-Cookie: SRV=b"}, want: "set-cookie: SRV=s1~b", state: ResReplaced},
		{name: "indirect preserve", line: "SRV indirect preserve", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie: SRV=b"}, want: "set-cookie: SRV=b", state: ResFound},
		{name: "passive", line: "SRV", srv: "s1", lines: []string{"Set-Cookie: SRV=b"}, want: "set-cookie: SRV=b", state: ResFound},

		{name: "rewrite", line: "SRV rewrite", srv: "s2",
			lines: []string{"Set-Cookie: SRV=anything; path=/; HttpOnly"}, want: "set-cookie: SRV=s2; path=/; HttpOnly", state: ResReplaced},
		{name: "rewrite, quoted", line: "SRV rewrite", srv: "s2",
			lines: []string{`Set-Cookie: SRV="a;b"; path=/`}, want: "set-cookie: SRV=s2; path=/", state: ResReplaced},
		{name: "rewrite, spaced", line: "SRV rewrite", srv: "longer-value",
			lines: []string{"Set-Cookie:  SRV  =  x y  ; path=/"}, want: "set-cookie: SRV=longer-value  ; path=/", state: ResReplaced},
		{name: "rewrite, server without cookie", line: "SRV rewrite", srv: "",
			lines: []string{"Set-Cookie: SRV=x"}, want: "set-cookie: SRV=x", state: ResFound},
		{name: "rewrite, nothing set", line: "SRV rewrite", srv: "s1", want: "", state: ResNone},
		{name: "rewrite, only the first pair", line: "SRV rewrite", srv: "s1",
			lines: []string{"Set-Cookie: a=1; SRV=x"}, want: "set-cookie: a=1; SRV=x", state: ResNone},
		{name: "rewrite, every field", line: "SRV rewrite", srv: "s1",
			lines: []string{"Set-Cookie: SRV=x", "Set-Cookie: SRV=", "Set-Cookie: SRV"},
			want:  "set-cookie: SRV=s1\nset-cookie: SRV=s1\nset-cookie: SRV", state: ResReplaced},
		{name: "prefix", line: "SRV prefix", srv: "s1",
			lines: []string{"Set-Cookie: SRV=abc; Path=/"}, want: "set-cookie: SRV=s1~abc; Path=/", state: ResReplaced},
		{name: "prefix, empty", line: "SRV prefix", srv: "s1",
			lines: []string{"Set-Cookie: SRV=; Max-Age=0"}, want: "set-cookie: SRV=s1~; Max-Age=0", state: ResReplaced},
		{name: "set-cookie2", line: "SRV rewrite", srv: "s1",
			lines: []string{"Set-Cookie2: a=1; Version=1, SRV=x; Version=1, b=2"}, want: "set-cookie2: a=1; Version=1, SRV=s1; Version=1, b=2", state: ResReplaced},
		// haproxy 2.6 removes a cookie from a Set-Cookie2 without
		// shortening the field: the tail shows twice.
		{name: "set-cookie2, removed in the middle", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie2: a=1, SRV=x; Version=1, b=2"}, want: "set-cookie2: a=1, b=2=x; Version=1, b=2", state: ResDeleted},
		{name: "set-cookie2, removed first", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie2: SRV=x, SRV=y, b=2"}, want: "set-cookie2: SRV=y, b=2=y, b=2", state: ResDeleted},
		{name: "set-cookie2, removed then rewritten spaces", line: "SRV insert", cookies: []string{"SRV=s1"}, srv: "s1",
			lines: []string{"Set-Cookie2: a=1, SRV=x, c = 3"}, want: "set-cookie2: a=1, c=3", state: ResDeleted},
		{name: "set-cookie2, after set-cookie", line: "SRV rewrite", srv: "s1",
			lines: []string{"Set-Cookie2: SRV=y", "Set-Cookie: SRV=x"}, want: "set-cookie2: SRV=s1\nset-cookie: SRV=s1", state: ResReplaced},

		{name: "maxidle, first visit", line: "SRV insert maxidle 30m", srv: "s1",
			want: "set-cookie: SRV=s1|" + dateAt(0) + "; path=/", state: ResInserted},
		{name: "maxidle, no date yet", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1"}, srv: "s1",
			want: "set-cookie: SRV=s1|" + dateAt(0) + "; path=/", state: ResUpdated},
		{name: "maxidle, date due", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(-60)}, srv: "s1",
			want: "set-cookie: SRV=s1|" + dateAt(0) + "; path=/", state: ResUpdated},
		{name: "maxidle, date fresh", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(lastFresh)}, srv: "s1",
			want: "", state: ResNone},
		{name: "maxidle, rounded up", line: "SRV insert maxidle 30m", srv: "s1", // testNow+1 s is written as testNow+4 s
			want: "set-cookie: SRV=s1|" + dateAt(4) + "; path=/", state: ResInserted},
		{name: "maxlife, first date kept", line: "SRV insert maxidle 30m maxlife 1h", cookies: []string{"SRV=s2|" + dateAt(-60) + "|" + dateAt(-600)}, srv: "s2",
			want: "set-cookie: SRV=s2|" + dateAt(0) + "|" + dateAt(-600) + "; path=/", state: ResUpdated},
		{name: "maxlife, first date set", line: "SRV insert maxlife 1h", cookies: []string{"SRV=s2"}, srv: "s2",
			want: "set-cookie: SRV=s2|" + dateAt(0) + "|" + dateAt(0) + "; path=/", state: ResUpdated},
		{name: "maxlife gone, first date removed", line: "SRV insert", cookies: []string{"SRV=s2|" + dateAt(lastFresh) + "|" + dateAt(-600)}, srv: "s2",
			want: "set-cookie: SRV=s2; path=/", state: ResUpdated},
		{name: "maxidle, date on another server", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(lastFresh)}, srv: "s2",
			want: "set-cookie: SRV=s2|" + dateAt(0) + "; path=/", state: ResInserted},
		{name: "maxidle, expired", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(-3600)}, srv: "s1",
			want: "set-cookie: SRV=s1|" + dateAt(0) + "; path=/", state: ResInserted},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := mustParse(t, c.line)
			method := c.method
			if method == "" {
				method = "GET"
			}
			now := testNow
			if strings.Contains(c.name, "rounded up") {
				now = now.Add(1e9)
			}
			req := parseRequest(t, method, c.cookies)
			var tx Txn
			tx.Reset()
			chosen := ""
			ck.Request(&tx, req, now, func(v []byte) Match {
				i, m := Choose(testServers, v, testUp, false)
				if i >= 0 {
					chosen = testServers[i]
				}
				return m
			})
			if tx.Direct && chosen != c.srv {
				tx.Redispatched(false) // the request went where the test says
			}
			resp := parseResponse(t, c.status, c.lines)
			ck.Response(&tx, resp, c.srv != "-", strings.TrimPrefix(c.srv, "-"), now)
			resp.Del("content-length")
			if got := fields(&resp.Headers); got != c.want {
				t.Errorf("fields:\n%s\nwant:\n%s", got, c.want)
			}
			if tx.Res != c.state {
				t.Errorf("state %c, want %c", tx.Res.Char(), c.state.Char())
			}
		})
	}
}

func TestResponseIgnorePersist(t *testing.T) {
	ck := mustParse(t, "SRV insert indirect")
	req := parseRequest(t, "GET", []string{"SRV=s1"})
	var tx Txn
	tx.Reset()
	tx.Ignore = true
	ck.Request(&tx, req, testNow, func([]byte) Match { t.Error("choose called"); return NoServer })
	resp := parseResponse(t, "", []string{"Set-Cookie: SRV = x"})
	ck.Response(&tx, resp, true, "s2", testNow)
	resp.Del("content-length")
	// The cookie is not ours to touch, but the spaces go all the same.
	if got := fields(&resp.Headers); got != "set-cookie: SRV=x" {
		t.Errorf("got %q", got)
	}
	if tx.Req != ReqUnused || tx.Res != ResNone {
		t.Errorf("states %c%c", tx.Req.Char(), tx.Res.Char())
	}
}

func TestResponseInterim(t *testing.T) {
	ck := mustParse(t, "SRV insert")
	var tx Txn
	tx.Reset()
	resp := new(http1.Response)
	if _, err := resp.Parse([]byte("HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n"), http1.DefaultLimits, http1.MethodGET); err != nil {
		t.Fatal(err)
	}
	ck.Response(&tx, resp, true, "s1", testNow)
	if _, ok := resp.Get("set-cookie"); ok || tx.Res != ResNone {
		t.Errorf("a 1xx got a cookie")
	}
}

// TestResponseAllocations: with a Txn reused, the response side does not
// allocate, inserting, rewriting or removing.
func TestResponseAllocations(t *testing.T) {
	for _, line := range []string{"SRV insert indirect nocache maxidle 1h maxlife 1d domain .a.com", "SRV rewrite", "SRV prefix"} {
		ck := mustParse(t, line)
		raw := []byte("HTTP/1.1 200 OK\r\ncache-control: max-age=5\r\nset-cookie: SRV=x; path=/\r\nset-cookie: a=1\r\ncontent-length: 0\r\n\r\n")
		buf := make([]byte, len(raw))
		var resp http1.Response
		var tx Txn
		run := func() {
			copy(buf, raw)
			if _, err := resp.Parse(buf, http1.DefaultLimits, http1.MethodGET); err != nil {
				t.Fatal(err)
			}
			tx.Reset()
			tx.cacheable = true
			ck.Response(&tx, &resp, true, "s1", testNow)
		}
		run()
		if n := testing.AllocsPerRun(100, run); n != 0 {
			t.Errorf("%s: %v allocations per response", line, n)
		}
	}
}
