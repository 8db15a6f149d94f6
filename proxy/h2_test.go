package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// HTTP/2 with prior knowledge is not served yet: the preface gets an
// HTTP/2 GOAWAY saying HTTP_1_1_REQUIRED, and nothing reaches the server.
func TestIntegrationH2Preface(t *testing.T) {
	t.Parallel()
	a := itNamed(t, "a")
	fe := itAddr(t)
	itStart(t, itConfig(t, itOneBackend, "FE", fe, "O", a.addr))
	c, err := net.DialTimeout("tcp", fe, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading until close: %v", err)
	}
	if !bytes.Equal(got, h2Refusal) {
		t.Fatalf("got %q, want SETTINGS then GOAWAY(HTTP_1_1_REQUIRED) %q", got, h2Refusal)
	}
}
