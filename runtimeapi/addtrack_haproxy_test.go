package runtimeapi

import (
	"regexp"
	"testing"
)

// `add server … track` compared with haproxy 2.6.12: the refusals (a
// server without check nor agent, a dynamic one, one or a backend not
// found, disable-on-404 differing, check with track, an agent without a
// port), the trackers following their server's maintenance, and del
// server refusing a server a dynamic one tracks, even once it is gone.
//
// Only zfirst/x is checked at start-up (the first declared; the others a
// quarter hour later and more): the tracked servers' state is known.
func TestHAProxyAddServerTrack(t *testing.T) {
	d := newDiffPairOn(t, diffPrelude+`
backend zfirst
    server x 127.0.0.1:1 check inter 1h
backend be
    server chk 127.0.0.1:1 check inter 1h
    server plain 127.0.0.1:1
    server agent 127.0.0.1:1 agent-check agent-port 1 agent-inter 1h
    server trk 127.0.0.1:1 track chk
backend other
    server chk 127.0.0.1:1 check inter 1h
backend h404
    option httpchk
    http-check disable-on-404
    server chk 127.0.0.1:1 check inter 1h
backend static
    balance static-rr
    server chk 127.0.0.1:1 check inter 1h
`)
	// Known differences in show servers state, made alike: be_id (the
	// harness's switchyard numbers its backends from 1, haproxy from 2),
	// srv_time_since_last_change (seconds since each started), and
	// srv_check_health of a server without check, which haproxy zeroes
	// when it enters maintenance and does not restore (and a dynamic
	// server's starts at 0), where switchyard shows rise outside
	// maintenance.
	row := regexp.MustCompile(`(?m)^\d+ ((?:\S+ ){8})\d+ (\S+ \S+ )\d+ `)
	d.norm = func(s string) string { return row.ReplaceAllString(s, "B ${1}T ${2}H ") }
	d.same(
		"add server be/d1 127.0.0.1:1 track plain\n",
		"add server be/d1 127.0.0.1:1 track be/plain\n",
		"add server be/d1 127.0.0.1:1 track nope/chk\n",
		"add server be/d1 127.0.0.1:1 track nope\n",
		"add server be/d1 127.0.0.1:1 track be/\n",
		"add server be/d1 127.0.0.1:1 track /chk\n",
		"add server be/d1 127.0.0.1:1 track h404/chk\n",
		"add server be/d1 127.0.0.1:1 check track chk\n",
		"add server be/d1 127.0.0.1:1 agent-check\n",
		"add server static/d1 127.0.0.1:1 track be/chk\n",
		"add server be/chk 127.0.0.1:1 track chk\n",
		// Refused after its track resolved: agent is pinned all the same.
		"add server be/plain 127.0.0.1:1 track agent\n",
		"disable server be/agent\n", "del server be/agent\n", "enable server be/agent\n",
		// Accepted: a checked server, one with an agent, one tracking
		// another, in another backend; the last track wins.
		"add server be/d1 127.0.0.1:1 track chk\n",
		"add server be/d2 127.0.0.1:1 track agent\n",
		"add server be/d3 127.0.0.1:1 track trk\n",
		"add server be/d4 127.0.0.1:1 track other/chk\n",
		"add server be/d5 127.0.0.1:1 track plain track chk\n",
		"add server be/d6 127.0.0.1:1 track d1\n",
		"enable server be/d1\n", "enable server be/d3\n",
		"show servers state be\n",
		"disable server be/chk\n",
		"show servers state be\n",
		"del server be/d1\n",
		"del server be/chk\n",
		"enable server be/chk\n",
		"show servers state be\n",
		"disable server be/d3\n", "del server be/d3\n", "del server be/d5\n",
		"del server be/trk\n", "disable server be/trk\n", "del server be/trk\n",
		"disable server be/chk\n", "del server be/chk\n",
		"show servers state be\n",
	)
}
