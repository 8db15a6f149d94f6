package acme

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	xacme "golang.org/x/crypto/acme"

	"switchyard/config"
	"switchyard/sample"
	"switchyard/ssl"
)

// obtain runs one attempt for the task's certificate, as haproxy's task
// does (acme_process): account, order, one challenge per authorization,
// finalization, certificate; then the file is written. Unless forced (by
// `acme renew`), it first looks at the file: a certificate another process
// put there that is not due is taken as is. It returns the certificate
// now in the file, or nil when there was nothing to do.
func (t *task) obtain(forced bool) (*ssl.Cert, error) {
	m := t.m
	c, s, extra, leaf, temporary := t.snapshot()
	if s == nil { // the configuration check makes this impossible
		return nil, fmt.Errorf("No ACME configuration found for file '%s'.", t.path)
	}
	if len(c.Domains) == 0 {
		return nil, fmt.Errorf("No 'domains' were configured for certificate.")
	}
	ctx, cancel := context.WithTimeout(t.ctx, m.timing.attempt)
	defer cancel()

	unlock, err := lockFile(t.path, m.timing.lockStale)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !forced {
		if cur, err := ssl.LoadCert(t.path, extra); err == nil && isNewer(cur.TLS.Leaf, leaf, temporary) && time.Now().Before(renewAt(cur.TLS.Leaf)) {
			m.logf(slog.LevelInfo, t.path, "a newer certificate is in the file (expires %s); taking it", cur.TLS.Leaf.NotAfter.UTC().Format(time.RFC3339))
			return cur, nil
		}
	}
	m.logf(slog.LevelInfo, t.path, "Starting update of the certificate.")

	key, err := m.accountKey(s)
	if err != nil {
		return nil, err
	}
	client := &xacme.Client{Key: key, DirectoryURL: s.Directory, HTTPClient: m.httpClient(), UserAgent: "switchyard"}
	acct := &xacme.Account{}
	if s.Contact != "" {
		acct.Contact = []string{"mailto:" + strings.TrimPrefix(s.Contact, "mailto:")}
	}
	// As haproxy, the terms of service are agreed to; an account that
	// exists for the key is used as it is.
	if _, err := client.Register(ctx, acct, xacme.AcceptTOS); err != nil && !errors.Is(err, xacme.ErrAccountAlreadyExists) {
		return nil, caError("couldn't register the account", err)
	}
	order, err := client.AuthorizeOrder(ctx, xacme.DomainIDs(c.Domains...))
	if err != nil {
		return nil, caError("couldn't create the order", err)
	}
	m.logf(slog.LevelInfo, t.path, "order %s created for %s", order.URI, strings.Join(c.Domains, ","))

	cleanups, err := t.challenges(ctx, client, s, order)
	defer func() {
		for _, f := range cleanups {
			f()
		}
	}()
	if err != nil {
		return nil, err
	}
	if order, err = client.WaitOrder(ctx, order.URI); err != nil {
		return nil, caError("order not ready", err)
	}

	certKey, err := newKey(s)
	if err != nil {
		return nil, err
	}
	// As haproxy's CSR: the first domain as the common name, all of them
	// as subjectAltName.
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: c.Domains[0]}, DNSNames: c.Domains}, certKey)
	if err != nil {
		return nil, err
	}
	chain, _, err := client.CreateCertFromOrder(ctx, order, csr, true)
	if err != nil {
		return nil, caError("couldn't finalize the order", err)
	}
	if err := writeCert(t.path, chain, certKey); err != nil {
		return nil, err
	}
	cert, err := ssl.LoadCert(t.path, extra)
	if err != nil {
		return nil, fmt.Errorf("the certificate written to '%s' does not load: %v", t.path, err)
	}
	m.logf(slog.LevelInfo, t.path, "Successful update of the certificate (expires %s).", cert.TLS.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return cert, nil
}

// challenges answers one challenge of the section's type for each pending
// authorization of the order and waits until the CA validated them all.
// The functions returned undo what was put in place (map entries,
// TLS-ALPN-01 certificates); they must run whatever the outcome, as
// haproxy removes its map entries at the end of the task.
func (t *task) challenges(ctx context.Context, client *xacme.Client, s *config.ACMESection, order *xacme.Order) ([]func(), error) {
	m := t.m
	var undo []func()
	var pending []string
	for _, u := range order.AuthzURLs {
		z, err := client.GetAuthorization(ctx, u)
		if err != nil {
			return undo, caError("couldn't get the authorization", err)
		}
		switch z.Status {
		case xacme.StatusValid:
			continue // still valid from an earlier order
		case xacme.StatusPending:
		default:
			return undo, fmt.Errorf("authorization for %s is %s", z.Identifier.Value, z.Status)
		}
		var chal *xacme.Challenge
		for _, c := range z.Challenges {
			if c.Type == s.Challenge {
				chal = c
			}
		}
		if chal == nil {
			return undo, fmt.Errorf("the CA offers no %s challenge for %s", strings.ToUpper(s.Challenge), z.Identifier.Value)
		}
		domain := z.Identifier.Value
		switch s.Challenge {
		case "http-01":
			thumb, err := xacme.JWKThumbprint(client.Key.Public())
			if err != nil {
				return undo, err
			}
			var ref *sample.PatternRef
			if m.Map != nil && s.Map != "" {
				ref = m.Map(s.Map)
			}
			if ref == nil {
				return undo, fmt.Errorf("couldn't add the token to the '%s' map: Unknown map identifier '%s'.", s.Map, s.Map)
			}
			// haproxy's map entry: the token, and the account's
			// thumbprint; the rule answers "token.thumbprint".
			if err := ref.Add(chal.Token, thumb); err != nil {
				return undo, fmt.Errorf("couldn't add the token to the '%s' map: %v", s.Map, err)
			}
			token := chal.Token
			undo = append(undo, func() { ref.Delete(token) })
		case "tls-alpn-01":
			cert, err := client.TLSALPN01ChallengeCert(chal.Token, domain)
			if err != nil {
				return undo, err
			}
			m.setALPNCert(domain, &cert)
			undo = append(undo, func() { m.setALPNCert(domain, nil) })
		}
		if _, err := client.Accept(ctx, chal); err != nil {
			return undo, caError("couldn't start the challenge", err)
		}
		m.logf(slog.LevelInfo, t.path, "%s challenge ready for %s", strings.ToUpper(s.Challenge), domain)
		pending = append(pending, u)
	}
	for _, u := range pending {
		z, err := client.WaitAuthorization(ctx, u)
		if err != nil {
			return undo, caError("challenge failed", err)
		}
		m.logf(slog.LevelInfo, t.path, "%s validated", z.Identifier.Value)
	}
	return undo, nil
}

// caError words an error of the CA, keeping the delay it asked for.
func caError(what string, err error) error {
	var ae *xacme.Error
	if errors.As(err, &ae) && ae.Header != nil {
		if s, perr := strconv.Atoi(ae.Header.Get("Retry-After")); perr == nil && s > 0 {
			return retryAfterError{fmt.Errorf("%s: %w", what, err), time.Duration(s) * time.Second}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isNewer says whether cur (read from the file) replaces the task's
// certificate.
func isNewer(cur, known *x509.Certificate, knownTemporary bool) bool {
	return known == nil || knownTemporary || cur.NotAfter.After(known.NotAfter)
}

// writeCert writes the chain and the key as haproxy reads a crt file: the
// certificate, its chain, then the key, in one PEM file.
func writeCert(path string, chain [][]byte, key crypto.Signer) error {
	var b bytes.Buffer
	for _, der := range chain {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeAtomic(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("couldn't write the certificate: %v", err)
	}
	return nil
}
