package stats

import (
	"strconv"
)

// Page is what the HTML stats page shows and how.
type Page struct {
	Info *InfoRow // the process (`show info`); nil leaves the process block out
	Rows []Row    // every row, in `show stat` order; the page applies the options below

	URI       string // the stats URI (`stats uri`), which the page's links extend
	Refresh   int    // `stats refresh`, in seconds; 0: the page does not refresh
	NoRefresh bool   // ;norefresh
	UpOnly    bool   // ;up: servers DOWN or in maintenance are hidden
	NoMaint   bool   // ;no-maint: servers in maintenance are hidden
	Scope     string // the search form's proxy name filter
	Status    Status // ;st=, the outcome of the last admin action

	HideVersion bool   // `stats hide-version`
	ShowLegends bool   // `stats show-legends`: addresses, ids, algorithms in tooltips
	ShowNode    bool   // `stats show-node`
	Node        string // its name, or "" for the process's node name
	ShowDesc    bool   // `stats show-desc`
	Desc        string // its text, or "" for the process's description
	Admin       bool   // `stats admin` matched: servers get checkboxes and actions

	// ProxyDesc holds the proxies' `description`, by name, shown beside
	// their name as haproxy does.
	ProxyDesc map[string]string
	// ProductURL, when set, is linked from the title.
	ProductURL string
}

// SetOptions copies what a request's URI options say about the page.
func (p *Page) SetOptions(o URIOptions) {
	p.NoRefresh, p.UpOnly, p.NoMaint, p.Scope, p.Status = o.NoRefresh, o.UpOnly, o.NoMaint, o.Scope, o.Status
}

// options are the page's view as URI options, for its links.
func (p *Page) options() URIOptions {
	return URIOptions{UpOnly: p.UpOnly, NoMaint: p.NoMaint, NoRefresh: p.NoRefresh, Scope: p.Scope}
}

// pageCtx is what the row renderers need to know of the page.
type pageCtx struct{ admin, legends bool }

// AdminActions are the values of the admin form's "action", in the order
// the form lists them, with the label it shows.
var AdminActions = [...]struct{ Value, Label string }{
	{"ready", "Set state to READY"},
	{"drain", "Set state to DRAIN"},
	{"maint", "Set state to MAINT"},
	{"dhlth", "Health: disable checks"},
	{"ehlth", "Health: enable checks"},
	{"hrunn", "Health: force UP"},
	{"hnolb", "Health: force NOLB"},
	{"hdown", "Health: force DOWN"},
	{"dagent", "Agent: disable checks"},
	{"eagent", "Agent: enable checks"},
	{"arunn", "Agent: force UP"},
	{"adown", "Agent: force DOWN"},
	{"shutdown", "Kill Sessions"},
}

// AppendHTML appends the stats page: the process block, then one table
// per proxy (its frontend, listeners, servers and backend), laid out as
// haproxy's page is so that operators find things where they expect them.
func AppendHTML(dst []byte, p *Page) []byte {
	w := &hw{b: dst}
	w.head(p)
	w.s("<body>")
	w.processInfo(p)
	w.statusMessage(p)
	withServers := map[int]bool{}
	for i := range p.Rows {
		if p.Rows[i].Type == TypeServer {
			withServers[p.Rows[i].IID] = true
		}
	}
	rows := FilterRows(p.Rows, p.options())
	ctx := &pageCtx{admin: p.Admin, legends: p.ShowLegends}
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].IID == rows[i].IID {
			j++
		}
		w.proxyTable(p, ctx, rows[i:j], withServers[rows[i].IID])
		i = j
	}
	w.s("</body></html>\n")
	return w.b
}

// proxyTable is one proxy: a title, the table of its rows, and in admin
// mode, around the table of a backend with servers, the form that acts on
// the checked ones.
func (w *hw) proxyTable(p *Page, ctx *pageCtx, rows []Row, withServers bool) {
	first := &rows[0]
	name := first.str(FPxname)
	form := p.Admin && withServers
	if form {
		w.s(`<form method="post">`)
	}
	w.s(`<table class="tbl" width="100%">`, "\n", `<tr class="titre"><th class="pxname" width="10%">`)
	if p.ShowLegends {
		w.s("<u>")
	}
	w.s(`<a name="`)
	w.e(name)
	w.s(`"></a><a class=px href="#`)
	w.e(name)
	w.s(`">`)
	w.e(name)
	w.s("</a>")
	if p.ShowLegends {
		w.s("<div class=tips>cap: ", proxyCap(rows), ", mode: ")
		w.e(first.str(FMode))
		w.s(", id: ")
		w.d(int64(uint32(first.IID)))
		w.s("</div></u>")
	}
	if desc := p.ProxyDesc[name]; desc != "" {
		w.s(`</th><th class="desc" width="90%">`)
		w.e(desc)
	} else {
		w.s(`</th><th class="empty" width="90%">`)
	}
	w.s("</th></tr>\n</table>\n", `<table class="tbl" width="100%">`, "\n", `<tr class="titre">`)
	if p.Admin {
		if form {
			w.s(`<th rowspan=2 width=1><input type="checkbox" title="all servers" onclick="for (const c of document.getElementsByClassName('`)
			w.e(name)
			w.s(`-checkbox')) c.checked = this.checked"></th>`)
		} else {
			w.s("<th rowspan=2></th>")
		}
	}
	w.s("<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th>",
		"<th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th>",
		"<th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n",
		`<tr class="titre">`,
		"<th>Cur</th><th>Max</th><th>Limit</th>",
		"<th>Cur</th><th>Max</th><th>Limit</th>",
		"<th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th>",
		"<th>In</th><th>Out</th><th>Req</th><th>Resp</th>",
		"<th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th><th>Redis</th>",
		"<th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th>",
		"<th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th></tr>\n")
	for i := range rows {
		r := &rows[i]
		switch r.Type {
		case TypeFrontend:
			w.frontendRow(r, ctx)
		case TypeListener:
			w.listenerRow(r, ctx)
		case TypeServer:
			w.serverRow(r, ctx)
		case TypeBackend:
			w.backendRow(r, ctx)
		}
	}
	w.s("</table>")
	if form {
		w.s("Choose the action to perform on the checked servers : <select name=action><option value=\"\"></option>")
		for _, a := range AdminActions {
			w.s(`<option value="`, a.Value, `">`, a.Label, "</option>")
		}
		w.s(`</select><input type="hidden" name="b" value="#`)
		w.d(int64(uint32(first.IID)))
		w.s(`">&nbsp;<input type="submit" value="Apply"></form>`)
	}
	w.s("<p>\n")
}

// proxyCap names what a proxy is, from the rows it has.
func proxyCap(rows []Row) string {
	fe, be := false, false
	for i := range rows {
		switch rows[i].Type {
		case TypeFrontend:
			fe = true
		case TypeBackend:
			be = true
		}
	}
	switch {
	case fe && be:
		return "proxy"
	case fe:
		return "frontend"
	case be:
		return "backend"
	}
	return "proxy"
}

// infoNum reads an info field as a number, 0 when absent.
func infoNum(info *InfoRow, i Info) uint64 {
	if info == nil {
		return 0
	}
	return fieldNum(&info[i])
}

func infoStr(info *InfoRow, i Info) string {
	if info == nil || info[i].Kind != Str {
		return ""
	}
	return info[i].Str
}

// itoa is a short strconv.FormatUint for the page's labels.
func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
