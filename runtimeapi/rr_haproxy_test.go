package runtimeapi

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/haproxytest"
)

// TestHAProxyRoundRobinStateChanges: `balance roundrobin` must keep
// haproxy's order when a server leaves and comes back, or changes weight,
// through the runtime API. haproxy updates its round robin in place (a
// server that returns is placed relative to the current position, one whose
// weight changes keeps its last position), so the order after the change
// depends on where the cycle was. The same configuration runs in haproxy
// 2.6 and in switchyard; each case sends requests, changes servers, sends
// more, and the sequences of servers must be the same. haproxy runs one
// thread: its round robin is under one lock, and with its default of
// several threads the sequences were the same, but one thread leaves no
// doubt about the order in which requests reach it.
func TestHAProxyRoundRobinStateChanges(t *testing.T) {
	haproxytest.Need(t)
	type srv struct {
		name   string
		weight int
		opts   string
	}
	sv := func(spec string) []srv {
		// "a3 b1 c1 x2b": name, weight, a trailing b for backup.
		var ss []srv
		for _, f := range strings.Fields(spec) {
			s := srv{name: f[:1]}
			rest := f[1:]
			if strings.HasSuffix(rest, "b") {
				s.opts, rest = " backup", strings.TrimSuffix(rest, "b")
			}
			s.weight, _ = strconv.Atoi(rest)
			ss = append(ss, s)
		}
		return ss
	}
	// A script is a list of steps: a number sends that many requests,
	// anything else is a CLI command, where "@" is the backend's name.
	tests := []struct {
		name    string
		servers []srv
		extra   string
		script  []string
	}{
		{"maint-first", sv("a1 b1 c1"), "", []string{"4", "set server @/a state maint", "3", "set server @/a state ready", "9"}},
		{"maint-middle", sv("a1 b1 c1"), "", []string{"4", "set server @/b state maint", "3", "set server @/b state ready", "9"}},
		{"maint-last", sv("a1 b1 c1"), "", []string{"4", "set server @/c state maint", "3", "set server @/c state ready", "9"}},
		{"maint-middle-at-once", sv("a1 b1 c1"), "", []string{"4", "set server @/b state maint", "set server @/b state ready", "9"}},
		{"maint-no-request", sv("a1 b1 c1"), "", []string{"set server @/b state maint", "3", "set server @/b state ready", "9"}},
		{"maint-after-one", sv("a1 b1 c1"), "", []string{"1", "set server @/a state maint", "2", "set server @/a state ready", "9"}},
		{"maint-after-two", sv("a1 b1 c1"), "", []string{"2", "set server @/c state maint", "1", "set server @/c state ready", "9"}},
		{"disable-enable", sv("a1 b1 c1"), "", []string{"5", "disable server @/b", "2", "enable server @/b", "9"}},
		{"drain-ready", sv("a1 b1 c1"), "", []string{"5", "set server @/a state drain", "2", "set server @/a state ready", "9"}},
		{"weights-maint-heavy", sv("a3 b2 c1"), "", []string{"7", "set server @/a state maint", "4", "set server @/a state ready", "18"}},
		{"weights-maint-light", sv("a3 b2 c1"), "", []string{"5", "set server @/c state maint", "4", "set server @/c state ready", "18"}},
		{"four-maint-two", sv("a2 b1 c1 d3"), "", []string{"6", "set server @/a state maint", "set server @/d state maint", "3", "set server @/d state ready", "2", "set server @/a state ready", "21"}},
		{"all-maint", sv("a1 b1 c1"), "", []string{"2", "disable server @/a", "disable server @/b", "disable server @/c", "enable server @/b", "2", "enable server @/a", "enable server @/c", "9"}},
		{"weight-zero-and-back", sv("a1 b1 c1"), "", []string{"4", "set server @/b weight 0", "3", "set server @/b weight 1", "9"}},
		{"weight-up", sv("a1 b1 c1"), "", []string{"4", "set server @/b weight 3", "15"}},
		{"weight-down", sv("a4 b2 c1"), "", []string{"5", "set weight @/a 1", "12"}},
		{"weight-change-midcycle", sv("a2 b3 c1 d1"), "", []string{"3", "set server @/c weight 5", "4", "set server @/b weight 1", "20"}},
		{"weight-change-in-init", sv("a1 b1 c1 d1"), "", []string{"1", "set server @/d weight 2", "12"}},
		{"health-down-up", sv("a1 b1 c1"), "", []string{"4", "set server @/b health down", "3", "set server @/b health up", "9"}},
		{"backup-takes-over", sv("a1 b1 x1b y1b"), "", []string{"3", "disable server @/a", "disable server @/b", "4", "enable server @/a", "5"}},
		{"allbackups", sv("a1 b1 x1b y2b"), "    option allbackups\n", []string{"3", "disable server @/a", "disable server @/b", "5", "enable server @/b", "3", "disable server @/b", "6"}},
		{"backups-change-while-unused", sv("a1 x1b y2b"), "    option allbackups\n", []string{"2", "disable server @/a", "4", "enable server @/a", "set server @/y weight 1", "2", "disable server @/a", "6"}},
		{"add-del-server", sv("a1 b2 c1"), "", []string{"3", "add server @/e %e weight 2", "2", "enable server @/e", "7", "disable server @/e", "3", "del server @/e", "5"}},
	}
	// Random scripts, the same on every run, for what the cases above do
	// not think of.
	rnd := rand.New(rand.NewPCG(26, 12))
	for i := range 24 {
		names := []string{"a", "b", "c", "d"}[:3+rnd.IntN(2)]
		var ss []srv
		for _, n := range names {
			ss = append(ss, srv{name: n, weight: 1 + rnd.IntN(4)})
		}
		var script []string
		for range 3 + rnd.IntN(5) {
			script = append(script, strconv.Itoa(rnd.IntN(8)))
			n := names[rnd.IntN(len(names))]
			switch rnd.IntN(4) {
			case 0:
				script = append(script, "set server @/"+n+" state maint")
			case 1:
				script = append(script, "set server @/"+n+" state ready")
			case 2:
				script = append(script, fmt.Sprintf("set server @/%s weight %d", n, rnd.IntN(6)))
			case 3:
				script = append(script, "set server @/"+n+" state drain")
			}
		}
		script = append(script, "25")
		tests = append(tests, struct {
			name    string
			servers []srv
			extra   string
			script  []string
		}{fmt.Sprintf("random-%d", i), ss, "", script})
	}
	origins := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d", "e", "x", "y"} {
		origins[n] = rrOrigin(t, n)
	}
	var cfg strings.Builder
	cfg.WriteString("global\n    stats timeout 5s\n    nbthread 1\n" +
		"defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n" +
		"frontend fe\n    bind @FE@\n")
	for i := range tests {
		fmt.Fprintf(&cfg, "    use_backend rr%d if { req.hdr(x-be) -m str rr%d }\n", i, i)
	}
	for i, tc := range tests {
		fmt.Fprintf(&cfg, "backend rr%d\n    balance roundrobin\n%s", i, tc.extra)
		for _, s := range tc.servers {
			// A check that does not run during the test, so that
			// `set server health` applies.
			fmt.Fprintf(&cfg, "    server %s %s weight %d check inter 100s%s\n", s.name, origins[s.name], s.weight, s.opts)
		}
	}
	text := cfg.String()

	hapFE, syFE := haproxytest.FreeAddr("tcp4", "127.0.0.1"), haproxytest.FreeAddr("tcp4", "127.0.0.1")
	e := newEnv(t, strings.Replace(text, "@FE@", syFE, 1))
	sySock := e.socket(admin.Admin)
	hapSock := filepath.Join(e.dir, "haproxy.sock")
	f := unixSocketFile(t, hapSock)
	hapText := strings.Replace(strings.Replace(text, "@FE@", hapFE, 1),
		"    stats timeout 5s\n", "    stats timeout 5s\n    stats socket fd@3 level admin\n", 1)
	haproxytest.Start(t, haproxytest.Options{Config: hapText, Files: []*os.File{f}, WaitFor: hapFE})
	f.Close()

	run := func(t *testing.T, fe, sock, be string, script []string) string {
		var seq []string
		for _, st := range script {
			n, err := strconv.Atoi(st)
			if err != nil {
				cmd := strings.ReplaceAll(strings.ReplaceAll(st, "@", be), "%e", origins["e"])
				// The answer, if any, is compared too.
				seq = append(seq, "|"+strings.TrimSpace(ask(t, sock, cmd+"\n"))+"|")
				continue
			}
			for range n {
				seq = append(seq, rrGet(t, fe, be))
			}
		}
		return strings.Join(seq, "")
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be := fmt.Sprintf("rr%d", i)
			hap := run(t, hapFE, hapSock, be, tc.script)
			sy := run(t, syFE, sySock, be, tc.script)
			t.Logf("haproxy: %s", hap)
			if hap != sy {
				t.Errorf("servers %v, script %q:\nhaproxy    %s\nswitchyard %s", tc.servers, tc.script, hap, sy)
			}
		})
	}
}

// rrOrigin starts an HTTP origin on 127.0.0.1 answering every request with
// its name, and returns its address.
func rrOrigin(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, name)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// rrGet sends one request for backend be on a connection of its own and
// returns the name of the server that answered ("-" for an error status).
func rrGet(t *testing.T, fe, be string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", fe, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: t\r\nX-Be: %s\r\nConnection: close\r\n\r\n", be); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return "-"
	}
	return string(body)
}

// TestHAProxyRoundRobinHealthCheck: the same as the state changes above, but
// the server goes down and comes back by its health checks failing and
// passing, each program checking on its own: the requests wait until both
// see the server's new state.
func TestHAProxyRoundRobinHealthCheck(t *testing.T) {
	haproxytest.Need(t)
	origins := map[string]string{}
	for _, n := range []string{"a", "c"} {
		origins[n] = rrOrigin(t, n)
	}
	var sick atomic.Bool
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chk" && sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "b")
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	origins["b"] = ln.Addr().String()

	text := "global\n    stats timeout 5s\n    nbthread 1\n" +
		"defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n    timeout check 2s\n" +
		"frontend fe\n    bind @FE@\n    default_backend rr\n" +
		"backend rr\n    balance roundrobin\n    option httpchk GET /chk\n"
	for _, s := range []struct {
		name   string
		weight int
	}{{"a", 2}, {"b", 1}, {"c", 1}} {
		text += fmt.Sprintf("    server %s %s weight %d check inter 50ms fall 1 rise 1\n", s.name, origins[s.name], s.weight)
	}
	hapFE, syFE := haproxytest.FreeAddr("tcp4", "127.0.0.1"), haproxytest.FreeAddr("tcp4", "127.0.0.1")
	e := newEnv(t, strings.Replace(text, "@FE@", syFE, 1))
	sySock := e.socket(admin.Admin)
	hapSock := filepath.Join(e.dir, "haproxy.sock")
	f := unixSocketFile(t, hapSock)
	hapText := strings.Replace(strings.Replace(text, "@FE@", hapFE, 1),
		"    stats timeout 5s\n", "    stats timeout 5s\n    stats socket fd@3 level admin\n", 1)
	haproxytest.Start(t, haproxytest.Options{Config: hapText, Files: []*os.File{f}, WaitFor: hapFE})
	f.Close()

	// waitB polls both CLIs until server b's operational state (show
	// servers state: 0 stopped, 2 running) is want.
	waitB := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, sock := range []string{hapSock, sySock} {
			for {
				var state string
				for _, l := range strings.Split(ask(t, sock, "show servers state rr\n"), "\n") {
					if f := strings.Fields(l); len(f) > 5 && f[3] == "b" {
						state = f[5]
					}
				}
				if state == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: server b in state %q, want %q", sock, state, want)
				}
				time.Sleep(10 * time.Millisecond) // polling: nothing signals the change
			}
		}
	}
	var hap, sy strings.Builder
	send := func(n int) {
		for range n {
			hap.WriteString(rrGet(t, hapFE, "rr"))
			sy.WriteString(rrGet(t, syFE, "rr"))
		}
		hap.WriteString("|")
		sy.WriteString("|")
	}
	waitB("2")
	send(6)
	sick.Store(true)
	waitB("0")
	send(5)
	sick.Store(false)
	waitB("2")
	send(12)
	t.Logf("haproxy: %s", hap.String())
	if hap.String() != sy.String() {
		t.Errorf("haproxy    %s\nswitchyard %s", hap.String(), sy.String())
	}
}
