package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The golden tests run the real haproxy 2.6 on a small config and check
// that our renderers, given haproxy's own values (read back from its typed
// output with ParseTyped), print what haproxy prints.

const haproxyBin = "/usr/sbin/haproxy"

type haproxy struct {
	sock      string // the admin socket
	fePort    string // the frontend
	statsPort string // the stats page, at /st
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// startHaproxy runs haproxy in the foreground for the test's duration, on
// a config with one frontend, a backend whose servers are in every state
// we can provoke (up and checked, unchecked, down, backup, maintenance,
// tracking), a TCP backend whose agent is down, and a stats page.
func startHaproxy(t *testing.T) *haproxy {
	t.Helper()
	if _, err := os.Stat(haproxyBin); err != nil {
		t.Skipf("golden tests need haproxy 2.6 at %s: %v", haproxyBin, err)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "hello from the origin\n")
	}))
	t.Cleanup(origin.Close)
	originAddr := strings.TrimPrefix(origin.URL, "http://")
	dir := t.TempDir()
	h := &haproxy{sock: filepath.Join(dir, "admin.sock"), fePort: freePort(t), statsPort: freePort(t)}
	closed := "127.0.0.1:" + freePort(t) // nothing listens there: checks fail at once
	cfg := fmt.Sprintf(`global
    nbthread 1
    stats socket %s level admin
    description golden, test
    node golden
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%s name l1
    option socket-stats
    default_backend be
backend be
    cookie SRV insert
    server s1 %s check inter 200 fastinter 200 downinter 200 cookie c1 maxconn 10 maxqueue 5
    server s2 %s
    server s3 %s check inter 100 fall 1 downinter 30s
    server s4 %s backup
    server s5 %s disabled
    server s6 %s track s1
backend tcpbe
    mode tcp
    balance leastconn
    server t1 %s check inter 100 fall 1 downinter 30s agent-check agent-port %s agent-inter 100
listen st
    bind 127.0.0.1:%s
    stats enable
    stats uri /st
    stats refresh 10s
    stats show-legends
    stats admin if TRUE
`, h.sock, h.fePort, originAddr, originAddr, closed, originAddr, originAddr, originAddr,
		closed, freePort(t), h.statsPort)
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, haproxyBin, "-db", "-f", cfgPath)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.Dial("unix", h.sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not open its socket: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Wait for the checks to have settled the servers' states (before any
	// traffic, which would otherwise try the failing ones). The checks
	// then keep running, which the comparisons allow for.
	for !h.settled(t) {
		if time.Now().After(deadline) {
			t.Fatalf("the checks did not settle:\n%s", h.cli(t, "show stat"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Some traffic, so that the counters are not all zero.
	client := &http.Client{Timeout: 2 * time.Second}
	for _, path := range []string{"/", "/a", "/missing", "/b"} {
		resp, err := client.Get("http://127.0.0.1:" + h.fePort + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return h
}

// settled tells whether the servers are in their expected states: s1 up
// after a check, s3 and t1 down, t1's agent down too.
func (h *haproxy) settled(t *testing.T) bool {
	rows, err := ParseTyped([]byte(h.cli(t, "show stat typed")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"s1": {"UP", "L4OK"}, "s3": {"DOWN", "L4CON"}, "t1": {"DOWN", "L4CON"},
	}
	n := 0
	for i := range rows {
		r := &rows[i]
		if w, ok := want[r.str(FSvname)]; ok && r.Type == TypeServer {
			if r.str(FStatus) != w[0] || r.str(FCheckStatus) != w[1] {
				return false
			}
			if r.str(FSvname) == "t1" && r.str(FAgentStatus) != "L4CON" {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// cli sends one line of commands on the admin socket and returns the
// answer.
func (h *haproxy) cli(t *testing.T, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("unix", h.sock, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// answers sends commands separated by ';' in one connection and splits the
// answers, each with its own final "\n" (the CLI ends each with an empty
// line, which is not part of it).
func (h *haproxy) answers(t *testing.T, cmds ...string) []string {
	t.Helper()
	out := strings.Split(h.cli(t, strings.Join(cmds, ";")), "\n\n")
	if len(out) != len(cmds)+1 {
		t.Fatalf("%d answers to %d commands", len(out)-1, len(cmds))
	}
	for i := range cmds {
		out[i] += "\n"
	}
	return out[:len(cmds)]
}

// stable retries until the typed stats read before and after the other
// commands are the same (the checks and the clock move them), then gives
// the rows and the other answers.
func (h *haproxy) stable(t *testing.T, cmds ...string) ([]Row, []string) {
	t.Helper()
	for try := 0; ; try++ {
		all := append(append([]string{"show stat typed"}, cmds...), "show stat typed")
		out := h.answers(t, all...)
		if out[0] == out[len(out)-1] || try == 30 {
			rows, err := ParseTyped([]byte(out[0]))
			if err != nil {
				t.Fatal(err)
			}
			return rows, out[1 : len(out)-1]
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// blankModules empties the module columns of haproxy's CSV lines that our
// rows do not carry (those after the first NumMod).
func blankModules(csv string) string {
	lines := strings.Split(csv, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if j := strings.LastIndex(l, ",-,"); j >= 0 {
			cells := strings.Split(l[j+3:], ",")
			if len(cells) < int(NumMod) {
				continue
			}
			lines[i] = l[:j+3] + strings.Join(cells[:NumMod], ",") + "," + strings.Repeat(",", len(moduleColumns)-int(NumMod))
		}
	}
	return strings.Join(lines, "\n")
}

// withoutModules drops the typed lines of the module counters our rows do
// not carry.
func withoutModules(typed string) string {
	var keep []string
	for _, l := range strings.Split(typed, "\n") {
		if f := strings.SplitN(l, ".", 5); len(f) == 5 {
			if pos, _ := strconv.Atoi(f[3]); pos < int(NumStat)+int(NumMod) {
				keep = append(keep, l)
			}
		}
	}
	return strings.Join(keep, "\n") + "\n"
}

// firstDiff reports where two outputs part.
func firstDiff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, g, w)
		}
	}
	return "same lines"
}

func TestGoldenStat(t *testing.T) {
	h := startHaproxy(t)
	rows, out := h.stable(t, "show stat", "show stat json")
	csv, js := out[0], out[1]

	if got, want := string(AppendCSV(nil, rows)), blankModules(csv); got != want {
		t.Errorf("CSV differs from haproxy's, %s", firstDiff(got, want))
	}
	if got, want := string(AppendCSVHeader(nil)), csv[:strings.IndexByte(csv, '\n')+1]; got != want {
		t.Errorf("header:\n got %q\nwant %q", got, want)
	}

	// The stable read's typed output was read back into rows: printing
	// them again must give it back, less the module counters our rows do
	// not carry.
	typed := h.answers(t, "show stat typed")[0]
	again, err := ParseTyped([]byte(typed))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(AppendTyped(nil, again)), withoutModules(typed); got != want {
		t.Errorf("typed differs from haproxy's, %s", firstDiff(got, want))
	}

	// JSON: haproxy's, less the module counters our rows do not carry.
	var objs [][]json.RawMessage
	if err := json.Unmarshal([]byte(js), &objs); err != nil {
		t.Fatalf("haproxy's JSON: %v", err)
	}
	var b strings.Builder
	b.WriteString("[")
	for i, obj := range objs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("[")
		n := 0
		for _, e := range obj {
			var f struct {
				Field struct{ Pos int }
			}
			json.Unmarshal(e, &f)
			if f.Field.Pos >= int(NumStat)+int(NumMod) {
				continue
			}
			if n > 0 {
				b.WriteString(",")
			}
			n++
			b.Write(e)
		}
		b.WriteString("]")
	}
	b.WriteString("]\n")
	if got, want := string(AppendJSON(nil, rows)), b.String(); got != want {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Errorf("JSON differs at byte %d:\n got …%s\nwant …%s", i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

// volatileInfo are the info fields that move between two commands of one
// connection (the bytes the answers themselves send, the clock, the
// scheduler).
var volatileInfo = map[string]bool{
	"Uptime": true, "Uptime_sec": true, "TotalBytesOut": true, "BytesOutRate": true,
	"Tasks": true, "Run_queue": true, "Idle_pct": true, "PoolAlloc_MB": true,
	"PoolUsed_MB": true, "PoolAlloc_bytes": true, "PoolUsed_bytes": true,
}

func TestGoldenInfo(t *testing.T) {
	h := startHaproxy(t)
	out := h.answers(t, "show info typed", "show info", "show info json")
	info, err := ParseInfoTyped([]byte(out[0]))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendInfoTyped(nil, &info)); got != out[0] {
		t.Errorf("typed info differs, %s", firstDiff(got, out[0]))
	}
	if !strings.Contains(out[1], "\ndescription: \"golden, test\"\n") {
		t.Errorf("haproxy no longer quotes the description? %q", out[1])
	}
	got, want := strings.Split(string(AppendInfo(nil, &info)), "\n"), strings.Split(out[1], "\n")
	if len(got) != len(want) {
		t.Fatalf("info has %d lines, haproxy's %d:\n%s", len(got), len(want), firstDiff(strings.Join(got, "\n"), out[1]))
	}
	for i := range got {
		gn, _, _ := strings.Cut(got[i], ": ")
		wn, _, _ := strings.Cut(want[i], ": ")
		if gn != wn || got[i] != want[i] && !volatileInfo[gn] {
			t.Errorf("info line %d: got %q, want %q", i+1, got[i], want[i])
		}
	}
	var gj, wj []json.RawMessage
	if err := json.Unmarshal(AppendInfoJSON(nil, &info), &gj); err != nil {
		t.Fatalf("our info JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(out[2]), &wj); err != nil {
		t.Fatalf("haproxy's info JSON: %v", err)
	}
	if len(gj) != len(wj) {
		t.Fatalf("info JSON has %d fields, haproxy's %d", len(gj), len(wj))
	}
	for i := range gj {
		var f struct{ Field struct{ Name string } }
		json.Unmarshal(wj[i], &f)
		if string(gj[i]) != string(wj[i]) && !volatileInfo[f.Field.Name] {
			t.Errorf("info JSON field %d:\n got %s\nwant %s", i, gj[i], wj[i])
		}
	}
	// Floats ("show info float"): printed with at most six decimals, their
	// trailing zeroes trimmed.
	ft := h.answers(t, "show info typed float")[0]
	finfo, err := ParseInfoTyped([]byte(ft))
	if err != nil {
		t.Fatal(err)
	}
	if finfo[IUptimeSec].Kind != Flt {
		t.Errorf("Uptime_sec is %v with float", finfo[IUptimeSec].Kind)
	}
	if got := string(AppendInfoTyped(nil, &finfo)); got != ft {
		t.Errorf("typed float info differs, %s", firstDiff(got, ft))
	}
	if !strings.HasSuffix(out[2], "]\n") || !strings.HasSuffix(string(AppendInfoJSON(nil, &info)), "]\n") {
		t.Errorf("info JSON ends differently")
	}
}

func TestGoldenSchema(t *testing.T) {
	h := startHaproxy(t)
	want := h.answers(t, "show schema json")[0]
	if got := string(AppendJSONSchema(nil)); got != want {
		t.Errorf("schema differs, %s", firstDiff(got, want))
	}
}

// get fetches a page of haproxy's stats.
func (h *haproxy) get(t *testing.T, uri string) string {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + h.statsPort + uri)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scoped reads rows and an HTTP page in a state that did not move: the
// stats proxy's own counters move with each request, hence the scope.
func (h *haproxy) scoped(t *testing.T, uri string, o URIOptions) ([]Row, string) {
	t.Helper()
	for try := 0; ; try++ {
		before, _ := h.stable(t)
		body := h.get(t, uri)
		after, _ := h.stable(t)
		a, b := AppendTyped(nil, FilterRows(before, o)), AppendTyped(nil, FilterRows(after, o))
		if string(a) == string(b) || try == 20 {
			return before, body
		}
	}
}

// agree retries a comparison a few times: a health check in progress
// ("* L4OK") may be caught by one read and not by the other, but a
// difference of layout shows on every try.
func agree(t *testing.T, what string, compare func() string) {
	t.Helper()
	var diff string
	for try := 0; try < 5; try++ {
		if diff = compare(); diff == "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: %s", what, diff)
}

func TestGoldenHTTPFiltered(t *testing.T) {
	h := startHaproxy(t)
	for _, uri := range []string{"/st;up;csv?scope=be", "/st;no-maint;csv?scope=be", "/st;csv?scope=tcp", "/st;up;typed;csv?scope=be"} {
		o := ParseURIOptions(strings.TrimPrefix(uri, "/st"))
		agree(t, uri, func() string {
			rows, body := h.scoped(t, uri, o)
			var got string
			switch o.Format {
			case FormatCSV:
				got, body = string(AppendCSV(nil, FilterRows(rows, o))), blankModules(body)
			case FormatTyped:
				got, body = string(AppendTyped(nil, FilterRows(rows, o))), withoutModules(body)
			}
			if got != body {
				return firstDiff(got, body)
			}
			return ""
		})
	}
}

var (
	reTips  = regexp.MustCompile(`<div class=tips>.*?</div>`)
	reRow   = regexp.MustCompile(`(?s)<tr class="?([a-z_]+)"?>(.*?)</tr>`)
	reCell  = regexp.MustCompile(`(?s)<td([^>]*)>(.*?)</td>`)
	reTag   = regexp.MustCompile(`<[^>]*>`)
	reSpan  = regexp.MustCompile(`colspan=\d+`)
	reInput = regexp.MustCompile(`<input [^>]*value="([^"]*)"`)
)

// pageRows reduces a stats page to its rows: each row's class and its
// cells' text (a tooltip's in braces), colspans and checkbox values, which
// is what an operator reads, whatever the markup around it.
func pageRows(page string) []string {
	page = reTips.ReplaceAllStringFunc(page, func(tip string) string {
		return "{" + reTag.ReplaceAllString(tip, " ") + "}"
	})
	var rows []string
	for _, m := range reRow.FindAllStringSubmatch(page, -1) {
		if m[1] == "titre" {
			continue
		}
		row := m[1]
		for _, c := range reCell.FindAllStringSubmatch(m[2], -1) {
			text := html.UnescapeString(reTag.ReplaceAllString(c[2], ""))
			if in := reInput.FindStringSubmatch(c[2]); in != nil {
				text = "[x " + in[1] + "]"
			}
			row += " | " + reSpan.FindString(c[1]) + strings.TrimSpace(text)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestGoldenHTML(t *testing.T) {
	h := startHaproxy(t)
	for _, uri := range []string{"/st?scope=be", "/st?scope=fe", "/st;up?scope=be", "/st;no-maint?scope=be", "/st;norefresh?scope=tcpbe"} {
		o := ParseURIOptions(strings.TrimPrefix(uri, "/st"))
		agree(t, uri, func() string {
			rows, body := h.scoped(t, uri, o)
			p := &Page{Rows: rows, URI: "/st", Refresh: 10, ShowLegends: true, Admin: true}
			p.SetOptions(o)
			ours := string(AppendHTML(nil, p))
			got, want := pageRows(ours), pageRows(body)
			if len(want) == 0 {
				return "no rows in haproxy's page"
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				return "rows differ, " + firstDiff(g, w)
			}
			// The view links keep the options as haproxy's do (its links
			// to its web site aside).
			for _, link := range regexp.MustCompile(`<li><a href="(/[^"]*)"`).FindAllStringSubmatch(body, -1) {
				if !strings.Contains(ours, `<li><a href="`+link[1]+`"`) {
					return fmt.Sprintf("haproxy links to %q, we do not", link[1])
				}
			}
			return ""
		})
	}
}

func TestGoldenAdminPost(t *testing.T) {
	h := startHaproxy(t)
	client := &http.Client{Timeout: 3 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	for _, c := range []struct{ uri, body string }{
		{"/st", "s=s2&action=drain&b=%233"},
		{"/st", "s=s2&s=nope&action=ready&b=be"},
		{"/st", "s=nope&action=ready&b=be"},
		{"/st", "s=s2&action=bogus&b=be"},
		{"/st", "s=s2&action=&b=be"},
		{"/st", "s=s2&b=be"},
		{"/st", "s=s2&action=ready&b=nobackend"},
		{"/st;up;norefresh?scope=be", "s=s2&action=ready&b=be"},
		{"/st", "s=s2&action=dhlth&b=be"},
	} {
		resp, err := client.Post("http://127.0.0.1:"+h.statsPort+c.uri, "application/x-www-form-urlencoded", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := resp.Header.Get("Location")

		// Our side: parse, resolve against the config's backend, act.
		o := ParseURIOptions(strings.TrimPrefix(c.uri, "/st"))
		st := StatusNone
		post, err := ParseAdminPost([]byte(c.body))
		switch {
		case err != nil:
			st = StatusErrp
		case post.HasBackend && post.Backend != "be" && post.Backend != "#3":
			st = StatusErrp
		default:
			st = post.Apply(func(s string) (bool, bool) {
				known := s == "s1" || s == "s2" || s == "s3" || s == "s4" || s == "s5" || s == "s6"
				// s2 has no checks: disabling them does not apply.
				return known, known && !(post.Action == "dhlth" && s == "s2")
			})
		}
		if got := RedirectLocation("/st", st, o, true); got != want {
			t.Errorf("POST %s %q: redirect to %q, haproxy's %q", c.uri, c.body, got, want)
		}
	}
}
