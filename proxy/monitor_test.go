package proxy

import (
	"strings"
	"testing"
)

// monitor-uri answers 200 without reaching a server, or 503 when a monitor
// fail condition holds; the URI must match exactly (a query makes another
// URI), and other requests go on as usual.
func TestMonitorURI(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "app")
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    monitor-uri /alive
    monitor fail if { nbsrv(down) lt 1 }
    monitor-uri /ready
    default_backend app
frontend other
    bind {FE2}
    monitor-uri /alive
    default_backend app
backend app
    server s {O}
backend down
    server d {O} disabled
`, "FE", fe, "FE2", itAddr(t), "O", o.addr))
	k := itDial(t, fe)
	// The last monitor-uri wins, as in haproxy; its fail condition holds.
	resp, body := k.get("/ready")
	if resp.StatusCode != 503 || !strings.Contains(body, "No server is available") {
		t.Fatalf("/ready with no server in 'down': %d %q", resp.StatusCode, body)
	}
	if resp, body := k.get("/alive"); resp.StatusCode != 200 || body != "app" {
		t.Fatalf("/alive is no longer the monitor URI: %d %q", resp.StatusCode, body)
	}
	if resp, body := k.get("/ready?x=1"); resp.StatusCode != 200 || body != "app" {
		t.Fatalf("a monitor URI with a query was intercepted: %d %q", resp.StatusCode, body)
	}
	snap := rt.Snapshot()
	k2 := itDial(t, snap.frontendByName("other").cfg.Binds[0].Addr)
	accepts := o.accepts.Load()
	resp, body = k2.get("/alive")
	if resp.StatusCode != 200 || body != "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n" {
		t.Fatalf("monitor request: %d %q", resp.StatusCode, body)
	}
	// Absolute form: the path is compared.
	k2.send("GET http://x.example/alive HTTP/1.1\r\nhost: x.example\r\n\r\n")
	if resp, _ := k2.response("GET"); resp.StatusCode != 200 || resp.Header.Get("content-type") != "text/html" {
		t.Fatalf("absolute-form monitor request: %d", resp.StatusCode)
	}
	if o.accepts.Load() != accepts {
		t.Error("a monitor request reached the server")
	}
}

// The state fetches see the backend's servers: nbsrv, srv_is_up, be_conn,
// queue, connslots, srv_conn_free.
func TestStateFetches(t *testing.T) {
	t.Parallel()
	o := itNamed(t, "app")
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    http-request return status 200 content-type text/plain lf-string "%[nbsrv(app)] %[srv_is_up(app/a)] %[srv_is_up(app/b)] %[be_conn(app)] %[queue(app)] %[connslots(app)] %[srv_conn_free(app/a)] %[srv_conn_free(app/c)] %[nbsrv]" if { path /state }
    default_backend app
backend app
    server a {O} maxconn 5 maxqueue 2
    server b {O} disabled maxconn 5 maxqueue 2
    server c {O} backup
`, "FE", fe, "O", o.addr))
	k := itDial(t, fe)
	_, body := k.get("/state")
	// nbsrv: a only; connslots: a's 5 free slots and 2 queue places (b is
	// not in use, c a backup not in use); the frontend alone has no
	// servers (nbsrv without argument before routing).
	if want := "1 1 0 0 0 7 5 -1 0"; body != want {
		t.Fatalf("state fetches: got %q, want %q", body, want)
	}
}
