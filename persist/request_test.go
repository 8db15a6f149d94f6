package persist

import (
	"strings"
	"testing"
	"time"

	"switchyard/http1"
)

// testNow is the clock of the unit tests; its date is multiple of 4.
var testNow = time.Unix(1_700_000_000, 0)

// dateAt is the cookie date of a time offset from testNow.
func dateAt(offset int64) string {
	return string(appendDate(nil, uint32((testNow.Unix()+offset)>>2)))
}

// testServers are the backend of the unit tests: s1 and s2 up, s3 down,
// then a second server with s1's cookie, down.
var testServers = []string{"s1", "s2", "s3", "", "s1"}

func testUp(i int) bool { return i < 2 }

func mustParse(t *testing.T, line string) *Cookie {
	t.Helper()
	c, err := Parse(strings.Fields(line))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// parseRequest parses a request head with the given Cookie fields (and an
// X-Other field between them, to check that the others stay in place).
func parseRequest(t *testing.T, method string, cookies []string) *http1.Request {
	t.Helper()
	var b strings.Builder
	b.WriteString(method + " / HTTP/1.1\r\nhost: h\r\n")
	for _, c := range cookies {
		b.WriteString("Cookie: " + c + "\r\nx-other: 1\r\n")
	}
	b.WriteString("\r\n")
	req := new(http1.Request)
	if _, err := req.Parse([]byte(b.String()), http1.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	return req
}

// fields renders a head's fields but the host, one "name: value" each.
func fields(h *http1.Headers) string {
	var out []string
	for _, f := range h.Fields() {
		if !http1.EqualFoldLower(f.Name, "host") {
			out = append(out, strings.ToLower(string(f.Name))+": "+string(f.Value))
		}
	}
	return strings.Join(out, "\n")
}

func TestRequest(t *testing.T) {
	for _, c := range []struct {
		name     string
		line     string
		cookies  []string
		persist  bool // option persist
		assigned bool // use-server chose already
		ignore   bool // ignore-persist
		want     string
		state    ReqState
		direct   bool
		asked    string // the values given to choose, "," separated
		server   int    // chosen index (-1: none)
	}{
		{name: "none", line: "SRV insert indirect", want: "", state: ReqNone, server: -1},
		{name: "other cookies", line: "SRV insert indirect", cookies: []string{"a=1; b=2"},
			want: "cookie: a=1; b=2\nx-other: 1", state: ReqNone, server: -1},
		{name: "valid alone", line: "SRV insert indirect", cookies: []string{"SRV=s1"},
			want: "x-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "valid kept without indirect", line: "SRV insert", cookies: []string{"SRV=s1"},
			want: "cookie: SRV=s1\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "first", line: "SRV insert indirect", cookies: []string{"SRV=s2; a=1"},
			want: "cookie: a=1\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "middle", line: "SRV insert indirect", cookies: []string{"a=1; SRV=s2; b=2"},
			want: "cookie: a=1; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "middle without spaces", line: "SRV insert indirect", cookies: []string{"a=1;SRV=s2;b=2"},
			want: "cookie: a=1; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "last", line: "SRV insert indirect", cookies: []string{"a=1; SRV=s2"},
			want: "cookie: a=1\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "last after a space", line: "SRV insert indirect", cookies: []string{"a=1 ; SRV=s2"},
			want: "cookie: a=1 \nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "two in a row", line: "SRV insert indirect", cookies: []string{"a=1; SRV=s2; SRV=s1; b=2"},
			want: "cookie: a=1; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "second field", line: "SRV insert indirect", cookies: []string{"a=1", "SRV=s1"},
			want: "cookie: a=1\nx-other: 1\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "invalid then valid", line: "SRV insert indirect", cookies: []string{"SRV=x; SRV=s2"},
			want: "x-other: 1", state: ReqValid, direct: true, asked: "x,s2", server: 1},
		{name: "valid then invalid", line: "SRV insert", cookies: []string{"SRV=s2", "SRV=x"},
			want: "cookie: SRV=s2\nx-other: 1\ncookie: SRV=x\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "invalid", line: "SRV insert indirect", cookies: []string{"SRV=zz"},
			want: "x-other: 1", state: ReqInvalid, asked: "zz", server: -1},
		{name: "empty", line: "SRV insert indirect", cookies: []string{"SRV=; k=v"},
			want: "cookie: k=v\nx-other: 1", state: ReqInvalid, server: -1},
		{name: "down", line: "SRV insert", cookies: []string{"SRV=s3"},
			want: "cookie: SRV=s3\nx-other: 1", state: ReqDown, asked: "s3", server: -1},
		{name: "down, one of two up", line: "SRV insert", cookies: []string{"SRV=s1"},
			want: "cookie: SRV=s1\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "down, persist", line: "SRV insert", cookies: []string{"SRV=s3"}, persist: true,
			want: "cookie: SRV=s3\nx-other: 1", state: ReqDown, direct: true, asked: "s3", server: 2},
		{name: "use-server", line: "SRV insert indirect", cookies: []string{"SRV=s1"}, assigned: true,
			want: "x-other: 1", state: ReqUnused, server: -1},
		{name: "ignore-persist", line: "SRV insert", cookies: []string{"SRV=s1"}, ignore: true,
			want: "cookie: SRV=s1\nx-other: 1", state: ReqUnused, server: -1},
		{name: "case matters", line: "SRV insert indirect", cookies: []string{"srv=s1"},
			want: "cookie: srv=s1\nx-other: 1", state: ReqNone, server: -1},
		{name: "spaces around equal", line: "SRV insert", cookies: []string{"a = 1;SRV\t=  s1 ; b= 2"},
			want: "cookie: a=1;SRV=s1 ; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "quoted", line: "SRV insert indirect", cookies: []string{`x="a;b"; SRV="s1"`},
			want: `cookie: x="a;b"` + "\nx-other: 1", state: ReqInvalid, asked: `"s1"`, server: -1},
		{name: "dollar attributes go with it", line: "SRV insert indirect", cookies: []string{"$Version=1; SRV=s1; $Path=/"},
			want: "x-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "word without value", line: "SRV insert indirect", cookies: []string{"SRV=s1; flag; b=2"},
			want: "cookie: flag; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "comma", line: "SRV insert indirect", cookies: []string{"a=1, SRV=s1"},
			want: "cookie: a=1\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},

		{name: "prefix", line: "SRV prefix", cookies: []string{"SRV=s1~abc"},
			want: "cookie: SRV=abc\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "prefix middle", line: "SRV prefix", cookies: []string{"a=1; SRV=s2~x~y; b=2"},
			want: "cookie: a=1; SRV=x~y; b=2\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "prefix invalid still stripped", line: "SRV prefix", cookies: []string{"SRV=nope~abc"},
			want: "cookie: SRV=abc\nx-other: 1", state: ReqInvalid, asked: "nope", server: -1},
		{name: "prefix without tilde", line: "SRV prefix", cookies: []string{"SRV=s1"},
			want: "cookie: SRV=s1\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "prefix empty server", line: "SRV prefix", cookies: []string{"SRV=~abc"},
			want: "cookie: SRV=abc\nx-other: 1", state: ReqInvalid, server: -1},
		{name: "prefix ignores dates", line: "SRV prefix maxidle 10", cookies: []string{"SRV=s1|" + dateAt(-3600)},
			want: "cookie: SRV=s1|" + dateAt(-3600) + "\nx-other: 1", state: ReqInvalid, asked: "s1|" + dateAt(-3600), server: -1},
		{name: "prefix indirect keeps", line: "SRV prefix indirect", cookies: []string{"SRV=s1~v"},
			want: "cookie: SRV=v\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},

		{name: "date", line: "SRV insert indirect maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(-60)},
			want: "x-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "idle", line: "SRV insert indirect maxidle 30m", cookies: []string{"a=b; SRV=s1|" + dateAt(-3600)},
			want: "cookie: a=b\nx-other: 1", state: ReqExpired, server: -1},
		{name: "idle in the future", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(2*86400)},
			want: "cookie: SRV=s1|" + dateAt(2*86400) + "\nx-other: 1", state: ReqExpired, server: -1},
		{name: "idle without maxidle", line: "SRV insert", cookies: []string{"SRV=s1|" + dateAt(-3600)},
			want: "cookie: SRV=s1|" + dateAt(-3600) + "\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "old", line: "SRV insert maxidle 30m maxlife 1h", cookies: []string{"SRV=s2|" + dateAt(0) + "|" + dateAt(-7200)},
			want: "cookie: SRV=s2|" + dateAt(0) + "|" + dateAt(-7200) + "\nx-other: 1", state: ReqOld, server: -1},
		{name: "young", line: "SRV insert maxidle 30m maxlife 1h", cookies: []string{"SRV=s2|" + dateAt(0) + "|" + dateAt(-600)},
			want: "cookie: SRV=s2|" + dateAt(0) + "|" + dateAt(-600) + "\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "bad date", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|a=cde"},
			want: "cookie: SRV=s1|a=cde\nx-other: 1", state: ReqValid, direct: true, asked: "s1", server: 0},
		{name: "expired then valid", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s1|" + dateAt(-3600) + "; SRV=s2"},
			want: "cookie: SRV=s1|" + dateAt(-3600) + "; SRV=s2\nx-other: 1", state: ReqValid, direct: true, asked: "s2", server: 1},
		{name: "valid then expired", line: "SRV insert maxidle 30m", cookies: []string{"SRV=s2; SRV=s1|" + dateAt(-3600)},
			want: "cookie: SRV=s2; SRV=s1|" + dateAt(-3600) + "\nx-other: 1", state: ReqExpired, direct: true, asked: "s2", server: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := mustParse(t, c.line)
			req := parseRequest(t, "GET", c.cookies)
			var tx Txn
			tx.Reset()
			tx.Assigned, tx.Ignore = c.assigned, c.ignore
			var asked []string
			server := -1
			ck.Request(&tx, req, testNow, func(v []byte) Match {
				asked = append(asked, string(v))
				i, m := Choose(testServers, v, testUp, c.persist)
				if i >= 0 {
					server = i
				}
				return m
			})
			if got := fields(&req.Headers); got != c.want {
				t.Errorf("fields:\n%s\nwant:\n%s", got, c.want)
			}
			if tx.Req != c.state || tx.Direct != c.direct || server != c.server {
				t.Errorf("state %c direct %v server %d, want %c %v %d", tx.Req.Char(), tx.Direct, server, c.state.Char(), c.direct, c.server)
			}
			if got := strings.Join(asked, ","); got != c.asked {
				t.Errorf("asked %q, want %q", got, c.asked)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		value   string
		persist bool
		i       int
		m       Match
	}{
		{"s1", false, 0, ServerUp},
		{"s2", false, 1, ServerUp},
		{"s3", false, -1, ServerDown},
		{"s3", true, 2, ServerForced},
		{"nope", false, -1, NoServer},
		{"", false, -1, NoServer},
	} {
		i, m := Choose(testServers, []byte(c.value), testUp, c.persist)
		if i != c.i || m != c.m {
			t.Errorf("%q persist=%v: %d %d, want %d %d", c.value, c.persist, i, m, c.i, c.m)
		}
	}
	// A server down before a running one with the same cookie.
	if i, m := Choose([]string{"a", "a"}, []byte("a"), func(i int) bool { return i == 1 }, false); i != 1 || m != ServerUp {
		t.Errorf("second of two: %d %d", i, m)
	}
}

func TestTscAndRedispatch(t *testing.T) {
	var tx Txn
	tx.Reset()
	tx.Req, tx.Res, tx.Direct = ReqValid, ResInserted, true
	if r, s := mustParse(t, "SRV insert").Tsc(&tx); r != 'V' || s != 'I' {
		t.Errorf("insert: %c%c", r, s)
	}
	if r, s := mustParse(t, "SRV").Tsc(&tx); r != '-' || s != '-' {
		t.Errorf("passive: %c%c", r, s)
	}
	if r, s := mustParse(t, "SRV indirect").Tsc(&tx); r != 'V' || s != 'I' {
		t.Errorf("passive indirect: %c%c", r, s)
	}
	var none *Cookie
	if r, s := none.Tsc(&tx); r != '-' || s != '-' {
		t.Errorf("no cookie: %c%c", r, s)
	}
	tx.Redispatched(true)
	if tx.Req != ReqValid || tx.Direct {
		t.Errorf("after a redispatch to the same server: %c direct=%v", tx.Req.Char(), tx.Direct)
	}
	tx.Redispatched(false)
	if tx.Req != ReqDown || tx.Direct {
		t.Errorf("after a redispatch: %c direct=%v", tx.Req.Char(), tx.Direct)
	}
	for s, want := range map[ReqState]byte{ReqNone: 'N', ReqInvalid: 'I', ReqDown: 'D', ReqValid: 'V', ReqExpired: 'E', ReqOld: 'O', ReqUnused: 'U'} {
		if s.Char() != want {
			t.Errorf("%d: %c", s, s.Char())
		}
	}
	for s, want := range map[ResState]byte{ResNone: 'N', ResFound: 'P', ResDeleted: 'D', ResInserted: 'I', ResReplaced: 'R', ResUpdated: 'U'} {
		if s.Char() != want {
			t.Errorf("%d: %c", s, s.Char())
		}
	}
}

// TestRequestDoesNotWriteThrough: a value that must change is copied, not
// edited where it lies (it may be a rule's constant, shared by requests).
func TestRequestDoesNotWriteThrough(t *testing.T) {
	ck := mustParse(t, "SRV prefix")
	shared := []byte("a = 1; SRV=s1~v")
	var req http1.Request
	req.Add([]byte("cookie"), shared)
	var tx Txn
	tx.Reset()
	ck.Request(&tx, &req, testNow, func([]byte) Match { return ServerUp })
	if string(shared) != "a = 1; SRV=s1~v" {
		t.Errorf("shared value changed: %q", shared)
	}
	if got, _ := req.Get("cookie"); string(got) != "a=1; SRV=v" {
		t.Errorf("got %q", got)
	}
}

// TestRequestAllocations: with a Txn reused, the request side does not
// allocate, even when it rewrites.
func TestRequestAllocations(t *testing.T) {
	ck := mustParse(t, "SRV insert indirect")
	raw := []byte("GET / HTTP/1.1\r\nhost: h\r\ncookie: a=1; SRV=s1; b=2\r\ncookie: SRV=s1\r\n\r\n")
	buf := make([]byte, len(raw))
	var req http1.Request
	var tx Txn
	choose := func(v []byte) Match {
		_, m := Choose(testServers, v, testUp, false)
		return m
	}
	run := func() {
		copy(buf, raw)
		if _, err := req.Parse(buf, http1.DefaultLimits); err != nil {
			t.Fatal(err)
		}
		tx.Reset()
		ck.Request(&tx, &req, testNow, choose)
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}
