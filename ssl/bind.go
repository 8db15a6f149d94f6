package ssl

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// Entry is one certificate a bind serves: from a `crt` argument (its own
// names) or a crt-list line (its SNI filters, if any, and its options).
type Entry struct {
	Cert *Cert
	// Conf overrides the bind's settings for handshakes this entry
	// answers (a crt-list line's [options]); nil: the bind's.
	Conf *Conf
	// Filters are a crt-list line's SNI filters, lower case; "!name"
	// excludes a name. Empty: the certificate's own names.
	Filters []string
	// Where is the crt-list line ("file:line"), "" for a crt argument.
	Where string
}

// Bind is the TLS side of a `bind … ssl` line.
type Bind struct {
	Conf      Conf
	Entries   []*Entry
	StrictSNI bool
}

// Server is a bind's TLS, ready for handshakes: the certificate is picked
// by SNI when the client says hello.
type Server struct {
	root  *tls.Config
	exact map[string][]*slot
	wild  map[string][]*slot // by the name without its first label: "example.com" for "*.example.com"
	def   *slot
	// strict: no default certificate; a name that matches none fails.
	strict bool
}

// slot is an entry ready to serve: its tls.Config, and the names it
// must not serve (negative filters).
type slot struct {
	e       *Entry
	cfg     *tls.Config
	notExac map[string]bool
	notWild map[string]bool
	kind    keyKind
}

type keyKind uint8

const (
	keyECDSA keyKind = iota // preferred, as HAProxy does when the client can
	keyRSA
	keyOther
)

func kindOf(c *Cert) keyKind {
	switch c.TLS.PrivateKey.(type) {
	case *ecdsa.PrivateKey:
		return keyECDSA
	case *rsa.PrivateKey:
		return keyRSA
	}
	return keyOther
}

// NewServer builds a bind's handshake configuration. Every entry's
// tls.Config shares one session ticket key, so that a session resumes
// whichever certificate served it.
func (b *Bind) NewServer() (*Server, error) {
	if len(b.Entries) == 0 {
		return nil, fmt.Errorf("no certificate")
	}
	var ticketKey [32]byte
	if _, err := rand.Read(ticketKey[:]); err != nil {
		return nil, err
	}
	s := &Server{exact: map[string][]*slot{}, wild: map[string][]*slot{}, strict: b.StrictSNI}
	for _, e := range b.Entries {
		conf := b.Conf
		if e.Conf != nil {
			conf = *e.Conf
			conf.Merge(&b.Conf)
		}
		cfg, err := serverConfig(&conf)
		if err != nil {
			where := e.Where
			if where == "" {
				where = e.Cert.Path
			}
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		cfg.Certificates = []tls.Certificate{e.Cert.TLS}
		if !conf.NoTickets {
			cfg.SetSessionTicketKeys([][32]byte{ticketKey})
		}
		sl := &slot{e: e, cfg: cfg, kind: kindOf(e.Cert)}
		names := e.Filters
		if len(names) == 0 {
			names = e.Cert.Names
		}
		for _, n := range names {
			neg := strings.HasPrefix(n, "!")
			n = strings.ToLower(strings.TrimPrefix(n, "!"))
			base, wild := strings.CutPrefix(n, "*.")
			switch {
			case neg && wild:
				sl.addNot(&sl.notWild, base)
			case neg:
				sl.addNot(&sl.notExac, n)
			case wild:
				s.wild[base] = append(s.wild[base], sl)
			default:
				s.exact[n] = append(s.exact[n], sl)
			}
		}
		if s.def == nil {
			s.def = sl
		}
	}
	s.root = &tls.Config{GetConfigForClient: s.configFor}
	// The root answers nothing itself: every handshake gets an entry's
	// configuration. Its versions bound what the entries may allow.
	s.root.MinVersion = tls.VersionTLS10
	return s, nil
}

func (sl *slot) addNot(m *map[string]bool, n string) {
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[n] = true
}

// Config is the tls.Config to accept connections with.
func (s *Server) Config() *tls.Config { return s.root }

// errNoCert ends a handshake strict-sni finds no certificate for.
var errNoCert = errors.New("no certificate for the server name (strict-sni)")

// configFor picks the entry for the name the client asked for: an exact
// name, then a wildcard, then the default certificate unless strict-sni;
// among entries for the same name, the first whose key the client
// supports, ECDSA before RSA.
func (s *Server) configFor(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name != "" {
		if sl := pick(s.exact[name], hello, name, false); sl != nil {
			return sl.cfg, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			if sl := pick(s.wild[name[i+1:]], hello, name, true); sl != nil {
				return sl.cfg, nil
			}
		}
	}
	if s.strict {
		return nil, errNoCert
	}
	return s.def.cfg, nil
}

func pick(slots []*slot, hello *tls.ClientHelloInfo, name string, wild bool) *slot {
	var first *slot
	for k := keyECDSA; k <= keyOther; k++ {
		for _, sl := range slots {
			if sl.kind != k || sl.notExac[name] || wild && sl.notWild[name[strings.IndexByte(name, '.')+1:]] {
				continue
			}
			if first == nil {
				first = sl
			}
			if hello.SupportsCertificate(&sl.cfg.Certificates[0]) == nil {
				return sl
			}
		}
	}
	return first
}

// serverConfig is the tls.Config of a bind or crt-list entry's settings.
func serverConfig(c *Conf) (*tls.Config, error) {
	tc := &tls.Config{}
	if err := c.apply(tc); err != nil {
		return nil, err
	}
	switch c.Verify {
	case VerifyOptional:
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case VerifyRequired:
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if tc.ClientAuth != tls.NoClientCert {
		if c.CAs == nil {
			return nil, fmt.Errorf("verify is enabled but no CA file specified (ca-file)")
		}
		tc.ClientCAs = c.CAs
	}
	checks := []func(tls.ConnectionState) error{}
	if c.has(setSuites) {
		checks = append(checks, c.suiteAllowed)
	}
	if len(c.CRLs) > 0 && tc.ClientAuth != tls.NoClientCert {
		checks = append(checks, func(cs tls.ConnectionState) error { return c.revoked(cs.VerifiedChains) })
	}
	if len(checks) > 0 {
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			for _, f := range checks {
				if err := f(cs); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return tc, nil
}

// ClientConf is the TLS side of a `server … ssl` line.
type ClientConf struct {
	Conf Conf
	// Cert is the client certificate (crt), nil for none.
	Cert *Cert
	// NoReuse turns session resumption off (no-ssl-reuse).
	NoReuse bool
	// VerifyHost is the name checked against the server's certificate
	// (verifyhost); "" checks the SNI sent, or nothing without one.
	VerifyHost string
}

// NewClient builds the tls.Config of a server line. Sessions are cached
// per server so that reconnections resume (unless no-ssl-reuse).
func (c *ClientConf) NewClient() (*tls.Config, error) {
	tc := &tls.Config{}
	if err := c.Conf.apply(tc); err != nil {
		return nil, err
	}
	if c.Cert != nil {
		tc.Certificates = []tls.Certificate{c.Cert.TLS}
	}
	if !c.NoReuse && !c.Conf.NoTickets {
		tc.ClientSessionCache = tls.NewLRUClientSessionCache(64)
	}
	verify := c.Conf.Verify == VerifyRequired
	// Go verifies the name it sends; HAProxy checks verifyhost, or the
	// SNI, or no name at all. So the check is ours.
	tc.InsecureSkipVerify = true
	if verify {
		roots := c.Conf.CAs
		crl := c.Conf.revoked
		host := c.VerifyHost
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, ic := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(ic)
			}
			chains, err := cs.PeerCertificates[0].Verify(opts)
			if err != nil {
				return err
			}
			name := host
			if name == "" {
				name = cs.ServerName
			}
			if name != "" {
				if err := cs.PeerCertificates[0].VerifyHostname(name); err != nil {
					return err
				}
			}
			if err := crl(chains); err != nil {
				return err
			}
			return c.Conf.suiteAllowed(cs)
		}
	} else if c.Conf.has(setSuites) {
		tc.VerifyConnection = c.Conf.suiteAllowed
	}
	return tc, nil
}
