package proxy

import (
	"bytes"
	"strings"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/sample"
)

// The converters nbsrv and srv_queue: the state of a backend or server
// named by the sample, looked up at run time (an unknown name is no
// sample), as haproxy's proxy_find_by_name and server_find_by_name find
// them: by name, or by numeric id after '#'.

func init() {
	sample.RegisterConverter(sample.ConverterDef{Name: "nbsrv", In: sample.TypeStr, Out: sample.TypeInt,
		Compile: func(*sample.Env, []sample.Arg) (sample.ConvFunc, error) {
			return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
				sc, ok := c.Owner.(scoper)
				if !ok {
					return sample.Value{}, false
				}
				snap, _, _ := sc.scope()
				be := findBackend(snap, cString(v.Str))
				if be == nil {
					return sample.Value{}, false
				}
				return sample.Int(int64(be.state.Usable())), true
			}, nil
		}})
	sample.RegisterConverter(sample.ConverterDef{Name: "srv_queue", In: sample.TypeStr, Out: sample.TypeInt,
		Compile: func(*sample.Env, []sample.Arg) (sample.ConvFunc, error) {
			return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
				sc, ok := c.Owner.(scoper)
				if !ok {
					return sample.Value{}, false
				}
				snap, fe, be := sc.scope()
				name := cString(v.Str)
				if beName, srvName, named := strings.Cut(name, "/"); named {
					be, name = findBackend(snap, beName), srvName
				} else {
					be = ownBackend(snap, fe, be)
				}
				if be == nil {
					return sample.Value{}, false
				}
				s := findServer(be, name)
				if s == nil {
					return sample.Value{}, false
				}
				return sample.Int(int64(s.QueueLen())), true
			}, nil
		}})
}

// cString is the sample as C reads it: up to its first NUL byte.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// ownBackend is the proxy haproxy evaluates the stream's samples for when
// it has servers: the backend the stream was routed to, or before routing
// its frontend if that is a listen section; nil for a frontend alone.
func ownBackend(snap *Snapshot, fe *Frontend, be *Backend) *Backend {
	if be != nil {
		return be
	}
	if fe != nil && fe.cfg.Cap&config.CapBE != 0 {
		return snap.backends[fe.Name]
	}
	return nil
}

// findBackend finds a backend (or listen section) by name, or by id with
// "#ID" (the number read as C's atoi).
func findBackend(snap *Snapshot, name string) *Backend {
	if id, ok := strings.CutPrefix(name, "#"); ok {
		n := atoi(id)
		for _, be := range snap.backends {
			if be.cfg.ID == n {
				return be
			}
		}
		return nil
	}
	return snap.backends[name]
}

// findServer finds a backend's server by name, or by id with "#ID".
func findServer(be *Backend, name string) *backend.Server {
	if id, ok := strings.CutPrefix(name, "#"); ok {
		n := atoi(id)
		for _, s := range be.servers {
			if !s.Implicit() && s.Settings().ID == n {
				return s
			}
		}
		return nil
	}
	return be.byName[name]
}

// atoi is C's: leading spaces, a sign, the digits that follow; 0 when
// none.
func atoi(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n
}
