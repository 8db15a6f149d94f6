package proxy

import (
	"time"

	"switchyard/sample"
)

// The timeout fetches of haproxy 2.6: fe_client_timeout, be_server_timeout
// and be_tunnel_timeout read the configuration of the stream's frontend
// and backend; cur_server_timeout and cur_tunnel_timeout the values the
// stream applies, in milliseconds.
//
// As haproxy's: before routing the stream's backend is its frontend, which
// in a frontend section has no server timeout (0); a stream's current
// timeouts are what http-request set-timeout gave it, else the backend's
// once the server connection is established, else 0 (a service, the
// stats page, a request not yet forwarded); once the stream is a tunnel (a
// TCP stream's data phase, an upgraded HTTP connection) with a tunnel
// timeout, that is its server timeout too.

// timeoutScope is what cur_server_timeout and cur_tunnel_timeout need.
type timeoutScope interface {
	curTimeouts() (server, tunnel time.Duration)
}

func (s *httpStream) curTimeouts() (server, tunnel time.Duration) {
	server, tunnel = s.sx.server, s.sx.tunnel
	be := s.backendOf()
	if be == nil || s.t == nil || s.t.lg.srv == nil || s.t.lg.rec.Timers.Connect < 0 {
		return server, tunnel
	}
	if server == 0 {
		server = be.cfg.Timeouts.Server
	}
	if tunnel == 0 {
		tunnel = be.cfg.Timeouts.Tunnel
	}
	if s.sx.tunneling && tunnel > 0 {
		server = tunnel // an upgraded connection runs under timeout tunnel
	}
	return server, tunnel
}

func (t *tcpScope) curTimeouts() (server, tunnel time.Duration) {
	if t.be == nil || !t.connected {
		return 0, 0
	}
	server, tunnel = t.be.cfg.Timeouts.Server, t.be.cfg.Timeouts.Tunnel
	if tunnel > 0 {
		server = tunnel // the data phase runs under timeout tunnel
	}
	return server, tunnel
}

func init() {
	ms := func(d time.Duration) sample.Value { return sample.Int(d.Milliseconds()) }
	scoped := func(name string, src sample.Source, get func(fe *Frontend, be *Backend) time.Duration) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: sample.TypeInt, Src: src,
			Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
				return func(c *sample.Ctx) (sample.Value, bool) {
					sc, ok := c.Owner.(scoper)
					if !ok {
						return sample.Value{}, false
					}
					snap, fe, be := sc.scope()
					return ms(get(fe, currentBackend(snap, fe, be))), true
				}, nil
			}})
	}
	scoped("fe_client_timeout", sample.SrcL4, func(fe *Frontend, _ *Backend) time.Duration { return fe.cfg.Timeouts.Client })
	beTimeout := func(get func(be *Backend) time.Duration) func(*Frontend, *Backend) time.Duration {
		return func(_ *Frontend, be *Backend) time.Duration {
			if be == nil {
				return 0 // a frontend section's: it has no backend side
			}
			return get(be)
		}
	}
	scoped("be_server_timeout", sample.SrcBackend, beTimeout(func(be *Backend) time.Duration { return be.cfg.Timeouts.Server }))
	scoped("be_tunnel_timeout", sample.SrcBackend, beTimeout(func(be *Backend) time.Duration { return be.cfg.Timeouts.Tunnel }))
	cur := func(name string, tunnel bool) {
		sample.RegisterFetch(sample.FetchDef{Name: name, Out: sample.TypeInt, Src: sample.SrcBackend,
			Compile: func(*sample.Env, []sample.Arg) (sample.FetchFunc, error) {
				return func(c *sample.Ctx) (sample.Value, bool) {
					ts, ok := c.Owner.(timeoutScope)
					if !ok {
						return sample.Value{}, false
					}
					server, tun := ts.curTimeouts()
					if tunnel {
						return ms(tun), true
					}
					return ms(server), true
				}, nil
			}})
	}
	cur("cur_server_timeout", false)
	cur("cur_tunnel_timeout", true)
}
