package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
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
	errCertNotYetValid       = 9
	errCertHasExpired        = 10
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

// VerifyNoter is a connection that keeps its client certificate's
// verification result (the record reader under the TLS layer).
type VerifyNoter interface{ NoteVerify(VerifyResult) }

// verifyError is one error at a depth of the chain.
type verifyError struct{ code, depth int }

// verifyClient verifies a client's chain against the bind's CAs and CRLs
// as OpenSSL does, collecting every error in OpenSSL's order: building
// the chain, then revocation from the leaf up, then dates from the top
// down.
func verifyClient(raw [][]byte, cas *x509.CertPool, crls *CRLs, now time.Time) ([]verifyError, error) {
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
	leaf := certs[0]
	opts := x509.VerifyOptions{Roots: cas, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	// The chain is built at a time its certificates are valid, if there
	// is one: dates are checked below, in their place among the errors.
	var chains [][]*x509.Certificate
	var err error
	for _, at := range []time.Time{now, leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2), leaf.NotAfter.Add(-time.Second), leaf.NotBefore.Add(time.Second)} {
		opts.CurrentTime = at
		var e error
		if chains, e = leaf.Verify(opts); e == nil {
			err = nil
			break
		}
		if err == nil || !errors.As(err, new(x509.UnknownAuthorityError)) {
			err = e // an unknown authority is the error that says most
		}
	}
	var errs []verifyError
	var chain []*x509.Certificate
	switch {
	case err == nil:
		chain = chains[0]
	case errors.As(err, new(x509.UnknownAuthorityError)):
		code := errUnableToGetIssuerCert
		switch {
		case len(certs) == 1 && leaf.CheckSignatureFrom(leaf) == nil:
			code = errDepthZeroSelfSigned
		case len(certs) == 1:
			code = errUnableToVerifyLeaf
		}
		errs = append(errs, verifyError{code, len(certs) - 1})
		chain = certs
	default:
		return nil, err // unusable: refused whatever the settings
	}
	if crls != nil {
		for d, c := range chain[:max(len(chain)-1, 0)] {
			set, ok := crls.revoked[c.Issuer.String()]
			switch {
			case !ok:
				errs = append(errs, verifyError{errUnableToGetCRL, d})
			case set[string(c.SerialNumber.Bytes())]:
				errs = append(errs, verifyError{errCertRevoked, d})
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
func verifyPeer(c *Conf, noter VerifyNoter) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return nil // verify optional: no certificate is no error
		}
		errs, err := verifyClient(raw, c.CAs, c.CRLs, time.Now())
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
		if noter != nil {
			noter.NoteVerify(res)
		}
		return fail
	}
}

// ownVerify says whether a bind verifies client certificates itself.
func (c *Conf) ownVerify() bool {
	return c.Verify != VerifyNone && c.Verify != VerifyUnset && (c.CAIgnore.set() || c.CrtIgnore.set())
}

// perConn makes the configuration of one handshake whose verification
// reports to the connection.
func perConn(cfg *tls.Config, c *Conf, hello *tls.ClientHelloInfo) *tls.Config {
	n, _ := hello.Conn.(VerifyNoter)
	cfg = cfg.Clone()
	cfg.VerifyPeerCertificate = verifyPeer(c, n)
	return cfg
}
