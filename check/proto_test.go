package check

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// script is a fake server's conversation: "<" reads exactly n bytes
// (recorded), ">" writes hex or text.
type step struct {
	read  int    // bytes to read, when > 0
	write string // what to write
}

func scripted(t testing.TB, steps ...step) (string, <-chan []byte) {
	got := make(chan []byte, 8)
	addr := origin(t, func(c net.Conn) {
		for _, s := range steps {
			if s.read > 0 {
				b := make([]byte, s.read)
				if _, err := io.ReadFull(c, b); err != nil {
					return
				}
				got <- b
			}
			if s.write != "" {
				io.WriteString(c, s.write)
			}
		}
	})
	return addr, got
}

func unhex(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestTCPCheck(t *testing.T) {
	ping := []string{"option tcp-check", `tcp-check send PING\r\n`, "tcp-check expect string +PONG"}
	for _, tc := range []struct {
		name  string
		lines []string
		steps []step
		st    Status
		desc  string
	}{
		{"match", ping, []step{{read: 6, write: "+PONG\r\n"}}, StatusL7OK, "(tcp-check)"},
		{"mismatch", ping, []step{{read: 6, write: "-ERR\r\n"}}, StatusL7Resp, "TCPCHK did not match content '+PONG' at step 2"},
		{"empty", ping, []step{{read: 6}}, StatusL7Resp, "TCPCHK got an empty response at step 2"},
		{"regex", []string{"option tcp-check", "tcp-check expect rstring ^\\+OK"}, []step{{write: "-NO\r\n"}}, StatusL7Resp, "TCPCHK did not match content (regex) at step 1"},
		{"binary", []string{"option tcp-check", "tcp-check expect binary 2b4f4b"}, []step{{write: "-NO\r\n"}}, StatusL7Resp, "TCPCHK did not match content (binary) at step 1"},
		{"binary regex", []string{"option tcp-check", "tcp-check expect rbinary ^2B4F"}, []step{{write: "+OK"}}, StatusL7OK, "(tcp-check)"},
		{"binary regex mismatch", []string{"option tcp-check", "tcp-check expect rbinary ^2B4F"}, []step{{write: "-NO"}}, StatusL7Resp, "TCPCHK did not match content (binary regex) at step 1"},
		{"unwanted", []string{"option tcp-check", "tcp-check expect ! string ERR min-recv 1"}, []step{{write: "-ERR"}}, StatusL7Resp, "TCPCHK matched unwanted content 'ERR' at step 1"},
		{"comment counts as a step", []string{"option tcp-check", "tcp-check comment hello", `tcp-check send PING\r\n`, "tcp-check expect string +PONG"},
			[]step{{read: 6, write: "-ERR\r\n"}}, StatusL7Resp, "TCPCHK did not match content '+PONG' at step 3"},
		{"comment names the expect", []string{"option tcp-check", `tcp-check send PING\r\n`, "tcp-check expect string +PONG comment pong"},
			[]step{{read: 6, write: "-ERR\r\n"}}, StatusL7Resp, "TCPCHK did not match content '+PONG' at step 2 comment: pong"},
		{"empty with comment", []string{"option tcp-check", "tcp-check expect string +PONG comment pong"}, nil, StatusL7Resp, "TCPCHK got an empty response at step 1 comment: 'pong'"},
		{"on-success", []string{"option tcp-check", "tcp-check expect string OK on-success fine"}, []step{{write: "OK"}}, StatusL7OK, "fine"},
		{"error-status", []string{"option tcp-check", "tcp-check expect string OK error-status L7STS on-error bad"}, []step{{write: "KO"}}, StatusL7Status, "bad"},
		{"ok-status", []string{"option tcp-check", "tcp-check expect string OK ok-status L4OK"}, []step{{write: "OK"}}, StatusL4OK, "(tcp-check)"},
		{"connect only", []string{"option tcp-check", "tcp-check connect"}, nil, StatusL4OK, "(tcp-check)"},
		{"send last", []string{"option tcp-check", "tcp-check send x"}, []step{{read: 1}}, StatusL7OK, "(tcp-check)"},
		{"lf", []string{"option tcp-check", "tcp-check send-lf hello-%[srv_name]\\n", "tcp-check expect string-lf %[be_name]"}, []step{{read: 9, write: "be"}}, StatusL7OK, "(tcp-check)"},
		{"binary lf", []string{"option tcp-check", "tcp-check send-binary-lf 4142", "tcp-check expect binary-lf 4344"}, []step{{read: 2, write: "CD"}}, StatusL7OK, "(tcp-check)"},
	} {
		addr, _ := scripted(t, tc.steps...)
		res := runCheck(t, build(t, tc.lines...), target(addr))
		if res.Status != tc.st || res.Desc != tc.desc {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, res.Status, res.Desc, tc.st, tc.desc)
		}
	}
}

// TestTCPCheckWaits: a partial response makes an exact pattern wait for
// the rest; with min-recv the absence of a match is final.
func TestTCPCheckWaits(t *testing.T) {
	second := make(chan struct{})
	addr := origin(t, func(c net.Conn) {
		io.WriteString(c, "+PO")
		select {
		case <-second:
		case <-t.Context().Done():
		}
		io.WriteString(c, "NG")
	})
	done := make(chan Result)
	go func() {
		done <- runCheck(t, build(t, "option tcp-check", "tcp-check expect string +PONG"), target(addr))
	}()
	close(second)
	want(t, <-done, StatusL7OK, 0, "(tcp-check)")
}

func TestTCPCheckFailures(t *testing.T) {
	rs := build(t, "option tcp-check", `tcp-check send PING\r\n`, "tcp-check expect string +PONG")
	want(t, runCheck(t, rs, target(closedAddr(t))), StatusL4Conn, 0, "Connection refused at initial connection step of tcp-check")

	silent := origin(t, func(c net.Conn) { waitClosed(t, c) })
	tg := target(silent)
	tg.ReadTimeout = 100 * time.Millisecond
	want(t, runCheck(t, rs, tg), StatusL7Timeout, 0, " at step 2 of tcp-check (expect string '+PONG')")

	reset := origin(t, func(c net.Conn) {
		io.ReadFull(c, make([]byte, 6))
		c.(*net.TCPConn).SetLinger(0)
	})
	want(t, runCheck(t, rs, target(reset)), StatusSockErr, 0, "Connection reset by peer at step 2 of tcp-check (expect string '+PONG')")

	_, port, _ := net.SplitHostPort(closedAddr(t))
	rs = build(t, "option tcp-check", "tcp-check connect port "+port)
	want(t, runCheck(t, rs, target(silent)), StatusL4Conn, 0, "Connection refused at step 1 of tcp-check (connect port "+port+")")
	rs = build(t, "option tcp-check", "tcp-check connect addr 127.0.0.1:"+port+" comment db")
	want(t, runCheck(t, rs, target(silent)), StatusL4Conn, 0, "Connection refused at step 1 of tcp-check (connect) comment: 'db'")

	// tout-status names the timeout.
	rs = build(t, "option tcp-check", "tcp-check expect string x tout-status L6TOUT")
	want(t, runCheck(t, rs, tg), StatusL6Timeout, 0, " at step 1 of tcp-check (expect string 'x')")
}

func TestRedisCheck(t *testing.T) {
	rs := build(t, "option redis-check")
	addr, got := scripted(t, step{read: 14, write: "+PONG\r\n"})
	want(t, runCheck(t, rs, target(addr)), StatusL7OK, 0, "Redis server is ok")
	if b := <-got; string(b) != "*1\r\n$4\r\nPING\r\n" {
		t.Errorf("sent %q", b)
	}
	addr, _ = scripted(t, step{read: 14, write: "-ERR auth required\r\nmore"})
	want(t, runCheck(t, rs, target(addr)), StatusL7Status, 0, "-ERR auth required")
	addr, _ = scripted(t, step{read: 14})
	want(t, runCheck(t, rs, target(addr)), StatusL7Status, 0, "TCPCHK got an empty response at step 2")
	silent := origin(t, func(c net.Conn) { waitClosed(t, c) })
	tg := target(silent)
	tg.ReadTimeout = 100 * time.Millisecond
	want(t, runCheck(t, rs, tg), StatusL7Timeout, 0, "")
}

func TestSMTPCheck(t *testing.T) {
	rs := build(t, "option smtpchk EHLO example.org")
	addr, got := scripted(t,
		step{write: "220 mail ready\r\n"},
		step{read: len("EHLO example.org\r\n"), write: "250-mail\r\n250-PIPELINING\r\n250 OK\r\n"},
		step{read: len("QUIT\r\n"), write: "221 bye\r\n"})
	want(t, runCheck(t, rs, target(addr)), StatusL7OK, 221, "bye")
	if b := <-got; string(b) != "EHLO example.org\r\n" {
		t.Errorf("sent %q", b)
	}
	if b := <-got; string(b) != "QUIT\r\n" {
		t.Errorf("sent %q", b)
	}
	addr, _ = scripted(t, step{write: "554 go away\r\n"})
	want(t, runCheck(t, build(t, "option smtpchk"), target(addr)), StatusL7Status, 554, "go away")
	addr, _ = scripted(t, step{write: "hello\r\n"})
	want(t, runCheck(t, build(t, "option smtpchk"), target(addr)), StatusL7Resp, 0, "hello")
	addr, _ = scripted(t, step{write: "220 ready\r\n"}, step{read: len("HELO localhost\r\n"), write: "501 who?\r\n"})
	want(t, runCheck(t, build(t, "option smtpchk"), target(addr)), StatusL7Status, 501, "who?")
}

func TestMySQLCheck(t *testing.T) {
	const handshake = "4A0000000A382E302E3139000A0000006F3C025E6249410D00FFFFFF0200FFC715000000000000000000007C182159106E2761144322200063616368696E675F736861325F70617373776F726400"
	addr, _ := scripted(t, step{write: unhex(handshake)})
	res := runCheck(t, build(t, "option mysql-check"), target(addr))
	want(t, res, StatusL7OK, 0, "8.0.19")
	if !res.Twice {
		t.Error("a mysql-check success is reported twice by haproxy")
	}

	// With a user: the authentication packet goes right after the
	// connect, then the handshake and the OK packet are read.
	auth := "2600000100820000008000012100000000000000000000000000000000000000000000007573657200000100000001"
	addr, got := scripted(t, step{write: unhex(handshake)}, step{read: len(auth) / 2, write: unhex("0700000200000002000000")})
	want(t, runCheck(t, build(t, "option mysql-check user user"), target(addr)), StatusL7OK, 0, "8.0.19")
	if b := <-got; !strings.EqualFold(hex.EncodeToString(b), auth) {
		t.Errorf("sent %x", b)
	}
	pre41 := "0B00000100800000017573657200000100000001"
	addr, got = scripted(t, step{write: unhex(handshake)}, step{read: len(pre41) / 2, write: unhex("0700000200000002000000")})
	want(t, runCheck(t, build(t, "option mysql-check user user pre-41"), target(addr)), StatusL7OK, 0, "8.0.19")
	if b := <-got; !strings.EqualFold(hex.EncodeToString(b), pre41) {
		t.Errorf("sent %x", b)
	}
	refuse := "67000002FFE304436C69656E7420646F6573206E6F7420737570706F72742061757468656E7469636174696F6E2070726F746F636F6C20726571756573746564206279207365727665723B20636F6E736964657220757067726164696E67204D7953514C20636C69656E74"
	addr, _ = scripted(t, step{write: unhex(handshake)}, step{read: 21, write: unhex(refuse)})
	want(t, runCheck(t, build(t, "option mysql-check user pouet"), target(addr)), StatusL7Status, 1251,
		"Client does not support authentication protocol requested by server; consider upgrading MySQL client")
	addr, _ = scripted(t, step{write: unhex("4A0000")})
	want(t, runCheck(t, build(t, "option mysql-check"), target(addr)), StatusL7Resp, 0, "")
}

func TestLDAPCheck(t *testing.T) {
	rs := build(t, "option ldap-check")
	bind := unhex("300C020101600702010304008000")
	for _, tc := range []struct {
		resp string
		st   Status
		code int
		desc string
	}{
		{"300C02010161070A010004000400", StatusL7OK, 0, "Success"},
		{"300C02010160070A010004000400", StatusL7Resp, 0, "Not LDAPv3 protocol"},
		{"300C02010161070A010104000400", StatusL7Status, 1, "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9"},
		{"310C02010161070A010104000400", StatusL7Resp, 0, "Not LDAPv3 protocol"},
		{"308400000010020101618400000007" + "0A010004000400", StatusL7OK, 0, "Success"},
	} {
		addr, got := scripted(t, step{read: len(bind), write: unhex(tc.resp)})
		res := runCheck(t, rs, target(addr))
		if res.Status != tc.st || res.Code != tc.code || res.Desc != tc.desc || res.Twice != (tc.st == StatusL7OK) {
			t.Errorf("%s: got %s %d %q twice %v", tc.resp, res.Status, res.Code, res.Desc, res.Twice)
		}
		if b := <-got; string(b) != string(bind) {
			t.Errorf("sent %x", b)
		}
	}
}

func TestPgSQLCheck(t *testing.T) {
	rs := build(t, "option pgsql-check user foo")
	startup := "\x00\x00\x00\x12\x00\x03\x00\x00user\x00foo\x00\x00"
	for _, tc := range []struct {
		resp string
		st   Status
		desc string
	}{
		{"520000000800000000", StatusL7OK, "PostgreSQL server is ok"},
		{"52000000170000000A534352414D2D5348412D3235360000", StatusL7OK, "PostgreSQL server is ok"},
		{"450000000B53464154414C00", StatusL7Resp, "FATAL"},
		{"5200000008000000FF", StatusL7Status, "PostgreSQL unknown error"},
	} {
		addr, got := scripted(t, step{read: len(startup), write: unhex(tc.resp)})
		res := runCheck(t, rs, target(addr))
		if res.Status != tc.st || res.Desc != tc.desc {
			t.Errorf("%s: got %s %q", tc.resp, res.Status, res.Desc)
		}
		if b := <-got; string(b) != startup {
			t.Errorf("sent %q", b)
		}
	}
	addr, _ := scripted(t, step{read: len(startup)})
	want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, "TCPCHK got an empty response at step 3")
}

// TestSSLHelloCheck: a TLS server answers the SSLv3 hello with a record
// (an alert: it does not speak SSLv3), which is all the check asks.
func TestSSLHelloCheck(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	hello := make(chan []byte, 1)
	addr := origin(t, func(c net.Conn) {
		rec := &recorder{Conn: c}
		tls.Server(rec, conf).Handshake()
		hello <- rec.read
	})
	want(t, runCheck(t, build(t, "option ssl-hello-chk"), target(addr)), StatusL6OK, 0, "")
	b := <-hello
	if len(b) != 126 || b[0] != 0x16 || string(b[1:3]) != "\x03\x00" || string(b[15:43]) != "HAPROXYSSLCHK\nHAPROXYSSLCHK\n" {
		t.Errorf("hello % x", b)
	}
	addr, _ = scripted(t, step{read: 126, write: "HTTP/1.0 400 Bad\r\n\r\n"})
	want(t, runCheck(t, build(t, "option ssl-hello-chk"), target(addr)), StatusL6Resp, 0, "")
}

type recorder struct {
	net.Conn
	read []byte
}

func (r *recorder) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	r.read = append(r.read, b[:n]...)
	return n, err
}

// TestReadLimit: an expect sees at most tune.bufsize bytes of a response.
func TestReadLimit(t *testing.T) {
	big := make([]byte, bufSize+100)
	for i := range big {
		big[i] = 'a'
	}
	copy(big[bufSize:], "NEEDLE")
	addr := origin(t, func(c net.Conn) {
		c.Write(big)
		bufio.NewReader(c).ReadByte()
	})
	rs := build(t, "option tcp-check", "tcp-check expect string NEEDLE")
	want(t, runCheck(t, rs, target(addr)), StatusL7Resp, 0, "TCPCHK did not match content 'NEEDLE' at step 1")
}
