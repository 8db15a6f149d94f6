package config

import (
	"errors"

	"switchyard/check"
)

// The health check keywords: `option httpchk` and the other check options,
// `http-check` and `tcp-check`. Their lines accumulate in the proxy's
// check.Config, which package check compiles; this file only routes them.
// Checks act on the backend side: in a frontend haproxy checks the line and
// ignores it with a warning, and so do we.

func init() {
	for _, name := range []string{"httpchk", "tcp-check", "ssl-hello-chk", "mysql-check",
		"pgsql-check", "redis-check", "smtpchk", "ldap-check", "spop-check"} {
		kwName := "option " + name
		// haproxy names the option without "option" in its warning.
		register(SecProxy, kwName, func(p *parser, args []string) error {
			return p.checkLine(kwName, p.checkConfig().Option(name, args))
		}).actsOn(CapBE, "'"+name+"' ignored because %[2]s '%[3]s' has no %[4]s capability.")
	}
	register(SecProxy, "http-check", func(p *parser, args []string) error {
		return p.checkLine("http-check", p.checkConfig().HTTPCheck(args))
	}).actsOn(CapBE, ignoredWarning)
	register(SecProxy, "tcp-check", func(p *parser, args []string) error {
		return p.checkLine("tcp-check", p.checkConfig().TCPCheck(args))
	}).actsOn(CapBE, ignoredWarning)
}

// checkConfig returns the current proxy's check settings, creating them on
// its first check line, ready to compile the line's sample expressions and
// log-format strings in the configuration's environment and the proxy's
// current mode.
func (p *parser) checkConfig() *check.Config {
	if p.cur.Check == nil {
		p.cur.Check = &check.Config{}
	}
	p.cur.Check.SetEnv(p.samples, p.cur.Mode == ModeHTTP)
	return p.cur.Check
}

// checkLine turns the check package's warnings into configuration
// warnings; other errors refuse the line.
func (p *parser) checkLine(kw string, err error) error {
	var w *check.Warning
	if errors.As(err, &w) {
		p.warnf("'%s' : %s", kw, w.Msg)
		return nil
	}
	return err
}
