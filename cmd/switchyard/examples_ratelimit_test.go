package main

// Seed 004's TLS termination with rate limiting (examples/004-tls-ratelimit.cfg)
// runs as shipped but for the addresses and certificate path, under
// switchyard and, as a check of the assertions, under haproxy: plain HTTP is
// redirected, a client gets 429 after 100 requests in 10 s; its 10th
// request in progress at once is not refused, because the seed's table does
// not store the conn_cur that src_conn_cur reads (haproxy agrees).

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

func TestExample004TLSRateLimit(t *testing.T) {
	t.Parallel()
	for _, bin := range exBins {
		t.Run(bin, func(t *testing.T) {
			t.Parallel()
			testExample004TLSRateLimit(t, bin)
		})
	}
}

// clientFrom returns an HTTPS client whose connections come from the
// source address src (each test step its own client address, so that
// the per-address limits of one step do not spill into the next).
func clientFrom(src string, keepAlive bool) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
			DisableKeepAlives: !keepAlive, MaxConnsPerHost: 20}}
}

func status(t *testing.T, c *http.Client, url string) (int, http.Header) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func testExample004TLSRateLimit(t *testing.T, bin string) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "example.com.pem")
	testcert.Write(cert, testcert.NewCA("test CA").Issue(testcert.Opts{CN: "example.com", DNS: []string{"example.com"}}).Bundle())
	webs := []*exOrigin{exStartOrigin(t, "web1"), exStartOrigin(t, "web2"), exStartOrigin(t, "web3")}
	tlsAddr, plain := freeAddr(t), freeAddr(t)
	env := []string{"LISTEN_TLS=" + tlsAddr, "LISTEN=" + plain, "CERT=" + cert,
		"WEB1=" + webs[0].addr, "WEB2=" + webs[1].addr, "WEB3=" + webs[2].addr}
	exLaunch(t, bin, "004-tls-ratelimit.cfg", env)
	base := "https://" + tlsAddr
	// Up, from an address of its own (the polls count as requests).
	poller := clientFrom("127.0.0.2", false)
	poll(t, 10*time.Second, bin+" serving HTTPS", func() bool {
		resp, err := poller.Get(base + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})

	// Plain HTTP is redirected to HTTPS.
	if st, h := status(t, clientFrom("127.0.0.2", false), "http://"+plain+"/x"); st != 301 || h.Get("Location") != "https://"+plain+"/x" {
		t.Fatalf("plain HTTP: %d, Location %q", st, h.Get("Location"))
	}

	// 100 requests in 10 s pass, with the security headers; the 101st is
	// refused.
	c := clientFrom("127.0.0.3", true)
	start := time.Now()
	for i := 1; i <= 100; i++ {
		st, h := status(t, c, base+"/")
		if st != 200 {
			t.Fatalf("request %d: status %d", i, st)
		}
		if i == 1 && (h.Get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains" || h.Get("X-Frame-Options") != "SAMEORIGIN") {
			t.Fatalf("security headers missing: %v", h)
		}
	}
	if st, _ := status(t, c, base+"/"); st != 429 {
		t.Fatalf("request 101: status %d, want 429", st)
	}
	if time.Since(start) > 9*time.Second {
		t.Fatalf("the 101 requests took %v: the 10 s window is not tested", time.Since(start))
	}
	// Another address is not limited.
	if st, _ := status(t, clientFrom("127.0.0.4", false), base+"/"); st != 200 {
		t.Fatalf("another address: status %d", st)
	}

	// The seed's connection limit never matches (see the example's
	// comment): the tenth request in progress passes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := clientFrom("127.0.0.5", true)
	for range 9 {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/hold", nil)
		go func() {
			if resp, err := held.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	poll(t, 10*time.Second, "9 requests held by the origins", func() bool {
		return webs[0].held.Load()+webs[1].held.Load()+webs[2].held.Load() == 9
	})
	if st, _ := status(t, clientFrom("127.0.0.5", false), base+"/"); st != 200 {
		t.Fatalf("10th concurrent request: status %d, want 200 (the table stores no conn_cur)", st)
	}
}
