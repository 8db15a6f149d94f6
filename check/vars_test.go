package check

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"switchyard/sample"
)

// TestVarRulesCompile: where variable actions go in a rule set, and what
// they leave alone (they are not steps: an implicit connect still comes
// first, a comment does not reach past them, http-check's order checks skip
// them).
func TestVarRulesCompile(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		rules string
	}{
		{[]string{"option tcp-check", "tcp-check set-var(check.x,ifgt,ifnotempty) int(1) add(2) tail", "tcp-check unset-var(sess.y)",
			`tcp-check set-var-fmt(check.z) "x=%[var(check.x)]"`, "tcp-check send-lf %[var(check.z)]"},
			`tcp-check: connect implicit; set-var(check.x,ifgt,ifnotempty) "int(1)"; unset-var(sess.y); set-var-fmt(check.z) "x=%[var(check.x)]"; send-lf "%[var(check.z)]"`},
		// Rules before the first connect run before it.
		{[]string{"option tcp-check", "tcp-check set-var(check.c) str(x)", "tcp-check comment c", "tcp-check connect", "tcp-check send a"},
			`tcp-check: set-var(check.c) "str(x)"; connect comment "c"; send "a"`},
		{[]string{"option tcp-check", "tcp-check comment c", "tcp-check send a", "tcp-check set-var(check.c) str(x)", "tcp-check send b"},
			`tcp-check: connect implicit; send "a" comment "c"; set-var(check.c) "str(x)"; send "b"`},
		{[]string{"option httpchk", "http-check set-var(check.u) str(/u)", "http-check connect", "http-check send uri-lf %[var(check.u)]", "http-check set-var(check.a) int(1)",
			"http-check expect status 200", "http-check unset-var(check.a)", "http-check connect", "http-check set-var-fmt(check.b) x", "http-check send uri /b"},
			`httpchk: set-var(check.u) "str(/u)"; connect; send OPTIONS <log-format> HTTP/1.0; set-var(check.a) "int(1)"; expect status 200; unset-var(check.a); connect; set-var-fmt(check.b) "x"; send OPTIONS /b HTTP/1.0; expect status 200-399`},
		// The request of option httpchk still goes after the first
		// connect, past variable actions.
		{[]string{"option httpchk GET /", "http-check set-var(check.a) int(1)", "http-check connect"},
			`httpchk: set-var(check.a) "int(1)"; connect; send GET / HTTP/1.0; expect status 200-399`},
		// A set-var-fmt without a format sets an empty string, as haproxy.
		{[]string{"option tcp-check", "tcp-check set-var-fmt(check.e)"}, `tcp-check: connect implicit; set-var-fmt(check.e) ""`},
	} {
		rs := build(t, tc.lines...)
		if rs.String() != tc.rules {
			t.Errorf("%q:\n got %s\nwant %s", tc.lines, rs, tc.rules)
		}
	}
}

// testRun is a run of rs against t over what the server sent, as the
// rules see it after a read: buf is the bytes read so far.
func testRun(rs *Ruleset, t *Target, buf string) *run {
	x := newRun(context.Background(), rs, t)
	x.buf = []byte(buf)
	return x
}

func TestLFRender(t *testing.T) {
	const resp = "HTTP/1.1 200 OK\r\nX-A: 1, 2\r\nX-B: b\r\nSet-Cookie: c=3, d=4\r\nContent-Length: 5\r\n\r\nhello"
	tcp := &Ruleset{proto: protoTCP}
	http := &Ruleset{proto: protoHTTP}
	tg := &Target{Backend: "be", Server: "s1"}
	for _, tc := range []struct {
		rs       *Ruleset
		buf, lf  string
		vars     map[string]string // check variables set first
		want     string
		wantFail string
	}{
		{rs: tcp, lf: "plain text", want: "plain text"},
		{rs: tcp, lf: "100%% %[srv_name]/%[be_name]", want: "100% s1/be"},
		{rs: tcp, lf: "%%[srv_name]", want: "%[srv_name]"},
		{rs: tcp, lf: "%[srv_name]x%[be_name]1%s-%b", want: "s1xbe1s1-be"},
		{rs: tcp, lf: "%[srv_name]x%sy", wantFail: "no such format variable 'sy'"},
		{rs: tcp, lf: "%{+Q}[srv_name] %[be_name]", want: `"s1" be`},
		// %o sets the options of every variable after it, pieces cut at
		// %[srv_name] included.
		{rs: tcp, lf: "%{+Q}o %[var(check.v)] %[srv_name] %[var(check.v)]", vars: map[string]string{"check.v": "a"}, want: ` "a" "s1" "a"`},
		{rs: tcp, lf: "%H|%pid", want: hostnameForTest(t) + "|" + fmt.Sprint(os.Getpid())},
		{rs: tcp, lf: "[%[var(check.none)]]", want: "[]"},
		{rs: tcp, lf: "%[var(check.v),upper]-%[var(check.w)]", vars: map[string]string{"check.v": "abc", "check.w": "x"}, want: "ABC-x"},
		{rs: tcp, lf: "%[str(a),concat(-,check.v,-)]", vars: map[string]string{"check.v": "V"}, want: "a-V-"},
		{rs: tcp, buf: "+PONG\r\n", lf: "%[res.payload(0,3)] %[res.len] %[payload(1,4)] %[res.payload(0,0),hex]", want: "+PO 7 PONG 2B504F4E470D0A"},
		{rs: tcp, buf: "+PONG\r\n", lf: "[%[status]][%[res.hdr(x-a)]]", want: "[][]"},
		{rs: http, buf: resp, lf: "%[status] %[res.hdr(x-a)] %[res.fhdr(x-a)] %[res.hdr_cnt(x-a)] %[res.ver]", want: "200 2 1, 2 2 1.1"},
		// The response direction: hdr() is the response's.
		{rs: http, buf: resp, lf: "%[hdr(x-b)] %[res.cook(c)] %[res.cook_cnt(d)]", want: "b 3 1"},
		// haproxy's payload fetches find nothing in HTTP checks.
		{rs: http, buf: resp, lf: "[%[res.payload(0,4)]]", want: "[]"},
		{rs: http, buf: "HTTP/1.1 200 OK\r\nX-A", lf: "[%[status]]", want: "[]"},
		{rs: tcp, lf: "%[fe_name]", wantFail: "needs 'frontend'"},
	} {
		l, err := parseLF(tc.lf, nil)
		if tc.wantFail != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantFail) {
				t.Errorf("%q: error %v, want %q", tc.lf, err, tc.wantFail)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.lf, err)
			continue
		}
		x := testRun(tc.rs, tg, tc.buf)
		for name, v := range tc.vars {
			ref, _ := sample.ParseVarName(name)
			x.sctx.Vars.Set(ref, sample.Str([]byte(v)))
		}
		if got := l.render(x); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.lf, got, tc.want)
		}
	}
}

func hostnameForTest(t *testing.T) string {
	l, err := parseLF("%H", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.render(testRun(&Ruleset{proto: protoTCP}, &Target{}, ""))
}

// TestSetVar runs variable actions over a response and reads the
// variables back.
func TestSetVar(t *testing.T) {
	rsp := "HTTP/1.1 200 OK\r\nX-A: 7\r\nCookie: k=v\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		http  bool
		buf   string
		lines []string
		want  map[string]string // variable: value, "<none>" when unset
	}{
		{lines: []string{"set-var(check.a) int(5)", "set-var(check.a,ifgt) int(3)", "set-var(check.a,ifgt) int(4)", "set-var(check.b,iflt) int(1)", "set-var(check.b,iflt) int(0)"},
			want: map[string]string{"check.a": "3", "check.b": "1"}},
		{lines: []string{"set-var(check.a,ifexists) int(1)", "set-var(check.b,ifnotexists) int(1)", "set-var(check.b,ifnotexists) int(2)",
			"set-var(check.c) int(1)", "set-var(check.c,ifset) int(2)", "set-var(check.d,ifset) int(2)", "set-var(check.e,ifnotset) int(2)"},
			want: map[string]string{"check.a": "<none>", "check.b": "1", "check.c": "2", "check.d": "<none>", "check.e": "2"}},
		{lines: []string{"set-var(check.a,ifempty) int(1)", "set-var(check.b,ifempty) str()", "set-var(check.c,ifnotempty) str()",
			"set-var(check.d,ifnotempty) int(0)", "set-var(check.e) str(x)", "set-var(check.e,ifempty) str(y)"},
			want: map[string]string{"check.a": "<none>", "check.b": "", "check.c": "<none>", "check.d": "0", "check.e": "x"}},
		{lines: []string{"set-var(check.a) str(x)", "unset-var(check.a)", "set-var(sess.s) str(s)", "set-var(txn.t) str(t)", "set-var(req.r) str(r)",
			"set-var(res.r) str(r)", "set-var(check.missing) var(check.none)"},
			want: map[string]string{"check.a": "<none>", "sess.s": "s", "txn.t": "<none>", "req.r": "<none>", "res.r": "<none>", "check.missing": "<none>"}},
		{lines: []string{"set-var-fmt(check.f) %[srv_name]:%[var(check.g)]", "set-var(check.g) be_name", "set-var-fmt(check.h) %[var(check.g)]-%[var(check.f)]",
			"set-var(check.s) srv_name"},
			want: map[string]string{"check.f": "s1:", "check.g": "be", "check.h": "be-s1:", "check.s": "s1"}},
		{buf: "+OK 42\r\n", lines: []string{"set-var(check.p) res.payload(4,2)", "set-var(check.n) res.payload(4,2),bytes(0,1)", "set-var(check.l) res.len", "set-var(check.q) payload(0,1)"},
			want: map[string]string{"check.p": "42", "check.n": "4", "check.l": "8", "check.q": "+"}},
		// set-var reads in the request direction: hdr() is the request's
		// (there is none); res.hdr reads the response.
		{http: true, buf: rsp, lines: []string{"set-var(check.h) hdr(x-a)", "set-var(check.r) res.hdr(x-a),add(1)", "set-var(check.s) status"},
			want: map[string]string{"check.h": "<none>", "check.r": "8", "check.s": "200"}},
	} {
		c := &Config{}
		apply(c, "option tcp-check")
		if tc.http {
			apply(c, "option httpchk")
		}
		kw := "tcp-check "
		if tc.http {
			kw = "http-check "
		}
		for _, l := range tc.lines {
			if err := apply(c, kw+l); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
		}
		rs, err := c.Build(true)
		if err != nil {
			t.Fatal(err)
		}
		x := testRun(rs, &Target{Backend: "be", Server: "s1"}, tc.buf)
		for _, r := range rs.rules {
			if r.act == actVar {
				r.vars.run(x)
			}
		}
		for name, want := range tc.want {
			ref, err := sample.ParseVarName(name)
			if err != nil {
				t.Fatal(err)
			}
			got := "<none>"
			if v, ok := x.sctx.Vars.Get(ref); ok {
				got = string(v.AppendText(nil))
			}
			if got != want {
				t.Errorf("%q: %s = %q, want %q", tc.lines, name, got, want)
			}
		}
	}
}

// TestVarsOfOneRun: each run starts without variables, and runs of one
// rule set at once keep theirs apart.
func TestVarsOfOneRun(t *testing.T) {
	addr := origin(t, func(c net.Conn) {
		if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
			io.WriteString(c, "OK\r\n")
		}
	})
	rs := build(t, "option tcp-check",
		"tcp-check set-var(check.seen,ifexists) str(stale)",
		"tcp-check set-var(sess.s,ifexists) str(stale)",
		`tcp-check set-var-fmt(check.msg) "seen=%[var(check.seen)]%[var(sess.s)] by %[srv_name]"`,
		"tcp-check set-var(check.seen) str(first)",
		"tcp-check set-var(sess.s) str(first)",
		"tcp-check send-lf %[srv_name]\\r\\n",
		"tcp-check expect string OK on-success %[var(check.msg)]")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("srv%d", i)
			for range 2 {
				tg := target(addr)
				tg.Server = name
				want(t, runCheck(t, rs, tg), StatusL7OK, 0, "seen= by "+name)
			}
		}()
	}
	wg.Wait()
}

func TestVarChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lines  []string
		steps  []step
		http   string // an HTTP response instead of steps
		st     Status
		code   int
		desc   string
		verify func(t *testing.T, req []byte)
	}{
		{name: "send-lf and expect string-lf", lines: []string{"option tcp-check", "tcp-check set-var(check.cmd) str(PING)", `tcp-check send-lf "%[var(check.cmd)]\r\n"`,
			"tcp-check set-var(check.w) str(+PO)", "tcp-check expect string-lf %[var(check.w)]NG"},
			steps: []step{{read: 6, write: "+PONG\r\n"}}, st: StatusL7OK, desc: "(tcp-check)"},
		// A variable action is not a step: the result is the last
		// expect's, but the code is reset as haproxy resets it.
		{name: "set-var is not a step", lines: []string{"option httpchk", "http-check expect status 200 on-success ok-%[var(check.x)]", "http-check set-var(check.x) int(1)"},
			http: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 0, desc: "ok-1"},
		{name: "steps count variable actions", lines: []string{"option tcp-check", "tcp-check set-var(check.x) int(1)", "tcp-check expect string X"},
			steps: []step{{write: "Y"}}, st: StatusL7Resp, desc: "TCPCHK did not match content 'X' at step 2"},
		{name: "status-code tcp", lines: []string{"option tcp-check", "tcp-check expect string OK status-code res.payload(0,3)"},
			steps: []step{{write: "250 OK\r\n"}}, st: StatusL7OK, code: 250, desc: "(tcp-check)"},
		{name: "status-code on error", lines: []string{"option tcp-check", "tcp-check expect string OK status-code res.payload(0,3) on-error %[res.payload(4,3)]"},
			steps: []step{{write: "554 NO\r\n"}}, st: StatusL7Resp, code: 554, desc: "NO\r"},
		{name: "status-code http", lines: []string{"option httpchk", "http-check expect status 200 status-code res.hdr(x-code)"},
			http: "HTTP/1.1 200 OK\r\nX-Code: 299\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 299},
		{name: "status-code not a number", lines: []string{"option httpchk", "http-check expect status 200 status-code res.hdr(x-code)"},
			http: "HTTP/1.1 200 OK\r\nX-Code: abc\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 0},
		{name: "status-code not found", lines: []string{"option httpchk", "http-check expect status 200 status-code res.hdr(x-code)"},
			http: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 200},
		{name: "hdr name-lf value-lf", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.n) res.fhdr(x-name)",
			"http-check expect hdr name-lf %[var(check.n)] value-lf -m sub %[res.hdr(x-want)]"},
			http: "HTTP/1.1 200 OK\r\nX-Name: x-app\r\nX-Want: eady\r\nX-App: ready\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 200},
		{name: "hdr name-lf empty", lines: []string{"option httpchk", "http-check expect hdr name-lf %[var(check.none)]"},
			http: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", st: StatusL7Resp, code: 200, desc: "log-format string evaluated to an empty string"},
		{name: "on-error reads the response", lines: []string{"option httpchk", `http-check expect status 200 on-error "%[status] %[res.hdr(x-why)] %[srv_name]"`},
			http: "HTTP/1.1 503 Busy\r\nX-Why: maint\r\nContent-Length: 0\r\n\r\n", st: StatusL7Status, code: 503, desc: "503 maint s1"},
		{name: "uri-lf hdr body-lf", lines: []string{"option httpchk", "http-check set-var(check.p) str(/p)", "http-check send meth POST uri-lf %[var(check.p)]/%[srv_name] hdr x-be %[be_name] body-lf %[var(check.p),length]"},
			http: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", st: StatusL7OK, code: 200,
			verify: func(t *testing.T, req []byte) {
				if w := "POST /p/s1 HTTP/1.0\r\nx-be: be\r\ncontent-length: 1\r\n\r\n2"; string(req) != w {
					t.Errorf("request %q, want %q", req, w)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var addr string
			var reqs <-chan []byte
			if tc.http != "" {
				addr, reqs = httpOrigin(t, tc.http)
			} else {
				addr, _ = scripted(t, tc.steps...)
			}
			want(t, runCheck(t, build(t, tc.lines...), target(addr)), tc.st, tc.code, tc.desc)
			if tc.verify != nil {
				tc.verify(t, <-reqs)
			}
		})
	}
}

// TestEnvCompiles: a check line's expressions compile in the
// configuration's environment (a map file read once, from its directory).
func TestEnvCompiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/codes.map", []byte("ready 204\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Config{}
	c.SetEnv(&sample.Env{Dir: dir}, true)
	for _, l := range []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.c) res.hdr(x-app),map(codes.map)",
		"http-check expect status 200 status-code var(check.c)"} {
		if err := apply(c, l); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	rs, err := c.Build(true)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := httpOrigin(t, "HTTP/1.1 200 OK\r\nX-App: ready\r\nContent-Length: 0\r\n\r\n")
	want(t, runCheck(t, rs, target(addr)), StatusL7OK, 204, "")
	// Without mode http, the variables reserved for it are refused.
	c.SetEnv(nil, false)
	if err := apply(c, "http-check send uri-lf %HM"); err == nil || !strings.Contains(err.Error(), "reserved for HTTP mode") {
		t.Errorf("%%HM in mode tcp: %v", err)
	}
}
