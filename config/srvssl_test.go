package config

import (
	"strings"
	"testing"
)

// A server's TLS is prepared, and its use_ssl set, as haproxy's: `ssl`
// on the line or its default-server (even undone by no-ssl), or
// check-ssl, prepares it; use_ssl is 1 after ssl, -1 after no-ssl.
func TestServerSSLPrepared(t *testing.T) {
	for _, c := range []struct {
		lines    string
		prepared bool
		use      int8
	}{
		{"server s 127.0.0.1:443", false, 0},
		{"server s 127.0.0.1:443 no-ssl", false, -1},
		{"server s 127.0.0.1:443 ssl", true, 1},
		{"server s 127.0.0.1:443 ssl no-ssl", false, -1},
		{"server s 127.0.0.1:443 no-ssl ssl", true, 1},
		{"server s 127.0.0.1:443 check-ssl", true, 0},
		{"default-server ssl\n server s 127.0.0.1:443 no-ssl", true, -1},
		{"default-server ssl\n server s 127.0.0.1:443", true, 1},
		{"default-server no-ssl\n server s 127.0.0.1:443", false, -1},
		{"default-server ssl\n default-server no-ssl\n server s 127.0.0.1:443", false, -1},
	} {
		text := "global\n ssl-server-verify none\nbackend be\n mode http\n " + c.lines + "\n"
		cfg, _, errs := load(t, text)
		if len(errs) != 0 {
			t.Errorf("%q: %v", c.lines, errs)
			continue
		}
		px := cfg.Proxies[0]
		s := px.Servers[0]
		if got := s.TLS.Prepared(px); got != c.prepared || (s.TLS.Client != nil) != c.prepared {
			t.Errorf("%q: prepared %v (client %v), want %v", c.lines, got, s.TLS.Client != nil, c.prepared)
		}
		if got := s.TLS.UseSSL(); got != c.use {
			t.Errorf("%q: use_ssl %d, want %d", c.lines, got, c.use)
		}
	}
	// A prepared server is checked as one that speaks TLS (haproxy 2.6.12
	// refuses this configuration the same way).
	_, _, errs := load(t, "backend be\n mode http\n default-server ssl\n server s 127.0.0.1:443 no-ssl\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "verify is enabled by default but no CA file specified") {
		t.Errorf("default-server ssl, no-ssl, no CA: %v", errs)
	}
}
