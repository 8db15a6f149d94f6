package sample

import (
	"strings"
	"testing"
)

// convCtx is a context with a form body and a few variables.
func convCtx() *Ctx {
	c := ctxFor(req("POST http://10.0.0.1:81/f?x=1 HTTP/1.1", "Host: h", "X-Ip: junk", "X-Ip: 10.9.8.7:80",
		"X-Ip: ::1", "Cookie: a=1; b=2"))
	c.Body = []byte("a=1&b=two&a=3")
	c.Vars.Set(VarRef{ScopeTxn, "s"}, Str([]byte("abc")))
	c.Vars.Set(VarRef{ScopeTxn, "n"}, Int(12))
	c.Vars.Set(VarRef{ScopeTxn, "k"}, Str([]byte("a2V5")))
	return c
}

func TestConvEval(t *testing.T) {
	tests := []struct{ expr, want string }{
		// encodings
		{"str(hello),base64", "aGVsbG8="},
		{"str(aGVsbG8=),b64dec", "hello"},
		{"str(aGVsbG8),b64dec", "<none>"},
		{"str(aA==aGk=),b64dec,hex", "686869"},
		{"str(??>),ub64enc", "Pz8-"},
		{"str(Pz8-),ub64dec", "??>"},
		{"str(Zg),ub64dec", "f"},
		{"str(Zm8),ub64dec", "fo"},
		{"str(hello),hex", "68656C6C6F"},
		{"str(fF),hex2i", "255"},
		{"str(f-),hex2i", "<none>"},
		{"str(a/b),json", `a\/b`},
		{"str(%41+b?c+d),url_dec", "A+b?c d"},
		{"str(%41+b),url_dec(1)", "A b"},
		{"str(%4),url_dec", "<none>"},
		{"str(a&b),url_enc", "a%26b"},
		// text
		{"str(abcdef),length", "6"},
		{"str(abcdef),bytes(2,3)", "cde"},
		{"str(abcdef),bytes(-1)", ""},
		{"str(a.b.c.d),field(-2,.,2)", "b.c"},
		{"str(a.b),field(5,.)", "<none>"},
		{"str(..a..b..),word(2,.)", "b"},
		{"str(a.b),word(5,.)", ""},
		{"str(xxaxx),ltrim(x)", "axx"},
		{"str(xxaxx),rtrim(x)", "xxa"},
		{"str(xab),regsub(x*,-,g)", "--a-b-"},
		{"str(aaa),regsub(^a,-,g)", "-aa"},
		{`str(a-b),regsub('(.)-(.)',\2\1)`, "ba"},
		{"str(a),concat(<,txn.s,>)", "a<abc>"},
		{"str(a),concat(<,txn.zz,>)", "a<>"},
		{"str(abc),strcmp(txn.s)", "0"},
		{"str(c),strcmp(txn.s)", "2"},
		{"str(ab),strcmp(txn.s)", "-1"},
		{"str(abc),secure_memcmp(txn.s)", "1"},
		{"str(abd),secure_memcmp(txn.s)", "0"},
		{"int(1),iif(y,n)", "y"},
		{"int(0),iif(y,n)", "n"},
		// arithmetic
		{"int(5),add(txn.n)", "17"},
		{"int(5),add(txn.zz)", "<none>"},
		{"int(-1),add(-1)", "-2"}, // haproxy 2.6 says 9223372036854775807
		{"int(9223372036854775807),add(1)", "9223372036854775807"},
		{"int(-9223372036854775808),sub(1)", "-9223372036854775808"},
		{"int(7),div(0)", "9223372036854775807"},
		{"int(-7),mod(3)", "-1"},
		{"int(4611686018427387904),mul(-4)", "-9223372036854775808"},
		{"int(12),xor(10)", "6"},
		{"int(5),neg", "-5"},
		{"int(5),cpl", "-6"},
		{"int(5),odd", "1"},
		{"int(5),even", "0"},
		{"int(5),not", "0"},
		{"int(5),bool", "1"},
		// hashes
		{"str(hello),djb2", "261238937"},
		{"str(hello),crc32", "907060870"},
		{"str(),xxh3", "3244421341483603138"},
		{"str(abc),sha1,hex", "A9993E364706816ABA3E25717850C26C9CD0D89D"},
		{"str(abc),digest(MD5),hex", "900150983CD24FB0D6963F7D28E17F72"},
		{"str(abc),hmac(sha256,txn.k),hex", "9C196E32DC0175F86F4B1CB89289D6619DE6BEE699E4C378E68309ED97A1A6AB"},
		// addresses, variables, JSON
		{"src,ipmask(16)", "192.0.0.0"},
		{"ipv6(2001:db8::1),ipmask(8,32)", "2001:db8::"},
		{"ipv6(2001:db8::1),ipmask(8)", "<none>"},
		{"str(x),set-var(txn.s,ifnotexists)", "<none>"},
		{"str(x),set-var(txn.new,ifnotexists),concat(,txn.new)", "xx"},
		{`str('{"a":[1,{"b":"x\n"}]}'),json_query($.a[1].b)`, "x\n"},
		{`str('{"a":1.25e2}'),json_query($.a)`, "125"},
		{`str('{"a":0.000012}'),json_query($.a)`, "1.2e-05"},
		{`str('{"a":12}'),json_query($.a,int),add(1)`, "13"},
		{`str('{"a":{}}'),json_query($.a)`, "<none>"},
		// fetches
		{"req.body", "a=1&b=two&a=3"},
		{"req.body_len", "13"},
		{"req.body_param(a)", "1"},
		{"req.body_param(b)", "two"},
		{"req.body_param", "1"},
		{"req.hdrs", "host: h\r\nx-ip: junk\r\nx-ip: 10.9.8.7:80\r\nx-ip: ::1\r\ncookie: a=1; b=2\r\n\r\n"},
		{"url_ip", "10.0.0.1"},
		{"url_port", "81"},
		{"hdr_ip(x-ip)", "::1"},
		{"hdr_ip(x-ip,2)", "10.9.8.7"},
		{"hdr_ip(x-ip,1)", "<none>"},
		{"cookie(b)", "2"},
		{"req.cook_cnt", "2"},
		{"uuid,length", "36"},
		{"rand(1)", "0"},
		{"env(SWITCHYARD_SURELY_UNSET)", "<none>"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.expr, err)
			continue
		}
		if got := text(e.Eval(convCtx())); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// Without a buffered body the body fetches find nothing, and req.len
// counts the head only.
func TestBodyNotWaited(t *testing.T) {
	c := convCtx()
	c.Body = nil
	for _, s := range []string{"req.body", "req.body_len", "req.body_size", "req.body_param(a)"} {
		e, _ := ParseExpr(nil, s)
		if got := text(e.Eval(c)); got != "<none>" {
			t.Errorf("%s without a body = %q", s, got)
		}
	}
	e, _ := ParseExpr(nil, "req.len")
	// 20 + "POST" + URI + "HTTP/1.1" + names and values + 1
	want := 20 + 4 + len("http://10.0.0.1:81/f?x=1") + 8 + len("Hosth") + 3*len("X-Ip") + len("junk10.9.8.7:80::1") +
		len("Cookiea=1; b=2") + 1
	if got := text(e.Eval(c)); got != itoa(want) {
		t.Errorf("req.len = %s, want %d", got, want)
	}
	c.Req = nil // TCP mode: no payload inspection yet
	if got := text(e.Eval(c)); got != "<none>" {
		t.Errorf("req.len in TCP mode = %q", got)
	}
}

func itoa(n int) string { return string(Int(int64(n)).AppendText(nil)) }

// Set-Cookie is read one cookie per header element in response rules;
// cookie() follows the rule's direction.
func TestResponseCookies(t *testing.T) {
	rq := req("GET / HTTP/1.1", "Cookie: sid=req; x=1")
	rs := &testResp{status: 200, testReq: req("x x HTTP/1.1", "Set-Cookie: sid=abc; Path=/; HttpOnly",
		"Set-Cookie: a=1, b=2", "Set-Cookie: $x=1")}
	tests := []struct{ expr, want string }{
		{"res.cook(sid)", "abc"},
		{"res.cook(Path)", "<none>"},
		{"res.cook(b)", "2"},
		{"res.cook", "abc"},
		{"res.cook_cnt", "4"}, // as haproxy, which resumes after sid and counts Path

		{"scook_cnt(sid)", "1"},
		{"res.cook_val(a)", "1"},
		{"scook(a)", "1"},
		{"cookie(sid)", "abc"},
		{"req.cook(sid)", "req"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		c := ctxFor(rq)
		c.Resp, c.OnResponse = rs, true
		if got := text(e.Eval(c)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	e, _ := ParseExpr(nil, "cookie(sid)")
	if got := text(e.Eval(ctxFor(rq))); got != "req" {
		t.Errorf("cookie(sid) in a request rule = %q", got)
	}
	if err := e.Check(SrcL4 | SrcHTTPReq); err != nil {
		t.Errorf("cookie() in a request rule: %v", err)
	}
	e, _ = ParseExpr(nil, "res.cook(sid)")
	if err := e.Check(SrcL4 | SrcHTTPReq); err == nil {
		t.Errorf("res.cook() accepted in a request rule")
	}
}

// ACLs walk every value: each body parameter, each header address.
func TestNewFetchesInACLs(t *testing.T) {
	tests := []struct {
		cond string
		want bool
	}{
		{"if { req.body_param(a) -m str 3 }", true},
		{"if { req.body_param(a) -m str 2 }", false},
		{"if { hdr_ip(x-ip) 10.9.8.0/24 }", true},
		{"if { url_port 81 }", true},
		{"if { str(abc),sha2,hex,length 64 }", true},
		{"if { int(5),add(txn.n) gt 16 }", true},
		{"if { str(a.b.c),field(2,.) b }", true},
	}
	for _, tt := range tests {
		c, err := ParseCond(strings.Fields(tt.cond), NewACLSet(nil))
		if err != nil {
			t.Errorf("%s: %v", tt.cond, err)
			continue
		}
		if got := c.Eval(convCtx()); got != tt.want {
			t.Errorf("%s = %v", tt.cond, got)
		}
	}
}

// Converters build their results in Ctx.Scratch: once it has grown,
// evaluating does not allocate. (regsub does: Go's regexp returns match
// positions in a new slice.)
func TestConvNoAlloc(t *testing.T) {
	exprs := []string{
		"req.body,base64", "req.body,hex", "req.hdr(host),url_enc", "req.body,sha2", "req.body,hmac(sha256,a2V5)",
		"req.body,xxh3", "req.body,crc32(1)", "req.body,field(2,&)", "int(5),add(txn.n)",
		"req.body,json", "req.body,concat(<,txn.s,>)", "src,ipmask(24)", "req.body_param(b)", "req.hdrs",
		"hdr_ip(x-ip)", "uuid", "req.body,digest(sha1)", `str('{"a":"b"}'),json_query($.a)`,
	}
	c := convCtx()
	for _, s := range exprs {
		e, err := ParseExpr(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		e.Eval(c)
		c.Scratch = c.Scratch[:0]
		if n := testing.AllocsPerRun(50, func() {
			c.Scratch = c.Scratch[:0]
			e.Eval(c)
		}); n != 0 {
			t.Errorf("%s allocates %.0f times", s, n)
		}
	}
}
