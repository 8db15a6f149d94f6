package listener

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testaddr"
)

// lnPorts is this package's share of test ports, apart from the proxy
// and cmd tests'.
var lnPorts = testaddr.New(26000, 28000)

// freePorts returns the first of n consecutive free ports on 127.0.0.1.
func freePorts(t *testing.T, n int) int { return lnPorts.Run(t, n) }

func freeAddr(t *testing.T) string {
	return "127.0.0.1:" + strconv.Itoa(freePorts(t, 1))
}

// binds parses the bind lines of a frontend, as the configuration does.
func binds(t *testing.T, lines ...string) []*config.Bind {
	t.Helper()
	text := "frontend f\n"
	for _, l := range lines {
		text += "    bind " + l + "\n"
	}
	cfg, _, errs := config.LoadBytes("ln.cfg", []byte(text), config.LoadOptions{})
	if len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	return cfg.Proxies[0].Binds
}

func newManager(t *testing.T) *Manager {
	m := NewManager()
	t.Cleanup(m.CloseAll)
	return m
}

// serves checks that a connection to addr is accepted by l.
func serves(t *testing.T, network, addr string, l net.Listener) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s %s: %v", network, addr, err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		a, err := l.Accept()
		if err == nil {
			a.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("accept on %s: %v", addr, err)
		}
	case <-time.After(3 * time.Second):
		l.Close()
		<-done
		t.Fatalf("the connection to %s was not accepted by the listener", addr)
	}
}

func refused(t *testing.T, network, addr string) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("%s %s still accepts connections", network, addr)
	}
}

func TestOpenRetainCloseAll(t *testing.T) {
	a1, a2 := freeAddr(t), freeAddr(t)
	bs := binds(t, a1, a2)
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 {
		t.Fatalf("Open returned %d listeners", len(ls))
	}
	serves(t, "tcp", a1, ls[bs[0].Key()])
	serves(t, "tcp", a2, ls[bs[1].Key()])

	// Opening again reuses the same sockets.
	again, err := m.Open(binds(t, a1, a2))
	if err != nil {
		t.Fatal(err)
	}
	for k, l := range ls {
		if again[k] != l {
			t.Fatalf("reopening %s made a new listener", k)
		}
	}
	// The same address twice in one call is one listener.
	twice, err := m.Open(binds(t, a1, a1))
	if err != nil || len(twice) != 1 {
		t.Fatalf("same bind twice: %v %v", twice, err)
	}

	m.Retain(map[string]net.Listener{bs[0].Key(): ls[bs[0].Key()]})
	serves(t, "tcp", a1, ls[bs[0].Key()])
	refused(t, "tcp", a2)

	m.CloseAll()
	refused(t, "tcp", a1)
	if _, err := ls[bs[0].Key()].Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after CloseAll: %v", err)
	}
}

func TestOpenFailureKeepsOthers(t *testing.T) {
	kept, fresh, busyAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	m := newManager(t)
	ls, err := m.Open(binds(t, kept))
	if err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp4", busyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bs := binds(t, kept, fresh, busyAddr)
	_, err = m.Open(bs)
	if err == nil {
		t.Fatal("Open succeeded on a busy address")
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error does not wrap EADDRINUSE: %v", err)
	}
	// "file:line: cannot bind socket (Address already in use) for [addr]"
	want := "ln.cfg:4: cannot bind socket (Address already in use) for [" + busyAddr + "]"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	// The socket opened by the failed call was closed again; the one from
	// before is untouched.
	refused(t, "tcp", fresh)
	serves(t, "tcp", kept, ls[bs[0].Key()])
	// And the failed call did not register anything.
	again, err := m.Open(binds(t, kept, fresh))
	if err != nil {
		t.Fatal(err)
	}
	serves(t, "tcp", fresh, again[bs[1].Key()])
}

func TestPortRange(t *testing.T) {
	p := freePorts(t, 3)
	bs := binds(t, "127.0.0.1:"+strconv.Itoa(p)+"-"+strconv.Itoa(p+2))
	if len(bs) != 3 {
		t.Fatalf("a range of 3 ports gave %d binds", len(bs))
	}
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range bs {
		addr := "127.0.0.1:" + strconv.Itoa(p+i)
		if b.Addr != addr {
			t.Fatalf("bind %d is %s, want %s", i, b.Addr, addr)
		}
		serves(t, "tcp", addr, ls[b.Key()])
	}
}

func haveIPv6(t *testing.T) {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 on loopback: %v", err)
	}
	l.Close()
}

func TestIPv6Loopback(t *testing.T) {
	haveIPv6(t)
	port := strconv.Itoa(freePorts(t, 1))
	bs := binds(t, "[::1]:"+port, "ipv6@::1:"+port)
	if bs[0].Network != "tcp6" || bs[0].Key() != bs[1].Key() {
		t.Fatalf("binds %+v %+v", bs[0], bs[1])
	}
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	serves(t, "tcp6", "[::1]:"+port, ls[bs[0].Key()])
}

func TestV6OnlyAndV4V6(t *testing.T) {
	haveIPv6(t)
	// Binding the IPv6 wildcard needs IPv6 on the host, not just on lo.
	if l, err := net.Listen("tcp6", "[::]:0"); err != nil {
		t.Skipf("cannot bind [::]: %v", err)
	} else {
		l.Close()
	}
	p1 := strconv.Itoa(freePorts(t, 1))
	p2 := strconv.Itoa(freePorts(t, 1))
	bs := binds(t, ":::"+p1+" v6only", ":::"+p2+" v4v6")
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	serves(t, "tcp6", "[::1]:"+p1, ls[bs[0].Key()])
	refused(t, "tcp4", "127.0.0.1:"+p1)
	serves(t, "tcp6", "[::1]:"+p2, ls[bs[1].Key()])
	serves(t, "tcp4", "127.0.0.1:"+p2, ls[bs[1].Key()])
}

func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "admin.sock")
	bs := binds(t, "unix@"+path+" mode 600", dir+"/plain.sock")
	if bs[0].Network != "unix" || bs[0].Mode != 0o600 || bs[1].Network != "unix" {
		t.Fatalf("binds %+v %+v", bs[0], bs[1])
	}
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a socket with 0600", st.Mode())
	}
	serves(t, "unix", path, ls[bs[0].Key()])
	serves(t, "unix", dir+"/plain.sock", ls[bs[1].Key()])

	// Closing removes the socket file.
	m.CloseAll()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file left after close: %v", err)
	}
}

func TestUnixStaleSocketReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stale.sock")
	// A socket left behind by a process that crashed.
	old, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	old.(*net.UnixListener).SetUnlinkOnClose(false)
	old.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	m := newManager(t)
	bs := binds(t, "unix@"+path)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatalf("a stale socket file prevents the bind: %v", err)
	}
	serves(t, "unix", path, ls[bs[0].Key()])

	// A regular file is never removed.
	file := filepath.Join(dir, "data")
	os.WriteFile(file, []byte("keep me"), 0o644)
	if _, err := m.Open(binds(t, "unix@"+file)); err == nil {
		t.Fatal("bound over a regular file")
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep me" {
		t.Fatalf("regular file damaged: %q %v", b, err)
	}
}

// TestFdBind: `bind fd@N` adopts a socket the process inherited.
func TestFdBind(t *testing.T) {
	orig, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := orig.Addr().String()
	f, err := orig.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	// A bare descriptor, not owned by an *os.File whose finalizer would
	// close the number later: the manager takes ownership of it.
	fd, err := syscall.Dup(int(f.Fd()))
	f.Close()
	orig.Close()
	if err != nil {
		t.Fatal(err)
	}
	bs := binds(t, "fd@"+strconv.Itoa(fd))
	if bs[0].Network != "fd" || bs[0].Addr != strconv.Itoa(fd) {
		t.Fatalf("bind %+v", bs[0])
	}
	m := newManager(t)
	ls, err := m.Open(bs)
	if err != nil {
		t.Fatal(err) // the manager closed fd
	}
	serves(t, "tcp", addr, ls[bs[0].Key()])
	m.CloseAll()
	refused(t, "tcp", addr)
}

func TestFdBindNotASocket(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t)
	_, err = m.Open(binds(t, "fd@"+strconv.Itoa(fd)))
	if err == nil || !strings.Contains(err.Error(), "ln.cfg:2:") || !strings.Contains(err.Error(), "fd@"+strconv.Itoa(fd)) {
		t.Fatalf("fd@ on a pipe: %v", err)
	}
}

// first still holds (so that -sf can start the new one first).
func TestReusePort(t *testing.T) {
	addr := freeAddr(t)
	m1, m2 := newManager(t), newManager(t)
	if _, err := m1.Open(binds(t, addr)); err != nil {
		t.Fatal(err)
	}
	ls2, err := m2.Open(binds(t, addr))
	if err != nil {
		t.Fatalf("second bind of the same address: %v", err)
	}
	m1.CloseAll()
	serves(t, "tcp", addr, ls2["tcp4@"+addr])
}
