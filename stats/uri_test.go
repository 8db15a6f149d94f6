package stats

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseURIOptions(t *testing.T) {
	for _, c := range []struct {
		in   string
		want URIOptions
	}{
		{"", URIOptions{}},
		{";csv", URIOptions{Format: FormatCSV}},
		{";csv;norefresh", URIOptions{Format: FormatCSV, NoRefresh: true}},
		{";up", URIOptions{UpOnly: true}},
		{";no-maint;typed", URIOptions{NoMaint: true, Format: FormatTyped}},
		{";json;csv", URIOptions{Format: FormatJSON}},
		{";csv;typed", URIOptions{Format: FormatTyped}},
		{";json-schema", URIOptions{Format: FormatJSONSchema}},
		{";st=DONE", URIOptions{Status: StatusDone}},
		{";st=PART;up", URIOptions{Status: StatusPart, UpOnly: true}},
		{";st=XXXX", URIOptions{Status: StatusUnkn}},
		{";st=DON", URIOptions{}}, // too short: not read
		{"?scope=web", URIOptions{Scope: "web"}},
		{";up?scope=be;csv", URIOptions{UpOnly: true, Format: FormatCSV, Scope: "be"}},
		{"?scope=a&x=1", URIOptions{Scope: "a"}},
		{"?scope=bad/name", URIOptions{}},
		{"?scope=", URIOptions{}},
		{"?scope=b", URIOptions{}}, // haproxy does not see it either
		{"?scope=abcdefghijklmnopqrstuvwxyz", URIOptions{Scope: "abcdefghijklmnopqrst"}},
	} {
		if got := ParseURIOptions(c.in); got != c.want {
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestStatus(t *testing.T) {
	for s := StatusDeny; s <= StatusIval; s++ {
		if ParseStatus(s.String()) != s {
			t.Errorf("%v does not read back", s)
		}
	}
	if StatusInit.String() != "" || Status(200).String() != "" {
		t.Error("codes of no status")
	}
	for _, c := range []struct {
		total, altered int
		want           Status
	}{{0, 0, StatusNone}, {2, 0, StatusErrp}, {2, 2, StatusDone}, {3, 1, StatusPart}} {
		if got := PostStatus(c.total, c.altered); got != c.want {
			t.Errorf("%d/%d: %v", c.altered, c.total, got)
		}
	}
	o := ParseURIOptions(";up;norefresh?scope=web")
	if got := RedirectLocation("/stats", StatusDone, o, true); got != "/stats;st=DONE;up;norefresh?scope=web" {
		t.Errorf("redirect: %q", got)
	}
	if got := RedirectLocation("/stats", StatusDone, o, false); got != "/stats;st=DONE;up?scope=web" {
		t.Errorf("redirect without refresh: %q", got)
	}
	if got := RedirectLocation("/s", StatusInit, URIOptions{}, false); got != "/s;st=UNKN" {
		t.Errorf("redirect without status: %q", got)
	}
}

func TestParseAdminPost(t *testing.T) {
	for _, c := range []struct {
		body string
		want AdminPost
		err  bool
	}{
		{"s=s1&s=s2&action=maint&b=%233", AdminPost{Backend: "#3", HasBackend: true, Action: "maint", Servers: []string{"s1", "s2"}}, false},
		{"b=web&action=ready&s=a+b&s=c%2Fd", AdminPost{Backend: "web", HasBackend: true, Action: "ready", Servers: []string{"a b", "c/d"}}, false},
		// The last b and action count.
		{"b=one&action=drain&s=x&action=ready&b=two", AdminPost{Backend: "two", HasBackend: true, Action: "ready", Servers: []string{"x"}}, false},
		{"s=x&action=stop", AdminPost{Action: "stop", Servers: []string{"x"}}, false},
		{"s=x&b=", AdminPost{HasBackend: true, Servers: []string{"x"}}, false},
		{"other=1&s=x", AdminPost{Servers: []string{"x"}}, false},
		// A bad escape ends the reading: what came before is not read.
		{"s=a&s=b%zz&s=c&action=ready&b=be", AdminPost{Backend: "be", HasBackend: true, Action: "ready", Servers: []string{"c"}}, false},
		{"s=a%00b&action=ready&b=be", AdminPost{Backend: "be", HasBackend: true, Action: "ready", Servers: []string{"a"}}, false},
		{"s=x&action=reboot&b=be", AdminPost{}, true},
		{"s=x&action=&b=be", AdminPost{}, true},
		{"s=" + strings.Repeat("x", 2046) + "&action=ready&b=be", AdminPost{}, true},
		{"", AdminPost{}, false},
	} {
		got, err := ParseAdminPost([]byte(c.body))
		if (err != nil) != c.err || !c.err && !reflect.DeepEqual(got, c.want) {
			t.Errorf("%.60q: %+v, %v; want %+v", c.body, got, err, c.want)
		}
	}
	p, _ := ParseAdminPost([]byte("b=%2342&action=ready"))
	if id, ok := p.BackendID(); !ok || id != 42 {
		t.Errorf("BackendID: %d %v", id, ok)
	}
	p, _ = ParseAdminPost([]byte("b=web&action=ready"))
	if _, ok := p.BackendID(); ok {
		t.Error("a name is an id")
	}
}

func TestAdminApply(t *testing.T) {
	servers := map[string]bool{"a": true, "b": true, "nocheck": false}
	act := func(s string) (bool, bool) { applies, found := servers[s]; return found, applies }
	for _, c := range []struct {
		body string
		want Status
	}{
		{"s=a&s=b&action=dhlth&b=be", StatusDone},
		{"s=a&s=zz&action=dhlth&b=be", StatusPart},
		{"s=zz&action=dhlth&b=be", StatusErrp},
		{"s=nocheck&action=dhlth&b=be", StatusNone},
		{"s=a&b=be", StatusNone},
		{"s=a&action=ready", StatusNone},
		{"action=ready&b=be", StatusNone},
	} {
		p, err := ParseAdminPost([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Apply(act); got != c.want {
			t.Errorf("%q: %v, want %v", c.body, got, c.want)
		}
	}
}

func TestFilterRows(t *testing.T) {
	rows := []Row{
		feRow("web", 2),
		srvRow("Web-BE", 3, 1, "up", "UP"),
		srvRow("Web-BE", 3, 2, "down", "DOWN"),
		srvRow("Web-BE", 3, 3, "rising", "DOWN 1/2"),
		srvRow("Web-BE", 3, 4, "maint", "MAINT"),
		srvRow("Web-BE", 3, 5, "via", "MAINT (via x/y)"),
		srvRow("Web-BE", 3, 6, "agent", "DOWN (agent)"),
		srvRow("Web-BE", 3, 7, "nolb", "NOLB"),
		beRow("Web-BE", 3, "UP"),
		beRow("empty", 4, "UP"),
	}
	names := func(rs []Row) string {
		var n []string
		for i := range rs {
			n = append(n, rs[i].str(FSvname)+"="+rs[i].str(FStatus))
		}
		return strings.Join(n, " ")
	}
	for _, c := range []struct {
		o    URIOptions
		want string
	}{
		{URIOptions{}, "FRONTEND=OPEN up=UP down=DOWN rising=DOWN 1/2 maint=MAINT via=MAINT (via x/y) agent=DOWN (agent) nolb=NOLB BACKEND=UP BACKEND=UP"},
		{URIOptions{UpOnly: true}, "FRONTEND=OPEN up=UP rising=DOWN 1/2 nolb=NOLB BACKEND=UP (2/7) BACKEND=UP (0/0)"},
		{URIOptions{NoMaint: true}, "FRONTEND=OPEN up=UP down=DOWN rising=DOWN 1/2 agent=DOWN (agent) nolb=NOLB BACKEND=UP (2/7) BACKEND=UP (0/0)"},
		{URIOptions{Scope: "web-b"}, "up=UP down=DOWN rising=DOWN 1/2 maint=MAINT via=MAINT (via x/y) agent=DOWN (agent) nolb=NOLB BACKEND=UP"},
		{URIOptions{Scope: "EMP", UpOnly: true}, "BACKEND=UP (0/0)"},
	} {
		if got := names(FilterRows(rows, c.o)); got != c.want {
			t.Errorf("%+v:\n got %s\nwant %s", c.o, got, c.want)
		}
	}
	if rows[8].str(FStatus) != "UP" {
		t.Error("FilterRows changed its input")
	}
}
