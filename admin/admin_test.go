package admin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testaddr"
	"switchyard/proxy"
	"switchyard/stats"
)

var ports = testaddr.New(18000, 20000)

// start runs a configuration ({FE} is replaced by a free address, {S1}
// and {S2} by the origins') on a runtime stopped at the end of the test.
func start(t testing.TB, text string, kv ...string) (*Surface, string) {
	t.Helper()
	fe := ports.Addr(t)
	text = strings.ReplaceAll(text, "{FE}", fe)
	for i := 0; i < len(kv); i += 2 {
		text = strings.ReplaceAll(text, "{"+kv[i]+"}", kv[i+1])
	}
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	rt := proxy.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err := rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	return New(rt), fe
}

// origin is an HTTP server answering its name.
func origin(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, name)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const twoServers = `
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind {FE}
    http-request deny if { path /denied }
    default_backend app
backend app
    balance roundrobin
    server s1 {S1}
    server s2 {S2}
`

// row finds a row by proxy and object name.
func row(t *testing.T, rows []stats.Row, px, sv string) *stats.Row {
	t.Helper()
	for i := range rows {
		f := &rows[i].Fields
		if f[stats.FPxname].Str == px && f[stats.FSvname].Str == sv {
			return &rows[i]
		}
	}
	t.Fatalf("no row %s/%s", px, sv)
	return nil
}

func u(r *stats.Row, f stats.Stat) uint64 { return r.Fields[f].U }

// settled returns the rows once no frontend holds a connection: a
// transaction is counted as it ends, just after its response went out.
func settled(t *testing.T, a *Surface) []stats.Row {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rows := a.Stats(AllStats)
		busy := false
		for i := range rows {
			if rows[i].Type == stats.TypeFrontend && u(&rows[i], stats.FScur) > 0 {
				busy = true
			}
		}
		if !busy || time.Now().After(deadline) {
			return rows
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Traffic shows in the rows of every object it went through, counted
// once, in the fields haproxy fills for that object type.
func TestStatsCountTraffic(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	for range 4 {
		if code, _ := get(t, fe, "/"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	if code, _ := get(t, fe, "/missing"); code != 404 {
		t.Fatalf("status %d", code)
	}
	if code, _ := get(t, fe, "/denied"); code != 403 {
		t.Fatalf("status %d", code)
	}
	rows := settled(t, a)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want FRONTEND, s1, s2, BACKEND", len(rows))
	}
	f := row(t, rows, "fe", "FRONTEND")
	if u(f, stats.FReqTot) != 6 || u(f, stats.FHrsp2xx) != 4 || u(f, stats.FHrsp4xx) != 2 || u(f, stats.FDreq) != 1 {
		t.Errorf("frontend req_tot %d 2xx %d 4xx %d dreq %d", u(f, stats.FReqTot), u(f, stats.FHrsp2xx), u(f, stats.FHrsp4xx), u(f, stats.FDreq))
	}
	if u(f, stats.FStot) != 6 || u(f, stats.FConnTot) != 6 || u(f, stats.FBin) == 0 || u(f, stats.FBout) == 0 {
		t.Errorf("frontend stot %d conn_tot %d bin %d bout %d", u(f, stats.FStot), u(f, stats.FConnTot), u(f, stats.FBin), u(f, stats.FBout))
	}
	if f.Fields[stats.FStatus].Str != "OPEN" || f.Type != stats.TypeFrontend {
		t.Errorf("frontend status %q type %d", f.Fields[stats.FStatus].Str, f.Type)
	}
	b := row(t, rows, "app", "BACKEND")
	if u(b, stats.FReqTot) != 5 || u(b, stats.FHrsp2xx) != 4 || u(b, stats.FHrsp4xx) != 1 || u(b, stats.FStot) != 5 || u(b, stats.FLbtot) != 5 {
		t.Errorf("backend req_tot %d 2xx %d 4xx %d stot %d lbtot %d", u(b, stats.FReqTot), u(b, stats.FHrsp2xx), u(b, stats.FHrsp4xx), u(b, stats.FStot), u(b, stats.FLbtot))
	}
	if b.Fields[stats.FStatus].Str != "UP" || u(b, stats.FAct) != 2 || u(b, stats.FWeight) != 2 || b.Fields[stats.FAlgo].Str != "roundrobin" {
		t.Errorf("backend status %q act %d weight %d algo %q", b.Fields[stats.FStatus].Str, u(b, stats.FAct), u(b, stats.FWeight), b.Fields[stats.FAlgo].Str)
	}
	var total uint64
	for _, sv := range []string{"s1", "s2"} {
		s := row(t, rows, "app", sv)
		total += u(s, stats.FStot)
		if s.Fields[stats.FStatus].Str != "no check" || s.Fields[stats.FCheckStatus].Kind != stats.Empty {
			t.Errorf("%s status %q check %q", sv, s.Fields[stats.FStatus].Str, s.Fields[stats.FCheckStatus].Str)
		}
		if s.Fields[stats.FLastsess].S < 0 || s.Fields[stats.FConnect].U+s.Fields[stats.FReuse].U < u(s, stats.FStot) {
			t.Errorf("%s lastsess %d connect %d reuse %d", sv, s.Fields[stats.FLastsess].S, u(s, stats.FConnect), u(s, stats.FReuse))
		}
	}
	if total != 5 {
		t.Errorf("servers' stot sum %d, want 5", total)
	}
}

// The operations check the caller's level, answer haproxy's words, and
// change the state the data plane uses.
func TestServerStateChanges(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	if err := a.SetServerState(User, "app", "s1", "maint"); !errors.Is(err, ErrPermission) {
		t.Fatalf("user level: %v", err)
	}
	if err := a.SetServerState(Operator, "app", "s1", "maint"); !errors.Is(err, ErrPermission) {
		t.Fatalf("operator level: %v", err)
	}
	for _, c := range []struct{ be, srv, state, want string }{
		{"nope", "s1", "maint", "No such backend.\n"},
		{"app", "nope", "maint", "No such server.\n"},
		{"app", "", "maint", "Require 'backend/server'.\n"},
		{"app", "s1", "up", "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"},
	} {
		if err := a.SetServerState(Admin, c.be, c.srv, c.state); err == nil || err.Error() != c.want {
			t.Errorf("%s/%s %s: %v, want %q", c.be, c.srv, c.state, err, c.want)
		}
	}
	if err := a.SetServerState(Admin, "app", "s1", "maint"); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, body := get(t, fe, "/"); body != "two" {
			t.Fatalf("a server in maintenance got traffic: %q", body)
		}
	}
	rows := a.Stats(AllStats)
	if st := row(t, rows, "app", "s1").Fields[stats.FStatus].Str; st != "MAINT" {
		t.Errorf("s1 status %q, want MAINT", st)
	}
	if act := u(row(t, rows, "app", "BACKEND"), stats.FAct); act != 1 {
		t.Errorf("backend act %d, want 1", act)
	}
	if err := a.SetServerState(Admin, "app", "s1", "drain"); err != nil {
		t.Fatal(err)
	}
	if st := row(t, a.Stats(AllStats), "app", "s1").Fields[stats.FStatus].Str; st != "DRAIN" {
		t.Errorf("s1 status %q, want DRAIN", st)
	}
	if err := a.SetServerState(Admin, "app", "s1", "ready"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 4 {
		_, body := get(t, fe, "/")
		seen[body] = true
	}
	if !seen["one"] || !seen["two"] {
		t.Errorf("after ready, traffic went to %v", seen)
	}
	// Weights: haproxy's texts for bad values; a valid one shows.
	for arg, want := range map[string]string{
		"":     "Require <weight> or <weight%>.\n",
		"x":    "Empty weight string empty or preceded by garbage",
		"300":  "Absolute weight can only be between 0 and 256 inclusive.\n",
		"-5%":  "Relative weight must be positive.\n",
		"10xy": "Trailing garbage in weight string",
	} {
		if err := a.SetServerWeight(Admin, "app", "s2", arg); err == nil || err.Error() != want {
			t.Errorf("weight %q: %v, want %q", arg, err, want)
		}
	}
	if err := a.SetServerWeight(Admin, "app", "s2", "50"); err != nil {
		t.Fatal(err)
	}
	if w, _ := a.GetWeight(User, "app", "s2"); w != "50 (initial 1)\n" {
		t.Errorf("get weight = %q", w)
	}
	if err := a.SetServerHealth(Admin, "app", "s1", "down"); err != nil {
		t.Errorf("health on an unchecked server: %v (haproxy ignores it)", err)
	}
	if err := a.SetServerAgent(Admin, "app", "s1", "up"); err == nil || err.Error() != "agent checks are not enabled on this server.\n" {
		t.Errorf("agent on a server without one: %v", err)
	}
}

// clear counters resets the maxima for an operator and everything for an
// admin, and nothing for a user.
func TestClearCounters(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	get(t, fe, "/")
	if err := a.ClearCounters(User, false); !errors.Is(err, ErrPermission) {
		t.Fatalf("user: %v", err)
	}
	if err := a.ClearCounters(Operator, true); !errors.Is(err, ErrPermission) {
		t.Fatalf("operator, all: %v", err)
	}
	if err := a.ClearCounters(Operator, false); err != nil {
		t.Fatal(err)
	}
	f := row(t, settled(t, a), "fe", "FRONTEND")
	if u(f, stats.FReqTot) != 1 || u(f, stats.FSmax) != 0 {
		t.Errorf("after clear counters: req_tot %d smax %d", u(f, stats.FReqTot), u(f, stats.FSmax))
	}
	if err := a.ClearCounters(Admin, true); err != nil {
		t.Fatal(err)
	}
	if f := row(t, a.Stats(AllStats), "fe", "FRONTEND"); u(f, stats.FReqTot) != 0 {
		t.Errorf("after clear counters all: req_tot %d", u(f, stats.FReqTot))
	}
}

// show info carries the process's counters.
func TestInfo(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	get(t, fe, "/")
	info := a.Info()
	if info[stats.ICumReq].U != 1 || info[stats.ICumConn].U != 1 || info[stats.IName].Str == "" {
		t.Errorf("CumReq %d CumConns %d Name %q", info[stats.ICumReq].U, info[stats.ICumConn].U, info[stats.IName].Str)
	}
}

// option socket-stats gives each bind a row of its own.
func TestListenerRows(t *testing.T) {
	text := strings.Replace(twoServers, "    bind {FE}\n", "    bind {FE} name main\n    option socket-stats\n", 1)
	a, fe := start(t, text, "S1", origin(t, "one"), "S2", origin(t, "two"))
	get(t, fe, "/")
	l := row(t, a.Stats(AllStats), "fe", "main")
	if l.Type != stats.TypeListener || u(l, stats.FStot) != 1 || u(l, stats.FSid) != 1 || l.Fields[stats.FStatus].Str != "OPEN" || l.Fields[stats.FAddr].Str != fe {
		t.Errorf("listener row: type %d stot %d sid %d status %q addr %q", l.Type, u(l, stats.FStot), u(l, stats.FSid), l.Fields[stats.FStatus].Str, l.Fields[stats.FAddr].Str)
	}
}

// disable/enable/shutdown frontend and set maxconn act on the accept loop
// at once, with haproxy's answers.
func TestFrontendControl(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	if err := a.DisableFrontend(Operator, "fe"); !errors.Is(err, ErrPermission) {
		t.Fatalf("operator: %v", err)
	}
	if err := a.DisableFrontend(Admin, "nope"); err == nil || err.Error() != "No such frontend.\n" {
		t.Fatalf("unknown frontend: %v", err)
	}
	if err := a.DisableFrontend(Admin, "fe"); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableFrontend(Admin, "fe"); err == nil || err.Error() != "All sockets are already disabled.\n" {
		t.Fatalf("second disable: %v", err)
	}
	// A connection made while paused waits in the backlog, and is served
	// once the frontend is enabled again.
	done := make(chan string, 1)
	go func() {
		_, body := get(t, fe, "/")
		done <- body
	}()
	select {
	case b := <-done:
		t.Fatalf("a paused frontend answered %q", b)
	case <-time.After(300 * time.Millisecond):
	}
	if err := a.EnableFrontend(Admin, "fe"); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-done:
		if b != "one" && b != "two" {
			t.Fatalf("after enable: %q", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting connection was not served after enable")
	}
	if err := a.SetMaxConn(Admin, "frontend", "fe", "7"); err != nil {
		t.Fatal(err)
	}
	if f := row(t, a.Stats(AllStats), "fe", "FRONTEND"); u(f, stats.FSlim) != 7 {
		t.Errorf("slim after set maxconn frontend 7: %d", u(f, stats.FSlim))
	}
	if err := a.SetMaxConn(Admin, "frontend", "fe", "-1"); err == nil || err.Error() != "Value out of range.\n" {
		t.Errorf("negative maxconn: %v", err)
	}
	get(t, fe, "/")
	if err := a.ShutdownFrontend(Admin, "fe"); err != nil {
		t.Fatal(err)
	}
	if f := row(t, a.Stats(AllStats), "fe", "FRONTEND"); f.Fields[stats.FStatus].Str != "STOP" {
		t.Errorf("status after shutdown: %q", f.Fields[stats.FStatus].Str)
	}
	if c, err := net.DialTimeout("tcp", fe, time.Second); err == nil {
		c.Close()
		t.Error("a shut frontend still accepts")
	}
	if err := a.EnableFrontend(Admin, "fe"); err == nil || err.Error() != "Frontend was previously shut down, cannot enable.\n" {
		t.Errorf("enable after shutdown: %v", err)
	}
}

// set server addr moves the traffic at once, answers haproxy's report,
// and survives a reload that keeps the configured address.
func TestSetServerAddr(t *testing.T) {
	one, two := origin(t, "one"), origin(t, "two")
	text := strings.Replace(twoServers, "    server s2 {S2}\n", "", 1)
	a, fe := start(t, text, "S1", one, "S2", two)
	if _, body := get(t, fe, "/"); body != "one" {
		t.Fatalf("before: %q", body)
	}
	h, p, _ := net.SplitHostPort(two)
	err := a.SetServerAddr(Admin, "app", "s1", h, p)
	_, oldPort, _ := net.SplitHostPort(one)
	want := "no need to change the addr, port changed from '" + oldPort + "' to '" + p + "' by 'stats socket command'\n"
	if err == nil || err.Error() != want {
		t.Fatalf("report %q, want %q", err, want)
	}
	if _, body := get(t, fe, "/"); body != "two" {
		t.Fatalf("after set server addr: %q", body)
	}
	if err := a.SetServerAddr(Admin, "app", "s1", "not-an-ip", ""); err == nil || err.Error() != "Invalid addr 'not-an-ip' by 'stats socket command'\n" {
		t.Errorf("bad address: %q", err)
	}
	// A reload of the same configuration keeps the runtime address.
	text = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(text, "{FE}", fe), "{S1}", one), "{S2}", two)
	cfg, _, errs := config.LoadBytes("t.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := a.rt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, fe, "/"); body != "two" {
		t.Fatalf("after a reload: %q", body)
	}
}

// show sess lists the connections with what their request uses, and
// shutdown sessions server cuts those on the server.
func TestSessions(t *testing.T) {
	hold := make(chan struct{})
	inHandler := make(chan struct{}, 1)
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inHandler <- struct{}{}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go slow.Serve(ln)
	t.Cleanup(func() { close(hold); slow.Close() })
	text := strings.Replace(twoServers, "    server s2 {S2}\n", "", 1)
	a, fe := start(t, text, "S1", ln.Addr().String())
	c, err := net.Dial("tcp", fe)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nhost: x\r\n\r\n")
	<-inHandler
	if _, err := a.Sessions(User); !errors.Is(err, ErrPermission) {
		t.Fatalf("user level: %v", err)
	}
	sess, err := a.Sessions(Operator)
	if err != nil || len(sess) != 1 || sess[0].Frontend != "fe" || sess[0].Backend != "app" || sess[0].Server != "s1" {
		t.Fatalf("sessions: %+v %v", sess, err)
	}
	if err := a.ShutdownServerSessions(Admin, "app", "s1"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the session on s1 was not cut: %v", err)
	}
	if err := a.ShutdownSession(Admin, "0x1"); err == nil || err.Error() != "No such session (use 'show sess').\n" {
		t.Errorf("unknown session: %v", err)
	}
}

// set rate-limit connections holds the accept rate to the limit: new
// connections wait in the backlog, none is refused.
func TestRateLimit(t *testing.T) {
	a, fe := start(t, twoServers, "S1", origin(t, "one"), "S2", origin(t, "two"))
	if err := a.SetRateLimit(Admin, "connections", "-1"); err == nil || err.Error() != "Value out of range.\n" {
		t.Fatalf("negative: %v", err)
	}
	if err := a.SetRateLimit(Admin, "connections", "10"); err != nil {
		t.Fatal(err)
	}
	if info := a.Info(); info[stats.IConnRateLimit].U != 10 {
		t.Errorf("ConnRateLimit %d", info[stats.IConnRateLimit].U)
	}
	start := time.Now()
	for range 25 {
		if code, _ := get(t, fe, "/"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	// 25 connections at 10 per second take well over a second; without
	// the limit, milliseconds.
	if d := time.Since(start); d < 800*time.Millisecond {
		t.Errorf("25 connections at 10/s took only %v", d)
	}
	if err := a.SetRateLimit(Admin, "connections", "0"); err != nil {
		t.Fatal(err)
	}
}

// add server creates a server in maintenance, which enable server puts in
// the balancer; del server removes it once back in maintenance.
func TestDynamicServers(t *testing.T) {
	one, two := origin(t, "one"), origin(t, "two")
	text := strings.Replace(twoServers, "    server s2 {S2}\n", "", 1)
	a, fe := start(t, text, "S1", one, "S2", two)
	if err := a.AddServer(Operator, "app", "s9", []string{two}); !errors.Is(err, ErrPermission) {
		t.Fatalf("operator: %v", err)
	}
	if err := a.AddServer(Admin, "nope", "s9", []string{two}); err == nil || err.Error() != "No such backend." {
		t.Fatalf("unknown backend: %v", err)
	}
	if err := a.AddServer(Admin, "app", "s9", []string{two, "weight", "2", "check"}); err != nil {
		t.Fatal(err)
	}
	if err := a.AddServer(Admin, "app", "s9", []string{two}); err == nil || err.Error() != "Already exists a server with the same name in backend.\n" {
		t.Fatalf("twice: %v", err)
	}
	if st := row(t, a.Stats(AllStats), "app", "s9").Fields[stats.FStatus].Str; st != "MAINT" {
		t.Fatalf("a new server is %q, want MAINT", st)
	}
	for range 4 {
		if _, body := get(t, fe, "/"); body != "one" {
			t.Fatalf("a server in maintenance got traffic: %q", body)
		}
	}
	if err := a.EnableServer(Admin, "app", "s9"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 6 {
		_, body := get(t, fe, "/")
		seen[body]++
	}
	if seen["two"] == 0 {
		t.Fatalf("the enabled server got no traffic: %v", seen)
	}
	if err := a.DelServer(Admin, "app", "s9"); err == nil || err.Error() != "Only servers in maintenance mode can be deleted." {
		t.Fatalf("del while in service: %v", err)
	}
	if err := a.DisableServer(Admin, "app", "s9"); err != nil {
		t.Fatal(err)
	}
	if err := a.DelServer(Admin, "app", "s9"); err != nil {
		t.Fatal(err)
	}
	for _, r := range a.Stats(AllStats) {
		if r.Fields[stats.FSvname].Str == "s9" {
			t.Fatal("a deleted server is still listed")
		}
	}
}

// probeListener signals on the channel what each connection to it sends
// first, and answers reply: an HTTP check's request, an agent's string.
func probeListener(t *testing.T, reply string) (string, <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 64)
				n, _ := c.Read(buf)
				io.WriteString(c, reply)
				select {
				case got <- string(buf[:n]):
				default:
				}
			}()
		}
	}()
	return ln.Addr().String(), got
}

// waitProbe waits for a connection to a probe listener, bounded.
func waitProbe(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s connected within 5s", what)
		return ""
	}
}

// set server check-addr/check-port/agent-addr/agent-send move where the
// checks and the agent connect from their next run, and survive a reload
// that keeps the configured values; a configuration that changes them
// wins.
func TestSetServerCheckTargets(t *testing.T) {
	chk, chkGot := probeListener(t, "HTTP/1.0 200 OK\r\n\r\n")
	agt, agtGot := probeListener(t, "up\n")
	chkHost, chkPort, _ := net.SplitHostPort(chk)
	_, agtPort, _ := net.SplitHostPort(agt)
	text := `
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
backend app
    option httpchk GET /probe
    server s1 127.0.0.1:1 check inter 50ms port 2 agent-check agent-port 3 agent-inter 50ms
`
	a, _ := start(t, text)
	if err := a.SetServerCheckAddr(Admin, "app", "s1", chkHost, "x"); err == nil || err.Error() != "provided port is not an integer" {
		t.Fatalf("bad port: %v", err)
	}
	if err := a.SetServerCheckAddr(Operator, "app", "s1", chkHost, chkPort); !errors.Is(err, ErrPermission) {
		t.Fatalf("operator level: %v", err)
	}
	if err := a.SetServerCheckAddr(Admin, "app", "s1", chkHost, chkPort); err != nil {
		t.Fatal(err)
	}
	if got := waitProbe(t, chkGot, "health check"); !strings.HasPrefix(got, "GET /probe") {
		t.Fatalf("health check sent %q", got)
	}
	if err := a.SetServerAgentSend(Admin, "app", "s1", "hello\n"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetServerAgentAddr(Admin, "app", "s1", "127.0.0.1", agtPort); err != nil {
		t.Fatal(err)
	}
	if got := waitProbe(t, agtGot, "agent"); got != "hello\n" {
		t.Fatalf("agent sent %q", got)
	}
	// The same configuration again: the runtime targets stay.
	reload := func(text string) {
		t.Helper()
		cfg, _, errs := config.LoadBytes("t.cfg", []byte(text), config.LoadOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if err := a.rt.Apply(cfg); err != nil {
			t.Fatal(err)
		}
	}
	reload(text)
	view := func() ServerView {
		t.Helper()
		vs, err := a.Servers("app")
		if err != nil || len(vs) != 1 {
			t.Fatalf("servers: %v %v", vs, err)
		}
		return vs[0]
	}
	v := view()
	if v.CheckAddr != chkHost || strconv.Itoa(v.CheckPort) != chkPort || strconv.Itoa(v.AgentPort) != agtPort {
		t.Fatalf("after a reload: check %s:%d agent %s:%d", v.CheckAddr, v.CheckPort, v.AgentAddr, v.AgentPort)
	}
	for len(chkGot) > 0 {
		<-chkGot
	}
	waitProbe(t, chkGot, "health check after the reload")
	// A configuration with another check port wins; the agent's stays.
	reload(strings.Replace(text, "port 2 ", "port 4 ", 1))
	if v := view(); v.CheckAddr != "" || v.CheckPort != 4 || strconv.Itoa(v.AgentPort) != agtPort {
		t.Fatalf("after a reload that changes the port: check %s:%d agent %s:%d", v.CheckAddr, v.CheckPort, v.AgentAddr, v.AgentPort)
	}
}
