package difftest

import (
	"crypto/tls"
	"testing"
	"time"

	"switchyard/internal/testhello"
)

// SNI routing without TLS termination: the req.ssl_* fetches read the
// client's first handshake record in clear. Each value is kept in a
// variable as soon as its fetch can tell (the rule waits until then) and
// logged; the routing rules pick one backend per kind of hello, whose
// origin echoes the bytes and then names itself. The response rules read
// the echo, which is the same record.
const sniCfg = `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%b type=%[var(txn.type)] ver=%[var(txn.ver)] sni=%[var(txn.sni)] alpn=%[var(txn.alpn)] st=%[var(txn.st)] ec=%[var(txn.ec)] res=%[var(txn.res)] %ts"
    tcp-request inspect-delay 1s
    tcp-request content set-var(txn.ver) req.ssl_ver if { req.ssl_ver -m found }
    tcp-request content set-var(txn.type) req_ssl_hello_type if { req.ssl_hello_type -m found }
    tcp-request content set-var(txn.sni) req.ssl_sni if { req_ssl_sni -m found }
    tcp-request content set-var(txn.alpn) req.ssl_alpn if { req.ssl_alpn -m found }
    tcp-request content set-var(txn.st) req.ssl_st_ext if { req.ssl_st_ext -m found }
    tcp-request content set-var(txn.ec) req.ssl_ec_ext if { req.ssl_ec_ext -m found }
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend a if { req_ssl_sni -i a.example }
    use_backend h2 if { req.ssl_alpn h2 }
    use_backend old if { req_ssl_ver lt 3.3 }
    default_backend b

backend a
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
backend b
    mode tcp
    tcp-response inspect-delay 1s
    tcp-response content set-var(txn.res) res.ssl_hello_type if { rep_ssl_hello_type -m found }
    server s2 "127.0.0.1:${S2_PORT}"
backend h2
    mode tcp
    server s3 "127.0.0.1:${S3_PORT}"
backend old
    mode tcp
    server s4 "127.0.0.1:${S4_PORT}"
`

func TestSSLHelloFetches(t *testing.T) {
	hello := func(cfg *tls.Config) string {
		cfg.InsecureSkipVerify = true
		return string(testhello.ClientHello(t, cfg))
	}
	cache := tls.NewLRUClientSessionCache(1) // crypto/tls then offers tickets
	toA := hello(&tls.Config{ServerName: "a.example", NextProtos: []string{"h2", "http/1.1"}, ClientSessionCache: cache})
	alpnH2 := hello(&tls.Config{ServerName: "other.example", NextProtos: []string{"http/1.1", "h2"}, SessionTicketsDisabled: true})
	tls10 := hello(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10})
	bare := hello(&tls.Config{})
	// An SSLv2-compatible CLIENT-HELLO asking for TLS 1.0.
	sslv2 := "\x80\x1f\x01\x03\x01\x00\x06\x00\x00\x00\x10\x00\x00\x2f\x00\x00\x35" + "0123456789abcdef"
	// A ServerHello record: a handshake, of type 2.
	serverHello := "\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03" + string(make([]byte, 32)) + "\x00\x13\x01\x00"
	note := func(s string) string { return echoEOFNote(s) }
	whole := func(data, origin string) []step {
		return []step{{send: data, shut: true, raw: len(data)}, {raw: len(note(origin)), eof: true}}
	}
	cases := []tcase{
		{name: "sni-a", steps: whole(toA, "s1")},
		{name: "alpn-h2", steps: whole(alpnH2, "s3")},
		{name: "tls10", steps: whole(tls10, "s4")},
		{name: "no-sni", steps: whole(bare, "s2")},
		{name: "sslv2", steps: whole(sslv2, "s4")},
		{name: "server-hello", steps: whole(serverHello, "s2")},
		{name: "not-tls", steps: whole("GET / HTTP/1.0\r\n\r\n", "s2")},
		// In pieces: nothing is forwarded until the ClientHello is whole.
		{name: "split", steps: []step{
			{send: toA[:20], raw: 1, wait: 300 * time.Millisecond},
			{send: toA[20:], shut: true, raw: len(toA)},
			{raw: len(note("s1")), eof: true},
		}},
		// Half of it: the rules wait until inspect-delay ends.
		{name: "incomplete", steps: []step{
			{send: toA[:len(toA)/2], raw: len(toA) / 2, wait: 5 * time.Second},
			{shut: true, raw: len(note("s2")), eof: true},
		}},
		// Half of it, then the client's end: nothing more will come.
		{name: "incomplete-shut", steps: whole(toA[:len(toA)/2], "s2")},
	}
	for i := range cases {
		cases[i].cfg, cases[i].tcp, cases[i].logs = sniCfg, true, 1
	}
	// The SNI is known once as many bytes as the ClientHello's length
	// follow the record header, 4 before the message's end: the stream is
	// routed without them (were it not, the first read would time out).
	cases = append(cases, tcase{name: "sni-before-the-end", tcp: true, logs: 1, cfg: sniEarlyCfg, steps: []step{
		{send: toA[:len(toA)-4], raw: len(toA) - 4, wait: 500 * time.Millisecond},
		{send: toA[len(toA)-4:], shut: true, raw: 4},
		{raw: len(note("s1")), eof: true},
	}})
	runCases(t, cases)
}

const sniEarlyCfg = `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    log-format "%b sni=%[var(txn.sni)] type=%[var(txn.type)] %ts"
    tcp-request inspect-delay 2s
    tcp-request content set-var(txn.sni) req.ssl_sni if { req.ssl_sni -m found }
    tcp-request content set-var(txn.type) req.ssl_hello_type
    use_backend a if { var(txn.sni) -m str a.example }
    default_backend b

backend a
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
backend b
    mode tcp
    server s2 "127.0.0.1:${S2_PORT}"
`
