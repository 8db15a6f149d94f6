package check

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// unansweredAddr returns an address whose connects time out: a listening
// socket with a backlog of zero, already filled by one connection that is
// never accepted, makes Linux drop further SYNs. The test is skipped if
// the kernel answers anyway.
func unansweredAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	filler, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close() })
	if probe, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
		probe.Close()
		t.Skip("the kernel accepts connections beyond the backlog")
	}
	return addr
}

func TestL4Timeout(t *testing.T) {
	addr := unansweredAddr(t)
	tg := target(addr)
	tg.ConnectTimeout = 100 * time.Millisecond
	var nilCfg *Config
	rs, _ := nilCfg.Build(false)
	res := runCheck(t, rs, tg)
	want(t, res, StatusL4Timeout, 0, "")
	if res.Duration < 100*time.Millisecond || res.Duration > 2*time.Second {
		t.Errorf("duration %v", res.Duration)
	}
	want(t, runCheck(t, build(t, "option tcp-check"), tg), StatusL4Timeout, 0, " at initial connection step of tcp-check")
	want(t, runCheck(t, build(t, "option httpchk"), tg), StatusL4Timeout, 0, "")
	a := RunAgent(t.Context(), tg, "")
	want(t, a.Result, StatusL4Timeout, 0, "")
}
