// Package admin is the one surface through which the stats page, the
// runtime API (CLI) and the Prometheus exporter read and change the running
// process: the same functions, the same numbers (the long-lived counters),
// the same permission levels. Each change checks the caller's level and
// answers with haproxy's words when it refuses; a refused or malformed
// change changes nothing.
package admin

import (
	"errors"
	"time"

	"switchyard/proxy"
)

// Level is a caller's permission level, haproxy's ACCESS_LVL_*: the stats
// page without `stats admin` and a `level user` socket read; operator may
// also change what does not alter the configuration's meaning for long
// (clear counters, shutdown sessions, enable/disable health…); admin may
// change everything.
type Level uint8

const (
	User Level = iota + 1
	Operator
	Admin
)

var levelNames = [...]string{User: "user", Operator: "operator", Admin: "admin"}

func (l Level) String() string {
	if int(l) < len(levelNames) && levelNames[l] != "" {
		return levelNames[l]
	}
	return "none"
}

// ParseLevel reads "user", "operator" or "admin".
func ParseLevel(s string) (Level, bool) {
	for l, n := range levelNames {
		if n != "" && n == s {
			return Level(l), true
		}
	}
	return 0, false
}

// ErrPermission is haproxy's answer to a command above the caller's level.
var ErrPermission = errors.New("Permission denied\n")

// need refuses a caller below min.
func need(have, min Level) error {
	if have < min {
		return ErrPermission
	}
	return nil
}

// Surface reads and changes one running process.
type Surface struct {
	rt      *proxy.Runtime
	started time.Time
}

// New returns the surface of a runtime.
func New(rt *proxy.Runtime) *Surface {
	return &Surface{rt: rt, started: time.Now()}
}

// Runtime is the runtime the surface works on.
func (a *Surface) Runtime() *proxy.Runtime { return a.rt }
