package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"switchyard/ssl"
)

// ssl-f-use (haproxy 3.2, configuration.txt 4.2): a certificate of the
// frontend, with crt-list options. The frontend's ssl-f-use lines form an
// implicit crt-list ("@<frontend>" in haproxy) that every `bind … ssl`
// line of the frontend without `crt` or `crt-list` serves. It is how 3.2's
// ACME example ties a certificate to an acme section (kw_acme.go):
//
//	ssl-f-use crt "site.pem" acme LE domains "example.com,www.example.com"

// sslFUse is a frontend's ssl-f-use certificates, kept in its Ext.
type sslFUse struct{ entries []*ssl.Entry }

type sslFUseKey struct{}

// crtListOnly are crt-list options of haproxy that switchyard has no
// meaning for (Go's TLS stack: no NPN or signature algorithm choice).
var crtListOnly = []string{"client-sigalgs", "npn", "sigalgs", "no-alpn"}

// ckchNotYet are the load options of 3.2 that ssl-f-use accepts and
// switchyard does not implement yet.
var ckchNotYet = []string{"key", "ocsp", "issuer", "sctl", "ocsp-update", "alias"}

func parseSSLFUse(c *Context, args []string) error {
	px := c.Proxy()
	var crt, acmeName, domainsArg string
	hasDomains := false
	var opts []string
	for i := 0; i < len(args); i++ {
		w := args[i]
		arg := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("'%s' expects an argument", w)
			}
			i++
			return args[i], nil
		}
		switch {
		case w == "crt":
			if crt != "" {
				return fmt.Errorf("'crt' already specified, aborting.")
			}
			v, err := arg()
			if err != nil {
				return err
			}
			if v == "" {
				return fmt.Errorf("'crt' expects a file name")
			}
			crt = v
		case w == "acme":
			v, err := arg()
			if err != nil {
				return err
			}
			acmeName = v
		case w == "domains":
			v, err := arg()
			if err != nil {
				return err
			}
			domainsArg, hasDomains = v, true
		case slices.Contains(ckchNotYet, w):
			return fmt.Errorf("'%s' is not supported yet by switchyard in an ssl-f-use line", w)
		case slices.Contains(crtListOnly, w):
			return fmt.Errorf("'%s' is not supported by switchyard", w)
		default:
			o, ok := tlsOptions[w]
			if !ok || o.where&tlsInCrtList == 0 {
				return fmt.Errorf("unknown crt keyword '%s'", w)
			}
			if i+o.nargs >= len(args) {
				return fmt.Errorf("'%s' expects an argument", w)
			}
			opts = append(opts, args[i:i+1+o.nargs]...)
			i += o.nargs
		}
	}
	if crt == "" {
		return fmt.Errorf("expects a certificate ('crt <file>')")
	}
	if strings.HasPrefix(crt, "@") {
		return fmt.Errorf("'crt %s': certificates of a crt-store are not supported yet by switchyard", crt)
	}
	var conf *ssl.Conf
	if len(opts) > 0 {
		conf = &ssl.Conf{}
		if err := parseTLSWords(c, conf, opts, tlsInCrtList, false, func(name string) error {
			return fmt.Errorf("unknown crt keyword '%s'", name)
		}); err != nil {
			return err
		}
	}
	var domains []string
	if hasDomains {
		var err error
		if domains, err = parseDomains(domainsArg); err != nil {
			return err
		}
	}
	g := &c.Global().SSL
	path := ssl.ResolvePath(g.CrtBase, crt)
	certs, err := ssl.LoadPath(path, g.Extra)
	temporary := false
	if err != nil {
		_, serr := os.Stat(path)
		if acmeName == "" || !errors.Is(serr, fs.ErrNotExist) {
			return err
		}
		// 3.2 refuses a missing file; 3.3 starts with a temporary key
		// pair when ACME is to obtain it, and so do we.
		if len(domains) == 0 {
			return fmt.Errorf("'%s' does not exist, and ACME cannot obtain it without 'domains'", path)
		}
		standIn, err := ssl.StandIn(path, domains, g.Extra)
		if err != nil {
			return err
		}
		certs, temporary = []*ssl.Cert{standIn}, true
	}
	l, _ := px.Ext[sslFUseKey{}].(*sslFUse)
	if l == nil {
		l = &sslFUse{}
		px.Ext.Set(sslFUseKey{}, l)
		// Once the frontend's binds are all read, those with `ssl` and no
		// certificate of their own serve the list
		// (post_section_frontend_crt_init).
		c.Later(func(*Config) error {
			for _, b := range px.Binds {
				if b.SSL && len(b.TLS.Entries) == 0 {
					b.TLS.Entries = append(b.TLS.Entries, l.entries...)
				}
			}
			return nil
		})
	}
	for _, cert := range certs {
		l.entries = append(l.entries, &ssl.Entry{Cert: cert, Conf: conf})
	}
	switch {
	case acmeName == "":
		if hasDomains {
			c.Warnf("'domains' has no effect without 'acme'")
		}
		return nil
	case len(certs) != 1 || certs[0].Path != path:
		return fmt.Errorf("'acme' needs a certificate file, and '%s' is a directory", path)
	case !hasDomains:
		c.Warnf("certificate '%s' uses acme '%s' without 'domains': it cannot be obtained nor renewed", path, acmeName)
	}
	return c.p.addACMECert(&ACMECert{Path: path, ACME: acmeName, Domains: domains, Pos: c.Pos(), Cert: certs[0], Temporary: temporary})
}

func init() {
	RegisterKeyword(SecFrontend, "ssl-f-use", parseSSLFUse)
}
