package sample

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// diffACLs are acl lines shared by the differential conditions.
var diffACLs = []string{
	"host_www hdr_beg(host) -i www.",
	"static path_end .gif .png .css",
	"static path_beg /static/ /img/",
	"api path_beg /api",
	"api_v2 path_reg ^/api/v2(/|$)",
	"has_sid req.cook(sid) -m found",
	"lower_x req.hdr(x) lower foo",
	"port_hi dst_port ge 1024",
	"TRUE path /override",
	"hosts_exact hdr(host) -f @DIR@/hosts.lst",
	"hosts_icase hdr(host) -f @DIR@/hosts.lst -i -f @DIR@/hosts2.lst",
	"nets src -f @DIR@/nets.lst",
	"paths path_beg -i -f @DIR@/paths.lst /other",
}

// diffFiles are the pattern files of diffACLs, in the directory @DIR@.
var diffFiles = map[string]string{
	"hosts.lst":  "# exact\nwww.example.com\n\n  img.example.com\r\n",
	"hosts2.lst": "API.EXAMPLE.COM\n",
	"nets.lst":   "10.0.0.0/8\n127.0.0.0/31\n",
	"paths.lst":  "/API/V2\n/Static/\n",
}

// diffConds are conditions whose results must agree with haproxy's.
var diffConds = []string{
	// condition forms
	"if host_www", "if static", "if host_www static", "if !static", "unless static",
	"if host_www || api", "if host_www or api", "if host_www OR api", "if !host_www !api",
	"if api !api_v2 || static", "if ! api", "if !!api", "if { path_beg /api } { method POST }",
	"if !{ path_beg /api }", "unless { path_beg /api } || METH_GET", "if", "unless", "if has_sid",
	"if lower_x", "if TRUE", "if port_hi", "if hosts_exact", "if hosts_icase", "if nets", "if paths",
	// predefined ACLs
	"if METH_GET", "if METH_HEAD", "if METH_POST", "if METH_PUT", "if METH_DELETE", "if METH_OPTIONS",
	"if METH_TRACE", "if METH_CONNECT", "if HTTP", "if HTTP_1.0", "if HTTP_1.1", "if HTTP_2.0",
	"if HTTP_CONTENT", "if HTTP_URL_ABS", "if HTTP_URL_SLASH", "if HTTP_URL_STAR", "if LOCALHOST", "if FALSE",
	// matching methods and derivatives
	"if { path /api/users }", "if { path -i /API/USERS }", "if { path_beg /api/ }", "if { path_end .css .js }",
	"if { path_sub user }", "if { path_dir users }", "if { path_dir api/users }", "if { path_dom example }",
	"if { path_len 10 }", "if { path_len 5:12 }", "if { path_reg -i ^/API }", "if { url_beg http:// }",
	"if { url_dom www.example.com }", "if { url_dir v2 }", "if { url_len gt 20 }", "if { url_sub ? }",
	"if { url_end =1 }", "if { url_reg [0-9]$ }", "if { base www.example.com/api/users }",
	"if { base_beg www.example.com/api }", "if { base_end /users }", "if { base_sub example }",
	"if { base_dom com }", "if { base_dir api }", "if { base_len gt 15 }", "if { base_reg ^www }",
	"if { hdr(host) www.example.com }", "if { hdr(host) -i WWW.EXAMPLE.COM }", "if { hdr_beg(host) www. }",
	"if { hdr_end(host) .com }", "if { hdr_sub(host) ample }", "if { hdr_dom(host) example }",
	"if { hdr_dir(x-path) b }", "if { hdr_len(host) 15 }", "if { hdr_reg(host) ^w+\\. }",
	"if { hdr(x-list) b }", "if { hdr(x-list,1) b }", "if { hdr(x-list,-1) e }", "if { req.fhdr(x-list) b }",
	"if { req.fhdr(x-list) -m sub b }", "if { hdr_cnt(x-list) eq 4 }", "if { req.hdr_cnt(x-list) gt 2 }",
	"if { req.fhdr_cnt(x-list) 2 }", "if { hdr_cnt 0 }", "if { hdr() -m found }", "if { hdr -m found }",
	"if { req.hdr(nope) -m found }", "if { req.hdr(x-empty) -m found }", "if { req.hdr(x-empty) -m len 0 }",
	"if { cook(sid) abc }", "if { req.cook(sid) def }", "if { cook_beg(sid) ab }", "if { cook_len(sid) 3 }",
	"if { req.cook(a) -m found }", "if { req.cook_cnt(sid) 2 }", "if { cook_reg(lang) ^f }",
	"if { urlp(x) 1 }", "if { urlp(x) 3 }", "if { urlp(y) -m found }", "if { urlp 2 }", "if { urlp(x,;) 5 }",
	"if { urlp_beg(x) 1 }", "if { urlp_len(x) 1 }", "if { url_param(x) -m int gt 2 }", "if { urlp_val(x) 1 }",
	"if { query -m found }", "if { query x=1&y=2 }", "if { query -m sub y= }",
	"if { method GET }", "if { method get }", "if { method -i get }", "if { method -i purge }",
	"if { method PURGE }", "if { method -m beg G }", "if { method,lower get }",
	"if { req.ver 1.1 }", "if { req_ver 1.0 }",
	// integers and operators
	"if { int(5) gt 4 }", "if { int(5) gt 5 }", "if { int(5) ge 5 }", "if { int(5) lt 5 }", "if { int(5) le 5 }",
	"if { int(5) eq 5 }", "if { int(5) ne 5 }", "if { int(5) 1:5 }", "if { int(5) :4 }", "if { int(5) 6: }",
	"if { int(5) 3-7 }", "if { int(5) lt 9 eq 1 }", "if { int(-3) -- -5 }", "if { int(-3) lt -2 }",
	"if { int(5) gt 3-4 }", "if { int(0) -m bool }", "if { int(7) -m bool }", "if { bool(1) }",
	"if { always_true }", "if { always_false }", "if { str(a) -m bool }",
	"if { hdr(x-num) -m int gt 5 }", "if { hdr(x-num) -m int ge 0 }", "if { hdr(x-num) -m bool }",
	"if { req.hdr_val(content-length) gt 10 }",
	// addresses
	"if { src 127.0.0.1 }", "if { src 127.1 }", "if { src 127.0.0.0/8 }", "if { src 127.0.0.0/255.0.0.0 }",
	"if { src 10.0.0.0/8 ::ffff:127.0.0.1/128 }", "if { src localhost }", "if { src ::ffff:127.0.0.0/104 }",
	"if { src 10.0.0.0/8 }", "if { src 127.0.0.0/255.0.255.0 }", "if { src -m str 127.0.0.1 }",
	"if { src -m int 2130706433 }", "if { src -m beg 127. }", "if { dst 127.0.0.1 }", "if { dst_port gt 1024 }",
	"if { src_port gt 0 }", "if { hdr(x-ip) -m ip 10.0.0.0/8 }", "if { hdr(x-ip) -m ip ::1 }",
	"if { hdr(x-ip) -m ip 2002::/16 }", "if { hdr(x-ip) -m ip 1.2.3.4 }",
	// strings, binary, case, converters
	"if { str(abc) -m bin 616263 }", "if { str(Ab) -i ab }", "if { str(Ab) -i -m reg ^ab$ }",
	"if { str(Ab) -m reg ^ab$ }", "if { str(Ab),upper AB }", "if { str(Ab),lower -m beg a }",
	"if { path_beg,lower /api }", "if { path_beg,lower -m beg /api }", "if { hdr(host),upper -m end .COM }",
	"if { req.hdr(x) lower foo }", "if { req.hdr(x) lower }", "if { str(x) -m found }",
	"if { var(txn.nope) -m found }", "if { var(txn.nope,dflt) -m str dflt }",
	"if { str(a/b/c) -m dir b }", "if { str(a/b/c) -m dir a/b }", "if { str(a.b.c) -m dom b }",
	"if { str(/a/) -m dir / }", "if { str(a/b/) -m dir / }", "if { str(abc) -m dom .b. }",
	"if { str(x) -i -m beg X Y }", "if { str(xyz) -m end YZ -i yz }", "if { str(abc) -m sub -i B }",
	"if { str(abc) -- -i }", "if { str(-i) -- -i }", "if { str(abc) -m str abc -i }",
}

// diffExprs are expressions whose values must agree with haproxy's.
var diffExprs = []string{
	"path", "pathq", "url", "query", "base", "baseq", "method", "req.ver",
	"hdr(host)", "req.hdr(x-list)", "req.hdr(x-list,1)", "req.hdr(x-list,-2)", "req.fhdr(x-list)",
	"req.fhdr(x-list,1)", "hdr_cnt(x-list)", "req.fhdr_cnt", "hdr_cnt", "req.hdr(user-agent)",
	"req.fhdr(user-agent)", "req.cook(sid)", "req.cook", "cook_cnt", "req.cook(lang)",
	"urlp(x)", "urlp", "urlp(x,;)", "url_param(y)", "req.hdr_val(content-length)",
	"src", "dst", "dst_port", "src_port", "str(ab),upper", "hdr(host),lower", "var(txn.nope,dflt)",
	"int(-12)", "bool(true)", "ipv6(::1)", "hdr(x-num),upper",
}

// diffRequests exercise the fetches; haproxy must accept each of them.
var diffRequests = []string{
	"GET /api/users HTTP/1.1\r\nHost: www.example.com\r\nX-List: a, b ,\"c,d\"\r\nX-List: e\r\n" +
		"Cookie: sid=abc; lang=fr; sid=def\r\nX: FOO\r\nX-Num: 10.0.1.2\r\nX-Ip: 10.0.1.2\r\n\r\n",
	"POST /api/v2/items?x=1&y=2;x=3 HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 0\r\n" +
		"X-Empty:\r\nX-Num: 7\r\nX-Ip: ::1\r\nX: lower\r\n\r\n",
	"GET /static/logo.png HTTP/1.0\r\nHost: WWW.Example.COM\r\nCookie: a=\r\nX-Path: /a/b/c\r\n" +
		"User-Agent: Mozilla/5.0 (X11, Linux)\r\n\r\n",
	"GET http://www.example.com/api/v2?x=5 HTTP/1.1\r\nHost: www.example.com\r\nX-Ip: 2002:0a00:0001::1\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: www.example.com\r\nCookie: x=1,a=\r\n\r\n",
	"PURGE /a;x=5?z=2&x=1 HTTP/1.1\r\nHost:\r\nX-Num: x\r\n\r\n",
	"get /override HTTP/1.1\r\nHost: www.example.com\r\nX: LOWER\r\n\r\n",
	"PUT /img/x.gif?x=1 HTTP/1.1\r\nHost: img.example.com\r\nContent-Length: 12\r\n\r\nhello world!",
	"DELETE /Api/Users/ HTTP/1.1\r\nHost: www.example.com\r\nX-Ip: 1.2.3.4:80\r\n\r\n",
}

// TestDifferential checks conditions and expressions against haproxy on
// the same requests.
func TestDifferential(t *testing.T) {
	// Our side must not reach DNS; haproxy finds localhost in /etc/hosts.
	saved := resolveHost
	resolveHost = func(h string) (netip.Addr, bool) { return netip.MustParseAddr("127.0.0.1"), h == "localhost" }
	t.Cleanup(func() { resolveHost = saved })
	dir := t.TempDir()
	for name, content := range diffFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lines := make([]string, len(diffACLs))
	for i, l := range diffACLs {
		lines[i] = strings.ReplaceAll(l, "@DIR@", dir)
	}
	acls := NewACLSet(nil)
	for _, line := range lines {
		w := strings.Fields(line)
		if err := acls.Add(w[0], w[1:]); err != nil {
			t.Fatalf("acl %s: %v", line, err)
		}
	}
	conds := make([]*Cond, len(diffConds))
	for i, s := range diffConds {
		c, err := ParseCond(strings.Fields(s), acls)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		conds[i] = c
	}
	exprs := make([]*Expr, len(diffExprs))
	for i, s := range diffExprs {
		e, err := ParseExpr(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		exprs[i] = e
	}

	o := startHAProxy(t, lines, diffConds, diffExprs)
	for _, raw := range diffRequests {
		want, wantVals, src, dst := o.ask(t, raw)
		c := &Ctx{Req: parseRaw(raw), Src: src, Dst: dst}
		line, _, _ := strings.Cut(raw, "\r\n")
		for i, cond := range conds {
			got := "0"
			if cond.Eval(c) {
				got = "1"
			}
			if got != want[i:i+1] {
				t.Errorf("%q: %q is %s, haproxy says %s", line, diffConds[i], got, want[i:i+1])
			}
		}
		for i, e := range exprs {
			got := ""
			if v, ok := e.Eval(c); ok {
				got = string(v.AppendText(nil))
			}
			if got != wantVals[i] {
				t.Errorf("%q: %s = %q, haproxy says %q", line, diffExprs[i], got, wantVals[i])
			}
		}
	}
}
