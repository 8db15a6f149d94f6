package admin

import (
	"errors"
	"net"
	"strconv"

	"switchyard/backend"
	"switchyard/check"
	"switchyard/config"
	"switchyard/proxy"
)

// Backends returns the names of the backends (and listen sections) in
// configuration order (`show backend`).
func (a *Surface) Backends() []string {
	var out []string
	for _, px := range a.rt.Snapshot().Proxies() {
		if px.Cap&config.CapBE != 0 {
			out = append(out, px.Name)
		}
	}
	return out
}

// Servers returns the state of the servers of one backend ("" for all),
// for `show servers state`, `show servers conn` and `show backend`; the
// error is haproxy's for an unknown backend.
func (a *Surface) Servers(be string) ([]ServerView, error) {
	snap := a.rt.Snapshot()
	var out []ServerView
	found := false
	for _, px := range snap.Proxies() {
		if px.Cap&config.CapBE == 0 || be != "" && px.Name != be {
			continue
		}
		b := snap.Backend(px.Name)
		if b == nil {
			continue
		}
		found = true
		for _, s := range b.Servers() {
			out = append(out, serverView(b, s))
		}
	}
	if be != "" && !found {
		return nil, errors.New("Can't find backend.\n")
	}
	return out, nil
}

// haproxy's numbers for the states `show servers state` prints (and
// server-state-file stores): SRV_ST_*, HCHK_STATUS_*, CHK_RES_*, CHK_ST_*.
var opNumbers = [...]int{backend.Stopped: 0, backend.Starting: 1, backend.Running: 2, backend.Stopping: 3}

var checkStatusNumbers = [...]int{
	check.StatusUnknown: 0, check.StatusInit: 1, check.StatusSockErr: 5, check.StatusL4OK: 6,
	check.StatusL4Timeout: 7, check.StatusL4Conn: 8, check.StatusL6OK: 9, check.StatusL6Timeout: 10,
	check.StatusL6Resp: 11, check.StatusL7Timeout: 12, check.StatusL7Resp: 13, check.StatusL7OK: 15,
	check.StatusL7OKCond: 16, check.StatusL7Status: 17,
}

const (
	chkConfigured = 0x02
	chkEnabled    = 0x04
	chkPaused     = 0x08 // checks paused by maintenance (the health check only)
	chkAgent      = 0x10
)

func checkResultNumber(st check.Status) int {
	if st <= check.StatusInit {
		return 0 // no check has ended yet: CHK_RES_UNKNOWN
	}
	switch st.Outcome() {
	case check.Passed:
		return 3
	case check.CondPass:
		return 4
	case check.Neutral:
		return 1
	}
	return 2
}

func serverView(b *proxy.Backend, s *backend.Server) ServerView {
	set := s.Settings()
	op, adm := s.State()
	px := b.Config()
	v := ServerView{
		Backend: px.Name, BackendID: px.ID, Name: s.Name, ID: set.ID,
		OpState: opNumbers[op], AdminState: int(adm),
		UWeight: s.Weight(), IWeight: set.Weight,
		LastChange: int64(s.LastChange().Unix()),
		Cur:        int(s.Cur.Load()), Idle: s.Pool.Idle(),
		UseSSL: int(set.UseSSL),
	}
	host, port, err := net.SplitHostPort(set.Addr)
	if err == nil {
		v.Addr = host
		v.Port, _ = strconv.Atoi(port)
	} else {
		v.Addr = set.Addr
	}
	res, n := s.LastCheck()
	v.CheckStatus = checkStatusNumbers[res.Status]
	v.CheckResult = checkResultNumber(res.Status)
	v.CheckHealth = n
	if set.Check == nil {
		// haproxy keeps a check structure for every server, at its
		// configured rise and never run.
		v.CheckResult, v.CheckHealth = 0, set.Rise
	}
	if cs := set.Check; cs != nil {
		v.CheckState = chkConfigured
		if !s.ChecksDisabled(false) {
			v.CheckState |= chkEnabled
		}
	}
	if adm&backend.AdminMaint != 0 {
		// haproxy pauses a running health check in maintenance and
		// zeroes its health; `disabled` pauses it from the start,
		// checked or not.
		v.CheckHealth = 0
		if v.CheckState&chkEnabled != 0 || set.Disabled && adm&backend.AdminCMaint != 0 {
			v.CheckState |= chkPaused
		}
	}
	if as := set.Agent; as != nil {
		v.AgentState = chkConfigured | chkAgent
		if !s.ChecksDisabled(true) {
			v.AgentState |= chkEnabled
		}
	}
	// haproxy keeps both targets for every server, checked or not.
	v.CheckAddr, v.CheckPort = set.CheckTarget.Addr, set.CheckTarget.Port
	v.AgentAddr, v.AgentPort = set.AgentTarget.Addr, set.AgentTarget.Port
	return v
}
