package config

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

func init() {
	moreKeywordCases = append(moreKeywordCases, checkKeywordCases)
	// The lines TestOtherSideKeywords puts in a frontend, where haproxy
	// ignores them with a warning.
	for kw, line := range map[string]string{
		"option httpchk":       "option httpchk",
		"option tcp-check":     "option tcp-check",
		"option ssl-hello-chk": "option ssl-hello-chk",
		"option mysql-check":   "option mysql-check user haproxy",
		"option pgsql-check":   "option pgsql-check user haproxy",
		"option redis-check":   "option redis-check",
		"option smtpchk":       "option smtpchk EHLO example.org",
		"option ldap-check":    "option ldap-check",
		"option spop-check":    "option spop-check",
		"http-check":           "http-check expect status 200",
		"tcp-check":            "tcp-check expect string +OK",
	} {
		otherSideLines[kw] = line
	}
}

func unhexString(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rules checks what the proxy's check compiles to (check.Ruleset's
// String).
func rules(want string) kwCheck {
	return func(t *testing.T, _ *Config, px *Proxy) {
		t.Helper()
		rs, err := px.Check.Build(px.Mode == ModeHTTP)
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		eq(t, "rules", rs.String(), want)
	}
}

// ignoredIn is the warning of a check line in a frontend.
func ignoredIn(kw string) string {
	return "t.cfg:2: '" + kw + "' ignored because frontend 'chk' has no backend capability."
}

var inFrontend = []Section{SecFrontend}

func checkKeywordCases() []kwCase {
	const defHTTP = "httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect status 200-399"
	cases := []kwCase{
		{kw: "option httpchk", in: inBESide, src: "option httpchk", check: rules(defHTTP)},
		{kw: "option httpchk", in: inBESide, src: "option httpchk /health", check: rules("httpchk: connect implicit; send OPTIONS /health HTTP/1.0; expect status 200-399")},
		{kw: "option httpchk", in: inBESide, src: "option httpchk GET /health HTTP/1.1", check: rules("httpchk: connect implicit; send GET /health HTTP/1.1; expect status 200-399")},
		{kw: "option httpchk", in: inBESide, name: "headers hidden in the version",
			src:   `option httpchk GET /health HTTP/1.1\r\nHost:\ api.example.com`,
			warn:  "t.cfg:2: 'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.",
			check: rules(`httpchk: connect implicit; send GET /health HTTP/1.1 hdr Host "api.example.com"; expect status 200-399`)},
		{kw: "option httpchk", in: inFrontend, src: "option httpchk", warn: ignoredIn("httpchk")},
		{kw: "option httpchk", in: inAll, src: "option httpchk GET / HTTP/1.0 x", err: "t.cfg:2: 'option httpchk': cannot handle unexpected argument 'x'"},
		{kw: "option httpchk", in: inBESide, name: "bad hidden header", src: `option httpchk GET / HTTP/1.1\r\nno-colon`, err: "t.cfg:2: 'option httpchk': unable to parse the request..."},

		{kw: "option tcp-check", in: inBESide, src: "option tcp-check", check: rules("tcp-check: connect implicit")},
		{kw: "option tcp-check", in: inFrontend, src: "option tcp-check", warn: ignoredIn("tcp-check")},
		{kw: "option tcp-check", in: inAll, src: "option tcp-check now", err: "t.cfg:2: 'option tcp-check': cannot handle unexpected argument 'now'"},

		{kw: "option ssl-hello-chk", in: inBESide, src: "option ssl-hello-chk", check: rules(`ssl-hello-chk: connect implicit; send <generated>; expect min-recv 5 rbinary "^1[56]" ok-status L6OK error-status L6RSP tout-status L6TOUT`)},
		{kw: "option ssl-hello-chk", in: inFrontend, src: "option ssl-hello-chk", warn: ignoredIn("ssl-hello-chk")},
		{kw: "option ssl-hello-chk", in: inAll, src: "option ssl-hello-chk x", err: "t.cfg:2: 'option ssl-hello-chk': cannot handle unexpected argument 'x'"},

		{kw: "option redis-check", in: inBESide, src: "option redis-check", check: rules(`redis-check: connect implicit; send "*1\r\n$4\r\nPING\r\n"; expect string "+PONG\r\n" error-status L7STS`)},
		{kw: "option redis-check", in: inFrontend, src: "option redis-check", warn: ignoredIn("redis-check")},
		{kw: "option redis-check", in: inAll, src: "option redis-check x", err: "t.cfg:2: 'option redis-check': cannot handle unexpected argument 'x'"},

		{kw: "option ldap-check", in: inBESide, src: "option ldap-check", check: rules(`ldap-check: connect implicit; send "0\f\x02\x01\x01` + "`" + `\a\x02\x01\x03\x04\x00\x80\x00"; expect min-recv 14 rbinary "^30"; expect custom`)},
		{kw: "option ldap-check", in: inFrontend, src: "option ldap-check", warn: ignoredIn("ldap-check")},
		{kw: "option ldap-check", in: inAll, src: "option ldap-check x", err: "t.cfg:2: 'option ldap-check': cannot handle unexpected argument 'x'"},

		// The HAPROXY-HELLO haproxy 2.6 sends, as captured on the wire.
		{kw: "option spop-check", in: inBESide, src: "option spop-check", check: rules(fmt.Sprintf("spop-check: connect implicit; send %q; expect min-recv 4 custom",
			unhexString("0000004E0100000001000012737570706F727465642D76657273696F6E730803322E300E6D61782D6672616D652D73697A6503FCF0060C6361706162696C697469657308000B6865616C7468636865636B11")))},
		{kw: "option spop-check", in: inFrontend, src: "option spop-check", warn: ignoredIn("spop-check")},
		{kw: "option spop-check", in: inAll, src: "option spop-check x", err: "t.cfg:2: 'option spop-check': cannot handle unexpected argument 'x'"},

		{kw: "option smtpchk", in: inBESide, src: "option smtpchk EHLO example.org", check: func(t *testing.T, c *Config, px *Proxy) {
			rs, _ := px.Check.Build(false)
			if s := rs.String(); !strings.Contains(s, `send "EHLO example.org\r\n"`) || !strings.Contains(s, `send "QUIT\r\n"`) {
				t.Errorf("rules = %s", s)
			}
		}},
		{kw: "option smtpchk", in: inBESide, name: "default HELO", src: "option smtpchk", check: func(t *testing.T, c *Config, px *Proxy) {
			rs, _ := px.Check.Build(false)
			if s := rs.String(); !strings.HasPrefix(s, "smtpchk: connect default linger;") || !strings.Contains(s, `send "HELO localhost\r\n"`) {
				t.Errorf("rules = %s", s)
			}
		}},
		{kw: "option smtpchk", in: inFrontend, src: "option smtpchk", warn: ignoredIn("smtpchk")},
		{kw: "option smtpchk", in: inAll, src: "option smtpchk EHLO a b", err: "t.cfg:2: 'option smtpchk': cannot handle unexpected argument 'b'"},

		{kw: "option pgsql-check", in: inBESide, src: "option pgsql-check user haproxy", check: rules(`pgsql-check: connect default linger; send "\x00\x00\x00\x16\x00\x03\x00\x00user\x00haproxy\x00\x00"; expect min-recv 5 ! rstring "^E" error-status L7RSP; expect min-recv 9 rbinary "^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)" error-status L7STS`)},
		{kw: "option pgsql-check", in: inFrontend, src: "option pgsql-check user haproxy", warn: ignoredIn("pgsql-check")},
		{kw: "option pgsql-check", in: inAll, src: "option pgsql-check", err: "t.cfg:2: 'option pgsql-check': expects 'user <username>' as argument."},
		{kw: "option pgsql-check", in: inBESide, src: "option pgsql-check owner x", err: "t.cfg:2: 'option pgsql-check': only supports optional values: 'user'."},

		{kw: "option mysql-check", in: inBESide, src: "option mysql-check", check: rules("mysql-check: connect default linger; expect custom")},
		{kw: "option mysql-check", in: inBESide, src: "option mysql-check user hc pre-41", check: rules(`mysql-check: connect default linger; send "\t\x00\x00\x01\x00\x80\x00\x00\x01hc\x00\x00\x01\x00\x00\x00\x01"; expect custom; expect custom`)},
		{kw: "option mysql-check", in: inFrontend, src: "option mysql-check", warn: ignoredIn("mysql-check")},
		{kw: "option mysql-check", in: inAll, src: "option mysql-check user hc post-42", err: "t.cfg:2: 'option mysql-check': keyword 'user' only supports 'post-41' and 'pre-41' (got 'post-42')."},
		{kw: "option mysql-check", in: inBESide, src: "option mysql-check user", err: "t.cfg:2: 'option mysql-check': 'user' expects <username> as argument."},
		{kw: "option mysql-check", in: inBESide, src: "option mysql-check owner x", err: "t.cfg:2: 'option mysql-check': only supports optional values: 'user' (got 'owner')."},

		{kw: "http-check", in: inBESide, src: "option httpchk\nhttp-check send meth GET uri /ready ver HTTP/1.1 hdr Host app\nhttp-check expect status 200,204",
			check: rules(`httpchk: connect implicit; send GET /ready HTTP/1.1 hdr Host "app"; expect status 200,204`)},
		{kw: "http-check", in: inBESide, name: "state, 404, connect", src: "option httpchk\nhttp-check disable-on-404\nhttp-check send-state\nhttp-check connect port 8080 linger\nhttp-check send uri /h\nhttp-check expect ! rstatus ^5 comment no-5xx",
			check: rules(`httpchk disable-on-404 send-state: connect port 8080 linger; send OPTIONS /h HTTP/1.0; expect ! rstatus "^5" comment "no-5xx"`)},
		{kw: "http-check", in: inBESide, name: "header match", src: "option httpchk\nhttp-check expect fhdr name -m beg x-app value -m reg ^ok",
			check: rules(`httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect fhdr name "x-app" value "^ok"`)},
		{kw: "http-check", in: inFrontend, src: "http-check expect status 200", warn: ignoredIn("http-check")},
		{kw: "http-check", in: inAll, src: "http-check expect", err: "t.cfg:2: 'http-check': 'expect': expects at least a matching pattern as arguments"},
		{kw: "http-check", in: inBESide, src: "http-check frob", err: "t.cfg:2: 'http-check': only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var(<var-name>)', 'set-var-fmt(<var-name>)', 'unset-var(<var-name>)', but got 'frob'"},
		{kw: "http-check", in: inBESide, name: "variables", src: "option httpchk\nhttp-check set-var(check.port) int(80)\nhttp-check send uri-lf /p/%[var(check.port)]",
			check: rules(`httpchk: connect implicit; set-var(check.port) "int(80)"; send OPTIONS <log-format> HTTP/1.0; expect status 200-399`)},
		{kw: "http-check", in: inBESide, src: "http-check set-var(check.port) nosuch", err: "t.cfg:2: 'http-check': 'set-var(check.port)': 'set-var' : unknown fetch method 'nosuch'"},
		{kw: "http-check", in: inBESide, name: "tls", src: "option httpchk\nhttp-check connect ssl sni chk.example alpn http/1.1",
			check: rules(`httpchk: connect ssl sni chk.example alpn http/1.1; send OPTIONS / HTTP/1.0; expect status 200-399`)},
		{kw: "http-check", in: inBESide, src: "http-check connect proto h2", err: "t.cfg:2: 'http-check': 'connect': 'proto' on a check connect rule is not supported yet by switchyard"},
		{kw: "http-check", in: inBESide, src: "option httpchk\nhttp-check send hdr x-a %[req.hdr(host)]", err: "t.cfg:3: 'http-check': 'send': sample fetch <req.hdr(host)> may not be reliably used here because it needs 'HTTP request headers' which is not available here"},
		{kw: "http-check", in: inBESide, src: "option httpchk\nhttp-check expect status 200\nhttp-check send", err: "t.cfg:4: 'http-check': 'send': unable to add http-check send rule at step 2 (missing connect rule)."},
		{kw: "http-check", in: inBESide, src: "http-check disable-on-404 now", err: "t.cfg:2: 'http-check': 'disable-on-404': cannot handle unexpected argument 'now'"},

		{kw: "tcp-check", in: inBESide, src: "option tcp-check\ntcp-check connect port 6379\ntcp-check send PING\\r\\n\ntcp-check expect string +PONG",
			check: rules(`tcp-check: connect port 6379; send "PING\r\n"; expect string "+PONG"`)},
		{kw: "tcp-check", in: inBESide, name: "binary and lf", src: "option tcp-check\ntcp-check send-binary 50494e47\ntcp-check send-lf %[srv_name]\ntcp-check expect rbinary ^2B",
			check: rules(`tcp-check: connect implicit; send "PING"; send-lf "%[srv_name]"; expect rbinary "^2B"`)},
		{kw: "tcp-check", in: inFrontend, src: "tcp-check expect string +OK", warn: ignoredIn("tcp-check")},
		{kw: "tcp-check", in: inAll, src: "tcp-check expect status 200", err: "t.cfg:2: 'tcp-check': 'expect': only supports min-recv, [!]binary, [!]string, [!]rstring, [!]string-lf, [!]rbinary, [!]binary-lf or comment but got 'status' as argument."},
		{kw: "tcp-check", in: inBESide, src: "tcp-check send-binary 0g", err: "t.cfg:2: 'tcp-check': 'send-binary': '0g' invalid binary string (an hex digit is expected (found 'g'))."},
		{kw: "tcp-check", in: inBESide, src: "tcp-check send x\ntcp-check connect", err: "t.cfg:3: 'tcp-check': 'connect': first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset"},
		{kw: "tcp-check", in: inBESide, name: "variables", src: "option tcp-check\ntcp-check set-var-fmt(check.c) PING\ntcp-check send-lf %[var(check.c)]\ntcp-check unset-var(check.c)",
			check: rules(`tcp-check: connect implicit; set-var-fmt(check.c) "PING"; send-lf "%[var(check.c)]"; unset-var(check.c)`)},
		{kw: "tcp-check", in: inBESide, src: "tcp-check unset-var(check.x,ifexists)", err: "t.cfg:2: 'tcp-check': 'unset-var(check.x,ifexists)': 'unset-var' : unset-var does not expect parameters after the variable name. Only \"set-var\" and \"set-var-fmt\" manage conditions"},
		{kw: "tcp-check", in: inBESide, src: "tcp-check send-lf %[fe_name]", err: "t.cfg:2: 'tcp-check': 'send-lf': '%[fe_name]' invalid log-format string (sample fetch <fe_name]> may not be reliably used here because it needs 'frontend' which is not available here)."},
	}
	return cases
}

// TestCheckInheritance: a section runs its defaults' checks until it
// writes check rules of its own, which start a new list, as in haproxy
// (http-check rules in a backend replace, not extend, the defaults' ones),
// and nothing a section writes changes its defaults.
func TestCheckInheritance(t *testing.T) {
	cfg, _, errs := load(t, `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    option httpchk GET /status HTTP/1.1
    http-check send hdr Host www
backend inherits
    server s 127.0.0.1:8080 check
backend own-send
    http-check send hdr Host other
    server s 127.0.0.1:8080 check
backend own-option
    option httpchk
    server s 127.0.0.1:8080 check
backend tcp
    option tcp-check
    tcp-check send PING
    server s 127.0.0.1:8080 check
backend none
    mode tcp
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string]string{
		"inherits":   `httpchk: connect implicit; send GET /status HTTP/1.1 hdr Host "www"; expect status 200-399`,
		"own-send":   `httpchk: connect implicit; send OPTIONS / HTTP/1.0 hdr Host "other"; expect status 200-399`,
		"own-option": `httpchk: connect implicit; send OPTIONS / HTTP/1.0; expect status 200-399`,
		"tcp":        `tcp-check: connect implicit; send "PING"`,
		"none":       `httpchk: connect implicit; send GET /status HTTP/1.1 hdr Host "www"; expect status 200-399`,
	}
	seen := 0
	for _, px := range cfg.Proxies {
		w, ok := want[px.Name]
		if !ok {
			continue
		}
		seen++
		rs, err := px.Check.Build(px.Mode == ModeHTTP)
		if err != nil {
			t.Fatalf("%s: %v", px.Name, err)
		}
		if rs.String() != w {
			t.Errorf("%s: rules %s, want %s", px.Name, rs, w)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of %d backends", seen, len(want))
	}
}

// TestCheckNoOption: `no option httpchk` is refused (haproxy: "negation/
// default is not supported"), and a frontend's ignored check line leaves
// the frontend without check settings.
func TestCheckNoOption(t *testing.T) {
	_, _, errs := load(t, "backend b\n no option httpchk\n")
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "t.cfg:2: unknown keyword 'no'") {
		t.Errorf("no option httpchk: %v", errs)
	}
	cfg, _, errs := load(t, "frontend f\n bind :8080\n option httpchk\n http-check expect status 200\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if px := cfg.Proxies[0]; px.Check != nil {
		t.Errorf("frontend kept check settings: %+v", px.Check)
	}
}
