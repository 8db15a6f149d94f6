// Package testhello captures the ClientHello that crypto/tls sends, as a
// proxy that does not terminate TLS sees it, for the tests of the
// req.ssl_* fetches.
package testhello

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// ClientHello returns the first record a crypto/tls client configured with
// cfg sends: its ClientHello. The handshake goes no further.
func ClientHello(tb testing.TB, cfg *tls.Config) []byte {
	tb.Helper()
	client, server := net.Pipe()
	deadline := time.Now().Add(5 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tls.Client(client, cfg).Handshake() // fails once server closes
		client.Close()
	}()
	defer func() { server.Close(); <-done }()
	rec := make([]byte, 5)
	if _, err := io.ReadFull(server, rec); err != nil {
		tb.Fatalf("reading the ClientHello: %v", err)
	}
	rec = append(rec, make([]byte, binary.BigEndian.Uint16(rec[3:]))...)
	if _, err := io.ReadFull(server, rec[5:]); err != nil {
		tb.Fatalf("reading the ClientHello: %v", err)
	}
	return rec
}
