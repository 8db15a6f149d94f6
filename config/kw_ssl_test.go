package config

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"switchyard/internal/testcert"
	"switchyard/ssl"
)

// TLS keywords. Certificates are made by the test (testcert) and written
// with the other keyword files (@D@).

func init() {
	ca := testcert.NewCA("kw CA")
	leaf := ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com", "*.example.org"}})
	moreKwFiles["site.pem"] = string(leaf.Bundle())
	moreKwFiles["ca.pem"] = string(ca.PEM)
	moreKwFiles["list.txt"] = "site.pem [alpn http/1.1 ssl-min-ver TLSv1.3] api.example.com\n"
	moreKwFiles["badlist.txt"] = "site.pem [strict-sni]\n"
	moreKwFiles["bad.pem"] = "not a certificate\n"
	moreKeywordCases = append(moreKeywordCases, sslKeywordCases)
}

func sslKeywordCases() []kwCase {
	g := func(check func(t *testing.T, s *GlobalSSL)) kwCheck {
		return func(t *testing.T, c *Config, _ *Proxy) { check(t, &c.Global.SSL) }
	}
	return []kwCase{
		{kw: "crt-base", in: inGlobal, src: "crt-base /etc/certs", check: g(func(t *testing.T, s *GlobalSSL) { eq(t, "CrtBase", s.CrtBase, "/etc/certs") })},
		{kw: "crt-base", in: inGlobal, src: "crt-base", err: "t.cfg:2: 'crt-base': expects a directory path"},
		{kw: "ca-base", in: inGlobal, src: "ca-base /etc/ca", check: g(func(t *testing.T, s *GlobalSSL) { eq(t, "CABase", s.CABase, "/etc/ca") })},
		{kw: "ca-base", in: inGlobal, src: "ca-base a b", err: "t.cfg:2: 'ca-base': expects a directory path"},
		{kw: "ssl-load-extra-files", in: inGlobal, src: "ssl-load-extra-files key ocsp", check: g(func(t *testing.T, s *GlobalSSL) {
			eq(t, "ExtraFiles", s.Extra, ssl.ExtraKey|ssl.ExtraOCSP)
		})},
		{kw: "ssl-load-extra-del-ext", in: inGlobal, src: "ssl-load-extra-del-ext"},
		{kw: "ssl-load-extra-del-ext", in: inGlobal, src: "ssl-load-extra-del-ext yes", err: "t.cfg:2: 'ssl-load-extra-del-ext': expects no argument"},
		{kw: "ssl-load-extra-files", in: inGlobal, src: "ssl-load-extra-files none key", err: "t.cfg:2: 'ssl-load-extra-files': 'none' can't be combined with other keywords"},
		{kw: "ssl-server-verify", in: inGlobal, src: "ssl-server-verify none", check: g(func(t *testing.T, s *GlobalSSL) { eq(t, "none", s.ServerVerifyNone, true) })},
		{kw: "ssl-server-verify", in: inGlobal, src: "ssl-server-verify maybe", err: "t.cfg:2: 'ssl-server-verify': expects 'none' or 'required' as argument"},
		{kw: "ssl-default-bind-options", in: inGlobal, src: "ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets", check: g(func(t *testing.T, s *GlobalSSL) {
			lo, hi, _ := s.Bind.Versions()
			eq(t, "versions", [2]uint16{lo, hi}, [2]uint16{tls.VersionTLS12, tls.VersionTLS13})
			eq(t, "NoTickets", s.Bind.NoTickets, true)
		})},
		{kw: "ssl-default-bind-options", in: inGlobal, src: "ssl-default-bind-options ssl-min-ver", err: "t.cfg:2: 'ssl-default-bind-options': 'ssl-min-ver' expects an argument"},
		{kw: "ssl-default-bind-options", in: inGlobal, src: "ssl-default-bind-options strict-sni", err: "t.cfg:2: 'ssl-default-bind-options': unknown option 'strict-sni'"},
		{kw: "ssl-default-server-options", in: inGlobal, src: "ssl-default-server-options no-tlsv13", check: g(func(t *testing.T, s *GlobalSSL) {
			_, hi, _ := s.Server.Versions()
			eq(t, "max", hi, uint16(tls.VersionTLS12))
		})},
		{kw: "ssl-default-server-options", in: inGlobal, src: "ssl-default-server-options prefer-client-ciphers", err: "t.cfg:2: 'ssl-default-server-options': unknown option 'prefer-client-ciphers'"},
		{kw: "ssl-default-bind-ciphers", in: inGlobal, src: "ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", check: g(func(t *testing.T, s *GlobalSSL) {
			eq(t, "Ciphers", fmt.Sprint(s.Bind.Ciphers), fmt.Sprint([]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}))
		})},
		{kw: "ssl-default-bind-ciphers", in: inGlobal, src: "ssl-default-bind-ciphers DHE-RSA-AES256-SHA", err: "t.cfg:2: 'ssl-default-bind-ciphers': cipher 'DHE-RSA-AES256-SHA' is not implemented by Go's TLS stack"},
		{kw: "ssl-default-server-ciphers", in: inGlobal, src: "ssl-default-server-ciphers HIGH:!aNULL", check: g(func(t *testing.T, s *GlobalSSL) {
			if len(s.Server.Ciphers) == 0 {
				t.Error("no ciphers")
			}
		})},
		{kw: "ssl-default-server-ciphers", in: inGlobal, src: "ssl-default-server-ciphers", err: "t.cfg:2: 'ssl-default-server-ciphers': expects a list"},
		{kw: "ssl-default-bind-ciphersuites", in: inGlobal, src: "ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", check: g(func(t *testing.T, s *GlobalSSL) {
			eq(t, "CipherSuites", fmt.Sprint(s.Bind.CipherSuites), fmt.Sprint([]uint16{tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_AES_128_GCM_SHA256}))
		})},
		// Go picks the TLS 1.3 suite itself: a list that leaves one out
		// cannot be honoured, and is refused rather than enforced by
		// refusing clients that offered a listed suite.
		{kw: "ssl-default-bind-ciphersuites", in: inGlobal, src: "ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
			err: "t.cfg:2: 'ssl-default-bind-ciphersuites': 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256' leaves out TLS_AES_128_GCM_SHA256: Go's TLS stack chooses among TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 itself, so a list must name all of them"},
		{kw: "ssl-default-bind-ciphersuites", in: inGlobal, src: "ssl-default-bind-ciphersuites TLS_AES_128_CCM_8_SHA256", err: "t.cfg:2: 'ssl-default-bind-ciphersuites': TLS 1.3 cipher suite 'TLS_AES_128_CCM_8_SHA256' is not implemented by Go's TLS stack"},
		{kw: "ssl-default-server-ciphersuites", in: inGlobal, src: "ssl-default-server-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", check: g(func(t *testing.T, s *GlobalSSL) { eq(t, "n", len(s.Server.CipherSuites), 3) })},
		{kw: "ssl-default-server-ciphersuites", in: inGlobal, src: "ssl-default-server-ciphersuites TLS_AES_128_GCM_SHA256", err: "t.cfg:2: 'ssl-default-server-ciphersuites': 'TLS_AES_128_GCM_SHA256' leaves out TLS_AES_256_GCM_SHA384: Go's TLS stack chooses among TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 itself, so a list must name all of them"},
		{kw: "ssl-default-server-ciphersuites", in: inGlobal, src: "ssl-default-server-ciphersuites x", err: "t.cfg:2: 'ssl-default-server-ciphersuites': unknown TLS 1.3 cipher suite 'x'"},
		{kw: "ssl-default-bind-curves", in: inGlobal, src: "ssl-default-bind-curves X25519:P-256", check: g(func(t *testing.T, s *GlobalSSL) {
			eq(t, "Curves", fmt.Sprint(s.Bind.Curves), fmt.Sprint([]tls.CurveID{tls.X25519, tls.CurveP256}))
		})},
		{kw: "ssl-default-bind-curves", in: inGlobal, src: "ssl-default-bind-curves brainpoolP256r1", err: "t.cfg:2: 'ssl-default-bind-curves': curve 'brainpoolP256r1' is not implemented by Go's TLS stack"},
		{kw: "ssl-default-server-curves", in: inGlobal, src: "ssl-default-server-curves P-384", check: g(func(t *testing.T, s *GlobalSSL) { eq(t, "n", len(s.Server.Curves), 1) })},
		{kw: "ssl-default-server-curves", in: inGlobal, src: "ssl-default-server-curves", err: "t.cfg:2: 'ssl-default-server-curves': expects a list"},
		{kw: "ssl-default-bind-sigalgs", in: inGlobal, src: "ssl-default-bind-sigalgs RSA+SHA256", err: "t.cfg:2: 'ssl-default-bind-sigalgs': not supported: Go's TLS stack does not let the signature algorithms be chosen"},
		{kw: "ssl-default-bind-client-sigalgs", in: inGlobal, src: "ssl-default-bind-client-sigalgs RSA+SHA256", err: "t.cfg:2: 'ssl-default-bind-client-sigalgs': not supported: Go's TLS stack does not let the signature algorithms be chosen"},
		{kw: "ssl-default-server-sigalgs", in: inGlobal, src: "ssl-default-server-sigalgs RSA+SHA256", err: "t.cfg:2: 'ssl-default-server-sigalgs': not supported: Go's TLS stack does not let the signature algorithms be chosen"},
		{kw: "ssl-default-server-client-sigalgs", in: inGlobal, src: "ssl-default-server-client-sigalgs RSA+SHA256", err: "t.cfg:2: 'ssl-default-server-client-sigalgs': not supported: Go's TLS stack does not let the signature algorithms be chosen"},
		{kw: "ssl-engine", in: inGlobal, src: "ssl-engine rdrand", err: "t.cfg:2: 'ssl-engine': not supported: switchyard uses Go's TLS stack, not OpenSSL engines"},
	}
}

// bindTLS loads a frontend with one bind line and returns its bind.
func bindTLS(t *testing.T, pre, line string) (*Bind, *Result, ErrorList) {
	t.Helper()
	dir := writeKwFiles(t)
	text := strings.ReplaceAll(pre+"frontend fe\n mode http\n "+line+"\n", "@D@", dir)
	cfg, res, errs := load(t, text)
	if cfg == nil || len(errs) > 0 {
		return nil, res, errs
	}
	for _, px := range cfg.Proxies {
		if px.Name == "fe" && len(px.Binds) > 0 {
			return px.Binds[0], res, nil
		}
	}
	t.Fatal("no bind")
	return nil, nil, nil
}

func TestBindSSLOptions(t *testing.T) {
	ok := map[string]func(t *testing.T, b *Bind){
		"bind :443 ssl crt @D@/site.pem": func(t *testing.T, b *Bind) {
			if b.TLSServer == nil || len(b.TLS.Entries) != 1 {
				t.Errorf("no TLS server: %+v", b.TLS)
			}
		},
		"bind :443 ssl crt @D@/site.pem crt-list @D@/list.txt strict-sni alpn http/1.1 ciphers ECDHE-RSA-AES128-GCM-SHA256 ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 no-tlsv10 no-sslv3 curves X25519 ecdhe prime256v1 no-tls-tickets ca-file @D@/ca.pem verify optional": func(t *testing.T, b *Bind) {
			if len(b.TLS.Entries) != 2 || !b.TLS.StrictSNI || b.TLS.Entries[1].Conf == nil || b.TLS.Entries[1].Conf.MinVer != tls.VersionTLS13 {
				t.Errorf("%+v", b.TLS)
			}
			if b.TLS.Conf.Verify != ssl.VerifyOptional || b.TLS.Conf.CA == nil || len(b.TLS.Conf.Curves) != 1 {
				t.Errorf("%+v", b.TLS.Conf)
			}
		},
		"bind :443 ssl crt site.pem": func(*testing.T, *Bind) {},
		"bind :443 ssl crt @D@/site.pem ca-verify-file @D@/ca.pem verify required": func(t *testing.T, b *Bind) {
			if b.TLS.Conf.VerifyCA == nil || len(b.TLS.Conf.VerifyCA.Load().Certs) != 1 || b.TLS.Conf.CA != nil {
				t.Errorf("%+v", b.TLS.Conf)
			}
		},
		"bind :443 ssl crt @D@/site.pem allow-0rtt": func(t *testing.T, b *Bind) {
			if !b.TLS.Conf.Allow0RTT {
				t.Errorf("%+v", b.TLS.Conf)
			}
		},
		"bind :443 ssl crt @D@/site.pem ca-file @D@/ca.pem verify optional ca-ignore-err all crt-ignore-err 10,23": func(t *testing.T, b *Bind) {
			if c := b.TLS.Conf; !c.CAIgnore.All || len(c.CrtIgnore.Codes) != 2 || c.CrtIgnore.Codes[1] != 23 {
				t.Errorf("%+v", c)
			}
		},
	}
	for line, check := range ok {
		// crt-base applies to crt and to the files a crt-list names.
		pre := "global\n crt-base @D@\n"
		b, _, errs := bindTLS(t, pre, line)
		if len(errs) > 0 {
			t.Errorf("%s: %v", line, errs)
			continue
		}
		check(t, b)
	}
	for line, want := range map[string]string{
		"bind :443 ssl":                                                          "no SSL certificate specified for bind '0.0.0.0:443' (use 'crt').",
		"bind :443 ssl crt @D@/none.pem":                                         "unable to stat SSL certificate from file",
		"bind :443 ssl crt @D@/bad.pem":                                          "no PEM certificate in it",
		"bind :443 ssl crt @D@/site.pem verify required":                         "verify is enabled but no CA file specified (ca-file)",
		"bind :443 ssl crt @D@/site.pem alpn h2,http/1.1":                        "alpn 'h2': HTTP/2 is not supported yet by switchyard",
		"bind :443 ssl crt @D@/site.pem npn http/1.1":                            "'npn' is not supported: Go's TLS stack has no NPN (use 'alpn')",
		"bind :443 ssl crt @D@/site.pem force-sslv3":                             "SSLv3 is not supported",
		"bind :443 ssl crt @D@/site.pem ssl-min-ver TLSv9":                       "expects one of SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3, got 'TLSv9'",
		"bind :443 ssl crt-list @D@/badlist.txt":                                 "'strict-sni' is not allowed in a crt-list line",
		"bind :443 ssl crt @D@/site.pem ssl-min-ver TLSv1.3 ssl-max-ver TLSv1.2": "ssl-max-ver TLSv1.2 is below ssl-min-ver TLSv1.3",
		"bind :443 ssl crt @D@/site.pem verify sometimes":                        "verify expects 'none', 'optional' or 'required', got 'sometimes'",
		"bind :443 ssl crt @D@/site.pem crt-ignore-err expired":                  "expects 'all' or a comma-separated list of error IDs, got 'expired'",
		"bind :443 ssl crt @D@/site.pem ca-verify-file @D@/nope.pem":             "unable to load CA file",
	} {
		_, _, errs := bindTLS(t, "", line)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: got %v, want %q", line, errs, want)
		}
	}
	// crt without ssl: loaded, and warned about.
	if _, res, errs := bindTLS(t, "", "bind :443 crt @D@/site.pem"); len(errs) > 0 || len(res.Messages) == 0 || !strings.Contains(res.Messages[0].Msg, "'crt' without 'ssl'") {
		t.Errorf("crt without ssl: %v %+v", errs, res.Messages)
	}
	// Global defaults fill what the bind leaves unset.
	b, _, errs := bindTLS(t, "global\n ssl-default-bind-options ssl-min-ver TLSv1.3\n ssl-default-bind-ciphers ECDHE-RSA-AES128-GCM-SHA256\n", "bind :443 ssl crt @D@/site.pem ciphers ECDHE-ECDSA-AES128-GCM-SHA256")
	if len(errs) > 0 || b.TLS.Conf.MinVer != tls.VersionTLS13 || len(b.TLS.Conf.Ciphers) != 1 || b.TLS.Conf.Ciphers[0] != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("defaults: %v %+v", errs, b)
	}
}

func TestServerSSLOptions(t *testing.T) {
	dir := writeKwFiles(t)
	for line, want := range map[string]string{
		"server s 127.0.0.1:443 ssl":                                        "verify is enabled by default but no CA file specified",
		"server s 127.0.0.1:443 ssl verify maybe":                           "verify expects 'none' or 'required', got 'maybe'",
		"server s 127.0.0.1:443 ssl verify none ciphers DHE-RSA-AES256-SHA": "cipher 'DHE-RSA-AES256-SHA' is not implemented",
		"server s 127.0.0.1:443 ssl verify none alpn h2":                    "alpn 'h2': HTTP/2 is not supported yet",
	} {
		text := strings.ReplaceAll("backend be\n mode http\n "+line+"\n", "@D@", dir)
		_, _, errs := load(t, text)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: got %v, want %q", line, errs, want)
		}
	}
	for _, line := range []string{
		"server s 127.0.0.1:443 ssl verify none",
		"server s 127.0.0.1:443 ssl ca-file @D@/ca.pem sni str(x)",
		"server s 127.0.0.1:443 ssl ca-file @D@/ca.pem sni req.hdr(host) verifyhost a.example",
		"server s 127.0.0.1:443 check check-ssl verify none",
	} {
		text := strings.ReplaceAll("backend be\n mode http\n "+line+"\n", "@D@", dir)
		cfg, _, errs := load(t, text)
		if len(errs) != 0 {
			t.Errorf("%s: %v", line, errs)
			continue
		}
		if s := cfg.Proxies[0].Servers[0]; s.TLS.Client == nil {
			t.Errorf("%s: no client configuration", line)
		}
	}
	// ssl-server-verify none makes verify none the default.
	if cfg, _, errs := load(t, "global\n ssl-server-verify none\nbackend be\n server s 127.0.0.1:443 ssl\n"); len(errs) != 0 || cfg.Proxies[0].Servers[0].TLS.Conf.Verify != ssl.VerifyNone {
		t.Errorf("ssl-server-verify none: %v", errs)
	}
}
