package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"

	"switchyard/internal/socks4"
)

// fakeSocks4 is a SOCKS4 proxy for tests: it checks each request against
// want, answers with code, and relays granted connections.
type fakeSocks4 struct {
	addr  string
	mu    sync.Mutex
	seen  [][]byte
	conns []net.Conn // closed at the end, so that relays stop
	code  byte
}

func startFakeSocks4(t *testing.T, code byte) *fakeSocks4 {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSocks4{addr: l.Addr().String(), code: code}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				req := make([]byte, 16)
				if _, err := io.ReadFull(c, req); err != nil {
					return
				}
				f.mu.Lock()
				f.seen = append(f.seen, req)
				f.mu.Unlock()
				c.Write([]byte{0, f.code, 0, 0, 0, 0, 0, 0})
				if f.code != socks4.Granted {
					return
				}
				dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(req[4:8])), uint16(req[2])<<8|uint16(req[3]))
				up, err := net.Dial("tcp", dst.String())
				if err != nil {
					return
				}
				f.mu.Lock()
				f.conns = append(f.conns, up)
				f.mu.Unlock()
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return f
}

// A server behind `socks4` is reached through the proxy, in HTTP and TCP
// mode; a proxy that refuses makes the connection fail (503 after
// retries, as any failed connect).
func TestSocks4Server(t *testing.T) {
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") })
	granted := startFakeSocks4(t, socks4.Granted)
	refused := startFakeSocks4(t, 91)
	fe, fe2 := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend fe
    bind {FE}
    use_backend bad if { path /bad }
    default_backend app
backend app
    server s1 {S1} socks4 {SOCKS}
backend bad
    retries 0
    server s1 {S1} socks4 {BAD}
listen tcp
    mode tcp
    bind {FE2}
    server s1 {S1} socks4 {SOCKS}
`, "FE", fe, "FE2", fe2, "S1", o.addr, "SOCKS", granted.addr, "BAD", refused.addr))
	k := itDial(t, fe)
	if resp, body := k.get("/"); resp.StatusCode != 200 || body != "origin" {
		t.Fatalf("through socks4: %d %q", resp.StatusCode, body)
	}
	if resp, _ := k.get("/bad"); resp.StatusCode != 503 {
		t.Fatalf("refused by the proxy: %d, want 503", resp.StatusCode)
	}
	k2 := itDial(t, fe2)
	if resp, body := k2.get("/"); resp.StatusCode != 200 || body != "origin" {
		t.Fatalf("tcp mode through socks4: %d %q", resp.StatusCode, body)
	}
	want := socks4.Request(netip.MustParseAddrPort(o.addr))
	granted.mu.Lock()
	defer granted.mu.Unlock()
	if len(granted.seen) != 2 || !bytes.Equal(granted.seen[0], want) {
		t.Fatalf("requests seen: % x, want 2 of % x", granted.seen, want)
	}
}
