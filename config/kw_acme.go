package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"switchyard/ssl"
)

// ACME, from haproxy 3.2 (configuration.txt 12.8 "ACME", 3.1
// "acme.scheduler", 12.7.1 "acme" and "domains"): `acme <name>` sections
// say how to reach a CA and what keys to make, and the `acme` and
// `domains` options of an `ssl-f-use` line (kw_sslfuse.go) tie a
// certificate file to a section. The configuration only describes; package
// acme obtains and renews the certificates (docs/tls.md, "ACME").
//
// haproxy 3.2 marks the feature experimental: the section needs
// `expose-experimental-directives`, as there. What switchyard does beyond
// 3.2 (the TLS-ALPN-01 challenge, writing the certificates to disk,
// starting without the file) and what it does not (DNS-01) is said where
// each keyword is read.

// ACMESection is an `acme <name>` section.
type ACMESection struct {
	Name string
	Pos  Pos // the section's first line
	// Directory is the CA's directory URL (mandatory).
	Directory string
	// Contact is the e-mail address the account is registered with ("":
	// none).
	Contact string
	// AccountKey is the account key file: `account-key`, or
	// "<name>.account.key"; relative to the global crt-base when relative,
	// as 3.2 resolves it. AccountKeyExists says it was there (and read
	// well) at load; a missing one is made, with the section's key type,
	// when the configuration is put in service.
	AccountKey       string
	AccountKeyExists bool
	// Challenge is the challenge type, in RFC 8555's spelling: "http-01"
	// (the default) or "tls-alpn-01" (switchyard's addition).
	Challenge string
	// KeyType is "ECDSA" (the default) or "RSA": the certificate keys
	// made, and a missing account key. Bits is the RSA size (2048), Curve
	// the ECDSA curve by its NIST name ("P-384").
	KeyType string
	Bits    int
	Curve   string
	// Map is the map (or pattern file) the HTTP-01 tokens are put in, key
	// token, value the account's thumbprint ("": none).
	Map string
}

// ACMECert is a certificate file an acme section obtains and renews.
type ACMECert struct {
	// Path is the file, crt-base applied: what the binds serve, what the
	// new certificate is written to and what `acme renew` names.
	Path    string
	ACME    string // the section's name
	Domains []string
	Pos     Pos // the line that asked
	// Cert is what was loaded at Path, or the stand-in (Temporary) when
	// the file does not exist yet.
	Cert      *ssl.Cert
	Temporary bool
}

// ACME is what a configuration asks of ACME.
type ACME struct {
	Sections []*ACMESection
	Certs    []*ACMECert
	// SchedulerOff is `acme.scheduler off`: certificates are obtained
	// and renewed only when `acme renew` asks.
	SchedulerOff bool
}

// Section returns the section named name, or nil.
func (a *ACME) Section(name string) *ACMESection {
	for _, s := range a.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

type acmeKey struct{}

// acmeState is kept in Global.Ext: what ACMEOf returns, and the section
// being read (nil after a header that failed: its lines are skipped).
type acmeState struct {
	ACME
	cur     *ACMESection
	checked bool // the end-of-configuration checks are registered
}

func acmeState0(g *Global) *acmeState {
	s, _ := g.Ext[acmeKey{}].(*acmeState)
	if s == nil {
		s = &acmeState{}
		g.Ext.Set(acmeKey{}, s)
	}
	return s
}

// ACMEOf returns what the configuration asks of ACME (never nil).
func ACMEOf(g *Global) *ACME {
	if s, _ := g.Ext[acmeKey{}].(*acmeState); s != nil {
		return &s.ACME
	}
	return &ACME{}
}

var secACME = RegisterSection("acme", openACME, closeACME)

func openACME(c *Context, args []string) error {
	st := acmeState0(c.Global())
	st.cur = nil
	if !c.Global().Experimental {
		return fmt.Errorf("section 'acme' is experimental, must be allowed via a global 'expose-experimental-directives'")
	}
	if len(args) == 0 || args[0] == "" {
		return fmt.Errorf("section 'acme' requires an ID argument.")
	}
	if err := tooManyArgs(args, 1); err != nil {
		return err
	}
	if s := st.Section(args[0]); s != nil {
		return fmt.Errorf("acme section '%s' already exists (%s:%d).", args[0], s.Pos.File, s.Pos.Line)
	}
	st.cur = &ACMESection{Name: args[0], Pos: c.Pos(), Challenge: "http-01", KeyType: "ECDSA", Bits: 2048, Curve: "P-384"}
	st.Sections = append(st.Sections, st.cur)
	c.p.acmeChecks()
	return nil
}

// closeACME checks the section as 3.2 does once it is read
// (cfg_postsection_acme): a directory, and an account key that, if the
// file is there, reads. A missing key is not made here: loading a
// configuration (-c, a reload that fails) changes nothing on disk.
func closeACME(c *Context) error {
	st := acmeState0(c.Global())
	s := st.cur
	st.cur = nil
	if s == nil {
		return nil
	}
	at := func(format string, args ...any) {
		c.p.errs = append(c.p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line, Msg: fmt.Sprintf(format, args...)})
	}
	if s.Directory == "" {
		at("No directory defined in ACME section '%s'.", s.Name)
	}
	if s.AccountKey == "" {
		s.AccountKey = s.Name + ".account.key"
	}
	s.AccountKey = ssl.ResolvePath(c.Global().SSL.CrtBase, s.AccountKey)
	data, err := os.ReadFile(s.AccountKey)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		at("acme section '%s': '%s' is present but cannot be read: %v.", s.Name, s.AccountKey, errors.Unwrap(err))
	default:
		if _, err := ssl.ParsePrivateKey(data); err != nil {
			at("acme section '%s': '%s' is present but cannot be parsed: %v.", s.Name, s.AccountKey, err)
		} else {
			s.AccountKeyExists = true
		}
	}
	if s.Challenge == "http-01" && s.Map == "" {
		c.p.res.Messages = append(c.p.res.Messages, Message{File: s.Pos.File, Line: s.Pos.Line, Level: LevelWarning,
			Msg: fmt.Sprintf("acme section '%s': challenge HTTP-01 without 'map': no rule can answer the challenge", s.Name)})
	}
	return nil
}

// acmeChecks registers, once, the checks that need the whole
// configuration: every certificate's section exists (3.2's
// cfg_postparser_acme), and every section's map is one the
// configuration's rules can read.
func (p *parser) acmeChecks() {
	st := acmeState0(&p.cfg.Global)
	if st.checked {
		return
	}
	st.checked = true
	p.later = append(p.later, func() {
		for _, cert := range st.Certs {
			if st.Section(cert.ACME) == nil {
				p.errs = append(p.errs, &Error{File: cert.Pos.File, Line: cert.Pos.Line,
					Msg: fmt.Sprintf("acme '%s' was used on a crt line [%s:%d], but no '%s' section exists!", cert.ACME, cert.Pos.File, cert.Pos.Line, cert.ACME)})
			}
		}
		for _, s := range st.Sections {
			if s.Map != "" && p.samples.Patterns.Lookup(s.Map) == nil {
				p.res.Messages = append(p.res.Messages, Message{File: s.Pos.File, Line: s.Pos.Line, Level: LevelWarning,
					Msg: fmt.Sprintf("acme section '%s': no map converter or ACL of the configuration reads map '%s'; its challenges will not be answered", s.Name, s.Map)})
			}
		}
	})
}

// addACMECert ties a certificate to a section. One file is one
// certificate: naming it again with the same settings is the same, with
// others an error (3.2's ckch_conf_cmp).
func (p *parser) addACMECert(cert *ACMECert) error {
	st := acmeState0(&p.cfg.Global)
	for _, o := range st.Certs {
		if o.Path != cert.Path {
			continue
		}
		if o.ACME != cert.ACME || strings.Join(o.Domains, ",") != strings.Join(cert.Domains, ",") {
			return fmt.Errorf("certificate '%s' is already used with other ACME settings at %s:%d (acme '%s' domains '%s')",
				cert.Path, o.Pos.File, o.Pos.Line, o.ACME, strings.Join(o.Domains, ","))
		}
		return nil
	}
	st.Certs = append(st.Certs, cert)
	p.acmeChecks()
	return nil
}

// parseDomains splits a `domains` argument as 3.2 does: on commas, the
// blanks after a comma skipped. An empty name is refused.
func parseDomains(s string) ([]string, error) {
	var out []string
	for i, d := range strings.Split(s, ",") {
		if i > 0 {
			d = strings.TrimLeft(d, " ")
		}
		if d == "" {
			return nil, fmt.Errorf("'domains' has an empty name in '%s'", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// acmeCurves are the curves 3.2 accepts (curves2nid), by their NIST names.
var acmeCurves = map[string]string{
	"secp256r1": "P-256", "prime256v1": "P-256", "P-256": "P-256",
	"secp384r1": "P-384", "P-384": "P-384",
	"secp521r1": "P-521", "P-521": "P-521",
}

// acmeKeyword registers a keyword of acme sections whose one argument
// set gives to the section being read.
func acmeKeyword(name string, set func(s *ACMESection, arg string) error) {
	register(secACME, name, func(p *parser, args []string) error {
		s := acmeState0(&p.cfg.Global).cur
		if s == nil {
			return nil // the header failed and said so
		}
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("keyword '%s' in 'acme' section requires an argument", name)
		}
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		return set(s, args[0])
	})
}

func init() {
	acmeKeyword("directory", func(s *ACMESection, arg string) error {
		u, err := url.Parse(arg)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("expects the URL of the CA's directory (https://...), got '%s'", arg)
		}
		s.Directory = arg
		return nil
	})
	acmeKeyword("contact", func(s *ACMESection, arg string) error { s.Contact = arg; return nil })
	acmeKeyword("account-key", func(s *ACMESection, arg string) error { s.AccountKey = arg; return nil })
	acmeKeyword("map", func(s *ACMESection, arg string) error { s.Map = arg; return nil })
	acmeKeyword("challenge", func(s *ACMESection, arg string) error {
		// 3.2 spells them in capitals, 3.3 in lower case: either.
		switch strings.ToUpper(arg) {
		case "HTTP-01":
			s.Challenge = "http-01"
		case "TLS-ALPN-01":
			s.Challenge = "tls-alpn-01"
		case "DNS-01":
			return fmt.Errorf("challenge 'DNS-01' is not supported by switchyard (use HTTP-01 or TLS-ALPN-01)")
		default:
			return fmt.Errorf("keyword 'challenge' in 'acme' section requires a challenge type: HTTP-01 or TLS-ALPN-01")
		}
		return nil
	})
	acmeKeyword("keytype", func(s *ACMESection, arg string) error {
		if arg != "RSA" && arg != "ECDSA" {
			return fmt.Errorf("keyword 'keytype' in 'acme' section requires either 'RSA' or 'ECDSA' argument")
		}
		s.KeyType = arg
		return nil
	})
	acmeKeyword("bits", func(s *ACMESection, arg string) error {
		n, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("cannot parse 'bits' value '%s', an integer is expected.", arg)
		}
		if n < 1024 || n > 16384 {
			return fmt.Errorf("'bits' must be between 1024 and 16384 (Go's crypto refuses smaller RSA keys), got %d", n)
		}
		s.Bits = n
		return nil
	})
	acmeKeyword("curves", func(s *ACMESection, arg string) error {
		c, ok := acmeCurves[arg]
		if !ok {
			return fmt.Errorf("unsupported curves '%s'", arg)
		}
		s.Curve = c
		return nil
	})

	RegisterKeyword(SecGlobal, "acme.scheduler", func(c *Context, args []string) error {
		if len(args) == 0 || args[0] == "" {
			return fmt.Errorf("requires an argument")
		}
		if err := tooManyArgs(args, 1); err != nil {
			return err
		}
		switch args[0] {
		case "auto":
			acmeState0(c.Global()).SchedulerOff = false
		case "off":
			acmeState0(c.Global()).SchedulerOff = true
		default:
			return fmt.Errorf("requires either 'auto' or 'off' argument")
		}
		return nil
	})
}
