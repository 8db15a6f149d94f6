package config

import (
	"fmt"
	"sort"
	"sync"
)

// `http-request use-service NAME`: the request is answered by a service
// of the process (the Prometheus exporter…) instead of a server. The
// services register their names here from the package that implements
// them, so that a configuration naming an unknown one is refused at load.

var services = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

// RegisterService declares a service name for use-service.
func RegisterService(name string) {
	services.Lock()
	services.names[name] = true
	services.Unlock()
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
type UseService struct{ Name string }

func init() {
	RegisterAction(&ActionDef{Name: "use-service", Where: HTTPRequestRules, Final: true,
		Parse: func(c *RuleContext, r *HTTPRule, args []string) (int, error) {
			if len(args) == 0 || isCondStart(args[0]) {
				return 0, fmt.Errorf("'use-service' expects a service name.")
			}
			services.Lock()
			known := services.names[args[0]]
			services.Unlock()
			if !known {
				return 0, fmt.Errorf("'%s' unknown service name.", args[0])
			}
			r.Args = &UseService{Name: args[0]}
			return 1, nil
		}})
}
