package check

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		lines []string // all but the last must be accepted
		err   string   // a substring of the last line's error
	}{
		{[]string{"option httpchk a b c d"}, "cannot handle unexpected argument 'd'"},
		{[]string{"option tcp-check x"}, "cannot handle unexpected argument 'x'"},
		{[]string{"option pgsql-check"}, "expects 'user <username>' as argument."},
		{[]string{"option pgsql-check usr x"}, "only supports optional values: 'user'."},
		{[]string{"option mysql-check usr"}, "only supports optional values: 'user' (got 'usr')."},
		{[]string{"option mysql-check user"}, "'user' expects <username> as argument."},
		{[]string{"option mysql-check user x post-42"}, "only supports 'post-41' and 'pre-41' (got 'post-42')."},
		{[]string{"option spop-check x"}, "cannot handle unexpected argument 'x'"},
		{[]string{"option external-check"}, "is not a health check option"},
		{[]string{`option httpchk GET / HTTP/1.1\r\nbad\ header`}, "unable to parse the request"},
		{[]string{"http-check"}, "only supports 'disable-on-404'"},
		{[]string{"http-check frob"}, "but got 'frob'"},
		{[]string{"http-check send-state x"}, "'send-state': cannot handle unexpected argument 'x'"},
		{[]string{"http-check set-varx(check.x) int(1)"}, "'set-var' : invalid or incomplete action 'set-varx(check.x)'. Expects 'set-var(<var-name>)'"},
		{[]string{"tcp-check set-var(check.x int(1)"}, "'set-var' : incomplete argument after action 'set-var(check.x'"},
		{[]string{"tcp-check unset-var(check.x,ifexists)"}, "'unset-var' : unset-var does not expect parameters after the variable name."},
		{[]string{"tcp-check set-var(check.x,ifgt,foo) int(1)"}, `'set-var' : unknown condition "foo"`},
		{[]string{"tcp-check set-var(check) int(1)"}, "'set-var' : invalid variable name 'check'. A variable name must be start by its scope."},
		{[]string{"tcp-check set-var(check.x)"}, "'set-var' : missing fetch method"},
		{[]string{"tcp-check set-var(check.x) foo"}, "unknown fetch method 'foo'"},
		{[]string{"tcp-check set-var(check.x) req.hdr(host)"}, "'set-var' : sample fetch <req.hdr(host)> may not be reliably used here because it needs 'HTTP request headers'"},
		{[]string{"tcp-check set-var(check.x) req.payload(0,1)"}, "needs 'request buffer' which is not available here"},
		{[]string{"tcp-check set-var(check.x) fe_name"}, "'set-var' : fetch method 'set-var(check.x)' extracts information from 'frontend', none of which is available here"},
		{[]string{"tcp-check set-var(check.x) nbsrv"}, "sample fetch 'nbsrv' is not supported yet by switchyard in health checks"},
		{[]string{"http-check set-var(check.x) srv_name,lower"}, "sample fetch 'srv_name' with converters is not supported yet by switchyard in health checks"},
		{[]string{"http-check set-var(check.x) be_name lower"}, "sample fetch 'be_name' with converters is not supported yet"},
		{[]string{"tcp-check set-var-fmt(check.x) %[fe_id]"}, "'set-var-fmt' : sample fetch <fe_id]> may not be reliably used here because it needs 'frontend'"},
		{[]string{"http-check connect sni"}, "'sni' expects a string as argument."},
		{[]string{"http-check connect alpn"}, "'alpn' expects a comma separated list of protocols as argument."},
		{[]string{"http-check connect proto h2"}, "'proto' on a check connect rule is not supported yet"},
		{[]string{"http-check connect proto h2"}, "'proto' on a check connect rule is not supported yet"},
		{[]string{"tcp-check connect port"}, "'port' expects a port number or a sample expression as argument."},
		{[]string{"tcp-check connect port 0"}, "expects a valid TCP port (from range 1 to 65535) or a sample expression, got 0."},
		{[]string{"tcp-check connect port 70000"}, "expects a valid TCP port"},
		{[]string{"tcp-check connect port srv_port"}, "a sample expression as port is not supported yet by switchyard"},
		{[]string{"tcp-check connect addr"}, "'addr' expects <ipv4|ipv6> as argument."},
		{[]string{"tcp-check connect addr db.local"}, "host names are not supported yet"},
		{[]string{"tcp-check connect addr 10.0.0.1:x"}, "invalid port 'x'"},
		{[]string{"tcp-check connect addr fe80::1"}, "ambiguous IPv6 address"},
		{[]string{"tcp-check connect comment"}, "'comment' expects a string as argument."},
		{[]string{"tcp-check connect foo"}, "but got 'foo' as argument."},
		{[]string{"tcp-check send x", "tcp-check connect"}, "first step MUST also be a 'connect'"},
		{[]string{"tcp-check send"}, "'send' expects a string as argument"},
		{[]string{"tcp-check send-binary abc"}, "an even number of hex digit is expected"},
		{[]string{"tcp-check send-binary 0z"}, "an hex digit is expected (found 'z')"},
		{[]string{"tcp-check send x y"}, "expects 'comment' but got 'y' as argument."},
		{[]string{"tcp-check send-lf %[fe_name]"}, "'%[fe_name]' invalid log-format string (sample fetch <fe_name]> may not be reliably used here because it needs 'frontend' which is not available here)."},
		{[]string{"tcp-check send-lf x%[ssl_fc,not]"}, "needs 'client-side connection' which is not available here"},
		{[]string{"tcp-check send-lf %[http_first_req]"}, "needs 'HTTP request' which is not available here"},
		{[]string{"tcp-check send-lf %[req.payload(0,1)]"}, "needs 'request buffer' which is not available here"},
		{[]string{"tcp-check send-lf %[path]"}, "needs 'HTTP request headers' which is not available here"},
		{[]string{"tcp-check send-lf %[srv_id]"}, "sample fetch 'srv_id' is not supported yet by switchyard in health checks"},
		{[]string{"tcp-check send-lf %[srv_is_up(be/s1)]"}, "sample fetch 'srv_is_up' is not supported yet by switchyard in health checks"},
		{[]string{"tcp-check send-lf %[srv_name,lower]"}, "sample fetch 'srv_name' with arguments or converters is not supported yet by switchyard in health checks (only %[srv_name] alone is)"},
		{[]string{"tcp-check send-lf %{+Q}[be_name,upper]"}, "sample fetch 'be_name' with arguments or converters is not supported yet"},
		{[]string{`tcp-check send-lf "%[srv_name x]"`}, "expected ']' after 'srv_name', but found ' '"},
		{[]string{"tcp-check send-lf %t"}, "format variable 't' is not supported yet by switchyard in health checks (only %b, %s, %H and %pid are)"},
		{[]string{"tcp-check send-lf %HM"}, "format variable 'HM' is reserved for HTTP mode"},
		{[]string{"tcp-check send-lf %foo"}, "no such format variable 'foo'"},
		{[]string{"tcp-check send-lf %[nosuchfetch]"}, "unknown fetch method 'nosuchfetch'"},
		{[]string{"tcp-check send-lf %[var(check.x)"}, "missing ']'"},
		{[]string{"tcp-check send-lf 50%"}, "truncated line after '%'"},
		{[]string{"tcp-check send-lf %[srv_name"}, "missing ']'"},
		{[]string{"tcp-check expect"}, "expects at least a matching pattern as arguments"},
		{[]string{"tcp-check expect string"}, "'string' expects a <pattern> as argument"},
		{[]string{"tcp-check expect string a string b"}, "only one pattern expected"},
		{[]string{"tcp-check expect min-recv 10"}, "pattern not found"},
		{[]string{"tcp-check expect min-recv -2 string x"}, "expects -1 or an integer from 0 to INT_MAX"},
		{[]string{"tcp-check expect ! min-recv 2 string x"}, "[!] not supported with 'min-recv'"},
		{[]string{"tcp-check expect !"}, "but got '' as argument"},
		{[]string{"tcp-check expect status 200"}, "but got 'status' as argument"},
		{[]string{"tcp-check expect rstring (a"}, "regex '(a' is invalid"},
		{[]string{"tcp-check expect binary 0"}, "invalid binary string (an even number of hex digit is expected)"},
		{[]string{"tcp-check expect custom"}, "'custom' is reserved"},
		{[]string{"tcp-check expect string x ok-status L7FOO"}, "'ok-status' only supports 'L4OK', 'L6OK', 'L7OK' or 'L7OKC' status (got 'L7FOO')."},
		{[]string{"tcp-check expect string x error-status L4OK"}, "'error-status' only supports 'L4CON', 'L6RSP', 'L7RSP' or 'L7STS' status (got 'L4OK')."},
		{[]string{"tcp-check expect string x tout-status L7STS"}, "'tout-status' only supports 'L4TOUT', 'L6TOUT' or 'L7TOUT' status (got 'L7STS')."},
		{[]string{"tcp-check expect string x status-code"}, "'status-code' expects an expression as argument"},
		{[]string{"tcp-check expect string x status-code req.hdr(x)"}, "error detected while parsing status-code expression : sample fetch <req.hdr(x)> may not be reliably used here"},
		{[]string{"tcp-check expect string x status-code foo"}, "error detected while parsing status-code expression : unknown fetch method 'foo'"},
		{[]string{"tcp-check expect string x status-code fe_name"}, "error detected while parsing status-code expression :  fetch method 'fe_name' extracts information from 'frontend', none of which is available here"},
		{[]string{"tcp-check expect string x status-code srv_name"}, "sample fetch 'srv_name' is not supported yet by switchyard in health checks"},
		{[]string{"tcp-check expect string x on-error %[req.payload(0,0)]"}, "invalid log-format string (sample fetch <req.payload(0,0)> may not be reliably used here because it needs 'request buffer'"},
		{[]string{"tcp-check expect string-lf %[req.len]"}, "needs 'request buffer'"},
		{[]string{"tcp-check comment"}, "expects a string as argument"},
		{[]string{"http-check expect binary 00"}, "but got 'binary' as argument"},
		{[]string{"http-check expect binary-lf 00"}, "but got 'binary-lf' as argument"},
		{[]string{"http-check expect status 300-200"}, "invalid range of status codes '300-200'"},
		{[]string{"http-check expect status 2xx"}, "invalid character 'x' in the list of status codes"},
		{[]string{"http-check expect hdr x-a"}, "'hdr' expects at the name keyword as first argument followed by a pattern"},
		{[]string{"http-check expect hdr name -m foo x"}, "'hdr' : '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got 'foo')"},
		{[]string{"http-check expect hdr name-lf -m reg x"}, "log-format string is not supported with a regex matching method"},
		{[]string{"http-check expect hdr name x value"}, "'hdr' expect a pattern with the value keyword"},
		{[]string{"http-check send meth"}, "'meth' expects a string as argument."},
		{[]string{"http-check send hdr x"}, "'hdr' expects <name> and <value> as arguments"},
		{[]string{"http-check send hdr host a hdr Host b"}, "'Host' header already defined (previous value is 'a')"},
		{[]string{"http-check send foo"}, "but got 'foo' as argument."},
		{[]string{"http-check send uri-lf %[path]"}, "invalid log-format string"},
		{[]string{"http-check send hdr x-a %[req.hdr(x)]"}, "sample fetch <req.hdr(x)> may not be reliably used here because it needs 'HTTP request headers'"},
		{[]string{"http-check send body-lf %[capture.req.uri]"}, "needs 'HTTP request' which is not available here"},
		{[]string{"http-check expect hdr name-lf %[fe_name]"}, "needs 'frontend' which is not available here"},
		{[]string{"http-check expect hdr name x value-lf %[nbsrv]"}, "sample fetch 'nbsrv' is not supported yet"},
		{[]string{"http-check expect status 200 on-success %[so_name]"}, "needs 'frontend' which is not available here"},
		{[]string{"option httpchk", "http-check expect status 200", "http-check send"}, "unable to add http-check send rule at step 2 (missing connect rule)."},
		{[]string{"option httpchk", "http-check connect", "http-check expect status 200"}, "unable to add http-check expect rule at step 2 (missing send rule)."},
		{[]string{"option httpchk", "http-check connect", "http-check send", "http-check connect"}, "unable to add http-check connect rule at step 2 (missing expect rule)."},
	} {
		c := &Config{}
		for i, l := range tc.lines {
			err := apply(c, l)
			if i < len(tc.lines)-1 {
				if err != nil {
					t.Errorf("%q: setup line %q: %v", tc.lines, l, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.lines, err, tc.err)
			}
		}
	}
}

// TestParseAccepts: lines haproxy accepts, and what they compile to.
func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		rules string
	}{
		{[]string{"option httpchk", "http-check expect !status 500"}, "httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect ! status 500"},
		{[]string{"option httpchk", "http-check expect ! ! status 500"}, "httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect status 500"},
		{[]string{"option httpchk", "http-check expect status 200-299,304"}, "httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect status 200-299,304"},
		{[]string{"option httpchk", "http-check comment c", "http-check send uri /a", "http-check expect status 200", "http-check expect string ok"},
			`httpchk: connect implicit; send OPTIONS /a HTTP/1.0 comment "c"; expect status 200; expect string "ok"`},
		{[]string{"option httpchk", "http-check connect default", "http-check send uri /a", "http-check expect status 200", "http-check connect addr 127.0.0.2:81", "http-check send uri /b"},
			`httpchk: connect default; send OPTIONS /a HTTP/1.0; expect status 200; connect addr 127.0.0.2:81; send OPTIONS /b HTTP/1.0; expect status 200-399`},
		{[]string{"option httpchk GET /x", "http-check connect"},
			`httpchk: connect; send GET /x HTTP/1.0; expect status 200-399`},
		{[]string{"option tcp-check", "tcp-check comment c1", "tcp-check connect", "tcp-check comment c2", "tcp-check send a", "tcp-check expect string b", "tcp-check expect string c"},
			`tcp-check: connect comment "c1"; send "a" comment "c2"; expect string "b"; expect string "c"`},
		{[]string{"option tcp-check", "tcp-check connect addr [::1]:6379 send-proxy linger"}, `tcp-check: connect addr ::1:6379 send-proxy linger`},
		{[]string{"option tcp-check", "tcp-check connect port 80 via-socks4"}, `tcp-check: connect port 80 via-socks4`},
		{[]string{"option tcp-check", "tcp-check expect ! rstring ^E min-recv 5 error-status L7STS tout-status L4TOUT"},
			`tcp-check: connect implicit; expect min-recv 5 ! rstring "^E" error-status L7STS tout-status L4TOUT`},
		// tcp-check lines before the option, and the option again, keep
		// them.
		{[]string{"tcp-check send a", "option tcp-check", "option tcp-check"}, `tcp-check: connect implicit; send "a"`},
		// http-check lines before option httpchk are used once it comes.
		{[]string{"http-check send meth GET", "http-check expect status 204", "option httpchk HEAD /h"},
			`httpchk: connect implicit; send HEAD /h HTTP/1.0; expect status 204`},
		// The last check option wins.
		{[]string{"option httpchk", "option redis-check"}, `redis-check: connect implicit; send "*1\r\n$4\r\nPING\r\n"; expect string "+PONG\r\n" error-status L7STS`},
	} {
		rs := build(t, tc.lines...)
		if rs.String() != tc.rules {
			t.Errorf("%q:\n got %s\nwant %s", tc.lines, rs, tc.rules)
		}
	}
}

func TestWarnings(t *testing.T) {
	c := &Config{}
	apply(c, "option tcp-check")
	apply(c, "http-check expect status 200")
	apply(c, "http-check disable-on-404")
	got := strings.Join(c.Warnings("backend", "app"), "|")
	w := "backend 'app' uses http-check rules without 'option httpchk', so the rules are ignored.|'disable-on-404' will be ignored for backend 'app' (requires 'option httpchk')."
	if got != w {
		t.Errorf("got %q\nwant %q", got, w)
	}
	var nilCfg *Config
	if nilCfg.Warnings("backend", "x") != nil {
		t.Error("nil config warns")
	}
	c = &Config{}
	err := apply(c, `option httpchk GET / HTTP/1.1\r\nHost:\ x`)
	if w, ok := err.(*Warning); !ok || !strings.HasPrefix(w.Msg, "hiding headers or body") {
		t.Errorf("old form: %v", err)
	}
}

// fuzzLines feeds each line of s to a Config and compiles and runs what
// was accepted against a server that answers garbage: nothing may panic.
func fuzzLines(t *testing.T, first, prefix, s string) {
	c := &Config{}
	apply(c, first)
	for _, l := range strings.Split(s, "\n") {
		if len(l) > 512 {
			l = l[:512]
		}
		apply(c, prefix+l)
	}
	rs, err := c.Build(true)
	if err != nil {
		return
	}
	_ = rs.String()
	for _, r := range rs.rules {
		if r.act == actConnect && r.connect.addr.IsValid() && !r.connect.addr.IsLoopback() {
			return // tests only talk to 127.0.0.1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rs.Run(ctx, &Target{Addr: fuzzAddr, ConnectTimeout: 200 * time.Millisecond, ReadTimeout: 50 * time.Millisecond})
}

var fuzzAddr string

func fuzzServer(f *testing.F) {
	fuzzAddr = origin(f, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(time.Second))
		b := make([]byte, 512)
		c.Read(b)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\n\r\n+OK\r\n0\x02"))
	})
}

func FuzzHTTPCheck(f *testing.F) {
	fuzzServer(f)
	for _, s := range []string{
		"send meth GET uri /h ver HTTP/1.1 hdr Host x\nexpect status 200",
		"expect ! rstring ^5\nexpect hdr name -m beg x- value -m sub 1",
		"connect port 1\nsend body x\nexpect string-lf %[srv_name]",
		"disable-on-404\nsend-state\nexpect fhdr name x-a value 1 comment c on-error e",
		"set-var(check.u) str(/h)\nsend uri-lf %[var(check.u)]\nexpect status 200 status-code res.hdr(x-a)\nset-var(check.h,ifnotempty) res.fhdr(x-a)\nexpect hdr name-lf x-%[str(a)] value-lf %[var(check.h)] on-success %{+Q}[status]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzLines(t, "option httpchk", "http-check ", s)
	})
}

func FuzzTCPCheck(f *testing.F) {
	fuzzServer(f)
	for _, s := range []string{
		"send PING\\r\\n\nexpect string +OK",
		"send-binary 50494e47\nexpect rbinary ^2B min-recv 2",
		"connect port 1 linger\nsend-lf %[be_name]\nexpect ! string x",
		"comment c\nexpect binary-lf 2b",
		"set-var(check.c) str(50494e47)\nsend-binary-lf %[var(check.c)]\nexpect string +OK\nset-var-fmt(check.r) %[res.payload(0,2),hex]\nexpect binary-lf %[var(check.r)] on-error %[res.len] status-code res.payload(0,1)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzLines(t, "option tcp-check", "tcp-check ", s)
	})
}
