package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The scrape benchmark (go run ./bench -scrape N): each proxy runs a
// configuration with a backend of N checked servers and the Prometheus
// exporter; wrk -c50 drives the frontend once without scrapes and once
// with a scrape every second, and the scrapes' durations are reported with
// both runs' throughput and p99: how much a scrape of a large
// configuration costs the requests sharing the proxy's core.

const scrapeHeader = `global
    nbthread 1
    maxconn 5000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend bench
    bind "127.0.0.1:${BENCH_PROXY_PORT}"
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend origin
backend origin
    server origin1 "127.0.0.1:${BENCH_ORIGIN_PORT}"
backend big
    # Servers that exist only to be reported: nothing routes here, and
    # their checks run hourly.
`

// scrapes runs the scrape benchmark on each target.
func scrapes(o options, env wrkEnv, targets []target, originPort, servers int) error {
	cfg := filepath.Join(env.logDir, "scrape.cfg")
	var b strings.Builder
	b.WriteString(scrapeHeader)
	for i := range servers {
		fmt.Fprintf(&b, "    server s%d 127.0.0.2:%d check inter 1h\n", i, 10000+i%50000)
	}
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return err
	}
	for _, t := range targets {
		st := t
		st.argv = append([]string(nil), t.argv...)
		for i, a := range st.argv {
			if a == o.config {
				st.argv[i] = cfg
			}
		}
		p, addr, err := startProxy(o, st, originPort, env.logDir, "-scrape")
		if err != nil {
			return err
		}
		quiet, err := runWrk(env, 50, o.duration, "http://"+addr+"/", p)
		if err != nil {
			p.stop()
			return err
		}
		stop := make(chan struct{})
		durs := make(chan []time.Duration, 1)
		go func() {
			var ds []time.Duration
			c := &http.Client{Timeout: 10 * time.Second}
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					durs <- ds
					return
				case <-t.C:
				}
				start := time.Now()
				resp, err := c.Get("http://" + addr + "/metrics")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ds = append(ds, time.Since(start))
				}
			}
		}()
		busy, err := runWrk(env, 50, o.duration, "http://"+addr+"/", p)
		close(stop)
		ds := <-durs
		p.stop()
		if err != nil {
			return err
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		med := time.Duration(0)
		if len(ds) > 0 {
			med = ds[len(ds)/2]
		}
		fmt.Printf("scrape  %-10s %d servers  without scrapes %7.0f req/s p99 %-8s  with a scrape a second %7.0f req/s p99 %-8s  scrape median %s (%d scrapes)\n",
			t.name, servers, quiet.RPS, fmtDur(quiet.P99), busy.RPS, fmtDur(busy.P99), fmtDur(med), len(ds))
	}
	return nil
}
