// Package counters holds the traffic counters of frontends, listeners,
// backends and servers: haproxy's fe_counters and be_counters. They live in
// the long-lived state (proxy's frontend registry, backend's server
// registry), so a reload does not reset them, and they are plain atomics:
// the data plane adds to them without a lock, and the stats page, the CSV,
// the exporter, the CLI and the logs read the same numbers.
package counters

import "sync/atomic"

// HTTP response classes, as haproxy counts them: 1xx…5xx, then the rest.
const (
	Rsp1xx = iota
	Rsp2xx
	Rsp3xx
	Rsp4xx
	Rsp5xx
	RspOther
	rspClasses
)

// StatusClass returns the response class of an HTTP status.
func StatusClass(status int) int {
	if status < 100 || status > 599 {
		return RspOther
	}
	return status/100 - 1
}

// HTTP is what both sides count of HTTP traffic.
type HTTP struct {
	CumReq   atomic.Uint64 // requests processed (req_tot)
	Rsp      [rspClasses]atomic.Uint64
	CompRsp  atomic.Uint64 // responses compressed (comp_rsp); no compression yet
	CacheLkp atomic.Uint64 // cache lookups; no cache yet
	CacheHit atomic.Uint64
}

// Response counts one response sent with status.
func (h *HTTP) Response(status int) { h.Rsp[StatusClass(status)].Add(1) }

// FE are the counters of a frontend or of one of its listeners
// (haproxy's fe_counters).
type FE struct {
	Cur     atomic.Int64  // current connections: kept for listeners (a frontend counts its slots)
	ConnMax Max           // the most concurrent sessions seen (smax)
	CumConn atomic.Uint64 // connections received (conn_tot)
	CumSess atomic.Uint64 // connections accepted as sessions (stot)
	// ConnRate and SessRate count connections and sessions per second,
	// with their maximum per second (conn_rate_max, rate_max).
	ConnRate, SessRate Rate
	ReqRate            Rate // HTTP requests per second (req_rate, req_rate_max)

	BytesIn, BytesOut atomic.Uint64

	DeniedReq, DeniedResp atomic.Uint64 // dreq, dresp
	FailedReq             atomic.Uint64 // ereq: invalid requests, client timeouts
	DeniedConn            atomic.Uint64 // dcon: tcp-request connection rules
	DeniedSess            atomic.Uint64 // dses: tcp-request session rules
	FailedRewrites        atomic.Uint64 // wrew
	InternalErrors        atomic.Uint64 // eint
	CliAborts, SrvAborts  atomic.Uint64
	Intercepted           atomic.Uint64 // requests answered by monitor-uri, the stats page, services

	CompIn, CompOut, CompByp atomic.Uint64 // no compression yet: stay 0

	HTTP HTTP

	// SSL is the "ssl" stats module: handshakes on the frontend's ssl
	// binds (on the listener's own, for a listener).
	SSL SSL
}

// Clear zeroes what `clear counters` resets: the maxima and rates' maxima
// (all is false) or every counter (all is true), as haproxy's
// cli_parse_clear_counters.
func (c *FE) Clear(all bool) {
	c.ConnMax.v.Store(0)
	c.ConnRate.max.Store(0)
	c.SessRate.max.Store(0)
	c.ReqRate.max.Store(0)
	c.SSL.clear()
	if !all {
		return
	}
	for _, v := range []*atomic.Uint64{&c.CumConn, &c.CumSess, &c.BytesIn, &c.BytesOut,
		&c.DeniedReq, &c.DeniedResp, &c.FailedReq, &c.DeniedConn, &c.DeniedSess,
		&c.FailedRewrites, &c.InternalErrors, &c.CliAborts, &c.SrvAborts, &c.Intercepted,
		&c.CompIn, &c.CompOut, &c.CompByp} {
		v.Store(0)
	}
	c.HTTP.clear()
}

func (h *HTTP) clear() {
	h.CumReq.Store(0)
	for i := range h.Rsp {
		h.Rsp[i].Store(0)
	}
	h.CompRsp.Store(0)
	h.CacheLkp.Store(0)
	h.CacheHit.Store(0)
}

// BE are the counters of a backend or a server (haproxy's be_counters).
type BE struct {
	CurMax   Max           // the most concurrent sessions seen (smax)
	QueueMax Max           // the longest queue seen (qmax)
	CumSess  atomic.Uint64 // sessions assigned (stot)
	CumLB    atomic.Uint64 // sessions that went through load balancing (lbtot)
	SessRate Rate          // sessions per second (rate, rate_max)
	LastSess atomic.Int64  // unix seconds of the last session (lastsess); 0: never

	BytesIn, BytesOut atomic.Uint64

	DeniedReq, DeniedResp atomic.Uint64
	Connect               atomic.Uint64 // connection attempts (connect)
	Reuse                 atomic.Uint64 // requests sent on a reused connection (reuse)
	FailedConns           atomic.Uint64 // econ
	FailedResp            atomic.Uint64 // eresp
	CliAborts, SrvAborts  atomic.Uint64
	Retries               atomic.Uint64 // wretr
	Redispatches          atomic.Uint64 // wredis
	FailedRewrites        atomic.Uint64
	InternalErrors        atomic.Uint64

	// Health: failed checks, failed health analyses (observe), up→down
	// transitions. Kept for servers; a backend counts its down
	// transitions (all servers gone).
	FailedChecks, FailedHANA, DownTrans atomic.Uint64

	// Times of the last 1024 sessions, in milliseconds (qtime, ctime,
	// rtime, ttime), and the largest seen.
	QTime, CTime, DTime, TTime             Avg
	QTimeMax, CTimeMax, DTimeMax, TTimeMax Max
	// RespTime is the distribution of response times (beyond haproxy:
	// p95/p99 for the exporter).
	RespTime Histogram

	CompIn, CompOut, CompByp atomic.Uint64

	HTTP HTTP

	// SSL is the "ssl" stats module: handshakes with the server (its
	// health checks' included), or with the backend's servers.
	SSL SSL
}

// Clear zeroes the maxima (all false) or every counter (all true).
func (c *BE) Clear(all bool) {
	for _, m := range []*Max{&c.CurMax, &c.QueueMax, &c.QTimeMax, &c.CTimeMax, &c.DTimeMax, &c.TTimeMax} {
		m.v.Store(0)
	}
	c.SessRate.max.Store(0)
	c.SSL.clear()
	if !all {
		return
	}
	for _, v := range []*atomic.Uint64{&c.CumSess, &c.CumLB, &c.BytesIn, &c.BytesOut,
		&c.DeniedReq, &c.DeniedResp, &c.Connect, &c.Reuse, &c.FailedConns, &c.FailedResp,
		&c.CliAborts, &c.SrvAborts, &c.Retries, &c.Redispatches, &c.FailedRewrites,
		&c.InternalErrors, &c.FailedChecks, &c.FailedHANA, &c.DownTrans,
		&c.CompIn, &c.CompOut, &c.CompByp} {
		v.Store(0)
	}
	for _, a := range []*Avg{&c.QTime, &c.CTime, &c.DTime, &c.TTime} {
		a.sum.Store(0)
	}
	c.RespTime.clear()
	c.HTTP.clear()
}

// Timings are the times of one session as haproxy's stream_update_time_stats
// splits them, in milliseconds: waiting in queues, connecting, waiting for
// the response head (TCP: 0), and the whole session.
type Timings struct {
	Queue, Connect, Data, Total int64
}

// Session counts the timings of a session that reached its server
// (connected, and in HTTP got a response head); the averages are over
// the last 1024 sessions, or all of them until there are as many.
func (c *BE) Session(t Timings, http bool) {
	// Until the window is full the sum only grows, and the average
	// divides it by the count.
	n := uint64(0)
	if c.samples(http) > AvgSamples {
		n = AvgSamples
	}
	c.QTime.add(n, t.Queue)
	c.CTime.add(n, t.Connect)
	c.DTime.add(n, t.Data)
	c.TTime.add(n, t.Total)
	c.QTimeMax.Observe(uint64(max(t.Queue, 0)))
	c.CTimeMax.Observe(uint64(max(t.Connect, 0)))
	c.DTimeMax.Observe(uint64(max(t.Data, 0)))
	c.TTimeMax.Observe(uint64(max(t.Total, 0)))
	if http {
		c.RespTime.Observe(t.Data)
	}
}

// window is the averages' sample window: the sessions counted, up to
// AvgSamples (haproxy counts requests in HTTP, balanced sessions in TCP).
func (c *BE) window(http bool) uint64 { return min(c.samples(http), AvgSamples) }

func (c *BE) samples(http bool) uint64 {
	if http {
		return c.HTTP.CumReq.Load()
	}
	return c.CumLB.Load()
}

// Averages returns the average queue, connect, response and total times
// in milliseconds (qtime, ctime, rtime, ttime).
func (c *BE) Averages(http bool) (q, ct, d, t uint64) {
	n := c.window(http)
	return c.QTime.value(n), c.CTime.value(n), c.DTime.value(n), c.TTime.value(n)
}
