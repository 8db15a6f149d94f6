package admin

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchyard/stats"
)

const statsListen = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
listen stats
    bind {FE}
    stats enable
    stats uri /stats
    stats refresh 5s
    stats admin if { hdr(x-admin) yes }
backend app
    server s1 {S1}
    server s2 {S2}
`

func noRedirect() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestStatsPage(t *testing.T) {
	a, fe := start(t, statsListen, "S1", origin(t, "one"), "S2", origin(t, "two"))
	c := noRedirect()
	resp, err := c.Get("http://" + fe + "/stats;csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "# pxname,svname,qcur,") || !strings.Contains(string(body), "\napp,s1,") {
		t.Fatalf(";csv: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("cache-control %q", resp.Header.Get("Cache-Control"))
	}
	resp, err = c.Get("http://" + fe + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Refresh") != "5" || !strings.Contains(string(body), "s1") {
		t.Fatalf("html: %d %v", resp.StatusCode, resp.Header)
	}

	post := func(admin bool, form url.Values) string {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+fe+"/stats", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if admin {
			req.Header.Set("X-Admin", "yes")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			t.Fatalf("POST: %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	form := url.Values{"s": {"s1"}, "action": {"maint"}, "b": {"app"}}
	if loc := post(false, form); loc != "/stats;st=DENY" {
		t.Errorf("POST without admin: Location %q", loc)
	}
	if st := row(t, a.Stats(AllStats), "app", "s1").Fields[stats.FStatus].Str; st != "no check" {
		t.Fatalf("a denied POST changed s1: %q", st)
	}
	if loc := post(true, form); loc != "/stats;st=DONE" {
		t.Errorf("POST: Location %q", loc)
	}
	if st := row(t, a.Stats(AllStats), "app", "s1").Fields[stats.FStatus].Str; st != "MAINT" {
		t.Fatalf("after the maint action s1 is %q", st)
	}
	// haproxy counts a server it cannot find as a failed change.
	if loc := post(true, url.Values{"s": {"nope", "s1"}, "action": {"ready"}, "b": {"app"}}); loc != "/stats;st=PART" {
		t.Errorf("POST on an unknown and a known server: Location %q", loc)
	}
	if loc := post(true, url.Values{"s": {"s1"}, "action": {"ready"}, "b": {"nope"}}); loc != "/stats;st=ERRP" {
		t.Errorf("POST on an unknown backend: Location %q", loc)
	}
}
