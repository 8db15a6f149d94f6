package proxy

import (
	"testing"
	"time"
)

// A request a listen section answers itself (a service, a rule's reply)
// counts its bytes on the listen's backend row too, as haproxy counts them
// on the stream's backend; a frontend's own answers count on no backend.
func TestListenAnswerCountsBackendBytes(t *testing.T) {
	ln, fe := itAddr(t), itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
listen l
    bind {LN}
    http-request return status 200 content-type text/plain string "hello"
frontend f
    bind {FE}
    http-request return status 200 content-type text/plain string "hello"
    default_backend b
backend b
`, "LN", ln, "FE", fe))
	for _, addr := range []string{ln, fe} {
		k := itDial(t, addr)
		if resp, _ := k.get("/"); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", addr, resp.StatusCode)
		}
	}
	snap := rt.Snapshot()
	fc := snap.Frontend("l").Counters()
	bc := &snap.Backend("l").state.C
	itPoll(t, 2*time.Second, "the listen's bytes counted", func() bool { return fc.BytesOut.Load() > 0 && bc.BytesOut.Load() > 0 })
	if fc.BytesIn.Load() != bc.BytesIn.Load() || fc.BytesOut.Load() != bc.BytesOut.Load() {
		t.Errorf("listen: frontend %d/%d bytes, backend %d/%d", fc.BytesIn.Load(), fc.BytesOut.Load(), bc.BytesIn.Load(), bc.BytesOut.Load())
	}
	itPoll(t, 2*time.Second, "the frontend's bytes counted", func() bool { return snap.Frontend("f").Counters().BytesOut.Load() > 0 })
	if b := &snap.Backend("b").state.C; b.BytesIn.Load()+b.BytesOut.Load() != 0 {
		t.Errorf("a frontend's own answer counted on backend b: %d/%d", b.BytesIn.Load(), b.BytesOut.Load())
	}
}

// An applet taking a stream marks the last session of the stream's
// backend, as haproxy's applet streams do: a listen's service and a
// backend's stats page; a rule's reply is no applet and marks nothing.
func TestAppletMarksBackendLastSession(t *testing.T) {
	ln, fe := itAddr(t), itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
listen l
    bind {LN}
    http-request return status 200 content-type text/plain string "hello" if { path /ret }
    http-request use-service test-echo
frontend f
    bind {FE}
    default_backend b
backend b
    stats enable
    stats uri /stats
`, "LN", ln, "FE", fe))
	snap := rt.Snapshot()
	last := func(name string) int64 { return snap.Backend(name).state.C.LastSess.Load() }
	k := itDial(t, ln)
	if resp, _ := k.get("/ret"); resp.StatusCode != 200 {
		t.Fatalf("return: %d", resp.StatusCode)
	}
	if v := last("l"); v > 0 {
		t.Errorf("a rule's reply marked the listen's last session: %d", v)
	}
	if resp, _ := k.get("/svc"); resp.StatusCode != 200 {
		t.Fatalf("service: %d", resp.StatusCode)
	}
	if v := last("l"); v <= 0 {
		t.Errorf("the listen's service left its last session unset: %d", v)
	}
	if resp, _ := itDial(t, fe).get("/stats"); resp.StatusCode != 200 {
		t.Fatalf("stats: %d", resp.StatusCode)
	}
	if v := last("b"); v <= 0 {
		t.Errorf("the backend's stats page left its last session unset: %d", v)
	}
}
