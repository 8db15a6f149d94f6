package counters

import "testing"

// A handshake counts on both objects given (either may be nil): a failure,
// a resumed session, or a new one, which also counts in the process's key
// rate of its side.
func TestTLSHandshake(t *testing.T) {
	var p TLSProcess
	var fe, li, be, srv SSL
	p.Handshake(&fe, &li, false, true, false)
	p.Handshake(&fe, &li, false, true, true)
	p.Handshake(&fe, nil, false, false, false)
	p.Handshake(&be, &srv, true, true, false)
	p.Handshake(nil, &srv, true, true, false)
	for _, c := range []struct {
		name                 string
		s                    *SSL
		sess, reused, failed uint64
	}{
		{"frontend", &fe, 1, 1, 1},
		{"listener", &li, 1, 1, 0},
		{"backend", &be, 1, 0, 0},
		{"server", &srv, 2, 0, 0},
	} {
		if c.s.Sess.Load() != c.sess || c.s.ReusedSess.Load() != c.reused || c.s.FailedHandshake.Load() != c.failed {
			t.Errorf("%s: %d %d %d, want %d %d %d", c.name, c.s.Sess.Load(), c.s.ReusedSess.Load(),
				c.s.FailedHandshake.Load(), c.sess, c.reused, c.failed)
		}
	}
	if p.FrontKeys.Max() != 1 || p.BackKeys.Max() != 2 {
		t.Errorf("key rates' maxima: front %d, back %d", p.FrontKeys.Max(), p.BackKeys.Max())
	}
	p.ClearMax()
	if p.FrontKeys.Max() != 0 || p.BackKeys.Max() != 0 {
		t.Error("ClearMax kept a maximum")
	}
}

// The endpoints open and opened.
func TestTLSEndpoints(t *testing.T) {
	var p TLSProcess
	p.Open()
	p.Open()
	p.Close()
	if p.Current() != 1 || p.Total() != 2 {
		t.Fatalf("current %d, total %d", p.Current(), p.Total())
	}
}

// SslFrontendSessionReuse_pct: the share of the accepted connections of
// the last second that made no new key, truncated; 0 without connections
// or when every one made a key.
func TestFrontendReusePct(t *testing.T) {
	var p TLSProcess
	if got := p.FrontendReusePct(); got != 0 {
		t.Fatalf("no traffic: %d", got)
	}
	for range 3 {
		p.Accepts.Add()
	}
	p.FrontKeys.Add()
	if got := p.FrontendReusePct(); got != 66 {
		t.Fatalf("3 connections, 1 key: %d, want 66", got)
	}
	p.FrontKeys.Add()
	p.FrontKeys.Add()
	p.FrontKeys.Add()
	if got := p.FrontendReusePct(); got != 0 {
		t.Fatalf("more keys than connections: %d", got)
	}
}

// clear counters resets the ssl module too, haproxy's being clearable.
func TestClearSSL(t *testing.T) {
	var fe FE
	var be BE
	fe.SSL.Sess.Add(1)
	be.SSL.FailedHandshake.Add(1)
	fe.Clear(false)
	be.Clear(false)
	if fe.SSL.Sess.Load() != 0 || be.SSL.FailedHandshake.Load() != 0 {
		t.Fatal("clear counters kept the ssl module's counters")
	}
}

// What one TLS connection of a client adds to its handshake: its
// endpoint, the accept rate, the outcome, the close; from every core at
// once, the counters being shared. Nothing may be allocated.
func BenchmarkTLSConnCounting(b *testing.B) {
	var p TLSProcess
	var fe, li SSL
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.Open()
			p.Accepts.Add()
			p.Handshake(&fe, &li, false, true, false)
			p.Close()
		}
	})
}
