package difftest

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchyard/internal/testcert"
)

// TLS statistics: the ssl stats module's columns (ssl_sess,
// ssl_reused_sess, ssl_failed_handshake) of frontends, listeners,
// backends and servers, and show info's and the exporter's TLS endpoint
// counts, after handshakes with clients and with servers that are new,
// resumed and failed. The TLS server is a section of the proxy itself
// (origin, in front of an origin in clear), whose own frontend counts the
// server side's handshakes from the other end.
const statsTLSCfg = `global
    nbthread 1
${SOCKET}
defaults
    mode http
    timeout connect 1s
    timeout client 3s
    timeout server 3s

frontend fe
    bind 127.0.0.1:${FE_PORT} name clear
    bind 127.0.0.1:${FETLS_PORT} ssl crt ${CRT} name tls
    option socket-stats
    option http-server-close
    use_backend bad if { path_beg /bad }
    default_backend app

frontend mon
    bind 127.0.0.1:${FEMON_PORT}
    http-request use-service prometheus-exporter if { path /metrics }
    stats uri /stats

frontend poll
    bind 127.0.0.1:${FEPOLL_PORT}
    stats uri /stats

backend app
    server s1 127.0.0.1:${FEORIGIN_PORT} ssl verify none

backend bad
    retries 0
    server s2 127.0.0.1:${S1_PORT} ssl verify none

listen origin
    bind 127.0.0.1:${FEORIGIN_PORT} ssl crt ${CRT}
    server o1 127.0.0.1:${S2_PORT}
`

// statsTLSTraffic: two requests over TLS, the second resuming the first's
// session (each makes a connection to s1, the second resuming too); one
// in clear to s2, which answers the handshake in clear (a failed
// handshake); then two failed handshakes with clients:
// bytes that are no TLS, and a connection closed at once.
func statsTLSTraffic(addr func(string) string) []string {
	fe, tlsAddr := addr("FE_PORT"), addr("FETLS_PORT")
	var lines []string
	cache := tls.NewLRUClientSessionCache(4)
	for i := range 2 {
		c := &http.Client{Timeout: stepWait, Transport: &http.Transport{DisableKeepAlives: true,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ClientSessionCache: cache}}}
		resp, err := c.Get("https://" + tlsAddr + "/")
		if err != nil {
			lines = append(lines, fmt.Sprintf("TLS %d: %v", i+1, err))
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines = append(lines, fmt.Sprintf("TLS %d: %d %q resumed %v", i+1, resp.StatusCode, body, resp.TLS.DidResume))
	}
	code, body, err := httpGet(fe, "/bad")
	lines = append(lines, fmt.Sprintf("GET /bad: %d %q %v", code, firstN(string(body), 40), err))
	for _, send := range []string{"GET / HTTP/1.0\r\n\r\n", ""} {
		c, err := net.Dial("tcp", tlsAddr)
		if err != nil {
			lines = append(lines, "dial: "+err.Error())
			continue
		}
		if send != "" {
			c.Write([]byte(send))
			c.SetReadDeadline(time.Now().Add(stepWait))
			io.Copy(io.Discard, c)
		}
		c.Close()
	}
	// Each proxy counts the failed handshakes as their connections end:
	// let them.
	time.Sleep(200 * time.Millisecond)
	return lines
}

func TestStatsTLS(t *testing.T) {
	leaf := testcert.NewCA("stats CA").Issue(testcert.Opts{CN: "www.example.com", DNS: []string{"www.example.com"}})
	crt := filepath.Join(t.TempDir(), "www.pem")
	testcert.Write(crt, leaf.Bundle())
	runStatsScenario(t, strings.ReplaceAll(statsTLSCfg, "${CRT}", crt), nil, statsTLSTraffic, statsBugs, nil)
}
