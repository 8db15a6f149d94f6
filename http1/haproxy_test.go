package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchyard/internal/haproxytest"
)

// The differential harness: the same raw bytes go through the real haproxy
// 2.6 in front of a raw origin that records what it receives, and the table
// in cases_test.go must say exactly what was observed. TestCodecCases then
// holds this package to the same table.

// ioTimeout bounds every socket operation of the harness.
const ioTimeout = 5 * time.Second

// site is one frontend/backend pair of a running haproxy: a client address
// and the origin listener its only server points at.
type site struct {
	front  string
	origin *net.TCPListener
}

// siteConfig holds extra configuration lines for one site.
type siteConfig struct {
	frontend, backend string
	server            string // appended to the server line
}

// startHaproxy runs one haproxy with a frontend and a backend per site. The
// frontends' listening sockets are created here and inherited (bind fd@N),
// so they accept connections before haproxy is even ready and no polling is
// needed.
func startHaproxy(t *testing.T, configs []siteConfig) []site {
	t.Helper()
	haproxytest.Need(t)
	var cfg strings.Builder
	cfg.WriteString("global\n  maxconn 1000\ndefaults\n  mode http\n" +
		"  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n  timeout http-request 5s\n")
	sites := make([]site, len(configs))
	files := make([]*os.File, len(configs))
	for i, sc := range configs {
		fl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ol, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if files[i], err = fl.(*net.TCPListener).File(); err != nil {
			t.Fatal(err)
		}
		sites[i] = site{front: fl.Addr().String(), origin: ol.(*net.TCPListener)}
		fl.Close()
		t.Cleanup(func() { ol.Close(); files[i].Close() })
		fmt.Fprintf(&cfg, "frontend f%d\n  bind fd@%d\n%s  default_backend b%d\n", i, 3+i, sc.frontend, i)
		fmt.Fprintf(&cfg, "backend b%d\n%s  server s %s%s\n", i, sc.backend, ol.Addr(), sc.server)
	}
	haproxytest.Start(t, haproxytest.Options{Config: cfg.String(), Files: files})
	return sites
}

// observation is what one exchange through haproxy looked like.
type observation struct {
	fwd    string // bytes the origin received before answering
	client string // bytes the client received
	status int
}

// exchange sends c.Req to the site and plays the origin with c.Resp. The
// origin answers once it has received len(c.Fwd) bytes (or, with an empty
// Fwd, a head), then closes.
func exchange(t *testing.T, s site, c Case) observation {
	t.Helper()
	type rec struct {
		b   []byte
		err error
	}
	got := make(chan rec, 1)
	// Set here, not in the goroutine, so that it cannot override the
	// deadline that ends the wait below.
	s.origin.SetDeadline(time.Now().Add(ioTimeout))
	go func() {
		conn, err := s.origin.Accept()
		if err != nil {
			got <- rec{err: err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(ioTimeout))
		var all []byte
		buf := make([]byte, 64<<10)
		for len(c.Fwd) == 0 && !bytes.Contains(all, []byte("\r\n\r\n")) || len(c.Fwd) > 0 && len(all) < len(c.Fwd) {
			n, err := conn.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				got <- rec{all, err}
				return
			}
		}
		_, err = io.WriteString(conn, c.response())
		got <- rec{all, err}
	}()
	conn, err := net.DialTimeout("tcp", s.front, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(conn, c.Req); err != nil {
		t.Fatal(err)
	}
	client, err := readResponses(conn, strings.HasPrefix(c.Req, "HEAD "), len(c.Client))
	if err != nil {
		t.Fatalf("reading haproxy's answer: %v (got %q)", err, client)
	}
	var o observation
	o.client = string(client)
	o.status, _ = strconv.Atoi(string(statusOf(client)))
	// The origin has been reached if and only if haproxy connected, which
	// happened before the client got an answer made from the origin's.
	s.origin.SetDeadline(time.Now())
	select {
	case r := <-got:
		if r.err != nil && !errors.Is(r.err, os.ErrDeadlineExceeded) {
			t.Fatalf("origin: %v", r.err)
		}
		o.fwd = string(r.b)
	case <-time.After(ioTimeout):
		t.Fatal("origin did not finish")
	}
	return o
}

// statusOf returns the code of the final response in b, after any
// interim ones.
func statusOf(b []byte) []byte {
	for {
		end := bytes.Index(b, []byte("\r\n\r\n"))
		f := bytes.Fields(b)
		if len(f) < 2 {
			return nil
		}
		if len(f[1]) != 3 || f[1][0] != '1' || string(f[1]) == "101" || end < 0 {
			return f[1]
		}
		b = b[end+4:]
	}
}

// readResponses reads responses from conn until a final one is complete.
// It frames them with its own naive logic (the codec under test must not
// judge itself): 1xx are skipped, then content-length, chunked, or EOF
// (but no further than the expected length, for the odd answers haproxy
// leaves unframed without closing).
func readResponses(conn net.Conn, head bool, want int) ([]byte, error) {
	var all []byte
	buf := make([]byte, 64<<10)
	more := func() error {
		n, err := conn.Read(buf)
		all = append(all, buf[:n]...)
		return err
	}
	start := 0
	for {
		end := bytes.Index(all[start:], []byte("\r\n\r\n"))
		if end < 0 {
			if err := more(); err != nil {
				return all, eofOK(err, false)
			}
			continue
		}
		end += start + 4
		h := strings.ToLower(string(all[start:end]))
		code := ""
		if f := strings.Fields(h); len(f) > 1 {
			code = f[1]
		}
		if strings.HasPrefix(code, "1") && code != "101" && len(code) == 3 {
			start = end
			continue
		}
		switch {
		case head || code == "204" || code == "304" || code == "101":
			return all, nil
		case strings.Contains(h, "\r\ncontent-length: "):
			i := strings.Index(h, "\r\ncontent-length: ") + 18
			n, _ := strconv.Atoi(h[i : i+strings.Index(h[i:], "\r\n")])
			for len(all) < end+n {
				if err := more(); err != nil {
					return all, eofOK(err, false)
				}
			}
			return all, nil
		case strings.Contains(h, "\r\ntransfer-encoding: chunked"):
			for !chunkedDone(all[end:]) {
				if err := more(); err != nil {
					return all, eofOK(err, false)
				}
			}
			return all, nil
		}
		for want == 0 || len(all) < want {
			if err := more(); err != nil {
				return all, eofOK(err, true)
			}
		}
		return all, nil
	}
}

func eofOK(err error, ok bool) error {
	if err == io.EOF && ok {
		return nil
	}
	return err
}

// chunkedDone tells whether b holds a complete chunked body.
func chunkedDone(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			return false
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(b[:i], []byte(";"), 2)[0])), 16, 64)
		if err != nil {
			return false
		}
		b = b[i+2:]
		if n == 0 {
			return bytes.HasPrefix(b, []byte("\r\n")) || bytes.Contains(b, []byte("\r\n\r\n"))
		}
		if int64(len(b)) < n+2 {
			return false
		}
		b = b[n+2:]
	}
}

// TestHaproxyCases proves the table right: every case, run through
// haproxy, must produce exactly the recorded status, forwarded bytes and
// answer. With SWITCHYARD_RECORD=1 it prints what it saw instead, in the
// table's syntax, to add cases.
func TestHaproxyCases(t *testing.T) {
	cases := allCases()
	configs := make([]siteConfig, len(cases))
	for i, c := range cases {
		configs[i].backend = c.Backend
	}
	sites := startHaproxy(t, configs)
	record := os.Getenv("SWITCHYARD_RECORD") == "1"
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			o := exchange(t, sites[i], c)
			if record {
				fmt.Printf("RECORD\t%q\t%d\t%q\t%q\n", c.Name, o.status, o.fwd, o.client)
				return
			}
			if o.status != c.Status {
				t.Errorf("status = %d, table says %d", o.status, c.Status)
			}
			if o.fwd != c.Fwd {
				t.Errorf("forwarded: %s", diff(o.fwd, c.Fwd))
			}
			if o.client != c.Client {
				t.Errorf("client got: %s", diff(o.client, c.Client))
			}
		})
	}
}

func allCases() []Case {
	all := append([]Case(nil), requestCases...)
	all = append(all, responseCases...)
	return append(all, limitCases...)
}

// diff describes how got differs from want without printing 16 kB heads.
func diff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-40)
	clip := func(s string) string { return s[min(from, len(s)):min(i+60, len(s))] }
	return fmt.Sprintf("lengths %d/%d, first difference at %d:\n got …%q…\nwant …%q…", len(got), len(want), i, clip(got), clip(want))
}
