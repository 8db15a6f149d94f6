package difftest

import (
	"testing"

	"switchyard/internal/testcert"
)

// Connections that end before their first stream (a bad or missing PROXY
// header, a failed TLS handshake) get haproxy's connection-error log line,
// "src:port [date] fe/bind: reason", unless dontlognull hides a null one.
func TestConnectionErrorLogs(t *testing.T) {
	ca := testcert.NewCA("difftest CA")
	site := string(ca.Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}}).Bundle())
	fe := func(bindOpts, opts string) string {
		return `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}" ` + bindOpts + `
    log "127.0.0.1:${LOG_PORT}" format raw local0
    option tcplog
` + opts + `    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`
	}
	files := map[string]string{"site.pem": site}
	runCases(t, []tcase{
		{name: "proxy-not-a-header", tcp: true, logs: 1, cfg: fe("accept-proxy", ""),
			steps: []step{{conn: 0, send: "hello world\r\n", eof: true}}},
		{name: "proxy-invalid-header", tcp: true, logs: 1, cfg: fe("accept-proxy", ""),
			steps: []step{{conn: 0, send: "PROXY TCP4 nonsense\r\n", eof: true}}},
		{name: "proxy-closed-empty", tcp: true, logs: 1, cfg: fe("accept-proxy name pp", ""),
			steps: []step{{conn: 0, shut: true, eof: true}}},
		{name: "proxy-closed-empty-dontlognull", tcp: true, logs: 0, cfg: fe("accept-proxy", "    option dontlognull\n"),
			steps: []step{{conn: 0, shut: true, eof: true}}},
		{name: "ssl-not-tls", tcp: true, logs: 1, files: files, cfg: fe("ssl crt \"${DIR}/site.pem\"", ""),
			steps: []step{{conn: 0, send: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", eof: true}}},
		{name: "ssl-not-tls-dontlognull", tcp: true, logs: 1, files: files, cfg: fe("ssl crt \"${DIR}/site.pem\"", "    option dontlognull\n"),
			steps: []step{{conn: 0, send: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", eof: true}}},
		{name: "ssl-closed-empty", tcp: true, logs: 1, files: files, cfg: fe("ssl crt \"${DIR}/site.pem\" name tls", ""),
			steps: []step{{conn: 0, shut: true, eof: true}}},
	})
}
