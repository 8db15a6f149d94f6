package proxy

import (
	"testing"

	"switchyard/config"
	"switchyard/http1"
)

// rewriteStream is a stream with what the rewriting actions use, running
// the http-request rules of the config's frontend "f".
func rewriteStream(t testing.TB, rules string) (*httpStream, []compiledRule) {
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(`defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend f
    bind 127.0.0.1:0
`+rules+`    default_backend b
backend b
`), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	compiled, err := compileRequestRules(cfg.Proxies[0])
	if err != nil {
		t.Fatal(err)
	}
	s := &httpStream{fe: &Frontend{cfg: cfg.Proxies[0], limits: http1.DefaultLimits}, t: &txnState{}}
	return s, compiled
}

const rewriteReq = "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-List: a, b, c\r\nX-Drop-Me: 1\r\nUser-Agent: t\r\n\r\n"

// runRewrite parses the request and runs the rules, as a transaction does.
func runRewrite(t testing.TB, s *httpStream, rules []compiledRule, buf []byte) {
	copy(buf, rewriteReq)
	if _, err := s.t.req.Parse(buf[:len(rewriteReq)], s.fe.limits); err != nil {
		t.Fatal(err)
	}
	s.ctx.Req = &s.t.req
	if done, _ := s.runRules(rules); done {
		t.Fatal("a rule answered")
	}
	s.ctx.Reset()
}

const allocFreeRules = `    http-request set-header X-A "%[req.hdr(user-agent)]-%[path]"
    http-request add-header X-B b
    http-request del-header x-drop -m beg
    http-request replace-value X-List ^b$ B
    http-request replace-header User-Agent .* agent
    http-request set-path /new%[path]
    http-request set-query y=2
    http-request set-var(txn.v) req.hdr(x-a)
    http-request set-var-fmt(txn.w) "%[var(txn.v)]!"
    http-request set-header X-V %[var(txn.w)]
`

// Once a connection has warmed up, the rewriting actions allocate nothing
// (a regex replacement that uses groups excepted: Go's regexp returns them
// in a new slice).
func TestRewriteActionsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	s, rules := rewriteStream(t, allocFreeRules)
	buf := make([]byte, 512)
	runRewrite(t, s, rules, buf)
	out, _ := s.t.req.AppendHead(nil, http1.ModeKeepAlive, false)
	want := "GET /new/a/b?y=2 HTTP/1.1\r\nhost: h\r\nx-list: a,B, c\r\nuser-agent: agent\r\nx-a: t-/a/b\r\nx-b: b\r\nx-v: t-/a/b!\r\n\r\n"
	if string(out) != want {
		t.Errorf("request:\n%q\nwant\n%q", out, want)
	}
	if n := testing.AllocsPerRun(200, func() { runRewrite(t, s, rules, buf) }); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}

func BenchmarkRewriteActions(b *testing.B) {
	s, rules := rewriteStream(b, allocFreeRules)
	buf := make([]byte, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		runRewrite(b, s, rules, buf)
	}
}

func TestNormalizers(t *testing.T) {
	for _, c := range []struct {
		f        func(dst, p []byte) []byte
		in, want string
	}{
		{mergeSlashes, "//a///b/", "/a/b/"},
		{stripDot, "/./a/./b/.", "/a/b/"},
		{stripDot, "./a", "a"},
		{func(d, p []byte) []byte { return stripDotDot(d, p, false) }, "/a/b/../c/../../../d/..", "/../"},
		{func(d, p []byte) []byte { return stripDotDot(d, p, false) }, "/a/../b", "/b"},
		{func(d, p []byte) []byte { return stripDotDot(d, p, true) }, "/../../d/e/..", "/d/"},
		{sortQuery, "?b=2&a=1&b=1&c&a=0", "?a=1&a=0&b=2&b=1&c"},
	} {
		if got := string(c.f(nil, []byte(c.in))); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	if got, ok := percentUpper(nil, []byte("/a%2fb%zz%4"), false); !ok || string(got) != "/a%2Fb%zz%4" {
		t.Errorf("percentUpper: %q %v", got, ok)
	}
	if _, ok := percentUpper(nil, []byte("/%4"), true); ok {
		t.Error("percentUpper strict accepted a short escape")
	}
	if got, ok := percentDecodeUnreserved(nil, []byte("/%41%2F%7e"), false); !ok || string(got) != "/A%2F~" {
		t.Errorf("percentDecodeUnreserved: %q %v", got, ok)
	}
}

func TestExpandRefs(t *testing.T) {
	m := []int{0, 3, 1, 2}
	got, ok := expandRefs(nil, []byte("abc"), []byte(`<\1\x41\q\9>`), m)
	if !ok || string(got) != "<bAq>" {
		t.Errorf("got %q %v", got, ok)
	}
	if _, ok := expandRefs(nil, []byte("abc"), []byte(`x\`), m); ok {
		t.Error("a dangling backslash was accepted")
	}
}
