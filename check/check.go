// Package check runs one health check of a server and says what it found,
// in haproxy's terms: a status (L4OK, L7STS…), a code and a description,
// which the server's state machine (package backend) turns into up and down
// and the logs print. Every kind of check haproxy 2.6 has is a rule set, as
// in haproxy: `option httpchk` and `http-check` lines, `option tcp-check`
// and `tcp-check` lines, and the protocol checks (`option mysql-check`…)
// which are predefined rule sets.
package check

import "time"

// Status is haproxy's check status (HCHK_STATUS_*), in haproxy's order:
// a status at or above L7OK carries an HTTP or protocol code.
type Status uint8

const (
	StatusUnknown   Status = iota
	StatusInit             // INI: not checked yet
	StatusSockErr          // SOCKERR
	StatusL4OK             // L4OK: connected
	StatusL4Timeout        // L4TOUT
	StatusL4Conn           // L4CON: connection refused, reset…
	StatusL6OK             // L6OK
	StatusL6Timeout        // L6TOUT
	StatusL6Resp           // L6RSP
	StatusL7Timeout        // L7TOUT
	StatusL7Resp           // L7RSP: invalid response
	StatusL7OK             // L7OK
	StatusL7OKCond         // L7OKC: conditionally passed (disable-on-404)
	StatusL7Status         // L7STS: wrong status
)

var statusInfo = [...]struct{ short, desc string }{
	StatusUnknown:   {"UNK", "Unknown"},
	StatusInit:      {"INI", "Initializing"},
	StatusSockErr:   {"SOCKERR", "Socket error"},
	StatusL4OK:      {"L4OK", "Layer4 check passed"},
	StatusL4Timeout: {"L4TOUT", "Layer4 timeout"},
	StatusL4Conn:    {"L4CON", "Layer4 connection problem"},
	StatusL6OK:      {"L6OK", "Layer6 check passed"},
	StatusL6Timeout: {"L6TOUT", "Layer6 timeout"},
	StatusL6Resp:    {"L6RSP", "Layer6 invalid response"},
	StatusL7Timeout: {"L7TOUT", "Layer7 timeout"},
	StatusL7Resp:    {"L7RSP", "Layer7 invalid response"},
	StatusL7OK:      {"L7OK", "Layer7 check passed"},
	StatusL7OKCond:  {"L7OKC", "Layer7 check conditionally passed"},
	StatusL7Status:  {"L7STS", "Layer7 wrong status"},
}

// String is the short name the stats page and `show servers state` use.
func (s Status) String() string { return statusInfo[s].short }

// Description is the words the state-change log lines use ("Layer4
// connection problem").
func (s Status) Description() string { return statusInfo[s].desc }

// HasCode says whether the status carries a code that logs print
// (haproxy's status >= HCHK_STATUS_L57DATA).
func (s Status) HasCode() bool { return s >= StatusL7OK }

// Outcome is what a result means for the server's health.
type Outcome uint8

const (
	Failed   Outcome = iota
	Passed           // the server is healthy
	CondPass         // healthy but wants no new traffic (disable-on-404): NOLB
	Neutral          // no information (an agent reply without a state)
)

// Outcome returns what a status means, as haproxy's table does.
func (s Status) Outcome() Outcome {
	switch s {
	case StatusL4OK, StatusL6OK, StatusL7OK:
		return Passed
	case StatusL7OKCond:
		return CondPass
	case StatusUnknown, StatusInit:
		return Neutral
	}
	return Failed
}

// Result is what one check found.
type Result struct {
	Status   Status
	Code     int    // the HTTP status or protocol code, when Status.HasCode()
	Desc     string // "Connection refused", "Service Unavailable"…; may be empty
	Duration time.Duration
}

// Target is where and how a check connects: the server's address or its
// `addr`/`port` overrides, and the timeouts haproxy derives (`timeout
// check` set: connect within min(timeout connect, inter), then read within
// timeout check; unset: inter for the whole check).
type Target struct {
	Addr           string // host:port
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	SendProxy      bool // check-send-proxy: a PROXY protocol v1 header first

	// What `http-check send-state` and log-format strings say of the
	// server: see SendState.
	Backend, Server string
	State           SendState
}

// SendState is what `http-check send-state` puts in the
// X-Haproxy-Server-State header.
type SendState struct {
	Up                  string // "UP 2/3", "DOWN 1/2", "NOLB 3/3", "MAINT"
	Weight, TotalWeight int
	Active, Backup      int // servers up in the backend, active and backup
	Sessions, Queue     int // current sessions and queue of the server
}

// Config is what a proxy section's check keywords configured, accumulated
// line by line (kw_check.go in package config) and compiled by Build. A
// section copies its defaults' Config with Clone.
type Config struct {
	// Filled in by the check engine's implementation.
}

// Clone returns a copy that can take more lines without changing c.
func (c *Config) Clone() *Config {
	cc := *c
	return &cc
}
