package peers

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLS is the ssl settings of a peers listener or of a peer: as haproxy's
// bind and server options crt, ca-file and verify.
type TLS struct {
	Crt    string // certificate, chain and key in one PEM file
	CAFile string
	Verify string // none, optional, required ("": required)
}

// config builds the tls.Config of a listener (server) or of a connection
// to a peer. As haproxy without verifyhost, a peer's certificate is
// checked against the CA file but not against a name.
func (t *TLS) config(server bool) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.Crt != "" {
		pem, err := os.ReadFile(t.Crt)
		if err != nil {
			return nil, err
		}
		cert, err := tls.X509KeyPair(pem, pem)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", t.Crt, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	var roots *x509.CertPool
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, err
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificate", t.CAFile)
		}
	}
	verify := t.Verify
	if verify == "" {
		verify = "required"
		if server {
			verify = "none" // haproxy's bind default: no client certificate asked
		}
	}
	check := func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			if verify == "required" {
				return errors.New("peer sent no certificate")
			}
			return nil
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
		for _, ic := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(ic)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
	if server {
		switch verify {
		case "required":
			c.ClientAuth = tls.RequireAnyClientCert
			c.VerifyConnection = check
		case "optional":
			c.ClientAuth = tls.RequestClientCert
			c.VerifyConnection = check
		}
		return c, nil
	}
	// Names are not checked (haproxy's default without verifyhost): the
	// chain is, unless verify none.
	c.InsecureSkipVerify = true
	if verify != "none" {
		c.VerifyConnection = check
	}
	return c, nil
}
