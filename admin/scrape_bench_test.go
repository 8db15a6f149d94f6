package admin

import (
	"fmt"
	"strings"
	"testing"

	"switchyard/proxy"
)

// BenchmarkScrape1000Servers is the whole scrape of a backend of 1,000
// checked servers: the rows filled from the counters, then the exporter's
// text (issue 8 asks for under 50 ms).
func BenchmarkScrape1000Servers(b *testing.B) {
	var cfg strings.Builder
	cfg.WriteString(`
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {FE}
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend app
backend app
`)
	for i := range 1000 {
		// Unreachable addresses: the servers exist, no check traffic
		// runs during the benchmark (checks every hour).
		fmt.Fprintf(&cfg, "    server s%d 127.0.0.2:%d check inter 1h\n", i, 10000+i)
	}
	a, _ := start(b, cfg.String())
	c := &proxy.ServiceCall{Runtime: a.rt}
	b.ResetTimer()
	for range b.N {
		*c = proxy.ServiceCall{Runtime: a.rt, Status: 200}
		serveMetrics(c)
		n := len(c.Out)
		c.Done() // as the stream does once the body is written
		c.Out = c.Out[:n]
	}
	b.ReportMetric(float64(len(c.Out)), "bytes/scrape")
}
