package stats

// The rows of the HTML page. Each proxy's table has the columns haproxy's
// page has, in its order: the name; Queue cur/max/limit; Session rate
// cur/max/limit; Sessions cur/max/limit/total/lbtot/last; Bytes in/out;
// Denied req/resp; Errors req/conn/resp; Warnings retr/redis; Server
// status/lastchk/wght/act/bck/chk/dwn/dwntme/thrtle. The details that
// would not fit are in tooltips (a <u> holding a div.tips).

// tip opens a tooltip on a cell's value; endTip closes it.
func (w *hw) tip(value uint64) { w.s("<u>"); w.n(value); w.s("<div class=tips><table class=det>") }
func (w *hw) endTip()          { w.s("</table></div></u>") }

// tipRow is one line of a tooltip's table, its value followed by extra
// cells (units, percentages) when given.
func (w *hw) tipRow(label string, v uint64, after ...string) {
	w.s("<tr><th>", label, "</th><td>")
	w.n(v)
	w.s(after...)
	w.s("</td></tr>")
}

func (w *hw) tipPct(label string, v uint64, p int64) {
	w.s("<tr><th>", label, "</th><td>")
	w.n(v)
	w.s("</td><td>(")
	w.d(p)
	w.s("%)</td></tr>")
}

func (w *hw) tipMs(label string, max, avg uint64) {
	w.s("<tr><th>", label, "</th><td>")
	w.n(max)
	w.s(" / ")
	w.n(avg)
	w.s("</td><td>ms</td></tr>")
}

// anchor is a row's name cell content: a target for links to it and a
// link to itself.
func (w *hw) anchor(target, text string) {
	w.s(`<a name="`)
	w.e(target)
	w.s(`"></a><a class=lfsb href="#`)
	w.e(target)
	w.s(`">`)
	w.e(text)
	w.s("</a>")
}

// addrTip is the legend of a server or listener: its address and id.
func (w *hw) addrTip(r *Row) {
	w.s("<div class=tips>")
	addr := r.str(FAddr)
	switch {
	case addr == "":
	case addr[0] >= '0' && addr[0] <= '9':
		w.s("IPv4: ")
		w.e(addr)
		w.s(", ")
	case addr[0] == '[':
		w.s("IPv6: ")
		w.e(addr)
		w.s(", ")
	default:
		w.e(addr)
		w.s(", ")
	}
	w.s("id: ")
	w.d(int64(r.num32(FSid)))
}

func (w *hw) cookieTip(r *Row) {
	if r.has(FCookie) {
		w.s(", cookie: '")
		w.e(r.str(FCookie))
		w.s("'")
	}
}

// httpCounts are the HTTP lines of the session tooltips.
func (w *hw) httpCounts(r *Row, fe bool) {
	w.tipRow("Cum. HTTP requests:", r.num(FReqTot))
	w.tipRow("- HTTP 1xx responses:", r.num(FHrsp1xx))
	w.tipRow("- HTTP 2xx responses:", r.num(FHrsp2xx))
	w.tipPct("&nbsp;&nbsp;Compressed 2xx:", r.num(FCompRsp), pct(r.num(FCompRsp), r.num(FHrsp2xx)))
	w.tipRow("- HTTP 3xx responses:", r.num(FHrsp3xx))
	w.tipRow("- HTTP 4xx responses:", r.num(FHrsp4xx))
	w.tipRow("- HTTP 5xx responses:", r.num(FHrsp5xx))
	w.tipRow("- other responses:", r.num(FHrspOther))
	if fe {
		w.tipRow("Intercepted requests:", r.num(FIntercepted))
	}
	w.tipRow("Cache lookups:", r.num(FCacheLookups))
	w.tipPct("Cache hits:", r.num(FCacheHits), pct(r.num(FCacheHits), r.num(FCacheLookups)))
	w.tipRow("Failed hdr rewrites:", r.num(FWrew))
	w.tipRow("Internal errors:", r.num(FEint))
}

// connReuse is the new/reused connections lines of a backend or server.
func (w *hw) connReuse(r *Row) {
	w.tipRow("New connections:", r.num(FConnect))
	w.tipPct("Reused connections:", r.num(FReuse), pct(r.num(FReuse), r.num(FConnect)+r.num(FReuse)))
}

// times is the queue/connect/response/total times of a backend or server.
func (w *hw) times(r *Row, http bool) {
	w.s("<tr><th colspan=3>Max / Avg over last 1024 success. conn.</th></tr>")
	w.tipMs("- Queue time:", r.num(FQtMax), r.num(FQtime))
	w.tipMs("- Connect time:", r.num(FCtMax), r.num(FCtime))
	if http {
		w.tipMs("- Responses time:", r.num(FRtMax), r.num(FRtime))
	}
	w.tipMs("- Total time:", r.num(FTtMax), r.num(FTtime))
}

// bytesOut is the Bytes/Out cell, with the compression figures.
func (w *hw) bytesOut(r *Row) {
	in, out, byp, bout := r.num(FCompIn), r.num(FCompOut), r.num(FCompByp), r.num(FBout)
	comp := in != 0 || byp != 0 // underline only when there is something to see
	w.s("<td>")
	if comp {
		w.s("<u>")
	}
	w.n(bout)
	w.s("<div class=tips><table class=det>")
	w.tipRow("Response bytes in:", bout)
	w.tipRow("Compression in:", in)
	w.tipPct("Compression out:", out, pct(out, in))
	w.tipRow("Compression bypass:", byp)
	w.tipPct("Total bytes saved:", in-out, pct(in-out, bout))
	w.s("</table></div>")
	if comp {
		w.s("</u>")
	}
	w.s("</td>")
}

// errResp is the Errors/Resp cell, with the aborts.
func (w *hw) errResp(r *Row) {
	w.s("<td><u>")
	w.n(r.num(FEresp))
	w.s("<div class=tips>Connection resets during transfers: ")
	w.d(int64(r.num(FCliAbrt)))
	w.s(" client, ")
	w.d(int64(r.num(FSrvAbrt)))
	w.s(" server</div></u></td>")
}

func (w *hw) td(v uint64) { w.s("<td>"); w.n(v); w.s("</td>") }

func (w *hw) frontendRow(r *Row, p *pageCtx) {
	http := r.str(FMode) == "http"
	w.s(`<tr class="frontend">`)
	if p.admin {
		w.s("<td></td>")
	}
	w.s("<td class=ac>")
	w.anchor(r.str(FPxname)+"/Frontend", "Frontend")
	w.s("</td><td colspan=3></td><td>")
	w.tip(r.num(FRate))
	w.tipRow("Current connection rate:", r.num(FConnRate), "/s")
	w.tipRow("Current session rate:", r.num(FRate), "/s")
	if http {
		w.tipRow("Current request rate:", r.num(FReqRate), "/s")
	}
	w.endTip()
	w.s("</td><td>")
	w.tip(r.num(FRateMax))
	w.tipRow("Max connection rate:", r.num(FConnRateMax), "/s")
	w.tipRow("Max session rate:", r.num(FRateMax), "/s")
	if http {
		w.tipRow("Max request rate:", r.num(FReqRateMax), "/s")
	}
	w.endTip()
	w.s("</td><td>")
	w.lim(r.num(FRateLim), "-")
	w.s("</td>")
	w.td(r.num(FScur))
	w.td(r.num(FSmax))
	w.td(r.num(FSlim))
	w.s("<td>")
	w.tip(r.num(FStot))
	w.tipRow("Cum. connections:", r.num(FConnTot))
	w.tipRow("Cum. sessions:", r.num(FStot))
	if http {
		w.httpCounts(r, true)
	}
	w.endTip()
	w.s("</td><td></td><td></td>")
	w.td(r.num(FBin))
	w.bytesOut(r)
	w.td(r.num(FDreq))
	w.td(r.num(FDresp))
	w.td(r.num(FEreq))
	w.s("<td></td><td></td><td></td><td></td><td class=ac>")
	w.e(r.str(FStatus))
	w.s("</td><td class=ac colspan=8></td></tr>")
}

func (w *hw) listenerRow(r *Row, p *pageCtx) {
	w.s("<tr class=socket>")
	if p.admin {
		w.s("<td></td>")
	}
	w.s("<td class=ac>")
	if p.legends {
		w.s("<u>")
	}
	w.anchor(r.str(FPxname)+"/+"+r.str(FSvname), r.str(FSvname))
	if p.legends {
		w.addrTip(r)
		w.s("</div></u>")
	}
	w.s("</td><td colspan=3></td><td colspan=3>&nbsp;</td>")
	w.td(r.num(FScur))
	w.td(r.num(FSmax))
	w.td(r.num(FSlim))
	w.td(r.num(FStot))
	w.s("<td>&nbsp;</td><td>&nbsp;</td>")
	w.td(r.num(FBin))
	w.td(r.num(FBout))
	w.td(r.num(FDreq))
	w.td(r.num(FDresp))
	w.td(r.num(FEreq))
	w.s("<td></td><td></td><td></td><td></td><td class=ac>")
	w.e(r.str(FStatus))
	w.s("</td><td class=ac colspan=8></td></tr>")
}

func (w *hw) backendRow(r *Row, p *pageCtx) {
	http := r.str(FMode) == "http"
	w.s(`<tr class="backend">`)
	if p.admin {
		w.s("<td></td>")
	}
	w.s("<td class=ac>")
	if p.legends {
		w.s("<u>")
	}
	w.anchor(r.str(FPxname)+"/Backend", "Backend")
	if p.legends {
		w.s("<div class=tips>balancing: ")
		w.e(r.str(FAlgo))
		w.cookieTip(r)
		w.s("</div></u>")
	}
	w.s("</td>")
	w.td(r.num(FQcur))
	w.td(r.num(FQmax))
	w.s("<td></td>")
	w.td(r.num(FRate))
	w.td(r.num(FRateMax))
	w.s("<td></td>")
	w.td(r.num(FScur))
	w.td(r.num(FSmax))
	w.td(r.num(FSlim))
	w.s("<td>")
	w.tip(r.num(FStot))
	w.tipRow("Cum. sessions:", r.num(FStot))
	if http {
		w.connReuse(r)
		w.httpCounts(r, false)
	}
	w.times(r, http)
	w.endTip()
	w.s("</td>")
	w.td(r.num(FLbtot))
	w.s("<td>")
	w.t(int64(int32(r.num(FLastsess))))
	w.s("</td>")
	w.td(r.num(FBin))
	w.bytesOut(r)
	w.td(r.num(FDreq))
	w.td(r.num(FDresp))
	w.s("<td></td>")
	w.td(r.num(FEcon))
	w.errResp(r)
	w.s("<td>")
	w.d(int64(r.num(FWretr)))
	w.s("</td><td>")
	w.d(int64(r.num(FWredis)))
	w.s("</td><td class=ac>")
	w.t(int64(r.num32(FLastchg)))
	w.s(" ")
	if st := r.str(FStatus); st == "DOWN" {
		w.s(`<b class=down>DOWN</b>`)
	} else {
		w.e(st)
	}
	w.s("</td><td class=ac>&nbsp;</td><td class=ac>")
	w.d(int64(r.num32(FWeight)))
	w.s("/")
	w.d(int64(r.num32(FUweight)))
	w.s("</td><td class=ac>")
	w.d(int64(r.num32(FAct)))
	w.s("</td><td class=ac>")
	w.d(int64(r.num32(FBck)))
	w.s("</td><td class=ac>&nbsp;</td><td>")
	w.d(int64(r.num32(FChkdown)))
	w.s("</td><td>")
	if r.has(FDowntime) {
		w.t(int64(r.num32(FDowntime)))
	} else {
		w.s("&nbsp;")
	}
	w.s("</td><td></td></tr>")
}
