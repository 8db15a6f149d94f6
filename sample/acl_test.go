package sample

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestACLMatch runs anonymous ACLs ("{ ... }") against requests.
func TestACLMatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hosts := write("hosts.lst", "# allowed hosts\nwww.example.com\n\n  API.example.com\r\n#ignored.example.com\n")
	nets := write("nets.lst", "10.0.0.0/8\n192.0.2.0/24\n2001:db8::/32\n")
	mapf := write("hosts.map", "www.example.com be_www\napi.example.com\tbe_api\n")
	write("rel.lst", "/rel\n")

	r := req("GET /api/v1/users?id=7&debug HTTP/1.1",
		"Host: www.example.com",
		"X-Forwarded-For: 10.1.2.3, 203.0.113.9",
		"Cookie: sid=XYZ",
		"Content-Length: 5",
	)
	tests := []struct {
		acl  string
		want bool
	}{
		// str, with -i placement and --
		{"path /api/v1/users", true},
		{"path /API/v1/users", false},
		{"path -i /API/v1/users", true},
		{"path /nope -i /API/v1/users", false},
		{"path -- -i", false},
		{"hdr(host) -f " + hosts, true},
		{"hdr(host) -i -f " + hosts, true},
		{"str(api.EXAMPLE.com) -f " + hosts, false},
		{"str(api.EXAMPLE.com) -i -f " + hosts, true},
		{"str(API.example.com) -f " + hosts, true}, // leading blanks and CR stripped
		{"str(#ignored.example.com) -f " + hosts, false},
		{"str(api.EXAMPLE.com) -f " + hosts + " -i api.example.com", true},
		{"hdr(host) -M -f " + mapf, true},
		{"str(be_www) -M -f " + mapf, false},
		{"path -f rel.lst", false}, // read from the base directory
		// prefix, suffix, substring, words, length, regex
		{"path_beg /api/", true},
		{"path_beg -i /API/", true},
		{"path_end /users", true},
		{"path_sub v1", true},
		{"path_dir v1", true},
		{"path_dir /v1/", true},
		{"path_dir api/v1", true},
		{"path_dir pi", false},
		{"hdr_dom(host) example", true},
		{"hdr_dom(host) www.example", true},
		{"hdr_dom(host) ample", false},
		{"path_len 13", true},
		{"path_len gt 13", false},
		{"path_reg ^/api/v[0-9]+/", true},
		{"path_reg -i ^/API/", true},
		{"url_reg debug$", true},
		// multi-valued fetches match if any value does
		{"hdr(x-forwarded-for) 203.0.113.9", true},
		{"hdr(x-forwarded-for,1) 203.0.113.9", false},
		{"req.fhdr(x-forwarded-for) 203.0.113.9", false},
		{"req.hdr(x-forwarded-for) -m ip -f " + nets, true},
		{"urlp(debug) -m found", false},
		{"urlp(id) 7", true},
		{"urlp(id) -m int ge 7", true},
		{"cook(sid) xyz", false},
		{"cook(sid) -i xyz", true},
		// ints and operators
		{"hdr_cnt(x-forwarded-for) 2", true},
		{"hdr_cnt(x-forwarded-for) eq 1 3", false},
		{"hdr_cnt(x-forwarded-for) lt 3", true},
		{"hdr_cnt(x-forwarded-for) le 1", false},
		{"hdr_cnt(x-forwarded-for) gt 1", true},
		{"hdr_cnt(x-forwarded-for) ge 3", false},
		{"hdr_cnt(x-forwarded-for) 1:2", true},
		{"hdr_cnt(x-forwarded-for) 3:", false},
		{"hdr_cnt(x-forwarded-for) ne 1", false},
		{"req.hdr_val(content-length) gt 0", true},
		{"int(0)", false},
		{"int(5) -m bool", true},
		{"bool(false)", false},
		{"bool(true)", true},
		{"always_true", true},
		{"str(5) -m int 5", true},
		{"str() -m int 0", false}, // an empty string is not an integer
		// addresses
		{"src 192.0.2.0/24", true},
		{"src -f " + nets, true},
		{"src 192.0.2.10/255.255.0.255", true},
		{"src ::ffff:192.0.2.10", true},
		{"src 2001:db8::/32", false},
		{"ipv6(::ffff:192.0.2.10) 192.0.2.10", true},
		{"ipv6(2002:c000:20a::1) 192.0.2.10", true},
		{"ipv6(::192.0.2.10) 192.0.2.0/24", true},
		{"ipv6(2001:db8::1) -f " + nets, true},
		{"src -m str 192.0.2.10", true},
		{"src -m beg 192.0.", true},
		{"src -m int 3221225994", true},
		{"src -m len 10", true},
		{"dst -m ip 127.0.0.1", true},
		{"str(10.9.8.7:80) -m ip 10.0.0.0/8", true},
		{"str(x10.9.8.7) -m ip 10.0.0.0/8", false},
		// binary and found
		{"str(abc) -m bin 616263", true},
		{"str(abc) -m bin 616264", false},
		{"hdr(cookie) -m found", true},
		{"hdr(nope) -m found", false},
		{"var(txn.unset) -m found", false},
		{"str(x) -m found", true},
		// methods
		{"method GET", true},
		{"method -i get", false},
		{"method POST GET", true},
		{"method -m str GET", true},
		{"method -m sub E", true},
		{"method,lower get", true},
		// patterns end at the first empty word, as in haproxy
		{"path \x00 /api/v1/users", false},
	}
	for _, tt := range tests {
		words := strings.Fields(tt.acl)
		for i, w := range words {
			if w == "\x00" {
				words[i] = ""
			}
		}
		e, err := parseACLExpr(&Env{Dir: dir}, words)
		if err != nil {
			t.Errorf("%s: %v", tt.acl, err)
			continue
		}
		if got := e.test(ctxFor(r)) == Pass; got != tt.want {
			t.Errorf("%s = %v, want %v", tt.acl, got, tt.want)
		}
	}
}

func TestNamedACLs(t *testing.T) {
	s := NewACLSet(nil)
	add := func(name string, words ...string) {
		t.Helper()
		if err := s.Add(name, words); err != nil {
			t.Fatal(err)
		}
	}
	// Lines with the same name are OR'ed.
	add("static", "path_beg", "/static/")
	add("static", "path_end", ".css")
	// Declared before use, a predefined name is replaced...
	add("METH_GET", "method", "PURGE")
	cond := func(s2 string) *Cond {
		t.Helper()
		c, err := ParseCond(strings.Fields(s2), s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	static := cond("if static")
	purge := cond("if METH_GET")
	post := cond("if METH_POST")
	// ...and declared after use, it is extended.
	add("METH_POST", "method", "PATCH")

	tests := []struct {
		c    *Cond
		r    *testReq
		want bool
	}{
		{static, req("GET /static/a.js HTTP/1.1"), true},
		{static, req("GET /b.css HTTP/1.1"), true},
		{static, req("GET /b.js HTTP/1.1"), false},
		{purge, req("PURGE / HTTP/1.1"), true},
		{purge, req("GET / HTTP/1.1"), false},
		{post, req("POST / HTTP/1.1"), true},
		{post, req("PATCH / HTTP/1.1"), true},
	}
	for i, tt := range tests {
		if got := tt.c.Eval(ctxFor(tt.r)); got != tt.want {
			t.Errorf("case %d: got %v, want %v", i, got, tt.want)
		}
	}
}

func TestPredefinedACLs(t *testing.T) {
	tests := []struct {
		name string
		r    *testReq
		want bool
	}{
		{"TRUE", nil, true},
		{"FALSE", nil, false},
		{"LOCALHOST", nil, false},
		{"HTTP", req("GET / HTTP/1.1"), true},
		{"HTTP", nil, false},
		{"HTTP_1.0", req("GET / HTTP/1.0"), true},
		{"HTTP_1.1", req("GET / HTTP/1.0"), false},
		{"HTTP_1.1", req("GET / HTTP/1.1"), true},
		{"HTTP_2.0", req("GET / HTTP/2.0"), true},
		{"HTTP_CONTENT", req("POST / HTTP/1.1", "Content-Length: 3"), true},
		{"HTTP_CONTENT", req("POST / HTTP/1.1", "Content-Length: 0"), false},
		{"HTTP_URL_ABS", req("GET http://h/ HTTP/1.1"), true},
		{"HTTP_URL_ABS", req("GET / HTTP/1.1"), false},
		{"HTTP_URL_SLASH", req("GET / HTTP/1.1"), true},
		{"HTTP_URL_STAR", req("OPTIONS * HTTP/1.1"), true},
		{"METH_CONNECT", req("CONNECT h:443 HTTP/1.1"), true},
		{"METH_DELETE", req("DELETE / HTTP/1.1"), true},
		{"METH_GET", req("HEAD / HTTP/1.1"), true},
		{"METH_GET", req("POST / HTTP/1.1"), false},
		{"METH_HEAD", req("HEAD / HTTP/1.1"), true},
		{"METH_OPTIONS", req("OPTIONS / HTTP/1.1"), true},
		{"METH_POST", req("POST / HTTP/1.1"), true},
		{"METH_PUT", req("PUT / HTTP/1.1"), true},
		{"METH_TRACE", req("TRACE / HTTP/1.1"), true},
	}
	for _, tt := range tests {
		c, err := ParseCond([]string{"if", tt.name}, NewACLSet(nil))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := c.Eval(ctxFor(tt.r)); got != tt.want {
			t.Errorf("%s on %s = %v, want %v", tt.name, tt.r.describe(), got, tt.want)
		}
	}
	c := ctxFor(nil)
	c.Src = c.Dst
	local, _ := ParseCond([]string{"if", "LOCALHOST"}, NewACLSet(nil))
	if !local.Eval(c) {
		t.Error("LOCALHOST does not match 127.0.0.1")
	}
}

func TestCondForms(t *testing.T) {
	s := NewACLSet(nil)
	s.Add("a", []string{"always_true"})
	s.Add("b", []string{"always_false"})
	tests := []struct {
		cond string
		want bool
	}{
		{"if a", true},
		{"if b", false},
		{"unless a", false},
		{"unless b", true},
		{"if a b", false},
		{"if a !b", true},
		{"if !a", false},
		{"if !!a", true},
		{"if ! a", false},
		{"if ! ! a", true},
		{"if b || a", true},
		{"if b or a", true},
		{"if b OR a", true},
		{"if a b or b a", false},
		{"if a b or !b a", true},
		{"if b || !a || a !b", true},
		{"if { always_true }", true},
		{"if !{ always_true }", false},
		{"if ! { always_true } || { int(3) 3 }", true},
		{"if a { int(3) 4 }", false},
		{"if", false},
		{"unless", true},
		{"if or a", true},
		{"if a or", true},
		{"if !", false},
	}
	for _, tt := range tests {
		c, err := ParseCond(strings.Fields(tt.cond), s)
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		if got := c.Eval(ctxFor(nil)); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.cond, got, tt.want)
		}
	}
}
