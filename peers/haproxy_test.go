package peers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchyard/stick"
)

// The interop tests run a real haproxy beside a peers section of ours, on
// loopback, and check that counters cross in both directions. haproxy's
// side is driven by its CLI (set table / show table).

const haproxyBin = "/usr/sbin/haproxy"

type haproxyPeer struct {
	cmd  *exec.Cmd
	sock string
	out  *strings.Builder
}

func startHAProxy(t *testing.T, hapAddr, syAddr string) *haproxyPeer {
	return startHAProxyPeers(t, fmt.Sprintf(`peers mesh
    peer hap %s
    peer sy %s
    table t type string len 32 size 1k expire 60s store gpc0,conn_cur,http_req_cnt,http_req_rate(10s),gpt(2)
`, hapAddr, syAddr))
}

// startHAProxyPeers runs haproxy (-L hap) with a peers section.
func startHAProxyPeers(t *testing.T, peers string) *haproxyPeer {
	t.Helper()
	if _, err := os.Stat(haproxyBin); err != nil {
		t.Skipf("haproxy interop test skipped: %s not found", haproxyBin)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "hap.sock")
	cfg := fmt.Sprintf(`global
    stats socket %s level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
%sfrontend fe
    bind %s
    http-request deny
`, sock, peers, freePort(t))
	path := filepath.Join(dir, "hap.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &strings.Builder{}
	cmd := exec.Command(haproxyBin, "-db", "-L", "hap", "-f", path)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &haproxyPeer{cmd: cmd, sock: sock, out: out}
	t.Cleanup(h.stop)
	end := time.Now().Add(10 * time.Second)
	for {
		if _, err := h.cli("show info"); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("haproxy did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return h
}

func (h *haproxyPeer) stop() {
	if h.cmd.Process != nil {
		h.cmd.Process.Kill()
		h.cmd.Wait()
	}
}

func (h *haproxyPeer) cli(cmd string) (string, error) {
	c, err := net.DialTimeout("unix", h.sock, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// hapValue reads a data type of a key in haproxy's table, -1 when absent.
func (h *haproxyPeer) hapValue(t *testing.T, key, data string) int64 {
	out, err := h.cli("show table mesh/t key " + key)
	if err != nil {
		t.Logf("show table: %v", err)
		return -1
	}
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(data) + `=(-?\d+)`).FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	var v int64
	fmt.Sscan(m[1], &v)
	return v
}

func interopSpec() stick.Spec {
	return stick.Spec{Name: "mesh/t", NetName: "/t", Type: stick.KeyString, KeySize: 33, Size: 1024, Expire: time.Minute,
		Peers: "mesh", Stores: []stick.Store{{Type: stick.DTGPC0, Elems: 1}, {Type: stick.DTConnCur, Elems: 1},
			{Type: stick.DTHTTPReqCnt, Elems: 1}, {Type: stick.DTHTTPReqRate, Elems: 1, Period: 10 * time.Second},
			{Type: stick.DTGPT, Elems: 2}}}
}

func shortTimers(t *testing.T) {
	old := reconnectDelay
	reconnectDelay = 300 * time.Millisecond
	t.Cleanup(func() { reconnectDelay = old })
}

func TestHAProxyInterop(t *testing.T) {
	shortTimers(t)
	hapAddr, syAddr := freePort(t), freePort(t)
	tab := stick.New(interopSpec())
	m := NewManager(nil)
	defer m.Close()
	// Our entry exists before haproxy starts: haproxy learns it when it
	// connects (its resync, or our push of what it never acknowledged).
	e := tab.Get([]byte("early"))
	e.Add(stick.DTGPC0, 0, 2)
	e.Touch()
	e.Release()
	if err := m.Apply([]SectionConfig{{Name: "mesh", Local: "sy", Listen: syAddr, Remotes: []Remote{{Name: "hap", Addr: hapAddr}}, Tables: []*stick.Table{tab}}}); err != nil {
		t.Fatal(err)
	}
	h := startHAProxy(t, hapAddr, syAddr)
	defer func() {
		if t.Failed() {
			t.Logf("haproxy output:\n%s", h.out.String())
			peers, _ := h.cli("show peers")
			table, _ := h.cli("show table mesh/t")
			t.Logf("show peers:\n%s\nshow table:\n%s", peers, table)
		}
	}()
	waitFor(t, "haproxy learns 'early'", 15*time.Second, func() bool { return h.hapValue(t, "early", "gpc0") == 2 })

	// switchyard → haproxy: counters, a rate, an array element; conn_cur
	// stays local.
	e = tab.Get([]byte("alice"))
	e.Add(stick.DTGPC0, 0, 5)
	e.Count(stick.DTHTTPReqCnt, stick.DTHTTPReqRate, 3)
	e.Add(stick.DTGPT, 1, 8)
	e.Add(stick.DTConnCur, 0, 4)
	e.Touch()
	e.Release()
	waitFor(t, "haproxy learns alice", 5*time.Second, func() bool { return h.hapValue(t, "alice", "gpc0") == 5 })
	for data, want := range map[string]int64{"http_req_cnt": 3, "http_req_rate(10000)": 3, "gpt1": 8, "gpc0": 5, "conn_cur": 0} {
		if got := h.hapValue(t, "alice", data); got != want {
			t.Errorf("haproxy's alice %s = %d, want %d", data, got, want)
		}
	}

	// haproxy → switchyard, on a new key and on ours.
	if out, err := h.cli("set table mesh/t key bob data.gpc0 7 data.http_req_rate 4 data.http_req_cnt 9"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("set table: %q %v", out, err)
	}
	waitFor(t, "switchyard learns bob", 5*time.Second, func() bool { return read(tab, "bob", stick.DTGPC0, 0) == 7 })
	if v := read(tab, "bob", stick.DTHTTPReqRate, 0); v != 4 {
		t.Errorf("our bob rate = %d, want 4", v)
	}
	if v := read(tab, "bob", stick.DTHTTPReqCnt, 0); v != 9 {
		t.Errorf("our bob http_req_cnt = %d, want 9", v)
	}
	h.cli("set table mesh/t key alice data.gpc0 11")
	waitFor(t, "switchyard learns haproxy's alice", 5*time.Second, func() bool { return read(tab, "alice", stick.DTGPC0, 0) == 11 })

	// A fresh switchyard (a new process: empty table) asks haproxy to
	// teach it everything.
	m.Close()
	tab2 := stick.New(interopSpec())
	m2 := NewManager(nil)
	defer m2.Close()
	if err := m2.Apply([]SectionConfig{{Name: "mesh", Local: "sy", Listen: syAddr, Remotes: []Remote{{Name: "hap", Addr: hapAddr}}, Tables: []*stick.Table{tab2}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "resync from haproxy", 15*time.Second, func() bool {
		return read(tab2, "bob", stick.DTGPC0, 0) == 7 && read(tab2, "alice", stick.DTGPC0, 0) == 11 && read(tab2, "early", stick.DTGPC0, 0) == 2
	})
	// haproxy answers "partial" while it has not finished its own
	// resync; then we stop waiting after resyncTimeout, as haproxy does.
	waitFor(t, "resync over", 15*time.Second, m2.Section("mesh").Resynced)
	// Entries taught come with haproxy's expiry.
	if e := tab2.Lookup([]byte("bob")); e == nil || e.Remain(stick.NowMs()) == 0 || e.Remain(stick.NowMs()) > 60000 {
		t.Errorf("taught entry's expiry is off")
	}
}

// selfSigned writes a self-signed certificate and its key in one PEM file,
// as haproxy's crt takes them.
func selfSigned(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "peers"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})...)
	path := filepath.Join(t.TempDir(), "peers.pem")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHAProxyInteropTLS is the sessions over TLS, haproxy's reg-test
// setup (ssl crt on the bind, default-server ssl crt … verify none), with
// switchyard verifying haproxy's certificate against the CA file.
func TestHAProxyInteropTLS(t *testing.T) {
	shortTimers(t)
	crt := selfSigned(t)
	hapAddr, syAddr := freePort(t), freePort(t)
	h := startHAProxyPeers(t, fmt.Sprintf(`peers mesh
    default-server ssl crt %s verify none
    bind %s ssl crt %s
    server hap
    server sy %s
    table t type string len 32 size 1k expire 60s store gpc0,conn_cur,http_req_cnt,http_req_rate(10s),gpt(2)
`, crt, hapAddr, crt, syAddr))
	tab := stick.New(interopSpec())
	m := NewManager(nil)
	defer m.Close()
	err := m.Apply([]SectionConfig{{Name: "mesh", Local: "sy", Listen: syAddr, ListenTLS: &TLS{Crt: crt},
		Remotes: []Remote{{Name: "hap", Addr: hapAddr, TLS: &TLS{Crt: crt, CAFile: crt}}}, Tables: []*stick.Table{tab}}})
	if err != nil {
		t.Fatal(err)
	}
	e := tab.Get([]byte("tls"))
	e.Add(stick.DTGPC0, 0, 4)
	e.Release()
	waitFor(t, "haproxy learns over TLS", 15*time.Second, func() bool { return h.hapValue(t, "tls", "gpc0") == 4 })
	h.cli("set table mesh/t key back data.gpc0 6")
	waitFor(t, "switchyard learns over TLS", 5*time.Second, func() bool { return read(tab, "back", stick.DTGPC0, 0) == 6 })
	// A plain TCP connection to our TLS listener gets no handshake.
	c, err := net.DialTimeout("tcp", syAddr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(c, "HAProxyS 2.1\nsy\nhap 1 1\n")
	if b, _ := io.ReadAll(c); strings.HasPrefix(string(b), "200") {
		t.Error("plain TCP accepted by a TLS listener")
	}
}

// TestHAProxyInteropServerKey checks server_id and server_key (haproxy's
// dictionary cache on the wire) both ways: haproxy sticks a client to a
// server and pushes the entry; ours goes back with another server.
func TestHAProxyInteropServerKey(t *testing.T) {
	shortTimers(t)
	origin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()
	go func() {
		for {
			c, err := origin.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
			}()
		}
	}()
	hapAddr, syAddr, feAddr := freePort(t), freePort(t), freePort(t)
	h := startHAProxyPeers(t, fmt.Sprintf(`peers mesh
    peer hap %s
    peer sy %s
backend be
    stick-table type ip size 1k expire 60s store server_id,server_key peers mesh
    stick on src
    server s1 %s
    server s2 %s
listen li
    bind %s
    use_backend be
`, hapAddr, syAddr, origin.Addr(), origin.Addr(), feAddr))
	spec := stick.Spec{Name: "be", NetName: "be", Type: stick.KeyIP, KeySize: 4, Size: 1024, Expire: time.Minute, Peers: "mesh",
		Stores: []stick.Store{{Type: stick.DTServerID, Elems: 1}, {Type: stick.DTServerKey, Elems: 1}}}
	tab := stick.New(spec)
	m := NewManager(nil)
	defer m.Close()
	if err := m.Apply([]SectionConfig{{Name: "mesh", Local: "sy", Listen: syAddr, Remotes: []Remote{{Name: "hap", Addr: hapAddr}}, Tables: []*stick.Table{tab}}}); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", feAddr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(3 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
	io.ReadAll(c)
	c.Close()
	key := []byte{127, 0, 0, 1}
	waitFor(t, "haproxy's stick entry reaches us", 15*time.Second, func() bool {
		e := tab.Lookup(key)
		return e != nil && e.ServerKey() != ""
	})
	e := tab.Lookup(key)
	id, _ := e.Read(stick.DTServerID, 0)
	if k := e.ServerKey(); (k != "s1" || id != 1) && (k != "s2" || id != 2) {
		t.Errorf("learned server_id=%d server_key=%q", id, k)
	}
	// Ours, twice with the same key (the second goes as a cache id).
	for i, ip := range [][]byte{{10, 0, 0, 1}, {10, 0, 0, 2}} {
		e := tab.Get(ip)
		e.SetServer(2, "s2")
		e.Release()
		want := fmt.Sprintf("10.0.0.%d", i+1)
		waitFor(t, "haproxy learns "+want, 5*time.Second, func() bool {
			out, _ := h.cli("show table be key " + want)
			return strings.Contains(out, "server_id=2 server_key=s2")
		})
	}
}
