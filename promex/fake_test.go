package promex

import (
	"sync"
	"time"

	"switchyard/counters"
	"switchyard/stats"
)

// fakeSource serves fixed rows and counts the calls.
type fakeSource struct {
	info   stats.InfoRow
	rows   []stats.Row
	tables []StickTable
	extras Extras
	certs  []Certificate

	mu                                                         sync.Mutex // scrapes may run at once
	infoCalls, statsCalls, tablesCalls, extrasCalls, certCalls int
	lastWant                                                   Scope
}

func (f *fakeSource) Info() stats.InfoRow {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.infoCalls++
	return f.info
}

func (f *fakeSource) Rows(want Scope) []stats.Row {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statsCalls++
	f.lastWant = want
	return f.rows
}

func (f *fakeSource) StickTables() []StickTable {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tablesCalls++
	return f.tables
}

func (f *fakeSource) Extras() Extras {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extrasCalls++
	return f.extras
}

func (f *fakeSource) Certificates() []Certificate {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.certCalls++
	return f.certs
}

// newFake is a small process: an HTTP frontend with a listener, an HTTP
// backend with a server up and checked, one in maintenance and one
// draining whose check runs; a TCP backend whose only server is down; a
// stopped TCP frontend; a backend without servers.
func newFake() *fakeSource {
	f := &fakeSource{}
	f.info[stats.IName] = stats.MkStr("POS", "Switchyard")
	f.info[stats.IVersion] = stats.MkStr("POS", "0.1.0-test")
	f.info[stats.INbthread] = stats.MkU32("CGS", 4)
	f.info[stats.INbproc] = stats.MkU32("CGS", 1)
	f.info[stats.IUptimeSec] = stats.MkU32("MDP", 42)
	f.info[stats.IMaxconn] = stats.MkU32("CLP", 1000)
	f.info[stats.ICurrConn] = stats.MkU32("MGP", 250)
	f.info[stats.ICumConn] = stats.MkU32("MCP", 12345)
	f.info[stats.IMemmaxBytes] = stats.MkU32("CLP", 0)
	f.info[stats.IStartTimeSec] = stats.MkU32("MDP", 1796522525)

	F, L, B, S := stats.TypeFrontend, stats.TypeListener, stats.TypeBackend, stats.TypeServer
	px, sv, st, md := stats.FPxname, stats.FSvname, stats.FStatus, stats.FMode
	f.rows = []stats.Row{
		row(F, px, "fe", sv, "FRONTEND", md, "http", st, "OPEN", stats.FScur, 3, stats.FSlim, 100,
			stats.FStot, 10, stats.FHrsp1xx, 0, stats.FHrsp2xx, 7, stats.FHrsp3xx, 0, stats.FHrsp4xx, 1,
			stats.FHrsp5xx, 1, stats.FHrspOther, 0, stats.FReqTot, 9, stats.FConnTot, 12, stats.FRateMax, 2),
		row(L, px, "fe", sv, "fe1", md, "http", st, "OPEN", stats.FScur, 1, stats.FStot, 10),
		row(S, px, "be", sv, "s1", md, "http", st, "UP", stats.FScur, 5, stats.FSlim, 10,
			stats.FCheckStatus, "L7OK", stats.FCheckCode, 200, stats.FCheckDuration, 3,
			stats.FQtime, 12, stats.FRtMax, 1500, stats.FHrsp2xx, 6, stats.FHrsp5xx, 1, stats.FLastsess, int64(-1)),
		row(S, px, "be", sv, "s2", md, "http", st, "MAINT", stats.FScur, 0),
		row(S, px, "be", sv, "s3", md, "http", st, "DRAIN", stats.FScur, 1, stats.FCheckStatus, "* L4OK"),
		row(B, px, "be", sv, "BACKEND", md, "http", st, "UP", stats.FScur, 6, stats.FSlim, 50, stats.FReqTot, 8),
		row(S, px, "tcpbe", sv, "t1", md, "tcp", st, "DOWN", stats.FCheckStatus, "L4CON", stats.FHrsp2xx, 3),
		row(B, px, "tcpbe", sv, "BACKEND", md, "tcp", st, "DOWN", stats.FReqTot, 3),
		row(F, px, "stopfe", sv, "FRONTEND", md, "tcp", st, "STOP", stats.FReqTot, 4),
		row(B, px, "nosrv", sv, "BACKEND", md, "http", st, "UP"),
	}
	f.tables = []StickTable{
		{Name: "be", Type: "string", Size: 1024, Used: 3},
		{Name: "empty", Type: "ip", Size: 0},
		{Name: "fe", Type: "ip", Size: 100, Used: 0},
	}
	var h counters.Histogram
	for _, ms := range []int64{1, 3, 3, 40, 20000, 40000} {
		h.Observe(ms)
	}
	f.extras = Extras{
		FDsUsed: 50, FDsLimit: 1000,
		MemoryUsedBytes: 1 << 20, MemoryLimitBytes: 4 << 20,
		Backends: []BackendExtras{{Proxy: "be", ResponseTime: HistogramOf(&h)}},
		Servers: []ServerExtras{
			{Proxy: "be", Server: "s1", ResponseTime: HistogramOf(&h), TransitionsUp: 3, TransitionsDown: 2},
			{Proxy: "be", Server: "s2", TransitionsDown: 1},
		},
	}
	f.certs = []Certificate{
		{Proxy: "fe", Listener: "fe1", File: "/etc/certs/www.pem", Serial: "0A1B", NotAfter: fakeNow.Add(72 * time.Hour)},
		{Proxy: "fe", Listener: "fe1", File: "/etc/certs/old.pem", Serial: "07", NotAfter: fakeNow.Add(-time.Hour)},
	}
	return f
}

// fakeNow is the exporter's clock in these tests (init).
var fakeNow = time.Date(2026, 10, 17, 12, 0, 0, 0, time.UTC)

func init() { timeNow = func() time.Time { return fakeNow } }
