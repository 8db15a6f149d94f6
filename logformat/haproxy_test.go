package logformat

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
	"switchyard/sample"
)

// Formats compared with haproxy: one for an http-request return body,
// one for the log line. Both avoid timers, dates and counters, whose
// values differ between two processes.
const (
	diffBodyFormat = `%ci|%cp|%fi|%fp|%f|%ft|%b|%s|%ST|%[path]|%[hdr(nope)]|%{+Q}[hdr(nope)]|%{+Q}[path]|` +
		`%{+Q}ci|%{+X}ci|%{+X}cp|%{+Q}b|a  b|%%|%-x|%{+E}[str(a])]|%[hdr(x)]|%r|%{+Q}r|%HM|%HU|%HP|%HPO|%HQ|%HV|` +
		`%ID|%{+Q}ID|%{+Q}HQ|%[req.hdr(x-list)]|%[urlp(x)]|%[req.cook(c),upper]|%{+Q}o%f %[src] %{+E}[hdr(q)]`
	diffLogFormat = `%ci|%cp|%fi|%fp|%f|%ft|%b|%s|%ST|%[src]|%[var(txn.no)]|%{+Q}[var(txn.no)]|%{+Q}[src]|` +
		`%{+Q}ci|%{+X}ci|%{+X}cp|%{+Q}b|a  b|%%|%-x| x |%{+Q}o %b %[str(a)] %{-Q}f %{+E}[str(a])]  ` +
		`%{+Q}[int(3)] %{+Q}[bool(1)] %{+Q}ST %{-Q}r %HM %HU %HP %HPO %HQ %HV %ID %{+Q}ID`
)

var diffRequests = []string{
	"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
	"GET http://h/a%20b?x=\"1\"&y HTTP/1.1\r\nHost: h\r\nX: a\x01b\x7fc\r\nX-List: p, q\r\n" +
		"Cookie: c=v1\r\nQ: x\"y\\z]\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
	"POST /p? HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
}

func TestFormatsMatchHAProxy(t *testing.T) {
	haproxytest.Need(t)
	body, err := ParseOptions(diffBodyFormat, Options{Flags: HTTPValue, HTTPMode: true, Avail: sample.SrcL4 | sample.SrcHTTPReq})
	if err != nil {
		t.Fatal(err)
	}
	logLine, err := ParseOptions(diffLogFormat, Options{Flags: LogFormat, HTTPMode: true, Avail: sample.SrcL4})
	if err != nil {
		t.Fatal(err)
	}

	addr, logs := startHAProxy(t)
	for _, raw := range diffRequests {
		gotBody, src, dst := send(t, addr, raw)
		var wantLog string
		select {
		case wantLog = <-logs:
		case <-time.After(5 * time.Second):
			t.Fatalf("no log line from haproxy for %q", raw)
		}
		c := &sample.Ctx{Req: parseRaw(raw), Src: src, Dst: dst}
		st := &Stream{Frontend: "fe", Status: 200}
		if ours := string(body.Append(nil, c, st)); ours != gotBody {
			t.Errorf("%q body:\n ours:    %s\n haproxy: %s", raw, ours, gotBody)
		}
		if ours := string(logLine.Append(nil, c, st)); ours != wantLog {
			t.Errorf("%q log:\n ours:    %s\n haproxy: %s", raw, ours, wantLog)
		}
	}
}

// startHAProxy runs a frontend that logs to its standard output and
// answers with diffBodyFormat; it returns the address and the log lines.
func startHAProxy(t *testing.T) (string, <-chan string) {
	addr := haproxytest.FreeAddr("tcp", "127.0.0.1")
	cfg := fmt.Sprintf(`global
  log stdout format raw local0
defaults
  mode http
  log global
  option dontlognull
  timeout client 5s
  timeout server 5s
  timeout connect 5s
frontend fe
  bind %s
  log-format "%s"
  http-request return status 200 content-type text/plain lf-string "%s"
`, addr, configQuote(diffLogFormat), configQuote(diffBodyFormat))
	stdout, w := io.Pipe()
	t.Cleanup(func() { w.Close() }) // runs last: ends the scanner
	logs, done := make(chan string, 16), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case logs <- sc.Text():
			case <-done: // nobody reads any more: drain, so haproxy can be stopped
			}
		}
	}()
	haproxytest.Start(t, haproxytest.Options{Config: cfg, Stdout: w, WaitFor: addr})
	t.Cleanup(func() { close(done) }) // runs before haproxy is stopped
	// dontlognull keeps the readiness probe, which sent nothing, out of
	// the logs.
	return addr, logs
}

// configQuote escapes a format for a double-quoted config argument.
func configQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// send sends a raw request and returns the reply body and the
// connection's addresses.
func send(t *testing.T, addr, raw string) (string, netip.AddrPort, netip.AddrPort) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
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
	return b.String(), netip.MustParseAddrPort(c.LocalAddr().String()), netip.MustParseAddrPort(c.RemoteAddr().String())
}

// parseRaw turns a raw request head into a testReq.
func parseRaw(raw string) *testReq {
	head, _, _ := strings.Cut(raw, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	return req(lines[0], lines[1:]...)
}
