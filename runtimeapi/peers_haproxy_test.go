package runtimeapi

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/admin"
	"switchyard/internal/haproxytest"
)

// show peers, compared with haproxy 2.6.12. Each program gets the same
// configuration but for the address of its own (local) peer, so that both
// can listen; the answers are compared once normalised:
//
//   - pointers (0x… but flags= and remote_data=, which are compared) are
//     addresses in each program's memory: PTR;
//   - the section's start date, and the timers and ages (resync_timeout,
//     last_hdshk, reconnect, heartbeat: "4s", "1m2s"), are clock readings
//     of two processes that did not start at the same instant: T (<NEVER>
//     and <PAST> are kept: whether a timer is set or gone is compared);
//   - task_calls counts the runs of haproxy's scheduler tasks, which
//     switchyard has not (it prints 0): N;
//   - each program's own ports (its local peer, and the source ports of
//     its connections) are its own: PORT;
//   - while haproxy fails to reach a peer (connection refused), its stream
//     retries the connection three times, a second apart, before giving
//     up until the next attempt: the peer reads "active" with a session in
//     state TAR (turn-around) for those seconds. switchyard dials once per
//     attempt: the peer is "inactive" between attempts. For a peer whose
//     last status is CONN, the active word and the connecting session's
//     fields are removed.
//
// Each comparison is repeated until the answers agree, within a bound:
// two processes reach the same state (the resync wait over, the same
// number of connection attempts) at instants a few milliseconds apart, and
// nothing signals the state of haproxy's peers but its CLI.

var (
	peersPtrRe    = regexp.MustCompile(`(flags=|remote_data=)?0x[0-9a-f]+`)
	peersDateRe   = regexp.MustCompile(`\[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\]`)
	peersTimeRe   = regexp.MustCompile(`(resync_timeout|last_hdshk|reconnect|heartbeat)=(\d+[dhms])+`)
	peersCallsRe  = regexp.MustCompile(`task_calls=\d+`)
	peersConnRe   = regexp.MustCompile(`\(remote,(?:in)?active\)( addr=\S+ last_status=CONN )`)
	peersTryingRe = regexp.MustCompile(` appctx:PTR st0=\d+ st1=\d+ task_calls=N state=(?:INI|REQ|QUE|TAR|ASS|CON|CER|RDY)`)
)

func normPeers(s string, ports ...string) string {
	s = peersPtrRe.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "0x") {
			return "PTR"
		}
		return m
	})
	s = peersDateRe.ReplaceAllString(s, "[DATE]")
	s = peersTimeRe.ReplaceAllString(s, "$1=T")
	s = peersCallsRe.ReplaceAllString(s, "task_calls=N")
	s = peersConnRe.ReplaceAllString(s, "(remote,-)$1")
	s = peersTryingRe.ReplaceAllString(s, "")
	for _, p := range ports {
		if p != "" {
			s = strings.ReplaceAll(s, ":"+p+" ", ":PORT ")
			s = strings.ReplaceAll(s, ":"+p+"\n", ":PORT\n")
		}
	}
	return s
}

// peersProc is one program serving a configuration, its CLI socket, and
// the ports that are its own.
type peersProc struct {
	sock  string
	ports []string
}

func (p *peersProc) ask(t *testing.T, in string) string {
	t.Helper()
	return normPeers(ask(t, p.sock, in), p.ports...)
}

// startPeersHAProxy runs haproxy on cfg (its stats socket added), with
// port as its own.
func startPeersHAProxy(t *testing.T, cfg, port string) *peersProc {
	t.Helper()
	haproxytest.Need(t)
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "haproxy.sock")
	f := unixSocketFile(t, sock)
	defer f.Close()
	cfg = strings.Replace(cfg, "    stats timeout 5s\n", "    stats timeout 5s\n    stats socket fd@3 level admin\n", 1)
	haproxytest.Start(t, haproxytest.Options{Config: cfg, Files: []*os.File{f}})
	return &peersProc{sock: sock, ports: []string{port}}
}

func startPeersSwitchyard(t *testing.T, cfg, port string) *peersProc {
	t.Helper()
	e := newEnv(t, cfg)
	return &peersProc{sock: e.socket(admin.Admin), ports: []string{port}}
}

// converge asks both until their normalised answers agree, and reports
// the last ones when they never do within d.
func converge(t *testing.T, hap, sy *peersProc, in string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		h, s := hap.ask(t, in), sy.ask(t, in)
		if h == s {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%q:\nhaproxy:\n%s\nswitchyard:\n%s", in, h, s)
			return
		}
		<-tick.C
	}
}

func peersPort(t *testing.T) string {
	t.Helper()
	a := haproxytest.FreeAddr("tcp", "127.0.0.1")
	if a == "" {
		t.Skip("no loopback")
	}
	_, p, _ := net.SplitHostPort(a)
	return p
}

// peersCfg is a section with its local peer between two remote ones
// that refuse connections (nothing listens on their ports), tables of the
// section and proxies' tables shared through it, a second section with
// its local peer alone, and a third in haproxy 2.0's form (bind and
// server lines: the local peer is where the bind line is).
const peersCfg = `
global
    stats timeout 5s
    localpeer me
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
peers mesh
    peer down 127.0.0.1:@DOWN@
    peer me 127.0.0.1:@LOCAL@
    peer down2 127.0.0.1:@DOWN2@
    table t type string len 32 size 1k expire 60s store gpc0,http_req_rate(10s)
    table u type ip size 10 store server_key
peers solo
    peer me 127.0.0.1:@SOLO@
peers bound
    bind 127.0.0.1:@BOUND@
    server down 127.0.0.1:@DOWN@
    server me
backend b
    stick-table type ip size 10 peers mesh
backend c
    stick-table type integer size 10 store gpc0 peers mesh
`

func TestHAProxyShowPeers(t *testing.T) {
	haproxytest.Need(t)
	down, down2 := peersPort(t), peersPort(t) // free: connections are refused
	cfg := func(local, solo, bound string) string {
		r := strings.NewReplacer("@LOCAL@", local, "@DOWN@", down, "@DOWN2@", down2, "@SOLO@", solo, "@BOUND@", bound)
		return r.Replace(peersCfg)
	}
	hl, hs, hb := peersPort(t), peersPort(t), peersPort(t)
	sl, ss, sb := peersPort(t), peersPort(t), peersPort(t)
	hap := startPeersHAProxy(t, cfg(hl, hs, hb), hl)
	hap.ports = append(hap.ports, hs, hb)
	sy := startPeersSwitchyard(t, cfg(sl, ss, sb), sl)
	sy.ports = append(sy.ports, ss, sb)

	for _, in := range []string{"show peers unknown\n", "show peers dict unknown\n", "show peers - dict\n"} {
		if h, s := hap.ask(t, in), sy.ask(t, in); h != s {
			t.Errorf("%q:\nhaproxy:    %q\nswitchyard: %q", in, h, s)
		}
	}
	shows := []string{"show peers\n", "show peers mesh\n", "show peers dict mesh\n", "show peers solo\n",
		"show peers - solo\n", "user; show peers solo\n", "show peers bound\n"}
	// While both wait for a peer to teach them the tables (flags 0x11),
	// a first connection to each remote peer failed.
	for _, in := range shows {
		converge(t, hap, sy, in, 3*time.Second)
	}
	// Once the wait is over (5 s in both; flags 0x33, resync_timeout
	// <PAST>), and a second connection failed.
	waitPeers(t, hap, "id=mesh disabled=0 flags=0x33 ")
	for _, in := range shows {
		converge(t, hap, sy, in, 6*time.Second)
	}
}

func TestPeersHumanTime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 999 * time.Millisecond: "0s", 4900 * time.Millisecond: "4s", 60 * time.Second: "1m",
		90 * time.Second: "1m30s", time.Hour: "1h", time.Hour + 61*time.Second: "1h1m",
		27*time.Hour + 5*time.Second: "1d3h", 48 * time.Hour: "2d", -time.Second: "?",
	} {
		if got := humanTime(d); got != want {
			t.Errorf("humanTime(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHAProxyShowPeersNone(t *testing.T) {
	d := newDiffPair(t)
	d.same("show peers\n", "show peers dict\n", "show peers mesh\n", "show peers - x\n")
}

// TestHAProxyShowPeersSession: two haproxy processes in one section, and
// two switchyard ones; the first connects to the second (which has no
// address for the first, so that the direction of the session is known),
// and each shows the session.
func TestHAProxyShowPeersSession(t *testing.T) {
	haproxytest.Need(t)
	const pair = `
global
    stats timeout 5s
    localpeer @NAME@
defaults
    mode http
    timeout connect 5s
peers mesh
    peer a 127.0.0.1:@A@
    peer b 127.0.0.1:@B@
    table t type string len 32 size 1k expire 60s store gpc0
`
	cfg := func(name, a, b string) string {
		return strings.NewReplacer("@NAME@", name, "@A@", a, "@B@", b).Replace(pair)
	}
	ha, hb, sa, sb := peersPort(t), peersPort(t), peersPort(t), peersPort(t)
	// b is started first, and knows a without its port (never dialled).
	hapB := startPeersHAProxy(t, cfg("b", "0", hb), hb)
	syB := startPeersSwitchyard(t, cfg("b", "0", sb), sb)
	hapA := startPeersHAProxy(t, cfg("a", ha, hb), ha)
	syA := startPeersSwitchyard(t, cfg("a", sa, sb), sa)
	// b's incoming session shows a's source port: a's own.
	hapB.ports = append(hapB.ports, ha, hb)
	syB.ports = append(syB.ports, sa, sb)
	hapA.ports = append(hapA.ports, hb)
	syA.ports = append(syA.ports, sb)
	// a counts a key, then, once b has learned it, b counts one: the
	// tables are defined, pushed and acknowledged both ways, and the
	// update ids are alike in both pairs.
	for _, p := range []*peersProc{hapA, syA} {
		waitPeers(t, p, "last_status=ESTA")
	}
	setKey := func(p *peersProc, key string) {
		t.Helper()
		if out := ask(t, p.sock, "set table mesh/t key "+key+" data.gpc0 1\n"); out != "\n" {
			t.Fatalf("set table: %q", out)
		}
	}
	setKey(hapA, "from-a")
	setKey(syA, "from-a")
	waitTable(t, hapB, "from-a")
	waitTable(t, syB, "from-a")
	setKey(hapB, "from-b")
	setKey(syB, "from-b")
	waitTable(t, hapA, "from-b")
	waitTable(t, syA, "from-b")
	// b's line for a: haproxy tries to connect to a peer whose port is 0
	// (and fails, then takes a's connection as a collision); switchyard
	// never does. Those two counters of that line are not compared.
	portZero := regexp.MustCompile(`(addr=127\.0\.0\.1:0 .*\n.*new_conn=)\d+( proto_err=\d+ coll=)\d+`)
	srcPort := regexp.MustCompile(`src=127\.0\.0\.1:\d+`)
	// The resync flags of the section and of the peers: whether b was up
	// to date when a asked it for a resync (a full lesson, or a partial
	// one and a timeout) depends on how far b's own resync wait had gone,
	// which the machine's load decides, for haproxy as for switchyard.
	// TestHAProxyShowPeers compares them where nothing races.
	flags := regexp.MustCompile(`flags=0x[0-9a-f]+`)
	norm := func(s string) string {
		s = srcPort.ReplaceAllString(s, "src=127.0.0.1:PORT")
		s = flags.ReplaceAllString(s, "flags=F")
		return portZero.ReplaceAllString(s, "${1}N${2}N")
	}
	for _, side := range []struct{ hap, sy *peersProc }{{hapA, syA}, {hapB, syB}} {
		for _, in := range []string{"show peers\n", "show peers dict mesh\n"} {
			deadline := time.Now().Add(12 * time.Second)
			for {
				h, s := norm(side.hap.ask(t, in)), norm(side.sy.ask(t, in))
				if h == s {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("%q:\nhaproxy:\n%s\nswitchyard:\n%s", in, h, s)
					break
				}
				time.Sleep(100 * time.Millisecond) // nothing signals haproxy's state but its CLI
			}
		}
	}
}

// waitTable waits until the table mesh/t has key.
func waitTable(t *testing.T, p *peersProc, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ask(t, p.sock, "show table mesh/t key "+key+"\n"), "key="+key) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never learned", key)
		}
		time.Sleep(20 * time.Millisecond) // nothing signals haproxy's state but its CLI
	}
}

// waitPeers waits until show peers says want.
func waitPeers(t *testing.T, p *peersProc, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ask(t, p.sock, "show peers\n"), want) {
		if time.Now().After(deadline) {
			t.Fatalf("show peers never says %q:\n%s", want, ask(t, p.sock, "show peers\n"))
		}
		time.Sleep(50 * time.Millisecond) // nothing signals haproxy's state but its CLI
	}
}
