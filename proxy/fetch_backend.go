package proxy

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/sample"
	"switchyard/ssl"
)

// The fetches that read the state of backends, servers and frontends:
// nbsrv, be_conn, queue, srv_is_up, fe_conn… They name their object, or
// mean the stream's own; the object is found in the stream's snapshot at
// run time, and its existence is checked at load.

// scoper is what these fetches need of a stream: its snapshot, frontend
// and current backend (nil before routing).
type scoper interface {
	scope() (*Snapshot, *Frontend, *Backend)
}

func (s *httpStream) scope() (*Snapshot, *Frontend, *Backend) { return s.snap, s.fe, s.backendOf() }

// tcpScope is the scope of a TCP stream.
type tcpScope struct {
	snap *Snapshot
	fe   *Frontend
	be   *Backend
	// l6 is the stream's payload for the content rules and the fetches
	// that read it (sample.Ctx.L6).
	l6 sample.Payload
	// tls is the server connection's handshake (ssl_bc_*), nil in clear.
	tls *tls.ConnectionState
	// randoms are its hellos' randoms (ssl_bc_*_random).
	randoms *ssl.Randoms
	// client is the client connection (ssl_f_*).
	client net.Conn
	// trk are the stick counters tracked (stick.go).
	trk *stickState
	// lua is what a Lua rule decided for the stream (lua_tcp.go).
	lua *luaTCP
	// logLevel is txn:set_loglevel's: 0 none, level+1, -1 silent.
	logLevel int
	// connected says the server connection is established
	// (cur_server_timeout).
	connected bool
}

func (t *tcpScope) backTLS() *tls.ConnectionState { return t.tls }

func (t *tcpScope) backRandoms() *ssl.Randoms { return t.randoms }

func (t *tcpScope) scope() (*Snapshot, *Frontend, *Backend) { return t.snap, t.fe, t.be }

func (l *tcpLog) scope() (*Snapshot, *Frontend, *Backend) { return l.tcpScope.scope() }

// currentBackend is the backend a fetch without argument means: the one
// the stream was routed to, or, before routing, the frontend's own when it
// is a listen section (haproxy's stream backend is the frontend then).
func currentBackend(snap *Snapshot, fe *Frontend, be *Backend) *Backend {
	if be != nil {
		return be
	}
	return snap.backends[fe.Name]
}

func init() {
	beNum := func(name string, get func(b *Backend) int64) {
		scopedFetch(name, "backend", func(named string, snap *Snapshot, fe *Frontend, be *Backend) (sample.Value, bool) {
			if named != "" {
				be = snap.backends[named]
			} else {
				be = currentBackend(snap, fe, be)
			}
			if be == nil {
				return sample.Int(0), true // a frontend has no servers
			}
			return sample.Int(get(be)), true
		})
	}
	beNum("nbsrv", func(b *Backend) int64 { return int64(b.state.Usable()) })
	beNum("be_conn", func(b *Backend) int64 { return int64(b.state.Conns()) })
	beNum("be_conn_free", func(b *Backend) int64 { return b.state.FreeSlots(false) })
	beNum("connslots", func(b *Backend) int64 { return b.state.FreeSlots(true) })
	beNum("be_sess_rate", func(b *Backend) int64 { return b.state.C.SessRate.PerSecond() })
	beNum("queue", func(b *Backend) int64 { return int64(b.state.Queued()) })
	beNum("avg_queue", func(b *Backend) int64 {
		q := int64(b.state.Queued())
		act, _ := b.state.Counts()
		if act == 0 {
			return 2 * q // as haproxy: a server should be back soon
		}
		return q / int64(act)
	})

	srv := func(name string, out sample.Type, get func(s *backend.Server) sample.Value) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Args: []sample.ArgType{sample.ArgStr}, MinArgs: 1, Out: out, Src: sample.SrcL4,
			Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
				beName, srvName, named := strings.Cut(args[0].Str, "/")
				if !named {
					if env != nil && env.InDefaults {
						return nil, fmt.Errorf("backend name must be set in arg 1 of sample fetch keyword '%s' in a defaults section", name)
					}
					beName, srvName = "", args[0].Str
				}
				if beName != "" {
					if err := checkServer(env, beName, srvName); err != nil {
						return nil, err
					}
				}
				return func(c *sample.Ctx) (sample.Value, bool) {
					sc, ok := c.Owner.(scoper)
					if !ok {
						return sample.Value{}, false
					}
					snap, fe, be := sc.scope()
					if beName != "" {
						be = snap.backends[beName]
					} else {
						be = currentBackend(snap, fe, be)
					}
					if be == nil {
						return sample.Value{}, false
					}
					s := be.byName[srvName]
					if s == nil {
						return sample.Value{}, false
					}
					return get(s), true
				}, nil
			}})
	}
	srv("srv_is_up", sample.TypeBool, func(s *backend.Server) sample.Value { return sample.Bool(s.Up()) })
	srv("srv_conn", sample.TypeInt, func(s *backend.Server) sample.Value { return sample.Int(s.Cur.Load()) })
	srv("srv_sess_rate", sample.TypeInt, func(s *backend.Server) sample.Value { return sample.Int(s.C.SessRate.PerSecond()) })
	srv("srv_queue", sample.TypeInt, func(s *backend.Server) sample.Value { return sample.Int(int64(s.QueueLen())) })
	srv("srv_conn_free", sample.TypeInt, func(s *backend.Server) sample.Value {
		max, _ := s.Limits() // an agent's maxconn:N counts
		if max == 0 {
			return sample.Int(-1)
		}
		return sample.Int(int64(max) - s.Cur.Load())
	})

	feNum := func(name string, get func(f *Frontend) int64) {
		scopedFetch(name, "frontend", func(named string, snap *Snapshot, fe *Frontend, _ *Backend) (sample.Value, bool) {
			if named != "" {
				fe = snap.frontendByName(named)
			}
			if fe == nil {
				return sample.Value{}, false
			}
			return sample.Int(get(fe)), true
		})
	}
	feNum("fe_conn", func(f *Frontend) int64 { return int64(f.slotsNow().current()) })
	feNum("fe_req_rate", func(f *Frontend) int64 { return f.counters.ReqRate.PerSecond() })
}

// scopedFetch registers an integer fetch of the stream's scope whose
// optional argument names a backend or frontend (kind), checked at load;
// get reads the value once the scope is known ("" named: the stream's own).
func scopedFetch(name, kind string, get func(named string, snap *Snapshot, fe *Frontend, be *Backend) (sample.Value, bool)) {
	sample.RegisterFetch(sample.FetchDef{Name: name, Args: []sample.ArgType{sample.ArgStr}, Out: sample.TypeInt, Src: sample.SrcL4,
		Compile: func(env *sample.Env, args []sample.Arg) (sample.FetchFunc, error) {
			named, err := namedObject(env, args, kind)
			if err != nil {
				return nil, err
			}
			return func(c *sample.Ctx) (sample.Value, bool) {
				sc, ok := c.Owner.(scoper)
				if !ok {
					return sample.Value{}, false
				}
				snap, fe, be := sc.scope()
				return get(named, snap, fe, be)
			}, nil
		}})
}

// namedObject reads a fetch's optional name of a backend or frontend
// (kind), checked at load; "" means the stream's own.
func namedObject(env *sample.Env, args []sample.Arg, kind string) (string, error) {
	if len(args) == 0 || args[0].Str == "" {
		return "", nil
	}
	return args[0].Str, checkObject(env, kind, args[0].Str)
}

// checkObject checks at the end of the configuration that a fetch's named
// backend or frontend exists.
func checkObject(env *sample.Env, kind, name string) error {
	return laterCheck(env, func() error {
		if env.Lookup == nil || env.Lookup(kind, name) == nil {
			return fmt.Errorf("no such %s: '%s'", kind, name)
		}
		return nil
	})
}

// checkServer checks that a backend has the named server.
func checkServer(env *sample.Env, be, srv string) error {
	return laterCheck(env, func() error {
		if env.Lookup == nil {
			return fmt.Errorf("no such backend: '%s'", be)
		}
		px, _ := env.Lookup("backend", be).(*config.Proxy)
		if px == nil {
			return fmt.Errorf("no such backend: '%s'", be)
		}
		for _, s := range px.Servers {
			if s.Name == srv {
				s.Referenced = true // del server must keep it
				return nil
			}
		}
		return fmt.Errorf("no such server: '%s/%s'", be, srv)
	})
}

func laterCheck(env *sample.Env, check func() error) error {
	if env == nil {
		return nil // compiled outside a configuration (tests): nothing to check against
	}
	if env.Later == nil {
		return check()
	}
	env.Later(check)
	return nil
}
