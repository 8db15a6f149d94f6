package admin

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
	"switchyard/stats"
)

// tlsStatsCfg has a frontend with a TLS bind (tls) and one in clear
// (plain), and a backend whose server s1 speaks TLS and whose s2 is
// configured with ssl but answers in clear, so that every handshake with
// it fails. A second frontend's handshake times out at once.
const tlsStatsCfg = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {FE} name plain
    bind {TLS} ssl crt {CRT} name tls
    option socket-stats
    option http-server-close
    use_backend bad if { path /bad }
    default_backend app
frontend slow
    bind {SLOW} ssl crt {CRT}
    timeout client 200ms
    default_backend app
backend app
    option http-server-close
    server s1 {S1} ssl verify none
backend bad
    retries 0
    server s2 {S2} ssl verify none
`

// TestTLSStatistics: handshakes with clients and with servers (new,
// resumed, failed, timed out) show in the "ssl" module's cells of the
// frontend, listener, backend and server rows, and in show info's Ssl*
// lines, as haproxy counts them.
func TestTLSStatistics(t *testing.T) {
	leaf := testcert.NewCA("stats CA").Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}})
	crt := filepath.Join(t.TempDir(), "www.pem")
	testcert.Write(crt, leaf.Bundle())
	tlsOrigin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "s1") }))
	t.Cleanup(tlsOrigin.Close)
	tlsAddr, slowAddr := ports.Addr(t), ports.Addr(t)
	a, fe := start(t, tlsStatsCfg, "TLS", tlsAddr, "SLOW", slowAddr, "CRT", crt,
		"S1", tlsOrigin.Listener.Addr().String(), "S2", origin(t, "clear"))

	// Two requests through the TLS bind, the second resuming the first's
	// session; each makes a new connection to s1, the second resuming too.
	cache := tls.NewLRUClientSessionCache(4)
	for i, want := range []bool{false, true} {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ClientSessionCache: cache}}}
		resp, err := c.Get("https://" + tlsAddr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "s1" || resp.TLS.DidResume != want {
			t.Fatalf("request %d: %q, resumed %v", i+1, body, resp.TLS.DidResume)
		}
	}
	// A request in clear to the server that fails every handshake.
	if code, _ := get(t, fe, "/bad"); code != http.StatusServiceUnavailable {
		t.Fatalf("/bad: %d", code)
	}
	// Two failed handshakes: bytes that are no TLS, and a connection
	// closed before any.
	for _, send := range []string{"GET / HTTP/1.0\r\n\r\n", ""} {
		c, err := net.Dial("tcp", tlsAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(send))
		if send == "" {
			c.Close()
			continue
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c)
		c.Close()
	}
	// A handshake that times out is no failure (haproxy's embryonic
	// session expires: the handshake never failed).
	c, err := net.Dial("tcp", slowAddr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, c)
	c.Close()

	info := waitInfo(t, a, "CurrSslConns", "0")
	rows := a.Stats(AllStats)
	csv := string(stats.AppendCSV(nil, rows))
	for _, tc := range []struct {
		px, sv              string
		sess, reused, fails string
	}{
		{"fe", "FRONTEND", "1", "1", "2"},
		{"fe", "plain", "0", "0", "0"},
		{"fe", "tls", "1", "1", "2"},
		{"slow", "FRONTEND", "0", "0", "0"},
		{"app", "s1", "1", "1", "0"},
		{"app", "BACKEND", "1", "1", "0"},
		{"bad", "s2", "0", "0", "1"},
		{"bad", "BACKEND", "0", "0", "1"},
	} {
		got := csvModCells(t, csv, tc.px, tc.sv)
		if want := tc.sess + "," + tc.reused + "," + tc.fails; got != want {
			t.Errorf("%s/%s: ssl_sess,ssl_reused_sess,ssl_failed_handshake = %s, want %s", tc.px, tc.sv, got, want)
		}
	}
	// The typed output has them too, at haproxy's positions.
	feRow := row(t, rows, "fe", "FRONTEND")
	typed := string(stats.AppendTyped(nil, []stats.Row{*feRow}))
	id := "F." + strconv.Itoa(feRow.IID) + ".0."
	for _, l := range []string{"103.ssl_sess.1:MCP:u64:1\n", "104.ssl_reused_sess.1:MCP:u64:1\n", "105.ssl_failed_handshake.1:MCP:u64:2\n"} {
		if l = id + l; !strings.Contains(typed, l) {
			t.Errorf("typed output lacks %q", l)
		}
	}

	// Endpoints: 4 accepted on fe's TLS bind, 1 on slow's; 2 connections
	// to s1, 1 to s2.
	num := func(name string) int {
		n, err := strconv.Atoi(info[name])
		if err != nil {
			t.Fatalf("%s: %q", name, info[name])
		}
		return n
	}
	if n := num("CumSslConns"); n != 8 {
		t.Errorf("CumSslConns = %d, want 8", n)
	}
	// The rates depend on which second each event fell in; their maxima
	// are at least 1 and at most the events.
	for name, hi := range map[string]int{"MaxSslRate": 5, "SslFrontendMaxKeyRate": 1, "SslBackendMaxKeyRate": 1} {
		if n := num(name); n < 1 || n > hi {
			t.Errorf("%s = %d, want 1 to %d", name, n, hi)
		}
	}
	for _, name := range []string{"SslRate", "SslFrontendKeyRate", "SslBackendKeyRate", "SslFrontendSessionReuse_pct"} {
		if n := num(name); n > 100 {
			t.Errorf("%s = %d", name, n)
		}
	}
	for _, name := range []string{"SslRateLimit", "MaxSslConns", "SslCacheLookups", "SslCacheMisses"} {
		if info[name] != "0" {
			t.Errorf("%s = %s, want 0", name, info[name])
		}
	}

	// clear counters resets the module (haproxy registers it clearable)
	// and the rates' maxima, not the endpoint totals.
	if err := a.ClearCounters(Operator, false); err != nil {
		t.Fatal(err)
	}
	if got := csvModCells(t, string(stats.AppendCSV(nil, a.Stats(AllStats))), "fe", "FRONTEND"); got != "0,0,0" {
		t.Errorf("after clear counters: %s", got)
	}
	info = infoLines(a)
	if info["SslFrontendMaxKeyRate"] != "0" || info["MaxSslRate"] != "0" || info["CumSslConns"] != "8" {
		t.Errorf("after clear counters: MaxSslRate %s, SslFrontendMaxKeyRate %s, CumSslConns %s",
			info["MaxSslRate"], info["SslFrontendMaxKeyRate"], info["CumSslConns"])
	}
}

// csvModCells returns the ssl module's three cells of a row of the CSV.
func csvModCells(t *testing.T, csv, px, sv string) string {
	t.Helper()
	for _, l := range strings.Split(csv, "\n") {
		if strings.HasPrefix(l, px+","+sv+",") {
			_, mods, ok := strings.Cut(l, ",-,")
			if !ok {
				t.Fatalf("no module columns in %q", l)
			}
			return strings.Join(strings.SplitN(mods, ",", 4)[:3], ",")
		}
	}
	t.Fatalf("no row %s/%s in\n%s", px, sv, csv)
	return ""
}

// infoLines is show info's text output, by field name.
func infoLines(a *Surface) map[string]string {
	info := a.Info()
	m := map[string]string{}
	for _, l := range strings.Split(string(stats.AppendInfo(nil, &info)), "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			m[k] = v
		}
	}
	return m
}

// waitInfo returns show info once field reads want (the connections end
// just after their clients saw them end), failing after a few seconds.
func waitInfo(t *testing.T, a *Surface, field, want string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := infoLines(a)
		if m[field] == want {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("show info %s = %s, want %s", field, m[field], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
