package admin

import (
	"bytes"
	"sync"

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
	// A scrape of a large configuration is megabytes of rows and text:
	// both are kept for the next scrape (given back once the response is
	// written), so that scraping does not make the garbage collector
	// steal time from the requests.
	sc := scrapes.Get().(*scrapeBufs)
	sc.out.Reset()
	o.Write(&sc.out, promSource{a: a, rows: &sc.rows})
	c.ContentType = promex.ContentType
	c.Headers = append(c.Headers, [2]string{"cache-control", "no-cache"})
	c.Out = sc.out.Bytes()
	c.Done = func() { scrapes.Put(sc) }
}

// scrapeBufs are a scrape's rows and output, reused.
type scrapeBufs struct {
	rows []stats.Row
	out  bytes.Buffer
}

var scrapes = sync.Pool{New: func() any { return new(scrapeBufs) }}

// promSource is the surface seen by the exporter.
type promSource struct {
	a    *Surface
	rows *[]stats.Row // reused between scrapes
}

func (p promSource) Info() stats.InfoRow { return p.a.Info() }

func (p promSource) Rows(promex.Scope) []stats.Row {
	*p.rows = p.a.StatsInto((*p.rows)[:0], AllStats)
	return *p.rows
}

// StickTables are the running configuration's tables, in haproxy's list
// order; used counts the entries not yet expired.
func (p promSource) StickTables() []promex.StickTable {
	tables := p.a.rt.Snapshot().StickTables()
	out := make([]promex.StickTable, len(tables))
	for i, t := range tables {
		out[i] = promex.StickTable{Name: t.Name(), Type: t.Spec().Type.String(), Size: uint64(t.Size()), Used: uint64(t.Len())}
	}
	return out
}

func (p promSource) Certificates() []promex.Certificate {
	served := p.a.rt.Snapshot().Certificates()
	out := make([]promex.Certificate, len(served))
	for i, s := range served {
		out[i] = promex.Certificate{Proxy: s.Proxy, Listener: s.Listener, File: s.Cert.Path,
			Serial: s.Cert.Serial(), NotAfter: s.Cert.NotAfter()}
	}
	return out
}

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
