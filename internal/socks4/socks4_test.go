package socks4

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestRequest(t *testing.T) {
	got := Request(netip.MustParseAddrPort("10.1.2.3:8080"))
	want := []byte{4, 1, 0x1f, 0x90, 10, 1, 2, 3, 'H', 'A', 'P', 'r', 'o', 'x', 'y', 0}
	if !bytes.Equal(got, want) {
		t.Fatalf("request = % x, want % x", got, want)
	}
	if got := Request(netip.MustParseAddrPort("[2001:db8::1]:80")); !bytes.Equal(got[4:8], []byte{0, 0, 0, 0}) {
		t.Fatalf("an IPv6 destination goes as 0.0.0.0: % x", got)
	}
}

// A proxy that grants the request leaves the stream to the destination;
// one that refuses, or closes, fails the connect.
func TestConnect(t *testing.T) {
	dst := netip.MustParseAddrPort("192.0.2.7:443")
	for _, tc := range []struct {
		name   string
		answer []byte
		err    error
	}{
		{"granted", []byte{0, 90, 0, 0, 0, 0, 0, 0}, nil},
		{"refused", []byte{0, 91, 0, 0, 0, 0, 0, 0}, ErrRefused},
		{"closed", []byte{0, 90}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			got := make(chan []byte, 1)
			go func() {
				defer b.Close()
				req := make([]byte, 16)
				n, _ := b.Read(req)
				got <- req[:n]
				b.Write(tc.answer)
				if tc.name == "granted" {
					b.Write([]byte("data"))
				}
			}()
			err := Connect(a, dst, time.Now().Add(5*time.Second))
			if req := <-got; !bytes.Equal(req, Request(dst)) {
				t.Errorf("request = % x", req)
			}
			switch tc.name {
			case "granted":
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 4)
				if n, _ := a.Read(buf); string(buf[:n]) != "data" {
					t.Errorf("after the answer: %q", buf[:n])
				}
			case "refused":
				if !errors.Is(err, tc.err) {
					t.Errorf("err = %v, want %v", err, tc.err)
				}
			default:
				if err == nil {
					t.Error("a proxy that closed mid-answer granted the connect")
				}
			}
		})
	}
}
