package config

import (
	"errors"

	"switchyard/persist"
)

// Cookie persistence: the proxy's `cookie` line and the server's `cookie`
// option. The line is parsed by package persist, which also runs it.

func init() {
	register(SecProxy, "cookie", func(p *parser, args []string) error {
		// The previous cookie (an earlier line, or the one inherited from
		// defaults) matters: haproxy keeps adding to its attr list.
		c, err := persist.ParseLine(p.cur.Cookie, args, func(msg string) { p.warnf("%s", msg) })
		if err != nil {
			return err
		}
		p.cur.Cookie = c
		return nil
	}).actsOn(CapBE, ignoredWarning)

	// The server's value is free text, compared byte for byte with the
	// request's cookie.
	RegisterServerOption("cookie", 1, func(_ *Context, o *ServerOpts, args []string) error {
		if args[0] == "" {
			return errors.New("'cookie' expects <value> as argument.")
		}
		o.Cookie = args[0]
		return nil
	})
}
