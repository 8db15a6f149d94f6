package backend

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"switchyard/internal/haproxytest"
	"switchyard/sample"
)

// diffRequest is one request of the differential tests: its target, its
// headers and the client address it is sent from.
type diffRequest struct {
	req *testRequest
	src netip.Addr
}

// diffRequests returns a fixed list of requests that exercise the corner
// cases of every hashing key (query strings, absolute-form targets, empty
// and missing parameters and headers, commas and quotes, odd host names),
// padded with pseudo-random ones. About one in seven lacks X-Key, so the
// round-robin fallbacks are compared too.
func diffRequests(n int) []diffRequest {
	type fixed struct {
		uri, key, host string
	}
	fixedReqs := []fixed{
		{"/", "a", "www.example.com"},
		{"/index.html", "", "example.com"},
		{"/a/b/c", "foo, bar", "a.b.c.d"},
		{"/a/b/c/", `"a,b",c`, "localhost"},
		{"/img/logo.png?v=3", "k\tv", "shop.example.co.uk"},
		{"/search?q=haproxy&id=42", "-", "EXAMPLE.com"},
		{"/x?id=", "x", "api.svc.cluster.local:8080"},
		{"/x?id", "y", "a..b"},
		{"/x?xid=3&id=9", "z", "example.com."},
		{"/x?foo=1&id=abc&bar=2", "zz", "x.y"},
		{"/x?id=1;a=b", "42", "127.0.0.1:80"},
		{"/deep/er/path/than/depth?id=7", "sessionid=abcdef", "a"},
		{"http://example.com/foo/bar?id=7", "abs", "example.com"},
		{"http://example.com:8080/foo/bar/baz?id=8&id=9", "abs2", "example.com:8080"},
		{"//double//slash", "dbl", "double.example.org"},
		{"/%7Euser/?id=%41", "pct", "pct.example.org"},
		{"/?id=first&id=second", "first", "first.example.net"},
		{"/a?b?c&id=q", "qq", "q.example.net"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(min, max int) string {
		b := make([]byte, min+rng.IntN(max-min+1))
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng.IntN(36)]
		}
		return string(b)
	}
	var out []diffRequest
	for i := 0; len(out) < n; i++ {
		var f fixed
		if i < len(fixedReqs) {
			f = fixedReqs[i]
		} else {
			var uri strings.Builder
			for range 1 + rng.IntN(5) {
				uri.WriteString("/" + word(1, 8))
			}
			if rng.IntN(3) > 0 {
				fmt.Fprintf(&uri, "?id=%s&k=%s", word(0, 10), word(1, 4))
			}
			f = fixed{uri.String(), word(1, 20), word(1, 6) + "." + word(2, 10) + ".com"}
		}
		hdrs := []string{"Host: " + f.host}
		if i%7 != 1 {
			hdrs = append(hdrs, "X-Key: "+f.key)
		}
		src := netip.AddrFrom4([4]byte{127, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(1 + rng.IntN(254))})
		out = append(out, diffRequest{newTestRequest(f.uri, hdrs...), src})
	}
	return out
}

// diffBalances are the `balance` lines of the hashing algorithms compared.
var diffBalances = [][]string{
	{"balance", "uri"},
	{"balance", "uri", "whole"},
	{"balance", "uri", "len", "5"},
	{"balance", "uri", "depth", "2"},
	{"balance", "uri", "path-only"},
	{"balance", "uri", "path-only", "whole", "depth", "3"},
	{"balance", "url_param", "id"},
	{"balance", "hdr(X-Key)"},
	{"balance", "hdr(host)", "use_domain_only"},
	{"balance", "source"},
}

// diffHashTypes are the hash-type lines compared: both defaults, then every
// function with and without avalanche, for both types.
func diffHashTypes() [][]string {
	hts := [][]string{nil, {"hash-type", "map-based"}, {"hash-type", "consistent"}}
	for _, t := range []string{"map-based", "consistent"} {
		for _, f := range []string{"sdbm", "djb2", "wt6", "crc32"} {
			hts = append(hts, []string{"hash-type", t, f}, []string{"hash-type", t, f, "avalanche"})
		}
	}
	return hts
}

// TestHashingMatchesHAProxy sends the same requests through haproxy and
// through our balancers, for every hashing algorithm, hash type and
// function, over three server sets (explicit and automatic ids, unequal
// weights; weights with a common divisor and a server of weight 0; equal
// weights, where only the ids tell the servers apart), and
// requires the same server for every request, fallbacks included.
func TestHashingMatchesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	origins := startOrigins(t, "a", "b", "c", "d")
	// Set A: ids 2, 3 (auto, after the explicit 2), 4 (auto), 1.
	setA := []hxServer{{"a", 1, 2}, {"b", 2, 0}, {"c", 3, 0}, {"d", 6, 1}}
	// Set B: weights divisible by 2 and a server that gets nothing.
	setB := []hxServer{{"a", 2, 0}, {"b", 4, 0}, {"c", 0, 0}, {"d", 6, 0}}
	// Set C: automatic ids around an explicit one: 2, 1, 4.
	setC := []hxServer{{"a", 1, 0}, {"b", 1, 1}, {"c", 1, 0}}
	var backends []hxBackend
	for _, bal := range diffBalances {
		for _, ht := range diffHashTypes() {
			ds := [][]string{bal}
			if ht != nil {
				ds = append(ds, ht)
			}
			backends = append(backends, hxBackend{fmt.Sprintf("b%d", len(backends)), ds, setA})
		}
		for _, ht := range [][]string{{"hash-type", "map-based"}, {"hash-type", "consistent"}} {
			backends = append(backends, hxBackend{fmt.Sprintf("b%d", len(backends)), [][]string{bal, ht}, setB})
		}
		backends = append(backends, hxBackend{fmt.Sprintf("b%d", len(backends)), [][]string{bal, {"hash-type", "consistent"}}, setC})
	}
	hx := startHAProxy(t, origins, backends)
	reqs := diffRequests(50)
	if hx.addr6 != "" {
		reqs = append(reqs, diffRequest{newTestRequest("/v6", "Host: v6.example.com", "X-Key: v6"), netip.IPv6Loopback()})
	}

	// Backends run in parallel; each one's requests go in order so that
	// the fallback cursors of both sides advance together.
	work := make(chan hxBackend)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				compareBackend(t, hx, b, reqs)
			}
		}()
	}
	for _, b := range backends {
		work <- b
	}
	close(work)
	wg.Wait()
}

func compareBackend(t *testing.T, hx *haproxy, b hxBackend, reqs []diffRequest) {
	bal, _ := b.ours(t)
	bad := 0
	for _, r := range reqs {
		got, err := hx.get(r.src, b.name, string(r.req.uri), headerLines(r.req)...)
		if err != nil {
			t.Errorf("%v: %s %q: haproxy: %v", b.directives, r.req.uri, headerLines(r.req), err)
			return
		}
		want := bal.Pick(r.req, r.src)
		if nameOf(want) != got {
			t.Errorf("%v: %s %q from %v: haproxy chose %s, we chose %s",
				b.directives, r.req.uri, headerLines(r.req), r.src, got, nameOf(want))
			if bad++; bad == 3 {
				return
			}
		}
	}
}

// diffHashExprs are the expressions of `balance hash` compared: strings,
// converters, integers (hashed as 8 bytes), addresses (4 or 16 bytes), a
// constant, and keys some requests lack (round robin then).
var diffHashExprs = []string{
	"req.hdr(x-key)",
	"req.hdr(x-key),lower",
	"req.fhdr(x-key)",
	"req.hdr(host),field(1,.)",
	"src",
	"src,ipmask(16)",
	"path",
	"url_param(id)",
	"query",
	"base",
	"url",
	"req.hdr(x-key),crc32",
	"req.hdr_cnt(x-key)",
	"req.hdr(x-key),length",
	"int(7)",
}

// TestHashExprMatchesHAProxy is TestHashingMatchesHAProxy for `balance
// hash`: every expression above under several hash types, the same
// requests through haproxy and through our balancer, the same server for
// each.
func TestHashExprMatchesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	origins := startOrigins(t, "a", "b", "c", "d")
	setA := []hxServer{{"a", 1, 2}, {"b", 2, 0}, {"c", 3, 0}, {"d", 6, 1}}
	hashTypes := [][]string{nil, {"hash-type", "consistent"}, {"hash-type", "map-based", "djb2", "avalanche"},
		{"hash-type", "consistent", "wt6"}, {"hash-type", "consistent", "crc32", "avalanche"}}
	var backends []hxBackend
	for _, e := range diffHashExprs {
		for _, ht := range hashTypes {
			ds := [][]string{{"balance", "hash", e}}
			if ht != nil {
				ds = append(ds, ht)
			}
			backends = append(backends, hxBackend{fmt.Sprintf("h%d", len(backends)), ds, setA})
		}
	}
	hx := startHAProxy(t, origins, backends)
	reqs := diffRequests(50)
	if hx.addr6 != "" {
		reqs = append(reqs, diffRequest{newTestRequest("/v6", "Host: v6.example.com", "X-Key: v6"), netip.IPv6Loopback()})
	}
	work := make(chan hxBackend)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				compareHashExpr(t, hx, b, reqs)
			}
		}()
	}
	for _, b := range backends {
		work <- b
	}
	close(work)
	wg.Wait()
}

// compareHashExpr is compareBackend for balancers NewBalancer may not
// build yet (see buildBalancer). Pick and PickCtx are used in turn: given
// a request and an address, they must agree.
func compareHashExpr(t *testing.T, hx *haproxy, b hxBackend, reqs []diffRequest) {
	var a Algorithm
	for _, d := range b.directives {
		var err error
		if d[0] == "balance" {
			err = ParseBalance(d[1:], &a)
		} else {
			err = ParseHashType(d[1:], &a)
		}
		if err != nil {
			t.Errorf("%s: %q: %v", b.name, d, err)
			return
		}
	}
	ids := make([]int, len(b.servers))
	for i, s := range b.servers {
		ids[i] = s.id
	}
	AssignIDs(ids)
	ms := make([]Member, len(b.servers))
	for i, s := range b.servers {
		ms[i] = member(s.name, ids[i], s.weight)
	}
	bal := buildBalancer(t, a, ms)
	bad := 0
	for i, r := range reqs {
		got, err := hx.get(r.src, b.name, string(r.req.uri), headerLines(r.req)...)
		if err != nil {
			t.Errorf("%v: %s %q: haproxy: %v", b.directives, r.req.uri, headerLines(r.req), err)
			return
		}
		var want *Server
		if i%2 == 0 {
			want = bal.Pick(r.req, r.src)
		} else {
			want = PickCtx(bal, &sample.Ctx{Req: r.req, Src: netip.AddrPortFrom(r.src, 0)}, nil)
		}
		if nameOf(want) != got {
			t.Errorf("%v: %s %q from %v: haproxy chose %s, we chose %s",
				b.directives, r.req.uri, headerLines(r.req), r.src, got, nameOf(want))
			if bad++; bad == 3 {
				return
			}
		}
	}
}
