package admin

import (
	"bytes"
	"sync/atomic"

	"switchyard/config"
	"switchyard/promex"
	"switchyard/proxy"
	"switchyard/stats"
)

// The Prometheus exporter (`http-request use-service prometheus-exporter`)
// reads the same rows as the stats page and the CLI, through promex.Source.

func init() {
	proxy.RegisterService("prometheus-exporter", serveMetrics)
}

func serveMetrics(c *proxy.ServiceCall) {
	a := New(c.Runtime)
	o, err := promex.ParseQuery(c.Query)
	if err != nil {
		c.Status, c.ContentType, c.Out = 400, promex.BadRequestType, []byte(promex.BadRequestBody)
		return
	}
	// A scrape of a large configuration is megabytes: start at the size
	// of the previous one rather than grow to it again.
	var b bytes.Buffer
	b.Grow(int(lastScrape.Load()))
	o.Write(&b, promSource{a})
	lastScrape.Store(int64(b.Len()))
	c.ContentType = promex.ContentType
	c.Headers = append(c.Headers, [2]string{"cache-control", "no-cache"})
	c.Out = b.Bytes()
}

// lastScrape is the size of the last scrape's body.
var lastScrape atomic.Int64

// promSource is the surface seen by the exporter.
type promSource struct{ a *Surface }

func (p promSource) Info() stats.InfoRow { return p.a.Info() }

func (p promSource) Rows(promex.Scope) []stats.Row { return p.a.Stats(AllStats) }

// StickTables: none until stick tables exist.
func (p promSource) StickTables() []promex.StickTable { return nil }

func (p promSource) Extras() promex.Extras {
	var x promex.Extras
	proc := p.a.rt.Process()
	if proc.FDLimit > 0 {
		x.FDsLimit = uint64(proc.FDLimit)
		x.FDsUsed = openFDs()
	}
	x.MemoryUsedBytes, x.MemoryLimitBytes = memoryUse()
	snap := p.a.rt.Snapshot()
	for _, px := range snap.Proxies() {
		if px.Cap&config.CapBE == 0 {
			continue
		}
		be := snap.Backend(px.Name)
		if be == nil {
			continue
		}
		x.Backends = append(x.Backends, promex.BackendExtras{Proxy: px.Name, ResponseTime: promex.HistogramOf(&be.State().C.RespTime)})
		for _, s := range be.Servers() {
			up, down := s.Transitions()
			x.Servers = append(x.Servers, promex.ServerExtras{Proxy: px.Name, Server: s.Name,
				ResponseTime: promex.HistogramOf(&s.C.RespTime), TransitionsUp: up, TransitionsDown: down})
		}
	}
	return x
}
