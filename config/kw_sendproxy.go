package config

import (
	"fmt"
	"strings"

	"switchyard/backend"
)

// SendProxy is a server's PROXY protocol settings (the data plane's).
type SendProxy = backend.SendProxy

func init() {
	edit := func(change func(sp *SendProxy, args []string) error) func(*Context, *ServerOpts, []string) error {
		return func(_ *Context, o *ServerOpts, args []string) error { return change(&o.SendProxy, args) }
	}
	RegisterServerOption("send-proxy", 0, edit(func(sp *SendProxy, _ []string) error { sp.V1 = true; return nil }))
	RegisterServerOption("send-proxy-v2", 0, edit(func(sp *SendProxy, _ []string) error { sp.V2 = true; return nil }))
	RegisterServerOption("no-send-proxy", 0, edit(func(sp *SendProxy, _ []string) error { sp.V1 = false; return nil }))
	RegisterServerOption("no-send-proxy-v2", 0, edit(func(sp *SendProxy, _ []string) error { sp.V2 = false; return nil }))
	// As haproxy: the -ssl forms set send-proxy-v2 too, and their no-
	// forms clear it with what they added.
	RegisterServerOption("send-proxy-v2-ssl", 0, edit(func(sp *SendProxy, _ []string) error { sp.V2, sp.SSL = true, true; return nil }))
	RegisterServerOption("send-proxy-v2-ssl-cn", 0, edit(func(sp *SendProxy, _ []string) error {
		sp.V2, sp.SSL, sp.SSLCN = true, true, true
		return nil
	}))
	RegisterServerOption("no-send-proxy-v2-ssl", 0, edit(func(sp *SendProxy, _ []string) error { sp.V2, sp.SSL = false, false; return nil }))
	RegisterServerOption("no-send-proxy-v2-ssl-cn", 0, edit(func(sp *SendProxy, _ []string) error {
		sp.V2, sp.SSL, sp.SSLCN = false, false, false
		return nil
	}))
	RegisterServerOption("proxy-v2-options", 1, edit(func(sp *SendProxy, args []string) error {
		for _, o := range strings.Split(args[0], ",") {
			switch o {
			case "crc32c":
				sp.CRC32C = true
			case "authority":
				sp.Authority = true
			case "unique-id":
				sp.UniqueID = true
			case "ssl":
				sp.SSL = true
			case "cert-cn":
				sp.SSL, sp.SSLCN = true, true
			case "cert-key":
				sp.SSL, sp.SSLKey = true, true
			case "cert-sig":
				sp.SSL, sp.SSLSig = true, true
			case "ssl-cipher":
				sp.SSL, sp.SSLCipher = true, true
			default:
				return fmt.Errorf("'%s' : proxy v2 option not implemented", o)
			}
		}
		return nil
	}))
}

// validateSendProxy refuses what switchyard cannot send yet: the unique id
// TLV needs the stream's unique id, which TCP streams do not make here.
func (p *parser) validateSendProxy(px *Proxy) {
	if px.Mode != ModeTCP {
		return
	}
	for _, s := range px.Servers {
		if s.SendProxy.UniqueID {
			p.errs = append(p.errs, &Error{File: s.Pos.File, Line: s.Pos.Line,
				Msg: fmt.Sprintf("'server %s/%s' : 'proxy-v2-options unique-id' is not supported yet by switchyard in mode tcp (TCP streams have no unique id here)", px.Name, s.Name)})
		}
	}
}
