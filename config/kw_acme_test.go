package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ACME: acme sections, acme.scheduler and ssl-f-use (haproxy 3.2's
// syntax; messages are 3.2's where it has one, read in src/acme.c and
// src/cfgparse-ssl.c: no haproxy 3.2 runs here to check against).

func init() {
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	moreKwFiles["acme.key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	moreKeywordCases = append(moreKeywordCases, acmeKeywordCases)
}

// inACME runs a case in an acme section named "chk", after a global
// section allowing experimental directives: the section's first keyword
// line is t.cfg:4.
var inACME = []Section{secACME}

const (
	acmePre = "global\n expose-experimental-directives\n"
	// acmeDir is a directory line every accepting case needs.
	acmeDir = "directory https://acme.test/dir\n"
	// acmeLE is an acme section for the ssl-f-use cases.
	acmeLE = "acme LE\n directory https://acme.test/dir\n challenge TLS-ALPN-01\n"
	// readsACME is a frontend whose rule reads map virt@acme, as 3.2's
	// example answers HTTP-01.
	readsACME = "frontend reads\n mode http\n bind :8080\n http-request return status 200 content-type text/plain lf-string \"%[path,field(-1,/)].%[path,field(-1,/),map(virt@acme)]\" if { path_beg /.well-known/acme-challenge/ }\n"
)

func acmeChk(t *testing.T, c *Config) *ACMESection {
	t.Helper()
	s := ACMEOf(&c.Global).Section("chk")
	if s == nil {
		t.Fatal("no acme section 'chk'")
	}
	return s
}

func acmeKeywordCases() []kwCase {
	sec := func(check func(t *testing.T, s *ACMESection)) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) { check(t, acmeChk(t, c)) }
	}
	cert := func(check func(t *testing.T, a *ACME, px *Proxy)) kwCheck {
		return func(t *testing.T, c *Config, px *Proxy) { check(t, ACMEOf(&c.Global), px) }
	}
	alpn := "challenge TLS-ALPN-01\n"
	return []kwCase{
		// ---- acme sections ----
		{kw: "directory", in: inACME, pre: acmePre, src: acmeDir + alpn, check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "Directory", s.Directory, "https://acme.test/dir")
			eq(t, "defaults", s.KeyType+" "+s.Curve, "ECDSA P-384")
			eq(t, "Bits", s.Bits, 2048)
			eq(t, "AccountKey", s.AccountKey, "chk.account.key")
		})},
		{kw: "directory", in: inACME, pre: acmePre, src: "directory", err: "t.cfg:4: 'directory': keyword 'directory' in 'acme' section requires an argument"},
		{kw: "directory", in: inACME, pre: acmePre, src: "directory acme.test/dir", err: "t.cfg:4: 'directory': expects the URL of the CA's directory (https://...), got 'acme.test/dir'"},
		{kw: "directory", in: inACME, pre: acmePre, src: alpn, name: "missing", err: "t.cfg:3: No directory defined in ACME section 'chk'."},
		{kw: "contact", in: inACME, pre: acmePre, src: acmeDir + alpn + "contact ops@example.com", check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "Contact", s.Contact, "ops@example.com")
		})},
		{kw: "contact", in: inACME, pre: acmePre, src: acmeDir + "contact a@example.com b@example.com", err: "t.cfg:5: 'contact': cannot handle unexpected argument 'b@example.com'."},
		{kw: "account-key", in: inACME, pre: acmePre, src: acmeDir + alpn + "account-key @D@/acme.key", check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "AccountKeyExists", s.AccountKeyExists, true)
		})},
		// A missing key is made when the configuration is put in
		// service, not when it is read.
		{kw: "account-key", in: inACME, pre: acmePre, src: acmeDir + alpn + "account-key @D@/new.key", check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "AccountKeyExists", s.AccountKeyExists, false)
			if _, err := os.Stat(s.AccountKey); err == nil {
				t.Error("loading the configuration made the account key")
			}
		})},
		// crt-base applies to a relative account key, as in 3.2.
		{kw: "account-key", in: inACME, pre: "global\n expose-experimental-directives\n crt-base @D@\n", src: acmeDir + alpn + "account-key acme.key",
			check: sec(func(t *testing.T, s *ACMESection) {
				eq(t, "AccountKeyExists", s.AccountKeyExists, true)
				eq(t, "relative", filepath.IsAbs(s.AccountKey), true)
			})},
		{kw: "account-key", in: inACME, pre: acmePre, src: acmeDir + "account-key @D@/bad.pem", err: "t.cfg:3: acme section 'chk': '@D@/bad.pem' is present but cannot be parsed: ..."},
		{kw: "account-key", in: inACME, pre: acmePre, src: acmeDir + "account-key", err: "t.cfg:5: 'account-key': keyword 'account-key' in 'acme' section requires an argument"},
		{kw: "challenge", in: inACME, pre: acmePre, src: acmeDir + "challenge tls-alpn-01", check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "Challenge", s.Challenge, "tls-alpn-01")
		})},
		{kw: "challenge", in: inACME, pre: acmePre, src: acmeDir + "challenge HTTP-01\nmap virt@acme", extra: readsACME, check: sec(func(t *testing.T, s *ACMESection) {
			eq(t, "Challenge", s.Challenge, "http-01")
		})},
		// HTTP-01 (the default) needs a map the rules read.
		{kw: "challenge", in: inACME, pre: acmePre, src: acmeDir + "challenge HTTP-01",
			warn: "t.cfg:3: acme section 'chk': challenge HTTP-01 without 'map': no rule can answer the challenge"},
		{kw: "challenge", in: inACME, pre: acmePre, src: acmeDir + "challenge DNS-01", err: "t.cfg:5: 'challenge': challenge 'DNS-01' is not supported by switchyard (use HTTP-01 or TLS-ALPN-01)"},
		{kw: "challenge", in: inACME, pre: acmePre, src: acmeDir + "challenge HTTP-02", err: "t.cfg:5: 'challenge': keyword 'challenge' in 'acme' section requires a challenge type: HTTP-01 or TLS-ALPN-01"},
		{kw: "keytype", in: inACME, pre: acmePre, src: acmeDir + alpn + "keytype RSA", check: sec(func(t *testing.T, s *ACMESection) { eq(t, "KeyType", s.KeyType, "RSA") })},
		{kw: "keytype", in: inACME, pre: acmePre, src: acmeDir + "keytype rsa", err: "t.cfg:5: 'keytype': keyword 'keytype' in 'acme' section requires either 'RSA' or 'ECDSA' argument"},
		{kw: "bits", in: inACME, pre: acmePre, src: acmeDir + alpn + "keytype RSA\nbits 3072", check: sec(func(t *testing.T, s *ACMESection) { eq(t, "Bits", s.Bits, 3072) })},
		{kw: "bits", in: inACME, pre: acmePre, src: acmeDir + "bits 2048x", err: "t.cfg:5: 'bits': cannot parse 'bits' value '2048x', an integer is expected."},
		{kw: "bits", in: inACME, pre: acmePre, src: acmeDir + "bits 512", err: "t.cfg:5: 'bits': 'bits' must be between 1024 and 16384 (Go's crypto refuses smaller RSA keys), got 512"},
		{kw: "curves", in: inACME, pre: acmePre, src: acmeDir + alpn + "curves prime256v1", check: sec(func(t *testing.T, s *ACMESection) { eq(t, "Curve", s.Curve, "P-256") })},
		{kw: "curves", in: inACME, pre: acmePre, src: acmeDir + "curves brainpoolP256r1", err: "t.cfg:5: 'curves': unsupported curves 'brainpoolP256r1'"},
		{kw: "map", in: inACME, pre: acmePre, src: acmeDir + "map virt@acme", extra: readsACME, check: sec(func(t *testing.T, s *ACMESection) { eq(t, "Map", s.Map, "virt@acme") })},
		// A map nothing reads cannot answer a challenge: 3.2 finds out
		// when it adds the token ("Unknown map identifier"); we say so
		// at load.
		{kw: "map", in: inACME, pre: acmePre, src: acmeDir + "map virt@other",
			warn: "t.cfg:3: acme section 'chk': no map converter or ACL of the configuration reads map 'virt@other'; its challenges will not be answered"},
		{kw: "map", in: inACME, pre: acmePre, src: acmeDir + "map", err: "t.cfg:5: 'map': keyword 'map' in 'acme' section requires an argument"},

		// ---- global ----
		{kw: "acme.scheduler", in: inGlobal, src: "acme.scheduler off", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "SchedulerOff", ACMEOf(&c.Global).SchedulerOff, true)
		}},
		{kw: "acme.scheduler", in: inGlobal, src: "acme.scheduler auto", check: func(t *testing.T, c *Config, _ *Proxy) {
			eq(t, "SchedulerOff", ACMEOf(&c.Global).SchedulerOff, false)
		}},
		{kw: "acme.scheduler", in: inGlobal, src: "acme.scheduler sometimes", err: "t.cfg:2: 'acme.scheduler': requires either 'auto' or 'off' argument"},
		{kw: "acme.scheduler", in: inGlobal, src: "acme.scheduler", err: "t.cfg:2: 'acme.scheduler': requires an argument"},

		// ---- ssl-f-use ----
		{kw: "ssl-f-use", in: inFE, src: "bind :8443 ssl\nbind :8444 ssl crt @D@/site.pem\nssl-f-use crt @D@/site.pem alpn http/1.1 ssl-min-ver TLSv1.3",
			check: func(t *testing.T, c *Config, px *Proxy) {
				e := px.Binds[0].TLS.Entries
				if len(e) != 1 || e[0].Conf == nil || len(e[0].Conf.ALPN) != 1 || px.Binds[0].TLSServer == nil {
					t.Fatalf("the ssl bind without crt does not serve the ssl-f-use certificate: %+v", e)
				}
				eq(t, "certificate", filepath.Base(e[0].Cert.Path), "site.pem")
				eq(t, "bind with its own crt", len(px.Binds[1].TLS.Entries), 1)
				eq(t, "its own", px.Binds[1].TLS.Entries[0].Conf == nil, true)
			}},
		// A certificate obtained and renewed by ACME: the file exists.
		{kw: "ssl-f-use", in: inFE, pre: acmePre, src: "bind :8443 ssl\nssl-f-use crt @D@/site.pem acme LE domains \"www.example.com, api.example.com\"", extra: acmeLE,
			check: cert(func(t *testing.T, a *ACME, px *Proxy) {
				if len(a.Certs) != 1 {
					t.Fatalf("certs: %+v", a.Certs)
				}
				ac := a.Certs[0]
				eq(t, "ACME", ac.ACME, "LE")
				eq(t, "Domains", strings.Join(ac.Domains, "|"), "www.example.com|api.example.com")
				eq(t, "Temporary", ac.Temporary, false)
				eq(t, "Pos", ac.Pos.Line, 5)
			})},
		// The file does not exist yet: a stand-in serves until it is
		// obtained (3.2 refuses this; 3.3 does the same).
		{kw: "ssl-f-use", in: inFE, pre: acmePre, src: "bind :8443 ssl\nssl-f-use crt @D@/new.pem acme LE domains new.example.com", extra: acmeLE,
			check: cert(func(t *testing.T, a *ACME, px *Proxy) {
				ac := a.Certs[0]
				eq(t, "Temporary", ac.Temporary, true)
				eq(t, "stand-in names", strings.Join(ac.Cert.Names, ","), "new.example.com")
				eq(t, "served", px.Binds[0].TLS.Entries[0].Cert, ac.Cert)
			})},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem domains www.example.com", warn: "t.cfg:2: 'domains' has no effect without 'acme'"},
		{kw: "ssl-f-use", in: inFE, pre: acmePre, src: "ssl-f-use crt @D@/site.pem acme LE", extra: acmeLE,
			warn: "t.cfg:4: certificate '@D@/site.pem' uses acme 'LE' without 'domains': it cannot be obtained nor renewed"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use", err: "t.cfg:2: 'ssl-f-use': expects a certificate ('crt <file>')"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt", err: "t.cfg:2: 'ssl-f-use': 'crt' expects an argument"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem crt @D@/site.pem", err: "t.cfg:2: 'ssl-f-use': 'crt' already specified, aborting."},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/nope.pem", err: "t.cfg:2: 'ssl-f-use': unable to stat SSL certificate from file '@D@/nope.pem' : no such file or directory"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem key @D@/site.key", err: "t.cfg:2: 'ssl-f-use': 'key' is not supported yet by switchyard in an ssl-f-use line"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem npn http/1.1", err: "t.cfg:2: 'ssl-f-use': 'npn' is not supported by switchyard"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem strict-sni", err: "t.cfg:2: 'ssl-f-use': unknown crt keyword 'strict-sni'"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem alpn", err: "t.cfg:2: 'ssl-f-use': 'alpn' expects an argument"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @web/site", err: "t.cfg:2: 'ssl-f-use': 'crt @web/site': certificates of a crt-store are not supported yet by switchyard"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem acme LE domains a.example.com,,b.example.com", err: "t.cfg:2: 'ssl-f-use': 'domains' has an empty name in 'a.example.com,,b.example.com'"},
		{kw: "ssl-f-use", in: inFE, src: "ssl-f-use crt @D@/site.pem acme LE domains a.example.com",
			err: "t.cfg:2: acme 'LE' was used on a crt line [t.cfg:2], but no 'LE' section exists!"},
		{kw: "ssl-f-use", in: inFE, pre: acmePre, src: "ssl-f-use crt @D@/new.pem acme LE", extra: acmeLE,
			err: "t.cfg:4: 'ssl-f-use': '@D@/new.pem' does not exist, and ACME cannot obtain it without 'domains'"},
		{kw: "ssl-f-use", in: inFE, pre: acmePre, src: "ssl-f-use crt @D@/site.pem acme LE domains a.example.com\nssl-f-use crt @D@/site.pem acme LE domains b.example.com", extra: acmeLE,
			err: "t.cfg:5: 'ssl-f-use': certificate '@D@/site.pem' is already used with other ACME settings at t.cfg:4 (acme 'LE' domains 'a.example.com')"},
	}
}

// The acme section header: experimental, named once, one name.
func TestACMESectionHeader(t *testing.T) {
	for _, c := range []struct{ text, err string }{
		{"acme LE\n directory https://acme.test/dir\n", "t.cfg:1: 'acme': section 'acme' is experimental, must be allowed via a global 'expose-experimental-directives'"},
		{acmePre + "acme\n directory https://acme.test/dir\n", "t.cfg:3: 'acme': section 'acme' requires an ID argument."},
		{acmePre + "acme LE x\n", "t.cfg:3: 'acme': cannot handle unexpected argument 'x'."},
		{acmePre + acmeLE + acmeLE, "t.cfg:6: 'acme': acme section 'LE' already exists (t.cfg:3)."},
	} {
		_, _, errs := load(t, c.text)
		if len(errs) == 0 || errs[0].Error() != c.err {
			t.Errorf("%q:\n got %v\nwant %s", c.text, errs, c.err)
		}
	}
	// The lines of a section whose header failed are not reported again.
	_, _, errs := load(t, "acme LE\n directory nope\n bits x\n")
	if len(errs) != 1 {
		t.Errorf("lines of a refused section reported: %v", errs)
	}
}

// 3.2's own example (configuration.txt 12.8), with its files: it loads
// as written (but for httpclient.resolvers.prefer, not implemented, and
// "foo.example.com.pem" in domains, a name no CA would issue).
func TestACMEExample32(t *testing.T) {
	dir := writeKwFiles(t)
	for _, f := range []string{"foo.example.com.pem.rsa", "foo.example.com.pem.ecdsa"} {
		data, _ := os.ReadFile(filepath.Join(dir, "site.pem"))
		os.WriteFile(filepath.Join(dir, f), data, 0o600)
	}
	text := strings.ReplaceAll(`global
    expose-experimental-directives
    crt-base @D@

frontend in
    mode http
    bind *:80
    bind *:443 ssl
    http-request return status 200 content-type text/plain lf-string "%[path,field(-1,/)].%[path,field(-1,/),map(virt@acme)]\n" if { path_beg '/.well-known/acme-challenge/' }
    ssl-f-use crt "foo.example.com.pem.rsa"   acme LE1 domains "foo.example.com,bar.example.com"
    ssl-f-use crt "foo.example.com.pem.ecdsa" acme LE2 domains "foo.example.com,bar.example.com"

acme LE1
    directory https://acme-staging-v02.api.letsencrypt.org/directory
    account-key /nonexistent/letsencrypt.account.key
    contact john.doe@example.com
    challenge HTTP-01
    keytype RSA
    bits 2048
    map virt@acme

acme LE2
    directory https://acme-staging-v02.api.letsencrypt.org/directory
    account-key /nonexistent/letsencrypt.account.key
    contact john.doe@example.com
    challenge HTTP-01
    keytype ECDSA
    curves P-384
    map virt@acme
`, "@D@", dir)
	cfg, res, errs := load(t, text)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, w := range res.Warnings() {
		if !scaffoldWarning(w.Msg) {
			t.Errorf("warning: %s", w)
		}
	}
	a := ACMEOf(&cfg.Global)
	if len(a.Sections) != 2 || len(a.Certs) != 2 || a.Certs[1].ACME != "LE2" || a.Certs[0].Path != filepath.Join(dir, "foo.example.com.pem.rsa") {
		t.Errorf("sections %d certs %+v", len(a.Sections), a.Certs)
	}
	if b := cfg.Proxies[0].Binds[1]; len(b.TLS.Entries) != 2 || b.TLSServer == nil {
		t.Errorf("bind *:443 ssl serves %d certificates", len(b.TLS.Entries))
	}
}

// -c says that a certificate ACME is to obtain does not exist yet, rather
// than that the stand-in serving meanwhile has expired; the warning is
// dated, so zero-warning and -dW do not make it fatal.
func TestACMEStandInCheck(t *testing.T) {
	dir := t.TempDir()
	text := acmePre + "frontend f\n bind :8443 ssl\n ssl-f-use crt " + dir + "/new.pem acme LE domains new.example.com\n" + acmeLE
	_, res, errs := LoadBytes("t.cfg", []byte(text), LoadOptions{Check: true})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := "t.cfg:4: certificate '" + dir + "/new.pem' does not exist yet: a self-signed stand-in serves until ACME obtains it"
	found, strict := false, false
	for _, w := range res.Warnings() {
		found = found || w.String() == want
	}
	for _, w := range res.Strict() {
		strict = strict || w.String() == want
	}
	if !found || strict {
		t.Errorf("warnings %v, want %q (dated)", res.Warnings(), want)
	}
}
