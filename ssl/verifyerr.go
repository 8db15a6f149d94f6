package ssl

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Client certificate verification that goes on past errors, as haproxy's
// `ca-ignore-err` and `crt-ignore-err` make OpenSSL's: the errors are
// counted by depth (0: the client's certificate, more: its CAs), those the
// bind ignores let the handshake go on, and the ssl_c_verify, ssl_c_err
// and ssl_c_ca_err fetches tell them with OpenSSL's X509_V_ERR codes.

// OpenSSL's verification error codes (X509_V_ERR_*) that Go's checks can
// tell apart.
const (
	verifyOK                 = 0
	errUnableToGetCRL        = 3
	errCRLSignatureFailure   = 8
	errCertNotYetValid       = 9
	errCertHasExpired        = 10
	errCRLNotYetValid        = 11
	errCRLHasExpired         = 12
	errDepthZeroSelfSigned   = 18
	errUnableToGetIssuerCert = 20 // ..._LOCALLY
	errUnableToVerifyLeaf    = 21
	errCertRevoked           = 23
)

// IgnoreErrs is a `ca-ignore-err` or `crt-ignore-err` setting: all
// errors, or some by code.
type IgnoreErrs struct {
	All   bool
	Codes []int
}

// ParseIgnoreErrs reads "all" or a comma-separated list of error codes.
func ParseIgnoreErrs(s string) (IgnoreErrs, error) {
	if s == "all" {
		return IgnoreErrs{All: true}, nil
	}
	var ig IgnoreErrs
	for _, w := range strings.Split(s, ",") {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			return IgnoreErrs{}, fmt.Errorf("expects 'all' or a comma-separated list of error IDs, got '%s'", w)
		}
		ig.Codes = append(ig.Codes, n)
	}
	return ig, nil
}

func (ig IgnoreErrs) set() bool { return ig.All || len(ig.Codes) > 0 }

func (ig IgnoreErrs) ignores(code int) bool { return ig.All || slices.Contains(ig.Codes, code) }

// VerifyResult is what the verification of a client certificate found.
type VerifyResult struct {
	// Last is the last error (ssl_c_verify: OpenSSL keeps the last one
	// its callback saw); CA and Crt the first at depth above 0 and at
	// depth 0 (ssl_c_ca_err, ssl_c_err). 0: none.
	Last, CA, Crt int
}

// verifyError is one error at a depth of the chain.
type verifyError struct{ code, depth int }

// verifyClient verifies a client's chain against the bind's CAs and CRLs
// as OpenSSL does, collecting every error in OpenSSL's order: building
// the chain, then revocation from the leaf up, then dates from the top
// down.
func verifyClient(raw [][]byte, cas []*x509.Certificate, up Issuers, crls *CRLs, now time.Time) ([]verifyError, error) {
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, d := range raw {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, nil
	}
	// The chain is built as OpenSSL builds it, by names and signatures,
	// whatever the dates: they are checked below, in their place among
	// the errors (a test CA may be younger than an expired leaf).
	chain, trusted := buildChain(certs, cas)
	if trusted {
		// OpenSSL goes on past a trusted intermediate to a self-signed
		// CA when it has one, and checks it too.
		chain = up.toSelfSigned(chain)
	}
	var errs []verifyError
	if !trusted {
		last := chain[len(chain)-1]
		switch {
		case len(chain) == 1 && last.CheckSignatureFrom(last) == nil:
			errs = append(errs, verifyError{errDepthZeroSelfSigned, 0})
		case len(chain) == 1:
			// OpenSSL reports both for a lone certificate: its issuer
			// is not found, and so it cannot be verified.
			errs = append(errs, verifyError{errUnableToGetIssuerCert, 0}, verifyError{errUnableToVerifyLeaf, 0})
		default:
			errs = append(errs, verifyError{errUnableToGetIssuerCert, len(chain) - 1})
		}
	}
	if crls != nil {
		// Every certificate of a trusted chain, its root included (as
		// CRL_CHECK_ALL): an untrusted one's last is not checked.
		n := len(chain)
		if !trusted {
			n--
		}
		for d, c := range chain[:max(n, 0)] {
			for _, code := range crls.status(c, issuerIn(chain, d), now) {
				errs = append(errs, verifyError{code, d})
			}
		}
	}
	for d := len(chain) - 1; d >= 0; d-- {
		switch c := chain[d]; {
		case now.Before(c.NotBefore):
			errs = append(errs, verifyError{errCertNotYetValid, d})
		case now.After(c.NotAfter):
			errs = append(errs, verifyError{errCertHasExpired, d})
		}
	}
	return errs, nil
}

// verifyPeer is a handshake's own verification of the client's chain,
// for binds with ca-ignore-err or crt-ignore-err: an error the bind does
// not ignore fails the handshake; the result goes to the connection.
func verifyPeer(c *ownVerify, notes *Notes) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return nil // verify optional: no certificate is no error
		}
		errs, err := verifyClient(raw, c.trust, c.up, c.crls, time.Now())
		if err != nil {
			return err
		}
		var res VerifyResult
		var fail error
		for _, e := range errs {
			res.Last = e.code
			ig := c.CrtIgnore
			if e.depth > 0 {
				ig = c.CAIgnore
				if res.CA == 0 {
					res.CA = e.code
				}
			} else if res.Crt == 0 {
				res.Crt = e.code
			}
			if !ig.ignores(e.code) && fail == nil {
				fail = fmt.Errorf("certificate verify failed (X509 error %d at depth %d)", e.code, e.depth)
			}
		}
		if notes != nil {
			notes.Verify = res
		}
		return fail
	}
}

// ownVerify says whether a bind verifies client certificates itself.
// ownVerify says whether a bind verifies client certificates itself:
// when it ignores errors, or trusts CAs it does not name (Go's
// verification trusts exactly the CAs it names).
func (c *Conf) verifiesItself() bool {
	return c.Verify != VerifyNone && c.Verify != VerifyUnset && (c.CAIgnore.set() || c.CrtIgnore.set() || c.VerifyCA != nil)
}

// perConn makes the configuration of one handshake whose verification
// reports to the connection. Its result also travels in the session
// tickets it issues (sealed with root's keys, as crypto/tls seals them by
// default), so that a resumed session reports it again, as OpenSSL keeps
// a session's verify result.
func perConn(root, cfg *tls.Config, c *ownVerify, hello *tls.ClientHelloInfo) *tls.Config {
	cfg = cfg.Clone()
	notes := notesOf(hello.Conn)
	cfg.VerifyPeerCertificate = verifyPeer(c, notes)
	if notes == nil || cfg.SessionTicketsDisabled {
		return cfg
	}
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = append(ss.Extra, binary.BigEndian.AppendUint32([]byte(verifyExtra), uint32(notes.Verify.Last)))
		return root.EncryptTicket(cs, ss)
	}
	cfg.UnwrapSession = func(id []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := root.DecryptTicket(id, cs)
		if ss != nil {
			for _, e := range ss.Extra {
				if v, ok := bytes.CutPrefix(e, []byte(verifyExtra)); ok && len(v) == 4 {
					notes.Verify = VerifyResult{Last: int(binary.BigEndian.Uint32(v))}
				}
			}
		}
		return ss, err
	}
	return cfg
}

// verifyExtra marks a session ticket's verify result.
const verifyExtra = "switchyard verify "

// ownVerify is a slot's settings for the handshakes that verify the
// client themselves, with the CAs they trust gathered once.
type ownVerify struct {
	*Conf
	trust []*x509.Certificate // ca-file's and ca-verify-file's
	up    Issuers             // their issuers among them
	crls  *CRLs
}

// buildChain goes from the client's certificate to a trusted one: each
// certificate's issuer is a trusted CA or one the client sent, by name and
// signature. trusted says whether it ended on a CA of the bind's.
func buildChain(certs, cas []*x509.Certificate) (chain []*x509.Certificate, trusted bool) {
	chain = []*x509.Certificate{certs[0]}
	issuerOf := func(c *x509.Certificate, among []*x509.Certificate) *x509.Certificate {
		for _, p := range among {
			if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil && !slices.Contains(chain, p) {
				return p
			}
		}
		return nil
	}
	for cur := certs[0]; len(chain) < 16; {
		if slices.ContainsFunc(cas, func(ca *x509.Certificate) bool { return ca.Equal(cur) }) {
			return chain, true
		}
		if p := issuerOf(cur, cas); p != nil {
			return append(chain, p), true
		}
		p := issuerOf(cur, certs[1:])
		if p == nil {
			return chain, false
		}
		chain = append(chain, p)
		cur = p
	}
	return chain, false
}
