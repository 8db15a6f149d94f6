package proxy

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchyard/config"
	"switchyard/ssl"
)

// Certificate expiry in the process log (docs/tls.md, "Certificate
// expiry"): the log warns when a certificate a bind serves comes within
// 30, 7 and 1 days of its expiry, and when it expires; once per threshold
// and certificate in the life of the process, however many reloads
// re-read it. A certificate already past a threshold when it is first
// served gets one warning, for the closest threshold it is past. A
// certificate is its file and its serial number: a renewed one (same
// file, new serial) is watched afresh.

// ServedCert is a certificate a TLS bind serves.
type ServedCert struct {
	Proxy string
	// Listener names the bind as its listener row does: its `name`, or
	// "sock-N" by its position in the proxy.
	Listener string
	Cert     *ssl.Cert
}

// servedCerts lists the certificates the TLS binds of the proxies serve,
// in configuration order, each once per bind (a file may be named by a
// `crt` and by crt-list lines).
func servedCerts(proxies []*config.Proxy) []ServedCert {
	var out []ServedCert
	for _, px := range proxies {
		if px.Cap&config.CapFE == 0 {
			continue
		}
		for i, b := range px.Binds {
			if !b.SSL || b.TLSServer == nil {
				continue
			}
			name := b.Name
			if name == "" {
				name = "sock-" + strconv.Itoa(i+1)
			}
			seen := map[certKey]bool{}
			for _, e := range b.TLSServer.Entries() { // in service: the runtime API may have changed them
				k := keyOf(e.Cert)
				if !seen[k] {
					seen[k] = true
					out = append(out, ServedCert{Proxy: px.Name, Listener: name, Cert: e.Cert})
				}
			}
		}
	}
	return out
}

// Certificates are the certificates the snapshot's TLS binds serve now,
// in configuration order, each once per bind.
func (s *Snapshot) Certificates() []ServedCert { return servedCerts(s.proxies) }

// clientCerts are the certificates the servers in service present
// (`server … crt`, `add server … crt`), for the certificate store.
func (rt *Runtime) clientCerts() []*ssl.ClientCert {
	snap := rt.Snapshot()
	if snap == nil {
		return nil
	}
	var out []*ssl.ClientCert
	for _, be := range snap.backends {
		if be.state == nil {
			continue
		}
		for _, s := range be.state.Servers() {
			if t := s.Settings().PreparedTLS; t != nil && t.Cert != nil {
				out = append(out, t.Cert)
			}
		}
	}
	return out
}

// tlsServers are the TLS sides of the snapshot's binds, for the
// certificate store.
func (s *Snapshot) tlsServers() []*ssl.Server {
	var out []*ssl.Server
	for _, px := range s.proxies {
		for _, b := range px.Binds {
			if b.SSL && b.TLSServer != nil {
				out = append(out, b.TLSServer)
			}
		}
	}
	return out
}

// certKey identifies a certificate across reloads.
type certKey struct{ path, serial string }

func keyOf(c *ssl.Cert) certKey { return certKey{c.Path, c.Serial()} }

// certWarnBefore are the thresholds, furthest first: a certificate's
// stage counts those it is past, and len(certWarnBefore)+1 is expired.
var certWarnBefore = [...]time.Duration{30 * 24 * time.Hour, 7 * 24 * time.Hour, 24 * time.Hour}

const certExpired = len(certWarnBefore) + 1

// certRecheck bounds the wait for the next threshold: a timer counts on
// the monotonic clock, which stands still while the machine sleeps and
// ignores steps of the wall clock that certificate dates are in, so the
// dates are looked at again at least this often (a few certificates
// compared, once an hour).
const certRecheck = time.Hour

// clock is the time the expiry watch reads and waits on; tests give it
// one they move by hand.
type clock interface {
	Now() time.Time
	// Timer sends on the channel once the time is at (at once if it is
	// past); stop cancels.
	Timer(at time.Time) (c <-chan time.Time, stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Timer(at time.Time) (<-chan time.Time, func() bool) {
	t := time.NewTimer(time.Until(at))
	return t.C, t.Stop
}

// certWatch is the expiry watch. Its state lives as long as the runtime,
// so that a reload does not repeat warnings.
type certWatch struct {
	log   *slog.Logger
	clock clock

	mu    sync.Mutex
	certs []watched // served by the configuration in force
	// stage is, per certificate ever served, how many thresholds were
	// warned about (certExpired: its expiry too).
	stage map[certKey]int
	next  time.Time // the earliest threshold to come; zero: none
	kick  chan struct{}
}

// watched is one certificate and the binds serving it.
type watched struct {
	key      certKey
	cert     *ssl.Cert
	servedBy []string // "proxy/listener"
}

func newCertWatch(log *slog.Logger, c clock) *certWatch {
	return &certWatch{log: log, clock: c, stage: map[certKey]int{}, kick: make(chan struct{}, 1)}
}

// update puts the certificates of a new configuration under watch and
// warns at once about those past a threshold not yet warned about.
func (w *certWatch) update(served []ServedCert) {
	var certs []watched
	at := map[certKey]int{}
	for _, s := range served {
		k := keyOf(s.Cert)
		i, ok := at[k]
		if !ok {
			i = len(certs)
			at[k] = i
			certs = append(certs, watched{key: k, cert: s.Cert})
		}
		certs[i].servedBy = append(certs[i].servedBy, s.Proxy+"/"+s.Listener)
	}
	w.mu.Lock()
	w.certs = certs
	w.checkLocked(w.clock.Now())
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// check warns about the thresholds passed at now and sets the next one.
func (w *certWatch) check(now time.Time) {
	w.mu.Lock()
	w.checkLocked(now)
	w.mu.Unlock()
}

func (w *certWatch) checkLocked(now time.Time) {
	w.next = time.Time{}
	for i := range w.certs {
		c := &w.certs[i]
		st := stageAt(c.cert, now)
		if st > w.stage[c.key] {
			w.stage[c.key] = st
			w.warn(c, st, now)
		}
		if t, ok := nextStage(c.cert, max(st, w.stage[c.key])); ok && (w.next.IsZero() || t.Before(w.next)) {
			w.next = t
		}
	}
}

// stageAt is how many thresholds c is past at now (certExpired once
// expired).
func stageAt(c *ssl.Cert, now time.Time) int {
	if c.Expired(now) {
		return certExpired
	}
	left := c.NotAfter().Sub(now)
	st := 0
	for _, d := range certWarnBefore {
		if left <= d {
			st++
		}
	}
	return st
}

// nextStage is when c reaches the stage after st.
func nextStage(c *ssl.Cert, st int) (time.Time, bool) {
	switch {
	case st < len(certWarnBefore):
		return c.NotAfter().Add(-certWarnBefore[st]), true
	case st < certExpired:
		return c.NotAfter(), true
	}
	return time.Time{}, false
}

func (w *certWatch) warn(c *watched, st int, now time.Time) {
	attrs := []any{"file", c.cert.Path, "serial", c.cert.Serial(),
		"not_after", c.cert.NotAfter().UTC().Format(time.RFC3339),
		"served_by", strings.Join(c.servedBy, ",")}
	if st == certExpired {
		w.log.Error("TLS certificate has expired; clients refuse it", attrs...)
		return
	}
	attrs = append(attrs, "expires_in", c.cert.NotAfter().Sub(now).Round(time.Minute).String())
	w.log.Warn(fmt.Sprintf("TLS certificate expires within %s", days(certWarnBefore[st-1])), attrs...)
}

func days(d time.Duration) string {
	if n := int(d / (24 * time.Hour)); n != 1 {
		return strconv.Itoa(n) + " days"
	}
	return "1 day"
}

// run waits for the next threshold, and for new configurations, until
// stop is closed.
func (w *certWatch) run(stop <-chan struct{}) {
	for {
		w.mu.Lock()
		next := w.next
		w.mu.Unlock()
		var fire <-chan time.Time
		cancel := func() bool { return false }
		if !next.IsZero() {
			if recheck := w.clock.Now().Add(certRecheck); recheck.Before(next) {
				next = recheck
			}
			fire, cancel = w.clock.Timer(next)
		}
		select {
		case <-stop:
			cancel()
			return
		case <-w.kick:
			cancel()
		case <-fire:
			w.check(w.clock.Now())
		}
	}
}
