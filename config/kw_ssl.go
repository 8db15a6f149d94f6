package config

import (
	"fmt"

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
	// Extra is ssl-load-extra-files (all by default).
	Extra    ssl.ExtraFiles
	extraSet bool
	// Bind and Server are ssl-default-bind-* and ssl-default-server-*.
	Bind, Server ssl.Conf
	// ServerVerifyNone is `ssl-server-verify none`: servers' certificates
	// are not verified unless their line says `verify required`.
	ServerVerifyNone bool
}

// ExtraFiles is ssl-load-extra-files in force.
func (g *GlobalSSL) ExtraFiles() ssl.ExtraFiles {
	if !g.extraSet {
		return ssl.ExtraAll
	}
	return g.Extra
}

// ServerTLS is the TLS side of a server line.
type ServerTLS struct {
	On bool // ssl (no-ssl turns it off again)
	ssl.ClientConf
	// SNI is the `sni` expression: the name sent, computed per connection.
	SNI *sample.Expr
	// Check* are the health checks' own: check-ssl, check-sni, check-alpn.
	CheckSSL  bool
	CheckSNI  string
	CheckALPN []string
}

// tlsOption is one TLS option of bind lines, crt-list lines, server lines
// or ssl-default-*-options, parsed into an ssl.Conf.
type tlsOption struct {
	nargs int
	parse func(c *ssl.Conf, args []string, server bool) error
	// where it is allowed: binds, crt-list lines, servers, and the
	// ssl-default-bind/server-options lines.
	bind, crtList, server, defaults bool
}

var tlsOptions = map[string]tlsOption{}

func version(set func(c *ssl.Conf, v uint16)) func(c *ssl.Conf, args []string, _ bool) error {
	return func(c *ssl.Conf, args []string, _ bool) error {
		v, err := ssl.ParseVersion(args[0])
		if err != nil {
			return err
		}
		set(c, v)
		return nil
	}
}

func init() {
	all := func(o tlsOption) tlsOption { o.bind, o.server, o.defaults = true, true, true; return o }
	tlsOptions["ssl-min-ver"] = func() tlsOption {
		o := all(tlsOption{nargs: 1, parse: version((*ssl.Conf).SetMinVer)})
		o.crtList = true
		return o
	}()
	tlsOptions["ssl-max-ver"] = func() tlsOption {
		o := all(tlsOption{nargs: 1, parse: version((*ssl.Conf).SetMaxVer)})
		o.crtList = true
		return o
	}()
	for name, v := range map[string]uint16{"tlsv10": 0x0301, "tlsv11": 0x0302, "tlsv12": 0x0303, "tlsv13": 0x0304} {
		tlsOptions["no-"+name] = all(tlsOption{parse: func(c *ssl.Conf, _ []string, _ bool) error { c.NoVersion(v); return nil }})
		tlsOptions["force-"+name] = all(tlsOption{parse: func(c *ssl.Conf, _ []string, _ bool) error { c.Force(v); return nil }})
	}
	// Go has no SSLv3: turning it off is what is always so.
	tlsOptions["no-sslv3"] = all(tlsOption{parse: func(*ssl.Conf, []string, bool) error { return nil }})
	tlsOptions["force-sslv3"] = all(tlsOption{parse: func(*ssl.Conf, []string, bool) error {
		return fmt.Errorf("SSLv3 is not supported (Go's TLS stack implements TLS 1.0 and later)")
	}})
	tlsOptions["no-tls-tickets"] = all(tlsOption{parse: func(c *ssl.Conf, _ []string, _ bool) error { c.SetNoTickets(); return nil }})
	tlsOptions["prefer-client-ciphers"] = tlsOption{bind: true, defaults: true, parse: func(c *ssl.Conf, _ []string, _ bool) error {
		c.SetPreferClient()
		return nil
	}}
	listOpt := func(parse func(c *ssl.Conf, arg string) error) tlsOption {
		return tlsOption{nargs: 1, bind: true, crtList: true, server: true, parse: func(c *ssl.Conf, args []string, _ bool) error {
			return parse(c, args[0])
		}}
	}
	tlsOptions["ciphers"] = listOpt(func(c *ssl.Conf, arg string) error {
		ids, err := ssl.ParseCiphers(arg)
		if err != nil {
			return err
		}
		c.SetCiphers(ids)
		return nil
	})
	tlsOptions["ciphersuites"] = listOpt(func(c *ssl.Conf, arg string) error {
		ids, err := ssl.ParseCipherSuites(arg)
		if err != nil {
			return err
		}
		c.SetCipherSuites(ids)
		return nil
	})
	tlsOptions["curves"] = listOpt(func(c *ssl.Conf, arg string) error {
		ids, err := ssl.ParseCurves(arg)
		if err != nil {
			return err
		}
		c.SetCurves(ids)
		return nil
	})
	tlsOptions["ecdhe"] = func() tlsOption {
		o := listOpt(func(c *ssl.Conf, arg string) error {
			ids, err := ssl.ParseCurves(arg)
			if err != nil {
				return err
			}
			if len(ids) != 1 {
				return fmt.Errorf("'ecdhe' expects one curve (use 'curves' for a list)")
			}
			if len(c.Curves) == 0 {
				c.SetCurves(ids) // `curves` wins over `ecdhe`
			}
			return nil
		})
		o.server = false
		return o
	}()
	tlsOptions["alpn"] = listOpt(func(c *ssl.Conf, arg string) error {
		p, err := ssl.ParseALPN(arg)
		if err != nil {
			return err
		}
		c.SetALPN(p)
		return nil
	})
	tlsOptions["verify"] = tlsOption{nargs: 1, bind: true, crtList: true, server: true, parse: func(c *ssl.Conf, args []string, server bool) error {
		v, err := ssl.ParseVerify(args[0], server)
		if err != nil {
			return err
		}
		c.SetVerify(v)
		return nil
	}}
	tlsOptions["no-ca-names"] = tlsOption{bind: true, crtList: true, parse: func(c *ssl.Conf, _ []string, _ bool) error {
		c.SetNoCANames()
		return nil
	}}

	for name, o := range tlsOptions {
		if o.bind {
			RegisterBindOption(name, o.nargs, func(_ *Context, b *Bind, args []string) error {
				return o.parse(&b.TLS.Conf, args, false)
			})
		}
		if o.server {
			RegisterServerOption(name, o.nargs, func(_ *Context, s *ServerOpts, args []string) error {
				return o.parse(&s.TLS.Conf, args, true)
			})
		}
	}

	// Files, resolved against ca-base and crt-base as they are read.
	fileOpt := func(base func(*GlobalSSL) string, load func(c *ssl.Conf, path string) error) func(c *Context, conf *ssl.Conf, args []string) error {
		return func(c *Context, conf *ssl.Conf, args []string) error {
			return load(conf, ssl.ResolvePath(base(&c.Global().SSL), args[0]))
		}
	}
	caBase := func(g *GlobalSSL) string { return g.CABase }
	caFile := fileOpt(caBase, (*ssl.Conf).SetCAFile)
	crlFile := fileOpt(caBase, (*ssl.Conf).SetCRLFile)
	RegisterBindOption("ca-file", 1, func(c *Context, b *Bind, args []string) error { return caFile(c, &b.TLS.Conf, args) })
	RegisterBindOption("crl-file", 1, func(c *Context, b *Bind, args []string) error { return crlFile(c, &b.TLS.Conf, args) })
	RegisterServerOption("ca-file", 1, func(c *Context, s *ServerOpts, args []string) error { return caFile(c, &s.TLS.Conf, args) })
	RegisterServerOption("crl-file", 1, func(c *Context, s *ServerOpts, args []string) error { return crlFile(c, &s.TLS.Conf, args) })

	RegisterBindOption("ssl", 0, func(_ *Context, b *Bind, _ []string) error { b.SSL = true; return nil })
	RegisterBindOption("strict-sni", 0, func(_ *Context, b *Bind, _ []string) error { b.TLS.StrictSNI = true; return nil })
	RegisterBindOption("crt", 1, func(c *Context, b *Bind, args []string) error {
		g := &c.Global().SSL
		certs, err := ssl.LoadPath(ssl.ResolvePath(g.CrtBase, args[0]), g.ExtraFiles())
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
		entries, err := ssl.LoadCrtList(ssl.ResolvePath(g.CrtBase, args[0]), g.CrtBase, g.ExtraFiles(), func(words []string) (*ssl.Conf, error) {
			return parseCrtListOptions(c, words)
		})
		if err != nil {
			return err
		}
		b.TLS.Entries = append(b.TLS.Entries, entries...)
		return nil
	})
	notGo := func(name, why string) {
		RegisterBindOption(name, 0, func(*Context, *Bind, []string) error {
			return fmt.Errorf("'%s' is not supported: %s", name, why)
		})
	}
	notGo("npn", "Go's TLS stack has no NPN (use 'alpn')")
	notGo("allow-0rtt", "Go's TLS stack has no 0-RTT")
	notGo("sigalgs", "Go's TLS stack does not let the signature algorithms be chosen")
	notGo("client-sigalgs", "Go's TLS stack does not let the signature algorithms be chosen")
	notGo("generate-certificates", "certificates are not generated on the fly")

	// Servers.
	RegisterServerOption("ssl", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.On = true; return nil })
	RegisterServerOption("no-ssl", 0, func(_ *Context, s *ServerOpts, _ []string) error { s.TLS.On = false; return nil })
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
		cert, err := ssl.LoadCert(ssl.ResolvePath(g.CrtBase, args[0]), g.ExtraFiles())
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
	for _, name := range []string{"npn", "allow-0rtt", "sigalgs", "client-sigalgs"} {
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
		g := &c.Global().SSL
		g.Extra, g.extraSet = x, true
		return nil
	})
	RegisterKeyword(SecGlobal, "ssl-server-verify", func(c *Context, args []string) error {
		if len(args) != 1 || args[0] != "none" && args[0] != "required" {
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
			for i := 0; i < len(args); i++ {
				o, ok := tlsOptions[args[i]]
				if !ok || !o.defaults || (server && !o.server) {
					return fmt.Errorf("unknown option '%s'", args[i])
				}
				if i+o.nargs >= len(args) && o.nargs > 0 {
					return fmt.Errorf("'%s' expects an argument", args[i])
				}
				if err := o.parse(conf, args[i+1:i+1+o.nargs], server); err != nil {
					return err
				}
				i += o.nargs
			}
			return nil
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
			return tlsOptions[name].parse(conf, args, server)
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

// parseCrtListOptions reads the options between brackets on a crt-list
// line: the subset of bind options HAProxy allows there.
func parseCrtListOptions(c *Context, words []string) (*ssl.Conf, error) {
	conf := &ssl.Conf{}
	for i := 0; i < len(words); i++ {
		name := words[i]
		var nargs int
		var parse func(args []string) error
		switch name {
		case "ca-file", "crl-file":
			nargs = 1
			parse = func(args []string) error {
				path := ssl.ResolvePath(c.Global().SSL.CABase, args[0])
				if name == "ca-file" {
					return conf.SetCAFile(path)
				}
				return conf.SetCRLFile(path)
			}
		default:
			o, ok := tlsOptions[name]
			if !ok || !o.crtList {
				return nil, fmt.Errorf("'%s' is not allowed in a crt-list line", name)
			}
			nargs = o.nargs
			parse = func(args []string) error { return o.parse(conf, args, false) }
		}
		if i+nargs >= len(words) && nargs > 0 {
			return nil, fmt.Errorf("'%s' expects an argument", name)
		}
		if err := parse(words[i+1 : i+1+nargs]); err != nil {
			return nil, fmt.Errorf("'%s': %v", name, err)
		}
		i += nargs
	}
	return conf, nil
}

// validateBindTLS completes a bind's TLS once the configuration is read:
// the global defaults, the checks HAProxy makes, and the handshake
// configuration.
func (p *parser) validateBindTLS(px *Proxy, b *Bind) {
	fail := func(format string, args ...any) {
		p.errs = append(p.errs, &Error{File: b.Pos.File, Line: b.Pos.Line, Msg: fmt.Sprintf(format, args...)})
	}
	if !b.SSL {
		if len(b.TLS.Entries) > 0 {
			p.file, p.line = b.Pos.File, b.Pos.Line
			p.warnf("bind '%s': 'crt' without 'ssl': the certificates are loaded, and the bind does not speak TLS", b.Addr)
		}
		return
	}
	if len(b.TLS.Entries) == 0 {
		fail("Proxy '%s': no SSL certificate specified for bind '%s' (use 'crt').", px.Name, b.Addr)
		return
	}
	b.TLS.Conf.Merge(&p.cfg.Global.SSL.Bind)
	if b.TLS.Conf.NoCANames {
		p.file, p.line = b.Pos.File, b.Pos.Line
		p.warnf("bind '%s': 'no-ca-names' has no effect: Go's TLS stack always names the CAs it asks client certificates of", b.Addr)
	}
	if b.TLS.Conf.MinVer == 0x0300 {
		p.file, p.line = b.Pos.File, b.Pos.Line
		p.warnf("bind '%s': 'ssl-min-ver SSLv3' allows TLS 1.0 and later: Go's TLS stack has no SSLv3", b.Addr)
	}
	if b.TLS.Conf.PreferClient {
		p.file, p.line = b.Pos.File, b.Pos.Line
		p.warnf("bind '%s': 'prefer-client-ciphers' has no effect: Go's TLS stack orders cipher suites itself", b.Addr)
	}
	if px.Mode == ModeHTTP {
		for _, e := range append([]*ssl.Entry{{Conf: &b.TLS.Conf}}, b.TLS.Entries...) {
			if e.Conf != nil && containsH2(e.Conf.ALPN) {
				fail("bind '%s': alpn 'h2': HTTP/2 is not supported yet by switchyard (use 'alpn http/1.1')", b.Addr)
				return
			}
		}
	}
	srv, err := b.TLS.NewServer()
	if err != nil {
		fail("Proxy '%s': bind '%s': %v.", px.Name, b.Addr, err)
		return
	}
	b.TLSServer = srv
}

func containsH2(alpn []string) bool {
	for _, p := range alpn {
		if p == "h2" {
			return true
		}
	}
	return false
}

// validateServerTLS completes a server's TLS: the global defaults, and
// HAProxy's refusal of an unverifiable server.
func (p *parser) validateServerTLS(px *Proxy, s *Server) error {
	t := &s.TLS
	if !t.On && !t.CheckSSL {
		return nil
	}
	t.Conf.Merge(&p.cfg.Global.SSL.Server)
	if t.Conf.Verify == ssl.VerifyUnset {
		if p.cfg.Global.SSL.ServerVerifyNone {
			t.Conf.SetVerify(ssl.VerifyNone)
		} else {
			t.Conf.SetVerify(ssl.VerifyRequired)
		}
	}
	if t.Conf.Verify == ssl.VerifyRequired && t.Conf.CAs == nil {
		return fmt.Errorf("'server %s/%s' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.", px.Name, s.Name)
	}
	if _, err := t.NewClient(); err != nil {
		return fmt.Errorf("'server %s/%s' : %v", px.Name, s.Name, err)
	}
	if px.Mode == ModeHTTP && containsH2(t.Conf.ALPN) {
		return fmt.Errorf("'server %s/%s' : alpn 'h2': HTTP/2 is not supported yet by switchyard", px.Name, s.Name)
	}
	// The options are read and checked; the connections are not made yet.
	what := "'ssl'"
	if !t.On {
		what = "'check-ssl'"
	}
	return fmt.Errorf("'server %s/%s' : %s (TLS to servers) is not supported yet by switchyard", px.Name, s.Name, what)
}
