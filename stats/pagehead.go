package stats

import "strconv"

// pageStyle is the page's stylesheet. The row colours are those operators
// know from haproxy's page (green up, yellow going down, orange going up,
// red down, brown maintenance, blue draining; backups in a second set),
// since they read a state at a glance by its colour.
const pageStyle = `body{font-family:arial,helvetica,sans-serif;font-size:12px;color:#000;background:#fff}
th,td{font-size:10px}
h1{font-size:x-large;margin-bottom:.5em}
h2{font-family:helvetica,arial;font-size:x-large;font-weight:bold;font-style:italic;color:#6020a0;margin:0}
h3{font-family:helvetica,arial;font-size:16px;font-weight:bold;color:#b00040;background:#e8e8d0;margin:0}
li{margin-top:.25em;margin-right:2em}
.hr{margin-top:.25em;border-color:#000;border-bottom-style:solid}
.titre{background:#20d0d0;color:#000;font-weight:bold;text-align:center}
.frontend,.backend{background:#e8e8d0}
.socket{background:#d0d0d0}
.active_down,.backup_down{background:#ff9090}
.active_going_up{background:#ffd020}
.active_going_down{background:#ffffa0}
.active_up{background:#c0ffc0}
.active_nolb,.active_draining{background:#20a0ff}
.active_no_check,.backup_no_check{background:#e0e0e0}
.backup_going_up{background:#ff80ff}
.backup_going_down{background:#c060ff}
.backup_up{background:#b0d0ff}
.backup_nolb{background:#90b0e0}
.backup_draining{background:#cc9900}
.maintain{background:#c07820}
.rls{letter-spacing:.2em;margin-right:1px}
b.down{color:red}
a.px:link,a.px:visited{color:#ffff40;text-decoration:none}
a.px:hover{color:#fff;text-decoration:none}
a.lfsb:link,a.lfsb:visited{color:#000;text-decoration:none}
a.lfsb:hover{color:#505050;text-decoration:none}
table.tbl{border-collapse:collapse;border-style:none}
table.tbl td{text-align:right;border:1px solid gray;padding:2px 3px;white-space:nowrap}
table.tbl td.ac{text-align:center}
table.tbl th{border:1px solid gray}
table.tbl th.pxname{background:#b00040;color:#ffff40;font-weight:bold;border-style:solid solid none solid;padding:2px 3px;white-space:nowrap}
table.tbl th.empty{border-style:none;empty-cells:hide;background:#fff}
table.tbl th.desc{background:#fff;border-style:solid solid none solid;text-align:left;padding:2px 3px}
table.lgd{border-collapse:collapse;border-width:1px;border-style:none none none solid;border-color:#000}
table.lgd td{border:1px solid gray;padding:2px}
table.lgd td.noborder{border-style:none;padding:2px;white-space:nowrap}
table.det{border-collapse:collapse;border-style:none}
table.det th{text-align:left;border-width:0;padding:0 1px 0 0;font-size:11px;font-weight:bold;font-family:sans-serif}
table.det td{text-align:right;border-width:0;padding:0 0 0 4px;white-space:nowrap;font-size:11px;font-weight:normal}
u{text-decoration:none;border-bottom:1px dotted #000}
div.tips{display:block;visibility:hidden;z-index:2147483647;position:absolute;padding:2px 4px 3px;background:#f0f060;color:#000;border:1px solid #7040c0;white-space:nowrap;font-size:11px;font-weight:normal;font-style:normal;border-radius:3px;box-shadow:gray 2px 2px 3px}
u:hover div.tips{visibility:visible}
@media (prefers-color-scheme:dark){
body{color:#e8e6e3;background:#131516}
h2,h1{color:#a265e0}
h3{color:#ff5190;background:#3e3e1f}
a{color:#3391ff}
.titre{background:#1aa6a6;color:#e8e6e3}
.frontend,.backend{background:#2f3437}
.socket,.active_no_check,.backup_no_check{background:#2a2d2f}
.active_down,.backup_down{background:#760000}
.active_going_up{background:#b99200}
.active_going_down{background:#6c6c00}
.active_up{background:#165900}
.active_nolb,.active_draining{background:#006ab9}
.backup_going_up{background:#7f007f}
.backup_going_down{background:#580092}
.backup_up{background:#2e3234}
.backup_nolb{background:#1e3c6a}
.backup_draining{background:#a37a00}
.maintain{background:#9a601a}
a.px:link,a.px:visited{color:#d8d83b}
a.lfsb:link,a.lfsb:visited{color:#e8e6e3}
table.tbl th.empty,table.tbl th.desc{background:#181a1b}
table.tbl th.pxname{background:#8d0033;color:#ffff46}
table.tbl th,table.tbl td{border-color:#808080}
u{border-bottom-color:#e8e6e3}
div.tips{background:#8e8e0d;color:#e8e6e3;border-color:#4e2c86}
}
`

// node and desc are what show-node and show-desc print.
func (p *Page) node() string {
	if p.Node != "" {
		return p.Node
	}
	return infoStr(p.Info, INode)
}

func (p *Page) desc() string {
	if p.Desc != "" {
		return p.Desc
	}
	return infoStr(p.Info, IDescription)
}

func (w *hw) head(p *Page) {
	w.s("<!DOCTYPE html>\n<html><head><title>Statistics Report")
	if name := infoStr(p.Info, IName); name != "" {
		w.s(" for ")
		w.e(name)
	}
	if p.ShowNode {
		w.s(" on ")
		w.e(p.node())
	}
	w.s("</title>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n")
	if p.Refresh > 0 && !p.NoRefresh {
		// The handler also sends haproxy's "Refresh" header; the meta keeps
		// a saved page refreshing too.
		w.s(`<meta http-equiv="refresh" content="`)
		w.d(int64(p.Refresh))
		w.s("\">\n")
	}
	w.s("<style>\n", pageStyle, "</style></head>\n")
}

// processInfo is the block above the tables: the process's figures, the
// colours' legend, and the links that change the view or export it.
func (w *hw) processInfo(p *Page) {
	info := p.Info
	w.s("<h1>")
	if p.ProductURL != "" {
		w.s(`<a href="`)
		w.e(p.ProductURL)
		w.s(`" style="text-decoration: none;">`)
	}
	w.e(infoStr(info, IName))
	if !p.HideVersion && infoStr(info, IVersion) != "" {
		w.s(" version ")
		w.e(infoStr(info, IVersion))
		if d := infoStr(info, IReleaseDate); d != "" {
			w.s(", released ")
			w.e(d)
		}
	}
	if p.ProductURL != "" {
		w.s("</a>")
	}
	w.s("</h1>\n<h2>Statistics Report for pid ")
	w.d(int64(infoNum(info, IPid)))
	if p.ShowNode {
		w.s(" on ")
		w.e(p.node())
	}
	if p.ShowDesc {
		w.s(": ")
		w.e(p.desc())
	}
	w.s("</h2>\n<hr width=\"100%\" class=\"hr\">\n<h3>&gt; General process information</h3>\n")
	w.s("<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n")
	if info != nil {
		w.processFigures(info)
	}
	w.s("</td><td align=\"center\" nowrap>\n")
	w.legend()
	w.s("</td><td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>Display option:</b><ul style=\"margin-top: 0.25em;\">")
	w.viewLinks(p)
	w.s("</ul></td>")
	if p.ProductURL != "" {
		w.s("<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>External resources:</b><ul style=\"margin-top: 0.25em;\">\n<li><a href=\"")
		w.e(p.ProductURL)
		w.s("\">Primary site</a><br>\n</ul></td>")
	}
	w.s("</tr></table>\n")
}

func (w *hw) processFigures(info *InfoRow) {
	n := func(i Info) int64 { return int64(infoNum(info, i)) }
	w.s("<p><b>pid = </b> ")
	w.d(n(IPid))
	w.s(" (process #")
	w.d(max(n(IProcessNum), 1))
	w.s(", nbproc = ")
	w.d(max(n(INbproc), 1))
	w.s(", nbthread = ")
	w.d(n(INbthread))
	up := n(IUptimeSec)
	w.s(")<br>\n<b>uptime = </b> ", itoa(uint64(up/86400)), "d ", itoa(uint64(up%86400/3600)), "h")
	w.s(two(up%3600/60), "m", two(up%60), "s<br>\n<b>system limits:</b> memmax = ")
	if mb := n(IMemmaxMb); mb != 0 {
		w.d(mb)
		w.s(" MB")
	} else {
		w.s("unlimited")
	}
	w.s("; ulimit-n = ")
	w.d(n(IUlimitN))
	w.s("<br>\n<b>maxsock = </b> ")
	w.d(n(IMaxsock))
	w.s("; <b>maxconn = </b> ")
	w.d(n(IMaxconn))
	w.s("; <b>maxpipes = </b> ")
	w.d(n(IMaxpipes))
	w.s("<br>\ncurrent conns = ")
	w.d(n(ICurrConn))
	w.s("; current pipes = ")
	w.d(n(IPipesUsed))
	w.s("/")
	w.d(n(IPipesUsed) + n(IPipesFree))
	w.s("; conn rate = ")
	w.d(n(IConnRate))
	w.s("/sec; bit rate = ")
	// Bytes out per second as bits on the wire: the Ethernet framing of a
	// full TCP segment (1538 bytes for 1448 of payload), which tells how
	// close the uplink is to saturation.
	bps := infoNum(info, IBytesOutRate) * 8 * 1538 / 1448
	v, unit := float64(bps)/1000, "k"
	switch {
	case bps >= 1000000000:
		v, unit = float64(bps)/1e9, "G"
	case bps >= 1000000:
		v, unit = float64(bps)/1e6, "M"
	}
	w.b = strconv.AppendFloat(w.b, v, 'f', 3, 64)
	w.s(" ", unit, "bps<br>\nRunning tasks: ")
	w.d(n(IRunQueue))
	w.s("/")
	w.d(n(ITasks))
	w.s("; idle = ")
	w.d(n(IIdlePct))
	w.s(" %<br>\n")
}

// two is a number on two digits.
func two(v int64) string {
	if v < 10 {
		return "0" + itoa(uint64(v))
	}
	return itoa(uint64(v))
}

func (w *hw) legend() {
	cell := func(class, label, span string) {
		w.s(`<td class="`, class, `">&nbsp;</td><td class="noborder"`, span, ">", label, "</td>")
	}
	w.s("<table class=\"lgd\"><tr>\n")
	cell("active_up", "active UP ", "")
	cell("backup_up", "backup UP ", "")
	w.s("</tr><tr>\n")
	cell("active_going_down", "active UP, going down ", "")
	cell("backup_going_down", "backup UP, going down ", "")
	w.s("</tr><tr>\n")
	cell("active_going_up", "active DOWN, going up ", "")
	cell("backup_going_up", "backup DOWN, going up ", "")
	w.s("</tr><tr>\n")
	cell("active_down", "active or backup DOWN &nbsp;", "")
	cell("active_no_check", "not checked ", "")
	w.s("</tr><tr>\n")
	cell("maintain", "active or backup DOWN for maintenance (MAINT) &nbsp;", ` colspan="3"`)
	w.s("</tr><tr>\n")
	cell("active_draining", "active or backup SOFT STOPPED for maintenance &nbsp;", ` colspan="3"`)
	w.s("</tr></table>\nNote: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.")
}

// link is one item of the display options.
func (w *hw) link(href, text string) {
	w.s(`<li><a href="`)
	w.e(href)
	w.s(`">`, text, "</a><br>\n")
}

func (w *hw) viewLinks(p *Page) {
	o := p.options()
	refresh := p.Refresh > 0
	noRefresh := p.NoRefresh && refresh
	w.s(`<li><form method="GET">Scope : <input value="`)
	w.e(p.Scope)
	w.s(`" name="scope" size="8" maxlength="`, itoa(scopeMaxLen), `" tabindex="1"/></form>`, "\n")
	if p.UpOnly {
		w.link(p.URI+o.suffix(false, noRefresh), "Show all servers")
	} else {
		w.link(p.URI+o.suffix(true, noRefresh), "Hide 'DOWN' servers")
	}
	if refresh {
		if noRefresh {
			w.link(p.URI+o.suffix(p.UpOnly, false), "Enable refresh")
		} else {
			w.link(p.URI+o.suffix(p.UpOnly, true), "Disable refresh")
		}
	}
	w.link(p.URI+o.suffix(p.UpOnly, noRefresh), "Refresh now")
	export := URIOptions{Scope: p.Scope}.suffix(false, refresh)
	w.link(p.URI+";csv"+export, "CSV export")
	w.s(`<li><a href="`)
	w.e(p.URI + ";json" + export)
	w.s(`">JSON export</a> (<a href="`)
	w.e(p.URI + ";json-schema")
	w.s("\">schema</a>)<br>\n")
}

// statusMessages are the outcomes of an admin action as the page reports
// them: the class (colour) of the box and what it says.
var statusMessages = [...]struct{ class, text string }{
	StatusDone: {"active_up", "Action processed successfully."},
	StatusNone: {"active_going_down", "Nothing has changed."},
	StatusPart: {"active_going_down", "Action partially processed.<br>" +
		"Some server names are probably unknown or ambiguous (duplicated names in the backend)."},
	StatusErrp: {"active_down", "Action not processed because of invalid parameters." +
		"<ul><li>The action is maybe unknown.</li>" +
		"<li>Invalid key parameter (empty or too long).</li>" +
		"<li>The backend name is probably unknown or ambiguous (duplicated names).</li>" +
		"<li>Some server names are probably unknown or ambiguous (duplicated names in the backend).</li></ul>"},
	StatusExcd: {"active_down", "<b>Action not processed: the request was too large to be read whole.<br>" +
		"Retry with fewer servers at a time.</b>"},
	StatusDeny: {"active_down", "<b>Action denied.</b>"},
	StatusIval: {"active_down", "<b>Invalid request (unsupported method or chunked encoded request).</b>"},
	StatusUnkn: {"active_no_check", "Unexpected result."},
}

// statusMessage reports the last admin action, with a link that shows the
// same view without the message.
func (w *hw) statusMessage(p *Page) {
	if p.Status == StatusInit {
		return
	}
	m := statusMessages[StatusUnkn]
	if int(p.Status) < len(statusMessages) && statusMessages[p.Status].class != "" {
		m = statusMessages[p.Status]
	}
	w.s(`<p><div class=`, m.class, `><a class=lfsb href="`)
	w.e(p.URI + p.options().suffix(p.UpOnly, p.NoRefresh && p.Refresh > 0))
	w.s(`" title="Remove this message">[X]</a> `, m.text, "</div>\n<p>\n")
}
