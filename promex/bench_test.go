package promex

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"switchyard/counters"
	"switchyard/stats"
)

// bigSource is a process of 10 HTTP proxies of 100 checked servers each,
// every field filled, with the extras (a histogram per server).
func bigSource() *fakeSource {
	f := newFake()
	f.rows = nil
	f.extras.Backends, f.extras.Servers = nil, nil
	var h counters.Histogram
	for i := int64(0); i < 100; i++ {
		h.Observe(i * 7)
	}
	fill := func(r *stats.Row) {
		for i := range r.Fields {
			if r.Fields[i].Kind == stats.Empty {
				r.Fields[i] = stats.MkU64("MCP", uint64(i*1000+r.SID))
			}
		}
	}
	for p := 0; p < 10; p++ {
		px := fmt.Sprintf("app%d", p)
		fe := row(stats.TypeFrontend, stats.FPxname, px, stats.FSvname, "FRONTEND", stats.FMode, "http", stats.FStatus, "OPEN")
		fill(&fe)
		f.rows = append(f.rows, fe)
		for s := 0; s < 100; s++ {
			name := fmt.Sprintf("srv%03d", s)
			sv := row(stats.TypeServer, stats.FPxname, px, stats.FSvname, name, stats.FMode, "http",
				stats.FStatus, "UP", stats.FCheckStatus, "L7OK")
			sv.SID = s + 1
			fill(&sv)
			f.rows = append(f.rows, sv)
			f.extras.Servers = append(f.extras.Servers, ServerExtras{Proxy: px, Server: name,
				ResponseTime: HistogramOf(&h), TransitionsUp: 1, TransitionsDown: 1})
		}
		be := row(stats.TypeBackend, stats.FPxname, px, stats.FSvname, "BACKEND", stats.FMode, "http", stats.FStatus, "UP")
		fill(&be)
		f.rows = append(f.rows, be)
		f.extras.Backends = append(f.extras.Backends, BackendExtras{Proxy: px, ResponseTime: HistogramOf(&h)})
	}
	return f
}

// BenchmarkScrape1000Servers is a whole scrape (every scope, switchyard's
// families too) of 1,000 servers: the target is under 50 ms.
func BenchmarkScrape1000Servers(b *testing.B) {
	src := bigSource()
	o, _ := ParseQuery("switchyard-metrics")
	var n countWriter
	b.ReportAllocs()
	for b.Loop() {
		if err := o.Write(&n, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "bytes/scrape")
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// TestLargeFamiliesInChunks: families longer than a chunk are written in
// pieces, with a yield between them; the text is still one family each,
// in order, with every series once.
func TestLargeFamiliesInChunks(t *testing.T) {
	var b strings.Builder
	o, _ := ParseQuery("switchyard-metrics")
	if err := o.Write(&b, bigSource()); err != nil {
		t.Fatal(err)
	}
	fams := parseText(t, b.String())
	seen := map[string]bool{}
	for _, f := range fams {
		if seen[f.name] {
			t.Fatalf("family %s written twice", f.name)
		}
		seen[f.name] = true
	}
	bytesIn := famByName(fams, "haproxy_server_bytes_in_total")
	if bytesIn == nil || len(bytesIn.series) != 1000 {
		t.Fatalf("haproxy_server_bytes_in_total: %v", bytesIn)
	}
	for i, s := range bytesIn.series {
		if want := fmt.Sprintf(`proxy="app%d",server="srv%03d"`, i/100, i%100); s.labels != want {
			t.Fatalf("series %d: %s, want %s", i, s.labels, want)
		}
	}
	hist := famByName(fams, famSrvRespTime)
	if want := 1000 * (len(counters.Buckets) + 3); hist == nil || len(hist.series) != want {
		t.Fatalf("%s: %d lines, want %d", famSrvRespTime, len(hist.series), want)
	}
}
