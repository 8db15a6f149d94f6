package runtimeapi

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/testcert"
)

// sniffOrigin is an HTTP origin on one port that speaks TLS to a client
// that starts a handshake and clear HTTP to one that does not; it answers
// "tls" or "clear", so that a test sees how the proxy connected.
func sniffOrigin(t *testing.T) string {
	t.Helper()
	ca := testcert.NewCA("origin CA")
	leaf := ca.Issue(testcert.Opts{CN: "origin", DNS: []string{"127.0.0.1"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				c.SetDeadline(time.Now().Add(10 * time.Second))
				first, err := br.Peek(1)
				if err != nil {
					return
				}
				var rw io.ReadWriter = struct {
					io.Reader
					io.Writer
				}{br, c}
				kind := "clear"
				if first[0] == 0x16 {
					tc := tls.Server(&peekedConn{Conn: c, r: br}, cfg)
					if tc.Handshake() != nil {
						return
					}
					rw, kind = tc, "tls"
				}
				r := bufio.NewReader(rw)
				for {
					req, err := http.ReadRequest(r)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					if _, err := io.WriteString(rw, "HTTP/1.1 200 OK\r\nContent-Length: "+string(rune('0'+len(kind)))+"\r\n\r\n"+kind); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// peekedConn is a connection whose first bytes were read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// useSSLField is the srv_use_ssl column of server name in `show servers
// state`.
func useSSLField(t *testing.T, sock, name string) string {
	t.Helper()
	for _, l := range strings.Split(ask(t, sock, "show servers state be\n"), "\n") {
		f := strings.Fields(l)
		if len(f) > 20 && f[3] == name {
			return f[20]
		}
	}
	t.Fatalf("no line for %s in show servers state", name)
	return ""
}

// TestSetServerSSL: `set server B/S ssl on|off` changes how the next
// connections to the server are made, pooled ones included, keeps the
// change across a reload, and is refused as haproxy refuses it.
func TestSetServerSSL(t *testing.T) {
	origin := sniffOrigin(t)
	fe := freeAddr(t)
	text := `
global
    stats timeout 5s
    ssl-server-verify none
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend web
    bind ` + fe + `
    default_backend be
backend be
    http-reuse always
    server plain ` + origin + ` disabled
    default-server ssl
    server s1 ` + origin + ` no-ssl
    server s2 ` + origin + ` disabled
`
	e := newEnv(t, text)
	sock := e.socket(admin.Admin)
	client := &http.Client{Timeout: 5 * time.Second}
	get := func() string {
		t.Helper()
		resp, err := client.Get("http://" + fe + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := useSSLField(t, sock, "plain"); got != "0" {
		t.Errorf("plain: srv_use_ssl %s, want 0", got)
	}
	if got := useSSLField(t, sock, "s2"); got != "1" {
		t.Errorf("s2: srv_use_ssl %s, want 1", got)
	}
	if got, want := useSSLField(t, sock, "s1"), "-1"; got != want {
		t.Errorf("s1: srv_use_ssl %s, want %s", got, want)
	}
	if got := get(); got != "clear" {
		t.Fatalf("before: %q", got)
	}
	for _, step := range []struct{ onOff, want, field string }{
		{"on", "tls", "1"}, {"off", "clear", "0"}, {"on", "tls", "1"},
	} {
		if got := ask(t, sock, "set server be/s1 ssl "+step.onOff+"\n"); got != "server ssl setting updated.\n\n" {
			t.Fatalf("ssl %s: %q", step.onOff, got)
		}
		// Twice: a new connection, then one from the pool (the
		// client's keep-alive connection to the proxy carries both).
		for i := 0; i < 2; i++ {
			if got := get(); got != step.want {
				t.Fatalf("after ssl %s, request %d: %q, want %q", step.onOff, i, got, step.want)
			}
		}
		if got := useSSLField(t, sock, "s1"); got != step.field {
			t.Errorf("after ssl %s: srv_use_ssl %s, want %s", step.onOff, got, step.field)
		}
	}
	// A reload of the same configuration keeps the runtime change.
	if err := e.rt.Apply(e.load(text)); err != nil {
		t.Fatal(err)
	}
	if got := useSSLField(t, sock, "s1"); got != "1" {
		t.Errorf("after a reload: srv_use_ssl %s, want 1", got)
	}
	if got := get(); got != "tls" {
		t.Errorf("after a reload: %q", got)
	}

	for _, c := range []struct{ cmd, want string }{
		{"set server be/plain ssl on", "'set server <srv> ssl' cannot be set.  default-server should define ssl settings\n\n"},
		{"set server be/s1 ssl maybe", "'set server <srv> ssl' expects 'on' or 'off'.\n\n"},
		{"set server be/s1 ssl", "'set server <srv> ssl' expects 'on' or 'off'.\n\n"},
		{"set server be/nope ssl on", "No such server.\n\n"},
		{"add server be/dyn " + origin + " ssl", "New server registered.\n\n"},
		{"set server be/dyn ssl off", "'set server <srv> ssl' not supported on dynamic servers\n\n"},
	} {
		if got := ask(t, sock, c.cmd+"\n"); got != c.want {
			t.Errorf("%q: %q, want %q", c.cmd, got, c.want)
		}
	}
	if got := ask(t, e.socket(admin.Operator), "set server be/s1 ssl off\n"); got != "Permission denied\n\n" {
		t.Errorf("at operator level: %q", got)
	}
}
