// Package acme obtains and renews the certificates that a configuration's
// acme sections manage (haproxy 3.2's ACME, configuration.txt 12.8; see
// docs/tls.md, "ACME"). The protocol (RFC 8555) is golang.org/x/crypto/acme:
// the Go team's client, small, with no dependency beyond x/crypto, used by
// autocert; everything around it (when to renew, where the certificate
// goes, how challenges are answered) is haproxy's design and is here.
//
// One Manager lives as long as the process. It keeps one task per
// certificate file, across reloads: a configuration put in service
// (Apply) adds the tasks of new files, updates the settings of the others
// and ends those of files no longer named, so a reload in the middle of an
// issuance neither starts a second one nor loses the first.
//
// A new certificate is handed off in two ways: it is written to its file
// atomically (a temporary file renamed over it, so a reader sees the old
// file or the new one), which is where other processes sharing the disk
// and the certificate-file watcher find it; and OnIssued is called, so that
// the running process can serve it at once.
package acme

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"switchyard/config"
	"switchyard/sample"
	"switchyard/ssl"
)

// Manager runs the ACME tasks of the process.
type Manager struct {
	Log *slog.Logger
	// OnIssued, when set, is called once a new certificate is in its
	// file: after an issuance, or when another process sharing the disk
	// put one there. It runs on the task's goroutine, without locks held;
	// it may call Apply.
	OnIssued func(path string, cert *ssl.Cert)
	// Map returns the running configuration's map (or pattern file) of
	// that name, where HTTP-01 tokens are put; nil when there is none.
	Map func(name string) *sample.PatternRef
	// HTTPClient talks to the CAs (nil: a client with a minute's
	// timeout, the system's roots and proxy settings).
	HTTPClient *http.Client

	timing timing
	// afterAttempt, in tests, learns each attempt's outcome.
	afterAttempt func(path string, err error)

	mu      sync.Mutex
	tasks   map[string]*task // by certificate path
	conf    *config.ACME     // the configuration in force
	extra   ssl.ExtraFiles   // its ssl-load-extra-files, to read a new file as the binds do
	crtBase string
	stopped bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	keyMu sync.Mutex // account keys are made one at a time

	alpnMu sync.Mutex
	alpn   map[string]*tls.Certificate // TLS-ALPN-01 certificates by domain
}

// timing is the schedule's constants; tests shorten them.
type timing struct {
	// retries are the delays after each failed attempt: haproxy's
	// ACME_RETRY (5 attempts) with its delay tripled each time from 3s.
	retries []time.Duration
	// abort is how long after the last retry the next attempt comes:
	// haproxy's scheduler wakes every 12 hours.
	abort time.Duration
	// attempt bounds one issuance.
	attempt time.Duration
	// lockStale is the age past which another process's lock is taken
	// over (it died while issuing).
	lockStale time.Duration
}

var defaultTiming = timing{
	retries:   []time.Duration{3 * time.Second, 9 * time.Second, 27 * time.Second, 81 * time.Second},
	abort:     12 * time.Hour,
	attempt:   10 * time.Minute,
	lockStale: 15 * time.Minute,
}

// New returns a manager with no certificates; Apply gives it some.
func New(log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{Log: log, timing: defaultTiming, tasks: map[string]*task{}, conf: &config.ACME{},
		ctx: ctx, cancel: cancel, alpn: map[string]*tls.Certificate{}}
}

// Apply puts a configuration's ACME settings in service: account keys
// that do not exist are made (haproxy makes them when it reads the
// configuration; switchyard changes nothing on disk before the
// configuration is in force), tasks start for new certificates, the
// others take the new settings, and those of certificates the
// configuration no longer names end.
func (m *Manager) Apply(cfg *config.Config) {
	a := config.ACMEOf(&cfg.Global)
	m.mu.Lock()
	stopped := m.stopped
	m.mu.Unlock()
	if stopped {
		return
	}
	for _, s := range a.Sections {
		if !s.AccountKeyExists {
			if _, err := m.accountKey(s); err != nil {
				m.Log.Error(fmt.Sprintf("acme: %v", err))
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	if len(a.Certs) > 0 {
		ssl.SetALPNChallenge(m.alpnCert)
	}
	m.conf, m.extra, m.crtBase = a, cfg.Global.SSL.Extra, cfg.Global.SSL.CrtBase
	named := map[string]bool{}
	for _, c := range a.Certs {
		named[c.Path] = true
		t := m.tasks[c.Path]
		if t == nil {
			t = m.newTask(c)
			m.tasks[c.Path] = t
			m.wg.Add(1)
			go t.run()
		}
		t.updateLocked(c)
	}
	for path, t := range m.tasks {
		if !named[path] {
			// Not waited for: Apply may run on that very task's
			// goroutine (OnIssued reloading).
			t.cancel()
			delete(m.tasks, path)
		}
	}
	for _, t := range m.tasks {
		t.poke()
	}
}

// Stop ends every task, an issuance in progress included (its challenge
// entries are removed, its lock released), and waits for them.
func (m *Manager) Stop() {
	m.mu.Lock()
	m.stopped = true
	m.cancel()
	m.mu.Unlock()
	m.wg.Wait()
	ssl.SetALPNChallenge(nil)
}

// Renew starts an issuance of the certificate at path now, whatever its
// expiry and the scheduler (the runtime API's `acme renew`). The errors
// are haproxy 3.2's.
func (m *Manager) Renew(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tasks[path]
	switch {
	case t == nil:
		return fmt.Errorf("Can't find the certificate '%s'.", path)
	case t.running || t.renew:
		return fmt.Errorf("An ACME task is already running for certificate '%s'.Can't start the ACME client.", path)
	case len(t.cert.Domains) == 0:
		return fmt.Errorf("No 'domains' were configured for certificate. Can't start the ACME client.")
	}
	t.renew = true
	t.poke()
	return nil
}

// alpnCert is the TLS-ALPN-01 answerer (ssl.SetALPNChallenge).
func (m *Manager) alpnCert(name string) *tls.Certificate {
	m.alpnMu.Lock()
	defer m.alpnMu.Unlock()
	return m.alpn[name]
}

func (m *Manager) setALPNCert(domain string, c *tls.Certificate) {
	m.alpnMu.Lock()
	defer m.alpnMu.Unlock()
	domain = strings.ToLower(domain)
	if c == nil {
		delete(m.alpn, domain)
		return
	}
	m.alpn[domain] = c
}

func (m *Manager) httpClient() *http.Client {
	if m.HTTPClient != nil {
		return m.HTTPClient
	}
	return defaultHTTPClient
}

var defaultHTTPClient = &http.Client{Timeout: time.Minute}

// logf writes a line of the process log in haproxy's words: "acme: PATH:
// what happened".
func (m *Manager) logf(level slog.Level, path, format string, args ...any) {
	m.Log.Log(context.Background(), level, "acme: "+path+": "+fmt.Sprintf(format, args...))
}
