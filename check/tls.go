package check

import (
	"context"
	"crypto/tls"
	"errors"
)

// TLS in checks: a `connect ssl` rule, or the default connection of a
// server checked over TLS (check-ssl, or its `ssl`), makes a TLS handshake
// once connected, with the server's TLS settings. As in haproxy, a failed
// handshake is a layer 6 failure (L6RSP, L6TOUT when it times out).

// ConnectsSSL says whether a check rule of the section has `connect
// ssl`: its servers then need TLS settings even without `ssl` or
// `check-ssl` (haproxy's PR_O_TCPCHK_SSL).
func (c *Config) ConnectsSSL() bool {
	if c == nil {
		return false
	}
	for _, l := range [][]*rule{c.httpRules, c.tcpRules, c.inherited} {
		for _, r := range l {
			if r.act == actConnect && r.connect.ssl {
				return true
			}
		}
	}
	return false
}

// tlsConfig is the TLS configuration of connect rule r's connection, nil
// for one in clear: the rule's sni and alpn, or for the default
// connection the server's check-sni and check-alpn.
func (x *run) tlsConfig(r *rule) *tls.Config {
	c := &r.connect
	base := x.t.TLS.Config
	if base == nil || !c.ssl && !(c.def && x.t.TLS.Default) {
		return nil
	}
	sni, alpn := c.sni, c.alpn
	if c.def {
		if sni == "" {
			sni = x.t.TLS.SNI
		}
		if alpn == nil {
			alpn = x.t.TLS.ALPN
		}
	}
	cfg := base.Clone()
	cfg.ServerName = sni
	cfg.NextProtos = alpn
	return cfg
}

// handshake makes the TLS handshake on the connection just made.
func (x *run) handshake(cfg *tls.Config) bool {
	tc := tls.Client(x.sock, cfg)
	err := tc.HandshakeContext(x.ctx)
	if err != nil && errors.Is(x.ctx.Err(), context.Canceled) {
		x.aborted() // the check was called off: no outcome to count
		return false
	}
	if c := x.t.Counter; c != nil {
		c.TLSHandshake(err == nil, err == nil && tc.ConnectionState().DidResume)
	}
	if err != nil {
		if isTimeout(err) || x.ctx.Err() != nil {
			x.fail(StatusL6Timeout, x.suffix())
		} else {
			x.fail(StatusL6Resp, "SSL handshake failure"+x.suffix())
		}
		return false
	}
	x.conn = tc
	return true
}
