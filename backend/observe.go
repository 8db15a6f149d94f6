package backend

import (
	"fmt"

	"switchyard/check"
)

// observe: the data plane reports the outcome of each connection and
// response to a server, and error-limit consecutive errors act on the
// server's health check as `on-error` says (haproxy's health_adjust).

// ObserveMode is `observe`: which outcomes count.
type ObserveMode uint8

const (
	ObserveNone   ObserveMode = iota
	ObserveLayer4             // connections: established or not
	ObserveLayer7             // connection failures and HTTP responses (HTTP backends only)
)

// OnError is `on-error`: what error-limit consecutive errors do. The zero
// value is haproxy's default, fail-check.
type OnError uint8

const (
	OnErrorFailCheck   OnError = iota // count as a failed health check (and hurry the next)
	OnErrorFastInter                  // only hurry the next check (fastinter)
	OnErrorSuddenDeath                // leave the server one failed check from down
	OnErrorMarkDown                   // take the server down now
)

// DefaultErrorLimit is haproxy's error-limit when none is set.
const DefaultErrorLimit = 10

// ObserveEvent is the outcome of a connection or response to a server,
// haproxy's HANA_STATUS_*.
type ObserveEvent uint8

const (
	observeUnknown ObserveEvent = iota
	// ObserveL4OK: the connection to the server was established.
	ObserveL4OK
	// ObserveL4Err: the connection failed or timed out (haproxy reports
	// both so, from back_handle_st_cer).
	ObserveL4Err
	// ObserveHTTPOK: a response with a good status (see HTTPStatus).
	ObserveHTTPOK
	// ObserveHTTPStatus: a response with a bad status (5xx but 501 and
	// 505, which clients cause).
	ObserveHTTPStatus
	// ObserveHTTPHdrRsp: a response head that does not parse.
	ObserveHTTPHdrRsp
	// ObserveHTTPRsp: an invalid response past its head (its body, or
	// what response rules refused as a bad response).
	ObserveHTTPRsp
	// ObserveHTTPReadError: a read error before the response head.
	ObserveHTTPReadError
	// ObserveHTTPReadTimeout: timeout server before the response head.
	ObserveHTTPReadTimeout
	// ObserveHTTPBrokenPipe: the server closed before the response head.
	ObserveHTTPBrokenPipe
)

// observeTable is haproxy's analyze_statuses: each event's description
// and what it means in layer4 and layer7 mode (0: ignored, 1: an error,
// 2: a success, which resets the count).
var observeTable = [...]struct {
	desc string
	lr   [2]uint8
}{
	observeUnknown:         {"Unknown", [2]uint8{0, 0}},
	ObserveL4OK:            {"L4 successful connection", [2]uint8{2, 0}},
	ObserveL4Err:           {"L4 unsuccessful connection", [2]uint8{1, 1}},
	ObserveHTTPOK:          {"Correct http response", [2]uint8{0, 2}},
	ObserveHTTPStatus:      {"Wrong http response", [2]uint8{0, 1}},
	ObserveHTTPHdrRsp:      {"Invalid http response (headers)", [2]uint8{0, 1}},
	ObserveHTTPRsp:         {"Invalid http response", [2]uint8{0, 1}},
	ObserveHTTPReadError:   {"Read error (http)", [2]uint8{0, 1}},
	ObserveHTTPReadTimeout: {"Read timeout (http)", [2]uint8{0, 1}},
	ObserveHTTPBrokenPipe:  {"Close from server (http)", [2]uint8{0, 1}},
}

func (e ObserveEvent) String() string {
	if int(e) < len(observeTable) {
		return observeTable[e].desc
	}
	return observeTable[observeUnknown].desc
}

// HTTPStatus is the event of a response with this status: good from 100
// to 499 and for 501 and 505 (which clients cause), bad otherwise.
func HTTPStatus(code int) ObserveEvent {
	if code >= 100 && (code < 500 || code == 501 || code == 505) {
		return ObserveHTTPOK
	}
	return ObserveHTTPStatus
}

// observeMode is the mode Observe uses for a server's settings: none
// without `check`, as haproxy observes only servers with a check task.
func observeMode(set *ServerSettings) uint32 {
	if set.Check == nil {
		return 0
	}
	return uint32(set.Observe)
}

// Observe reports the outcome of a connection or response to the server.
// Without `observe` it is one atomic load. Counted errors reset on a
// success (of traffic or of a check); the error-limit-th in a row applies
// on-error.
func (s *Server) Observe(ev ObserveEvent) {
	mode := s.observe.Load()
	if mode == 0 || int(ev) >= len(observeTable) {
		return
	}
	switch observeTable[ev].lr[mode-1] {
	case 2:
		if s.errs.Load() != 0 {
			s.errs.Store(0)
		}
		return
	case 1:
	default:
		return
	}
	n := s.errs.Add(1)
	limit := int32(s.Settings().ErrorLimit)
	if limit <= 0 {
		limit = DefaultErrorLimit
	}
	// Only the goroutine that takes the count back to 0 acts: errors
	// reported meanwhile are part of the same burst.
	if n < limit || !s.errs.CompareAndSwap(n, 0) {
		return
	}
	s.healthAdjust(ev, int(n))
}

// healthAdjust applies on-error after n consecutive errors, the last one
// ev, as haproxy's __health_adjust: a failed check of status HANA
// ("Health analyze") for fail-check, after leaving one check of health
// above rise for sudden-death, or after setting it to rise for mark-down
// (so the failure takes it down); then the next check comes within
// fastinter, if the server has one.
func (s *Server) healthAdjust(ev ObserveEvent, n int) {
	set := s.Settings()
	cs := set.Check
	if cs == nil {
		return
	}
	r := &result{key: statusHANA, out: check.Failed, why: &reason{status: statusHANA.description(),
		info: fmt.Sprintf("Detected %d consecutive errors, last one was: %s", n, ev), duration: -1}}
	reg := s.be.reg
	reg.smu.Lock()
	switch set.OnError {
	case OnErrorFastInter:
	case OnErrorSuddenDeath, OnErrorFailCheck, OnErrorMarkDown:
		s.mu.Lock()
		switch {
		case set.OnError == OnErrorSuddenDeath && s.health.n > cs.Rise:
			s.health.n = cs.Rise + 1
		case set.OnError == OnErrorMarkDown:
			s.health.n = cs.Rise
		}
		s.mu.Unlock()
		s.setCheckStatus(false, r)
		s.notifyFailure(false, r)
	}
	reg.smu.Unlock()
	s.C.FailedHANA.Add(1)
	if cs.FastInter > 0 {
		s.hurry(cs.FastInter)
	}
}
