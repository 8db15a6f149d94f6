// Package haproxytest runs the reference haproxy for the differential
// tests of the other packages.
package haproxytest

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Bin is the reference implementation (Debian's haproxy 2.6).
const Bin = "/usr/sbin/haproxy"

// Need fails the test when haproxy is missing, unless
// SWITCHYARD_NO_HAPROXY=1 says to skip it.
func Need(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Bin); err != nil {
		if os.Getenv("SWITCHYARD_NO_HAPROXY") == "1" {
			t.Skip("haproxy not installed and SWITCHYARD_NO_HAPROXY=1")
		}
		t.Fatalf("%s is needed as the reference (set SWITCHYARD_NO_HAPROXY=1 to skip): %v", Bin, err)
	}
}

// FreeAddr returns a loopback address with a port free at the time of the
// call, or "" when the network is unavailable (no IPv6, say).
func FreeAddr(network, host string) string {
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		return ""
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Options say how to run one haproxy.
type Options struct {
	Config string
	// Files are inherited as descriptors 3, 4, … (bind fd@N): listening
	// sockets made by the test accept before haproxy is ready, so nothing
	// needs to wait.
	Files []*os.File
	// Stdout receives haproxy's standard output (where `log stdout`
	// writes); nil keeps it with the standard error.
	Stdout io.Writer
	// WaitFor is an address haproxy listens on: Start returns once it
	// accepts connections.
	WaitFor string
}

// Start runs haproxy -db on o.Config until the test ends. Its output is
// shown if the test fails.
func Start(t testing.TB, o Options) {
	t.Helper()
	Need(t)
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(o.Config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Bin, "-db", "-f", path)
	cmd.ExtraFiles = o.Files
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if o.Stdout != nil {
		cmd.Stdout = o.Stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("haproxy output:\n%s\nconfig:\n%s", out.String(), o.Config)
		}
	})
	if o.WaitFor == "" {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", o.WaitFor, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("haproxy exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not listen on %s: %v\n%s", o.WaitFor, err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // nothing signals that haproxy listens
	}
}

// lockedBuffer collects output written by exec's copying goroutines while
// the test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
