package sample

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// errorCases are config lines that must fail with haproxy's message. An
// "acl" line is fed to ACLSet.Add, any other to ParseCond as the condition
// of "http-request deny".
var errorCases = []string{
	"acl a foo(x) bar",
	"acl a pth /x",
	"acl a hdr(host) -m foo x",
	"acl a hdr(host) -m",
	"acl a src 1.2.3.400",
	"acl a src 10.0.0.0/33",
	"acl a src ::1/129",
	"acl a src -n foo.invalid",
	"acl a var(txn.x) true",
	"acl a var(foo) -m found",
	"acl a var(txn.x-y) -m found",
	"acl a var(txn.x,a,b) -m found",
	"acl a var -m found",
	"acl a hdr(x",
	"acl a hdr(x,y) a",
	"acl a hdr(x,-11) a",
	"acl a hdr(x,1,2) a",
	"acl a path,foo x",
	"acl a path,lower(3) x",
	"acl a path,lower,foo x",
	"acl a method -m int 3",
	"acl a src -q",
	"acl a path_len abc",
	"acl a path_len 5:3",
	"acl a src_port gt x",
	"acl a src_port ne x",
	"acl a path -f /nonexistent/file",
	"acl a path -f",
	"acl a int(x) 1",
	"acl a bool(maybe) 1",
	"acl a ipv4(1.2.3) 1.2.3.4",
	"acl a always_true(1)",
	"acl a hdr_cnt(a)(b) 1",
	"acl a req.hdr(a)(b) 1",
	"acl a path -m bin 0g",
	"acl a path -m bin 123",
	"acl a path -f /dev/null -m str",
	"acl a str(x),lower(",
	"acl a str(x\\",
	"acl a$b path /",
	"acl or path /",
	"if nosuch",
	"if METH_GTE",
	"if { path_beg /x",
	"if { }",
	"if { TRUE }",
	"if } ",
	"if path",
	"if TRUE { path -m foo }",
	"acl a int 1",
	// converters and fetches of issue 6
	"acl a str(x),field(0,.) x",
	"acl a str(x),field(1,) x",
	"acl a str(x),word(1) x",
	"acl a str(x),add(x1) 1",
	"acl a str(x),add(foo.bar) 1",
	"acl a str(x),json(latin1) x",
	"acl a str(x),url_enc(path) x",
	"acl a str(x),regsub(a,b,z) x",
	"acl a str(x),regsub(a) x",
	"acl a str(x),concat(a,foo) x",
	"acl a str(x),strcmp() 1",
	"acl a str(x),strcmp(foo) 1",
	"acl a str(x),secure_memcmp(foo) 1",
	"acl a str(x),sha2(100) x",
	"acl a str(x),digest(nope) x",
	"acl a str(x),hmac(sha256,abc) x",
	"acl a str(x),hmac(nope,a2V5) x",
	"acl a str(x),json_query() x",
	"acl a str(x),json_query($.a,float) x",
	"acl a str(x),set-var(foo) x",
	"acl a str(x),set-var(txn.x,ifwhatever) x",
	"acl a str(x),unset-var(txn.x,a) x",
	"acl a src,ipmask(33) x",
	"acl a src,ipmask(24,129) x",
	"acl a str(x),bytes() x",
	"acl a str(x),iif(a) x",
	"acl a str(x),hex2i(1) 1",
	"acl a date(0,h) 1",
	"acl a uuid(3) x",
	"acl a rand(x) 1",
	"acl a req.body_param(a,b) x",
}

// addLine feeds one errorCases line to our parser.
func addLine(line string) error {
	w := strings.Fields(line)
	if w[0] == "acl" {
		return NewACLSet(nil).Add(w[1], w[2:])
	}
	_, err := ParseCond(w, NewACLSet(nil))
	if err != nil {
		return fmt.Errorf("error detected while parsing an 'http-request deny' condition : %v", err)
	}
	return nil
}

var alertRe = regexp.MustCompile(`parsing \[[^\]]*\] : (.*)`)

// TestErrorsMatchHAProxy checks that our errors read like haproxy's, but
// for the "did you mean" hints we add.
func TestErrorsMatchHAProxy(t *testing.T) {
	haproxytest.Need(t)
	hint := regexp.MustCompile(`; did you mean '[^']*' maybe \?`)
	for _, line := range errorCases {
		ours := addLine(line)
		if ours == nil {
			t.Errorf("%q: accepted", line)
			continue
		}
		theirs := haproxyError(t, line)
		got := strings.TrimRight(hint.ReplaceAllString(ours.Error(), ""), ".")
		if got != theirs {
			t.Errorf("%q:\n ours:    %s\n haproxy: %s", line, got, theirs)
		}
	}
}

// haproxyError returns the message haproxy -c prints for a line in a
// frontend, without its trailing dots.
func haproxyError(t *testing.T, line string) string {
	t.Helper()
	if !strings.HasPrefix(line, "acl") {
		line = "http-request deny " + line
	}
	cfg := "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n" +
		"frontend fe\n  bind 127.0.0.1:1\n  " + line + "\n"
	path := filepath.Join(t.TempDir(), "h.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, haproxytest.Bin, "-c", "-f", path).CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if m := alertRe.FindStringSubmatch(l); m != nil && strings.Contains(l, "ALERT") {
			return strings.TrimRight(m[1], ".")
		}
	}
	t.Fatalf("haproxy accepted %q:\n%s", line, out)
	return ""
}

// TestErrors covers the messages that are ours: suggestions, features we
// lack, regex syntax, and checks of where rules run.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lst")
	os.WriteFile(bad, []byte("10.0.0.1\n# comment\n\nnot-an-ip!\n"), 0o644)
	tests := []struct {
		line string
		want string
	}{
		{"acl a pth /x", "error detected while parsing ACL 'a' : unknown fetch method 'pth' in ACL expression 'pth'; did you mean 'path' maybe ?"},
		{"acl a sc_http_req_rate(0) gt 10", "error detected while parsing ACL 'a' : fetch method 'sc_http_req_rate' is not supported yet in ACL expression 'sc_http_req_rate(0)'"},
		{"acl a req.hdr_names(x) y", "error detected while parsing ACL 'a' : fetch method 'req.hdr_names' is not supported yet in ACL expression 'req.hdr_names(x)'"},
		{"acl a path,debug x", "error detected while parsing ACL 'a' : ACL keyword 'path' : converter 'debug' is not supported yet"},
		{"acl a path_reg (", "error detected while parsing ACL 'a' : regex '(' is invalid (error=missing closing ) at '(')"},
		{"acl a path_reg (?=x)", "error detected while parsing ACL 'a' : regex '(?=x)' is invalid (error=invalid or unsupported Perl syntax at '(?=')"},
		{"acl a src -f " + bad, "error detected while parsing ACL 'a' : 'not-an-ip!' is not a valid IPv4 or IPv6 address at line 4 of file '" + bad + "'"},
		{"if METH_GTE", "error detected while parsing an 'http-request deny' condition : no such ACL : 'METH_GTE'; did you mean 'METH_GET' maybe ?"},
		{"if RDP_COOKIE", "error detected while parsing an 'http-request deny' condition : predefined ACL 'RDP_COOKIE' is not supported yet"},
		{"when TRUE", "error detected while parsing an 'http-request deny' condition : conditions must start with either 'if' or 'unless'"},
		{"if { hdr_begin(host) x }", "error detected while parsing an 'http-request deny' condition : unknown fetch method 'hdr_begin' in ACL expression 'hdr_begin(host)'; did you mean 'hdr_beg' maybe ?"},
	}
	for _, tt := range tests {
		err := addLine(tt.line)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got:  %v\n want: %s", tt.line, err, tt.want)
		}
	}

	expr := []struct{ in, want string }{
		{"", "missing fetch method"},
		{"pth", "unknown fetch method 'pth'; did you mean 'path' maybe ?"},
		{"path lower", "missing comma after fetch keyword 'path'"},
		{"path,lower x", "missing comma after converter 'lower'"},
		{"hdr(x,1,2)", "fetch method 'hdr' : expected ')' before ',2)'"},
		{"int", "fetch method 'int' : expected type 'integer' at position 1, but got nothing"},
		{"int()", "fetch method 'int' : expected type 'integer' at position 1, but got nothing"},
		{"ipv6(1.2.3.4)", "fetch method 'ipv6' : failed to parse '1.2.3.4' as type 'IPv6 address' at position 1"},
		{"str(x\\", "fetch method 'str' : failed to parse '\\' after 'x' as type 'string' at position 1"},
	}
	for _, tt := range expr {
		_, err := ParseExpr(nil, tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseExpr(%q):\n got:  %v\n want: %s", tt.in, err, tt.want)
		}
	}
}

func TestCheckAvailability(t *testing.T) {
	acls := NewACLSet(nil)
	if err := acls.Add("is_api", []string{"path_beg", "/api"}); err != nil {
		t.Fatal(err)
	}
	if err := acls.Add("mixed", []string{"path_beg", "/api"}); err != nil {
		t.Fatal(err)
	}
	if err := acls.Add("mixed", []string{"src", "10.0.0.0/8"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cond  string
		avail Source
		want  string
	}{
		{"if is_api", SrcL4 | SrcHTTPReq, ""},
		{"if is_api", SrcL4, "acl 'is_api' will never match because it only involves keywords that are incompatible with 'frontend tcp-request connection rule'"},
		{"if { hdr(host) x }", SrcL4, "anonymous acl will never match because it uses keyword 'hdr' which is incompatible with 'frontend tcp-request connection rule'"},
		{"if mixed TRUE { src 1.2.3.4 }", SrcL4, ""},
	}
	for _, tt := range tests {
		c, err := ParseCond(strings.Fields(tt.cond), acls)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := c.Check(tt.avail, "frontend tcp-request connection rule"); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.cond, got, tt.want)
		}
	}

	e, _ := ParseExpr(nil, "req.hdr(host),lower")
	if err := e.Check(SrcL4); err == nil || err.Error() != "sample fetch <req.hdr(host),lower> may not be reliably used here because it needs 'HTTP request headers' which is not available here" {
		t.Errorf("Expr.Check: %v", err)
	}
	if err := e.Check(SrcL4 | SrcHTTPReq); err != nil {
		t.Errorf("Expr.Check: %v", err)
	}
}
