package config

import "testing"

func init() {
	moreKeywordCases = append(moreKeywordCases, func() []kwCase {
		sp := func(want SendProxy) kwCheck {
			return func(t *testing.T, _ *Config, px *Proxy) {
				eq(t, "SendProxy", px.Servers[0].SendProxy, want)
			}
		}
		return []kwCase{
			{kw: "server", in: inBE, name: "send-proxy", src: "server s1 192.0.2.10:80 send-proxy", check: sp(SendProxy{V1: true})},
			{kw: "server", in: inBE, name: "send-proxy-v2 options", src: "mode http\nserver s1 192.0.2.10:80 send-proxy-v2 proxy-v2-options crc32c,authority,unique-id",
				check: sp(SendProxy{V2: true, CRC32C: true, Authority: true, UniqueID: true})},
			{kw: "server", in: inBE, name: "no-send-proxy", src: "default-server send-proxy send-proxy-v2\nserver s1 192.0.2.10:80 no-send-proxy-v2", check: sp(SendProxy{V1: true})},
			{kw: "server", in: inBE, name: "proxy-v2 bad option", src: "server s1 192.0.2.10:80 proxy-v2-options crc32c,foo",
				err: "t.cfg:2: 'server': 'foo' : proxy v2 option not implemented"},
			{kw: "server", in: inBE, name: "proxy-v2 ssl options", src: "server s1 192.0.2.10:80 send-proxy-v2 proxy-v2-options ssl,cert-key,cert-sig,ssl-cipher",
				check: sp(SendProxy{V2: true, SSL: true, SSLKey: true, SSLSig: true, SSLCipher: true})},
			{kw: "server", in: inBE, name: "proxy-v2 cert-cn alone", src: "server s1 192.0.2.10:80 proxy-v2-options cert-cn",
				check: sp(SendProxy{SSL: true, SSLCN: true})},
			{kw: "server", in: inBE, name: "send-proxy-v2-ssl", src: "server s1 192.0.2.10:80 send-proxy-v2-ssl", check: sp(SendProxy{V2: true, SSL: true})},
			{kw: "server", in: inBE, name: "send-proxy-v2-ssl-cn", src: "server s1 192.0.2.10:80 send-proxy-v2-ssl-cn", check: sp(SendProxy{V2: true, SSL: true, SSLCN: true})},
			{kw: "server", in: inBE, name: "no-send-proxy-v2-ssl-cn", src: "default-server send-proxy-v2-ssl-cn proxy-v2-options cert-key\nserver s1 192.0.2.10:80 no-send-proxy-v2-ssl-cn",
				check: sp(SendProxy{SSLKey: true})},
			{kw: "server", in: inBE, name: "no-send-proxy-v2-ssl", src: "default-server send-proxy-v2-ssl-cn\nserver s1 192.0.2.10:80 no-send-proxy-v2-ssl", check: sp(SendProxy{SSLCN: true})},
			{kw: "server", in: inBE, name: "unique-id in mode tcp", src: "mode tcp\nserver s1 192.0.2.10:80 send-proxy-v2 proxy-v2-options unique-id",
				err: "t.cfg:3: 'server chk/s1' : 'proxy-v2-options unique-id' is not supported yet by switchyard in mode tcp (TCP streams have no unique id here)"},
		}
	})
}
