package config

import (
	"fmt"
	"strings"
)

// ParseMasterSocket reads the argument of -S, the master CLI's socket:
// an address as `stats socket` takes it, then bind options separated by
// commas ("/run/sy-master.sock,mode,600,level,admin"). The master CLI's
// sessions start at admin level unless `level` says otherwise.
func ParseMasterSocket(spec string) ([]*StatsSocket, error) {
	parts := strings.Split(spec, ",")
	if parts[0] == "" {
		return nil, fmt.Errorf("-S expects an address or a path to a UNIX socket")
	}
	opts := StatsSocket{UID: -1, GID: -1, Level: "admin", Severity: "none"}
	p := &parser{cfg: &Config{}, res: &Result{}, file: "-S"}
	for i := 1; i < len(parts); i += 2 {
		o := parts[i]
		if _, known := statsSocketOptions[o]; !known || o == "expose-fd" {
			return nil, fmt.Errorf("-S: option '%s' is not supported", o)
		}
		if i+1 >= len(parts) {
			return nil, fmt.Errorf("-S: '%s' : missing value", o)
		}
		if err := opts.set(p, o, parts[i+1]); err != nil {
			return nil, fmt.Errorf("-S: %v", err)
		}
	}
	addrs, err := statsSocketAddrs(parts[0], p.resolve)
	if err != nil {
		return nil, fmt.Errorf("-S: %v", err)
	}
	var out []*StatsSocket
	for _, a := range addrs {
		s := opts
		s.Network, s.Addr = a[0], a[1]
		out = append(out, &s)
	}
	return out, nil
}
