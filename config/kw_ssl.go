package config

import (
	"crypto/tls"
	"fmt"
	"slices"

	"switchyard/sample"
	"switchyard/ssl"
)

// TLS keywords: `bind … ssl crt …` and its options, `server … ssl` and
// its options, and the global ssl-default-* lines (docs/tls.md). The
// names are OpenSSL's and HAProxy's; the ssl package maps them onto Go's
// crypto/tls and refuses, by name, what Go does not implement.

// GlobalSSL is the global section's TLS settings.
type GlobalSSL struct {
	CrtBase, CABase string
	// Extra is ssl-load-extra-files (all by default: defaultGlobal).
	Extra ssl.ExtraFiles
	// Bind and Server are ssl-default-bind-* and ssl-default-server-*.
	Bind, Server ssl.Conf
	// ServerVerifyNone is `ssl-server-verify none`: servers' certificates
	// are not verified unless their line says `verify required`.
	ServerVerifyNone bool
	// Files are the CA and CRL files the configuration names, each read
	// once; the certificate store takes them over (runtime API). Nil
	// until a line names one: use CAFiles.
	Files *ssl.Files
}

// CAFiles are the configuration's CA and CRL files.
func (g *GlobalSSL) CAFiles() *ssl.Files {
	if g.Files == nil {
		g.Files = &ssl.Files{}
	}
	return g.Files
}

// ServerTLS is the TLS side of a server line.
type ServerTLS struct {
	On bool // ssl (no-ssl turns it off again)
	// NoSSL: no-ssl was said last (haproxy's use_ssl -1, which `show
	// servers state` prints); DefaultOn: the default-server said ssl
	// when the line began, which prepares TLS even after no-ssl, so that
	// `set server … ssl on` may turn it on.
	NoSSL, DefaultOn bool
	ssl.ClientConf
	// SNI is the `sni` expression: the name sent, computed per connection.
	SNI *sample.Expr
	// Check* are the health checks' own: check-ssl, check-sni, check-alpn.
	CheckSSL  bool
	CheckSNI  string
	CheckALPN []string
	// Client is the handshake's configuration, built once the line and
	// the global defaults are merged (nil: no TLS to this server).
	Client *tls.Config
}

// Where a TLS option is allowed: bind lines, crt-list lines, server
// lines, the ssl-default-bind/server-options lines.
const (
	tlsInBind uint8 = 1 << iota
	tlsInCrtList
	tlsInServer
	tlsInDefaults
	tlsInAll = tlsInBind | tlsInServer | tlsInDefaults
)

// tlsOption is one TLS option, parsed into an ssl.Conf.
type tlsOption struct {
	nargs int
	where uint8
	parse func(c *Context, conf *ssl.Conf, args []string, server bool) error
}

var tlsOptions = map[string]tlsOption{}

// tlsOpt registers a TLS option whose parser needs neither the context
// nor which side it is on.
func tlsOpt(name string, nargs int, where uint8, parse func(conf *ssl.Conf, args []string) error) {
	tlsOptions[name] = tlsOption{nargs, where, func(_ *Context, conf *ssl.Conf, args []string, _ bool) error { return parse(conf, args) }}
}

// parseTLSWords reads a run of TLS options (a crt-list line's brackets, an
// ssl-default-*-options line) into conf; the options allowed there are
// those of where.
func parseTLSWords(c *Context, conf *ssl.Conf, words []string, where uint8, server bool, refuse func(name string) error) error {
	for i := 0; i < len(words); i++ {
		name := words[i]
		o, ok := tlsOptions[name]
		if !ok || o.where&where == 0 || server && o.where&tlsInServer == 0 {
			return refuse(name)
		}
		if i+o.nargs >= len(words) && o.nargs > 0 {
			return fmt.Errorf("'%s' expects an argument", name)
		}
		if err := o.parse(c, conf, words[i+1:i+1+o.nargs], server); err != nil {
			return err
		}
		i += o.nargs
	}
	return nil
}

func init() {
	version := func(dst func(*ssl.Conf) *uint16) func(conf *ssl.Conf, args []string) error {
		return func(conf *ssl.Conf, args []string) (err error) {
			*dst(conf), err = ssl.ParseVersion(args[0])
			return err
		}
	}
	tlsOpt("ssl-min-ver", 1, tlsInAll|tlsInCrtList, version(func(c *ssl.Conf) *uint16 { return &c.MinVer }))
	tlsOpt("ssl-max-ver", 1, tlsInAll|tlsInCrtList, version(func(c *ssl.Conf) *uint16 { return &c.MaxVer }))
	for name, v := range map[string]uint16{"tlsv10": 0x0301, "tlsv11": 0x0302, "tlsv12": 0x0303, "tlsv13": 0x0304} {
		tlsOpt("no-"+name, 0, tlsInAll, func(c *ssl.Conf, _ []string) error { c.NoVersion(v); return nil })
		tlsOpt("force-"+name, 0, tlsInAll, func(c *ssl.Conf, _ []string) error { c.MinVer, c.MaxVer = v, v; return nil })
	}
	// Go has no SSLv3: turning it off is what is always so.
	tlsOpt("no-sslv3", 0, tlsInAll, func(*ssl.Conf, []string) error { return nil })
	tlsOpt("force-sslv3", 0, tlsInAll, func(*ssl.Conf, []string) error {
		return fmt.Errorf("SSLv3 is not supported (Go's TLS stack implements TLS 1.0 and later)")
	})
	ignoreErrs := func(dst func(*ssl.Conf) *ssl.IgnoreErrs) func(conf *ssl.Conf, args []string) error {
		return func(conf *ssl.Conf, args []string) (err error) {
			*dst(conf), err = ssl.ParseIgnoreErrs(args[0])
			return err
		}
	}
	tlsOpt("ca-ignore-err", 1, tlsInBind, ignoreErrs(func(c *ssl.Conf) *ssl.IgnoreErrs { return &c.CAIgnore }))
	tlsOpt("crt-ignore-err", 1, tlsInBind, ignoreErrs(func(c *ssl.Conf) *ssl.IgnoreErrs { return &c.CrtIgnore }))
	tlsOpt("no-tls-tickets", 0, tlsInAll, func(c *ssl.Conf, _ []string) error { c.NoTickets = true; return nil })
	tlsOpt("prefer-client-ciphers", 0, tlsInBind|tlsInDefaults, func(c *ssl.Conf, _ []string) error { c.PreferClient = true; return nil })
	tlsOpt("no-ca-names", 0, tlsInBind|tlsInCrtList, func(c *ssl.Conf, _ []string) error { c.NoCANames = true; return nil })
	// Without 0-RTT, a client that tries early data makes a full
	// handshake: the option is accepted, and warned about.
	tlsOpt("allow-0rtt", 0, tlsInBind|tlsInServer|tlsInCrtList, func(c *ssl.Conf, _ []string) error { c.Allow0RTT = true; return nil })
	list := func(name string, where uint8, parse func(c *ssl.Conf, arg string) (err error)) {
		tlsOpt(name, 1, where, func(c *ssl.Conf, args []string) error { return parse(c, args[0]) })
	}
	const lists = tlsInBind | tlsInCrtList | tlsInServer
	list("ciphers", lists, func(c *ssl.Conf, arg string) (err error) { c.Ciphers, err = ssl.ParseCiphers(arg); return })
	list("ciphersuites", lists, func(c *ssl.Conf, arg string) (err error) {
		c.CipherSuites, err = ssl.ParseCipherSuites(arg)
		return
	})
	list("curves", lists, func(c *ssl.Conf, arg string) (err error) { c.Curves, err = ssl.ParseCurves(arg); return })
	list("alpn", lists, func(c *ssl.Conf, arg string) (err error) { c.ALPN, err = ssl.ParseALPN(arg); return })
	list("ecdhe", tlsInBind|tlsInCrtList, func(c *ssl.Conf, arg string) error {
		ids, err := ssl.ParseCurves(arg)
		if err != nil {
			return err
		}
		if len(ids) != 1 {
			return fmt.Errorf("'ecdhe' expects one curve (use 'curves' for a list)")
		}
		if len(c.Curves) == 0 {
			c.Curves = ids // `curves` wins over `ecdhe`
		}
		return nil
	})
	tlsOptions["verify"] = tlsOption{1, lists, func(_ *Context, c *ssl.Conf, args []string, server bool) (err error) {
		c.Verify, err = ssl.ParseVerify(args[0], server)
		return err
	}}
	// Files, resolved against ca-base as they are read.
	tlsOptions["ca-file"] = tlsOption{1, lists, func(c *Context, conf *ssl.Conf, args []string, _ bool) error {
		g := &c.Global().SSL
		return conf.SetCAFile(g.CAFiles(), ssl.ResolveCAPath(g.CABase, args[0]))
	}}
	// ca-verify-file: CAs that verify client certificates without being
	// named to the client (bind and crt-list lines).
	tlsOptions["ca-verify-file"] = tlsOption{1, tlsInBind | tlsInCrtList, func(c *Context, conf *ssl.Conf, args []string, _ bool) error {
		g := &c.Global().SSL
		return conf.SetCAVerifyFile(g.CAFiles(), ssl.ResolveCAPath(g.CABase, args[0]))
	}}
	tlsOptions["crl-file"] = tlsOption{1, lists, func(c *Context, conf *ssl.Conf, args []string, _ bool) error {
		g := &c.Global().SSL
		return conf.SetCRLFile(g.CAFiles(), ssl.ResolveCAPath(g.CABase, args[0]))
	}}

	for name, o := range tlsOptions {
		if o.where&tlsInBind != 0 {
			RegisterBindOption(name, o.nargs, func(c *Context, b *Bind, args []string) error {
				return o.parse(c, &b.TLS.Conf, args, false)
			})
		}
		if o.where&tlsInServer != 0 {
			RegisterServerOption(name, o.nargs, func(c *Context, s *ServerOpts, args []string) error {
				return o.parse(c, &s.TLS.Conf, args, true)
			})
		}
	}

	RegisterBindOption("ssl", 0, func(_ *Context, b *Bind, _ []string) error { b.SSL = true; return nil })
	RegisterBindOption("strict-sni", 0, func(_ *Context, b *Bind, _ []string) error { b.TLS.StrictSNI = true; return nil })
	RegisterBindOption("crt", 1, func(c *Context, b *Bind, args []string) error {
		g := &c.Global().SSL
		certs, err := ssl.LoadPath(ssl.ResolvePath(g.CrtBase, args[0]), g.Extra)
		if err != nil {
			return err
		}
		for _, cert := range certs {
			b.TLS.Entries = append(b.TLS.Entries, &ssl.Entry{Cert: cert})
		}
		return nil
	})
	RegisterBindOption("crt-list", 1, func(c *Context, b *Bind, args []string) error {
		g := &c.Global().SSL
		// The list's own path is as written (haproxy 2.6 applies
		// crt-base to the certificates it names, not to the list).
		path, base, extra := args[0], g.CrtBase, g.Extra
		opts := func(words []string) (*ssl.Conf, error) {
			conf := &ssl.Conf{}
			return conf, parseTLSWords(c, conf, words, tlsInCrtList, false, func(name string) error {
				return fmt.Errorf("'%s' is not allowed in a crt-list line", name)
			})
		}
		entries, err := ssl.LoadCrtList(path, base, extra, opts)
		if err != nil {
			return err
		}
		b.TLS.Entries = append(b.TLS.Entries, entries...)
		// Kept to read the list again when it changes (ssl.Store), and
		// for lines the runtime API adds.
		b.TLS.AddList(&ssl.ListSource{Path: path, CrtBase: base, CABase: g.CABase, Extra: extra, Opts: opts})
		return nil
	})
	notGo := func(name, why string) {
		RegisterBindOption(name, 0, func(*Context, *Bind, []string) error {
			return fmt.Errorf("'%s' is not supported: %s", name, why)
		})
	}
	notGo("npn", "Go's TLS stack has no NPN (use 'alpn')")
	notGo("sigalgs", "Go's TLS stack does not let the signature algorithms be chosen")
	notGo("client-sigalgs", "Go's TLS stack does not let the signature algorithms be chosen")
	notGo("generate-certificates", "certificates are not generated on the fly")

	// Servers.
	RegisterServerOption("ssl", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.On, s.TLS.NoSSL = true, false; return nil })
	RegisterServerOption("no-ssl", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.On, s.TLS.NoSSL = false, true; return nil })
	RegisterServerOption("no-ssl-reuse", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.NoReuse = true; return nil })
	RegisterServerOption("check-ssl", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.CheckSSL = true; return nil })
	RegisterServerOption("check-sni", 1, func(_ *Context, s *ServerOpts, args []string) error {
		s.TLS.CheckSNI = args[0]
		return nil
	})
	RegisterServerOption("check-alpn", 1, func(_ *Context, s *ServerOpts, args []string) error {
		p, err := ssl.ParseALPN(args[0])
		s.TLS.CheckALPN = p
		return err
	})
	RegisterServerOption("verifyhost", 1, func(_ *Context, s *ServerOpts, args []string) error {
		s.TLS.VerifyHost = args[0]
		return nil
	})
	RegisterServerOption("crt", 1, func(c *Context, s *ServerOpts, args []string) error {
		g := &c.Global().SSL
		cert, err := ssl.LoadCert(ssl.ResolvePath(g.CrtBase, args[0]), g.Extra)
		if err != nil {
			return err
		}
		s.TLS.Cert = cert
		return nil
	})
	RegisterServerOption("sni", 1, func(c *Context, s *ServerOpts, args []string) error {
		e, n, err := sample.ParseExprWords(c.Env(), args)
		if err != nil {
			return fmt.Errorf("'sni' : %v", err)
		}
		if n != 1 {
			return fmt.Errorf("'sni' expects one sample expression")
		}
		s.TLS.SNI = e
		return nil
	})
	for _, name := range []string{"npn", "sigalgs", "client-sigalgs"} {
		RegisterServerOption(name, 0, func(*Context, *ServerOpts, []string) error {
			return fmt.Errorf("'%s' is not supported by Go's TLS stack", name)
		})
	}

	// Global.
	RegisterKeyword(SecGlobal, "crt-base", func(c *Context, args []string) error {
		if err := wantArgs(args, 1, "a directory path"); err != nil {
			return err
		}
		c.Global().SSL.CrtBase = args[0]
		return nil
	})
	RegisterKeyword(SecGlobal, "ca-base", func(c *Context, args []string) error {
		if err := wantArgs(args, 1, "a directory path"); err != nil {
			return err
		}
		c.Global().SSL.CABase = args[0]
		return nil
	})
	RegisterKeyword(SecGlobal, "ssl-load-extra-files", func(c *Context, args []string) error {
		x, err := ssl.ParseExtraFiles(args)
		if err != nil {
			return err
		}
		if slices.Contains(args, "bundle") {
			c.Warnf("'bundle' has no effect: certificates of several key types are separate files, each named by crt or crt-list")
		}
		c.Global().SSL.Extra = x
		return nil
	})
	RegisterKeyword(SecGlobal, "ssl-load-extra-del-ext", func(c *Context, args []string) error {
		// A key file beside "x.pem" is looked for as "x.key" as well as
		// "x.pem.key" in any case (ssl.LoadCert): nothing to change.
		return wantArgs(args, 0, "no argument")
	})
	RegisterKeyword(SecGlobal, "ssl-server-verify", func(c *Context, args []string) error {
		if err := wantArgs(args, 1, "'none' or 'required' as argument"); err != nil || args[0] != "none" && args[0] != "required" {
			return fmt.Errorf("expects 'none' or 'required' as argument")
		}
		c.Global().SSL.ServerVerifyNone = args[0] == "none"
		return nil
	})
	defaultOptions := func(server bool) func(c *Context, args []string) error {
		return func(c *Context, args []string) error {
			conf := &c.Global().SSL.Bind
			if server {
				conf = &c.Global().SSL.Server
			}
			return parseTLSWords(c, conf, args, tlsInDefaults, server, func(name string) error {
				return fmt.Errorf("unknown option '%s'", name)
			})
		}
	}
	RegisterKeyword(SecGlobal, "ssl-default-bind-options", defaultOptions(false))
	RegisterKeyword(SecGlobal, "ssl-default-server-options", defaultOptions(true))
	defaultList := func(server bool, name string) func(c *Context, args []string) error {
		return func(c *Context, args []string) error {
			if err := wantArgs(args, 1, "a list"); err != nil {
				return err
			}
			conf := &c.Global().SSL.Bind
			if server {
				conf = &c.Global().SSL.Server
			}
			return tlsOptions[name].parse(c, conf, args, server)
		}
	}
	for _, name := range []string{"ciphers", "ciphersuites", "curves"} {
		RegisterKeyword(SecGlobal, "ssl-default-bind-"+name, defaultList(false, name))
		RegisterKeyword(SecGlobal, "ssl-default-server-"+name, defaultList(true, name))
	}
	for _, name := range []string{"ssl-default-bind-sigalgs", "ssl-default-bind-client-sigalgs", "ssl-default-server-sigalgs", "ssl-default-server-client-sigalgs"} {
		RegisterKeyword(SecGlobal, name, func(*Context, []string) error {
			return fmt.Errorf("not supported: Go's TLS stack does not let the signature algorithms be chosen")
		})
	}
	RegisterKeyword(SecGlobal, "ssl-engine", func(*Context, []string) error {
		return fmt.Errorf("not supported: switchyard uses Go's TLS stack, not OpenSSL engines")
	})
	for kw, why := range map[string]string{
		"ssl-dh-param-file":                "Go's TLS stack has no DHE key exchange",
		"ssl-mode-async":                   "Go's TLS stack has no asynchronous engines",
		"ssl-skip-self-issued-ca":          "Go sends the chain as the certificate file holds it",
		"tune.ssl.force-private-cache":     "Go's TLS stack manages its session cache",
		"tune.ssl.keylog":                  "not applicable",
		"tune.ssl.ssl-ctx-cache-size":      "not applicable",
		"tune.ssl.hard-maxrecord":          "Go's TLS stack sizes records",
		"tune.ssl.ocsp-update.maxdelay":    "not applicable",
		"tune.ssl.ocsp-update.mindelay":    "not applicable",
		"tune.ssl.capture-cipherlist-size": "not applicable",
	} {
		ignoredTuning[kw] = why
	}
}

// validateBindTLS completes a bind's TLS once the configuration is read:
// the global defaults, the checks HAProxy makes, and the handshake
// configuration.
func (p *parser) validateBindTLS(px *Proxy, b *Bind) {
	p.file, p.line = b.Pos.File, b.Pos.Line // for the warnings
	if !b.SSL {
		if len(b.TLS.Entries) > 0 {
			p.warnf("bind '%s': 'crt' without 'ssl': the certificates are loaded, and the bind does not speak TLS", b.Addr)
		}
		return
	}
	if len(b.TLS.Entries) == 0 {
		p.errs.Add(b.Pos.File, b.Pos.Line, "Proxy '%s': no SSL certificate specified for bind '%s' (use 'crt').", px.Name, b.Addr)
		return
	}
	conf := &b.TLS.Conf
	conf.Merge(&p.cfg.Global.SSL.Bind)
	if conf.NoCANames {
		p.warnf("bind '%s': 'no-ca-names' has no effect: Go's TLS stack always names the CAs it asks client certificates of", b.Addr)
	}
	if conf.Allow0RTT || slices.ContainsFunc(b.TLS.Entries, func(e *ssl.Entry) bool { return e.Conf != nil && e.Conf.Allow0RTT }) {
		p.warnf("bind '%s': 'allow-0rtt' has no effect: Go's TLS stack has no 0-RTT (early data); clients make a full handshake", b.Addr)
	}
	if conf.MinVer == 0x0300 {
		p.warnf("bind '%s': 'ssl-min-ver SSLv3' allows TLS 1.0 and later: Go's TLS stack has no SSLv3", b.Addr)
	}
	if conf.PreferClient {
		p.warnf("bind '%s': 'prefer-client-ciphers' has no effect: Go's TLS stack orders cipher suites itself", b.Addr)
	}
	if px.Mode == ModeHTTP {
		h2 := slices.Contains(conf.ALPN, "h2")
		for _, e := range b.TLS.Entries {
			h2 = h2 || e.Conf != nil && slices.Contains(e.Conf.ALPN, "h2")
		}
		if h2 {
			p.errs.Add(b.Pos.File, b.Pos.Line, "bind '%s': alpn 'h2': HTTP/2 is not supported yet by switchyard (use 'alpn http/1.1')", b.Addr)
			return
		}
	}
	b.TLS.Where = fmt.Sprintf("%s:%d", b.Pos.File, b.Pos.Line)
	srv, err := b.TLS.NewServer()
	if err != nil {
		p.errs.Add(b.Pos.File, b.Pos.Line, "Proxy '%s': bind '%s': %v.", px.Name, b.Addr, err)
		return
	}
	b.TLSServer = srv
}

// validateServerTLS completes a server's TLS: the global defaults, and
// HAProxy's refusal of an unverifiable server.
func (p *parser) validateServerTLS(px *Proxy, s *Server) error {
	t := &s.TLS
	if !t.Prepared(px) {
		return nil
	}
	t.Conf.Merge(&p.cfg.Global.SSL.Server)
	if t.Conf.Allow0RTT {
		p.warnf("'server %s/%s' : 'allow-0rtt' has no effect: Go's TLS stack has no 0-RTT (early data)", px.Name, s.Name)
	}
	verifyNone := p.cfg.Global.SSL.ServerVerifyNone
	if t.Conf.Verify == ssl.VerifyUnset {
		t.Conf.Verify = ssl.VerifyRequired
		if verifyNone {
			t.Conf.Verify = ssl.VerifyNone
		}
	}
	if t.Conf.Verify == ssl.VerifyRequired && t.Conf.CA == nil {
		if verifyNone { // as haproxy: "by default" only under ssl-server-verify required
			return fmt.Errorf("'server %s/%s' : verify is enabled but no CA file specified.", px.Name, s.Name)
		}
		return fmt.Errorf("'server %s/%s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.", px.Name, s.Name)
	}
	client, err := t.NewClient()
	if err != nil {
		return fmt.Errorf("'server %s/%s' : %v", px.Name, s.Name, err)
	}
	if px.Mode == ModeHTTP && t.On && slices.Contains(t.Conf.ALPN, "h2") {
		return fmt.Errorf("'server %s/%s' : alpn 'h2': HTTP/2 is not supported yet by switchyard", px.Name, s.Name)
	}
	if t.SNI != nil && t.SNI.Constant() {
		// A fixed name is sent by the configuration; one that varies
		// is computed per connection (the proxy's serverSNI).
		if v, ok := t.SNI.Eval(&sample.Ctx{}); ok {
			client.ServerName = string(v.AppendText(nil))
		}
	}
	t.Client = client
	return nil
}
