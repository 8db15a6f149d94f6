package difftest

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Stick tables: the values haproxy counts on tracked entries for the same
// traffic, read back through the sc_*, src_* and table_* fetches in a
// header the origin sees (and, for responses, in a response header).

// allStores is a table line storing every counting data type.
const allStores = "    stick-table type ip size 1k expire 1m store conn_cnt,conn_cur,conn_rate(10s),sess_cnt,sess_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),http_fail_cnt,http_fail_rate(10s),bytes_in_cnt,bytes_in_rate(10s),bytes_out_cnt,bytes_out_rate(10s),gpc0,gpc0_rate(10s),gpc1,gpc1_rate(10s),gpt0,server_id\n"

// showSC is a header with every value of a tracked slot. The byte rates
// are left out: switchyard counts the bytes of the messages as they go on
// the wire, haproxy those of its internal form (a few bytes apart per
// message, see docs/sticktables.md), and so is kbytes_out: haproxy counts
// a response's bytes out on the entries only if its stream is processed
// again before it ends, which depends on timing.
func showSC(hdr, p string) string {
	var b strings.Builder
	for _, f := range []string{"conn_cnt", "conn_cur", "conn_rate", "sess_cnt", "sess_rate", "http_req_cnt", "http_req_rate",
		"http_err_cnt", "http_err_rate", "http_fail_cnt", "http_fail_rate",
		"get_gpc0", "gpc0_rate", "get_gpc1", "gpc1_rate", "get_gpt0", "trackers"} {
		b.WriteString(f + "=%[" + p + f + "] ")
	}
	return "\"" + hdr + "\" \"" + strings.TrimSpace(b.String()) + "\""
}

func TestStickTableCounting(t *testing.T) {
	req := func(path string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: a\r\nX-Pad: " + strings.Repeat("p", 600) + "\r\n\r\n"
	}
	big := strings.Repeat("b", 1500)
	runCases(t, []tcase{
		{name: "http-request track-sc0", anyConn: true, settle: true,
			cfg: withFE(allStores +
				"    http-request track-sc0 src\n" +
				"    http-request sc-inc-gpc0(0) if { path /inc }\n" +
				"    http-request sc-inc-gpc1(0) if { path /inc }\n" +
				"    http-request sc-set-gpt0(0) 42 if { path /set }\n" +
				"    http-request set-header " + showSC("X-SC", "sc0_") + "\n" +
				"    http-response set-header " + showSC("X-RS", "sc0_") + "\n"),
			steps: []step{
				{conn: 1, send: req("/a"), read: 1},
				{conn: 1, send: req("/inc"), read: 1},
				{conn: 1, send: req("/set"), read: 1},
				{conn: 2, send: req("/404"), read: 1},
				{conn: 2, send: req("/500"), read: 1},
				{conn: 3, send: req("/503"), read: 1},
				{conn: 3, send: req("/501"), read: 1},
				{conn: 1, send: req("/last"), read: 1},
			},
			replies: []reply{raw200(big), raw200("x"), raw200("y"),
				rawReply("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"),
				rawReply("HTTP/1.1 500 Oops\r\ncontent-length: 0\r\n\r\n"),
				rawReply("HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n"),
				rawReply("HTTP/1.1 501 Nope\r\ncontent-length: 0\r\n\r\n"),
				raw200("z")}},
		{name: "tcp-request connection track-sc1", anyConn: true, settle: true,
			cfg: withFE(allStores +
				"    tcp-request connection track-sc1 src\n" +
				"    http-request set-header " + showSC("X-SC", "sc1_") + "\n" +
				"    http-request set-header X-SRC \"%[src_conn_cur] %[src_conn_cnt] %[src_sess_cnt] %[src_http_req_cnt] %[sc1_tracked] %[sc0_tracked] %[table_cnt] %[table_avl] %[src,table_http_req_cnt(fe)] %[src,in_table(fe)] %[str(10.0.0.1),in_table(fe)] %[src,table_trackers(fe)]\"\n"),
			steps: []step{
				{conn: 1, send: req("/a"), read: 1},
				{conn: 2, send: req("/b"), read: 1},
				{conn: 1, send: req("/404"), read: 1},
				{conn: 3, src: "127.0.0.2", send: req("/c"), read: 1},
				{conn: 2, send: req("/d"), read: 1},
			},
			replies: []reply{raw200(big), raw200("x"), rawReply("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"), raw200("y"), raw200("z")}},
		{name: "rate limit and deny", anyConn: true, settle: true,
			cfg: withFE("    stick-table type ip size 100k expire 30s store http_req_rate(10s),http_err_cnt\n" +
				"    http-request track-sc0 src\n" +
				"    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }\n" +
				"    http-request set-header X-E \"%[sc0_http_err_cnt] %[sc_http_req_rate(0)]\"\n"),
			steps: []step{
				{conn: 1, send: req("/1"), read: 1},
				{conn: 1, send: req("/2"), read: 1},
				{conn: 1, send: req("/3"), read: 1},
				{conn: 1, send: req("/4"), read: 1},
				{conn: 2, send: req("/5"), read: 1},
				{conn: 3, src: "127.0.0.3", send: req("/6"), read: 1},
			}},
		{name: "gpc arrays and a second table", anyConn: true, settle: true,
			cfg: withFE("    http-request track-sc2 req.hdr(host) table t2\n"+
				"    http-request sc-inc-gpc(1,2)\n"+
				"    http-request sc-inc-gpc(0,2)\n"+
				"    http-request sc-set-gpt(1,2) int(9)\n"+
				"    http-request set-header X-G \"%[sc_get_gpc(0,2)] %[sc_get_gpc(1,2)] %[sc_gpc_rate(1,2)] %[sc_get_gpt(1,2)] %[sc2_get_gpc0] %[sc2_get_gpt0] %[sc_inc_gpc(1,2)] %[sc2_clr_gpc0] %[sc_get_gpc(0,2)]\"\n") +
				"\nbackend t2\n    stick-table type string len 8 size 10 store gpc(2),gpc_rate(2,10s),gpt(2)\n",
			steps: []step{
				{conn: 1, send: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", read: 1},
				{conn: 1, send: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", read: 1},
				{conn: 2, send: "GET / HTTP/1.1\r\nHost: other\r\n\r\n", read: 1},
			}},
	})
}

func TestStickTableBadRequests(t *testing.T) {
	runCases(t, []tcase{
		{name: "bad request counts on session trackers", anyConn: true, settle: true,
			cfg: withFE("    stick-table type ip size 1k store http_req_cnt,http_err_cnt\n" +
				"    tcp-request connection track-sc0 src\n" +
				"    http-request set-header X-C \"%[sc0_http_req_cnt] %[sc0_http_err_cnt]\"\n"),
			steps: []step{
				{conn: 1, send: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
				{conn: 2, send: "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
				{conn: 3, send: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", read: 1},
			}},
	})
}

// TestStickTableShow compares `show table` after the same traffic: every
// data type's values, entry by entry (addresses, expiry and the byte
// counters masked: see showSC).
func TestStickTableShow(t *testing.T) {
	const cfg = `global
    stats socket "${DIR}/stats.sock" level admin
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend fe
    bind "127.0.0.1:${FE_PORT}"
    stick-table type ip size 1k expire 1m store server_id,gpt0,gpc0,gpc0_rate(10s),conn_cnt,conn_rate(10s),conn_cur,sess_cnt,sess_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),bytes_in_cnt,bytes_in_rate(10s),bytes_out_cnt,bytes_out_rate(10s),gpc1,gpc1_rate(10s),http_fail_cnt,http_fail_rate(10s)
    tcp-request connection track-sc1 src
    http-request track-sc0 req.hdr(x-key) table keys
    http-request sc-inc-gpc0(1) if { path /inc }
    http-request sc-inc-gpc1(0) if { path /inc }
    http-request sc-set-gpt0(1) 3 if { path /set }
    default_backend be
backend be
    server o "127.0.0.1:${FE2_PORT}"
backend keys
    stick-table type string len 16 size 100 store gpt(2),gpc(2),gpc_rate(2,20s),http_req_cnt,http_err_cnt,http_fail_cnt,conn_cur
frontend origin
    bind "127.0.0.1:${FE2_PORT}"
    http-request return status 404 if { path /404 }
    http-request return status 502 if { path /502 }
    http-request return status 505 if { path /505 }
    http-request return status 200
`
	type req struct{ src, path, key string }
	reqs := []req{{"127.0.0.1", "/a", "k1"}, {"127.0.0.1", "/inc", "k1"}, {"127.0.0.2", "/404", "k2"},
		{"127.0.0.2", "/502", "k2"}, {"127.0.0.3", "/505", ""}, {"127.0.0.1", "/set", "k1"}, {"127.0.0.3", "/inc", "k3"}}
	masks := regexp.MustCompile(`0x[0-9a-f]+:|exp=[0-9]+|bytes_(in|out)_(cnt|rate\(10000\))=[0-9]+`)
	run := func(bin string) (string, error) {
		dir := t.TempDir()
		fe, err := freePort()
		if err != nil {
			return "", err
		}
		fe2, err := freePort()
		if err != nil {
			return "", err
		}
		text := strings.NewReplacer("${DIR}", dir, "${FE_PORT}", strconv.Itoa(fe), "${FE2_PORT}", strconv.Itoa(fe2)).Replace(cfg)
		path := filepath.Join(dir, "haproxy.cfg")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return "", err
		}
		p, err := startProxy(t, bin, path, nil, []int{fe, fe2})
		if err != nil {
			return "", err
		}
		defer p.stop()
		for _, r := range reqs {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(r.src)}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(fe)))
			if err != nil {
				return "", err
			}
			hdr := ""
			if r.key != "" {
				hdr = "X-Key: " + r.key + "\r\n"
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: a\r\n%sConnection: close\r\n\r\n", r.path, hdr)
			io.Copy(io.Discard, c)
			c.Close()
		}
		var out strings.Builder
		for _, cmd := range []string{"show table", "show table fe", "show table keys", "show table fe data.gpc0 gt 0", "show table keys key k1"} {
			// Connections end asynchronously: wait for conn_cur to fall
			// back, briefly, before reading.
			var got string
			for end := time.Now().Add(2 * time.Second); ; {
				got, err = cliCommand(filepath.Join(dir, "stats.sock"), cmd)
				if err != nil {
					return "", err
				}
				if !strings.Contains(got, "conn_cur=1") || time.Now().After(end) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			out.WriteString("> " + cmd + "\n" + masks.ReplaceAllString(got, "<masked>"))
		}
		return out.String(), nil
	}
	want, err := run(haproxyBin)
	if err != nil {
		t.Fatalf("haproxy: %v", err)
	}
	got, err := run(candidate)
	if err != nil {
		t.Fatalf("switchyard: %v", err)
	}
	t.Logf("show table:\n%s", got)
	if got != want {
		t.Errorf("show table differs\n--- haproxy\n%s\n--- switchyard\n%s", want, got)
	}
}
