package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// load parses cfg text with a resolver that never touches the network.
func load(t *testing.T, text string) (*Config, *Result, ErrorList) {
	t.Helper()
	return LoadBytes("t.cfg", []byte(text), LoadOptions{Resolve: func(h string) (string, error) {
		if h == "app.local" {
			return "10.0.0.9", nil
		}
		return "", os.ErrNotExist
	}})
}

const base = `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
`

func TestValidConfigs(t *testing.T) {
	cfg, res, errs := load(t, base+`
global
    maxconn 2000
    nbthread 1
    tune.bufsize 32768
    no strict-limits
frontend fe
    bind 127.0.0.1:8080,127.0.0.1:9000-9002
    bind :::8443 v4v6 name v6
    acl is_api path_beg /api
    use_backend api if is_api
    default_backend web
backend web
    balance uri depth 2
    hash-type consistent djb2
    server s1 127.0.0.1:81 weight 10
    server s2 app.local:82 id 7
    server s3 [::1]:83
backend api
    server a1 127.0.0.1:84
`)
	if len(errs) > 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if w := res.Warnings(); len(w) > 0 {
		t.Errorf("unexpected warnings: %v", w)
	}
	g := cfg.Global
	if g.MaxConn != 2000 || g.NbThread != 1 || g.BufSize != 32768 || g.StrictLimits {
		t.Errorf("global = %+v", g)
	}
	fe := cfg.Proxies[0]
	if fe.Name != "fe" || fe.Cap != CapFE || fe.Mode != ModeHTTP || fe.Timeouts.Client != 5*time.Second {
		t.Errorf("frontend = %+v", fe)
	}
	var addrs []string
	for _, b := range fe.Binds {
		addrs = append(addrs, b.Network+"@"+b.Addr)
	}
	want := "tcp4@127.0.0.1:8080 tcp4@127.0.0.1:9000 tcp4@127.0.0.1:9001 tcp4@127.0.0.1:9002 tcp6@[::]:8443"
	if got := strings.Join(addrs, " "); got != want {
		t.Errorf("binds = %s, want %s", got, want)
	}
	if !fe.Binds[4].V4V6 || fe.Binds[4].Name != "v6" {
		t.Errorf("bind options lost: %+v", fe.Binds[4])
	}
	web := cfg.Proxies[1]
	if len(web.Servers) != 3 {
		t.Fatalf("servers = %d", len(web.Servers))
	}
	s1, s2, s3 := web.Servers[0], web.Servers[1], web.Servers[2]
	if s1.Weight != 10 || s1.ID != 1 || s1.Addr != "127.0.0.1:81" {
		t.Errorf("s1 = %+v", s1)
	}
	if s2.ID != 7 || s2.Addr != "10.0.0.9:82" || s2.Weight != 1 {
		t.Errorf("s2 = %+v", s2)
	}
	if s3.ID != 3 || s3.Addr != "[::1]:83" {
		t.Errorf("s3 = %+v (ids as haproxy numbers them)", s3)
	}
	if web.Balance.URIDepth != 2 {
		t.Errorf("balance = %+v", web.Balance)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, cfg, want string
	}{
		{"unknown keyword", "frontend fe\n bind :80\n frobnicate 1\n", "t.cfg:3: unknown keyword 'frobnicate' in 'frontend' section"},
		{"did you mean", "backend be\n balanse roundrobin\n", "did you mean 'balance'"},
		{"not yet", "frontend fe\n rate-limit sessions 10\n", "t.cfg:2: 'rate-limit sessions' is not supported yet"},
		{"not yet option", "defaults\n option prefer-last-server\n", "'option prefer-last-server' is not supported yet"},
		{"not yet server kw", "backend be\n server s1 127.0.0.1:80 tfo\n", "server option 'tfo' is not supported yet"},
		{"check without port", "backend be\n server s1 127.0.0.1 check\n", "t.cfg:2: 'server be/s1' : 'check' needs a port"},
		{"not yet section", "mailers m\n mailer a 127.0.0.1:25\n", "t.cfg:1: section 'mailers' is not supported yet"},
		{"fcgi-app used", "fcgi-app php\n docroot /var/www\nbackend be\n use-fcgi-app php\n", "t.cfg:4: 'use-fcgi-app' is not supported yet"},
		{"unknown backend", base + "frontend fe\n bind :80\n default_backend nope\n", "t.cfg:9: frontend 'fe': unable to find required default_backend: 'nope'."},
		{"unknown use_backend", base + "frontend fe\n bind :80\n use_backend nope if TRUE\n", "unable to find required use_backend: 'nope'"},
		{"duplicate backend", "backend a\nbackend a\n", "t.cfg:2: backend 'a' has the same name as backend 'a' declared at t.cfg:1."},
		{"listen vs backend", "backend a\nlisten a\n", "listen 'a' has the same name as backend 'a'"},
		{"duplicate server", "backend a\n server s 127.0.0.1:1\n server s 127.0.0.1:2\n", "t.cfg:3: 'server': backend 'a', another server named 's' was already defined at line 2"},
		{"server without address", "backend a\n server s\n", "t.cfg:2: 'server': expects <name> and <addr>[:<port>] as arguments"},
		{"bad duration", "defaults\n timeout client 10x\n", "t.cfg:2: 'timeout client': unexpected character 'x'"},
		{"bad size", "global\n tune.bufsize lots\n", "t.cfg:2: 'tune.bufsize': tune.bufsize expects an integer"},
		{"mode mismatch", base + "frontend fe\n bind :80\n default_backend t\nbackend t\n mode tcp\n", "http frontend 'fe' (t.cfg:7) tries to use incompatible tcp backend 't'"},
		{"bad weight", "backend a\n server s 127.0.0.1:1 weight 300\n", "weight must be between 0 and 256"},
		{"bad port", "backend a\n server s 127.0.0.1:99999\n", "invalid port '99999'"},
		{"unresolvable", "backend a\n server s nowhere.invalid:80\n", "could not resolve address 'nowhere.invalid'"},
		{"out of section", "bind :80\n", "t.cfg:1: unknown keyword 'bind' out of section"},
		{"wrong section", "defaults\n bind :80\n", "t.cfg:2: 'bind' not allowed in 'defaults' section"},
		{"backend-only in frontend", "frontend f\n server s 127.0.0.1:1\n", "t.cfg:2: 'server' not allowed in 'frontend' section"},
		{"ignored but checked", "frontend f\n balance nosuch\n", "t.cfg:2: 'balance': unknown balance algorithm 'nosuch'"},
		{"bad balance", "backend b\n balance nosuch\n", "t.cfg:2: 'balance'"},
		{"missing cond", base + "frontend fe\n bind :80\n use_backend b if\nbackend b\n", "missing condition after 'if'"},
		{"unknown from", "frontend fe from nodef\n bind :80\n", "unable to find defaults section 'nodef'"},
		{"bind option not yet", "frontend fe\n bind :443 tfo\n", "bind option 'tfo' is not supported yet"},
		{"http-request not yet", "frontend fe\n bind :80\n http-request silent-drop\n", "'http-request silent-drop' is not supported yet"},
		{"return needs content-type", "frontend fe\n bind :80\n http-request return string hi\n", "'content-type' is required"},
		{"errorfile missing", "defaults\n errorfile 503 /nonexistent/503.http\n", "error opening file '/nonexistent/503.http'"},
		{"errorfile code", "defaults\n errorfile 302 /dev/null\n", "status code 302 cannot be overridden"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, errs := load(t, c.cfg)
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", c.want)
			}
			if got := errs.Error(); !strings.Contains(got, c.want) {
				t.Errorf("errors:\n%s\nwant substring %q", got, c.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	cases := []struct{ name, cfg, want string }{
		{"unreachable use_backend", base + "frontend fe\n bind :80\n use_backend a\n use_backend b if TRUE\nbackend a\nbackend b\n", "t.cfg:10: 'use_backend b' will never match"},
		{"no bind", base + "frontend fe\n default_backend a\nbackend a\n", "frontend 'fe' has no 'bind' directive"},
		{"missing timeouts", "backend a\n server s 127.0.0.1:1\n", "missing timeouts for backend 'a'"},
		{"ignored tuning", "global\n noepoll\n", "t.cfg:2: 'noepoll' has no effect"},
		{"bind in backend", "backend b\n bind :80\n", "t.cfg:2: 'bind' ignored because backend 'b' has no frontend capability."},
		{"timeout client in backend", "backend b\n timeout client 1s\n", "t.cfg:2: 'timeout client' will be ignored because backend 'b' has no frontend capability"},
		{"request fetch in a listen's response rule", base + "listen l\n bind :80\n mode http\n http-response deny if { req.hdr(x) -m found }\n",
			"t.cfg:10: anonymous acl will never match because it uses keyword 'req.hdr' which is incompatible with 'backend http-response header rule'"},
		{"response fetch in use_backend", base + "frontend f\n bind :80\n mode http\n use_backend b if { status 200 }\nbackend b\n mode http\n",
			"t.cfg:10: anonymous acl will never match because it uses keyword 'status' which is incompatible with 'frontend use-backend rule'"},
		{"default_backend and servers", base + "listen l\n bind :80\n default_backend b\n server s 127.0.0.1:1\nbackend b\n",
			"t.cfg:7: In proxy 'l', the 'default_backend' rule always has precedence over the servers, which will never be used."},
		{"ignored default_backend and servers", base + "backend a\n default_backend b\n server s 127.0.0.1:1\nbackend b\n",
			"t.cfg:7: In proxy 'a', the 'default_backend' rule always has precedence over the servers, which will never be used."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, res, errs := load(t, c.cfg)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			var all []string
			for _, m := range res.Messages {
				all = append(all, m.File+":"+strconv.Itoa(m.Line)+": "+m.Msg)
			}
			if got := strings.Join(all, "\n"); !strings.Contains(got, c.want) {
				t.Errorf("warnings:\n%s\nwant substring %q", got, c.want)
			}
		})
	}
}

// An address bound by two frontends is a configuration error, which -c
// reports; twice in one frontend it is one listener.
func TestDuplicateBinds(t *testing.T) {
	if _, _, errs := load(t, base+"listen a\n bind :80\n bind :80\n"); len(errs) > 0 {
		t.Errorf("the same address twice in one listen: %v", errs)
	}
	for _, tc := range []struct{ cfg, want string }{
		{"frontend a\n bind 127.0.0.1:80\nfrontend b\n bind 127.0.0.1:80\n", "t.cfg:4: address 127.0.0.1:80 is already bound by frontend 'a'"},
		{"listen a\n bind :80\nfrontend b\n bind :81\n bind :80\n", "t.cfg:5: address 0.0.0.0:80 is already bound by listen 'a'"},
	} {
		_, _, errs := load(t, tc.cfg)
		if len(errs) != 1 || errs[0].Error() != tc.want {
			t.Errorf("%q: errors %v, want %q", tc.cfg, errs, tc.want)
		}
	}
}

// A bad value on a timeout of the other side is an error alone: haproxy
// checks the value before it warns that the line is ignored.
func TestOtherSideTimeoutBadValue(t *testing.T) {
	_, res, errs := load(t, "frontend f\n bind :80\n timeout server abc\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "'timeout server'") {
		t.Fatalf("errors: %v", errs)
	}
	if w := res.Warnings(); len(w) > 0 && strings.Contains(w[0].Msg, "will be ignored") {
		t.Fatalf("warned before the error: %v", w)
	}
}

func TestDefaultsInheritance(t *testing.T) {
	cfg, _, errs := load(t, `
defaults base
    mode http
    timeout client 7s
    timeout server 7s
    timeout connect 7s
    option forwardfor except 10.0.0.0/8 header X-Real-IP if-none
defaults tcpdef
    mode tcp
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend web from base
    bind :80
    no option forwardfor
    default_backend app
backend app from base
    option http-server-close
    server s 127.0.0.1:1
backend raw
    server s 127.0.0.1:2
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	web, app, raw := cfg.Proxies[0], cfg.Proxies[1], cfg.Proxies[2]
	if web.Mode != ModeHTTP || web.Timeouts.Client != 7*time.Second || web.ForwardFor != nil {
		t.Errorf("web = %+v", web)
	}
	if app.ForwardFor == nil || app.ForwardFor.Header != "x-real-ip" || !app.ForwardFor.IfNone ||
		app.ForwardFor.Except.String() != "10.0.0.0/8" || app.ConnMode != ConnServerClose {
		t.Errorf("app = %+v ff=%+v", app, app.ForwardFor)
	}
	if raw.Mode != ModeTCP || raw.Timeouts.Server != time.Second {
		t.Errorf("raw inherits the last defaults: %+v", raw)
	}
}

func TestDirectoryAndGlobalMerge(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "20-b.cfg"), []byte("global\n maxconn 50\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "10-a.cfg"), []byte("global\n nbthread 2\n maxconn 10\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("garbage\n"), 0o644)
	cfg, _, errs := Load([]string{dir}, LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if cfg.Global.MaxConn != 50 || cfg.Global.NbThread != 2 {
		t.Errorf("global = %+v", cfg.Global)
	}
	if len(cfg.Files) != 2 || !strings.HasSuffix(cfg.Files[0], "10-a.cfg") {
		t.Errorf("files = %v", cfg.Files)
	}
}

func TestEnvInBind(t *testing.T) {
	t.Setenv("SY_FD", "3")
	t.Setenv("SY_PORT", "8123")
	cfg, _, errs := load(t, base+"frontend fe\n bind \"fd@${SY_FD}\"\n bind \"127.0.0.1:${SY_PORT}\"\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b := cfg.Proxies[0].Binds
	if b[0].Key() != "fd@3" || b[1].Key() != "tcp4@127.0.0.1:8123" {
		t.Errorf("binds = %s %s", b[0].Key(), b[1].Key())
	}
}

func TestDurations(t *testing.T) {
	cases := map[string]time.Duration{"10": 10 * time.Millisecond, "10ms": 10 * time.Millisecond,
		"3s": 3 * time.Second, "2m": 2 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour, "500us": 500 * time.Microsecond}
	for in, want := range cases {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "s", "-1s", "1.5s", "10x", "30d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	sizes := map[string]int64{"16384": 16384, "16k": 16384, "1m": 1 << 20, "2g": 2 << 30}
	for in, want := range sizes {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %v, %v", in, got, err)
		}
	}
}

// An .alert stops the reading of later files, as in haproxy: their errors
// are not reported.
func TestAlertStopsLaterFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "10-a.cfg"), []byte(".alert \"stop here\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "20-b.cfg"), []byte("frobnicate\n"), 0o644)
	_, _, errs := Load([]string{dir}, LoadOptions{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), ".alert: stop here") {
		t.Fatalf("errors = %v, want only the alert", errs)
	}
}

// Loading records setenv and the like without touching the process, so
// that -c and a reload that fails change nothing; files read later see the
// values in their ${VAR} expansion, as in haproxy.
func TestLoadLeavesTheEnvironment(t *testing.T) {
	t.Setenv("SY_ENVTEST_KEEP", "old")
	os.Unsetenv("SY_ENVTEST_NEW")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.cfg"), filepath.Join(dir, "b.cfg")
	os.WriteFile(a, []byte("global\n setenv SY_ENVTEST_NEW 127.0.0.1:8123\n setenv SY_ENVTEST_KEEP new\n unsetenv SY_ENVTEST_NONE\n"), 0o600)
	os.WriteFile(b, []byte(base+"frontend f\n bind \"${SY_ENVTEST_NEW}\"\n default_backend be\nbackend be\n"), 0o600)
	cfg, _, errs := Load([]string{a, b}, LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got := cfg.Proxies[0].Binds[0].Addr; got != "127.0.0.1:8123" {
		t.Errorf("the later file saw %q for ${SY_ENVTEST_NEW}", got)
	}
	if _, set := os.LookupEnv("SY_ENVTEST_NEW"); set || os.Getenv("SY_ENVTEST_KEEP") != "old" {
		t.Fatal("loading changed the environment")
	}
	// A configuration with an error changes nothing either.
	os.WriteFile(b, []byte("frontend f\n bogus\n"), 0o600)
	if _, _, errs := Load([]string{a, b}, LoadOptions{}); len(errs) == 0 {
		t.Fatal("the broken configuration loaded")
	}
	if _, set := os.LookupEnv("SY_ENVTEST_NEW"); set {
		t.Fatal("a broken configuration changed the environment")
	}
	t.Cleanup(func() { os.Unsetenv("SY_ENVTEST_NEW") })
	if err := cfg.ApplyEnv(); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SY_ENVTEST_NEW") != "127.0.0.1:8123" || os.Getenv("SY_ENVTEST_KEEP") != "new" {
		t.Fatal("ApplyEnv did not set the variables")
	}
}

// Server names are resolved after validation, and only for a
// configuration without errors.
func TestResolveAfterValidation(t *testing.T) {
	calls := 0
	opt := LoadOptions{Resolve: func(h string) (string, error) { calls++; return "10.0.0.9", nil }}
	src := base + "frontend f\n bind :80\n default_backend nope\nbackend b\n server s app.local:80\n"
	if _, _, errs := LoadBytes("t.cfg", []byte(src), opt); len(errs) == 0 {
		t.Fatal("an unknown default_backend was accepted")
	}
	if calls != 0 {
		t.Fatalf("a broken configuration made %d DNS queries", calls)
	}
	cfg, _, errs := LoadBytes("t.cfg", []byte(strings.Replace(src, "nope", "b", 1)), opt)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if calls != 1 || cfg.Proxies[1].Servers[0].Addr != "10.0.0.9:80" {
		t.Fatalf("%d queries, address %q", calls, cfg.Proxies[1].Servers[0].Addr)
	}
}
