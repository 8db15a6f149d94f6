package proxy

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"switchyard/backend"
)

func TestDialAddr(t *testing.T) {
	dst := netip.MustParseAddrPort("192.0.2.7:8443")
	for _, c := range []struct {
		set  backend.ServerSettings
		dst  netip.AddrPort
		want string
		err  error
	}{
		{backend.ServerSettings{Addr: "10.0.0.1:80"}, dst, "10.0.0.1:80", nil},
		{backend.ServerSettings{Addr: "10.0.0.1:0", MapPorts: true}, dst, "10.0.0.1:8443", nil},
		{backend.ServerSettings{Transparent: true}, dst, "192.0.2.7:8443", nil},
		{backend.ServerSettings{Transparent: true}, netip.MustParseAddrPort("[::ffff:192.0.2.7]:81"), "192.0.2.7:81", nil},
		{backend.ServerSettings{Transparent: true}, netip.MustParseAddrPort("[2001:db8::1]:81"), "[2001:db8::1]:81", nil},
		{backend.ServerSettings{Transparent: true}, netip.AddrPort{}, "", errNoDestination},
	} {
		got, err := dialAddr(backend.NewServer(c.set), c.dst)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%+v to %v: %q %v, want %q %v", c.set, c.dst, got, err, c.want, c.err)
		}
	}
}

func TestSameDest(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:80")
	b := netip.MustParseAddrPort("127.0.0.1:81")
	c := netip.MustParseAddrPort("127.0.0.2:80")
	fixed := backend.NewServer(backend.ServerSettings{Addr: "10.0.0.1:80"})
	mapped := backend.NewServer(backend.ServerSettings{Addr: "10.0.0.1:0", MapPorts: true})
	transp := backend.NewServer(backend.ServerSettings{Transparent: true})
	for _, x := range []struct {
		srv       *backend.Server
		was, dst  netip.AddrPort
		same      bool
		rationale string
	}{
		{fixed, a, b, true, "a fixed address does not follow the destination"},
		{mapped, a, c, true, "the port alone matters"},
		{mapped, a, b, false, "another port"},
		{transp, a, a, true, "the same destination"},
		{transp, a, c, false, "another address"},
		{transp, a, b, false, "another port"},
	} {
		if got := sameDest(x.srv, x.was, x.dst); got != x.same {
			t.Errorf("%s: sameDest = %v", x.rationale, got)
		}
	}
}

// pipeServerConn is a server connection whose far end tells whether it was
// closed.
func pipeServerConn(t *testing.T) (*timedConn, func() bool) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	closed := func() bool {
		b.SetReadDeadline(time.Now().Add(time.Second)) // bounded: an open pipe blocks
		_, err := b.Read(make([]byte, 1))
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe)
	}
	return newServerConn(a), closed
}

func TestPrivateIdle(t *testing.T) {
	s1 := backend.NewServer(backend.ServerSettings{Addr: "10.0.0.1:80"})
	tr := backend.NewServer(backend.ServerSettings{Transparent: true})
	d1 := netip.MustParseAddrPort("127.0.0.1:80")
	d2 := netip.MustParseAddrPort("127.0.0.1:81")
	var p privateIdle
	c1, _ := pipeServerConn(t)
	c2, _ := pipeServerConn(t)
	c3, _ := pipeServerConn(t)
	p.keep(c1, s1, d1)
	p.keep(c2, tr, d1)
	p.keep(c3, tr, d2)
	if got := p.take(tr, d2, nil, "", nil); got != c3 {
		t.Fatal("the transparent connection to d2 was not found")
	}
	if got := p.take(tr, d2, nil, "", nil); got != nil {
		t.Fatal("a connection was taken twice")
	}
	if got := p.take(s1, d2, nil, "", nil); got != c1 {
		t.Fatal("a fixed server's connection depends on the destination")
	}
	if got := p.take(tr, d1, nil, "", nil); got != c2 || len(p) != 0 {
		t.Fatalf("left %d", len(p))
	}
	// At most maxPrivateIdle: one more is closed, not kept.
	for range maxPrivateIdle {
		c, _ := pipeServerConn(t)
		p.keep(c, s1, d1)
	}
	extra, extraClosed := pipeServerConn(t)
	p.keep(extra, s1, d1)
	if closed := extraClosed(); len(p) != maxPrivateIdle || !closed {
		t.Fatalf("kept %d, extra closed %v", len(p), closed)
	}
	first := p[0].c
	if got := p.take(s1, d1, nil, "", nil); got != first {
		t.Error("the oldest connection is not taken first")
	}
	p.closeAll()
	if len(p) != 0 {
		t.Error("closeAll left connections")
	}
}
