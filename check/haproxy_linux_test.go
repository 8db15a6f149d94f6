package check

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The differential tests run the same check configuration through the
// real haproxy (when installed) and through this package, against twin
// test servers, and compare what haproxy logs of the check with option
// log-health-checks ("reason: Layer7 wrong status, code: 503, info:
// "Service Unavailable"") with the Result, or the request haproxy sends
// with ours.

const haproxyBin = "/usr/sbin/haproxy"

// inter is the check interval of the haproxy side; with no `timeout
// check` haproxy gives the whole check that long, which the Go side
// mirrors with ConnectTimeout and no ReadTimeout.
const inter = 300 * time.Millisecond

func needHaproxy(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(haproxyBin); err != nil {
		t.Skip("haproxy is not installed")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
}

// haproxyLog starts haproxy with a backend made of lines and a server
// line, and returns the first line it logs about the server's check
// ("Health check for server be/s1 ..." or "Agent check ...").
func haproxyLog(t *testing.T, lines []string, server string) string {
	t.Helper()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	dir := t.TempDir()
	// The socket's path is a bind address, where a comma (which test
	// names and so t.TempDir may hold) separates addresses.
	sockDir, err := os.MkdirTemp("", "hachk")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sockDir)
	cfg := fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    option log-health-checks
frontend fe
    bind unix@%s
    default_backend be
backend be
    log global
    %s
    server s1 %s
`, udp.LocalAddr(), filepath.Join(sockDir, "fe.sock"), strings.Join(lines, "\n    "), server)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(haproxyBin, "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(8 * time.Second)
	udp.SetReadDeadline(deadline)
	buf := make([]byte, 4096)
	for {
		n, _, err := udp.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no check log from haproxy: %v\nconfig:\n%s\noutput:\n%s", err, cfg, out.String())
		}
		msg := string(buf[:n])
		if strings.Contains(msg, " check for server be/s1 ") {
			return msg
		}
	}
}

// logReason is the "reason: …" part of a check log line, up to the
// duration.
func logReason(line string) string {
	i := strings.Index(line, "reason: ")
	j := strings.Index(line, ", check duration")
	if i < 0 || j < i {
		return line
	}
	return line[i:j]
}

// reasonOf is what haproxy's log line says of res.
func reasonOf(res Result) string {
	s := "reason: " + res.Status.Description()
	if res.Status.HasCode() {
		s += fmt.Sprintf(", code: %d", res.Code)
	}
	if res.Desc != "" {
		s += `, info: "` + LogDesc(res.Desc) + `"`
	}
	return s
}

type diffCase struct {
	name  string
	lines []string
	// server makes a test server and returns its address; it is called
	// once for haproxy and once for the Go check.
	server func(t *testing.T) string
	// agent, when set, runs an agent-check with this agent-send instead.
	agent *string
}

func respond(resp string) func(t *testing.T) string {
	return func(t *testing.T) string { addr, _ := httpOrigin(t, resp); return addr }
}

func talk(steps ...step) func(t *testing.T) string {
	return func(t *testing.T) string { addr, _ := scripted(t, steps...); return addr }
}

func silentServer(t *testing.T) string {
	return origin(t, func(c net.Conn) { waitClosed(t, c) })
}

func resetServer(t *testing.T) string {
	return origin(t, func(c net.Conn) {
		c.Read(make([]byte, 1024))
		c.(*net.TCPConn).SetLinger(0)
	})
}

func tlsServer(t *testing.T) string {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return origin(t, func(c net.Conn) { tls.Server(c, conf).Handshake() })
}

func str(s string) *string { return &s }

func TestHaproxyResults(t *testing.T) {
	needHaproxy(t)
	const (
		ok       = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-App: ready\r\n\r\nhello"
		handshke = "4A0000000A382E302E3139000A0000006F3C025E6249410D00FFFFFF0200FFC715000000000000000000007C182159106E2761144322200063616368696E675F736861325F70617373776F726400"
	)
	ping := []string{"option tcp-check", `tcp-check send PING\r\n`, "tcp-check expect string +PONG"}
	seed := []string{`option httpchk GET /health HTTP/1.1\r\nHost:\ api.example.com`, "http-check expect status 200", `http-check expect string "healthy"`}
	cases := []diffCase{
		{name: "seed 004-3 healthy", lines: seed, server: respond("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nhealthy")},
		{name: "seed 004-3 sick", lines: seed, server: respond("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nsick")},
		{name: "seed 004-3 down", lines: seed, server: respond("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")},
		{name: "plain ok", server: silentServer},
		{name: "plain refused", server: closedAddr2},
		{name: "plain timeout", server: unanswered},
		{name: "http 200", lines: []string{"option httpchk"}, server: respond(ok)},
		{name: "http 503", lines: []string{"option httpchk"}, server: respond("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")},
		{name: "http garbage", lines: []string{"option httpchk"}, server: respond("hello\r\n\r\n")},
		{name: "http close", lines: []string{"option httpchk"}, server: respond("")},
		{name: "http timeout", lines: []string{"option httpchk"}, server: silentServer},
		{name: "http reset", lines: []string{"option httpchk"}, server: resetServer},
		{name: "http refused", lines: []string{"option httpchk"}, server: closedAddr2},
		{name: "http 404 disable-on-404", lines: []string{"option httpchk", "http-check disable-on-404"}, server: respond("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")},
		{name: "http status comment", lines: []string{"option httpchk", "http-check expect status 201 comment needs-201"}, server: respond(ok)},
		{name: "http no reason", lines: []string{"option httpchk", "http-check expect status 200 comment foo"}, server: respond("HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n")},
		{name: "http close comment", lines: []string{"option httpchk", "http-check expect status 200 comment foo"}, server: respond("")},
		{name: "http string", lines: []string{"option httpchk", "http-check expect string hello"}, server: respond(ok)},
		{name: "http string mismatch", lines: []string{"option httpchk", "http-check expect string moon"}, server: respond(ok)},
		{name: "http unwanted string", lines: []string{"option httpchk", "http-check expect ! string hello"}, server: respond(ok)},
		{name: "http no body", lines: []string{"option httpchk", "http-check expect string x"}, server: respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")},
		{name: "http hdr", lines: []string{"option httpchk", "http-check expect hdr name x-app value -m beg rea"}, server: respond(ok)},
		{name: "http hdr missing", lines: []string{"option httpchk", "http-check expect hdr name x-other"}, server: respond(ok)},
		{name: "http rstatus", lines: []string{"option httpchk", "http-check expect ! rstatus ^2"}, server: respond(ok)},
		{name: "http on-error", lines: []string{"option httpchk", "http-check expect status 201 on-error nay-%[srv_name]"}, server: respond(ok)},
		{name: "http on-success", lines: []string{"option httpchk", "http-check expect status 200 on-success yay-%[be_name]"}, server: respond(ok)},
		{name: "http ok-status", lines: []string{"option httpchk", "http-check expect status 200 ok-status L7OKC"}, server: respond(ok)},
		{name: "http error-status", lines: []string{"option httpchk", "http-check expect status 201 error-status L7OKC"}, server: respond(ok)},
		{name: "http tout-status", lines: []string{"option httpchk", "http-check expect string zz tout-status L6TOUT"}, server: talk(step{read: 1, write: "HTTP/1.1 200 OK\r\n\r\nok"}, step{read: 1 << 20})},
		// Variables and log-format strings: what the check read, its
		// variables, its server's names.
		{name: "http set-var after expect", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.x) int(1)"}, server: respond(ok)},
		{name: "http on-error vars", lines: []string{"option httpchk", "http-check set-var(check.v) str(nope)", "http-check unset-var(check.gone)",
			`http-check expect status 201 on-error "%[var(check.v)]-%[var(check.gone)]-%[status]-%[res.hdr(x-app)]-%[res.fhdr_cnt(content-length)]-%[srv_name]-%[be_name]-%b-%s"`}, server: respond(ok)},
		{name: "http set-var from response", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.app) res.hdr(x-app),upper",
			"http-check set-var-fmt(check.fmt) \"v=%[var(check.app)] st=%[status]\"", "http-check expect status 200 on-success \"%[var(check.fmt)] %{+Q}[var(check.app)]\""}, server: respond(ok)},
		{name: "http string-lf var", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.w) str(hel)", "http-check expect string-lf %[var(check.w)]lo"}, server: respond(ok)},
		{name: "http string-lf var mismatch", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.w) str(help)", "http-check expect string-lf %[var(check.w)]"}, server: respond(ok)},
		{name: "http string-lf empty", lines: []string{"option httpchk", "http-check expect string-lf %[var(check.none)]"}, server: respond(ok)},
		{name: "http hdr name-lf value-lf", lines: []string{"option httpchk", "http-check expect status 200", "http-check set-var(check.n) str(X-APP)",
			"http-check expect hdr name-lf %[var(check.n)] value-lf -m beg %[res.hdr(x-app),bytes(0,3)]"}, server: respond(ok)},
		{name: "http hdr value-lf mismatch", lines: []string{"option httpchk", "http-check expect hdr name x-app value-lf %[status]"}, server: respond(ok)},
		{name: "http status-code", lines: []string{"option httpchk", "http-check expect status 200 status-code res.hdr(x-code)"},
			server: respond("HTTP/1.1 200 OK\r\nX-Code: 299\r\nContent-Length: 0\r\n\r\n")},
		{name: "http status-code on error", lines: []string{"option httpchk", "http-check expect status 201 status-code res.hdr(x-app)"}, server: respond(ok)},
		{name: "http res.body", lines: []string{"option httpchk", `http-check expect status 200 on-success "[%[res.body]][%[res.body_len]][%[res.body_size]]"`}, server: respond(ok)},
		{name: "http res.body chunked", lines: []string{"option httpchk", `http-check expect status 200 on-success "[%[res.body]][%[res.body_len]]"`},
			server: respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")},
		// res.len is left out: haproxy gives the size of its internal
		// representation of the response there, which switchyard does
		// not (it finds nothing).
		{name: "http payload is empty", lines: []string{"option httpchk", `http-check expect status 200 on-success "[%[res.payload(0,4)]][%[hdr(x-app)]][%[res.cook(a)]][%[res.cook_cnt]][%[res.cook_cnt(b)]]"`},
			server: respond("HTTP/1.1 200 OK\r\nSet-Cookie: a=1, b=2\r\nX-App: r\r\nContent-Length: 0\r\n\r\n")},
		{name: "http set-var conditions", lines: []string{"option httpchk", "http-check set-var(check.n) int(5)", "http-check set-var(check.n,ifgt) int(3)",
			"http-check set-var(check.n,ifgt) int(7)", "http-check set-var(check.m,ifexists) int(1)", "http-check set-var(check.e) str()",
			"http-check set-var(check.e,ifnotempty) str(x)", "http-check set-var(check.f,ifempty) int(1)", "http-check set-var(sess.s) str(S)", "http-check set-var(txn.t) str(T)",
			`http-check expect status 200 on-success "n=%[var(check.n)] m=%[var(check.m)] e=%[var(check.e)] f=%[var(check.f)] s=%[var(sess.s)] t=%[var(txn.t)]"`}, server: respond(ok)},
		{name: "tcp vars and payload", lines: []string{"option tcp-check", "tcp-check set-var(check.cmd) str(PING)", `tcp-check send-lf "%[var(check.cmd)]\r\n"`,
			"tcp-check expect string +PO", "tcp-check set-var(check.r) res.payload(0,3)",
			`tcp-check expect string NG on-success "got %[var(check.r)] len %[res.len] %[payload(1,2)] %[srv_name]/%[be_name]"`}, server: talk(step{read: 6, write: "+PONG\r\n"})},
		{name: "tcp on-error payload", lines: []string{"option tcp-check", "tcp-check send PING\\r\\n", `tcp-check expect string +PONG on-error "bad: %[res.payload(0,4)] (%[res.len])"`},
			server: talk(step{read: 6, write: "-ERR\r\n"})},
		{name: "tcp status-code", lines: []string{"option tcp-check", "tcp-check expect string OK status-code res.payload(0,3)"}, server: talk(step{write: "250 OK\r\n"})},
		{name: "tcp send-binary-lf var", lines: []string{"option tcp-check", "tcp-check set-var(check.h) str(50494e47)", `tcp-check send-binary-lf %[var(check.h)]0d0a`,
			"tcp-check expect string +PONG"}, server: talk(step{read: 6, write: "+PONG\r\n"})},
		{name: "tcp expect binary-lf", lines: []string{"option tcp-check", "tcp-check set-var(check.h) str(2b50)", "tcp-check expect binary-lf %[var(check.h)]4f4e47"},
			server: talk(step{write: "+PONG\r\n"})},
		{name: "tcp set-var before connect", lines: []string{"option tcp-check", "tcp-check set-var(check.c) str(PING)", "tcp-check connect", `tcp-check send-lf "%[var(check.c)]\r\n"`,
			"tcp-check expect string +PONG"}, server: talk(step{read: 6, write: "+PONG\r\n"})},
		{name: "tcp match", lines: ping, server: talk(step{read: 6, write: "+PONG\r\n"})},
		{name: "tcp mismatch", lines: ping, server: talk(step{read: 6, write: "-ERR\r\n"})},
		{name: "tcp empty", lines: ping, server: talk(step{read: 6})},
		{name: "tcp timeout", lines: ping, server: silentServer},
		{name: "tcp reset", lines: ping, server: resetServer},
		{name: "tcp refused", lines: ping, server: closedAddr2},
		{name: "tcp timeout at connect", lines: ping, server: unanswered},
		{name: "tcp comment step", lines: []string{"option tcp-check", "tcp-check comment hello", `tcp-check send PING\r\n`, "tcp-check expect string +PONG comment pong"}, server: talk(step{read: 6, write: "-ERR\r\n"})},
		{name: "tcp regex", lines: []string{"option tcp-check", "tcp-check expect rstring ^\\+OK"}, server: talk(step{write: "-NO\r\n"})},
		{name: "tcp rbinary", lines: []string{"option tcp-check", "tcp-check expect rbinary ^2B4F"}, server: talk(step{write: "-NO\r\n"})},
		{name: "tcp unwanted", lines: []string{"option tcp-check", "tcp-check expect ! string ERR min-recv 1"}, server: talk(step{write: "-ERR"})},
		{name: "tcp inverse waits for the end", lines: []string{"option tcp-check", "tcp-check expect ! string ERR", "tcp-check expect string OK"}, server: talk(step{write: "OK"})},
		{name: "tcp inverse timeout", lines: []string{"option tcp-check", "tcp-check expect ! string ERR", "tcp-check expect string OK"}, server: talk(step{write: "OK"}, step{read: 1 << 20})},
		{name: "tcp binary", lines: []string{"option tcp-check", "tcp-check expect binary 2b4f4b"}, server: talk(step{write: "-NO"})},
		{name: "tcp connect only", lines: []string{"option tcp-check", "tcp-check connect"}, server: silentServer},
		{name: "tcp connect port refused", lines: []string{"option tcp-check", "tcp-check connect port 1"}, server: silentServer},
		{name: "redis ok", lines: []string{"option redis-check"}, server: talk(step{read: 14, write: "+PONG\r\n"})},
		{name: "redis error", lines: []string{"option redis-check"}, server: talk(step{read: 14, write: "-ERR auth required\r\n"})},
		{name: "redis empty", lines: []string{"option redis-check"}, server: talk(step{read: 14})},
		{name: "smtp ok", lines: []string{"option smtpchk EHLO example.org"}, server: talk(step{write: "220 ready\r\n"},
			step{read: len("EHLO example.org\r\n"), write: "250-mail\r\n250 OK\r\n"}, step{read: len("QUIT\r\n"), write: "221 bye\r\n"})},
		{name: "smtp refused", lines: []string{"option smtpchk"}, server: talk(step{write: "554 go away\r\n"})},
		{name: "smtp long reply", lines: []string{"option smtpchk"}, server: talk(step{write: "554 " + strings.Repeat("no way ", 30) + "\r\n"})},
		{name: "tcp long pattern", lines: []string{"option tcp-check", "tcp-check expect string " + strings.Repeat("x", 150)}, server: talk(step{write: "y"})},
		{name: "smtp odd reply", lines: []string{"option smtpchk"}, server: talk(step{write: "554 <no> \"way\"\ttab\x01\r\n"})},
		{name: "smtp garbage", lines: []string{"option smtpchk"}, server: talk(step{write: "hello\r\n"})},
		{name: "mysql ok", lines: []string{"option mysql-check"}, server: talk(step{write: unhex(handshke)})},
		{name: "mysql user ok", lines: []string{"option mysql-check user user"}, server: talk(step{write: unhex(handshke)}, step{read: 42, write: unhex("0700000200000002000000")})},
		{name: "mysql refused", lines: []string{"option mysql-check user pouet"}, server: talk(step{write: unhex(handshke)}, step{read: 21, write: unhex("67000002FFE304436C69656E7420646F6573206E6F7420737570706F72742061757468656E7469636174696F6E2070726F746F636F6C20726571756573746564206279207365727665723B20636F6E736964657220757067726164696E67204D7953514C20636C69656E74")})},
		{name: "ldap ok", lines: []string{"option ldap-check"}, server: talk(step{read: 14, write: unhex("300C02010161070A010004000400")})},
		{name: "ldap not ldap", lines: []string{"option ldap-check"}, server: talk(step{read: 14, write: unhex("300C02010160070A010004000400")})},
		{name: "ldap error", lines: []string{"option ldap-check"}, server: talk(step{read: 14, write: unhex("300C02010161070A010104000400")})},
		{name: "pgsql ok", lines: []string{"option pgsql-check user foo"}, server: talk(step{read: 18, write: unhex("520000000800000000")})},
		{name: "pgsql error", lines: []string{"option pgsql-check user foo"}, server: talk(step{read: 18, write: unhex("450000000B53464154414C00")})},
		{name: "pgsql unknown", lines: []string{"option pgsql-check user foo"}, server: talk(step{read: 18, write: unhex("5200000008000000FF")})},
		{name: "ssl hello", lines: []string{"option ssl-hello-chk"}, server: tlsServer},
		{name: "ssl hello not ssl", lines: []string{"option ssl-hello-chk"}, server: talk(step{read: 126, write: "HTTP/1.0 400 Bad\r\n\r\n"})},
		{name: "agent up", agent: str(`hello\n`), server: talk(step{read: 6, write: "up 75%\n"})},
		{name: "agent down", agent: str(""), server: talk(step{write: "down # going away\n"})},
		{name: "agent up warning", agent: str(""), server: talk(step{write: "up 50x%\n"})},
		{name: "agent bad weight", agent: str(""), server: talk(step{write: "up 300x%\n"})},
		{name: "agent odd description", agent: str(""), server: talk(step{write: "down # <\"quoted\">\x7f\n"})},
		{name: "agent empty", agent: str(""), server: talk()},
		{name: "agent refused", agent: str(""), server: closedAddr2},
	}
	// option spop-check: every AGENT-HELLO and AGENT-DISCONNECT of the
	// unit tests, and the usual failures.
	for _, sc := range spopCases {
		cases = append(cases, diffCase{name: "spop " + sc.name, lines: []string{"option spop-check"}, server: talk(step{read: 82, write: sc.resp})})
	}
	// A response shorter than its 4-byte length is not compared: haproxy
	// reads the missing byte from whatever its buffer held before, so its
	// verdict changes from run to run (TestSPOPTruncated covers ours).
	cases = append(cases,
		diffCase{name: "spop empty", lines: []string{"option spop-check"}, server: talk(step{read: 82})},
		diffCase{name: "spop timeout", lines: []string{"option spop-check"}, server: silentServer},
		diffCase{name: "spop partial frame timeout", lines: []string{"option spop-check"}, server: talk(step{read: 82, write: spopCases[0].resp[:20]}, step{read: 1 << 20})},
		diffCase{name: "spop refused", lines: []string{"option spop-check"}, server: closedAddr2},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			haddr := tc.server(t)
			server := haddr + " check inter 300ms rise 1 fall 1"
			if tc.agent != nil {
				_, port, _ := net.SplitHostPort(haddr)
				server = fmt.Sprintf("%s agent-check agent-port %s agent-inter 300ms", haddr, port)
				if *tc.agent != "" {
					server += ` agent-send "` + *tc.agent + `"`
				}
			}
			hline := haproxyLog(t, tc.lines, server)

			tg := &Target{Addr: tc.server(t), ConnectTimeout: inter, Backend: "be", Server: "s1"}
			var res Result
			if tc.agent != nil {
				res = RunAgent(t.Context(), tg, strings.NewReplacer(`\n`, "\n").Replace(*tc.agent)).Result
			} else {
				res = runCheck(t, build(t, tc.lines...), tg)
			}
			if got, want := reasonOf(res), logReason(hline); got != want {
				t.Errorf("switchyard: %s\n   haproxy: %s", got, want)
			}
		})
	}
}

func closedAddr2(t *testing.T) string { return closedAddr(t) }
func unanswered(t *testing.T) string  { return unansweredAddr(t) }

// TestHaproxySPOPRequest compares the HAPROXY-HELLO of option spop-check
// with what haproxy sends.
func TestHaproxySPOPRequest(t *testing.T) {
	needHaproxy(t)
	reqs := make(chan []byte, 4)
	addr := origin(t, func(c net.Conn) {
		b := make([]byte, 82)
		if _, err := io.ReadFull(c, b); err == nil {
			select {
			case reqs <- b:
			default:
			}
		}
		waitClosed(t, c)
	})
	haproxyLog(t, []string{"option spop-check"}, addr+" check inter 300ms rise 1 fall 1")
	select {
	case got := <-reqs:
		if !bytes.Equal(got, spopRequest) {
			t.Errorf("haproxy sent %X\n      we send %X", got, spopRequest)
		}
	default:
		t.Fatal("haproxy sent no request")
	}
}

// TestHaproxyRequests compares the request bytes of requestCases.
func TestHaproxyRequests(t *testing.T) {
	needHaproxy(t)
	for _, tc := range requestCases {
		t.Run(strings.Join(tc.lines, ";"), func(t *testing.T) {
			t.Parallel()
			reqs := make(chan []byte, 4)
			addr := origin(t, func(c net.Conn) {
				req, err := readHTTPRequest(bufio.NewReader(c))
				if err == nil {
					select {
					case reqs <- req:
					default:
					}
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
			})
			haproxyLog(t, tc.lines, addr+" check inter 300ms rise 1 fall 1")
			var got []byte
			select {
			case got = <-reqs:
			default:
				t.Fatal("haproxy sent no request")
			}
			if string(got) != tc.want {
				t.Errorf("haproxy sent %q\n  table has %q", got, tc.want)
			}
		})
	}
}
