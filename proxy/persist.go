package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/internal/hashfn"
	"switchyard/persist"
)

// Persistence: what binds a request to a server besides the balancer.
// force-persist and ignore-persist decide whether persistence counts (and
// for a down server); use-server rules come first; then the persistence
// cookie (package persist) names a server, and rewrites the request's
// Cookie as its mode says. The response side inserts or rewrites the
// cookie.

// persistence returns the server the request must go to, or nil to
// balance, and whether persistence was forced (force-persist: no
// redispatch away from it).
func (s *httpStream) persistence(be *Backend) (srv *backend.Server, forced bool) {
	if be.cookie == nil && len(be.cfg.UseServers) == 0 && be.stick == nil {
		return nil, false
	}
	ignore := false
	// The first force-persist or ignore-persist rule that matches
	// decides, in declaration order across both kinds, as in haproxy.
	for _, r := range be.cfg.PersistRules {
		if r.Cond.Eval(&s.ctx) {
			forced, ignore = r.Force, !r.Force
			break
		}
	}
	keepDown := be.cfg.Persist || forced
	for _, us := range be.cfg.UseServers {
		if !us.Cond.Eval(&s.ctx) {
			continue
		}
		if c := be.byName[us.Server]; c.Up() || keepDown {
			srv = c
			break
		}
	}
	if be.cookie == nil {
		return s.stickMatch(be, srv, keepDown), forced
	}
	tx := &s.t.ck
	tx.Reset()
	tx.Ignore, tx.Assigned = ignore, srv != nil
	be.cookie.Request(tx, &s.t.req, time.Now(), func(v []byte) persist.Match {
		i, m := persist.Choose(be.cookieValues, v, func(i int) bool { return be.servers[i].Up() }, keepDown)
		if m == persist.ServerUp || m == persist.ServerForced {
			srv = be.servers[i]
		}
		return m
	})
	return s.stickMatch(be, srv, keepDown), forced
}

// cookieResponse applies the persistence cookie to the server's response
// (insert, rewrite, prefix, indirect removal).
func (s *httpStream) cookieResponse(be *Backend, srv *backend.Server) {
	if be.cookie != nil {
		// A backend's implicit server is no server: haproxy inserts
		// no cookie for its responses.
		be.cookie.Response(&s.t.ck, &s.t.resp, srv != nil && !srv.Implicit(), srv.Settings().Cookie, time.Now())
	}
}

// serverCookie is a server's persistence cookie value: its `cookie`, or,
// under `cookie … dynamic` with a dynamic-cookie-key, haproxy's
// 16-hex-digit XXH64 of the key, the server's IPv4 or IPv6 address and its
// port in network order, so that every load balancer with the same key
// gives a server the same cookie.
func serverCookie(px *config.Proxy, sc *config.Server) string {
	if sc.Cookie != "" || px.Cookie == nil || !px.Cookie.Dynamic() || px.DynamicCookieKey == "" {
		return sc.Cookie
	}
	ap, err := netip.ParseAddrPort(sc.Addr)
	if err != nil {
		return ""
	}
	a := ap.Addr()
	if a.Is4In6() {
		a = a.Unmap()
	}
	b := append([]byte(px.DynamicCookieKey), a.AsSlice()...)
	b = binary.BigEndian.AppendUint32(b, uint32(sc.Port))
	return fmt.Sprintf("%016x", hashfn.XXH64(b))
}

// cutCode is the termination code of a stream cut by a server state
// change: 'D' when its server went down, 'U' when an active server came up
// and it was on a backup.
func cutCode(cause error) byte {
	if errors.Is(cause, backend.ErrServerUp) {
		return 'U'
	}
	return 'D'
}

// attachCut registers the current request with its server, so that
// on-marked-down / on-marked-up can cut it; detach ends that.
func (s *httpStream) attachCut(srv *backend.Server) (detach func()) {
	if s.cutFn == nil {
		s.cutFn = func(cause error) {
			s.cutBy.Store(&cause)
			s.cc.forceClose()
		}
	}
	return srv.AttachStream(s.cutFn)
}

// logCut overrides the termination state of a request cut by a server
// state change.
func (s *httpStream) logCut() {
	if p := s.cutBy.Swap(nil); p != nil && s.t.lg.on {
		s.t.lg.rec.Term = [2]byte{cutCode(*p), 'D'}
	}
}

// logCookie notes the cookie's %tsc characters.
func (s *httpStream) logCookie(be *Backend) {
	if be != nil && be.cookie != nil && s.t.lg.on {
		c3, c4 := be.cookie.Tsc(&s.t.ck)
		s.t.lg.rec.CookieState = [2]byte{c3, c4}
	}
}
