package ssl

import (
	"crypto/x509"

	"switchyard/sample"
)

// Notes are what a bind's handshake learns that crypto/tls does not keep
// for a server: the certificate it served (ssl_f_*), and what the
// verification of the client's found when the bind verifies it itself
// (ssl_c_verify and its kin; verifyerr.go); and the hello messages'
// randoms, which the connection reads off the wire (hello.go).
type Notes struct {
	Served  *x509.Certificate
	Verify  VerifyResult
	Randoms Randoms
}

// Noted is a connection that keeps its handshake's notes: the proxy's
// record reader under the TLS layer, which the handshake sees as
// ClientHelloInfo.Conn.
type Noted interface{ HandshakeNotes() *Notes }

// FrontNotes finds the notes of a stream's client connection (nil in
// clear). The proxy, which knows the streams, sets it.
var FrontNotes = func(*sample.Ctx) *Notes { return nil }

// notesOf are the notes of a handshake's connection, nil when it keeps
// none.
func notesOf(c any) *Notes {
	if n, ok := c.(Noted); ok {
		return n.HandshakeNotes()
	}
	return nil
}
