package proxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/stick"
)

// Persistence by stick table, end to end: real origins that answer their
// name, a client that asks again and again, the server that answers.

// stickOrigin answers its name; a request with x-set-sid gets the value
// back in an x-sid response field (for store-response).
func stickOrigin(t *testing.T, name string) *itOrigin {
	return itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if v := r.Header.Get("x-set-sid"); v != "" {
			w.Header().Set("x-sid", v)
		}
		io.WriteString(w, name)
	})
}

// stickGet makes one request on a new connection and returns who answered.
func stickGet(t *testing.T, addr, path string, hdrs ...string) string {
	t.Helper()
	k := itDial(t, addr)
	defer k.c.Close()
	var extra []string
	for _, h := range hdrs {
		extra = append(extra, h+"\r\n")
	}
	resp, body := k.get(path, extra...)
	if resp.StatusCode != 200 {
		return resp.Status
	}
	return body
}

func stickTable(t *testing.T, rt *itRT, name string) *stick.Table {
	t.Helper()
	tb := rt.snap.Load().tables[name]
	if tb == nil {
		t.Fatalf("no table %s", name)
	}
	return tb
}

func TestIntegrationStickOnSrc(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick-table type ip size 10 expire 1m
    stick on src
    server a {A}
    server b {B}
`, "FE", fe, "A", a.addr, "B", b.addr))
	for i := 0; i < 4; i++ {
		if got := stickGet(t, fe, "/"); got != "a" {
			t.Fatalf("request %d went to %s, want a (the first stored)", i, got)
		}
	}
	tb := stickTable(t, rt, "app")
	e := tb.Lookup([]byte{127, 0, 0, 1})
	if e == nil {
		t.Fatal("no entry for 127.0.0.1")
	}
	if id, _ := e.Read(stick.DTServerID, 0); id != 1 || e.ServerKey() != "a" {
		t.Fatalf("entry holds server %d %q, want 1 a", id, e.ServerKey())
	}
	// A stored server in maintenance is not used: the balancer picks
	// another, and stick on stores it.
	srvA := rt.snap.Load().backends["app"].byName["a"]
	srvA.SetMaint()
	if got := stickGet(t, fe, "/"); got != "b" {
		t.Fatalf("with a in maintenance: %s, want b", got)
	}
	srvA.SetReady()
	if got := stickGet(t, fe, "/"); got != "b" {
		t.Fatalf("a back: %s, want b (now stored)", got)
	}
}

func TestIntegrationStickOptionPersist(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    option persist
    stick-table type ip size 10
    stick on src
    server a {A}
    server b {B}
`, "FE", fe, "A", a.addr, "B", b.addr))
	if got := stickGet(t, fe, "/"); got != "a" {
		t.Fatalf("first: %s", got)
	}
	// option persist: the stored server is used even in maintenance.
	rt.snap.Load().backends["app"].byName["a"].SetMaint()
	if got := stickGet(t, fe, "/"); got != "a" {
		t.Fatalf("a in maintenance under option persist: %s, want a", got)
	}
}

func TestIntegrationStickStoreResponse(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick-table type string len 16 size 10
    stick match req.cook(sid)
    stick store-response res.hdr(x-sid)
    server a {A}
    server b {B}
`, "FE", fe, "A", a.addr, "B", b.addr))
	// The session is created on b: the second request of the round.
	if got := stickGet(t, fe, "/"); got != "a" {
		t.Fatalf("1st: %s", got)
	}
	if got := stickGet(t, fe, "/login", "x-set-sid: s2"); got != "b" {
		t.Fatalf("login: %s", got)
	}
	for i := 0; i < 3; i++ {
		if got := stickGet(t, fe, "/", "cookie: sid=s2"); got != "b" {
			t.Fatalf("request %d with sid=s2: %s, want b", i, got)
		}
	}
	// Unknown sessions are balanced.
	if got := stickGet(t, fe, "/", "cookie: sid=nope"); got != "a" {
		t.Fatalf("unknown sid: %s, want a (round robin)", got)
	}
	if e := stickTable(t, rt, "app").Lookup([]byte("s2")); e == nil || e.ServerKey() != "b" {
		t.Fatalf("entry s2: %v", e)
	}
}

func TestIntegrationStickMatchStoreOtherTable(t *testing.T) {
	t.Parallel()
	a, b, c := stickOrigin(t, "a"), stickOrigin(t, "b"), stickOrigin(t, "c")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick match req.hdr(x-user) table users if { req.hdr(x-user) -m found }
    stick store-request req.hdr(x-user) table users if { path_beg /login }
    stick store-request req.hdr(x-other) table users
    server a {A}
    server b {B}
    server c {C}
backend users
    stick-table type string size 100
`, "FE", fe, "A", a.addr, "B", b.addr, "C", c.addr))
	// Not a login: nothing stored under u1.
	if got := stickGet(t, fe, "/", "x-user: u1"); got != "a" {
		t.Fatalf("1st: %s", got)
	}
	if got := stickGet(t, fe, "/login", "x-user: u1"); got != "b" {
		t.Fatalf("login: %s", got)
	}
	for i := 0; i < 3; i++ {
		if got := stickGet(t, fe, "/", "x-user: u1"); got != "b" {
			t.Fatalf("request %d of u1: %s, want b", i, got)
		}
	}
	// Only the first store rule of a table applies: a login with both
	// fields stores x-user, not x-other.
	if got := stickGet(t, fe, "/login", "x-user: u2", "x-other: o2"); got != "c" {
		t.Fatalf("login u2: %s", got)
	}
	tb := stickTable(t, rt, "users")
	if tb.Lookup([]byte("o2")) != nil {
		t.Fatal("the second store-request rule of the table stored too")
	}
	if e := tb.Lookup([]byte("u2")); e == nil || e.ServerKey() != "c" {
		t.Fatalf("u2: %v", e)
	}
	// The rule's table gets server_id and server_key though its line
	// stores neither.
	if !tb.Stores(stick.DTServerID) || !tb.Stores(stick.DTServerKey) {
		t.Fatal("users does not store the server")
	}
}

func TestIntegrationStickNonStick(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    default_backend app
backend app
    stick-table type ip size 10
    stick on src
    server a {A} non-stick
    server b {B}
`, "FE", fe, "A", a.addr, "B", b.addr))
	if got := stickGet(t, fe, "/"); got != "a" {
		t.Fatalf("1st: %s", got)
	}
	if stickTable(t, rt, "app").Len() != 0 {
		t.Fatal("a non-stick server was stored")
	}
	if got := stickGet(t, fe, "/"); got != "b" {
		t.Fatalf("2nd: %s, want b (nothing stored)", got)
	}
	if got := stickGet(t, fe, "/"); got != "b" {
		t.Fatalf("3rd: %s, want b (stored)", got)
	}
}

func TestIntegrationStickSrvKeyAddr(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    use_backend two if { path_beg /two }
    default_backend one
backend one
    stick on urlp(client) table shared
    server s1 {A}
    server s2 {B}
backend two
    stick on urlp(client) table shared
    server x {A}
    server y {A}
    server z {A}
    server t1 {B}
backend shared
    stick-table type string size 10 srvkey addr
`, "FE", fe, "A", a.addr, "B", b.addr))
	if got := stickGet(t, fe, "/?client=c1"); got != "a" {
		t.Fatalf("c1: %s", got)
	}
	if got := stickGet(t, fe, "/?client=c2"); got != "b" {
		t.Fatalf("c2: %s", got)
	}
	// Another backend finds the server by its address, whatever its name
	// and id there.
	for i := 0; i < 3; i++ {
		if got := stickGet(t, fe, "/two?client=c2"); got != "b" {
			t.Fatalf("two, c2, %d: %s, want b", i, got)
		}
	}
	if e := stickTable(t, rt, "shared").Lookup([]byte("c2")); e == nil || e.ServerKey() != b.addr {
		t.Fatalf("c2's key: %v, want %s", e, b.addr)
	}
}

func TestIntegrationStickTCP(t *testing.T) {
	t.Parallel()
	origin := func(name string) *itRaw {
		return itRawOrigin(t, func(c net.Conn) { io.WriteString(c, name) })
	}
	a, b := origin("a"), origin("b")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen app
    bind {FE}
    balance roundrobin
    stick-table type ip size 10
    stick on src
    server a {A}
    server b {B}
`, "FE", fe, "A", a.addr, "B", b.addr))
	who := func() string {
		c, err := net.DialTimeout("tcp", fe, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(itTimeout))
		got, _ := io.ReadAll(c)
		return string(got)
	}
	for i := 0; i < 3; i++ {
		if got := who(); got != "a" {
			t.Fatalf("connection %d: %q, want a", i, got)
		}
	}
	rt.snap.Load().backends["app"].byName["a"].SetMaint()
	if got := who(); got != "b" {
		t.Fatalf("a in maintenance: %q, want b", got)
	}
}

// TestIntegrationStickReload: the table outlives a reload, and so does
// the persistence it holds, even when the new configuration reorders the
// servers (the entry names the server).
func TestIntegrationStickReload(t *testing.T) {
	t.Parallel()
	a, b := stickOrigin(t, "a"), stickOrigin(t, "b")
	fe := itAddr(t)
	text := itDefaults + `
frontend web
    bind {FE}
    default_backend app
backend app
    stick-table type string len 8 size 10
    stick on req.hdr(x-user)
    server {FIRST}
    server {SECOND}
`
	rt := itStart(t, itConfig(t, text, "FE", fe, "FIRST", "a "+a.addr, "SECOND", "b "+b.addr))
	if got := stickGet(t, fe, "/", "x-user: u"); got != "a" {
		t.Fatalf("before: %s", got)
	}
	if err := rt.Apply(itConfig(t, text, "FE", fe, "FIRST", "b "+b.addr, "SECOND", "a "+a.addr)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if got := stickGet(t, fe, "/", "x-user: u"); got != "a" {
			t.Fatalf("after the reload, %d: %s, want a", i, got)
		}
	}
	if got := stickGet(t, fe, "/", "x-user: "+strings.Repeat("v", 3)); got != "b" {
		t.Fatalf("a new user: %s, want b (first of the new order)", got)
	}
}
