package hlua

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
	"switchyard/internal/testcert"
)

// readRawRequest reads one request as sent: its head and a chunked or
// length-delimited body, raw.
func readRawRequest(br *bufio.Reader) ([]byte, error) {
	var raw bytes.Buffer
	chunked, length := false, 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return raw.Bytes(), err
		}
		raw.WriteString(line)
		l := strings.ToLower(strings.TrimSpace(line))
		if l == "" {
			break
		}
		if strings.HasPrefix(l, "transfer-encoding:") && strings.Contains(l, "chunked") {
			chunked = true
		}
		if v, ok := strings.CutPrefix(l, "content-length:"); ok {
			for _, c := range strings.TrimSpace(v) {
				length = length*10 + int(c-'0')
			}
		}
	}
	if chunked {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return raw.Bytes(), err
			}
			raw.WriteString(line)
			if strings.TrimSpace(line) == "0" {
				end, err := br.ReadString('\n')
				raw.WriteString(end)
				return raw.Bytes(), err
			}
			n := 0
			for _, c := range strings.TrimSpace(line) {
				n = n*16 + strings.IndexRune("0123456789abcdef", c|0x20)
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(br, buf); err != nil {
				return raw.Bytes(), err
			}
			raw.Write(buf)
		}
	}
	buf := make([]byte, length)
	_, err := io.ReadFull(br, buf)
	raw.Write(buf)
	return raw.Bytes(), err
}

// reply serves one request with the bytes of resp and records what came.
func reply(rec *[]string, mu *sync.Mutex, resp string) func(c net.Conn) {
	return func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := readRawRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		if rec != nil {
			mu.Lock()
			*rec = append(*rec, string(req))
			mu.Unlock()
		}
		out := resp
		if strings.HasPrefix(string(req), "HEAD ") {
			out, _, _ = strings.Cut(resp, "\r\n\r\n")
			out += "\r\n\r\n"
		}
		c.Write([]byte(out))
	}
}

// httpclientServers starts the servers testdata/httpclient.lua talks to
// (recording in reqs the requests its HTTP server gets) and returns the
// script's globals that name them, and that server's port.
func httpclientServers(t *testing.T, reqs *[]string, mu *sync.Mutex) (globals, httpPort string) {
	httpPort = listen(t, reply(reqs, mu, "HTTP/1.1 201 Created Fine\r\nX-Multi: a\r\nSet-Cookie: c1=1\r\nx-multi: b, c\r\nSet-Cookie: c2=2\r\nContent-Length: 10\r\n\r\nhello body"))
	chunked := listen(t, reply(nil, nil, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"))
	closeDelim := listen(t, reply(nil, nil, "HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nbody until close"))
	slow := listen(t, silentServer)
	_, refused, _ := net.SplitHostPort(haproxytest.FreeAddr("tcp", "127.0.0.1"))
	return "HTTP = " + httpPort + " CHUNKED = " + chunked + " CLOSEDELIM = " + closeDelim +
		" SLOW = " + slow + " REFUSED = " + refused, httpPort
}

// The response tables and the requests sent are those of haproxy 2.6.12
// on the same script (testdata/httpclient.out was written by it, against
// servers answering the same bytes).
func TestHTTPClient(t *testing.T) {
	old := hcRetryDelay
	hcRetryDelay = 10 * time.Millisecond
	defer func() { hcRetryDelay = old }()
	var mu sync.Mutex
	var reqs []string
	globals, httpPort := httpclientServers(t, &reqs, &mu)
	body, err := os.ReadFile("testdata/httpclient.lua")
	if err != nil {
		t.Fatal(err)
	}
	got := runLuaTest(t, nil, globals+"\n"+string(body))
	want, err := os.ReadFile("testdata/httpclient.out")
	if err != nil {
		t.Fatal(err)
	}
	expectLines(t, got, string(want))

	host := "host: 127.0.0.1:" + httpPort + "\r\n"
	wantReqs := []string{
		"GET /path?q=1 HTTP/1.1\r\nx-test: v1\r\nx-test: v2\r\n" + host + "accept: */*\r\nuser-agent: HAProxy\r\n\r\n",
		"POST /p HTTP/1.1\r\n" + host + "accept: */*\r\nuser-agent: HAProxy\r\ntransfer-encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n",
		"PUT /p HTTP/1.1\r\n" + host + "accept: */*\r\nuser-agent: HAProxy\r\n\r\n",
		"HEAD /h HTTP/1.1\r\n" + host + "accept: */*\r\nuser-agent: HAProxy\r\n\r\n",
		// the script's fields come in its table's order: compared sorted
		"DELETE /d HTTP/1.1\r\naccept: */*\r\nhost: example.org\r\nuser-agent: mine\r\n\r\n",
		"GET / HTTP/1.1\r\n" + host + "accept: */*\r\nuser-agent: HAProxy\r\n\r\n",
		"GET /x HTTP/1.1\r\nhost: example.com\r\naccept: */*\r\nuser-agent: HAProxy\r\n\r\n",
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != len(wantReqs) {
		t.Fatalf("%d requests, want %d: %q", len(reqs), len(wantReqs), reqs)
	}
	for i := range reqs {
		g := reqs[i]
		if strings.HasPrefix(g, "DELETE") {
			lines := strings.Split(strings.TrimSuffix(g, "\r\n\r\n"), "\r\n")
			sort.Strings(lines[1:])
			g = strings.Join(lines, "\r\n") + "\r\n\r\n"
		}
		if g != wantReqs[i] {
			t.Errorf("request %d:\n got  %q\n want %q", i, g, wantReqs[i])
		}
	}
}

// A large body goes out whole and a large response comes back whole
// (the reg-test's 54000 bytes each way).
func TestHTTPClientLargeBodies(t *testing.T) {
	var mu sync.Mutex
	var reqs []string
	big := strings.Repeat("x", 54000)
	port := listen(t, reply(&reqs, &mu, "HTTP/1.1 200 OK\r\nContent-Length: 54000\r\n\r\n"+big))
	got := runLuaTest(t, nil, `PORT = `+port+`
function test()
  local body = ""
  for i = 0, 2000 do body = body .. i .. ' ABCDEFGHIJKLMNOPQRSTUVWXYZ\n' end
  local r = core.httpclient():post{url="http://127.0.0.1:" .. PORT, body=body}
  out("status", r.status, #r.body)
  out("sent", #body)
end
`)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "status (200, 54000)" {
		t.Fatalf("got %q", got)
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(reqs[0])))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(req.Body)
	if "sent ("+itoa(len(b))+")" != got[1] {
		t.Errorf("server got %d bytes, script sent %s", len(b), got[1])
	}
}

// https: the server's certificate is verified (haproxy's default
// "httpclient.ssl.verify required" against the system's CAs), and a
// server that fails it is a 503; dst reaches a UNIX socket.
func TestHTTPClientTLSAndUnix(t *testing.T) {
	ca := testcert.NewCA("hlua test CA")
	leaf := ca.Issue(testcert.Opts{CN: "localhost", DNS: []string{"localhost"}})
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tlsPort := listen(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		defer tc.Close()
		reply(nil, nil, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nsec")(tc)
	})
	sock := listenUnix(t, reply(nil, nil, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nunix"))
	old, oldDelay := hcRootCAs, hcRetryDelay
	hcRetryDelay = time.Millisecond
	defer func() { hcRootCAs, hcRetryDelay = old, oldDelay }()
	script := `PORT = ` + tlsPort + ` SOCK = ` + quoteLua(sock) + `
function test()
  local r = core.httpclient():get{url="https://localhost:" .. PORT .. "/"}
  out("https", r.status, r.body)
  r = core.httpclient():get{url="http://localhost/", dst="unix@" .. SOCK}
  out("unix", r.status, r.body)
end
`
	// Not trusted: haproxy's 503.
	expectLines(t, runLuaTest(t, nil, script), `
https (503, "<html><body><h1>503 Service Unavailable</h1>\10No server is available to handle this request.\10</body></html>\10")
unix (200, "unix")
`)
	hcRootCAs = ca.Pool()
	expectLines(t, runLuaTest(t, nil, script), `
https (200, "sec")
unix (200, "unix")
`)
}
