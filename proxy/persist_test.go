package proxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Cookie persistence end to end: the first response inserts the cookie of
// the server that answered; a client sending it back stays on that server
// (and, with indirect, the server never sees the cookie); when that server
// is down the client is balanced to another, which sets its own cookie.
func TestCookiePersistence(t *testing.T) {
	t.Parallel()
	a := itHTTPOrigin(t, echoCookie("a"))
	b := itHTTPOrigin(t, echoCookie("b"))
	// c's origin is a closed port: its first check fails and it goes down.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    cookie SRV insert indirect nocache httponly
    use-server b if { path /pin-b }
    server a {A} cookie a
    server b {B} cookie b
    server c {C} cookie c check inter 50ms
`, "FE", fe, "A", a.addr, "B", b.addr, "C", dead))
	srvC := rt.Snapshot().backends["app"].byName["c"]
	itPoll(t, 3*time.Second, "server c down", func() bool { return !srvC.Up() })

	k := itDial(t, fe)
	resp, body := k.get("/")
	who := body[:1]
	if got := resp.Header.Get("Set-Cookie"); got != "SRV="+who+"; path=/; HttpOnly" {
		t.Fatalf("first response: Set-Cookie %q (server %s)", got, who)
	}
	for range 4 {
		resp, body = k.get("/", "cookie: SRV="+who+"; other=1\r\n")
		if body != who+" other=1" {
			t.Fatalf("sticky request went to %q (the server saw the cookie header %q)", body[:1], body[1:])
		}
		if sc := resp.Header.Get("Set-Cookie"); sc != "" {
			t.Fatalf("a client with a valid cookie got Set-Cookie %q", sc)
		}
	}
	// use-server wins over the cookie.
	if _, body = k.get("/pin-b", "cookie: SRV=a\r\n"); !strings.HasPrefix(body, "b") {
		t.Fatalf("use-server b: went to %q", body)
	}
	// A cookie naming the down server: balanced elsewhere, new cookie.
	resp, body = k.get("/", "cookie: SRV=c\r\n")
	if body[:1] == "c" || resp.Header.Get("Set-Cookie") != "SRV="+body[:1]+"; path=/; HttpOnly" {
		t.Fatalf("cookie of a down server: went to %q, Set-Cookie %q", body[:1], resp.Header.Get("Set-Cookie"))
	}
}

// echoCookie answers the origin's name followed by the Cookie header it
// received.
func echoCookie(name string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name+" "+r.Header.Get("Cookie"))
	}
}

// cookie … dynamic: a server without a cookie value gets haproxy's, made of
// dynamic-cookie-key and its address (this value is what haproxy 2.6.12
// inserted for the same server and key).
func TestDynamicCookie(t *testing.T) {
	cfg := itConfig(t, itDefaults+`
backend app
    cookie SRV insert dynamic
    dynamic-cookie-key "my secret key that is quite long"
    server s1 127.0.0.1:18091
    server s2 127.0.0.1:18092 cookie fixed
`)
	px := cfg.Proxies[len(cfg.Proxies)-1]
	if got := serverCookie(px, px.Servers[0]); got != "bf02a9919320d082" {
		t.Errorf("dynamic cookie of s1: %q, want haproxy's bf02a9919320d082", got)
	}
	if got := serverCookie(px, px.Servers[1]); got != "fixed" {
		t.Errorf("a server's own cookie value was replaced: %q", got)
	}
}
