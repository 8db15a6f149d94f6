package proxy

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// TestTCPResponseInspectLeavesNoDeadline: a tcp-response rule that waited
// for bytes must not leave its inspect-delay deadline on the server
// socket; without timeout server, the tunnel then has no deadline at all.
func TestTCPResponseInspectLeavesNoDeadline(t *testing.T) {
	origin := itRawOrigin(t, func(c net.Conn) {
		io.WriteString(c, "a")
		time.Sleep(50 * time.Millisecond) // the rule waits for a second byte
		io.WriteString(c, "b")
		time.Sleep(400 * time.Millisecond) // past the inspect-delay
		io.WriteString(c, "c")
	})
	addr := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode tcp
  timeout connect 2s
  timeout client 5s
listen l
  bind {ADDR}
  tcp-response inspect-delay 200ms
  tcp-response content accept if { res.len ge 2 }
  server o {ORIGIN}
`, "ADDR", addr, "ORIGIN", origin.addr))
	c := itDial(t, addr)
	got := make([]byte, 3)
	if _, err := io.ReadFull(c.c, got); err != nil || string(got) != "abc" {
		t.Fatalf("got %q, %v; want \"abc\"", got, err)
	}
}

// TestTCPPayloadPerStream: streams whose frontend has no content rules
// and whose backend has some each inspect their own bytes (run under
// -race: they once shared one payload value).
func TestTCPPayloadPerStream(t *testing.T) {
	origin := itRawOrigin(t, func(c net.Conn) { io.Copy(c, c) })
	addr := itAddr(t)
	itStart(t, itConfig(t, `
defaults
  mode tcp
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend f
  bind {ADDR}
  default_backend b
backend b
  tcp-request inspect-delay 2s
  tcp-request content reject if { req.payload(0,3) -m str bad }
  tcp-request content accept if { req.len ge 4 }
  server o {ORIGIN}
`, "ADDR", addr, "ORIGIN", origin.addr))
	var wg sync.WaitGroup
	for _, word := range []string{"good", "fine", "okay", "nice"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, itTimeout)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(itTimeout))
			io.WriteString(c, word[:2])
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, word[2:])
			got := make([]byte, 4)
			if _, err := io.ReadFull(c, got); err != nil || string(got) != word {
				t.Errorf("%s: echoed %q, %v", word, got, err)
			}
		}()
	}
	wg.Wait()
}
