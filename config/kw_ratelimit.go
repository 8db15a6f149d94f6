package config

import (
	"fmt"
	"strconv"
)

// maxconnrate and maxsessrate: the connections (and sessions: connections
// past the tcp-request connection and session rules) the process accepts
// per second. Beyond, the listeners stop accepting until the rate falls
// back; connections wait in the backlog, as with haproxy.

// RateLimits are the process's rate limits (0: none).
type RateLimits struct {
	Conns, Sessions int
}

type rateLimitsKey struct{}

// RateLimitsOf returns the global rate limits.
func RateLimitsOf(g *Global) RateLimits {
	r, _ := g.Ext[rateLimitsKey{}].(RateLimits)
	return r
}

func init() {
	for kw, set := range map[string]func(r *RateLimits, n int){
		"maxconnrate": func(r *RateLimits, n int) { r.Conns = n },
		"maxsessrate": func(r *RateLimits, n int) { r.Sessions = n },
	} {
		register(SecGlobal, kw, func(p *parser, args []string) error {
			n, err := strconv.Atoi(firstArg(args))
			if err != nil || n < 0 {
				return fmt.Errorf("expects an integer argument")
			}
			r := RateLimitsOf(&p.cfg.Global)
			set(&r, n)
			p.cfg.Global.Ext.Set(rateLimitsKey{}, r)
			return nil
		})
	}
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
