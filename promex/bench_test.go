package promex

import (
	"fmt"
	"io"
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

// BenchmarkScrape1000Servers is a whole scrape (every scope) of 1,000
// servers: the target is under 50 ms.
func BenchmarkScrape1000Servers(b *testing.B) {
	src := bigSource()
	o, _ := ParseQuery("")
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
