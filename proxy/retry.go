package proxy

import (
	"context"
	"errors"
	"net"
	"time"

	"switchyard/backend"
	"switchyard/config"
	"switchyard/sample"
)

// retryState follows a request's attempts at its server: `retries` bounds
// them, `option redispatch` lets one go to another server, and a failed
// connection is retried on the same server only after a pause, as haproxy
// does, so that a restarting server is not hammered.
type retryState struct {
	n            int   // retries made (%rc)
	redispatched bool  // one of them went to another server (%rc's '+')
	err          error // why a redispatch found no server
	// direct: persistence chose the server (a cookie, use-server);
	// forced: force-persist holds it there, redispatch or not.
	direct, forced bool
	moved          bool // the last call redispatched
}

// failure is what went wrong with an attempt.
type failure uint8

const (
	failConnError   failure = iota // the connection was refused or reset
	failConnTimeout                // timeout connect struck
	failResponse                   // a retry-on failure after the request was sent
)

// connFailure classifies a failed dial.
func connFailure(err error) failure {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return failConnTimeout
	}
	return failConnError
}

// next prepares the next attempt after a failure on a.Srv, and reports
// whether there is one. On redispatch the slot on the failed server is
// given back and another server assigned; a is updated (a.Srv nil when
// none could be). A retry on the same server after a refused connection
// waits min(1s, timeout connect) first, or until stop is closed or the
// client gives up (abort, option abortonclose; nil: never).
func (rs *retryState) next(be *Backend, a *backend.Assignment, c *sample.Ctx, payload []byte, f failure, stop, abort <-chan struct{}) bool {
	if rs.n >= be.cfg.Retries {
		return false
	}
	if f != failResponse && be.cfg.RetryOn&config.RetryConnFailure == 0 {
		return false
	}
	rs.n++
	srv := a.Srv
	rs.moved = false
	if !rs.forced && be.redispatchNow(srv, rs.n, rs.direct) {
		be.state.Release(srv)
		na, err := be.state.ReassignCtx(context.Background(), c, payload, srv, be.queueTimeout())
		if err != nil {
			na.Srv = nil // a full server queue names it, but holds no slot
			*a, rs.err = na, err
			return false
		}
		rs.redispatched, rs.moved, rs.direct = true, true, false
		if na.Srv != srv {
			srv.C.Redispatches.Add(1)
			be.state.C.Redispatches.Add(1)
		} else {
			srv.C.Retries.Add(1)
			be.state.C.Retries.Add(1)
		}
		*a = na
		return true
	}
	srv.C.Retries.Add(1)
	be.state.C.Retries.Add(1)
	if f == failConnError {
		t := time.NewTimer(be.retryPause())
		defer t.Stop()
		select {
		case <-t.C:
		case <-stop:
		case <-abort:
		}
	}
	return true
}

// redispatchNow is haproxy's stream_choose_redispatch: with option
// redispatch, the retry goes to another server when the failed one is not
// up, when the interval says so (every Nth retry, or the Nth before the
// last), or when nothing binds the request to it and an algorithm that does
// not hash has other servers to offer.
func (be *Backend) redispatchNow(srv *backend.Server, retries int, direct bool) bool {
	every := be.cfg.Redispatch
	if every == 0 {
		return false
	}
	if !srv.Usable() {
		return true
	}
	if every > 0 && retries%every == 0 {
		return true
	}
	if every < 0 {
		if m := be.cfg.Retries + 1 + every; m > 0 && retries%m == 0 {
			return true
		}
	}
	// haproxy 2.6.12 (406efb96d) does this for every algorithm that does
	// not hash: retrying the same server there brings nothing.
	act, _ := be.state.Counts()
	return !direct && act > 1 && !be.cfg.Balance.Hashes()
}

// retryPause is how long a connection retry on the same server waits:
// min(1s, timeout connect).
func (be *Backend) retryPause() time.Duration {
	d := time.Second
	if c := be.cfg.Timeouts.Connect; c > 0 && c < d {
		d = c
	}
	return d
}
