package stats

import "strings"

// The server rows of the HTML page: their colour, their status and check
// cells, which say the most about a server's state.

// serverClass is the row's class, which gives its colour: the state as
// its status tells it, refined by its health (a server UP but whose
// checks are failing is "going down") and its weight (UP with weight 0 is
// as good as draining).
func serverClass(r *Row) string {
	st := r.str(FStatus)
	if srvMaint(st) {
		return "maintain"
	}
	var style string
	switch {
	case st == "DOWN" || st == "DOWN (agent)":
		style = "down"
	case strings.HasPrefix(st, "DOWN "):
		style = "going_up"
	case st == "DRAIN":
		style = "draining"
	case strings.HasPrefix(st, "NOLB "):
		style = "going_down"
	case st == "NOLB":
		style = "nolb"
	case st == "no check":
		style = "no_check"
	case !r.has(FChkfail) || r.num32(FCheckHealth) == r.num32(FCheckRise)+r.num32(FCheckFall)-1:
		style = "up"
		if r.num32(FWeight) == 0 {
			style = "draining"
		}
	default:
		style = "going_down"
	}
	if r.num32(FBck) != 0 {
		return "backup_" + style
	}
	return "active_" + style
}

func (w *hw) serverRow(r *Row, p *pageCtx) {
	px, sv, st := r.str(FPxname), r.str(FSvname), r.str(FStatus)
	http := r.str(FMode) == "http"
	w.s(`<tr class="`, serverClass(r), `">`)
	if p.admin {
		w.s(`<td><input class="`)
		w.e(px)
		w.s(`-checkbox" type="checkbox" name="s" value="`)
		w.e(sv)
		w.s(`"></td>`)
	}
	w.s("<td class=ac>")
	if p.legends {
		w.s("<u>")
	}
	w.anchor(px+"/"+sv, sv)
	if p.legends {
		w.addrTip(r)
		w.cookieTip(r)
		w.s("</div></u>")
	}
	w.s("</td>")
	w.td(r.num(FQcur))
	w.td(r.num(FQmax))
	w.s("<td>")
	w.lim(r.num(FQlimit), "-")
	w.s("</td>")
	w.td(r.num(FRate))
	w.td(r.num(FRateMax))
	w.s("<td></td><td>")
	w.tip(r.num(FScur))
	w.tipRow("Current active connections:", r.num(FScur))
	w.tipRow("Current used connections:", r.num(FUsedConnCur))
	w.tipRow("Current idle connections:", r.num(FSrvIcur))
	w.tipRow("- unsafe:", r.num(FIdleConnCur))
	w.tipRow("- safe:", r.num(FSafeConnCur))
	w.tipRow("Estimated need of connections:", r.num(FNeedConnEst))
	w.s("<tr><th>Active connections limit:</th><td>")
	w.lim(r.num(FSlim), "-")
	w.s("</td></tr><tr><th>Idle connections limit:</th><td>")
	if r.has(FSrvIlim) {
		w.n(r.num(FSrvIlim))
	} else {
		w.s("-")
	}
	w.s("</td></tr>")
	w.endTip()
	w.s("</td>")
	w.td(r.num(FSmax))
	w.s("<td>")
	w.lim(r.num(FSlim), "-")
	w.s("</td><td>")
	w.tip(r.num(FStot))
	w.tipRow("Cum. sessions:", r.num(FStot))
	if http {
		w.connReuse(r)
		w.tipRow("Cum. HTTP requests:", r.num(FReqTot))
		req := r.num(FReqTot)
		for _, c := range [...]struct {
			label string
			f     Stat
		}{{"1xx", FHrsp1xx}, {"2xx", FHrsp2xx}, {"3xx", FHrsp3xx}, {"4xx", FHrsp4xx}, {"5xx", FHrsp5xx}} {
			w.tipPct("- HTTP "+c.label+" responses:", r.num(c.f), pct(r.num(c.f), req))
		}
		w.tipPct("- other responses:", r.num(FHrspOther), pct(r.num(FHrspOther), req))
		w.tipRow("Failed hdr rewrites:", r.num(FWrew))
		w.tipRow("Internal error:", r.num(FEint))
	}
	w.times(r, http)
	w.endTip()
	w.s("</td>")
	w.td(r.num(FLbtot))
	w.s("<td>")
	w.t(int64(int32(r.num(FLastsess))))
	w.s("</td>")
	w.td(r.num(FBin))
	w.td(r.num(FBout))
	w.s("<td></td>")
	w.td(r.num(FDresp))
	w.s("<td></td>")
	w.td(r.num(FEcon))
	w.errResp(r)
	w.s("<td>")
	w.d(int64(r.num(FWretr)))
	w.s("</td><td>")
	w.d(int64(r.num(FWredis)))
	w.s("</td>")
	w.serverStatus(r, st)
	w.s("<td class=ac>")
	w.d(int64(r.num32(FWeight)))
	w.s("/")
	w.d(int64(r.num32(FUweight)))
	if r.num32(FBck) != 0 {
		w.s("</td><td class=ac>-</td><td class=ac>Y</td>")
	} else {
		w.s("</td><td class=ac>Y</td><td class=ac>-</td>")
	}
	w.serverChecks(r, st)
	if r.has(FThrottle) {
		w.s("<td class=ac>")
		w.d(int64(r.num32(FThrottle)))
		w.s(" %</td>")
	} else {
		w.s("<td class=ac>-</td>")
	}
	w.s("</tr>\n")
}

// serverStatus is the Status and LastChk cells: how long the server has
// been in its state, with an arrow when its health is moving, then the
// last check's (or, when the agent holds it down, the agent's) result.
func (w *hw) serverStatus(r *Row, st string) {
	w.s("<td class=ac>")
	switch {
	case srvMaint(st):
		w.t(int64(r.num32(FLastchg)))
		w.s(" MAINT")
	case st == "no check":
		w.s("<i>no check</i>")
	default:
		w.t(int64(r.num32(FLastchg)))
		w.s(" ")
		w.e(st)
		health := r.num32(FCheckHealth)
		if strings.HasPrefix(st, "DOWN") {
			if health != 0 {
				w.s(" &uarr;")
			}
		} else if health < r.num32(FCheckRise)+r.num32(FCheckFall)-1 {
			w.s(" &darr;")
		}
	}
	w.s("</td>")
	status, code, dur, desc, last := FCheckStatus, FCheckCode, FCheckDuration, FCheckDesc, FLastChk
	if strings.HasPrefix(st, "DOWN") && r.has(FAgentStatus) && r.num32(FAgentHealth) == 0 {
		status, code, dur, desc, last = FAgentStatus, FAgentCode, FAgentDuration, FAgentDesc, FLastAgt
	} else if !r.has(FCheckStatus) {
		w.s("<td></td>")
		return
	}
	w.s("<td class=ac><u> ")
	w.e(r.str(status))
	if r.has(code) {
		w.s("/")
		w.d(int64(r.num32(code)))
	}
	if r.has(dur) {
		w.s(" in ")
		w.d(int64(r.num(dur)))
		w.s("ms")
	}
	w.s("<div class=tips>")
	w.e(r.str(desc))
	if l := r.str(last); l != "" {
		w.s(": ")
		w.e(l)
	}
	w.s("</div></u></td>")
}

// serverChecks is the Chk, Dwn and Dwntme cells, or one cell across them
// for a server that is not checked itself.
func (w *hw) serverChecks(r *Row, st string) {
	switch {
	case st == "MAINT (resolution)":
		w.s("<td class=ac colspan=3>resolution</td>")
	case r.has(FChkfail):
		w.s("<td><u>")
		w.d(int64(r.num(FChkfail)))
		if r.has(FHanafail) {
			w.s("/")
			w.d(int64(r.num(FHanafail)))
		}
		w.s("<div class=tips>Failed Health Checks")
		if r.has(FHanafail) {
			w.s("/Health Analyses")
		}
		w.s("</div></u></td><td>")
		w.d(int64(r.num(FChkdown)))
		w.s("</td><td>")
		w.t(int64(r.num32(FDowntime)))
		w.s("</td>")
	case st != "MAINT" && r.has(FTracked):
		w.s(`<td class=ac colspan=3><a class=lfsb href="#`)
		w.e(r.str(FTracked))
		w.s(`">via `)
		w.e(r.str(FTracked))
		w.s("</a></td>")
	default:
		w.s("<td colspan=3></td>")
	}
}
