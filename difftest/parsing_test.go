package difftest

import (
	"fmt"
	"strings"
	"testing"
)

// Request smuggling and parsing vectors, sent as raw bytes. For each, the
// status (or what the origin received) and the connection's fate must be
// haproxy's. The probe that ends every case shows what became of any bytes
// left over, so a desync shows up as an extra request at the origin.

// hdrReq is a GET with the given extra header lines (each without CRLF).
func hdrReq(lines ...string) string {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// post is a POST with the given header lines and then raw body bytes.
func post(body string, lines ...string) string {
	var b strings.Builder
	b.WriteString("POST / HTTP/1.1\r\nHost: a\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return b.String()
}

// manyHeaders is a GET carrying n headers in all, Host included.
func manyHeaders(n int) string {
	var lines []string
	for i := 1; i < n; i++ {
		lines = append(lines, fmt.Sprintf("X-H%d: %d", i, i))
	}
	return hdrReq(lines...)
}

// bigHead is a GET whose head is exactly size bytes long.
func bigHead(size int) string {
	base := len(hdrReq("X-Big: "))
	return hdrReq("X-Big: " + strings.Repeat("b", size-base))
}

func TestRequestParsing(t *testing.T) {
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
	p := func(name, req string) tcase { return tcase{name: name, cfg: simple, req: req, exact: true} }
	runCases(t, []tcase{
		// Content-Length and Transfer-Encoding together and apart.
		p("cl-and-te", post("0\r\n\r\n"+smuggled, "Content-Length: 5", "Transfer-Encoding: chunked")),
		p("te-and-cl", post("0\r\n\r\n"+smuggled, "Transfer-Encoding: chunked", "Content-Length: 5")),
		p("cl-and-te-http10", "POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
		p("te-http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
		p("two-different-cl", post("abcd", "Content-Length: 3", "Content-Length: 4")),
		p("two-identical-cl", post("abc", "Content-Length: 3", "Content-Length: 3")),
		p("cl-list-identical", post("abc", "Content-Length: 3, 3")),
		p("cl-list-different", post("abcd", "Content-Length: 3, 4")),
		p("cl-negative", post("abc", "Content-Length: -3")),
		p("cl-non-numeric", post("abc", "Content-Length: abc")),
		p("cl-plus-sign", post("abc", "Content-Length: +3")),
		p("cl-hex", post("abc", "Content-Length: 0x3")),
		p("cl-leading-zeros", post("abc", "Content-Length: 003")),
		p("cl-inner-space", post("abc", "Content-Length: 3 3")),
		p("cl-empty", post("", "Content-Length:")),
		p("cl-huge", post("abc", "Content-Length: 99999999999999999999")),
		p("cl-body-holds-request", post(smuggled, fmt.Sprintf("Content-Length: %d", len(smuggled)))),
		p("cl-short-then-request", post("ab"+smuggled, "Content-Length: 2")),
		p("te-gzip-chunked", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: gzip, chunked")),
		p("te-chunked-gzip", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked, gzip")),
		p("te-gzip-only", post("abc", "Transfer-Encoding: gzip")),
		p("te-identity", post("abc", "Transfer-Encoding: identity", "Content-Length: 3")),
		p("te-twice-chunked", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked")),
		p("te-split-gzip-then-chunked", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked")),
		p("te-uppercase", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: CHUNKED")),
		p("te-xchunked", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: xchunked")),
		p("te-chunked-trailing-space", post("3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked ")),
		p("te-empty", post("abc", "Transfer-Encoding:")),
		p("te-on-get", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
		// Chunk framing.
		p("chunk-size-not-hex", post("zz\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-negative", post("-3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-0x", post("0x3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-trailing-space", post("3 \r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-leading-space", post(" 3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-overflow", post("ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-size-empty", post("\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-data-too-long", post("3\r\nabcdef\r\n0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-missing-crlf", post("3\r\nabc0\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-lf-only", post("3\nabc\n0\n\n", "Transfer-Encoding: chunked")),
		p("chunk-bad-trailer", post("3\r\nabc\r\n0\r\nbad trailer\r\n\r\n", "Transfer-Encoding: chunked")),
		p("chunk-then-request", post("3\r\nabc\r\n0\r\n\r\n"+smuggled, "Transfer-Encoding: chunked")),
		// Header syntax.
		p("space-before-colon", hdrReq("X-Foo : bar")),
		p("space-before-colon-cl", post("abc", "Content-Length : 3")),
		p("tab-before-colon", hdrReq("X-Foo\t: bar")),
		p("space-in-name", hdrReq("X Foo: bar")),
		p("no-colon", hdrReq("X-Foo")),
		p("empty-name", hdrReq(": bar")),
		p("leading-space-first-header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
		p("obs-fold", hdrReq("X-Fold: a", " b", "\tc")),
		p("obs-fold-cl", post("abc", "Content-Length:", " 3")),
		p("bare-lf", "GET / HTTP/1.1\nHost: a\nX-A: 1\n\n"),
		p("bare-lf-mixed", "GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n"),
		p("bare-cr-in-value", hdrReq("X-A: 1\rX-B: 2")),
		p("bare-cr-line-end", "GET / HTTP/1.1\rHost: a\r\n\r\n"),
		p("nul-in-value", hdrReq("X-A: a\x00b")),
		p("ctl-in-value", hdrReq("X-A: a\x01b")),
		p("tab-in-value", hdrReq("X-A: a\tb")),
		p("del-in-value", hdrReq("X-A: a\x7fb")),
		p("8bit-in-value", hdrReq("X-A: caf\xe9 \xc3\xa9")),
		p("nul-in-name", hdrReq("X-\x00A: 1")),
		p("ctl-in-name", hdrReq("X-\x01A: 1")),
		p("del-in-name", hdrReq("X-\x7fA: 1")),
		p("8bit-in-name", hdrReq("X-\xe9: 1")),
		p("separator-in-name", hdrReq("X-(A): 1")),
		p("underscore-in-name", hdrReq("X_A: 1")),
		// Request line and version.
		p("absolute-uri", "GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		p("absolute-uri-host-differs", "GET http://example.com/x HTTP/1.1\r\nHost: other.com\r\n\r\n"),
		p("absolute-uri-no-host", "GET http://example.com/x HTTP/1.1\r\n\r\n"),
		p("absolute-uri-https", "GET https://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		p("absolute-uri-no-path", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		p("authority-form-get", "GET example.com:80 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
		p("connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
		p("missing-host-http11", "GET / HTTP/1.1\r\n\r\n"),
		p("missing-host-http10", "GET / HTTP/1.0\r\n\r\n"),
		p("two-hosts-same", hdrReq("Host: a")),
		p("two-hosts-different", hdrReq("Host: b")),
		p("empty-host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"),
		p("version-1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
		p("version-2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
		p("version-0.9", "GET /\r\n\r\n"),
		p("version-lowercase", "GET / http/1.1\r\nHost: a\r\n\r\n"),
		p("version-garbage", "GET / HTTX/1.1\r\nHost: a\r\n\r\n"),
		p("version-3-digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n"),
		// haproxy detects the HTTP/2 preface on a plain HTTP bind; a PING
		// where SETTINGS must come is a protocol error, which ends the
		// connection at once (SETTINGS, GOAWAY, close) and deterministically.
		{name: "h2-preface", cfg: simple,
			deviation: "HTTP/2 is not served yet: switchyard answers the preface with GOAWAY HTTP_1_1_REQUIRED (proxy TestIntegrationH2Preface)",
			steps: []step{{
				send: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + "\x00\x00\x08\x06\x00\x00\x00\x00\x00" + "12345678",
				eof:  true}}},
		p("double-space-request-line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("trailing-space-request-line", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
		p("tab-request-line", "GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n"),
		p("space-in-uri", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("ctl-in-uri", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("8bit-in-uri", "GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("quote-in-uri", "GET /a\"b<c> HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("fragment-in-uri", "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("no-uri", "GET HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("empty-method", " / HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("method-with-slash", "G/T / HTTP/1.1\r\nHost: a\r\n\r\n"),
		// Sizes.
		p("head-15000-bytes", bigHead(15000)),
		p("head-15360-bytes", bigHead(15360)),
		p("head-16000-bytes", bigHead(16000)),
		p("head-17000-bytes", bigHead(17000)),
		p("uri-16000-bytes", "GET /"+strings.Repeat("u", 16000)+" HTTP/1.1\r\nHost: a\r\n\r\n"),
		p("headers-100", manyHeaders(100)),
		p("headers-101", manyHeaders(101)),
		p("headers-102", manyHeaders(102)),
		p("headers-200", manyHeaders(200)),
	})
}
