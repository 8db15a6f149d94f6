package backend

import "errors"

// `set server B/S ssl on|off`: TLS to a server turned on or off at
// runtime, for the connections made from then on. Like a runtime address
// (addr.go), the change survives reloads while the configuration keeps
// the use_ssl it replaced.

// Errors of SetSSL, haproxy's words.
var (
	ErrSSLDynamic     = errors.New("'set server <srv> ssl' not supported on dynamic servers")
	ErrSSLNotPrepared = errors.New("'set server <srv> ssl' cannot be set.  default-server should define ssl settings")
)

// SetSSL turns TLS to the server on or off. It needs TLS settings
// prepared by the configuration (PreparedTLS), and a configured server.
// Idle connections are closed, as haproxy's srv_cleanup_connections:
// none made the other way is reused (the proxy also compares each pooled
// connection's TLS with the server's).
func (s *Server) SetSSL(on bool) error {
	var err error
	s.admin(func() {
		set := s.Settings()
		switch {
		case set.Dynamic:
			err = ErrSSLDynamic
			return
		case set.PreparedTLS == nil:
			err = ErrSSLNotPrepared
			return
		}
		use := int8(0)
		if on {
			use = 1
		}
		if use == set.UseSSL {
			return // haproxy's srv_set_ssl changes nothing then
		}
		next := *set
		applySSL(&next, use)
		s.useSSL.set(set.UseSSL, use)
		s.set.Store(&next)
	})
	if err == nil {
		s.Pool.FlushIdle()
	}
	return err
}

// applySSL sets use_ssl and the TLS in force that follows from it: -1
// (no-ssl) and 0 are in clear, 1 is TLS.
func applySSL(set *ServerSettings, use int8) {
	set.UseSSL = use
	set.TLS = nil
	if use == 1 {
		set.TLS = set.PreparedTLS
	}
}

// keepSSLOverride applies a runtime `set server … ssl` that a reload keeps
// to the staged settings of the same server.
func (s *Server) keepSSLOverride(set *ServerSettings) {
	if set.PreparedTLS == nil || set.Dynamic {
		return
	}
	if rt, ok := s.useSSL.keep(set.UseSSL); ok {
		applySSL(set, rt)
	}
}
