package ssl

import (
	"cmp"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// List and Line are the crt-list file and the line of the entry; ""
	// and 0 for a crt argument.
	List string
	Line int
	// Options are the crt-list line's option words, as written.
	Options []string
}

// Where is the entry's crt-list line, "file:line", or its certificate's
// path for a crt argument.
func (e *Entry) Where() string {
	if e.List == "" {
		return e.Cert.Path
	}
	return fmt.Sprintf("%s:%d", e.List, e.Line)
}

// Bind is the TLS side of a `bind … ssl` line.
type Bind struct {
	Conf      Conf
	Entries   []*Entry
	StrictSNI bool
	// Lists are the bind's crt-list files, how to read them again.
	Lists []*ListSource
	// Where is the bind line, "file:line", for messages.
	Where string
}

// ListSource is a crt-list file as a bind loaded it: how to read it
// again when it changes, and how to read the options of a line the
// runtime API adds.
type ListSource struct {
	Path, CrtBase string
	// CABase resolves the CA and CRL files its lines name.
	CABase string
	Extra  ExtraFiles
	Opts   func(words []string) (*Conf, error)
}

// AddList notes a crt-list the bind loaded (once per file).
func (b *Bind) AddList(l *ListSource) {
	for _, o := range b.Lists {
		if o.Path == l.Path {
			return
		}
	}
	b.Lists = append(b.Lists, l)
}

// Load reads the list's file: its entries, each line's certificates.
func (l *ListSource) Load() ([]*Entry, error) {
	return LoadCrtList(l.Path, l.CrtBase, l.Extra, l.Opts)
}

// Server is a bind's TLS, ready for handshakes: the certificate is picked
// by SNI when the client says hello. Its certificates can change while it
// serves (a file replaced on disk, the runtime API: see Store): the index
// of names is rebuilt and swapped in for the next handshakes, under the
// same root configuration, whose session ticket keys therefore stay.
type Server struct {
	root *tls.Config
	idx  atomic.Pointer[sniIndex]
	mu   sync.Mutex // serialises changes to def
	def  Bind       // what idx was built from
}

// sniIndex is a bind's certificates by name.
type sniIndex struct {
	exact map[string][]*slot
	wild  map[string][]*slot // by the name without its first label: "example.com" for "*.example.com"
	def   *slot              // nil: no certificate left (the runtime API removed them all)
	// strict: no default certificate; a name that matches none fails.
	strict bool
}

// slot is an entry ready to serve: its tls.Config, and the names its
// wildcards must not serve (a crt-list line's "!name" filters).
type slot struct {
	cfg *tls.Config
	// own: the handshake verifies the client's certificate itself, with
	// these settings (ca-ignore-err, crt-ignore-err); nil: Go does.
	own  *ownVerify
	not  map[string]bool
	kind keyKind
	// bare is cfg without the OCSP response, served from until on: as
	// haproxy, a response is not stapled in the last 5 minutes before
	// its next update (nil: no response stapled).
	bare  *tls.Config
	until time.Time
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

// NewServer builds a bind's handshake configuration. The entries' configs
// set no session ticket key: crypto/tls then uses the root's, which it
// rotates, so a session resumes whichever certificate served it.
func (b *Bind) NewServer() (*Server, error) {
	if len(b.Entries) == 0 {
		return nil, fmt.Errorf("no certificate")
	}
	idx, err := b.index()
	if err != nil {
		return nil, err
	}
	s := &Server{def: *b}
	s.def.Entries = slices.Clone(b.Entries)
	s.idx.Store(idx)
	s.root = &tls.Config{GetConfigForClient: s.configFor}
	return s, nil
}

// index builds the bind's index of names.
func (b *Bind) index() (*sniIndex, error) {
	s := &sniIndex{exact: map[string][]*slot{}, wild: map[string][]*slot{}, strict: b.StrictSNI}
	for _, e := range b.Entries {
		conf := b.Conf
		if e.Conf != nil {
			conf = *e.Conf
			conf.Merge(&b.Conf)
		}
		cfg, err := serverConfig(&conf)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.Where(), err)
		}
		cfg.Certificates = []tls.Certificate{e.Cert.TLS}
		sl := &slot{cfg: cfg, kind: kindOf(e.Cert)}
		sl.stapleUntil(e.Cert)
		if conf.verifiesItself() {
			own := conf
			trust := slices.Concat(own.caCerts(), own.verifyCACerts())
			sl.own = &ownVerify{Conf: &own, trust: trust, up: IssuersOf(trust), crls: own.crls()}
		}
		names := e.Filters
		if len(names) == 0 {
			names = e.Cert.Names
		}
		// Names are lower case already (certNames, ParseCrtList).
		for _, n := range names {
			neg, isNeg := strings.CutPrefix(n, "!")
			base, wild := strings.CutPrefix(n, "*.")
			switch {
			case isNeg && strings.HasPrefix(neg, "*."):
				// A negative wildcard excludes nothing, as in HAProxy.
			case isNeg:
				if sl.not == nil {
					sl.not = map[string]bool{}
				}
				sl.not[neg] = true
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
	return s, nil
}

// Entries are the certificates the bind serves now, in order. The slice
// is the caller's; the entries are shared: read them only.
func (s *Server) Entries() []*Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.def.Entries)
}

// count counts the certificates the bind serves with settings for which
// match holds: a line's own, merged over the bind's.
func (s *Server) count(match func(*Conf) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.def.Entries {
		conf := s.def.Conf
		if e.Conf != nil {
			conf = *e.Conf
			conf.Merge(&s.def.Conf)
		}
		if match(&conf) {
			n++
		}
	}
	return n
}

// change rebuilds the index from the entries edit makes of the current
// ones (a new slice: the current one is shared), and puts it in service.
// On an error nothing changes.
func (s *Server) change(edit func(cur []*Entry) []*Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.def
	b.Entries = edit(b.Entries)
	idx, err := b.index()
	if err != nil {
		return err
	}
	s.def = b
	s.idx.Store(idx)
	return nil
}

// Config is the tls.Config to accept connections with.
func (s *Server) Config() *tls.Config { return s.root }

// errNoCert ends a handshake strict-sni finds no certificate for.
var errNoCert = errors.New("no certificate for the server name (strict-sni)")

// noCertConfig has no certificate: a handshake given it fails with
// unrecognized_name.
var noCertConfig = &tls.Config{}

// errNoCertLeft ends a handshake on a bind whose certificates were all
// removed (del ssl crt-list).
var errNoCertLeft = errors.New("no certificate left on the bind")

// configFor picks the entry for the name the client asked for: an exact
// name, then a wildcard, then the default certificate unless strict-sni;
// among entries for the same name, the first whose key the client
// supports, ECDSA before RSA.
func (s *Server) configFor(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if c := alpnConfig(hello); c != nil {
		return c, nil // a TLS-ALPN-01 validation (acmehook.go)
	}
	cfg, err := s.idx.Load().configFor(s.root, hello)
	if n := notesOf(hello.Conn); n != nil && err == nil && len(cfg.Certificates) > 0 {
		n.Served = cfg.Certificates[0].Leaf
	}
	return cfg, err
}

func (s *sniIndex) configFor(root *tls.Config, hello *tls.ClientHelloInfo) (*tls.Config, error) {
	sl, err := s.slotFor(hello)
	if err != nil {
		// A configuration without certificates, rather than the error:
		// crypto/tls then answers unrecognized_name, as OpenSSL does
		// for strict-sni, where an error would be internal_error.
		return noCertConfig, nil
	}
	cfg := sl.cfg
	if sl.bare != nil && time.Now().After(sl.until) {
		cfg = sl.bare // its OCSP response is about to expire (ocsp.go)
	}
	if sl.own != nil {
		return perConn(root, cfg, sl.own, hello), nil // verifyerr.go
	}
	return cfg, nil
}

func (s *sniIndex) slotFor(hello *tls.ClientHelloInfo) (*slot, error) {
	name := strings.ToLower(hello.ServerName)
	if name != "" {
		// As HAProxy: the first certificate of each key type among the
		// exact names, then the wildcards (whose line does not exclude
		// the name); then ECDSA if the client can, RSA if it can, any
		// other key, and what remains.
		var found [keyOther + 1]*slot
		note := func(slots []*slot, excluded string) {
			for _, sl := range slots {
				if found[sl.kind] == nil && !sl.not[excluded] {
					found[sl.kind] = sl
				}
			}
		}
		note(s.exact[name], "")
		if i := strings.IndexByte(name, '.'); i > 0 {
			note(s.wild[name[i+1:]], name)
		}
		ecdsaOK, rsaOK := clientSigs(hello)
		switch {
		case ecdsaOK && found[keyECDSA] != nil:
			return found[keyECDSA], nil
		case rsaOK && found[keyRSA] != nil:
			return found[keyRSA], nil
		}
		for _, k := range []keyKind{keyOther, keyECDSA, keyRSA} {
			if found[k] != nil {
				return found[k], nil
			}
		}
	}
	if s.strict {
		return nil, errNoCert
	}
	if s.def == nil {
		return nil, errNoCertLeft
	}
	return s.def, nil
}

// clientSigs says whether a client can take an ECDSA certificate and an
// RSA one, as HAProxy reads its hello: ECDSA needs an ECDSA signature
// algorithm and a cipher suite authenticated by ECDSA; RSA, an RSA
// PKCS#1 signature algorithm, or no signature_algorithms extension at all
// (before TLS 1.2).
func clientSigs(hello *tls.ClientHelloInfo) (ecdsaOK, rsaOK bool) {
	if len(hello.SignatureSchemes) == 0 {
		return false, true
	}
	for _, sc := range hello.SignatureSchemes {
		switch sc & 0xff { // the signature byte of a TLS 1.2 pair
		case 1:
			rsaOK = true
		case 3:
			ecdsaOK = true
		}
	}
	if ecdsaOK {
		ecdsaOK = slices.ContainsFunc(hello.CipherSuites, ecdsaAuth)
	}
	return ecdsaOK, rsaOK
}

// ecdsaAuth says whether a cipher suite is authenticated by ECDSA
// (OpenSSL's NID_auth_ecdsa): the ECDHE_ECDSA and ECDH_ECDSA suites.
func ecdsaAuth(id uint16) bool {
	switch {
	case id >= 0xc001 && id <= 0xc00a, id >= 0xc023 && id <= 0xc026, id >= 0xc02b && id <= 0xc02e,
		id == 0xc048, id == 0xc049, id == 0xc04a, id == 0xc04b, id == 0xc05c, id == 0xc05d, id == 0xc05e, id == 0xc05f,
		id >= 0xc072 && id <= 0xc075, id >= 0xc086 && id <= 0xc089, id >= 0xc0ac && id <= 0xc0af, id == 0xcca9:
		return true
	}
	return false
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
		if c.CA == nil && c.VerifyCA == nil {
			return nil, fmt.Errorf("verify is enabled but no CA file specified (ca-file)")
		}
		if c.CA != nil {
			tc.ClientCAs = c.CA.Load().Pool
		}
		if c.verifiesItself() {
			// Go asks for the certificate and the handshake checks it
			// (perConn), going on past the errors the bind ignores.
			tc.ClientAuth = tls.RequestClientCert
			if c.Verify == VerifyRequired {
				tc.ClientAuth = tls.RequireAnyClientCert
			}
		} else if crls := c.crls(); crls != nil {
			up := c.caIssuers()
			tc.VerifyConnection = func(cs tls.ConnectionState) error { return crls.check(cs.VerifiedChains, up) }
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
	// Ref is the certificate as NewClient's configuration sends it,
	// which the certificate store can replace; nil without crt.
	Ref *ClientCert
}

// NewClient builds the tls.Config of a server line. It has no session
// cache: the caller gives it the server's, which outlives a reload
// (unless no-ssl-reuse).
func (c *ClientConf) NewClient() (*tls.Config, error) {
	conf := c.Conf // what the closures see: not the line's later changes
	tc := &tls.Config{}
	if err := conf.apply(tc); err != nil {
		return nil, err
	}
	if c.Cert != nil {
		// Through a reference, which the certificate store changes
		// (set ssl cert on the server's crt): new handshakes send the
		// new one.
		if c.Ref == nil || c.Ref.Path != c.Cert.Path {
			c.Ref = NewClientCert(c.Cert)
		}
		ref := c.Ref
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &ref.Load().TLS, nil
		}
	}
	// Go verifies the name it sends; HAProxy checks verifyhost, or the
	// SNI, or no name at all. So the check is ours.
	tc.InsecureSkipVerify = true
	if conf.Verify != VerifyRequired {
		return tc, nil
	}
	host := c.VerifyHost
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the server sent no certificate")
		}
		// The CA file is read at each handshake: `commit ssl ca-file`
		// takes effect for the next.
		opts := x509.VerifyOptions{Roots: conf.caPool(), Intermediates: x509.NewCertPool()}
		for _, ic := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(ic)
		}
		chains, err := cs.PeerCertificates[0].Verify(opts)
		if err != nil {
			return err
		}
		if name := cmp.Or(host, cs.ServerName); name != "" {
			if err := cs.PeerCertificates[0].VerifyHostname(name); err != nil {
				return err
			}
		}
		if crls := conf.crls(); crls != nil {
			return crls.check(chains, conf.caIssuers())
		}
		return nil
	}
	return tc, nil
}
