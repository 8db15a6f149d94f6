package stats

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestHTMLNumbers(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, `<span class="rls">1</span>000`},
		{9985, `<span class="rls">9</span>985`},
		{110073, `11<span class="rls">0</span>073`},
		{1234567, `<span class="rls">1</span>23<span class="rls">4</span>567`},
	} {
		w := &hw{}
		w.n(c.v)
		if string(w.b) != c.want {
			t.Errorf("%d: %s, want %s", c.v, w.b, c.want)
		}
	}
	for _, c := range []struct {
		secs int64
		want string
	}{
		{-1, "?"}, {0, "0s"}, {59, "59s"}, {60, "1m"}, {97, "1m37s"}, {3600, "1h"},
		{3661, "1h1m"}, {86400, "1d"}, {90061, "1d1h"}, {86461, "1d1m"}, {2 * 86400, "2d"},
	} {
		w := &hw{}
		w.t(c.secs)
		if string(w.b) != c.want {
			t.Errorf("%ds: %s, want %s", c.secs, w.b, c.want)
		}
	}
	w := &hw{}
	w.e(`<a href="x">&'`)
	if string(w.b) != "&lt;a href=&#34;x&#34;&gt;&amp;&#39;" {
		t.Errorf("escape: %s", w.b)
	}
}

func TestServerClass(t *testing.T) {
	backup := func(r Row) Row { r.Fields[FBck] = MkU32("SGP", 1); return r }
	weight0 := func(r Row) Row { r.Fields[FWeight] = MkU32("MaP", 0); return r }
	s := func(st string) Row { return srvRow("be", 3, 1, "s", st) }
	for _, c := range []struct {
		r    Row
		want string
	}{
		{checked(s("UP"), 4), "active_up"},
		{checked(s("UP 2/3"), 3), "active_going_down"},
		{weight0(checked(s("UP"), 4)), "active_draining"},
		{s("DOWN"), "active_down"},
		{s("DOWN (agent)"), "active_down"},
		{s("DOWN 1/2"), "active_going_up"},
		{s("DRAIN"), "active_draining"},
		{checked(s("DRAIN (agent)"), 4), "active_up"},
		{s("NOLB 2/3"), "active_going_down"},
		{s("NOLB"), "active_nolb"},
		{s("no check"), "active_no_check"},
		{s("UP"), "active_up"}, // tracking: no checks of its own
		{s("MAINT"), "maintain"},
		{backup(s("MAINT (via be/x)")), "maintain"},
		{backup(s("no check")), "backup_no_check"},
		{backup(checked(s("UP"), 4)), "backup_up"},
		{backup(s("DOWN")), "backup_down"},
	} {
		if got := serverClass(&c.r); got != c.want {
			t.Errorf("%q: %s, want %s", c.r.str(FStatus), got, c.want)
		}
	}
}

func testPage() *Page {
	info := testInfo()
	info[INode] = MkStr("COS", "node1")
	down := checked(srvRow("be", 3, 2, "s2", "DOWN"), 0)
	down.Fields[FCheckStatus] = MkStr("MOP", "L4CON")
	down.Fields[FLastChk] = MkStr("MOP", "Connection <refused>")
	tracked := srvRow("be", 3, 3, "s3", "UP")
	tracked.Fields[FTracked] = MkStr("CNS", "be/s1")
	maint := srvRow("be", 3, 4, "s4", "MAINT")
	maint.Fields[FAddr] = MkStr("CGS", "[::1]:80")
	tcp := beRow("tcp", 4, "DOWN")
	tcp.Fields[FMode] = MkStr("CGS", "tcp")
	return &Page{
		Info: &info,
		Rows: []Row{
			feRow("fe", 2),
			checked(srvRow("be", 3, 1, "s1", "UP"), 4), down, tracked, maint,
			beRow("be", 3, "UP"),
			tcp,
		},
		URI:       "/haproxy?stats",
		ProxyDesc: map[string]string{"be": "the <web> farm"},
	}
}

// rowWidth is how many columns a row spans.
func rowWidth(row string) int {
	n := 0
	for _, c := range reCell.FindAllStringSubmatch(row, -1) {
		if m := regexp.MustCompile(`colspan=(\d+)`).FindStringSubmatch(c[1]); m != nil {
			k, _ := strconv.Atoi(m[1])
			n += k
		} else {
			n++
		}
	}
	return n
}

func TestHTMLPage(t *testing.T) {
	for _, admin := range []bool{false, true} {
		p := testPage()
		p.Admin = admin
		page := string(AppendHTML(nil, p))
		for _, tag := range []string{"table", "tr", "form", "u", "div"} {
			if o, c := strings.Count(page, "<"+tag+" ")+strings.Count(page, "<"+tag+">"), strings.Count(page, "</"+tag+">"); o != c {
				t.Errorf("admin=%v: %d <%s> opened, %d closed", admin, o, tag, c)
			}
		}
		// Every stats row spans the 31 columns (32 with the checkboxes).
		want := 31
		if admin {
			want = 32
		}
		rows := reRow.FindAllStringSubmatch(reTips.ReplaceAllString(page, ""), -1)
		n := 0
		for _, m := range rows {
			if m[1] == "titre" || strings.Contains(m[0], "noborder") {
				continue
			}
			n++
			if w := rowWidth(m[2]); w != want {
				t.Errorf("admin=%v: row %s spans %d columns, want %d", admin, m[1], w, want)
			}
		}
		if n != 7 {
			t.Errorf("admin=%v: %d rows", admin, n)
		}
		forms := strings.Count(page, `<form method="post">`)
		if admin && forms != 1 || !admin && forms != 0 {
			t.Errorf("admin=%v: %d forms", admin, forms)
		}
		if admin {
			for _, want := range []string{
				`<input class="be-checkbox" type="checkbox" name="s" value="s1">`,
				`<option value="ready">`, `<option value="shutdown">`, `<option value="adown">`,
				`<input type="hidden" name="b" value="#3">`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("admin page lacks %s", want)
				}
			}
		}
	}
	page := string(AppendHTML(nil, testPage()))
	for _, want := range []string{
		"<title>Statistics Report for HAProxy</title>",
		"<h1>HAProxy version 2.6.12</h1>",
		"Statistics Report for pid 4242</h2>",
		"<b>uptime = </b> 0d 1h02m03s<br>",
		`<th class="desc" width="90%">the &lt;web&gt; farm</th>`,
		`<th class="empty" width="90%"></th>`,
		`<tr class="active_down">`, `<tr class="maintain">`, `<tr class="active_up">`,
		"1m37s DOWN</td>",
		"<div class=tips>Layer4 check passed: Connection &lt;refused&gt;</div>",
		`<a class=lfsb href="#be/s1">via be/s1</a>`,
		"1m37s UP &darr;</td>", // s3 tracks: health unknown, as haproxy shows it
		"<td><u>2<div class=tips>Failed Health Checks</div></u></td><td>1</td><td>1h1m</td>",
		`<b class=down>DOWN</b>`, // the tcp backend
		`<a href="/haproxy?stats;up">Hide 'DOWN' servers</a>`,
		`<a href="/haproxy?stats;csv">CSV export</a>`,
		`<a href="/haproxy?stats;json-schema">schema</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "refresh") || strings.Contains(page, "st=") || strings.Contains(page, "Remove this message") {
		t.Error("refresh or status on a page without them")
	}
	// The TCP backend's tooltip has no HTTP lines nor response time.
	if i := strings.Index(page, `name="tcp/Backend"`); i < 0 || strings.Contains(page[i:], "HTTP") || strings.Contains(page[i:], "Responses time") {
		t.Error("HTTP figures on a TCP backend")
	}
}

func TestHTMLOptions(t *testing.T) {
	p := testPage()
	p.Refresh = 5
	p.SetOptions(ParseURIOptions(";up;norefresh;st=PART?scope=be"))
	p.ShowNode, p.ShowDesc, p.HideVersion, p.ShowLegends = true, true, true, true
	page := string(AppendHTML(nil, p))
	for _, want := range []string{
		"<title>Statistics Report for HAProxy on node1</title>",
		"<h1>HAProxy</h1>",
		`Statistics Report for pid 4242 on node1: web, &#34;edge&#34;</h2>`,
		`<a href="/haproxy?stats;norefresh?scope=be">Show all servers</a>`,
		`<a href="/haproxy?stats;up?scope=be">Enable refresh</a>`,
		`<a href="/haproxy?stats;up;norefresh?scope=be">Refresh now</a>`,
		`<a href="/haproxy?stats;csv;norefresh?scope=be">CSV export</a>`,
		`<input value="be" name="scope"`,
		`<div class=active_going_down><a class=lfsb href="/haproxy?stats;up;norefresh?scope=be" title="Remove this message">[X]</a> Action partially processed.`,
		"UP (2/4)",                    // the backend's status with ;up
		"<div class=tips>id: 1</div>", // no address given: none shown
		"<div class=tips>cap: backend, mode: http, id: 3</div>",
		"<div class=tips>balancing: roundrobin</div>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, hidden := range []string{`name="be/s2"`, `name="be/s4"`, `name="tcp"`, `name="fe"`, "<meta http-equiv=\"refresh\""} {
		if strings.Contains(page, hidden) {
			t.Errorf("page shows %s", hidden)
		}
	}
	p.SetOptions(URIOptions{})
	page = string(AppendHTML(nil, p))
	if !strings.Contains(page, `<meta http-equiv="refresh" content="5">`) ||
		!strings.Contains(page, `<a href="/haproxy?stats;norefresh">Disable refresh</a>`) ||
		!strings.Contains(page, "<div class=tips>IPv6: [::1]:80, id: 4</div>") {
		t.Error("refreshing page")
	}
	for st := StatusDeny; st <= StatusIval+1; st++ {
		p.Status = st
		page := string(AppendHTML(nil, p))
		if !strings.Contains(page, `title="Remove this message">[X]</a> `) {
			t.Errorf("%v: no message", st)
		}
	}
	p.Status = StatusDone
	if !strings.Contains(string(AppendHTML(nil, p)), "<div class=active_up>") {
		t.Error("DONE is not green")
	}
}
