package sample

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
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
	withBody("POST /form HTTP/1.1\r\nHost: 10.1.2.3\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"X-Ip: 1.2.3.4:99999\r\nX-Ip: 1.2.3.4.5\r\n", "a=1&b=x+y%21&a=2;c=3&d&=e"),
	withBody("POST http://10.1.2.3:8080/json?x=1 HTTP/1.1\r\nHost: 10.1.2.3:8080\r\nX-Json: a\"b\\c/d\t\xc3\xa9\xff\x01\r\n",
		`{"a":{"b":[1,2,{"c":"x\u0041\n"}],"d":"\/"},"n":-1.5e3,"t":true,"f":false,"z":null,"i":010,"k\"":7,"g":1e400}`),
	"GET https://[::1]:8443/x HTTP/1.1\r\nHost: [::1]:8443\r\nCookie: a=1, b=2; c=3\r\n\r\n",
	withBody("POST HTTP://1.2.3.4/ HTTP/1.1\r\nHost: 1.2.3.4\r\n", strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN", 30)),
}

// withBody completes a request head with a Content-Length and the body.
func withBody(head, body string) string {
	return fmt.Sprintf("%sContent-Length: %d\r\n\r\n%s", head, len(body), body)
}

// diffVars are variables set before the expressions run, by haproxy and
// by us: "name expression".
var diffVars = []string{
	"txn.s str(abc)", "txn.n int(12)", "txn.neg int(-7)", "txn.k str(a2V5)", "txn.ip ipv4(10.1.2.3)", "txn.bad str(a2V)",
	// haproxy ignores L6 fetches in log-format strings: req.len is compared
	// through a variable.
	"txn.rl req.len", "txn.rl2 req_len",
}

// diffConvExprs exercise the converters and the fetches of issue 6.
var diffConvExprs = []string{
	// encodings
	"str(hello),base64", "str(hi),base64", "str(h),base64", "req.body,base64", "int(258),base64",
	"str(aGVsbG8=),b64dec", "str(aGk=),b64dec", "str(aGVsbG8),b64dec", "str(aG=k),b64dec", "str(aA==aGk=),b64dec",
	"str(a*==),b64dec", "str(aGk=),b64dec,hex", "str(??>>),ub64enc", "str(hi),ub64enc", "str(Pz8-),ub64dec",
	"str(aGk),ub64dec", "str(a),ub64dec", "str(aGk=),ub64dec", "str(hello),hex", "int(258),hex", "src,hex",
	"str(ff),hex2i", "str(FFx),hex2i", "str(7fffffffffffffff),hex2i", "str(10000000000000001),hex2i",
	"req.hdr(x-json),json", "req.hdr(x-json),json(ascii)", "req.hdr(x-json),json(utf8)", "req.hdr(x-json),json(utf8s)",
	"req.hdr(x-json),json(utf8p)", "req.hdr(x-json),json(utf8ps)", "str(a/b),json",
	"str(%41+b?c+d),url_dec", "str(%41+b?c+d),url_dec(1)", "str(%4),url_dec", "str(a%2Cb),url_dec", "str(%zz),url_dec",
	"req.hdr(x-json),url_enc", "url,url_enc", "path,url_enc(query)", "str(a~b-c_d.e*),url_enc",
	// text
	"str(abcdef),length", "req.body,length", "str(abcdef),bytes(1)", "str(abcdef),bytes(1,2)", "str(abcdef),bytes(9)",
	"str(abcdef),bytes(-1)", "str(abcdef),bytes(1,-1)", "str(abcdef),bytes(2,0)", "req.body,bytes(6,5)",
	"str(a.b.c.d),field(2,.)", "str(a.b.c.d),field(2,.,0)", "str(a.b.c.d),field(-2,.,2)", "str(a.b),field(5,.)",
	"str(a..b),field(2,.)", "str(a.b.c.d),field(-1,.)", "str(a/b.c),field(2,./)", "str(a.b.c.d),field(2,.,2)",
	"str(a.b.c.d),field(-5,.)", "str(a..b),word(2,.)", "str(..a..b..),word(1,.)", "str(..a..b..c),word(-1,.)",
	"str(a.b.c.d),word(2,.,2)", "str(a.b.c.d),word(-2,.,0)", "str(a.b),word(5,.)", "str(a.b),word(5,.),length",
	"str(xxabcxx),ltrim(x)", "str(xyabcyx),rtrim(xy)", "str(xx),ltrim(x)", "str(xx),rtrim(x),length",
	"str(xab),regsub(x*,-,g)", "str(aaa),regsub(^a,-,g)", "str(aaa),regsub(a,-)", "str(Hello),regsub(l,L,g)",
	"str(Hello),regsub(L,_,ig)", `str(a-b-c),regsub('([a-z])-([a-z])',\2+\1,g)`, `str(ab),regsub(a,\x41\0)`,
	"str(abc),regsub(z,y)", "path,regsub(/,_,g)",
	"str(a),concat(<,txn.s,>)", "str(a),concat(<,txn.zz,>)", "str(a),concat(,txn.n)", "str(a),concat(-)",
	"str(a),concat(,txn.ip,)", "str(abc),strcmp(txn.s)", "str(abd),strcmp(txn.s)", "str(c),strcmp(txn.s)",
	"str(ab),strcmp(txn.s)", "str(abcd),strcmp(txn.s)", "str(abc),strcmp(txn.zz)", "int(12),strcmp(txn.n)",
	"str(abc),secure_memcmp(txn.s)", "str(abd),secure_memcmp(txn.s)", "str(ab),secure_memcmp(txn.s)",
	"int(1),iif(yes,no)", "int(0),iif(yes,no)", "req.hdr(x-nope),iif(a,b)", "str(x),iif(a,b)",
	// arithmetic (haproxy 2.6 saturates two negative addends wrongly: not compared)
	"int(5),add(3)", "int(5),add(txn.n)", "int(5),add(txn.zz)", "str(7),add(1)", "str(abc),add(1)",
	"int(9223372036854775807),add(1)", "int(-9223372036854775808),add(-1)", "int(5),sub(8)", "int(5),sub(txn.neg)",
	"int(0),sub(-9223372036854775808)", "int(6),mul(7)", "int(4611686018427387904),mul(2)",
	"int(-4611686018427387904),mul(3)", "int(-9223372036854775808),mul(-1)", "int(7),div(2)", "int(-7),div(2)",
	"int(7),div(0)", "int(-9223372036854775808),div(-1)", "int(7),mod(3)", "int(-7),mod(3)", "int(7),mod(0)",
	"int(12),and(10)", "int(12),or(3)", "int(12),xor(txn.n)", "int(5),neg", "int(-9223372036854775808),neg",
	"int(5),cpl", "int(0),bool", "int(3),bool", "int(0),not", "int(3),not", "int(3),odd", "int(3),even",
	"int(4),odd", "int(4),even", "int(5),mul(txn.neg)", "int(5),div(txn.s)",
	// hashes
	"str(hello),sdbm", "str(hello),sdbm(1)", "str(hello),djb2", "str(hello),djb2(1)", "str(hello),wt6",
	"str(hello),wt6(1)", "req.body,wt6", "str(hello),crc32", "str(hello),crc32(1)", "req.body,crc32",
	"str(hello),crc32c", "src,djb2", "int(5),sdbm", "str(a),xxh3", "str(abc),xxh3", "str(abcdef),xxh3",
	"str(abcdefghijkl),xxh3", "str(abcdefghijklmnopqrstuvwxyz),xxh3(5)", "req.hdrs,xxh3", "req.body,xxh3",
	"req.body,xxh3(-1)", "req.body,bytes(0,100),xxh3(7)", "req.body,bytes(0,200),xxh3(7)", "req.body,bytes(0,240),xxh3",
	"req.body,bytes(0,241),xxh3(3)", "req.body,bytes(0,1024),xxh3", "req.body,bytes(0,1025),xxh3(9)",
	"str(abc),sha1,hex", "req.body,sha1,base64", "str(abc),sha2,hex", "str(abc),sha2(224),hex",
	"str(abc),sha2(384),hex", "str(abc),sha2(512),hex", "str(abc),digest(md5),hex", "str(abc),digest(SHA256),hex",
	"str(abc),digest(sha512-256),hex", "str(abc),digest(sha3-256),hex", "str(abc),hmac(sha256,a2V5),hex",
	"str(abc),hmac(sha1,txn.k),hex", "str(abc),hmac(sha1,txn.bad),hex", "req.body,hmac(sha384,a2V5),hex",
	"str(abc),hmac(md5,MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU4wMTIzNDU2Nzg5),hex",
	"str(abc),hmac(sha256,),hex",
	// addresses
	"src,ipmask(24)", "src,ipmask(255.255.0.0)", "ipv6(2001:db8::1),ipmask(24,64)", "ipv6(2001:db8::1),ipmask(24)",
	"ipv6(::ffff:10.1.2.3),ipmask(16)", "hdr_ip(x-ip),ipmask(8,ffff::)", "var(txn.ip),ipmask(8)",
	// variables
	"str(sv),set-var(txn.sv)", "var(txn.sv)", "int(3),set-var(txn.sv,ifnotexists)", "var(txn.sv)",
	"int(4),set-var(txn.sv2,ifnotexists)", "var(txn.sv2)", "int(2),set-var(txn.sv2,ifgt)", "int(9),set-var(txn.sv2,ifgt)",
	"var(txn.sv2)", "str(),set-var(txn.sv3,ifnotempty)", "var(txn.sv3)", "str(x),unset-var(txn.sv)", "var(txn.sv)",
	// JSON
	"req.body,json_query($.a.b[0])", "req.body,json_query($.a.b[1],int)", "req.body,json_query($.a.b[2].c)",
	"req.body,json_query($.a.d)", "req.body,json_query($.n)", "req.body,json_query($.n,int)", "req.body,json_query($.t)",
	"req.body,json_query($.f)", "req.body,json_query($.z)", "req.body,json_query($.a)", "req.body,json_query($.i,int)",
	"req.body,json_query($.i)", "req.body,json_query($.nope)", "req.body,json_query($)", "req.body,json_query($.g)",
	`req.body,json_query($.k\")`, "str(12),json_query($)", "str('[1,[2,3]]'),json_query($[1][1])", "req.body,json_query(a)",
	// fetches
	"req.body", "req.body_len", "req.body_size", "req.body_param(a)", "req.body_param", "req.body_param(b)",
	"req.body_param(c)", "req.body_param(d)", "req.body_param(zz)", "var(txn.rl)", "var(txn.rl2)", "req.hdrs,hex",
	"url_ip", "url_port", "cookie(sid)", "cookie", "cookie(b)", "req.cook_cnt", "req.cook_cnt(sid)", "urlp(x)",
	"env(PATH)", "env(SWITCHYARD_UNSET_VARIABLE)", "int(42)", "str(x)", "bool(0)", "ipv4(1.2.3.4)", "hdr_ip(x-ip)",
	"req.hdr_ip(x-ip,1)", "hdr_ip(x-ip,-2)", "hdr_ip(host)", "rand(1)", "uuid,length", "uuid,field(3,-),bytes(0,1)",
}

// diffLooseExprs vary between runs: each is compared with a check.
var diffLooseExprs = []struct {
	expr  string
	check func(ours, theirs int64) bool
}{
	{"date", func(a, b int64) bool { return abs(a-b) <= 5 }},
	{"date(3600)", func(a, b int64) bool { return abs(a-b) <= 5 }},
	{"date(0,ms)", func(a, b int64) bool { return abs(a-b) <= 5000 }},
	{"date(-10,us)", func(a, b int64) bool { return abs(a-b) <= 5e6 }},
	{"rand", func(a, b int64) bool { return a >= 0 && a < 1<<32 && b >= 0 && b < 1<<32 }},
	{"rand(10)", func(a, b int64) bool { return a >= 0 && a < 10 && b >= 0 && b < 10 }},
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
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
	all := append(append([]string{}, diffExprs...), diffConvExprs...)
	for _, l := range diffLooseExprs {
		all = append(all, l.expr)
	}
	var prelude []string
	vars := make([]VarRef, len(diffVars))
	varExprs := make([]*Expr, len(diffVars))
	for i, v := range diffVars {
		name, expr, _ := strings.Cut(v, " ")
		prelude = append(prelude, fmt.Sprintf("set-var(%s) %s", name, expr))
		vars[i], _ = ParseVarName(name)
		var err error
		if varExprs[i], err = ParseExpr(nil, expr); err != nil {
			t.Fatal(err)
		}
	}
	exprs := make([]*Expr, len(all))
	for i, s := range all {
		e, err := ParseExpr(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		exprs[i] = e
	}

	o := startHAProxyWith(t, prelude, lines, diffConds, all)
	loose := len(all) - len(diffLooseExprs)
	for _, raw := range diffRequests {
		want, wantVals, src, dst := o.ask(t, raw)
		c := &Ctx{Req: parseRaw(raw), Src: src, Dst: dst, Body: rawBody(raw)}
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
		for i, e := range varExprs {
			if v, ok := e.Eval(c); ok {
				c.Vars.Set(vars[i], v)
			}
		}
		for i, e := range exprs {
			got := ""
			if v, ok := e.Eval(c); ok {
				got = lfEscape(v.AppendText(nil))
			}
			if i >= loose {
				l := diffLooseExprs[i-loose]
				a, _ := strconv.ParseInt(got, 10, 64)
				b, _ := strconv.ParseInt(wantVals[i], 10, 64)
				if !l.check(a, b) {
					t.Errorf("%q: %s = %q, haproxy says %q", line, l.expr, got, wantVals[i])
				}
				continue
			}
			if got != wantVals[i] {
				t.Errorf("%q: %s = %q, haproxy says %q", line, all[i], got, wantVals[i])
			}
		}
	}
}

// lfEscape renders text as haproxy's log-format does in a reply: bytes
// that are not printable ASCII, and '"', as %XX... with the exception
// found by experiment (see TestDifferential's expectations).
func lfEscape(b []byte) string {
	var out strings.Builder
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&out, "%%%02X", c)
			continue
		}
		out.WriteByte(c)
	}
	return out.String()
}
