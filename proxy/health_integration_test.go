package proxy

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// A server whose health check fails stops receiving requests; a reload
// keeps it down (no request reaches it right after), and it comes back
// once its checks pass `rise` times.
func TestHealthChecksSteerTraffic(t *testing.T) {
	t.Parallel()
	var sick atomic.Bool
	var hits atomic.Int64
	flaky := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			if sick.Load() {
				w.WriteHeader(503)
			}
			return
		}
		hits.Add(1)
		io.WriteString(w, "flaky")
	})
	steady := itNamed(t, "steady")
	fe := itAddr(t)
	text := itDefaults + `
frontend web
    bind {FE}
    default_backend app
backend app
    option httpchk GET /health
    default-server check inter 30ms rise 2 fall 2
    server flaky {F}
    server steady {S}
`
	kv := []string{"FE", fe, "F", flaky.addr, "S", steady.addr}
	rt := itStart(t, itConfig(t, text, kv...))
	srv := rt.Snapshot().backends["app"].byName["flaky"]
	sick.Store(true)
	itPoll(t, 3*time.Second, "the flaky server down", func() bool { return !srv.Up() })
	if res, _ := srv.LastCheck(); res.Code != 503 {
		t.Errorf("last check: %+v", res)
	}
	if err := rt.Apply(itConfig(t, text, kv...)); err != nil {
		t.Fatal(err)
	}
	if got := rt.Snapshot().backends["app"].byName["flaky"]; got != srv || srv.Up() {
		t.Fatal("the reload replaced the down server or brought it up")
	}
	hits.Store(0)
	k := itDial(t, fe)
	for range 6 {
		if _, body := k.get("/"); body != "steady" {
			t.Fatalf("a request went to %q while it is down", body)
		}
	}
	if hits.Load() != 0 {
		t.Fatal("the down server got requests")
	}
	sick.Store(false)
	itPoll(t, 3*time.Second, "the flaky server up", srv.Up)
	seen := map[string]bool{}
	for range 4 {
		_, body := k.get("/")
		seen[body] = true
	}
	if !seen["flaky"] || !seen["steady"] {
		t.Fatalf("after recovery, answers came from %v", seen)
	}
}
