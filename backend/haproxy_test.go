package backend

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// This file runs the reference haproxy against origins that answer with
// their own name, so tests can see which server haproxy picked.

// hxServer is a server line: an origin's name, its weight and its
// explicit id (0: let haproxy number it).
type hxServer struct {
	name   string
	weight int
	id     int
}

// hxBackend is one backend of the haproxy config under test.
type hxBackend struct {
	name       string
	directives [][]string // e.g. {"balance", "uri", "len", "5"}
	servers    []hxServer
}

// ours builds our balancer for b, parsing its directives with our parsers
// and numbering its servers with AssignIDs, so that those are tested too.
func (b *hxBackend) ours(t *testing.T) (Balancer, map[string]*Server) {
	t.Helper()
	var a Algorithm
	for _, d := range b.directives {
		var err error
		switch d[0] {
		case "balance":
			err = ParseBalance(d[1:], &a)
		case "hash-type":
			err = ParseHashType(d[1:], &a)
		default:
			t.Fatalf("backend %s: unexpected directive %q", b.name, d)
		}
		if err != nil {
			t.Fatalf("backend %s: %q: %v", b.name, d, err)
		}
	}
	ids := make([]int, len(b.servers))
	for i, s := range b.servers {
		ids[i] = s.id
	}
	AssignIDs(ids)
	srvs := make([]Member, len(b.servers))
	byName := make(map[string]*Server)
	for i, s := range b.servers {
		srvs[i] = member(s.name, ids[i], s.weight)
		byName[s.name] = srvs[i].Server
	}
	bal, err := NewBalancer(a, srvs)
	if err != nil {
		t.Fatalf("backend %s: %v", b.name, err)
	}
	return bal, byName
}

// startOrigins starts one HTTP origin per name on 127.0.0.1, each answering
// every request with its name, and returns their addresses.
func startOrigins(t *testing.T, names ...string) map[string]string {
	t.Helper()
	addrs := make(map[string]string)
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(name)
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write(body)
		}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		addrs[name] = ln.Addr().String()
	}
	return addrs
}

// haproxy is a running reference haproxy with one HTTP frontend that
// routes each request to the backend named by its X-Be header.
type haproxy struct {
	addr  string // IPv4 frontend address
	addr6 string // IPv6 frontend address, "" when ::1 is unavailable
}

func startHAProxy(t *testing.T, origins map[string]string, backends []hxBackend) *haproxy {
	t.Helper()
	h := &haproxy{addr: haproxytest.FreeAddr("tcp4", "127.0.0.1"), addr6: haproxytest.FreeAddr("tcp6", "::1")}
	var cfg strings.Builder
	// One thread makes haproxy's round-robin cursors advance in the order
	// the test sends its requests.
	fmt.Fprintf(&cfg, "global\n  nbthread 1\n\ndefaults\n  mode http\n"+
		"  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n\n"+
		"frontend fe\n  bind %s\n", h.addr)
	if h.addr6 != "" {
		fmt.Fprintf(&cfg, "  bind %s\n", h.addr6)
	}
	cfg.WriteString("  use_backend %[req.hdr(x-be)]\n")
	for _, b := range backends {
		fmt.Fprintf(&cfg, "\nbackend %s\n", b.name)
		for _, d := range b.directives {
			fmt.Fprintf(&cfg, "  %s\n", strings.Join(d, " "))
		}
		for _, s := range b.servers {
			fmt.Fprintf(&cfg, "  server %s %s weight %d", s.name, origins[s.name], s.weight)
			if s.id > 0 {
				fmt.Fprintf(&cfg, " id %d", s.id)
			}
			cfg.WriteString("\n")
		}
	}
	haproxytest.Start(t, haproxytest.Options{Config: cfg.String(), WaitFor: h.addr})
	return h
}

// get sends one request from src to backend be, with the given header
// lines (a Host line replaces the default one), and returns the body: the
// name of the origin that answered.
func (h *haproxy) get(src netip.Addr, be, uri string, headers ...string) (string, error) {
	addr := h.addr
	if src.Is6() {
		addr = h.addr6
	}
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: src.AsSlice()}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// Host goes first: haproxy's use_domain_only peeks at the byte after
	// the value, which is then the first letter of the next header name
	// rather than leftovers of an earlier request (see domainOnly).
	host := "Host: test"
	var rest strings.Builder
	for _, l := range headers {
		if strings.HasPrefix(strings.ToLower(l), "host:") {
			host = l
			continue
		}
		rest.WriteString(l + "\r\n")
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\n%s\r\nX-Be: %s\r\n%sConnection: close\r\n\r\n", uri, host, be, rest.String())
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return string(body), nil
}

// headerLines turns a test request's headers back into "Name: value" lines.
func headerLines(r *testRequest) []string {
	var ls []string
	for _, h := range r.headers {
		ls = append(ls, string(h[0])+": "+string(h[1]))
	}
	return ls
}

// nameOf is the name of s, or "<nil>".
func nameOf(s *Server) string {
	if s == nil {
		return "<nil>"
	}
	return s.Name
}
