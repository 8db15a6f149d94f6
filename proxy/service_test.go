package proxy

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Services registered for these tests: an echo for use-service, and a
// stand-in for the stats page that says what it was given.
func init() {
	RegisterService("test-echo", func(c *ServiceCall) {
		c.ContentType = "text/plain"
		c.Headers = append(c.Headers, [2]string{"x-service", "echo"})
		c.Out = fmt.Appendf(nil, "%s %s ? %s body=%q", c.Method, c.Path, c.Query, c.Body)
	})
	RegisterService("stats", func(c *ServiceCall) {
		c.ContentType = "text/plain"
		c.Out = fmt.Appendf(nil, "page of %s at %s admin=%v", c.Proxy, c.Page.URI, c.Admin)
	})
}

func TestUseService(t *testing.T) {
	o := itHTTPOrigin(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin") })
	fe := itAddr(t)
	rt := itStart(t, itConfig(t, itDefaults+`
frontend fe
    bind {FE}
    http-request use-service test-echo if { path_beg /svc }
    default_backend app
backend app
    server s1 {S1}
`, "FE", fe, "S1", o.addr))
	k := itDial(t, fe)
	resp, body := k.get("/svc/x?a=1")
	if resp.StatusCode != 200 || body != `GET /svc/x ? a=1 body=""` || resp.Header.Get("X-Service") != "echo" {
		t.Fatalf("use-service: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// Keep-alive goes on, and a POST's body reaches the service.
	k.send("POST /svc HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello")
	if resp, body := k.response("POST"); resp.StatusCode != 200 || body != `POST /svc ?  body="hello"` {
		t.Fatalf("POST: %d %q", resp.StatusCode, body)
	}
	if _, body := k.get("/other"); body != "origin" {
		t.Fatalf("other paths go to the server: %q", body)
	}
	if n := rt.Snapshot().Frontend("fe").Counters().Intercepted.Load(); n != 2 {
		t.Errorf("intercepted = %d, want 2", n)
	}
}

func TestStatsPageHook(t *testing.T) {
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
listen stats
    bind {FE}
    stats enable
    stats uri /stats
    stats auth admin:secret
    stats admin if { src 127.0.0.1 }
`, "FE", fe))
	k := itDial(t, fe)
	resp, _ := k.get("/stats")
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("Www-Authenticate"), `realm="HAProxy Statistics"`) {
		t.Fatalf("without credentials: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body := k.get("/stats;csv", "authorization: Basic YWRtaW46c2VjcmV0\r\n")
	if resp.StatusCode != 200 || body != "page of stats at /stats admin=true" {
		t.Fatalf("with credentials: %d %q", resp.StatusCode, body)
	}
	// Another path is not the page: the listen has no server, so 503.
	if resp, _ := k.get("/other", "authorization: Basic YWRtaW46c2VjcmV0\r\n"); resp.StatusCode != 503 {
		t.Fatalf("/other: %d", resp.StatusCode)
	}
}

// The http-after-response rules see a service's answer, as haproxy's do an
// applet's: the backend's, then the frontend's.
func TestServiceAfterResponse(t *testing.T) {
	fe := itAddr(t)
	itStart(t, itConfig(t, itDefaults+`
frontend fe
    bind {FE}
    http-after-response set-header x-fe "%[status]"
    default_backend be
backend be
    stats enable
    stats uri /stats
    http-after-response set-status 234
    http-after-response del-header content-type
`, "FE", fe))
	k := itDial(t, fe)
	resp, body := k.get("/stats")
	if resp.StatusCode != 234 || resp.Header.Get("X-Fe") != "234" || resp.Header.Get("Content-Type") != "" || body != "page of be at /stats admin=false" {
		t.Fatalf("stats page after rules: %d %v %q", resp.StatusCode, resp.Header, body)
	}
}
