package main

import (
	"crypto/tls"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchyard/internal/pebbletest"
)

// ACME in the running binary, against pebble: the certificate is obtained
// at start (the file did not exist), put in service without a reload, and
// renewed on `acme renew` over the stats socket.

const acmeCfg = `global
    expose-experimental-directives
    crt-base @DIR@
    stats socket @DIR@/a.sock level admin

defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s

frontend www
    bind @HTTP@
    bind @HTTPS@ ssl
    http-request return status 200 content-type text/plain lf-string "%[path,field(-1,/)].%[path,field(-1,/),map(virt@acme)]\n" if { path_beg '/.well-known/acme-challenge/' }
    http-request return status 200 content-type text/plain string "hello"
    ssl-f-use crt "site.pem" acme LE domains "site.test"

acme LE
    directory @DIRECTORY@
    contact ops@site.test
    challenge HTTP-01
    map virt@acme
`

func TestACMEWithPebble(t *testing.T) {
	dir, err := os.MkdirTemp("", "syacme")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	httpAddr, tlsAddr := freeAddr(t), freeAddr(t)
	port := func(addr string) int {
		_, p, _ := net.SplitHostPort(addr)
		var n int
		fmt.Sscan(p, &n)
		return n
	}
	pb := pebbletest.Start(t, pebbletest.Options{HTTPPort: port(httpAddr), TLSPort: port(tlsAddr), Validity: 3600, Addr: cliPorts.Addr})
	text := strings.NewReplacer("@DIR@", dir, "@HTTP@", httpAddr, "@HTTPS@", tlsAddr, "@DIRECTORY@", pb.Directory).Replace(acmeCfg)
	cfg := filepath.Join(dir, "sy.cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// The process trusts pebble's listener as it would a public CA's.
	p := startCLI(t, []string{"SSL_CERT_FILE=" + pb.CAFile}, nil, "-db", "-f", cfg)
	p.started()
	roots := pb.Roots(t)
	// served waits until the bind serves a certificate of pebble's other
	// than old, and returns its serial.
	served := func(old *big.Int) *big.Int {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		var last error
		for time.Now().Before(deadline) {
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", tlsAddr, &tls.Config{ServerName: "site.test", RootCAs: roots})
			if err == nil {
				leaf := c.ConnectionState().PeerCertificates[0]
				c.Close()
				if old == nil || leaf.SerialNumber.Cmp(old) != 0 {
					return leaf.SerialNumber
				}
				err = fmt.Errorf("still serial %x", old)
			}
			last = err
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no new certificate served: %v; stderr:\n%s", last, p.stderr.String())
		return nil
	}
	first := served(nil)
	sock, path := filepath.Join(dir, "a.sock"), filepath.Join(dir, "site.pem")
	if got := askSocket(t, sock, "acme status\n"); !strings.Contains(got, "\n"+path+"\tLE\tScheduled\t") {
		t.Errorf("acme status: %q", got)
	}
	if got := askSocket(t, sock, "acme renew "+path+"\n"); got != "\n" {
		t.Errorf("acme renew: %q", got)
	}
	served(first)
	for _, want := range []string{"Successful update of the certificate", "acme: new certificate in service"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	p.signal(syscall.SIGTERM)
	if code := p.exit(10 * time.Second); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, p.stderr.String())
	}
}
