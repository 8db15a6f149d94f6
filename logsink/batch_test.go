package logsink

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Lines sent from many goroutines at once all arrive, each whole, and the
// lines of one goroutine arrive in its order, though they share syscalls.
func TestBatchDeliversEveryLineInOrder(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	udp.SetReadBuffer(4 << 20)
	tg := mustTarget(t, udp.LocalAddr().String()+" format raw local0")
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				Send([]*Target{tg}, &Meta{}, LevelInfo, fmt.Appendf(nil, "%d %d", g, i), nil)
			}
		}()
	}
	wg.Wait()
	before := Dropped.Load()
	next := make([]int, senders)
	buf := make([]byte, 2048)
	udp.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range senders * each {
		n, _, err := udp.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %v lines: %v (dropped %d)", next, err, Dropped.Load()-before)
		}
		var g, i int
		if _, err := fmt.Sscanf(strings.TrimSuffix(string(buf[:n]), "\n"), "%d %d", &g, &i); err != nil || g >= senders {
			t.Fatalf("bad line %q", buf[:n])
		}
		if i != next[g] {
			t.Fatalf("sender %d: line %d came where %d was due", g, i, next[g])
		}
		next[g]++
	}
}

// Flush sends what is gathered at once, without waiting for the batch's
// delay: what the process does before it exits.
func TestFlushSendsAtOnce(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tg := mustTarget(t, udp.LocalAddr().String()+" format raw local0")
	b := udpSocket(true).batch
	b.sendMu.Lock() // hold the batch's own flush back
	Send([]*Target{tg}, &Meta{}, LevelInfo, []byte("last words"), nil)
	b.mu.Lock()
	queued := len(b.lines)
	b.mu.Unlock()
	b.sendMu.Unlock()
	if queued == 0 {
		t.Fatal("the line was not gathered")
	}
	Flush()
	udp.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := udp.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "last words\n" {
		t.Fatalf("%q, %v", buf[:n], err)
	}
}

// A batch that would grow past its bounds drops the line and counts it,
// rather than hold memory for a target that does not keep up.
func TestBatchBounds(t *testing.T) {
	b := &dgramBatch{fd: -1, wake: make(chan struct{}, 1)}
	before := Dropped.Load()
	big := make([]byte, batchMaxBytes/2+1)
	b.add(big, rawAddr{})
	b.add(big, rawAddr{})
	if d := Dropped.Load() - before; d != 1 || len(b.lines) != 1 {
		t.Errorf("%d dropped, %d kept; want 1 and 1", d, len(b.lines))
	}
}

// A unix socket path that does not fit an address is refused at load.
func TestUnixPathTooLong(t *testing.T) {
	if _, err := ParseTarget([]string{"/" + strings.Repeat("x", maxUnixPath), "local0"}); err == nil {
		t.Error("a path too long was accepted")
	}
}

// An empty line (which Send never makes, a line has its newline) goes as
// an empty datagram rather than out of the batch's bounds.
func TestBatchEmptyLine(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tg := mustTarget(t, udp.LocalAddr().String()+" format raw local0")
	b := udpSocket(true).batch
	b.add(nil, tg.raw)
	b.add([]byte("after\n"), tg.raw)
	b.flush()
	udp.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for _, want := range []string{"", "after\n"} {
		n, _, err := udp.ReadFrom(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("%q, %v; want %q", buf[:n], err, want)
		}
	}
}
