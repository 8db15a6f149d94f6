package admin

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"switchyard/counters"
	"switchyard/stats"
)

// Version is what `show info` and the exporter's build_info report; cmd
// sets it at start to the version -v prints (2.6.0-switchyard-0.1.0).
var Version = "0.0.0"

// info fills the `show info` fields as haproxy's stats_fill_info does, for
// what switchyard has: connections, sessions, requests and their rates,
// TLS endpoints, handshakes and their rates, limits, memory as the Go
// runtime sees it. Features it lacks (compression, pipes, peers, an SSL
// session-ID cache, maxsslconn and maxsslrate) are reported as zero,
// which is what haproxy reports without them.
func (a *Surface) info() stats.InfoRow {
	var r stats.InfoRow
	p := a.rt.Process()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	up := time.Since(p.Started)
	snap := a.rt.Snapshot()
	node, desc := "", ""
	if snap != nil {
		node, desc = snap.Global.Node, snap.Global.Description
	}
	if node == "" {
		node, _ = os.Hostname()
	}
	u32 := func(i stats.Info, tag string, v uint64) { r[i] = stats.MkU32(tag, v) }
	u64 := func(i stats.Info, tag string, v uint64) { r[i] = stats.MkU64(tag, v) }
	fdl := uint64(max(p.FDLimit, 0))
	stopping := uint64(0)
	if p.Stopping {
		stopping = 1
	}
	r[stats.IName] = stats.MkStr("POS", "Switchyard")
	r[stats.IVersion] = stats.MkStr("POS", Version)
	r[stats.IReleaseDate] = stats.MkStr("POS", "")
	u32(stats.INbthread, "CGS", uint64(runtime.GOMAXPROCS(0)))
	u32(stats.INbproc, "CGS", 1)
	u32(stats.IProcessNum, "KGP", 1)
	u32(stats.IPid, "SGP", uint64(os.Getpid()))
	days := int(up / (24 * time.Hour))
	rest := up % (24 * time.Hour)
	r[stats.IUptime] = stats.MkStr("MDP", fmt.Sprintf("%dd %dh%02dm%02ds", days, int(rest/time.Hour), int(rest%time.Hour/time.Minute), int(rest%time.Minute/time.Second)))
	u32(stats.IUptimeSec, "MDP", uint64(up/time.Second))
	u32(stats.IMemmaxMb, "CLP", 0)
	u32(stats.IPoolAllocMb, "MGP", ms.HeapSys>>20)
	u32(stats.IPoolUsedMb, "MGP", ms.HeapInuse>>20)
	u32(stats.IPoolFailed, "MCP", 0)
	u32(stats.IUlimitN, "CLP", fdl)
	u32(stats.IMaxsock, "CLP", fdl)
	u32(stats.IMaxconn, "CLP", uint64(p.MaxConn))
	u32(stats.IHardMaxconn, "CLP", uint64(p.HardMaxConn))
	u32(stats.ICurrConn, "MGP", uint64(p.CurConns))
	u32(stats.ICumConn, "MCP", p.CumConns)
	u32(stats.ICumReq, "MCP", p.CumReq)
	u32(stats.IMaxSslConns, "MMP", 0)
	tp := p.TLS
	if tp == nil {
		tp = new(counters.TLSProcess)
	}
	u32(stats.ICurrSslConns, "MGP", tp.Current())
	u32(stats.ICumSslConns, "MCP", tp.Total())
	u32(stats.IMaxpipes, "CLP", 0)
	u32(stats.IPipesUsed, "MGP", 0)
	u32(stats.IPipesFree, "MGP", 0)
	u32(stats.IConnRate, "MRP", uint64(p.ConnRate))
	connLim, sessLim := a.rt.RateLimits()
	u32(stats.IConnRateLimit, "CLP", uint64(connLim))
	u32(stats.IMaxConnRate, "MMP", p.MaxConnRate)
	u32(stats.ISessRate, "MRP", uint64(p.SessRate))
	u32(stats.ISessRateLimit, "CLP", uint64(sessLim))
	u32(stats.IMaxSessRate, "MRP", p.MaxSessRate)
	u32(stats.ISslRate, "MRP", uint64(tp.Accepts.PerSecond()))
	u32(stats.ISslRateLimit, "CLP", 0) // no maxsslrate (refused in global)
	u32(stats.IMaxSslRate, "MMP", tp.Accepts.Max())
	u32(stats.ISslFrontendKeyRate, "MGP", uint64(tp.FrontKeys.PerSecond()))
	u32(stats.ISslFrontendMaxKeyRate, "MMP", tp.FrontKeys.Max())
	u32(stats.ISslFrontendSessionReusePct, "MGP", tp.FrontendReusePct())
	u32(stats.ISslBackendKeyRate, "MRP", uint64(tp.BackKeys.PerSecond()))
	u32(stats.ISslBackendMaxKeyRate, "MMP", tp.BackKeys.Max())
	// Go's TLS servers resume by session tickets only: there is no
	// session-ID cache to look sessions up in, so no lookup and no miss,
	// what haproxy reports when no client resumes by ID.
	u32(stats.ISslCacheLookups, "MCP", 0)
	u32(stats.ISslCacheMisses, "MCP", 0)
	u32(stats.ICompressBpsIn, "MRP", 0)
	u32(stats.ICompressBpsOut, "MRP", 0)
	u32(stats.ICompressBpsRateLim, "CLP", 0)
	// No zlib: haproxy built without it leaves ZlibMemUsage out too.
	u32(stats.ITasks, "MGP", uint64(runtime.NumGoroutine()))
	u32(stats.IRunQueue, "MGP", 0)
	u32(stats.IIdlePct, "MaP", 100)
	r[stats.INode] = stats.MkStr("COS", node)
	if desc != "" {
		r[stats.IDescription] = stats.MkStr("COS", desc)
	}
	u32(stats.IStopping, "MGP", stopping)
	u32(stats.IJobs, "MGP", uint64(p.Jobs))
	u32(stats.IUnstoppableJobs, "MGP", 0)
	u32(stats.IListeners, "MGP", uint64(p.Listeners))
	u32(stats.IActivePeers, "MGP", 0)
	u32(stats.IConnectedPeers, "MGP", 0)
	u32(stats.IDroppedLogs, "MGP", 0)
	u32(stats.IBusyPolling, "MGP", 0)
	u32(stats.IFailedResolutions, "MGP", 0)
	u64(stats.ITotalBytesOut, "MGP", p.BytesOut)
	u64(stats.ITotalSplicedBytesOut, "MGP", 0)
	u64(stats.IBytesOutRate, "MRP", 0)
	u32(stats.IDebugCommandsIssued, "MGP", 0)
	u32(stats.ICumLogMsgs, "MCP", 0)
	r[stats.IBuildInfo] = stats.MkStr("POS", Version)
	u32(stats.IMemmaxBytes, "CLP", 0)
	u64(stats.IPoolAllocBytes, "MGP", ms.HeapSys)
	u64(stats.IPoolUsedBytes, "MGP", ms.HeapInuse)
	u32(stats.IStartTimeSec, "MDP", uint64(p.Started.Unix()))
	r[stats.ITainted] = stats.MkStr("SGP", "0")
	return r
}
