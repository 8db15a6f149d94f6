package acme

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"time"

	"switchyard/config"
	"switchyard/ssl"
)

// task obtains and renews one certificate file. Its goroutine sleeps until
// the certificate is due, or a renewal is asked, or its settings change,
// then runs an attempt; a failed attempt is tried again after the retry
// delays, then, as haproxy's scheduler does, 12 hours later.
type task struct {
	m      *Manager
	path   string
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{} // poked when what the schedule depends on changed

	// Guarded by m.mu.
	cert      *config.ACMECert  // settings in force: section, domains
	leaf      *x509.Certificate // the certificate served (nil: none)
	temporary bool              // leaf is a stand-in: due at once
	running   bool
	renew     bool      // `acme renew` asked: due at once
	failures  int       // failed attempts in a row (retrying while > 0)
	retryAt   time.Time // when failures > 0
	holdUntil time.Time // after the last retry failed: nothing before
	next      time.Time // the next attempt, for `acme status` (zero: none)
}

func (m *Manager) newTask(c *config.ACMECert) *task {
	ctx, cancel := context.WithCancel(m.ctx)
	return &task{m: m, path: c.Path, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
}

// poke wakes the goroutine to look at its schedule again.
func (t *task) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// updateLocked takes a configuration's settings and what it loaded from
// the file. A certificate newer than the one the task knows replaces it
// (the file changed on disk: another process renewed it, or an operator);
// an older one does not (the task's own issuance is newer than a
// configuration read before it).
func (t *task) updateLocked(c *config.ACMECert) {
	t.cert = c
	if c.Cert == nil || c.Cert.TLS.Leaf == nil {
		return
	}
	switch {
	case c.Temporary:
		if t.leaf == nil {
			t.leaf, t.temporary = c.Cert.TLS.Leaf, true
		}
	case t.leaf == nil || t.temporary || c.Cert.TLS.Leaf.NotAfter.After(t.leaf.NotAfter):
		t.leaf, t.temporary = c.Cert.TLS.Leaf, false
	}
}

// renewAt is when a certificate is due, haproxy's rule (acme_will_expire):
// once the time left is under a twelfth of its validity.
func renewAt(leaf *x509.Certificate) time.Time {
	return leaf.NotAfter.Add(-leaf.NotAfter.Sub(leaf.NotBefore) / 12)
}

// dueLocked is when the next attempt runs (zero: not until asked).
func (t *task) dueLocked(now time.Time) time.Time {
	switch {
	case t.renew:
		return now
	case t.failures > 0:
		return t.retryAt
	case t.m.conf.SchedulerOff || len(t.cert.Domains) == 0:
		return time.Time{}
	}
	at := now
	if t.leaf != nil && !t.temporary {
		at = renewAt(t.leaf)
	}
	if t.holdUntil.After(at) {
		at = t.holdUntil
	}
	return at
}

// maxWait caps a sleep: the schedule is looked at again at least this
// often (haproxy's scheduler wakes every 12 hours), whatever the clock
// did meanwhile.
const maxWait = 12 * time.Hour

func (t *task) run() {
	defer t.m.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for t.ctx.Err() == nil {
		t.m.mu.Lock()
		now := time.Now()
		at := t.dueLocked(now)
		t.next = at
		forced := t.renew
		if !at.IsZero() && !at.After(now) {
			t.running, t.renew = true, false
		}
		running := t.running
		t.m.mu.Unlock()
		if running {
			t.attempt(forced)
			continue
		}
		wait := maxWait
		if !at.IsZero() {
			wait = min(at.Sub(now), maxWait)
		}
		timer.Reset(wait)
		select {
		case <-t.ctx.Done():
			return
		case <-t.wake:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// attempt runs one issuance and updates the schedule with its outcome.
func (t *task) attempt(forced bool) {
	m := t.m
	cert, err := t.obtain(forced)
	m.mu.Lock()
	t.running = false
	switch {
	case t.ctx.Err() != nil:
		m.mu.Unlock()
		return
	case err == nil:
		t.failures, t.holdUntil = 0, time.Time{}
		if cert != nil {
			t.leaf, t.temporary = cert.TLS.Leaf, false
		}
	default:
		t.failures++
		n, max := t.failures, len(m.timing.retries)+1
		if t.failures <= len(m.timing.retries) {
			delay := m.timing.retries[t.failures-1]
			var ra retryAfterError
			if errors.As(err, &ra) && ra.after > delay {
				delay = ra.after
			}
			t.retryAt = time.Now().Add(delay)
			m.logf(slog.LevelWarn, t.path, "%v, retrying in %s (%d/%d retries)...", err, delay, n, max)
		} else {
			t.failures = 0
			t.holdUntil = time.Now().Add(m.timing.abort)
			m.logf(slog.LevelError, t.path, "%v Aborting. (%d/%d); next attempt in %s", err, n, max, m.timing.abort)
		}
	}
	t.next = t.dueLocked(time.Now())
	m.mu.Unlock()
	if err == nil && cert != nil && m.OnIssued != nil {
		m.OnIssued(t.path, cert)
	}
	if m.afterAttempt != nil {
		m.afterAttempt(t.path, err)
	}
}

// retryAfterError carries the delay a CA asked for (Retry-After).
type retryAfterError struct {
	error
	after time.Duration
}

func (e retryAfterError) Unwrap() error { return e.error }

// snapshot returns what an attempt needs, read under the lock: the
// certificate's settings, its section and the files' settings.
func (t *task) snapshot() (*config.ACMECert, *config.ACMESection, ssl.ExtraFiles, *x509.Certificate, bool) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.cert, t.m.conf.Section(t.cert.ACME), t.m.extra, t.leaf, t.temporary
}
