package proxy

import (
	"path/filepath"
	"testing"
)

// set-map and del-acl edit the references the ACLs and converters of the
// running configuration use: the next request sees the change.
func TestIntegrationPatternActions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "routes.map"), "tok-a route-a\n")
	mustWrite(t, filepath.Join(dir, "block.lst"), "blocked\n")
	addr := itAddr(t)
	cfg := itConfig(t, `
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {ADDR}
  acl blocked req.hdr(x-token) -f {DIR}/block.lst
  http-request set-map({DIR}/routes.map) %[req.hdr(x-token)] %[req.hdr(x-set)] if { req.hdr(x-set) -m found }
  http-request del-acl({DIR}/block.lst) %[req.hdr(x-unblock)] if { req.hdr(x-unblock) -m found }
  http-request add-acl({DIR}/block.lst) %[req.hdr(x-block)] if { req.hdr(x-block) -m found }
  http-request return status 200 content-type text/plain lf-string "blocked" if blocked
  http-request return status 200 content-type text/plain lf-string "%[req.hdr(x-token),map({DIR}/routes.map,none)]"
`, "ADDR", addr, "DIR", dir)
	itStart(t, cfg)
	ask := func(token string, extra ...string) string {
		k := itDial(t, addr)
		defer k.c.Close()
		_, body := k.get("/", append([]string{"x-token: " + token + "\r\n"}, extra...)...)
		return body
	}
	if got := ask("tok-a", "x-set: via-action\r\n"); got != "via-action" {
		t.Fatalf("set-map on an existing key: %q", got)
	}
	if got := ask("tok-n", "x-set: new\r\n"); got != "new" {
		t.Fatalf("set-map of a new key: %q", got)
	}
	if got := ask("blocked"); got != "blocked" {
		t.Fatalf("block list: %q", got)
	}
	ask("x", "x-unblock: blocked\r\n")
	if got := ask("blocked"); got != "none" {
		t.Fatalf("del-acl: %q", got)
	}
	ask("x", "x-block: tok-a\r\n")
	if got := ask("tok-a"); got != "blocked" {
		t.Fatalf("add-acl: %q", got)
	}
}
