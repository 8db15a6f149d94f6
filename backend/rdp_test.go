package backend

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
	"switchyard/sample"
)

// rdpPacket is the start of an RDP connection: the TPKT and X.224
// Connection Request headers (11 bytes), then line, then an RDP
// negotiation request.
func rdpPacket(line string) []byte {
	p := []byte("\x03\x00\x00\x2f\x2a\xe0\x00\x00\x00\x00\x00")
	p = append(p, line...)
	return append(p, "\x01\x00\x08\x00\x03\x00\x00\x00"...)
}

func TestRDPCookieValue(t *testing.T) {
	tests := []struct {
		data []byte
		name string
		want string
		ok   bool
	}{
		{rdpPacket("Cookie: mstshash=alice\r\n"), "mstshash", "alice", true},
		{rdpPacket("Cookie: mstshash=alice\r\n"), "MSTSHASH", "alice", true},
		{rdpPacket("COOKIE: MstsHash=alice\r\n"), "mstshash", "alice", true},
		{rdpPacket("Cookie:mstshash=alice\r\n"), "mstshash", "alice", true},
		{rdpPacket("Cookie:    mstshash=a b\r\n"), "mstshash", "a b", true},
		{rdpPacket("Cookie: mstshash=\r\n"), "mstshash", "", true}, // found, empty
		{rdpPacket("Cookie: msts=16777343.20480.0000\r\n"), "msts", "16777343.20480.0000", true},
		{rdpPacket("Cookie: msts=1\r\n"), "mstshash", "", false},
		{rdpPacket("Cookie: mstshashx=1\r\n"), "mstshash", "", false},
		{rdpPacket("Cookie: xmstshash=1\r\n"), "mstshash", "", false},
		{rdpPacket("Cookie: mstshash=alice\rX"), "mstshash", "", false}, // CR not followed by LF
		{rdpPacket("Cookie: mstshash=alice\nX"), "mstshash", "", false}, // no CR before the end
		{rdpPacket("Cookies: mstshash=alice\r\n"), "mstshash", "", false},
		{rdpPacket("\tCookie: mstshash=alice\r\n"), "mstshash", "", false},
		// Too short to tell yet.
		{rdpPacket("Cookie: mstshash=alice\r")[:11+24], "mstshash", "", false},
		{rdpPacket("Cookie: mstshash=alice")[:11+22], "mstshash", "", false},
		{rdpPacket("Cookie:")[:18], "mstshash", "", false},
		{rdpPacket("Cookie: ms")[:21], "mstshash", "", false},
		{nil, "mstshash", "", false},
		// Any name.
		{rdpPacket("Cookie: who=alice\r\n"), "", "alice", true},
		{rdpPacket("Cookie: =alice\r\n"), "", "alice", true},
		{rdpPacket("Cookie: who\r\n=alice\r\n"), "", "", false},
		{rdpPacket("Cookie: who")[:22], "", "", false},
	}
	for _, tc := range tests {
		v, ok := RDPCookieValue(tc.data, tc.name)
		if ok != tc.ok || string(v) != tc.want {
			t.Errorf("%q, %q: got %q, %v; want %q, %v", tc.data, tc.name, v, ok, tc.want, tc.ok)
		}
	}
}

func TestStrtoul(t *testing.T) {
	tests := []struct {
		s    string
		want uint64
		n    int
	}{
		{"123.", 123, 3},
		{"  42x", 42, 4},
		{"\r\n7", 7, 3},
		{"+5", 5, 2},
		{"-1.", 1<<64 - 1, 2},
		{"99999999999999999999999.", 1<<64 - 1, 23},
		{"-99999999999999999999999", 1<<64 - 1, 24},
		{".5", 0, 0},
		{"  x", 0, 0},
		{"-", 0, 0},
		{"", 0, 0},
	}
	for _, tc := range tests {
		if v, n := strtoul([]byte(tc.s)); v != tc.want || n != tc.n {
			t.Errorf("strtoul(%q) = %d, %d; want %d, %d", tc.s, v, n, tc.want, tc.n)
		}
	}
}

// msts is the persistence cookie a terminal-server broker writes for ap:
// the address and port bytes read as little-endian integers.
func msts(ap netip.AddrPort) string {
	b := ap.Addr().As4()
	ip := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	p := ap.Port()
	return fmt.Sprintf("%d.%d.0000", ip, p>>8|p<<8)
}

func TestRDPTarget(t *testing.T) {
	tests := []struct {
		s    string
		want string // "" when malformed
	}{
		{"16777226.15629.0000\r\n", "10.0.0.1:3389"},
		{msts(netip.MustParseAddrPort("192.0.2.7:65535")) + "\r\n", "192.0.2.7:65535"},
		{"16777226.15629.\r\n", "10.0.0.1:3389"},
		{".15629.0\r\n", "0.0.0.0:3389"}, // no digits: 0, as strtoul
		{"16777226.15629\r\n", ""},
		{"16777226\r\n", ""},
		{"x.1.2\r\n", ""}, // no digits, and 'x' is not '.'
		{"4294967296.0.0\r\n", "0.0.0.0:0"},
		{"-1.0.0\r\n", "255.255.255.255:0"},
	}
	for _, tc := range tests {
		got, ok := rdpTarget([]byte(tc.s))
		g := ""
		if ok {
			g = got.String()
		}
		if g != tc.want {
			t.Errorf("rdpTarget(%q) = %q, want %q", tc.s, g, tc.want)
		}
	}
}

// addrMember is a member dialled at addr.
func addrMember(name string, id, weight int, addr string) Member {
	return Member{Server: NewServer(ServerSettings{Name: name, ID: id, Weight: weight, Addr: addr}), ID: id, Weight: weight}
}

func TestRDPPersist(t *testing.T) {
	a := addrMember("a", 1, 1, "10.0.0.1:3389").Server
	b := addrMember("b", 2, 1, "10.0.0.2:3389").Server
	bDup := addrMember("b2", 3, 1, "10.0.0.2:3389").Server
	named := addrMember("n", 4, 1, "rdp.example.com:3389").Server
	v6 := addrMember("v6", 5, 1, "[2001:db8::1]:3389").Server
	servers := []*Server{named, v6, a, b, bDup}
	cookie := func(addr string) []byte {
		return rdpPacket("Cookie: msts=" + msts(netip.MustParseAddrPort(addr)) + "\r\n")
	}
	if got := RDPPersist(cookie("10.0.0.2:3389"), "msts", servers, false); got != b {
		t.Errorf("got %s, want b (the first of two at that address)", nameOf(got))
	}
	if got := RDPPersist(cookie("10.0.0.1:3390"), "msts", servers, false); got != nil {
		t.Errorf("another port chose %s", nameOf(got))
	}
	if got := RDPPersist(cookie("10.0.0.1:3389"), "mstshash", servers, false); got != nil {
		t.Errorf("another cookie name chose %s", nameOf(got))
	}
	if got := RDPPersist(rdpPacket("Cookie: msts=\r\n"), "msts", servers, false); got != nil {
		t.Errorf("an empty cookie chose %s", nameOf(got))
	}
	b.setState(Stopped, 0)
	if got := RDPPersist(cookie("10.0.0.2:3389"), "msts", servers, false); got != bDup {
		t.Errorf("b down: got %s, want b2, the next server at that address", nameOf(got))
	}
	bDup.setState(Stopped, 0)
	if got := RDPPersist(cookie("10.0.0.2:3389"), "msts", servers, false); got != nil {
		t.Errorf("both down: got %s", nameOf(got))
	}
	if got := RDPPersist(cookie("10.0.0.2:3389"), "msts", servers, true); got != b {
		t.Errorf("option persist: got %s, want b", nameOf(got))
	}
}

// TestRDPPick checks balance rdp-cookie: the value's hash, and round robin
// without a value, for Pick too, which never has the payload.
func TestRDPPick(t *testing.T) {
	for _, ht := range [][]string{{"map-based"}, {"consistent"}} {
		a := Algorithm{Kind: RDPCookie, Cookie: "mstshash"}
		if err := ParseHashType(ht, &a); err != nil {
			t.Fatal(err)
		}
		srvs := testServers(1, 2, 3)
		b := buildBalancer(t, a, srvs).(*hashed)
		ref := buildBalancer(t, a, srvs).(*hashed)
		for _, line := range []string{"Cookie: mstshash=alice\r\n", "", "Cookie: mstshash=\r\n", "Cookie: mstshash=bob\r\n", "Cookie: msts=1.2.3\r\n"} {
			var want *Server
			if v, ok := RDPCookieValue(rdpPacket(line), "mstshash"); ok && len(v) > 0 {
				want = b.tab.lookup(a.hashKey(v))
			} else {
				want = ref.tab.next() // ref's cursor follows the fallbacks
			}
			if got := b.PickCtx(&sample.Ctx{}, rdpPacket(line)); got != want {
				t.Errorf("%v %q: chose %s, want %s", ht, line, nameOf(got), nameOf(want))
			}
		}
		if got, want := b.Pick(nil, netip.Addr{}), ref.tab.next(); got != want {
			t.Errorf("%v: Pick chose %s, want the round robin's %s", ht, nameOf(got), nameOf(want))
		}
	}
}

// startNameOrigins starts TCP servers that write their name and close, and
// returns their addresses.
func startNameOrigins(t *testing.T, names ...string) map[string]string {
	t.Helper()
	addrs := make(map[string]string)
	for _, name := range names {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		t.Cleanup(func() { ln.Close(); wg.Wait() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(c, name)
				c.Close()
			}
		}()
		addrs[name] = ln.Addr().String()
	}
	return addrs
}

// rdpListen is one `listen` section of the RDP differential test.
type rdpListen struct {
	lines   []string
	servers []hxServer
	addr    string
}

// TestRDPCookieMatchesHAProxy sends the same first packets through haproxy
// and through our balancer and persistence, for `balance rdp-cookie` with
// both hash types and a few functions, and for `persist rdp-cookie`, and
// requires the same server every time, fallbacks included.
func TestRDPCookieMatchesHAProxy(t *testing.T) {
	haproxytest.Need(t)
	origins := startNameOrigins(t, "a", "b", "c")
	srvs := []hxServer{{"a", 1, 0}, {"b", 2, 0}, {"c", 3, 0}}
	listens := []*rdpListen{
		{lines: []string{"balance rdp-cookie"}},
		{lines: []string{"balance rdp-cookie", "hash-type consistent"}},
		{lines: []string{"balance rdp-cookie(msts)", "hash-type map-based djb2 avalanche"}},
		{lines: []string{"balance rdp-cookie", "hash-type consistent wt6", "persist rdp-cookie"}},
		{lines: []string{"balance roundrobin", "persist rdp-cookie(msts)"}},
		{lines: []string{"balance rdp-cookie(MSTSHASH)", "hash-type consistent crc32", "hash-balance-factor 150"}},
	}
	var cfg strings.Builder
	cfg.WriteString("global\n  nbthread 1\n\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n")
	for i, l := range listens {
		l.servers = srvs
		l.addr = haproxytest.FreeAddr("tcp4", "127.0.0.1")
		fmt.Fprintf(&cfg, "\nlisten l%d\n  bind %s\n  tcp-request inspect-delay 5s\n  tcp-request content accept if RDP_COOKIE\n", i, l.addr)
		for _, d := range l.lines {
			fmt.Fprintf(&cfg, "  %s\n", d)
		}
		for _, s := range l.servers {
			fmt.Fprintf(&cfg, "  server %s %s weight %d\n", s.name, origins[s.name], s.weight)
		}
	}
	haproxytest.Start(t, haproxytest.Options{Config: cfg.String(), WaitFor: listens[len(listens)-1].addr})

	at := func(name string) string { return msts(netip.MustParseAddrPort(origins[name])) }
	lines := []string{
		"Cookie: mstshash=alice\r\n",
		"Cookie: mstshash=bob\r\n",
		"",
		"Cookie: MSTSHASH=carol\r\n",
		"Cookie:    mstshash=dave\r\n",
		"Cookie: mstshash=\r\n",
		"Cookie: msts=" + at("b") + "\r\n",
		"Cookie: msts=" + at("c") + "\r\n",
		"Cookie: msts=" + at("a") + "\r\n",
		"Cookie: msts=16777343.1.0000\r\n", // 127.0.0.1, a closed port
		"Cookie: mstshash=alice\rX",
		"Cookie: mstshashx=eve\r\n",
		"Cookie: who=alice\r\n",
		"Cookie: mstshash=alice\r\n",
	}
	for i := range 20 {
		lines = append(lines, fmt.Sprintf("Cookie: mstshash=user%d\r\n", i*7919))
	}
	var packets [][]byte
	for _, l := range lines {
		packets = append(packets, rdpPacket(l))
	}
	packets = append(packets, []byte("short"), rdpPacket("Cookie: mstshash=frank\r\n"))

	for i, l := range listens {
		var a Algorithm
		persist := ""
		for _, d := range l.lines {
			w := strings.Fields(d)
			var err error
			switch w[0] {
			case "balance":
				err = ParseBalance(w[1:], &a)
			case "hash-type":
				err = ParseHashType(w[1:], &a)
			case "hash-balance-factor":
				err = ParseHashBalanceFactor(w[1:], &a)
			case "persist":
				persist, err = ParsePersist(w[1:])
			}
			if err != nil {
				t.Fatalf("l%d: %q: %v", i, d, err)
			}
		}
		var ms []Member
		var all []*Server
		for j, s := range l.servers {
			ms = append(ms, addrMember(s.name, j+1, s.weight, origins[s.name]))
			all = append(all, ms[j].Server)
		}
		bal := buildBalancer(t, a, ms)
		// Under hash-balance-factor haproxy's choice depends on its
		// servers' load, and the previous probe's connection may still
		// count when the next one is balanced (its release can follow
		// the client's close): a probe that differs is asked again,
		// for a while, as nothing but its answers tells haproxy's load.
		bounded := slices.ContainsFunc(l.lines, func(d string) bool { return strings.HasPrefix(d, "hash-balance-factor") })
		for _, p := range packets {
			var want *Server
			if persist != "" {
				want = RDPPersist(p, persist, all, false)
			}
			if want == nil {
				want = PickCtx(bal, &sample.Ctx{}, p)
			}
			deadline := time.Now().Add(2 * time.Second)
			for {
				got, err := rdpThrough(l.addr, p)
				if err != nil {
					t.Fatalf("l%d %q: haproxy: %v", i, p, err)
				}
				if nameOf(want) == got {
					break
				}
				if !bounded || time.Now().After(deadline) {
					t.Errorf("l%d %v: %q: haproxy chose %s, we chose %s", i, l.lines, p, got, nameOf(want))
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
}

// rdpThrough sends p as a connection's first bytes to addr, half-closes
// (so that haproxy stops waiting for a cookie), and returns what comes
// back: the name of the origin.
func rdpThrough(addr string, p []byte) (string, error) {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(p); err != nil {
		return "", err
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	return string(b), err
}
