package config

import "fmt"

func init() {
	// The splice options ask haproxy to move data between sockets in the
	// kernel. switchyard copies in user space, where each read keeps its
	// own deadline (a splice in flight cannot be cut at a deadline without
	// losing bytes), so they change nothing; their `no` forms are what it
	// does anyway.
	for _, name := range []string{"option splice-auto", "option splice-request", "option splice-response"} {
		registerNegatable(SecProxy, name, func(p *parser, args []string) error {
			on, args := stripNo(args)
			if len(args) > 0 {
				return fmt.Errorf("'%s' cannot handle unexpected argument '%s'.", name, args[0])
			}
			if !on {
				return nil
			}
			p.warnf("'%s' has no effect in switchyard (data is copied in user space, never spliced); ignored", name)
			return nil
		})
	}
}
