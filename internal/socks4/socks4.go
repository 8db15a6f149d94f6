// Package socks4 is the client side of a SOCKS4 CONNECT, as haproxy speaks
// it to a server's `socks4` proxy: the request names the destination and
// the user id "HAProxy", and the proxy's 8-byte answer grants (90) or
// refuses it before any data flows.
package socks4

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// Granted is the answer code of a SOCKS4 proxy that connected.
const Granted = 90

// userID is what haproxy sends as the requester: SOCKS4 proxies may log or
// check it.
const userID = "HAProxy\x00"

// Request returns the CONNECT request for dst. SOCKS4 carries IPv4 only:
// another address goes as 0.0.0.0, as haproxy sends it.
func Request(dst netip.AddrPort) []byte {
	b := []byte{4, 1, byte(dst.Port() >> 8), byte(dst.Port())}
	if a := dst.Addr().Unmap(); a.Is4() {
		ip := a.As4()
		b = append(b, ip[:]...)
	} else {
		b = append(b, 0, 0, 0, 0)
	}
	return append(b, userID...)
}

// ErrRefused is a proxy's answer other than "granted".
var ErrRefused = errors.New("socks4: the proxy refused the connection")

// Connect asks the proxy at the other end of c to connect to dst and waits
// for its answer until deadline (zero: none). On success, c carries the
// stream to dst from the next byte.
func Connect(c net.Conn, dst netip.AddrPort, deadline time.Time) error {
	c.SetDeadline(deadline)
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(Request(dst)); err != nil {
		return fmt.Errorf("socks4: sending the request: %w", err)
	}
	var answer [8]byte
	if _, err := io.ReadFull(c, answer[:]); err != nil {
		return fmt.Errorf("socks4: reading the answer: %w", err)
	}
	if answer[1] != Granted {
		return fmt.Errorf("%w (code %d)", ErrRefused, answer[1])
	}
	return nil
}

// Dial connects to the proxy with d and asks it for addr ("ip:port"),
// the whole within deadline (zero: d's own timeout only). Cancelling ctx
// cuts the handshake too.
func Dial(ctx context.Context, d *net.Dialer, proxy, addr string, deadline time.Time) (net.Conn, error) {
	dst, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	c, err := d.DialContext(ctx, "tcp", proxy)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := Connect(c, dst, deadline); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
