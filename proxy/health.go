package proxy

import (
	"cmp"
	"log/slog"

	"switchyard/backend"
	"switchyard/check"
	"switchyard/config"
	"switchyard/logsink"
)

// backendSettings are what a backend section tells its long-lived state:
// the algorithm, the backup policy, and where its state messages go.
func (g *staged) backendSettings(px *config.Proxy, gl *config.Global, algo backend.Algorithm, fullConn int) backend.BackendSettings {
	kind := "backend"
	if px.Cap&config.CapFE != 0 {
		kind = "proxy" // haproxy names a listen section so in these messages
	}
	set := backend.BackendSettings{
		Algo: algo, AllBackups: px.AllBackups, LogHealthChecks: px.Log.HealthChecks, Kind: kind, FullConn: fullConn,
		Log: stateLog(px, gl, g.st.log), Transparent: px.Transparent,
	}
	if px.Dispatch != nil {
		set.Dispatch = px.Dispatch.Addr
	}
	return set
}

// defaultFullConn computes each backend's fullconn when it sets none, as
// haproxy does: 10% of the maxconn of the frontends that may use it
// (default_backend, use_backend, or a listen section's own), maxconn
// being the process's default for the frontends that set none.
func defaultFullConn(cfg *config.Config, maxconn int) map[string]int {
	sum := map[string]int{}
	for _, px := range cfg.Proxies {
		if px.Cap&config.CapFE == 0 {
			continue
		}
		feMax := px.MaxConn
		if feMax == 0 {
			feMax = maxconn
		}
		seen := map[string]bool{}
		add := func(be string) {
			if be != "" && !seen[be] {
				seen[be] = true
				sum[be] += feMax
			}
		}
		add(px.DefaultBackend)
		if px.Cap&config.CapBE != 0 {
			add(px.Name)
		}
		for _, ub := range px.UseBackends {
			add(ub.Backend)
		}
	}
	out := map[string]int{}
	for _, px := range cfg.Proxies {
		if px.Cap&config.CapBE == 0 {
			continue
		}
		out[px.Name] = px.FullConn
		if px.FullConn == 0 {
			out[px.Name] = (sum[px.Name] + 9) / 10
		}
	}
	return out
}

// stateLog sends a backend's state messages where haproxy sends them: to
// the section's log targets (send_log) and to the process's own log, at
// warning level or above (ha_warning, ha_alert).
func stateLog(px *config.Proxy, gl *config.Global, plog *slog.Logger) func(level int, msg string) {
	targets := px.Log.Targets
	meta := logMeta(px, gl)
	return func(level int, msg string) {
		logsink.Send(targets, &meta, level, []byte(msg), nil)
		if plog == nil {
			return
		}
		if level <= backend.LevelAlert {
			plog.Error(msg)
		} else {
			plog.Warn(msg)
		}
	}
}

// serverSettings compiles a server line for the backend package.
func serverSettings(px *config.Proxy, sc *config.Server, rules backend.Prober) backend.ServerSettings {
	set := backend.ServerSettings{
		Name: sc.Name, ID: sc.ID, Addr: sc.Addr, MapPorts: sc.MapPorts, Weight: sc.Weight, Pool: sc.PoolSettings(),
		Backup: sc.Backup, Disabled: sc.Disabled,
		MaxConn: sc.MaxConn, MaxQueue: sc.MaxQueue, MinConn: sc.MinConn, Cookie: serverCookie(px, sc),
		SendProxy: sc.SendProxy, Referenced: sc.Referenced, Socks4: sc.Socks4,
	}
	set.PreparedTLS, set.UseSSL = tlsToServer(sc), sc.TLS.UseSSL()
	if sc.TLS.On {
		set.TLS = set.PreparedTLS
	}
	_, set.Rise, _ = sc.CheckTimings()
	set.CheckTarget = backend.Target{Addr: sc.CheckAddr, Port: cmp.Or(sc.CheckPort, sc.CheckAddrPort)}
	set.AgentTarget.Addr, set.AgentTarget.Port = sc.AgentTarget()
	if sc.Check {
		set.Check = checkSettings(px, sc, rules)
	}
	h := sc.Health()
	if h.Agent {
		set.Agent = agentSettings(px, sc)
	}
	set.SlowStart = h.SlowStart
	set.Observe, set.ErrorLimit, set.OnError = h.Observe, h.ErrorLimit, h.OnError
	set.OnMarkedDown, set.OnMarkedUp = h.OnMarkedDown, h.OnMarkedUp
	if be, srv, ok := sc.TrackTarget(px); ok {
		set.Track = be + "/" + srv
	}
	return set
}

// tlsToServer compiles a server's TLS settings, prepared whether or not
// its connections speak TLS now (nil: none prepared). A constant `sni`
// is in the configuration already (config sets it); one that varies is
// computed per connection (serverSNI).
func tlsToServer(sc *config.Server) *backend.TLS {
	t := &sc.TLS
	if t.Client == nil {
		return nil
	}
	return &backend.TLS{Config: t.Client, SNI: t.SNI, NoReuse: t.NoReuse, Cert: t.Ref,
		SNIVaries: t.SNI != nil && !t.SNI.Constant()}
}

// agentSettings are an agent-check's timings (its address is the server's
// AgentTarget): agent-inter (haproxy's own default, 2s, not inter), and
// the timeouts a check gets, with agent-inter in place of inter.
func agentSettings(px *config.Proxy, sc *config.Server) *backend.AgentSettings {
	h := sc.Health()
	inter := h.AgentInter
	if inter == 0 {
		inter = config.DefaultAgentInter
	}
	as := &backend.AgentSettings{
		Send: h.AgentSend, Inter: inter,
		Rise: 1, Fall: 1, // haproxy's DEF_AGENT_RISETIME and DEF_AGENT_FALLTIME
		ConnectTimeout: inter, Timeout: inter,
	}
	if t := px.Timeouts.Check; t > 0 {
		if c := px.Timeouts.Connect; c > 0 {
			as.ConnectTimeout = min(c, inter)
		}
		as.ReadTimeout, as.Timeout = t, 0
	}
	return as
}

// checkSettings are a checked server's check timings (its address is the
// server's CheckTarget), with
// haproxy's defaults and its timeouts: with `timeout check`, connecting
// takes at most min(timeout connect, inter) and reading timeout check;
// without, inter bounds the whole check.
func checkSettings(px *config.Proxy, sc *config.Server, rules backend.Prober) *backend.CheckSettings {
	inter, rise, fall := sc.CheckTimings()
	cs := &backend.CheckSettings{
		Rules: rules, SendProxy: sc.CheckSendProxy, TLS: checkTLS(sc),
		Inter: inter, FastInter: sc.FastInter, DownInter: sc.DownInter, Rise: rise, Fall: fall,
		ConnectTimeout: inter, Timeout: inter,
	}
	if t := px.Timeouts.Check; t > 0 {
		if c := px.Timeouts.Connect; c > 0 {
			cs.ConnectTimeout = min(c, inter)
		}
		cs.ReadTimeout, cs.Timeout = t, 0
	}
	return cs
}

// checkTLS is how a server's checks speak TLS: the default connection
// does with check-ssl, or with the server's `ssl` when checks go to the
// server's own address and port (haproxy's init_srv_check); `connect
// ssl` rules do with the server's TLS settings. A dynamic server's
// checks need check-ssl, as in haproxy.
func checkTLS(sc *config.Server) check.TLS {
	t := &sc.TLS
	if t.Client == nil {
		return check.TLS{}
	}
	own := sc.CheckPort == 0 && sc.CheckAddr == "" && !sc.Dynamic
	return check.TLS{Config: t.Client, Default: t.CheckSSL || t.On && own, SNI: t.CheckSNI, ALPN: t.CheckALPN}
}

// checkRules compiles a backend's check (option httpchk, tcp-check…), or
// the plain connect check when it configures none; nil when no server of
// the section is checked.
func checkRules(px *config.Proxy) (backend.Prober, error) {
	checked := false
	for _, sc := range px.Servers {
		checked = checked || sc.Check
	}
	if !checked {
		return nil, nil
	}
	return px.Check.Build(px.Mode == config.ModeHTTP)
}
