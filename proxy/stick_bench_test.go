package proxy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"switchyard/config"
	"switchyard/http1"
	"switchyard/sample"
	"switchyard/stick"
)

// The rate limit of bench/ratelimit.cfg: what a request costs in stick
// table work (track-sc0 src, the two denies' fetches, the counting hooks
// and the end of the stream), without the network.
const benchRateLimit = `defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend f
    bind 127.0.0.1:0
    stick-table type ip size 100k expire 30s store http_req_rate(10s),conn_cur
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100000000 }
    acl too_many_connections src_conn_cur ge 100000
    http-request deny deny_status 429 if too_many_connections
    default_backend b
backend b
`

func rateLimitStream(tb testing.TB) (*httpStream, []compiledRule) {
	return rateLimitStreamCfg(tb, benchRateLimit)
}

func rateLimitStreamCfg(tb testing.TB, text string) (*httpStream, []compiledRule) {
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	rules, err := compileRequestRules(cfg.Proxies[0])
	if err != nil {
		tb.Fatal(err)
	}
	snap := &Snapshot{tables: map[string]*stick.Table{}}
	for _, spec := range cfg.Tables() {
		snap.tables[spec.Name] = stick.New(*spec)
	}
	s := &httpStream{fe: &Frontend{cfg: cfg.Proxies[0], limits: http1.DefaultLimits}, t: &txnState{},
		snap: snap, cc: &clientConn{}}
	s.ctx.Owner = s
	return s, rules
}

// rateLimitRequest is one request's stick work, in the order a
// transaction does it.
func rateLimitRequest(tb testing.TB, s *httpStream, rules []compiledRule) {
	s.cc.trk.countRequest()
	if done, _ := s.runRules(rules); done {
		tb.Fatal("a rule answered")
	}
	s.cc.trk.countStatus(200)
	s.cc.trk.countBytes(80, 200)
	s.cc.trk.releaseStream()
}

func benchRateLimitAddrs(b *testing.B, n int) {
	s, rules := rateLimitStream(b)
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		addrs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
	}
	for _, a := range addrs { // the entries exist, as in a warm bench
		s.ctx.Src = a
		rateLimitRequest(b, s, rules)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.ctx.Src = addrs[i%n]
		rateLimitRequest(b, s, rules)
	}
}

func BenchmarkStickRateLimit1(b *testing.B)   { benchRateLimitAddrs(b, 1) }
func BenchmarkStickRateLimit10k(b *testing.B) { benchRateLimitAddrs(b, 10000) }

// The same from many goroutines at once (GOMAXPROCS of them): the
// entry's and the table's locks are contended as with many connections.
func benchRateLimitParallel(b *testing.B, n int) {
	_, rules := rateLimitStream(b)
	s0, _ := rateLimitStream(b)
	addrs := make([]netip.AddrPort, n)
	for i := range addrs {
		addrs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := &httpStream{fe: s0.fe, t: &txnState{}, snap: s0.snap, cc: &clientConn{}}
		s.ctx.Owner = s
		i := 0
		for pb.Next() {
			s.ctx.Src = addrs[i%n]
			i++
			rateLimitRequest(b, s, rules)
		}
	})
}

func BenchmarkStickRateLimitParallel1(b *testing.B)   { benchRateLimitParallel(b, 1) }
func BenchmarkStickRateLimitParallel10k(b *testing.B) { benchRateLimitParallel(b, 10000) }

// The rate limit's counts, as the benchmark makes them: each request
// counts once in the rate, the entry is tracked (conn_cur 1) while the
// rules run, and src_conn_cur, which finds the tracked entry without a
// lookup, reads it as a lookup would.
func TestStickRateLimitCounts(t *testing.T) {
	// The rules, and what they saw.
	cfg := strings.Replace(benchRateLimit, "    default_backend b\n",
		"    http-request set-var(txn.cur) src_conn_cur\n"+
			"    http-request set-var(txn.rate) sc_http_req_rate(0)\n"+
			"    default_backend b\n", 1)
	s, rules := rateLimitStreamCfg(t, cfg)
	s.ctx.Src = netip.MustParseAddrPort("192.0.2.7:1234")
	cur, _ := sample.ParseVarName("txn.cur")
	rate, _ := sample.ParseVarName("txn.rate")
	for i := 1; i <= 3; i++ {
		rateLimitRequest(t, s, rules)
		if v, _ := s.ctx.Vars.Get(cur); v.Int != 1 {
			t.Fatalf("request %d: src_conn_cur %d, want 1", i, v.Int)
		}
		if v, _ := s.ctx.Vars.Get(rate); v.Int != int64(i) {
			t.Fatalf("request %d: sc_http_req_rate %d, want %d", i, v.Int, i)
		}
		s.ctx.Vars.Reset()
	}
	e := s.snap.tables["f"].Lookup([]byte{192, 0, 2, 7})
	if e == nil {
		t.Fatal("no entry")
	}
	if v, _ := e.Read(stick.DTConnCur, 0); v != 0 {
		t.Errorf("conn_cur %d after the requests, want 0", v)
	}
	if v, _ := e.Read(stick.DTHTTPReqRate, 0); v != 3 {
		t.Errorf("http_req_rate %d, want 3", v)
	}
	if n := e.Refs(); n != 0 {
		t.Errorf("%d references left", n)
	}
}

// A rule list reads the stick clock once, until an action that may wait
// ran; outside a list, every read is the clock's.
func TestStickClockCache(t *testing.T) {
	s := &httpStream{cc: &clientConn{trk: &stickState{}}}
	st := s.cc.trk
	var seen []bool
	probe := func(*httpStream) (ruleVerdict, bool) {
		seen = append(seen, st.clk.ok)
		s.stickNow()
		return ruleContinue, false
	}
	s.runRules([]compiledRule{{run: probe, instant: true}, {run: probe}, {run: probe}})
	if want := []bool{false, true, false}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("clock cached before each action: %v, want %v", seen, want)
	}
	if st.clk.on || st.clk.ok {
		t.Error("the clock stays cached after the list")
	}
	s.stickNow()
	if st.clk.ok {
		t.Error("a read outside a list was cached")
	}
}
