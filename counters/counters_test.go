package counters

import (
	"testing"
	"time"
)

func TestStatusClass(t *testing.T) {
	for st, want := range map[int]int{100: Rsp1xx, 200: Rsp2xx, 304: Rsp3xx, 404: Rsp4xx, 503: Rsp5xx, 600: RspOther, 99: RspOther, 0: RspOther} {
		if got := StatusClass(st); got != want {
			t.Errorf("StatusClass(%d) = %d, want %d", st, got, want)
		}
	}
}

// The averages are haproxy's: over all sessions until there are 1024,
// then a sliding window of 1024.
func TestAverages(t *testing.T) {
	var c BE
	for _, v := range []int64{10, 20, 30} {
		c.HTTP.CumReq.Add(1)
		c.Session(Timings{Queue: 0, Connect: 1, Data: v, Total: v + 1}, true)
	}
	q, ct, d, tt := c.Averages(true)
	if q != 0 || ct != 1 || d != 20 || tt != 21 {
		t.Fatalf("averages = %d %d %d %d, want 0 1 20 21", q, ct, d, tt)
	}
	if c.DTimeMax.Load() != 30 || c.TTimeMax.Load() != 31 {
		t.Fatalf("maxima = %d %d", c.DTimeMax.Load(), c.TTimeMax.Load())
	}
	for range 5000 {
		c.HTTP.CumReq.Add(1)
		c.Session(Timings{Data: 100}, true)
	}
	if _, _, d, _ := c.Averages(true); d < 98 || d > 100 {
		t.Fatalf("after 5000 samples of 100ms, rtime = %d", d)
	}
	c.Clear(false)
	if c.DTimeMax.Load() != 0 || c.HTTP.CumReq.Load() == 0 {
		t.Fatal("clear counters must reset the maxima only")
	}
	c.Clear(true)
	if c.HTTP.CumReq.Load() != 0 {
		t.Fatal("clear counters all must reset the totals")
	}
}

func TestRateMax(t *testing.T) {
	var r Rate
	now := 5 * time.Second
	for range 7 {
		r.AddAt(now)
	}
	r.AddAt(now + time.Second)
	if r.Max() != 7 {
		t.Fatalf("max = %d, want 7", r.Max())
	}
}

func TestHistogram(t *testing.T) {
	var h Histogram
	for _, ms := range []int64{0, 1, 3, 40000, -1} {
		h.Observe(ms)
	}
	cum, n, sum := h.Snapshot()
	if n != 4 || sum != 40004 {
		t.Fatalf("count %d sum %d", n, sum)
	}
	if cum[0] != 2 || cum[2] != 3 || cum[len(cum)-1] != 3 {
		t.Fatalf("cumulative = %v", cum)
	}
}

func TestUnixAt(t *testing.T) {
	before := time.Now().Unix()
	got := UnixAt(Now())
	after := time.Now().Unix()
	if got < before || got > after {
		t.Fatalf("UnixAt(Now()) = %d, want within [%d, %d]", got, before, after)
	}
	if d := UnixAt(Now()+10*time.Second) - got; d < 9 || d > 11 {
		t.Fatalf("ten seconds later is %d seconds later", d)
	}
}
