package config

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// `http-request use-service NAME`: the request is answered by a service
// of the process (the Prometheus exporter…) instead of a server. The
// services register their names here from the package that implements
// them, so that a configuration naming an unknown one is refused at load.

var services = struct {
	sync.Mutex
	names    map[string]bool
	prefixes []servicePrefix
}{names: map[string]bool{}}

// RegisterService declares a service name for use-service.
func RegisterService(name string) {
	services.Lock()
	services.names[name] = true
	services.Unlock()
}

// ServicePrefix lets a package resolve use-service names that start with
// prefix ("lua.") against what the configuration defines: resolve returns
// what the data plane needs to run the service, or an error. c.Set says
// which rule set names it (http-request or tcp-request content).
func ServicePrefix(prefix string, resolve func(c *RuleContext, name string) (any, error)) {
	services.Lock()
	services.prefixes = append(services.prefixes, servicePrefix{prefix, resolve})
	services.Unlock()
}

type servicePrefix struct {
	prefix  string
	resolve func(c *RuleContext, name string) (any, error)
}

// ServiceNames lists the registered services (`-vv`'s Available services).
func ServiceNames() []string {
	services.Lock()
	defer services.Unlock()
	out := make([]string, 0, len(services.names))
	for n := range services.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// UseService is the argument of use-service.
type UseService struct {
	Name string
	// Impl is what a prefix's resolver made of the name (ServicePrefix),
	// nil for the services of the program.
	Impl any
}

func init() {
	// haproxy registers use-service for tcp-request content too: there
	// only TCP services (Lua's) are allowed, HTTP ones refused.
	RegisterAction(&ActionDef{Name: "use-service", Where: HTTPRequestRules | TCPRequestContentRules, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, fmt.Errorf("'use-service' expects a service name.")
			}
			u, err := resolveService(c, args[0])
			if err != nil {
				return 0, err
			}
			r.Args = u
			return 1, nil
		}})
}

// resolveService finds a use-service name: a service of the program, or
// one a prefix's resolver knows.
func resolveService(c *RuleContext, name string) (*UseService, error) {
	services.Lock()
	known, prefixes := services.names[name], services.prefixes
	services.Unlock()
	if known {
		if c.Set != HTTPRequestRules {
			return nil, fmt.Errorf("HTTP applets are forbidden from 'tcp-request' rulesets")
		}
		return &UseService{Name: name}, nil
	}
	for _, p := range prefixes {
		if strings.HasPrefix(name, p.prefix) {
			impl, err := p.resolve(c, name)
			if err != nil {
				return nil, err
			}
			return &UseService{Name: name, Impl: impl}, nil
		}
	}
	return nil, fmt.Errorf("'%s' unknown service name.", name)
}
