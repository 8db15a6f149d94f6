package counters

import "sync/atomic"

// TLS handshakes, counted as haproxy 2.6 counts them: on the object the
// connection belongs to (a listener and its frontend, or a server and its
// backend) in its "ssl" stats module, and process-wide for `show info`.
// Each event is a few atomic adds: nothing is allocated or locked on the
// handshake path.

// SSL are the counters of haproxy's "ssl" stats module, which frontends,
// listeners, backends and servers all have (the show stat columns
// ssl_sess, ssl_reused_sess, ssl_failed_handshake).
type SSL struct {
	Sess            atomic.Uint64 // handshakes that made a new session: a full handshake, a new key
	ReusedSess      atomic.Uint64 // handshakes that resumed a session
	FailedHandshake atomic.Uint64 // handshakes that failed: a close, an alert, bytes that are not TLS (a timeout is not counted, as in haproxy)
}

// clear zeroes the module's counters. haproxy registers the module as
// clearable: `clear counters` resets it, not only `clear counters all`.
func (s *SSL) clear() {
	s.Sess.Store(0)
	s.ReusedSess.Store(0)
	s.FailedHandshake.Store(0)
}

// TLSProcess are the process's TLS counters: `show info`'s CurrSslConns,
// CumSslConns, SslRate, SslFrontendKeyRate, SslBackendKeyRate and their
// maxima, and the exporter's haproxy_process_*ssl* metrics.
type TLSProcess struct {
	// cur and cum count the TLS endpoints, client and server sides alike:
	// open now, and opened since start. An endpoint counts from the moment
	// the connection is set up to speak TLS (accepted on an ssl bind, or
	// about to connect to an ssl server), handshake done or not, as
	// haproxy counts its SSL contexts.
	cur atomic.Int64
	cum atomic.Uint64
	// Accepts are the connections accepted on ssl binds that the
	// tcp-request connection rules let through (SslRate, MaxSslRate).
	Accepts Rate
	// FrontKeys and BackKeys are the full handshakes (new sessions) made
	// with clients and with servers (SslFrontendKeyRate, SslBackendKeyRate
	// and their maxima).
	FrontKeys, BackKeys Rate
}

// Open counts a TLS endpoint set up; Close counts its end. Every Open is
// followed by exactly one Close.
func (p *TLSProcess) Open() {
	p.cur.Add(1)
	p.cum.Add(1)
}

// Close counts the end of an endpoint counted by Open.
func (p *TLSProcess) Close() { p.cur.Add(-1) }

// Current returns the endpoints open (CurrSslConns).
func (p *TLSProcess) Current() uint64 { return uint64(max(p.cur.Load(), 0)) }

// Total returns the endpoints opened since start (CumSslConns).
func (p *TLSProcess) Total() uint64 { return p.cum.Load() }

// Handshake counts a handshake's outcome on a frontend or backend (px) and
// on its listener or server (obj), either of which may be nil: a failure,
// or a success that resumed a session or made a new one; a new one counts
// in the process's key rate of its side (back: made with a server).
func (p *TLSProcess) Handshake(px, obj *SSL, back, ok, resumed bool) {
	var pick func(*SSL) *atomic.Uint64
	switch {
	case !ok:
		pick = failedHandshake
	case resumed:
		pick = reusedSess
	default:
		pick = sess
		if back {
			p.BackKeys.Add()
		} else {
			p.FrontKeys.Add()
		}
	}
	if px != nil {
		pick(px).Add(1)
	}
	if obj != nil {
		pick(obj).Add(1)
	}
}

func sess(s *SSL) *atomic.Uint64            { return &s.Sess }
func reusedSess(s *SSL) *atomic.Uint64      { return &s.ReusedSess }
func failedHandshake(s *SSL) *atomic.Uint64 { return &s.FailedHandshake }

// FrontendReusePct is SslFrontendSessionReuse_pct: the share of the
// connections accepted on ssl binds over the last second that did not
// need a new key, from the rates as fractions, truncated to a whole
// percent (0 when no connection came).
func (p *TLSProcess) FrontendReusePct() uint64 {
	conns := p.Accepts.PerSecondFloat()
	keys := p.FrontKeys.PerSecondFloat()
	if keys >= conns {
		return 0
	}
	return uint64(100 * (1 - keys/conns))
}

// ClearMax forgets the per-second maxima (`clear counters`, with or
// without all: the endpoint counts stay).
func (p *TLSProcess) ClearMax() {
	p.Accepts.ClearMax()
	p.FrontKeys.ClearMax()
	p.BackKeys.ClearMax()
}
