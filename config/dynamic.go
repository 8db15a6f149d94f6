package config

import (
	"errors"
	"fmt"
)

// ParseDynamicServer reads the server of the runtime API's `add server
// B/NAME ADDR [options]` as a `server` line of the backend px would read it
// (its default-server applies), for a server created at runtime. The
// options that name other objects by reference resolved at load (track)
// are refused.
// g is the running configuration's global section (its TLS defaults
// apply to the server's `ssl`).
func ParseDynamicServer(g *Global, px *Proxy, name string, args []string) (*Server, error) {
	if len(args) == 0 {
		return nil, errors.New("'server' expects <name> and <addr>[:<port>] as arguments.\n")
	}
	for _, a := range args {
		if a == "track" {
			return nil, errors.New("'track' is not supported on dynamic servers yet by switchyard")
		}
	}
	cur := *px
	cur.Servers = nil // the name is checked against the running servers
	p := &parser{cfg: &Config{}, res: &Result{}, file: "CLI", line: 1, cur: &cur}
	if g != nil {
		p.cfg.Global = *g
	}
	if err := parseServer(p, append([]string{name}, args...)); err != nil {
		return nil, err
	}
	if len(cur.Servers) != 1 {
		return nil, fmt.Errorf("no server parsed")
	}
	sc := cur.Servers[0]
	sc.Dynamic = true
	if err := p.validateServerTLS(&cur, sc); err != nil {
		return nil, err
	}
	if err := p.resolveServer(sc); err != nil {
		return nil, err
	}
	return sc, nil
}
