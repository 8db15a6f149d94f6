package proxy

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"switchyard/config"
	"switchyard/internal/testhello"
	"switchyard/sample"
)

// sniConfig is the classic SNI routing without TLS termination: wait for
// the ClientHello, route on its server name. The second frontend gives
// up waiting quickly.
const sniConfig = `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend f
    bind {ADDR}
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend a if { req.ssl_sni -i a.example }
    default_backend b
frontend quick
    bind {QUICK}
    tcp-request inspect-delay 200ms
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend a if { req.ssl_sni -i a.example }
    default_backend b
backend a
    server o {A}
backend b
    server o {B}
`

// nameThenEcho is an origin that says its name, then echoes what it gets.
func nameThenEcho(name string) func(c net.Conn) {
	return func(c net.Conn) {
		io.WriteString(c, name)
		io.Copy(c, c)
	}
}

// sniSend sends the parts on a new connection to addr and returns the
// name of the origin that answered; that origin must echo, unchanged,
// every byte sent.
func sniSend(t *testing.T, addr string, parts ...[]byte) string {
	t.Helper()
	k := itDial(t, addr)
	defer k.c.Close()
	var sent []byte
	for _, p := range parts {
		k.send(string(p))
		sent = append(sent, p...)
	}
	got := make([]byte, 1+len(sent))
	if _, err := io.ReadFull(k.br, got); err != nil {
		t.Fatalf("reading the origin's answer: %v (got %q)", err, got)
	}
	if !bytes.Equal(got[1:], sent) {
		t.Fatalf("the origin got other bytes than were sent (%d sent)", len(sent))
	}
	return string(got[:1])
}

func TestIntegrationSNIRouting(t *testing.T) {
	t.Parallel()
	a, b := itRawOrigin(t, nameThenEcho("a")), itRawOrigin(t, nameThenEcho("b"))
	addr, quick := itAddr(t), itAddr(t)
	itStart(t, itConfig(t, sniConfig, "ADDR", addr, "QUICK", quick, "A", a.addr, "B", b.addr))
	hello := func(name string) []byte {
		return testhello.ClientHello(t, &tls.Config{ServerName: name, NextProtos: []string{"h2"}, InsecureSkipVerify: true})
	}
	toA := hello("a.example")
	for _, tt := range []struct {
		name  string
		addr  string
		parts [][]byte
		want  string
	}{
		{"sni-a", addr, [][]byte{toA}, "a"},
		{"sni-case", addr, [][]byte{hello("A.Example")}, "a"},
		{"sni-other", addr, [][]byte{hello("b.example")}, "b"},
		{"no-sni", addr, [][]byte{hello("")}, "b"},
		// Sent in pieces: the rule waits for the whole ClientHello.
		{"split", addr, [][]byte{toA[:3], toA[3:60], toA[60:]}, "a"},
		// Not TLS: decided at the first byte, no waiting.
		{"not-tls", addr, [][]byte{[]byte("SSH-2.0-x\r\n")}, "b"},
		// Half a ClientHello: routed by default once inspect-delay ends,
		// the server getting what came.
		{"incomplete", quick, [][]byte{toA[:len(toA)/2]}, "b"},
	} {
		if got := sniSend(t, tt.addr, tt.parts...); got != tt.want {
			t.Errorf("%s: routed to %s, want %s", tt.name, got, tt.want)
		}
	}
}

// A content rule on the ClientHello waits for every byte of it: each
// write below returns only once the rules have read it (net.Pipe), so a
// verdict given too early would leave a write blocked.
func TestContentRulesWaitForClientHello(t *testing.T) {
	cfg := itConfig(t, `
defaults
    mode tcp
frontend f
    bind 127.0.0.1:1
    tcp-request inspect-delay 5s
    tcp-request content reject if { req.ssl_sni -m found } !{ req.ssl_sni a.example }
    tcp-request content accept if { req.ssl_hello_type 1 }
    tcp-request content reject
`)
	var fe *config.Proxy
	for _, px := range cfg.Proxies {
		if px.Name == "f" {
			fe = px
		}
	}
	tr, err := compileTCPRules(fe)
	if err != nil {
		t.Fatal(err)
	}
	run := func(hello []byte, chunk int) (tcpVerdict, []byte) {
		client, server := net.Pipe()
		defer client.Close()
		defer server.Close()
		deadline := time.Now().Add(itTimeout)
		client.SetDeadline(deadline)
		server.SetDeadline(deadline)
		type result struct {
			v   tcpVerdict
			got []byte
		}
		res := make(chan result, 1)
		go func() {
			ctx := &sample.Ctx{}
			in, got, v := (&Runtime{}).contentRules(server, tr, ctx, tunnelBufs, nil, 0)
			res <- result{v, append([]byte(nil), (*in)[:got]...)}
			tunnelBufs.put(in)
		}()
		for i := 0; i < len(hello); i += chunk {
			if _, err := client.Write(hello[i:min(i+chunk, len(hello))]); err != nil {
				t.Fatalf("byte %d of %d not read: the rules stopped waiting (%v)", i, len(hello), err)
			}
		}
		select {
		case r := <-res:
			return r.v, r.got
		case <-time.After(itTimeout):
			t.Fatal("no verdict on the whole ClientHello")
		}
		return 0, nil
	}
	toA := testhello.ClientHello(t, &tls.Config{ServerName: "a.example", InsecureSkipVerify: true})
	toB := testhello.ClientHello(t, &tls.Config{ServerName: "b.example", InsecureSkipVerify: true})
	if v, got := run(toA, 1); v != tcpAccept || !bytes.Equal(got, toA) {
		t.Errorf("a.example byte by byte: verdict %d on %d bytes, want accept on %d", v, len(got), len(toA))
	}
	// The SNI is known 4 bytes before the end of the message, as in
	// haproxy: the reject needs no more.
	if v, got := run(toB[:len(toB)-4], 1); v != tcpReject || !bytes.Equal(got, toB[:len(toB)-4]) {
		t.Errorf("b.example byte by byte: verdict %d on %d bytes, want reject on %d", v, len(got), len(toB)-4)
	}
	// What cannot start a handshake is decided at its first byte.
	if v, got := run([]byte("G"), 1); v != tcpReject || string(got) != "G" {
		t.Errorf("not TLS: verdict %d on %q, want reject on \"G\"", v, got)
	}
}
