package runtimeapi

import "testing"

// del server refuses a server the configuration names elsewhere: in a
// sample fetch's argument, as a tracked server, in a use-server rule; and
// one not in maintenance. Compared with haproxy 2.6.
func TestHAProxyDelServerReferenced(t *testing.T) {
	d := newDiffPairOn(t, diffPrelude+`
frontend fe
    acl s1_busy srv_sess_rate(test/s1) gt 50
    http-request deny if s1_busy
    default_backend test
backend test
    use-server s3 unless { always_false }
    server s1 127.0.0.1:1
    server s2 127.0.0.1:2 check
    server s3 127.0.0.1:3 track s2
    server s4 127.0.0.1:4
`)
	d.same(
		"del server test/s1\n", "del server test/s2\n", "del server test/s3\n", "del server test/s4\n",
		"disable server test/s4\n", "del server test/s4\n", "del server test/s4\n",
	)
}
