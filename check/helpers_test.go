package check

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// words splits a configuration line as haproxy's lexer does for what these
// tests need: blanks separate words, double and single quotes group them,
// and a backslash escapes a blank, a quote or itself, or writes \r \n \t.
func words(line string) []string {
	var out []string
	var w strings.Builder
	in := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case c == '\\' && quote != '\'' && i+1 < len(line):
			i++
			in = true
			switch n := line[i]; n {
			case 'r':
				w.WriteByte('\r')
			case 'n':
				w.WriteByte('\n')
			case 't':
				w.WriteByte('\t')
			case ' ', '"', '\'', '\\', '#':
				w.WriteByte(n)
			default:
				w.WriteByte('\\')
				w.WriteByte(n)
			}
		case quote == 0 && (c == ' ' || c == '\t'):
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

// apply feeds configuration lines ("option httpchk", "http-check expect
// status 200"…) to c, as the config package does.
func apply(c *Config, line string) error {
	a := words(line)
	switch {
	case len(a) >= 2 && a[0] == "option":
		return c.Option(a[1], a[2:])
	case len(a) >= 1 && a[0] == "http-check":
		return c.HTTPCheck(a[1:])
	case len(a) >= 1 && a[0] == "tcp-check":
		return c.TCPCheck(a[1:])
	}
	return &Warning{"not a check line: " + line}
}

// build compiles the lines into a rule set; warnings are accepted.
func build(t testing.TB, lines ...string) *Ruleset {
	t.Helper()
	c := &Config{}
	for _, l := range lines {
		if err := apply(c, l); err != nil {
			if _, ok := err.(*Warning); !ok {
				t.Fatalf("%q: %v", l, err)
			}
		}
	}
	rs, err := c.Build(true)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return rs
}

// origin is a test server on 127.0.0.1: handle runs for each connection,
// which is closed when handle returns.
func origin(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// closedAddr is an address where nothing listens.
func closedAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// readHTTPRequest reads one request head and its Content-Length body.
func readHTTPRequest(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	clen := 0
	for {
		line, err := r.ReadString('\n')
		buf.WriteString(line)
		if err != nil {
			return buf.Bytes(), err
		}
		if line == "\r\n" || line == "\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
			clen, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, clen)
	_, err := io.ReadFull(r, body)
	buf.Write(body)
	return buf.Bytes(), err
}

// httpOrigin answers each request with resp and records the requests.
func httpOrigin(t testing.TB, resp string) (string, <-chan []byte) {
	reqs := make(chan []byte, 16)
	addr := origin(t, func(c net.Conn) {
		req, err := readHTTPRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		select {
		case reqs <- req:
		default:
		}
		io.WriteString(c, resp)
	})
	return addr, reqs
}

// target is a Target for addr with timeouts that keep tests short.
func target(addr string) *Target {
	return &Target{Addr: addr, ConnectTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second,
		Backend: "be", Server: "s1"}
}

func runCheck(t testing.TB, rs *Ruleset, tg *Target) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rs.Run(ctx, tg)
}

// want compares a result's status, code and description.
func want(t testing.TB, got Result, st Status, code int, desc string) {
	t.Helper()
	if got.Status != st || got.Code != code || got.Desc != desc {
		t.Errorf("got %s code %d desc %q, want %s code %d desc %q", got.Status, got.Code, got.Desc, st, code, desc)
	}
}

// waitClosed blocks until the peer closes c or the test ends.
func waitClosed(t testing.TB, c net.Conn) {
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(done)
	}()
	select {
	case <-done:
	case <-t.Context().Done():
	}
}
