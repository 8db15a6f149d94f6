package difftest

import (
	"strconv"
	"strings"
	"testing"
)

// option http-buffer-request and http-request wait-for-body: what the
// rules read of the body (req.body, req.body_len, req.body_param), the
// 408 when it does not come in time, and its forwarding afterwards.

func TestBufferedRequestBody(t *testing.T) {
	show := "    http-request return status 200 content-type text/plain lf-string \"len=%[req.body_len] body=%[req.body] a=%[req.body_param(a)]\" if { path /show }\n"
	post := func(path, body string) string {
		return "POST " + path + " HTTP/1.1\r\nhost: a\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	chunked := "POST /show HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n3\r\na=1\r\n4\r\n&b=2\r\n0\r\n\r\n"
	partial := "POST /show HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\na=12"
	runCases(t, []tcase{
		{name: "option-fe-return-body", exact: true, req: post("/show", "a=1&b=2"),
			cfg: withFE("    option http-buffer-request\n" + show)},
		{name: "option-be-return-body", exact: true, req: post("/show", "a=1&b=2"),
			cfg: withBE("    option http-buffer-request\n" + show)},
		{name: "no-option-no-body", exact: true, req: post("/show", "a=1&b=2"),
			cfg: withFE(show)},
		{name: "no-option-part-of-body", exact: true, steps: []step{{send: partial, read: 1}},
			cfg: withFE(show)},
		{name: "no-option-get", exact: true, req: "GET /show HTTP/1.1\r\nhost: a\r\n\r\n",
			cfg: withFE(show)},
		{name: "option-chunked", exact: true, req: chunked,
			cfg: withFE("    option http-buffer-request\n" + show)},
		{name: "option-body-in-two-parts", exact: true,
			steps: []step{{send: partial}, {send: "3456xy", read: 1}},
			cfg:   withFE("    option http-buffer-request\n" + show)},
		{name: "option-forwards-body", req: post("/", "a=1&b=2"),
			cfg: withFE("    option http-buffer-request\n    http-request set-header x-len %[req.body_len]\n")},
		{name: "option-forwards-chunked", req: chunked,
			cfg: withFE("    option http-buffer-request\n    http-request set-header x-body %[req.body]\n")},
		{name: "option-no-body", exact: true, req: "GET /show HTTP/1.1\r\nhost: a\r\n\r\n",
			cfg: withFE("    option http-buffer-request\n" + show)},
		{name: "option-timeout-408", exact: true, steps: []step{{send: partial, read: 1}},
			cfg: withFE("    timeout http-request 300ms\n    option http-buffer-request\n" + show)},
		{name: "wait-for-body", exact: true, req: post("/show", "a=1&b=2"),
			cfg: withFE("    http-request wait-for-body time 1s\n" + show)},
		{name: "wait-for-body-at-least", exact: true, steps: []step{{send: partial, read: 1}},
			cfg: withFE("    http-request wait-for-body time 2s at-least 3\n" + show)},
		{name: "wait-for-body-timeout-408", exact: true, steps: []step{{send: partial, read: 1}},
			cfg: withFE("    http-request wait-for-body time 300ms\n" + show)},
		{name: "wait-for-body-chunked-two-parts", exact: true,
			steps: []step{{send: "POST /show HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n3\r\na=1\r\n"},
				{send: "0\r\n\r\n", read: 1}},
			cfg: withFE("    http-request wait-for-body time 2s\n" + show)},
		{name: "expect-100-continue", exact: true,
			steps: []step{{send: "POST / HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 3\r\n\r\n", interim: true},
				{send: "abc", read: 1}},
			cfg: withFE("    option http-buffer-request\n")},
		{name: "buffer-full-goes-on", req: post("/show", strings.Repeat("x", 20000)), hdrs: []string{"content-length"},
			cfg: withFE("    option http-buffer-request\n    http-request return status 200 content-type text/plain lf-string \"%[req.body_len]\" if { path /show }\n")},
	})
}

// req.body_size announces a Content-Length body whole, req.body_len counts
// what came, waited for or not.
func TestRequestBodySize(t *testing.T) {
	show := "    http-request return status 200 content-type text/plain lf-string \"%[req.body_len] %[req.body_size]\"\n"
	partial := "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabcd"
	runCases(t, []tcase{
		{name: "partial", cfg: withFE(show), req: partial},
		{name: "partial-waited", cfg: withFE("    http-request wait-for-body time 200ms at-least 2\n" + show), req: partial},
		{name: "whole", cfg: withFE(show), req: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd"},
	})
}
