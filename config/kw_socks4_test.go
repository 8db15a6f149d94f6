package config

import "testing"

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		s4 := func(want Socks4) kwCheck {
			return func(t *testing.T, _ *Config, px *Proxy) { eq(t, "Socks4", px.Servers[0].Socks4, want) }
		}
		return []kwCase{
			{kw: "server", in: inBE, name: "socks4", src: "server s1 192.0.2.10:80 socks4 127.0.0.1:1080 check-via-socks4",
				check: s4(Socks4{Proxy: "127.0.0.1:1080", Checks: true})},
			{kw: "server", in: inBE, name: "socks4 without port", src: "server s1 192.0.2.10:80 socks4 127.0.0.1",
				err: "t.cfg:2: 'server': 'socks4 127.0.0.1' : missing port specification in '127.0.0.1'."},
			{kw: "server", in: inBE, name: "socks4 host name", src: "server s1 192.0.2.10:80 socks4 proxy.example:1080",
				err: "t.cfg:2: 'server': 'socks4 proxy.example:1080' : expects an IPv4 or IPv6 address (host names are not supported yet by switchyard here)"},
		}
	})
}
