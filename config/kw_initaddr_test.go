package config

import "testing"

func init() { moreKeywordCases = append(moreKeywordCases, initAddrKeywordCases) }

func initAddrKeywordCases() []kwCase {
	srv := func(addr string, disabled bool) kwCheck {
		return func(t *testing.T, _ *Config, px *Proxy) {
			s := px.Servers[0]
			eq(t, "Addr", s.Addr, addr)
			eq(t, "Disabled", s.Disabled, disabled)
		}
	}
	return []kwCase{
		// "nowhere.test" does not resolve (see load): the next method.
		{kw: "server", in: inBE, src: "server s1 nowhere.test:80 init-addr last,libc,none", check: srv("0.0.0.0:80", true)},
		{kw: "server", in: inBE, src: "server s1 nowhere.test:80 init-addr libc,192.0.2.7", check: srv("192.0.2.7:80", false)},
		{kw: "server", in: inBE, src: "server s1 app.local:80 init-addr libc,none", check: srv("10.0.0.9:80", false)},
		{kw: "server", in: inBE, src: "server s1 192.0.2.1:80 init-addr none", check: srv("192.0.2.1:80", false)},
		{kw: "server", in: inBE, name: "default-server", src: "default-server init-addr none\nserver s1 nowhere.test:80", check: srv("0.0.0.0:80", true)},
		{kw: "server", in: inBE, name: "all fail", src: "server s1 nowhere.test:80 init-addr last,libc", err: "t.cfg:2: 'server s1' : could not resolve address 'nowhere.test'"},
		{kw: "server", in: inBE, src: "server s1 192.0.2.1:80 init-addr dns", err: "t.cfg:2: 'server': 'init-addr' : unknown resolution method 'dns'"},
	}
}
