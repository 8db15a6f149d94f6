package proxy

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestConvBackendHelpers(t *testing.T) {
	for in, want := range map[string]int{"2": 2, " +7x": 7, "-3": -3, "": 0, "x1": 0, "\t12": 12} {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
	if got := cString([]byte("be\x00x")); got != "be" {
		t.Errorf("cString = %q", got)
	}
	snap := &Snapshot{backends: map[string]*Backend{}}
	if findBackend(snap, "x") != nil || findBackend(snap, "#1") != nil {
		t.Error("found a backend in an empty snapshot")
	}
}

// srv_queue as a converter counts the requests queued for a server named
// at run time: one bound to the server (use-server) waits while the
// server's only slot is taken.
func TestConvSrvQueueCounts(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}, 4), make(chan struct{})
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "done")
	})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend web
    bind {FE}
    http-request return status 200 content-type text/plain lf-string "%[str(app/a),srv_queue] %[str(app/#1),srv_queue] %[str(app),nbsrv] [%[str(a),srv_queue]] [%[str(nope/a),srv_queue]]" if { path /state }
    default_backend app
backend app
    timeout queue 10s
    use-server a if TRUE
    server a {O} maxconn 1
`, "FE", fe, "O", o.addr))
	first := itDial(t, fe)
	first.send("GET /hold HTTP/1.1\r\nhost: test\r\n\r\n")
	select {
	case <-entered:
	case <-time.After(itTimeout):
		t.Fatal("the first request did not reach the origin")
	}
	if got := itGetNew(t, fe, "/state"); got != "0 0 1 [] []" {
		t.Fatalf("before queueing: %q", got)
	}
	second := itDial(t, fe)
	second.send("GET /queued HTTP/1.1\r\nhost: test\r\n\r\n")
	var got string
	itPoll(t, itTimeout, "the second request to queue", func() bool {
		got = itGetNew(t, fe, "/state")
		return got != "0 0 1 [] []"
	})
	if got != "1 1 1 [] []" {
		t.Fatalf("with one queued: %q", got)
	}
	free()
	for _, k := range []*itClient{first, second} {
		if resp, body := k.response("GET"); resp.StatusCode != 200 || body != "done" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
	}
}
