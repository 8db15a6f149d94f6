package logformat

import (
	"crypto/tls"
	"net/netip"
	"strings"
	"testing"
	"time"

	"switchyard/sample"
)

// testReq is a parsed request for tests.
type testReq struct {
	line    []string // method, URI, version
	headers [][2]string
}

func req(line string, headers ...string) *testReq {
	r := &testReq{line: strings.SplitN(line, " ", 3)}
	for _, h := range headers {
		n, v, _ := strings.Cut(h, ":")
		r.headers = append(r.headers, [2]string{n, strings.TrimSpace(v)})
	}
	return r
}

func (r *testReq) Method() []byte  { return []byte(r.line[0]) }
func (r *testReq) URI() []byte     { return []byte(r.line[1]) }
func (r *testReq) Version() []byte { return []byte(r.line[2]) }
func (r *testReq) NumHeaders() int { return len(r.headers) }
func (r *testReq) Header(i int) ([]byte, []byte) {
	return []byte(r.headers[i][0]), []byte(r.headers[i][1])
}

func ctxFor(r sample.Request) *sample.Ctx {
	return &sample.Ctx{
		Req: r,
		Src: netip.MustParseAddrPort("192.0.2.10:40000"),
		Dst: netip.MustParseAddrPort("[2001:db8::1]:8443"),
	}
}

var (
	httpOpts = Options{Flags: HTTPValue, HTTPMode: true, Avail: sample.SrcL4 | sample.SrcHTTPReq}
	logOpts  = Options{Flags: LogFormat, HTTPMode: true, Avail: sample.SrcL4}
)

func TestAppend(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC // local dates must not depend on the machine
	t.Cleanup(func() { time.Local = saved })
	accept := time.Date(2026, 11, 21, 9, 5, 7, 42_000_000, time.UTC)
	st := &Stream{
		Frontend: "fe", Backend: "be", Server: "s1", UniqueID: []byte("id-1"), Status: 503,
		BytesIn: 120, BytesOut: 4567, RequestID: 255, LogCount: 7, Retries: 2, Redispatched: true,
		ActConn: 10, FeConn: 4, BeConn: 3, SrvConn: 2, SrvQueue: 1, BackendQueue: 5,
		ServerAddr: netip.MustParseAddrPort("10.0.0.5:8080"),
		BackendSrc: netip.MustParseAddrPort("10.0.0.1:51000"),
		Term:       [2]byte{'s', 'H'},
		Accept:     accept,
		Timers:     Timers{Handshake: 1, Idle: 2, Request: 10, Queue: 11, Connect: 13, Data: 40, Close: 50},
	}
	r := req("GET http://h/a%20b/c?x=1&y=\"2\" HTTP/1.1", "Host: www.example.com", "X: a\x01b\x7fc", `Q: x"y\z]`)
	tests := []struct {
		format string
		o      Options
		s      *Stream
		want   string
	}{
		{"plain text", httpOpts, st, "plain text"},
		// A binary sample a converter built is rendered once.
		{"%[str(Zm8),ub64dec]/%[str(Zm8),ub64dec,hex]", httpOpts, st, "fo/666F"},
		{"100%% sure", httpOpts, st, "100% sure"},
		{"%-x", httpOpts, st, "-x"},
		{"%ci:%cp %fi:%fp", httpOpts, st, "192.0.2.10:40000 2001:db8::1:8443"},
		{"%{+X}ci:%{+X}cp %{+X}fi", httpOpts, st, "C000020A:9C40 20010DB8000000000000000000000001"},
		{"%{+Q}ci %{+Q}cp", httpOpts, st, `"192.0.2.10" 40000`},
		{"%f %ft %b %s", httpOpts, st, "fe fe be s1"},
		{"%{+Q}f %{+Q}ft", httpOpts, &Stream{Frontend: "fe", FrontendSSL: true}, `"fe" "fe~"`},
		{"%b/%s", httpOpts, &Stream{Frontend: "fe"}, "fe/<NOSRV>"},
		{"%ID %{+Q}ID", httpOpts, st, `id-1 "id-1"`},
		{"%ID|%{+Q}ID", httpOpts, nil, `|""`},
		{"%ID|%{+Q}ID", logOpts, nil, `-|""`},
		{"%ST %B %U %rt %lc %rc", httpOpts, st, "503 4567 120 255 7 +2"},
		{"%{+X}rt %{+X}lc", httpOpts, st, "00FF 0007"},
		{"%ac/%fc/%bc/%sc %sq/%bq", httpOpts, st, "10/4/3/2 1/5"},
		{"%si:%sp %bi:%bp", httpOpts, st, "10.0.0.5:8080 10.0.0.1:51000"},
		{"%si:%sp", logOpts, nil, "-:-"},
		{"%ts %tsc", httpOpts, st, "sH sH--"},
		{"%ts", httpOpts, nil, "--"},
		{"%Th %Ti %TR %Tq %Tw %Tc %Tr %Td %Ta %Tt %Tu", httpOpts, st, "1 2 7 10 1 2 27 10 47 50 48"},
		{"%Tw %Tc %Tr %Td %Ta %Tu", httpOpts, &Stream{Timers: Timers{-1, -1, -1, -1, -1, -1, 5}}, "-1 -1 -1 -1 5 5"},
		{"%t|%T|%Tl|%Ts|%ms|%{+X}Ts|%{+X}ms", httpOpts, st,
			"21/Nov/2026:09:05:07.042|21/Nov/2026:09:05:07 +0000|21/Nov/2026:09:05:07 +0000|1795251907|042|6B015EC3|2A"},
		{"%tr|%trg", httpOpts, st, "21/Nov/2026:09:05:07.045|21/Nov/2026:09:05:07 +0000"},
		{"%r", httpOpts, st, `GET http://h/a%20b/c?x=1&y=#222#22 HTTP/1.1`},
		{"%{+Q}r", httpOpts, st, `"GET http://h/a%20b/c?x=1&y=#222#22 HTTP/1.1"`},
		{"%HM|%HU|%HP|%HPO|%HQ|%HV", httpOpts, st, `GET|http://h/a%20b/c?x=1&y=#222#22|http://h/a%20b/c|/a%20b/c|?x=1&y=#222#22|HTTP/1.1`},
		{"%{+Q}HM %{+Q}HQ", httpOpts, &Stream{}, `"GET" "?x=1&y=#222#22"`},
		{"%r|%HU|%HQ", httpOpts, st, `GET http://h/a%20b/c?x=1&y=#222#22 HTTP/1.1|http://h/a%20b/c?x=1&y=#222#22|?x=1&y=#222#22`},
		{"%[hdr(host)] %[src] %[int(-3)] %[bool(1)]", httpOpts, st, "www.example.com 192.0.2.10 -3 1"},
		{"%[hdr(x)]", httpOpts, st, "a%01b%7Fc"},
		{"%{+E}[hdr(q)]", httpOpts, st, `x\"y\\z\]`},
		{"%[hdr(nope)]|%{+Q}[hdr(nope)]|%{+Q}[hdr(host)]", httpOpts, st, "||www.example.com"},
		{"%[src]|%{+Q}[src]|%[var(txn.no)]|%{+Q}[var(txn.no)]", logOpts, st, `192.0.2.10|"192.0.2.10"|-|""`},
		{"%{+E}[str(a]b)]", logOpts, st, `a\]b`},
		{"%{+Q}o %b %[str(a)] %{-Q}f %{+Q}ST", logOpts, st, `"be" "a" fe 503`},
		{"%{+M}[str()]|%{-M}[var(txn.no)]", httpOpts, st, "|"}, // no "-" in HTTP values
		{"%{+M}[str()]|%{-M}[var(txn.no)]", Options{Flags: Plain}, st, "-|"},
		{"  a   b  %f  ", logOpts, st, "a b fe "},
		{"  a   b  ", httpOpts, st, "  a   b  "},
		{"%{+Q,+X,-Q}ci", httpOpts, st, "C000020A"},
		{"%{+Z,foo}f", httpOpts, st, "fe"},
	}
	for _, tt := range tests {
		f, err := ParseOptions(tt.format, tt.o)
		if err != nil {
			t.Errorf("ParseOptions(%q): %v", tt.format, err)
			continue
		}
		if got := string(f.Append(nil, ctxFor(r), tt.s)); got != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.format, got, tt.want)
		}
	}
}

func TestAppendWithoutRequest(t *testing.T) {
	c := &sample.Ctx{}
	f, err := ParseOptions("%r|%HM|%HV|%ci|%[path]|%[src]", Options{Flags: LogFormat, HTTPMode: true, Avail: sample.SrcL4 | sample.SrcHTTPReq})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Append(nil, c, nil)); got != "<BADREQ>|<BADREQ>|<BADREQ>|-|-|-" {
		t.Errorf("got %s", got)
	}
}

func TestLongRequestLine(t *testing.T) {
	uri := "/" + strings.Repeat("a", 2000)
	f, err := ParseOptions("%HU|%HV", httpOpts)
	if err != nil {
		t.Fatal(err)
	}
	got := string(f.Append(nil, ctxFor(req("GET "+uri+" HTTP/1.1")), nil))
	want := uri[:maxRequestLine-len("GET ")] + "|HTTP/0.9"
	if got != want {
		t.Errorf("got %d bytes ending %q, want %d ending %q", len(got), got[len(got)-12:], len(want), want[len(want)-12:])
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		format string
		o      Options
		want   string
	}{
		{"%", httpOpts, "truncated line after '%'"},
		{"%{+Q}", httpOpts, "parse argument modifier without variable name near '%{+Q}'"},
		{"%{+Q}-", httpOpts, "parse argument modifier without variable name near '%{+Q}'"},
		{"%[path", httpOpts, "missing ']' after 'path'"},
		{"%[path,lower", httpOpts, "missing ']' after 'path,lower'"},
		{"%[path,lower)x]", httpOpts, "expected ']' after 'path,lower', but found ')'"},
		{"%[nope]", httpOpts, "failed to parse sample expression <nope]> : unknown fetch method 'nope'"},
		{"%[path,nope]", httpOpts, "failed to parse sample expression <path,nope]> : unknown converter 'nope'"},
		{"%[]", httpOpts, "failed to parse sample expression <]> : missing fetch method"},
		{"%5", httpOpts, "unexpected variable name near '5' at position 1 line : '%5'. Maybe you want to write a single '%', use the syntax '%%'"},
		{"% x", httpOpts, "unexpected variable name near ' ' at position 1 line : '% x'. Maybe you want to write a single '%', use the syntax '%%'"},
		{"%{+Q}5", httpOpts, "no such format variable '5'. If you wanted to emit the '%' character verbatim, you need to use '%%'"},
		{"%xyz", httpOpts, "no such format variable 'xyz'. If you wanted to emit the '%' character verbatim, you need to use '%%'"},
		{"%{", httpOpts, "truncated line after ''"},
		{"%{+Q", httpOpts, "truncated line after '+Q'"},
		{"%HM", Options{Flags: LogFormat}, "format variable 'HM' is reserved for HTTP mode"},
		{"%[path]", logOpts, "sample fetch <path> may not be reliably used here because it needs 'HTTP request headers' which is not available here"},
	}
	for _, tt := range tests {
		_, err := ParseOptions(tt.format, tt.o)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseOptions(%q):\n got  %v\n want %s", tt.format, err, tt.want)
		}
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	f, err := ParseOptions(`%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r %[src] %[str(x),upper]`,
		Options{Flags: LogFormat, HTTPMode: true, Avail: sample.SrcL4})
	if err != nil {
		t.Fatal(err)
	}
	c := ctxFor(fastReq{})
	st := &Stream{Frontend: "fe", Backend: "be", Server: "s1", Accept: time.Now()}
	buf := f.Append(nil, c, st)
	if n := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], c, st) }); n != 0 {
		t.Errorf("%v allocations per line", n)
	}
}

// fastReq returns preallocated slices, so only the formatter is measured.
type fastReq struct{}

var (
	fastMethod  = []byte("GET")
	fastURI     = []byte("/index.html?lang=fr")
	fastVersion = []byte("HTTP/1.1")
)

func (fastReq) Method() []byte              { return fastMethod }
func (fastReq) URI() []byte                 { return fastURI }
func (fastReq) Version() []byte             { return fastVersion }
func (fastReq) NumHeaders() int             { return 0 }
func (fastReq) Header(int) ([]byte, []byte) { return nil, nil }

func BenchmarkAppendHTTPLog(b *testing.B) {
	// haproxy's default HTTP log line, without the cookie captures.
	f, err := ParseOptions(`%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r`,
		Options{Flags: LogFormat, HTTPMode: true, Avail: sample.SrcL4})
	if err != nil {
		b.Fatal(err)
	}
	c := ctxFor(fastReq{})
	st := &Stream{Frontend: "fe", Backend: "be", Server: "s1", Accept: time.Now()}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], c, st)
	}
}

// Parse is the shortcut for values of mode http request rules.
func TestParse(t *testing.T) {
	f, err := Parse("%[hdr(host)] %HM %{+Q}[path]")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Append(nil, ctxFor(req("GET /x HTTP/1.1", "Host: h")), nil)); got != "h GET /x" {
		t.Errorf("got %q", got)
	}
}

// Header captures print haproxy's "{a|b}" and list forms; with none
// declared they print nothing and the spaces around them merge.
func TestCaptures(t *testing.T) {
	o := Options{Flags: LogFormat, HTTPMode: true}
	f, err := ParseOptions("a %hr %hs %hrl %{+Q}hsl b", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Append(nil, &sample.Ctx{}, &Stream{})); got != "a b" {
		t.Errorf("no captures: %q", got)
	}
	s := &Stream{ReqCaptures: [][]byte{[]byte("x|y\"#"), nil}, ResCaptures: [][]byte{nil, []byte("v w")}}
	want := `a {x#7Cy#22#23|} {|v w} x#7Cy#22#23 - "" "v w" b`
	if got := string(f.Append(nil, &sample.Ctx{}, s)); got != want {
		t.Errorf("captures:\n got  %q\n want %q", got, want)
	}
}

// %sslv and %sslc: the client connection's TLS version and cipher, '-'
// in clear.
func TestTLSVariables(t *testing.T) {
	f, err := ParseOptions("%sslv %sslc", Options{Flags: LogFormat, Avail: sample.SrcL4})
	if err != nil {
		t.Fatal(err)
	}
	c := &sample.Ctx{}
	if got := string(f.Append(nil, c, &Stream{})); got != "- -" {
		t.Errorf("in clear: %q", got)
	}
	c.FrontTLS = &tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	if got := string(f.Append(nil, c, &Stream{})); got != "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" {
		t.Errorf("over TLS: %q", got)
	}
}
