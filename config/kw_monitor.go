package config

import "fmt"

// monitor-uri and monitor fail: an outside probe asks a frontend whether it
// serves, and gets 200, or 503 when a `monitor fail` condition holds (for
// example no server left in a backend), without the request reaching any
// rule, backend or log.

func init() {
	register(SecDefaults|SecFrontend, "monitor-uri", func(p *parser, args []string) error {
		if err := wantArgs(args, 1, "an URI"); err != nil {
			return err
		}
		if args[0] == "" {
			return fmt.Errorf("expects an URI")
		}
		p.cur.MonitorURI = args[0]
		return nil
	})
	register(SecFrontend, "monitor fail", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("expects 'if' or 'unless' followed by a condition")
		}
		c, err := p.cond(args)
		if err != nil {
			return err
		}
		p.cur.MonitorFail = append(p.cur.MonitorFail, c)
		return nil
	})
}
