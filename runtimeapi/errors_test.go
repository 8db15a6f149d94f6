package runtimeapi

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// badOrigin answers every request with a response haproxy refuses (a
// header line without a colon).
func badOrigin(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nbad header\r\ncontent-length: 0\r\n\r\n")
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// tcpListener is a listening socket for a `bind fd@N`, and its file.
func tcpListener(t *testing.T) (net.Listener, *os.File) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return ln, f
}

// exchange sends raw bytes and returns the status line of the answer.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, raw)
	l, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(l)
}

var (
	errDateRe  = regexp.MustCompile(`\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\]`)
	errSrcRe   = regexp.MustCompile(`src 127\.0\.0\.1:\d+`)
	errFlagsRe = regexp.MustCompile(`(?m)^  H1 connection flags .*\n`)
	errMsgRe   = regexp.MustCompile(`H1 msg flags 0x[0-9a-f]{8}`)
)

// TestHAProxyShowErrors: the same invalid requests and responses sent to
// haproxy and to switchyard, then show errors in both. The dates, the
// client ports and the H1 flag words (haproxy's internal state, 0 in
// switchyard) are left out; the rest is compared byte for byte.
func TestHAProxyShowErrors(t *testing.T) {
	if _, err := os.Stat(haproxytest.Bin); err != nil {
		t.Skipf("%s is absent: the differential test needs the reference haproxy", haproxytest.Bin)
	}
	origin := badOrigin(t)
	cfg := diffPrelude + `frontend fe
    bind fd@FE
    default_backend be
backend be
    server s1 ` + origin + `
listen li
    bind fd@LI
    server s1 ` + origin + `
`
	type proc struct{ fe, li, sock string }
	var procs [2]proc
	// haproxy: its CLI socket and listeners inherited as fd 3, 4 and 5.
	dir := shortTempDir(t)
	cliFile := unixSocketFile(t, filepath.Join(dir, "h.sock"))
	defer cliFile.Close()
	hfe, hfeFile := tcpListener(t)
	hli, hliFile := tcpListener(t)
	htext := strings.NewReplacer("fd@FE", "fd@4", "fd@LI", "fd@5",
		"    stats timeout 5s\n", "    stats timeout 5s\n    stats socket fd@3 level admin\n").Replace(cfg)
	haproxytest.Start(t, haproxytest.Options{Config: htext, Files: []*os.File{cliFile, hfeFile, hliFile}})
	procs[0] = proc{hfe.Addr().String(), hli.Addr().String(), filepath.Join(dir, "h.sock")}
	// switchyard: the same, its listeners by descriptor too.
	sfe, sfeFile := tcpListener(t)
	sli, sliFile := tcpListener(t)
	// Its configuration declares a stats socket too: haproxy numbers
	// its proxies from 2 then.
	ssock := filepath.Join(dir, "s.sock")
	stext := strings.NewReplacer("fd@FE", "fd@"+strconv.Itoa(int(sfeFile.Fd())),
		"fd@LI", "fd@"+strconv.Itoa(int(sliFile.Fd())),
		"    stats timeout 5s\n", "    stats timeout 5s\n    stats socket "+ssock+" level admin\n").Replace(cfg)
	newEnv(t, stext)
	procs[1] = proc{sfe.Addr().String(), sli.Addr().String(), ssock}

	for _, p := range procs {
		for _, x := range []struct{ addr, raw, want string }{
			{p.fe, "GET / HTTP/1.1\r\nhost: a\r\nbad header\r\n\r\n", "HTTP/1.1 400 Bad request"},
			{p.li, "GE\x01T /x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad request"},
			{p.fe, "GET /ok HTTP/1.1\r\nhost: a\r\n\r\n", "HTTP/1.1 502 Bad Gateway"},
			{p.li, "GET /" + strings.Repeat("a\\", 50) + " HTTP/1.1\r\nhost: \t\x1b\r\nbad header\r\n\r\n", "HTTP/1.1 400 Bad request"},
		} {
			if got := exchange(t, x.addr, x.raw); got != x.want {
				t.Fatalf("%q: %q, want %q", x.raw, got, x.want)
			}
		}
	}
	norm := func(s string) string {
		s = errDateRe.ReplaceAllString(s, "[DATE]")
		s = errSrcRe.ReplaceAllString(s, "src 127.0.0.1:PORT")
		s = errFlagsRe.ReplaceAllString(s, "")
		return errMsgRe.ReplaceAllString(s, "H1 msg flags X")
	}
	for _, cmd := range []string{"show errors", "show errors be response", "show errors fe", "show errors li request",
		"show errors be request", "show errors 3", "show errors 99"} {
		hap, sy := norm(ask(t, procs[0].sock, cmd+"\n")), norm(ask(t, procs[1].sock, cmd+"\n"))
		if hap != sy {
			t.Errorf("%s:\nhaproxy:\n%s\nswitchyard:\n%s", cmd, hap, sy)
		}
	}
}
