package proxy

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
	"switchyard/internal/testcert"
	"switchyard/proxyproto"
)

// pp2Origin is a TCP origin that reads the PROXY header each connection
// starts with, hands it to the test, and answers "ok".
func pp2Origin(t *testing.T) (string, chan proxyproto.Header) {
	got := make(chan proxyproto.Header, 8)
	o := itRawOrigin(t, func(c net.Conn) {
		var buf []byte
		b := make([]byte, 1024)
		for {
			n, err := c.Read(b)
			buf = append(buf, b[:n]...)
			h, _, perr := proxyproto.Parse(buf)
			if perr == nil {
				// The TLVs point into buf, which is not reused.
				got <- h
				io.WriteString(c, "ok")
				return
			}
			if perr != proxyproto.ErrIncomplete || err != nil {
				got <- proxyproto.Header{}
				return
			}
		}
	})
	return o.addr, got
}

// pp2Summary renders what a header's TLVs say, the SSL TLV taken apart,
// one TLV a line, for comparison.
func pp2Summary(t *testing.T, h proxyproto.Header) string {
	t.Helper()
	var b strings.Builder
	for _, tlv := range h.TLVs {
		if tlv.Type != proxyproto.TypeSSL {
			fmt.Fprintf(&b, "%#x=%q\n", tlv.Type, tlv.Value)
			continue
		}
		s, err := proxyproto.ParseSSL(tlv.Value)
		if err != nil {
			t.Fatalf("SSL TLV: %v", err)
		}
		fmt.Fprintf(&b, "ssl client=%#x verify=%d\n", s.Client, s.Verify)
		for _, sub := range s.Sub {
			fmt.Fprintf(&b, "  %#x=%q\n", sub.Type, sub.Value)
		}
	}
	return b.String()
}

const pp2Config = `
defaults
  mode tcp
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind {TLS} ssl crt {CRT} ca-file {CA} verify optional alpn x-test
  bind {CLEAR}
  default_backend be
backend be
  server o {O} send-proxy-v2-ssl-cn proxy-v2-options ssl-cipher,cert-sig,cert-key,authority
`

// pp2Run connects to a frontend made of pp2Config (with TLS when cfg is
// not nil), and returns the summary of the header its server received.
func pp2Run(t *testing.T, addr string, cfg *tls.Config, got chan proxyproto.Header) string {
	t.Helper()
	var c net.Conn
	var err error
	if cfg != nil {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: itTimeout}, "tcp", addr, cfg)
	} else {
		c, err = net.DialTimeout("tcp", addr, itTimeout)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(itTimeout))
	io.WriteString(c, "hello")
	if b, _ := io.ReadAll(c); string(b) != "ok" {
		t.Fatalf("answer %q", b)
	}
	select {
	case h := <-got:
		if h.Version != 2 {
			t.Fatalf("no PROXY v2 header: %+v", h)
		}
		return pp2Summary(t, h)
	case <-time.After(itTimeout):
		t.Fatal("no header")
	}
	return ""
}

// TestSendProxyV2SSL: the SSL TLV send-proxy-v2-ssl-cn and the TLS
// proxy-v2-options send, with ALPN and the SNI as authority, is what
// haproxy sends for the same client: over TLS 1.2 with and without a
// client certificate, and in clear.
func TestSendProxyV2SSL(t *testing.T) {
	haproxytest.Need(t)
	srvCA, cliCA := testcert.NewCA("pp2 server CA"), testcert.NewCA("pp2 client CA")
	dir := t.TempDir()
	crt, caFile := filepath.Join(dir, "site.pem"), filepath.Join(dir, "ca.pem")
	testcert.Write(crt, srvCA.Issue(testcert.Opts{CN: "www.example", DNS: []string{"www.example"}, RSA: true}).Bundle())
	testcert.Write(caFile, cliCA.PEM)
	alice := cliCA.Issue(testcert.Opts{CN: "alice", Client: true})
	aliceCert, err := tls.X509KeyPair(alice.CertPEM, alice.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	client := func(withCert bool) *tls.Config {
		c := &tls.Config{RootCAs: srvCA.Pool(), ServerName: "www.example", NextProtos: []string{"x-test"},
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}
		if withCert {
			c.Certificates = []tls.Certificate{aliceCert}
		}
		return c
	}

	run := func(start func(cfg string)) []string {
		origin, got := pp2Origin(t)
		tlsAddr, clearAddr := itAddr(t), itAddr(t)
		text := strings.NewReplacer("{TLS}", tlsAddr, "{CLEAR}", clearAddr, "{CRT}", crt, "{CA}", caFile, "{O}", origin).Replace(pp2Config)
		start(text)
		return []string{
			pp2Run(t, tlsAddr, client(true), got),
			pp2Run(t, tlsAddr, client(false), got),
			pp2Run(t, clearAddr, nil, got),
		}
	}
	sy := run(func(text string) { itStart(t, itConfig(t, text)) })
	hx := run(func(text string) {
		addr := strings.Fields(strings.SplitN(text, "bind ", 2)[1])[0]
		haproxytest.Start(t, haproxytest.Options{Config: text, WaitFor: addr})
	})
	for i, what := range []string{"TLS with a client certificate", "TLS without", "clear"} {
		if sy[i] != hx[i] {
			t.Errorf("%s: switchyard sent\n%s\nhaproxy\n%s", what, sy[i], hx[i])
		}
	}
	// The case with a certificate says all there is to say (the CA signs
	// with ECDSA, the served key is RSA).
	for _, want := range []string{"ssl client=0x7 verify=0", `0x21="TLSv1.2"`, `0x22="alice"`, `0x25="RSA2048"`,
		`0x24="ecdsa-with-SHA256"`, `0x23="ECDHE-RSA-AES128-GCM-SHA256"`, `0x1="x-test"`, `0x2="www.example"`} {
		if !strings.Contains(sy[0], want) {
			t.Errorf("switchyard's header lacks %s:\n%s", want, sy[0])
		}
	}
	if sy[2] != "ssl client=0x0 verify=0\n" {
		t.Errorf("clear: %q", sy[2])
	}
}
