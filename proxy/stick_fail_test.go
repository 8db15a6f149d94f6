package proxy

import (
	"bufio"
	"net"
	"testing"
	"time"

	"switchyard/counters"
	"switchyard/internal/haproxytest"
)

// http_fail_cnt counts what haproxy's http_wait_for_response counts: a
// server reached that gave no response (502) is a failure; a server that
// could not be reached, or no server at all (503), is not. Checked side
// by side with haproxy 2.6.12 on the same configuration.
func TestStickFailCount(t *testing.T) {
	empty := itRawOrigin(t, func(c net.Conn) {
		itReadHead(bufio.NewReader(c)) // then close without a response
	})
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend fe
    bind {FE}
    stick-table type ip size 1k expire 60s store http_fail_cnt,http_err_cnt
    http-request track-sc0 src
    http-request return status 200 content-type text/plain lf-string "%[sc_http_fail_cnt(0)] %[sc_http_err_cnt(0)]" if { path /show }
    use_backend closed if { path /closed }
    use_backend empty if { path /empty }
    use_backend nosrv if { path /nosrv }
backend closed
    retries 0
    server s {CLOSED}
backend empty
    retries 0
    server s {EMPTY}
backend nosrv
`, "FE", fe, "CLOSED", haproxytest.FreeAddr("tcp4", "127.0.0.1"), "EMPTY", empty.addr))
	for _, tc := range []struct {
		path   string
		status int
	}{{"/closed", 503}, {"/empty", 502}, {"/nosrv", 503}} {
		k := itDial(t, fe)
		if resp, _ := k.get(tc.path); resp.StatusCode != tc.status {
			t.Fatalf("%s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
	}
	// A transaction's table counts are made with its frontend's
	// response counts, after the response is written: wait for the
	// three 5xx to be counted.
	c := rt.Snapshot().Frontend("fe").Counters()
	itPoll(t, 2*time.Second, "three 5xx counted", func() bool {
		return c.HTTP.Rsp[counters.StatusClass(500)].Load() == 3
	})
	k := itDial(t, fe)
	if _, body := k.get("/show"); body != "1 0" {
		t.Errorf("http_fail_cnt, http_err_cnt = %q, want \"1 0\" (haproxy's)", body)
	}
}
