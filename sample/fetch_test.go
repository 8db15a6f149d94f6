package sample

import (
	"net/netip"
	"strings"
	"testing"
)

func TestFetchEval(t *testing.T) {
	plain := req("GET /a/b?x=1&y=2;x=3 HTTP/1.1",
		"Host: www.example.com",
		"X-List: a, b ,\"c,d\"",
		"X-List: e",
		"X-Empty:",
		"User-Agent: Mozilla/5.0 (X11, Linux)",
		"Cookie: sid=abc; $Path=/; lang = fr ; sid=def",
		"Cookie: theme=dark",
		"Content-Length: 42",
	)
	abs := req("GET http://h.example/p/q?k=v HTTP/1.1", "Host: h.example")
	tests := []struct {
		expr string
		r    *testReq
		want string
	}{
		// request line
		{"path", plain, "/a/b"},
		{"pathq", plain, "/a/b?x=1&y=2;x=3"},
		{"path", abs, "/p/q"},
		{"path", req("GET http://h.example HTTP/1.1"), "<none>"},
		{"path", req("GET http://h.example?q HTTP/1.1"), "<none>"},
		{"path", req("OPTIONS * HTTP/1.1"), "<none>"},
		{"path", req("CONNECT h.example:443 HTTP/1.1"), "<none>"},
		{"path", req("GET /?x HTTP/1.1"), "/"},
		{"url", abs, "http://h.example/p/q?k=v"},
		{"url", req("OPTIONS * HTTP/1.1"), "*"},
		{"query", plain, "x=1&y=2;x=3"},
		{"query", req("GET /a? HTTP/1.1"), ""},
		{"query", req("GET /a HTTP/1.1"), "<none>"},
		{"base", plain, "www.example.com/a/b"},
		{"baseq", plain, "www.example.com/a/b?x=1&y=2;x=3"},
		{"base", req("GET /a?b HTTP/1.0"), "/a"},
		{"base", req("GET /a?b HTTP/1.0", "Host:"), "/a"},
		{"baseq", req("GET /a?b HTTP/1.0"), "/a?b"},
		{"base", req("OPTIONS * HTTP/1.1", "Host: h"), "h"},
		{"base", req("GET / HTTP/1.1", "Host: a, b"), "a/"},
		{"method", plain, "GET"},
		{"method", req("PURGE / HTTP/1.1"), "PURGE"},
		{"req.ver", plain, "1.1"},
		{"req_ver", req("GET / HTTP/1.0"), "1.0"},
		{"req.ver", req("GET / HTTP/"), "<none>"},
		{"req.proto_http", plain, "1"},
		// URL parameters
		{"url_param(x)", plain, "1"},
		{"urlp(y)", plain, "2"},
		{"urlp", plain, "1"},
		{"urlp(z)", plain, "<none>"},
		{"urlp(x,;)", req("GET /a;x=5?x=1 HTTP/1.1"), "5?x=1"},
		{"urlp(k)", abs, "v"},
		{"urlp(x)", req("GET /a?x HTTP/1.1"), "<none>"},
		{"urlp", req("GET /a?foo&bar=1 HTTP/1.1"), "1"},
		{"urlp_val(y)", plain, "2"},
		// headers
		{"hdr(host)", plain, "www.example.com"},
		{"hdr(HOST)", plain, "www.example.com"},
		{"req.hdr(x-list)", plain, "e"},
		{"req.hdr(x-list,1)", plain, "a"},
		{"req.hdr(x-list,2)", plain, "b"},
		{"req.hdr(x-list,3)", plain, "\"c,d\""},
		{"req.hdr(x-list,5)", plain, "<none>"},
		{"req.hdr(x-list,-1)", plain, "e"},
		{"req.hdr(x-list,-4)", plain, "a"},
		{"req.hdr(x-list,-5)", plain, "<none>"},
		{"req.fhdr(x-list)", plain, "e"},
		{"req.fhdr(x-list,1)", plain, "a, b ,\"c,d\""},
		{"req.fhdr(user-agent)", plain, "Mozilla/5.0 (X11, Linux)"},
		{"req.hdr(user-agent)", plain, "Linux)"},
		{"req.hdr(x-empty)", plain, ""},
		{"hdr(nope)", plain, "<none>"},
		{"hdr", plain, "<none>"},
		{"hdr()", plain, "42"},
		{"hdr(,1)", plain, "www.example.com"},
		{"hdr_cnt(x-list)", plain, "4"},
		{"req.hdr_cnt(X-Empty)", plain, "1"},
		{"req.hdr_cnt(nope)", plain, "0"},
		{"hdr_cnt", plain, "11"},
		{"req.fhdr_cnt(x-list)", plain, "2"},
		{"req.fhdr_cnt", plain, "8"},
		{"req.hdr_val(content-length)", plain, "42"},
		{"hdr_val(host)", plain, "0"},
		// cookies
		{"req.cook(sid)", plain, "def"},
		{"cook(lang)", plain, "fr"},
		{"req.cook(theme)", plain, "dark"},
		{"req.cook", plain, "abc"},
		{"req.cook($Path)", plain, "<none>"},
		{"req.cook(nope)", plain, "<none>"},
		{"req.cook(a)", req("GET / HTTP/1.1", "Cookie: a="), "<none>"},
		{"req.cook(a)", req("GET / HTTP/1.1", "Cookie: b=1; a="), ""},
		{"req.cook(a)", req("GET / HTTP/1.1", "Cookie: a=\"x;y\"; b=2"), "\"x;y\""},
		{"req.cook_cnt(sid)", plain, "2"},
		{"cook_cnt", plain, "4"},
		{"req.cook_val(a)", req("GET / HTTP/1.1", "Cookie: a=12"), "12"},
		// constants, converters
		{"int(-7)", nil, "-7"},
		{"str(hello)", nil, "hello"},
		{"str('a,b')", nil, "a,b"},
		{`str("a)b")`, nil, "a)b"},
		{`str(a\"b\ c\)`, nil, `a"b c\`},
		{`str(a\tb)`, nil, "a\tb"},
		{"bool(true)", nil, "1"},
		{"bool(0)", nil, "0"},
		{"always_true", nil, "1"},
		{"always_false", nil, "0"},
		{"ipv4(10.1.2.3)", nil, "10.1.2.3"},
		{"ipv6(2001:db8::1)", nil, "2001:db8::1"},
		{"str(MiXeD),lower", nil, "mixed"},
		{"str(MiXeD),upper", nil, "MIXED"},
		{"str(abc),,lower,", nil, "abc"},
		{"hdr(host),upper,lower", plain, "www.example.com"},
		{"int(42),lower", nil, "42"},
		// layer 4
		{"src", nil, "192.0.2.10"},
		{"src_port", nil, "40000"},
		{"dst", nil, "127.0.0.1"},
		{"dst_port", nil, "80"},
		// no request yet: HTTP fetches find nothing
		{"path", nil, "<none>"},
		{"hdr(host)", nil, "<none>"},
		{"req.cook(sid)", nil, "<none>"},
		{"req.proto_http", nil, "<none>"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.expr, err)
			continue
		}
		got := text(e.Eval(ctxFor(tt.r)))
		if got != tt.want {
			t.Errorf("%s on %q = %q, want %q", tt.expr, tt.r.describe(), got, tt.want)
		}
	}
}

func (r *testReq) describe() string {
	if r == nil {
		return "<no request>"
	}
	return string(r.uri)
}

func TestFetchAllValues(t *testing.T) {
	r := req("GET /a?x=1&y=2&x=3;x=4 HTTP/1.1",
		"X-List: a, b,,\"c,d\" , ",
		"x-list: e",
		"Cookie: a=1; b=2, a=3",
		"Cookie: a=4",
	)
	tests := []struct {
		expr string
		want []string
	}{
		{"req.hdr(x-list)", []string{"a", "b", "", `"c,d"`, "", "e"}},
		{"req.fhdr(x-list)", []string{`a, b,,"c,d" ,`, "e"}},
		{"req.hdr(x-list,2)", []string{"b"}},
		{"req.hdr(nope)", nil},
		{"urlp(x)", []string{"1", "3", "4"}},
		{"urlp", []string{"1", "2", "3", "4"}},
		{"req.cook(a)", []string{"1", "3", "4"}},
		{"req.cook", []string{"1", "2", "3", "4"}},
		{"req.hdr(x-list),upper", []string{"A", "B", "", `"C,D"`, "", "E"}},
		{"path", []string{"/a"}},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", tt.expr, err)
		}
		c := ctxFor(r)
		var got []string
		it := e.Iter()
		for v, ok := it.Next(c); ok; v, ok = it.Next(c) {
			got = append(got, text(v, true))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("%s values = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestFetchVars(t *testing.T) {
	user, _ := ParseVarName("txn.user")
	tests := []struct {
		expr string
		set  bool
		want string
	}{
		{"var(txn.user)", false, "<none>"},
		{"var(txn.user,anon)", false, "anon"},
		{"var(txn.user,anon)", true, "alice"},
		{"var(txn.user),upper", true, "ALICE"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Fatalf("ParseExpr(%q): %v", tt.expr, err)
		}
		c := ctxFor(nil)
		if tt.set {
			c.Vars.Set(user, Str([]byte("alice")))
		}
		if got := text(e.Eval(c)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestFetchIPv6Client(t *testing.T) {
	c := ctxFor(nil)
	c.Src = netip.MustParseAddrPort("[2001:db8::5]:1234")
	e, err := ParseExpr(nil, "src")
	if err != nil {
		t.Fatal(err)
	}
	if got := text(e.Eval(c)); got != "2001:db8::5" {
		t.Errorf("src = %q", got)
	}
	c.Src = netip.AddrPort{}
	if got := text(e.Eval(c)); got != "<none>" {
		t.Errorf("src without an address = %q", got)
	}
}

// testResp is a response for tests: a status and header lines.
type testResp struct {
	status int
	*testReq
}

func (r *testResp) StatusCode() int { return r.status }

// Response fetches read the response; hdr and its kin read the response
// only while response rules run (OnResponse), as haproxy's hdr() does.
func TestFetchResponse(t *testing.T) {
	rq := req("GET /p HTTP/1.1", "Host: a", "X-Who: request")
	rs := &testResp{status: 404, testReq: req("x x HTTP/1.0", "X-Who: response", "Vary: a, b", "Vary: c")}
	tests := []struct {
		expr       string
		resp       bool // a response is there
		onResponse bool
		want       string
	}{
		{"status", true, true, "404"},
		{"status", false, false, "<none>"},
		{"res.ver", true, true, "1.0"},
		{"res.hdr(x-who)", true, false, "response"},
		{"res.hdr(vary,1)", true, true, "a"},
		{"res.hdr_cnt(vary)", true, true, "3"},
		{"res.fhdr_cnt(vary)", true, true, "2"},
		{"res.fhdr(vary)", true, true, "c"},
		{"shdr(vary,-2)", true, true, "b"},
		{"res.hdr(x-who)", false, false, "<none>"},
		{"hdr(x-who)", true, false, "request"},
		{"hdr(x-who)", true, true, "response"},
		{"hdr_cnt(x-who)", true, true, "1"}, // the request's, as in haproxy 2.6
		{"req.hdr(x-who)", true, true, "request"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.expr, err)
			continue
		}
		c := ctxFor(rq)
		if tt.resp {
			c.Resp = rs
		}
		c.OnResponse = tt.onResponse
		if got := text(e.Eval(c)); got != tt.want {
			t.Errorf("%s (response %v, on response %v) = %q, want %q", tt.expr, tt.resp, tt.onResponse, got, tt.want)
		}
	}
}
