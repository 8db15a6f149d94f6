package http1

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHaproxyReplies compares the answers haproxy makes itself with
// ErrorResponse (the multiplexer's raw messages) and ErrorReply (replies
// made by the stream, which go through the response path).
func TestHaproxyReplies(t *testing.T) {
	type replyCase struct {
		name string
		cfg  siteConfig
		req  string
		// origin: "" never accepts, "hold" accepts and says nothing,
		// "close" accepts and closes.
		origin string
		raw    bool // the answer is ErrorResponse(status) verbatim
		status int
	}
	var cases []replyCase
	for status := range builtinMessages {
		if status == 200 {
			continue // not a valid deny_status
		}
		cases = append(cases, replyCase{
			name: "deny " + strconv.Itoa(status), status: status,
			cfg: siteConfig{frontend: "  http-request deny deny_status " + strconv.Itoa(status) + "\n"},
			req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		})
	}
	deny := siteConfig{frontend: "  http-request deny\n"}
	cases = append(cases,
		replyCase{name: "deny http10", cfg: deny, req: "GET / HTTP/1.0\r\n\r\n", status: 403},
		replyCase{name: "deny http10 keep-alive", cfg: deny, req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 403},
		replyCase{name: "deny close", cfg: deny, req: "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", status: 403},
		replyCase{name: "deny head", cfg: deny, req: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", status: 403},
		replyCase{name: "no server", cfg: siteConfig{server: " disabled"}, req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", status: 503},
		replyCase{name: "server timeout", cfg: siteConfig{backend: "  timeout server 100ms\n"},
			req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", origin: "hold", status: 504},
		replyCase{name: "server closes", req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", origin: "close", status: 502},
		replyCase{name: "request timeout", cfg: siteConfig{frontend: "  timeout http-request 100ms\n"},
			req: "GET / HTTP/1.1\r\nHost: x\r\n", raw: true, status: 408},
		replyCase{name: "bad request", req: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", raw: true, status: 400},
	)
	configs := make([]siteConfig, len(cases))
	for i, c := range cases {
		configs[i] = c.cfg
	}
	sites := startHaproxy(t, configs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sites[i]
			if c.origin != "" {
				s.origin.SetDeadline(time.Now().Add(ioTimeout))
				done := make(chan struct{})
				defer func() { <-done }()
				go func() {
					defer close(done)
					conn, err := s.origin.Accept()
					if err != nil {
						return
					}
					defer conn.Close()
					if c.origin == "hold" {
						conn.SetDeadline(time.Now().Add(ioTimeout))
						io.Copy(io.Discard, conn) // until haproxy gives up
					}
				}()
			}
			got := ask(t, s, c.req)
			var want []byte
			if c.raw {
				want = ErrorResponse(c.status)
			} else {
				var req Request
				if _, err := req.Parse([]byte(c.req), DefaultLimits); err != nil {
					t.Fatal(err)
				}
				want, _ = ErrorReply(c.status).AppendTo(nil, ModeKeepAlive, req.Close, &req)
			}
			if got != string(want) {
				t.Errorf("answer: %s", diff(got, string(want)))
			}
		})
	}
}

// ask sends req and returns everything haproxy answers until it closes or
// one response is complete.
func ask(t *testing.T, s site, req string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.front, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	got, err := readResponses(conn, strings.HasPrefix(req, "HEAD "), 0)
	if err != nil {
		t.Fatalf("reading the answer: %v (got %q)", err, got)
	}
	return string(got)
}
