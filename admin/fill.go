package admin

import (
	"strconv"
	"time"

	"switchyard/backend"
	"switchyard/check"
	"switchyard/config"
	"switchyard/counters"
	"switchyard/internal/yield"
	"switchyard/proxy"
	"switchyard/stats"
)

// The rows of `show stat`, filled as haproxy's stats_fill_*_stats fill
// them: which fields each object type has, with which tags, from the
// long-lived counters and state.

// Tags of the fields, as haproxy's typed output prints them.
const (
	tGauge   = "MGP" // a metric, a gauge
	tMax     = "MMP"
	tCounter = "MCP"
	tLimit   = "CLP" // a configured limit
	tName    = "KNS" // the row's key names
	tStatus  = "SGP"
	tAge     = "MAP"
	tAvg     = "MaP"
	tRate    = "MRP"
	tOutput  = "MOP"
	tDur     = "MDP"
	tKey     = "KGP"
	tKeySvc  = "KGS"
	tCfgSvc  = "CGS"
	tCfgName = "CNS"
)

// stats fills the rows of `show stat`: per proxy in configuration order,
// its frontend, listeners, servers and backend.
func (a *Surface) stats(rows []stats.Row, f StatFilter) []stats.Row {
	snap := a.rt.Snapshot()
	if snap == nil {
		return rows
	}
	want := func(t stats.ObjType) bool { return f.Types == 0 || f.Types&(1<<t) != 0 }
	var pace yield.Pacer
	for _, px := range snap.Proxies() {
		if f.IID >= 0 && px.ID != f.IID || !inScope(px.Name, f.Scope) {
			continue
		}
		if px.Cap&config.CapFE != 0 {
			fe := snap.Frontend(px.Name)
			if fe != nil && want(stats.TypeFrontend) && f.SID <= 0 {
				rows = append(rows, frontendRow(fe))
			}
			if fe != nil && px.SocketStats && want(stats.TypeListener) {
				for i, b := range px.Binds {
					if f.SID < 0 || f.SID == i+1 {
						rows = append(rows, listenerRow(fe, b, i+1, f.Legends))
					}
				}
			}
		}
		if px.Cap&config.CapBE == 0 {
			continue
		}
		be := snap.Backend(px.Name)
		if be == nil {
			continue
		}
		if want(stats.TypeServer) {
			for _, s := range be.Servers() {
				set := s.Settings()
				if f.SID >= 0 && set.ID != f.SID {
					continue
				}
				if _, adm := s.State(); f.NoMaint && adm&backend.AdminMaint != 0 {
					continue
				}
				rows = append(rows, serverRow(be, s, f.Legends))
				// Thousands of servers take milliseconds: let the
				// requests on the same core run meanwhile.
				pace.Maybe()
			}
		}
		if want(stats.TypeBackend) && f.SID <= 0 {
			rows = append(rows, backendRow(be, f.Legends))
		}
	}
	return rows
}

// inScope says whether a proxy is among those `stats scope` names (all
// when none is named).
func inScope(name string, scope []string) bool {
	if len(scope) == 0 {
		return true
	}
	for _, s := range scope {
		if s == name {
			return true
		}
	}
	return false
}

func modeName(m config.Mode) string {
	if m == config.ModeHTTP {
		return "http"
	}
	return "tcp"
}

// httpFields fills the HTTP counters of a proxy in mode http.
func httpFields(r *stats.Row, h *counters.HTTP) {
	r.Fields[stats.FReqTot] = stats.MkU64(tCounter, h.CumReq.Load())
	for i, f := range []stats.Stat{stats.FHrspOther, stats.FHrsp1xx, stats.FHrsp2xx, stats.FHrsp3xx, stats.FHrsp4xx, stats.FHrsp5xx} {
		cls := counters.RspOther
		if i > 0 {
			cls = i - 1
		}
		r.Fields[f] = stats.MkU64(tCounter, h.Rsp[cls].Load())
	}
}

func frontendRow(fe *proxy.Frontend) stats.Row {
	px := fe.Config()
	c := fe.Counters()
	cur, limit := fe.Conns()
	r := stats.Row{Type: stats.TypeFrontend, IID: px.ID}
	f := &r.Fields
	feFields(&r, px, "FRONTEND", c, uint64(cur), limit)
	f[stats.FStot] = stats.MkU64(tCounter, c.CumSess.Load())
	status := "OPEN"
	if _, stopped := fe.FrontendState(); stopped {
		status = "STOP" // shutdown frontend; a paused one stays OPEN, as in haproxy 2.6
	}
	f[stats.FStatus] = stats.MkStr(tStatus, status)
	f[stats.FPid] = stats.MkU32(tKey, 1)
	f[stats.FIid] = stats.MkU32(tKeySvc, uint64(px.ID))
	f[stats.FSid] = stats.MkU32(tKeySvc, 0)
	f[stats.FType] = stats.MkU32(tCfgSvc, uint64(stats.TypeFrontend))
	f[stats.FRate] = stats.MkU32(tRate, uint64(c.SessRate.PerSecond()))
	f[stats.FRateLim] = stats.MkU32(tLimit, 0)
	f[stats.FRateMax] = stats.MkU32(tMax, c.SessRate.Max())
	f[stats.FWrew] = stats.MkU64(tCounter, c.FailedRewrites.Load())
	f[stats.FEint] = stats.MkU64(tCounter, c.InternalErrors.Load())
	if px.Mode == config.ModeHTTP {
		httpFields(&r, &c.HTTP)
		f[stats.FIntercepted] = stats.MkU64(tCounter, c.Intercepted.Load())
		f[stats.FCacheLookups] = stats.MkU64(tCounter, c.HTTP.CacheLkp.Load())
		f[stats.FCacheHits] = stats.MkU64(tCounter, c.HTTP.CacheHit.Load())
	} else {
		f[stats.FReqTot] = stats.MkU64(tCounter, c.HTTP.CumReq.Load())
	}
	f[stats.FReqRate] = stats.MkU32(tRate, uint64(c.ReqRate.PerSecond()))
	f[stats.FReqRateMax] = stats.MkU32(tMax, c.ReqRate.Max())
	f[stats.FCompIn] = stats.MkU64(tCounter, c.CompIn.Load())
	f[stats.FCompOut] = stats.MkU64(tCounter, c.CompOut.Load())
	f[stats.FCompByp] = stats.MkU64(tCounter, c.CompByp.Load())
	f[stats.FCompRsp] = stats.MkU64(tCounter, c.HTTP.CompRsp.Load())
	f[stats.FConnRate] = stats.MkU32(tRate, uint64(c.ConnRate.PerSecond()))
	f[stats.FConnRateMax] = stats.MkU32(tMax, c.ConnRate.Max())
	f[stats.FConnTot] = stats.MkU64(tCounter, c.CumConn.Load())
	return r
}

// sslFields fills the "ssl" stats module's fields, which every kind of
// row has (zero where no TLS is spoken, as in haproxy).
func sslFields(r *stats.Row, c *counters.SSL) {
	r.Mods[stats.MSslSess] = stats.MkU64(tCounter, c.Sess.Load())
	r.Mods[stats.MSslReusedSess] = stats.MkU64(tCounter, c.ReusedSess.Load())
	r.Mods[stats.MSslFailedHandshake] = stats.MkU64(tCounter, c.FailedHandshake.Load())
}

// feFields fills what frontends and listeners share.
func feFields(r *stats.Row, px *config.Proxy, svname string, c *counters.FE, cur uint64, limit int) {
	f := &r.Fields
	f[stats.FPxname] = stats.MkStr(tName, px.Name)
	f[stats.FSvname] = stats.MkStr(tName, svname)
	f[stats.FMode] = stats.MkStr(tCfgSvc, modeName(px.Mode))
	f[stats.FScur] = stats.MkU32(tGauge, cur)
	f[stats.FSmax] = stats.MkU32(tMax, c.ConnMax.Load())
	f[stats.FSlim] = stats.MkU32(tLimit, uint64(limit))
	f[stats.FBin] = stats.MkU64(tCounter, c.BytesIn.Load())
	f[stats.FBout] = stats.MkU64(tCounter, c.BytesOut.Load())
	f[stats.FDreq] = stats.MkU64(tCounter, c.DeniedReq.Load())
	f[stats.FDresp] = stats.MkU64(tCounter, c.DeniedResp.Load())
	f[stats.FEreq] = stats.MkU64(tCounter, c.FailedReq.Load())
	f[stats.FDcon] = stats.MkU64(tCounter, c.DeniedConn.Load())
	f[stats.FDses] = stats.MkU64(tCounter, c.DeniedSess.Load())
	sslFields(r, &c.SSL)
}

// beFields fills what backends and servers share.
func beFields(r *stats.Row, c *counters.BE, mode config.Mode) {
	f := &r.Fields
	f[stats.FQmax] = stats.MkU32(tMax, c.QueueMax.Load())
	f[stats.FSmax] = stats.MkU32(tMax, c.CurMax.Load())
	f[stats.FStot] = stats.MkU64(tCounter, c.CumSess.Load())
	f[stats.FBin] = stats.MkU64(tCounter, c.BytesIn.Load())
	f[stats.FBout] = stats.MkU64(tCounter, c.BytesOut.Load())
	f[stats.FDresp] = stats.MkU64(tCounter, c.DeniedResp.Load())
	f[stats.FEcon] = stats.MkU64(tCounter, c.FailedConns.Load())
	f[stats.FEresp] = stats.MkU64(tCounter, c.FailedResp.Load())
	f[stats.FWretr] = stats.MkU64(tCounter, c.Retries.Load())
	f[stats.FWredis] = stats.MkU64(tCounter, c.Redispatches.Load())
	f[stats.FWrew] = stats.MkU64(tCounter, c.FailedRewrites.Load())
	f[stats.FEint] = stats.MkU64(tCounter, c.InternalErrors.Load())
	f[stats.FConnect] = stats.MkU64(tCounter, c.Connect.Load())
	f[stats.FReuse] = stats.MkU64(tCounter, c.Reuse.Load())
	f[stats.FPid] = stats.MkU32(tKey, 1)
	f[stats.FLbtot] = stats.MkU64(tCounter, c.CumLB.Load())
	f[stats.FCliAbrt] = stats.MkU64(tCounter, c.CliAborts.Load())
	f[stats.FSrvAbrt] = stats.MkU64(tCounter, c.SrvAborts.Load())
	f[stats.FLastsess] = stats.MkS32(tAge, lastSession(c))
	q, ct, d, t := c.Averages(mode == config.ModeHTTP)
	f[stats.FQtime] = stats.MkU32(tAvg, q)
	f[stats.FCtime] = stats.MkU32(tAvg, ct)
	f[stats.FRtime] = stats.MkU32(tAvg, d)
	f[stats.FTtime] = stats.MkU32(tAvg, t)
	f[stats.FQtMax] = stats.MkU32(tMax, c.QTimeMax.Load())
	f[stats.FCtMax] = stats.MkU32(tMax, c.CTimeMax.Load())
	f[stats.FRtMax] = stats.MkU32(tMax, c.DTimeMax.Load())
	f[stats.FTtMax] = stats.MkU32(tMax, c.TTimeMax.Load())
	if mode == config.ModeHTTP {
		httpFields(r, &c.HTTP)
	}
	sslFields(r, &c.SSL)
}

// lastSession is how long ago the last session began, -1 for never.
func lastSession(c *counters.BE) int64 {
	t := c.LastSess.Load()
	if t == 0 {
		return -1
	}
	return max(time.Now().Unix()-t, 0)
}

func backendRow(be *proxy.Backend, legends bool) stats.Row {
	px := be.Config()
	st := be.State()
	c := &st.C
	r := stats.Row{Type: stats.TypeBackend, IID: px.ID}
	beFields(&r, c, px.Mode)
	f := &r.Fields
	f[stats.FPxname] = stats.MkStr(tName, px.Name)
	f[stats.FSvname] = stats.MkStr(tName, "BACKEND")
	f[stats.FMode] = stats.MkStr(tCfgSvc, modeName(px.Mode))
	f[stats.FQcur] = stats.MkU32(tGauge, uint64(st.QueueLen()))
	f[stats.FScur] = stats.MkU32(tGauge, uint64(st.Conns()))
	f[stats.FSlim] = stats.MkU32(tLimit, uint64(st.FullConn()))
	f[stats.FDreq] = stats.MkU64(tCounter, c.DeniedReq.Load())
	tot := st.TotalWeight()
	servers := be.Servers()
	status := "UP"
	if tot == 0 && len(servers) > 0 {
		status = "DOWN"
	}
	f[stats.FStatus] = stats.MkStr(tStatus, status)
	f[stats.FWeight] = stats.MkU32(tAvg, uint64(tot))
	act, bck := st.Counts()
	uw := usedUserWeight(servers, act, px.AllBackups)
	if st.Implicit() != nil {
		uw = 0 // no balancing, no weights (haproxy's tot_uweight stays 0)
	}
	f[stats.FUweight] = stats.MkU32(tAvg, uint64(uw))
	f[stats.FAct] = stats.MkU32(tGauge, uint64(act))
	f[stats.FBck] = stats.MkU32(tGauge, uint64(bck))
	f[stats.FChkdown] = stats.MkU64(tCounter, c.DownTrans.Load())
	f[stats.FLastchg] = stats.MkU32(tAge, uint64(max(time.Since(st.LastChange()), 0)/time.Second))
	if len(servers) > 0 {
		f[stats.FDowntime] = stats.MkU32(tCounter, uint64(st.Downtime()/time.Second))
	}
	f[stats.FIid] = stats.MkU32(tKeySvc, uint64(px.ID))
	f[stats.FSid] = stats.MkU32(tKeySvc, 0)
	f[stats.FType] = stats.MkU32(tCfgSvc, uint64(stats.TypeBackend))
	f[stats.FRate] = stats.MkU32(tGauge, uint64(c.SessRate.PerSecond()))
	f[stats.FRateMax] = stats.MkU32(tGauge, c.SessRate.Max())
	if legends {
		if px.Cookie != nil {
			f[stats.FCookie] = stats.MkStr(tCfgName, px.Cookie.Name())
		}
		algo := px.Balance.Kind.String()
		if st.Implicit() != nil {
			algo = "none" // dispatch or transparent: haproxy's BE_LB_ALGO_NONE
		}
		f[stats.FAlgo] = stats.MkStr(tCfgSvc, algo)
	}
	if px.Mode == config.ModeHTTP {
		f[stats.FCacheLookups] = stats.MkU64(tCounter, c.HTTP.CacheLkp.Load())
		f[stats.FCacheHits] = stats.MkU64(tCounter, c.HTTP.CacheHit.Load())
	}
	f[stats.FCompIn] = stats.MkU64(tCounter, c.CompIn.Load())
	f[stats.FCompOut] = stats.MkU64(tCounter, c.CompOut.Load())
	f[stats.FCompByp] = stats.MkU64(tCounter, c.CompByp.Load())
	f[stats.FCompRsp] = stats.MkU64(tCounter, c.HTTP.CompRsp.Load())
	f[stats.FAggSrvStatus] = stats.MkU32(tGauge, 0)
	f[stats.FAggSrvCheckStatus] = stats.MkU32(tGauge, 0)
	f[stats.FAggCheckStatus] = stats.MkU32(tGauge, 0)
	return r
}

// usedUserWeight is a backend's uweight as haproxy's
// stats_fill_be_stats_computesrv computes it: the user weights of the
// usable servers taking the traffic, the active ones while any is usable
// (act), else the backups: all of them under `option allbackups`, only
// the first usable one otherwise.
func usedUserWeight(servers []*backend.Server, act int, allBackups bool) int {
	uw := 0
	for _, s := range servers {
		backup := s.Settings().Backup
		if !s.Usable() || backup != (act == 0) {
			continue
		}
		if backup && !allBackups {
			return s.Weight()
		}
		uw += s.Weight()
	}
	return uw
}

func serverRow(be *proxy.Backend, s *backend.Server, legends bool) stats.Row {
	px := be.Config()
	set := s.Settings()
	c := &s.C
	r := stats.Row{Type: stats.TypeServer, IID: px.ID, SID: set.ID}
	beFields(&r, c, px.Mode)
	f := &r.Fields
	f[stats.FPxname] = stats.MkStr(tName, px.Name)
	f[stats.FSvname] = stats.MkStr(tName, s.Name)
	f[stats.FMode] = stats.MkStr(tCfgSvc, modeName(px.Mode))
	f[stats.FQcur] = stats.MkU32(tGauge, uint64(s.QueueLen()))
	f[stats.FScur] = stats.MkU32(tGauge, uint64(s.Cur.Load()))
	maxConn, _ := s.Limits()
	if maxConn > 0 {
		f[stats.FSlim] = stats.MkU32(tLimit, uint64(maxConn))
	}
	f[stats.FSrvIcur] = stats.MkU32(tGauge, uint64(s.Pool.Idle()))
	if set.Pool.MaxIdle >= 0 {
		f[stats.FSrvIlim] = stats.MkU32(tLimit, uint64(set.Pool.MaxIdle))
	}
	ref := s
	for t := ref.Tracked(); t != nil; t = t.Tracked() {
		ref = t
	}
	refSet := ref.Settings()
	chk, health := ref.LastCheck()
	checked := refSet.Check != nil
	f[stats.FStatus] = stats.MkStr(tStatus, serverStatus(s, ref, chk, health))
	f[stats.FLastchg] = stats.MkU32(tAge, uint64(max(time.Since(s.LastChange()), 0)/time.Second))
	f[stats.FWeight] = stats.MkU32(tAvg, uint64(s.EWeight()))
	f[stats.FUweight] = stats.MkU32(tAvg, uint64(s.Weight()))
	act, bck := uint64(1), uint64(0)
	if set.Backup {
		act, bck = 0, 1
	}
	f[stats.FAct] = stats.MkU32(tStatus, act)
	f[stats.FBck] = stats.MkU32(tStatus, bck)
	if set.Check != nil {
		f[stats.FChkfail] = stats.MkU64(tCounter, c.FailedChecks.Load())
		f[stats.FChkdown] = stats.MkU64(tCounter, c.DownTrans.Load())
		f[stats.FDowntime] = stats.MkU32(tCounter, uint64(s.Downtime()/time.Second))
	}
	if set.MaxQueue > 0 {
		f[stats.FQlimit] = stats.MkU32(tCfgSvc, uint64(set.MaxQueue))
	}
	f[stats.FIid] = stats.MkU32(tKeySvc, uint64(px.ID))
	f[stats.FSid] = stats.MkU32(tKeySvc, uint64(set.ID))
	if pct, ok := s.ThrottlePct(); ok {
		f[stats.FThrottle] = stats.MkU32(tAvg, uint64(pct))
	}
	if set.Track != "" {
		f[stats.FTracked] = stats.MkStr(tCfgName, set.Track)
	}
	f[stats.FType] = stats.MkU32(tCfgSvc, uint64(stats.TypeServer))
	f[stats.FRate] = stats.MkU32(tRate, uint64(c.SessRate.PerSecond()))
	f[stats.FRateMax] = stats.MkU32(tMax, c.SessRate.Max())
	if set.Check != nil && !s.ChecksDisabled(false) {
		own, _ := s.LastCheck()
		checkFields(f, own, stats.FCheckStatus, stats.FCheckCode, stats.FCheckDuration, stats.FCheckDesc, stats.FLastChk)
		f[stats.FCheckRise] = stats.MkU32(tCfgSvc, uint64(refSet.Check.Rise))
		f[stats.FCheckFall] = stats.MkU32(tCfgSvc, uint64(refSet.Check.Fall))
		f[stats.FCheckHealth] = stats.MkU32(tCfgSvc, uint64(health))
	}
	if ag := set.Agent; ag != nil && !s.ChecksDisabled(true) {
		res, n := s.LastAgent()
		checkFields(f, res, stats.FAgentStatus, stats.FAgentCode, stats.FAgentDuration, stats.FAgentDesc, stats.FLastAgt)
		f[stats.FAgentDuration] = stats.MkU64(tDur, uint64(res.Duration/time.Millisecond))
		f[stats.FAgentRise] = stats.MkU32(tCfgSvc, uint64(ag.Rise))
		f[stats.FAgentFall] = stats.MkU32(tCfgSvc, uint64(ag.Fall))
		f[stats.FAgentHealth] = stats.MkU32(tCfgSvc, uint64(n))
	}
	if refSet.Observe != 0 && checked {
		f[stats.FHanafail] = stats.MkU64(tCounter, c.FailedHANA.Load())
	}
	if legends {
		f[stats.FAddr] = stats.MkStr(tCfgSvc, set.Addr) // as dialled: IPv6 already in brackets
		if set.Cookie != "" {
			f[stats.FCookie] = stats.MkStr(tCfgName, set.Cookie)
		}
	}
	idle, safe := s.Pool.IdleSafe()
	f[stats.FIdleConnCur] = stats.MkU32(tGauge, uint64(idle))
	f[stats.FSafeConnCur] = stats.MkU32(tGauge, uint64(safe))
	f[stats.FUsedConnCur] = stats.MkU32(tGauge, uint64(s.Pool.Used()))
	f[stats.FNeedConnEst] = stats.MkU32(tGauge, uint64(s.Pool.NeedEstimate()))
	return r
}

// checkFields fills a check's status fields: the short status, its code
// when it has one, its duration once it ran, its description and the
// last result's words.
func checkFields(f *[stats.NumStat]stats.Field, res check.Result, status, code, dur, desc, last stats.Stat) {
	f[status] = stats.MkStr(tOutput, res.Status.String())
	if res.Status.HasCode() {
		f[code] = stats.MkU32(tOutput, uint64(res.Code))
	}
	if res.Status > check.StatusInit {
		f[dur] = stats.MkU64(tDur, uint64(res.Duration/time.Millisecond))
	}
	f[desc] = stats.MkStr(tOutput, res.Status.Description())
	f[last] = stats.MkStr(tOutput, res.Desc)
}

// serverStatus is the status column: MAINT (via …), DRAIN, UP 1/3 while
// going down, DOWN 1/2 while going up, "no check"…, as haproxy words it.
func serverStatus(s, ref *backend.Server, chk check.Result, health int) string {
	op, adm := s.State()
	refSet := ref.Settings()
	checked := refSet.Check != nil && !ref.ChecksDisabled(false)
	agent := refSet.Agent != nil && !ref.ChecksDisabled(true)
	rise, fall := 0, 0
	if checked {
		rise, fall = refSet.Check.Rise, refSet.Check.Fall
	}
	switch {
	case adm&backend.AdminIMaint != 0:
		return "MAINT (via " + ref.Backend() + "/" + ref.Name + ")"
	case adm&backend.AdminMaint != 0:
		return "MAINT"
	}
	switch op {
	case backend.Running, backend.Starting:
		goingDown := checked && health < rise+fall-1
		st := "UP"
		if goingDown {
			st = "UP " + strconv.Itoa(health-rise+1) + "/" + strconv.Itoa(fall)
		}
		if adm&backend.AdminDrain != 0 {
			switch {
			case agent:
				return "DRAIN (agent)"
			case goingDown:
				return "DRAIN " + strconv.Itoa(health-rise+1) + "/" + strconv.Itoa(fall)
			}
			return "DRAIN"
		}
		if st == "UP" && !checked {
			return "no check"
		}
		return st
	case backend.Stopping:
		if !checked && s.Settings().Track == "" || health == rise+fall-1 {
			return "NOLB"
		}
		return "NOLB " + strconv.Itoa(health-rise+1) + "/" + strconv.Itoa(fall)
	}
	_, agHealth := ref.LastAgent()
	switch {
	case agent && agHealth == 0:
		return "DOWN (agent)"
	case checked && health == 0:
		return "DOWN"
	case agent || checked:
		return "DOWN " + strconv.Itoa(health) + "/" + strconv.Itoa(rise)
	}
	return "DOWN"
}

// listenerRow is a bind's row (option socket-stats), as haproxy's
// stats_fill_li_stats: named by the bind's `name`, or sock-N by position.
func listenerRow(fe *proxy.Frontend, b *config.Bind, luid int, legends bool) stats.Row {
	px := fe.Config()
	r := stats.Row{Type: stats.TypeListener, IID: px.ID, SID: luid}
	c := fe.ListenerCounters(b.Key())
	if c == nil {
		c = &counters.FE{}
	}
	name := b.Name
	if name == "" {
		name = "sock-" + strconv.Itoa(luid)
	}
	_, limit := fe.Conns()
	if b.MaxConn > 0 {
		limit = b.MaxConn
	}
	cur := uint64(max(c.Cur.Load(), 0))
	status := "OPEN"
	if limit > 0 && cur >= uint64(limit) {
		status = "FULL"
	}
	f := &r.Fields
	// slim is the bind's own maxconn (0 when unset), as haproxy shows
	// it; the frontend's limit, which the listener also obeys, only
	// makes it FULL.
	feFields(&r, px, name, c, cur, b.MaxConn)
	f[stats.FStot] = stats.MkU64(tCounter, c.CumConn.Load()) // haproxy: a listener's stot is its connections
	f[stats.FStatus] = stats.MkStr(tStatus, status)
	f[stats.FPid] = stats.MkU32(tKey, 1)
	f[stats.FIid] = stats.MkU32(tKeySvc, uint64(px.ID))
	f[stats.FSid] = stats.MkU32(tKeySvc, uint64(luid))
	f[stats.FType] = stats.MkU32(tCfgSvc, uint64(stats.TypeListener))
	f[stats.FWrew] = stats.MkU64(tCounter, c.FailedRewrites.Load())
	f[stats.FEint] = stats.MkU64(tCounter, c.InternalErrors.Load())
	if legends && b.Network != "unix" && b.Network != "fd" {
		f[stats.FAddr] = stats.MkStr(tCfgSvc, b.Addr)
	}
	return r
}
