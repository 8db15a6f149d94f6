package proxy

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// The stick differential test: haproxy 2.6 and switchyard run the same
// backend in front of the same origins; the same requests, one connection
// each, must reach the same servers, step after step, including after a
// server is put in maintenance (haproxy's CLI "set server … state maint",
// switchyard's Go API, which the CLI calls).

// stickStep is a request (path and header lines), or a server state change
// (state "maint" or "ready" of server "backend/name").
type stickStep struct {
	path  string
	hdrs  []string
	srv   string
	state string
}

type stickScenario struct {
	name  string
	tcp   bool
	cfg   string // {FE} the bind, {A} {B} {C} the origins
	steps []stickStep
	want  []string // the server that answered each request step
}

func TestStickHaproxyDifferential(t *testing.T) {
	haproxytest.Need(t)
	origins := map[string]string{}
	for _, n := range []string{"A", "B", "C"} {
		origins[n] = stickOrigin(t, strings.ToLower(n)).addr
	}
	// D is a port nobody listens on.
	origins["D"] = haproxytest.FreeAddr("tcp4", "127.0.0.1")
	tcpOrigins := map[string]string{}
	for _, n := range []string{"A", "B", "C"} {
		name := strings.ToLower(n)
		tcpOrigins[n] = itRawOrigin(t, func(c net.Conn) { io.WriteString(c, name) }).addr
	}
	get := func(p string, h ...string) stickStep { return stickStep{path: p, hdrs: h} }
	set := func(srv, state string) stickStep { return stickStep{srv: srv, state: state} }
	scenarios := []stickScenario{
		{name: "stick on src", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick-table type ip size 10
    stick on src
    server a {A}
    server b {B}
    server c {C}
`, steps: []stickStep{get("/"), get("/"), set("app/a", "maint"), get("/"), get("/"), set("app/a", "ready"), get("/")},
			want: []string{"a", "a", "b", "b", "b"}},
		{name: "stick on hdr, store-response of a response field", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick-table type string len 16 size 10
    stick on req.hdr(x-sid)
    stick match req.cook(sid)
    stick store-response res.hdr(x-sid)
    server a {A}
    server b {B}
    server c {C}
`, steps: []stickStep{get("/"), get("/", "x-set-sid: k1"), get("/", "cookie: sid=k1"), get("/", "x-sid: k1"),
			get("/", "x-sid: k2"), get("/", "x-sid: k2"), get("/", "cookie: sid=k2"), set("app/c", "maint"),
			get("/", "cookie: sid=k2"), get("/", "cookie: sid=k2"), set("app/c", "ready"), get("/", "cookie: sid=k1")},
			want: []string{"a", "b", "b", "b", "c", "c", "c", "a", "b", "b"}},
		{name: "stick match and store-request in another table", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    stick match req.hdr(x-user) table users
    stick store-request req.hdr(x-user) table users if { path_beg /login }
    stick store-request req.hdr(x-alt) table users
    server a {A}
    server b {B}
backend users
    stick-table type string size 100
`, steps: []stickStep{get("/", "x-user: u1"), get("/login", "x-user: u1"), get("/", "x-user: u1"), get("/", "x-user: u1"),
			get("/login", "x-user: u2", "x-alt: u3"), get("/", "x-user: u3"), get("/", "x-user: u2"), set("app/b", "maint"),
			get("/", "x-user: u1"), get("/", "x-user: u1")},
			want: []string{"a", "b", "b", "b", "a", "b", "a", "a", "a"}},
		{name: "force-persist keeps a server in maintenance", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    force-persist if { req.hdr(x-force) -m found }
    stick-table type ip size 10
    stick on src
    server a {A}
    server b {B}
`, steps: []stickStep{get("/"), set("app/a", "maint"), get("/", "x-force: 1"), get("/")},
			want: []string{"a", "a", "b"}},
		{name: "srvkey addr across backends", cfg: `
frontend web
    bind {FE}
    use_backend two if { path_beg /two }
    default_backend one
backend one
    balance roundrobin
    stick on urlp(client) table shared
    server s1 {A}
    server s2 {B}
backend two
    balance roundrobin
    stick on urlp(client) table shared
    server x {C}
    server y {A}
    server z {B}
backend shared
    stick-table type string size 10 srvkey addr
`, steps: []stickStep{get("/?client=c1"), get("/?client=c2"), get("/two?client=c2"), get("/two?client=c1"), get("/two?client=c3"), get("/?client=c3")},
			// c3 is stored with x's address, which one lacks: its
			// server_id (1, x's in two) names s1 there.
			want: []string{"a", "b", "b", "a", "c", "a"}},
		{name: "cookie first, then the stick table", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    cookie SRV insert indirect nocache
    stick-table type ip size 10
    stick on src
    server a {A} cookie a
    server b {B} cookie b
`, steps: []stickStep{get("/"), get("/", "cookie: SRV=b"), get("/"), get("/", "cookie: SRV=a"), get("/")},
			want: []string{"a", "b", "b", "a", "a"}},
		{name: "the server that answers after a redispatch is stored", cfg: `
frontend web
    bind {FE}
    default_backend app
backend app
    balance roundrobin
    option redispatch
    retries 1
    stick-table type ip size 10
    stick on src
    server d {D}
    server a {A}
    server b {B}
`, steps: []stickStep{get("/"), get("/"), get("/")},
			want: []string{"a", "a", "a"}},
		// balance first: a readiness probe of the harness may take a
		// round-robin turn in haproxy without storing anything, which
		// would make its first choice b; first always starts with a.
		{name: "tcp stick on src", tcp: true, cfg: `
listen app
    bind {FE}
    balance first
    stick-table type ip size 10
    stick on src
    server a {A}
    server b {B}
`, steps: []stickStep{get(""), get(""), set("app/a", "maint"), get(""), set("app/a", "ready"), get("")},
			want: []string{"a", "a", "b", "b"}},
	}
	for _, sc := range scenarios {
		sc := sc
		t.Run(sc.name, func(t *testing.T) {
			mode := "http"
			org := origins
			if sc.tcp {
				mode, org = "tcp", tcpOrigins
			}
			defaults := "defaults\n    mode " + mode + "\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n"
			fill := func(text, fe string) string {
				text = strings.ReplaceAll(text, "{FE}", fe)
				for k, v := range org {
					text = strings.ReplaceAll(text, "{"+k+"}", v)
				}
				return text
			}
			hfe, sfe := itAddr(t), itAddr(t)
			// A unix socket path is short, and haproxy reads a comma in
			// it as an address list.
			dir, err := os.MkdirTemp("", "stk")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			sock := filepath.Join(dir, "cli.sock")
			haproxytest.Start(t, haproxytest.Options{
				Config:  "global\n    stats socket " + sock + " level admin\n" + defaults + fill(sc.cfg, hfe),
				WaitFor: hfe,
			})
			rt := itStart(t, itConfig(t, defaults+fill(sc.cfg, sfe)))
			hsteps := func(st stickStep) {
				c, err := net.DialTimeout("unix", sock, 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, "set server "+st.srv+" state "+st.state+"\n")
				out, _ := io.ReadAll(c)
				if strings.TrimSpace(string(out)) != "" {
					t.Fatalf("haproxy CLI: %q", out)
				}
			}
			ssteps := func(st stickStep) {
				be, name, _ := strings.Cut(st.srv, "/")
				srv := rt.snap.Load().backends[be].byName[name]
				if st.state == "maint" {
					srv.SetMaint()
				} else {
					srv.SetReady()
				}
			}
			hgot := runStickSteps(t, sc, hfe, hsteps)
			sgot := runStickSteps(t, sc, sfe, ssteps)
			if !reflect.DeepEqual(hgot, sgot) {
				t.Fatalf("haproxy chose %v\nswitchyard   %v", hgot, sgot)
			}
			if !reflect.DeepEqual(sgot, sc.want) {
				t.Errorf("both chose %v, the test expects %v", sgot, sc.want)
			}
		})
	}
}

// runStickSteps plays a scenario against one proxy and returns the server
// that answered each request.
func runStickSteps(t *testing.T, sc stickScenario, fe string, setState func(stickStep)) []string {
	t.Helper()
	var got []string
	for _, st := range sc.steps {
		if st.srv != "" {
			setState(st)
			continue
		}
		if sc.tcp {
			c, err := net.DialTimeout("tcp", fe, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(itTimeout))
			b, _ := io.ReadAll(c)
			c.Close()
			got = append(got, string(b))
			continue
		}
		got = append(got, stickGet(t, fe, st.path, st.hdrs...))
	}
	return got
}
