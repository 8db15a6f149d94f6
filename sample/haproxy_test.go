package sample

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// haproxyOracle runs haproxy with one frontend whose last rule returns a
// body computed from the request, so that a single request reveals what
// haproxy makes of every condition and expression under test.
type haproxyOracle struct {
	addr  string
	conds []string // full conditions, "if ..." or "unless ..."
	exprs []string
}

// sep separates expression values in the reply; no test value contains it.
const sep = "<|>"

// startHAProxy starts haproxy with the given acl lines (words after
// "acl"), conditions and expressions. It is stopped when the test ends.
func startHAProxy(t *testing.T, acls, conds, exprs []string) *haproxyOracle {
	t.Helper()
	return startHAProxyWith(t, nil, acls, conds, exprs)
}

// lfQuote escapes an expression for the double-quoted lf-string of the
// oracle's config, where backslashes, quotes and '$' are special.
var lfQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`)

// startHAProxyWith is startHAProxy with http-request lines run first
// (setting variables the expressions read). The frontend buffers request
// bodies (option http-buffer-request), so the body fetches see them.
func startHAProxyWith(t *testing.T, prelude, acls, conds, exprs []string) *haproxyOracle {
	t.Helper()
	haproxytest.Need(t)
	addr := haproxytest.FreeAddr("tcp", "127.0.0.1")

	var cfg strings.Builder
	fmt.Fprintf(&cfg, "defaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  timeout connect 5s\n")
	fmt.Fprintf(&cfg, "frontend fe\n  bind %s\n  option http-buffer-request\n", addr)
	for _, l := range prelude {
		fmt.Fprintf(&cfg, "  http-request %s\n", l)
	}
	for _, a := range acls {
		fmt.Fprintf(&cfg, "  acl %s\n", a)
	}
	var body strings.Builder
	for i, c := range conds {
		fmt.Fprintf(&cfg, "  http-request set-var(txn.c%d) str(1) %s\n", i, c)
		fmt.Fprintf(&body, "%%[var(txn.c%d,0)]", i)
	}
	for _, e := range exprs {
		fmt.Fprintf(&body, "%s%%[%s]", sep, lfQuote.Replace(e))
	}
	fmt.Fprintf(&cfg, "  http-request return status 200 content-type text/plain lf-string \"%s\"\n", body.String())

	haproxytest.Start(t, haproxytest.Options{Config: cfg.String(), WaitFor: addr})
	return &haproxyOracle{addr: addr, conds: conds, exprs: exprs}
}

// ask sends a raw request and returns haproxy's verdict on each condition
// ('0' or '1'), each expression's value, and the connection's addresses.
func (o *haproxyOracle) ask(t *testing.T, raw string) (string, []string, netip.AddrPort, netip.AddrPort) {
	t.Helper()
	c, err := net.DialTimeout("tcp", o.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading haproxy's reply to %q: %v", raw, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("haproxy answered %d to %q: %s", resp.StatusCode, raw, b.String())
	}
	parts := strings.Split(b.String(), sep)
	src := netip.MustParseAddrPort(c.LocalAddr().String())
	dst := netip.MustParseAddrPort(c.RemoteAddr().String())
	return parts[0], parts[1:], src, dst
}

// rawBody returns the body of a raw request, empty but not nil when it has
// none: what a frontend that buffers bodies has.
func rawBody(raw string) []byte {
	_, body, _ := strings.Cut(raw, "\r\n\r\n")
	return append([]byte{}, body...)
}

// parseRaw turns a raw HTTP/1 request head into a testReq, trimming
// header values as an HTTP parser does.
func parseRaw(raw string) *testReq {
	head, _, _ := strings.Cut(raw, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	r := req(lines[0])
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		r.names = append(r.names, []byte(name))
		r.values = append(r.values, bytes.TrimSpace([]byte(value)))
	}
	return r
}
