package difftest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"switchyard/ssl"
)

// This file is the TLS side of the client: a connection opened by a step
// with tls set (or in a case with tls set) does a handshake before its
// first bytes, and the handshake is rendered as one comparable line. The
// client verifies nothing (InsecureSkipVerify): what the proxy served is
// the observation, not something to refuse.

// tlsClient is what the client offers in its handshake.
type tlsClient struct {
	sni      string           // server name sent; none when empty
	alpn     []string         // protocols offered, in order; none when empty
	min, max uint16           // version bounds (tls.VersionTLS12...); Go's defaults when 0
	ciphers  []uint16         // TLS 1.2 suites offered; Go's defaults when nil
	cert     *tls.Certificate // client certificate, presented whenever the proxy asks
	// anyAlert leaves out which alert a failed handshake got, for a case
	// that says why.
	anyAlert bool
}

func (o *tlsClient) config() *tls.Config {
	c := &tls.Config{
		InsecureSkipVerify: true,
		ServerName:         o.sni,
		NextProtos:         o.alpn,
		MinVersion:         o.min,
		MaxVersion:         o.max,
		CipherSuites:       o.ciphers,
	}
	if o.cert != nil {
		// Whatever CAs the proxy names: crypto/tls would otherwise send
		// nothing when the certificate's issuer is not among them.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return o.cert, nil }
	}
	return c
}

// startTLS turns cc into a TLS connection and says how the handshake went:
// the version, the protocol agreed by ALPN and the certificate served (its
// subject's CN, DNS names and key type); or "failed", with the alert the
// proxy sent if it sent one. Go's own error text is left out: it says how
// Go words a failure, not what the proxy did. After a failure the case's
// steps on the connection are skipped.
func (cc *clientConn) startTLS(o *tlsClient, wait time.Duration) string {
	tc := tls.Client(cc.c, o.config())
	tc.SetDeadline(time.Now().Add(wait))
	err := tc.Handshake()
	tc.SetDeadline(time.Time{})
	cc.c, cc.r = tc, &capReader{br: bufio.NewReaderSize(tc, 64<<10)}
	if err != nil {
		cc.noTLS, cc.done = true, true
		if a := tlsAlert(err); a != "" && !o.anyAlert {
			return "failed (" + a + ")"
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "failed (timeout)"
		}
		return "failed"
	}
	st := tc.ConnectionState()
	s := fmt.Sprintf("%s alpn=%q", ssl.VersionName(st.Version), st.NegotiatedProtocol)
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		key := "other"
		switch c.PublicKey.(type) {
		case *ecdsa.PublicKey:
			key = "ECDSA"
		case *rsa.PublicKey:
			key = "RSA"
		case ed25519.PublicKey:
			key = "Ed25519"
		}
		s += fmt.Sprintf(" cert: cn=%q dns=%q key=%s", c.Subject.CommonName, c.DNSNames, key)
	}
	return s
}

// tlsAlert is "alert NAME" when err is an alert the peer sent, "" if not.
func tlsAlert(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		return "alert " + strings.TrimPrefix(oe.Err.Error(), "tls: ")
	}
	return ""
}
