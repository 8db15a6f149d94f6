package hlua

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"switchyard/http1"
)

// core.httpclient(): haproxy 2.6's HTTPClient class. get, head, put, post
// and delete take a request table (url, headers, body, timeout, dst) and
// return a response table (status, reason, headers, body).
//
// Why raw sockets for the request and net/http only to read the response:
// the origin must see what haproxy's client sends (its header order, names
// in lower case, "accept: */*" and "user-agent: HAProxy" unless given, a
// body sent chunked), which net/http's Transport would change (canonical
// names, Accept-Encoding: gzip, Content-Length, connection reuse). Reading
// a response is where the standard library is the right tool:
// http.ReadResponse handles chunked, length-delimited and close-delimited
// bodies and HEAD, and its result is turned into haproxy's table.
//
// As haproxy's client, errors are responses, not Lua errors: a connection
// that cannot be made (after 3 retries a second apart, haproxy's
// conn_retries) is haproxy's 503 page, a response that does not come
// within the timeout its 504, a response that cannot be parsed its 502.
// Host names in the URL are resolved by the system resolver (haproxy uses
// its "default" resolvers section, made from /etc/resolv.conf, and so
// does not read /etc/hosts).

// hcRetries and hcRetryDelay are haproxy's conn_retries (3) and its
// one-second turn-around between attempts; tests shorten the delay.
var (
	hcRetries    = 3
	hcRetryDelay = time.Second
	// hcRootCAs verifies https servers; nil is the system's CAs
	// (haproxy's default "@system-ca"). Tests set their own.
	hcRootCAs *x509.CertPool
)

type httpClient struct{}

func openHTTPClient(v *vm, core *glua.LTable) {
	L := v.L
	methods := map[string]glua.LGFunction{}
	for _, m := range []string{"GET", "HEAD", "PUT", "POST", "DELETE"} {
		methods[strings.ToLower(m)] = v.hcSend(m)
	}
	newClass(L, "HTTPClient", methods)
	core.RawSetString("httpclient", L.NewFunction(func(L *glua.LState) int {
		L.Push(newObject(L, "HTTPClient", &httpClient{}))
		return 1
	}))
}

// hcRequest is a request table, checked.
type hcRequest struct {
	method  string
	url     string
	headers [][2]string
	body    string        // sent chunked when not empty
	timeout time.Duration // 0: none ("timeout server" unset)
	dst     *sockAddr
}

// hcResponse is what the Lua table is made from.
type hcResponse struct {
	status  int
	reason  string
	headers [][2]string // names in lower case, in order
	body    []byte
}

func (v *vm) hcSend(method string) glua.LGFunction {
	return func(L *glua.LState) int {
		if L.GetTop() != 2 || L.Get(2).Type() != glua.LTTable {
			L.RaiseError("'get' needs a table as argument")
		}
		if _, ok := objectValue(L, 1).(*httpClient); !ok {
			L.ArgError(1, "HTTPClient expected")
		}
		req := hcRequest{method: method}
		hasURL := false
		L.CheckTable(2).ForEach(func(k, val glua.LValue) {
			switch key := k.String(); key {
			case "dst":
				a, _, ok := parseSockAddr(glua.LVAsString(val))
				if !ok {
					L.RaiseError("Can't use the 'dst' argument")
				}
				req.dst = &a
			case "url":
				s, ok := val.(glua.LString)
				if !ok {
					L.RaiseError("invalid parameter in 'url', must be a string")
				}
				req.url, hasURL = string(s), true
			case "timeout":
				n, ok := val.(glua.LNumber)
				if !ok {
					L.RaiseError("invalid parameter in 'timeout', must be a number")
				}
				req.timeout = time.Duration(int64(n)) * time.Millisecond
			case "headers":
				tb, ok := val.(*glua.LTable)
				if !ok {
					L.RaiseError("invalid parameter in 'headers', must be a table")
				}
				req.headers = hcHeaders(tb)
			case "body":
				s, ok := val.(glua.LString)
				if !ok {
					L.RaiseError("invalid parameter in 'body', must be a string")
				}
				req.body = string(s)
			default:
				L.RaiseError("'%s' invalid parameter name", key)
			}
		})
		if !hasURL {
			L.RaiseError("'get' need a 'url' argument")
		}
		u, ok := splitURL(req.url)
		if !ok {
			L.RaiseError("couldn't start the httpclient")
		}
		var res *hcResponse
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		v.wait(L, func() { res = doHTTPClient(ctx, &req, u) }, cancel)
		L.Push(res.table(L))
		return 1
	}
}

// hcHeaders reads a headers table, name = {values…}: entries whose value
// is not a table, and values that are not strings (or numbers), are
// skipped, as haproxy does.
func hcHeaders(tb *glua.LTable) [][2]string {
	var out [][2]string
	tb.ForEach(func(k, vals glua.LValue) {
		if k.Type() != glua.LTString && k.Type() != glua.LTNumber {
			return
		}
		vt, ok := vals.(*glua.LTable)
		if !ok {
			return
		}
		name := strings.ToLower(glua.LVAsString(k))
		vt.ForEach(func(_, val glua.LValue) {
			if val.Type() != glua.LTString && val.Type() != glua.LTNumber {
				return
			}
			s := glua.LVAsString(val)
			if n, ok := val.(glua.LNumber); ok {
				s = numberText(n)
			}
			out = append(out, [2]string{name, s})
		})
	})
	return out
}

// hcURL is a URL split as haproxy's httpclient_spliturl does.
type hcURL struct {
	https    bool
	host     string // as written, for the Host header ([v6]:port kept)
	hostname string // without the port and brackets
	port     int
	path     string // origin form, "/" when empty
}

func splitURL(raw string) (u hcURL, ok bool) {
	rest := raw
	switch {
	case len(rest) >= 7 && strings.EqualFold(rest[:7], "http://"):
		rest, u.port = rest[7:], 80
	case len(rest) >= 8 && strings.EqualFold(rest[:8], "https://"):
		rest, u.port, u.https = rest[8:], 443, true
	default:
		return u, false
	}
	auth := rest
	u.path = "/"
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		auth, u.path = rest[:i], rest[i:]
		if u.path[0] == '?' {
			u.path = "/" + u.path
		}
	}
	if auth == "" {
		return u, false
	}
	u.host = auth
	host := auth
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return u, false
		}
		u.hostname = host[1:end]
		host = host[end+1:]
		if strings.HasPrefix(host, ":") {
			if u.port, ok = parsePort(host[1:]); !ok {
				return u, false
			}
		}
		return u, true
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if u.port, ok = parsePort(host[i+1:]); !ok {
			return u, false
		}
		host = host[:i]
	}
	u.hostname = host
	return u, true
}

// buildRequest writes the request as haproxy's client sends it.
func buildRequest(req *hcRequest, u hcURL) []byte {
	var b bytes.Buffer
	b.WriteString(req.method + " " + u.path + " HTTP/1.1\r\n")
	var host, accept, ua bool
	for _, h := range req.headers {
		switch h[0] {
		case "host":
			host = true
		case "accept":
			accept = true
		case "user-agent":
			ua = true
		}
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if !host {
		b.WriteString("host: " + u.host + "\r\n")
	}
	if !accept {
		b.WriteString("accept: */*\r\n")
	}
	if !ua {
		b.WriteString("user-agent: HAProxy\r\n")
	}
	if req.body != "" {
		b.WriteString("transfer-encoding: chunked\r\n")
	}
	b.WriteString("\r\n")
	if req.body != "" {
		b.WriteString(strconv.FormatInt(int64(len(req.body)), 16) + "\r\n")
		b.WriteString(req.body)
		b.WriteString("\r\n0\r\n\r\n")
	}
	return b.Bytes()
}

// doHTTPClient runs the exchange; it always returns a response, haproxy's
// error pages standing for failures.
func doHTTPClient(ctx context.Context, req *hcRequest, u hcURL) *hcResponse {
	var conn net.Conn
	var err error
	for attempt := 0; ; attempt++ {
		conn, err = hcDial(ctx, req, u)
		if err == nil || attempt >= hcRetries || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(hcRetryDelay):
		case <-ctx.Done():
		}
	}
	if err != nil {
		return builtinResponse(503)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	deadline := func() {
		if req.timeout > 0 {
			conn.SetDeadline(time.Now().Add(req.timeout))
		}
	}
	deadline()
	if _, err := conn.Write(buildRequest(req, u)); err != nil {
		return failure(err)
	}
	br := bufio.NewReader(&activityReader{conn, deadline})
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(br, &http.Request{Method: req.method})
		if err != nil {
			return failure(err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == 101 {
			break
		}
		resp.Body.Close() // an interim response: the final one follows
	}
	out := responseOf(resp)
	// A body cut by a close or a timeout is returned as far as it came.
	out.body, _ = io.ReadAll(resp.Body)
	return out
}

// activityReader renews the inactivity timeout at each read, as haproxy's
// "timeout server".
type activityReader struct {
	c     net.Conn
	renew func()
}

func (r *activityReader) Read(p []byte) (int, error) {
	r.renew()
	return r.c.Read(p)
}

func hcDial(ctx context.Context, req *hcRequest, u hcURL) (net.Conn, error) {
	var d net.Dialer
	var conn net.Conn
	var err error
	if req.dst != nil {
		conn, err = req.dst.dial(ctx, &d)
	} else {
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(u.hostname, strconv.Itoa(u.port)))
	}
	if err != nil || !u.https {
		return conn, err
	}
	cfg := &tls.Config{ServerName: u.hostname, RootCAs: hcRootCAs}
	if ip, err := netip.ParseAddr(u.hostname); err == nil {
		cfg.ServerName = ip.String()
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// failure is the response for an exchange that failed after connecting:
// a timeout is haproxy's 504, anything else its 502.
func failure(err error) *hcResponse {
	if isTimeout(err) {
		return builtinResponse(504)
	}
	return builtinResponse(502)
}

// builtinResponse is haproxy's error page for status, as its client
// hands it to scripts.
func builtinResponse(status int) *hcResponse {
	raw := http1.ErrorResponse(status)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return &hcResponse{status: status}
	}
	out := responseOf(resp)
	out.body, _ = io.ReadAll(resp.Body)
	return out
}

func responseOf(resp *http.Response) *hcResponse {
	out := &hcResponse{status: resp.StatusCode}
	out.reason = strings.TrimPrefix(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)), " ")
	for name, vals := range resp.Header {
		for _, v := range vals {
			out.headers = append(out.headers, [2]string{strings.ToLower(name), v})
		}
	}
	// net/http takes Transfer-Encoding out of the header; haproxy shows
	// it.
	for _, te := range resp.TransferEncoding {
		out.headers = append(out.headers, [2]string{"transfer-encoding", te})
	}
	return out
}

// table is the response as haproxy's: headers by lower-case name, each a
// table of values indexed from 0.
func (r *hcResponse) table(L *glua.LState) *glua.LTable {
	tb := L.NewTable()
	tb.RawSetString("status", glua.LNumber(r.status))
	tb.RawSetString("reason", glua.LString(r.reason))
	hdrs := L.NewTable()
	for _, h := range r.headers {
		vals, ok := hdrs.RawGetString(h[0]).(*glua.LTable)
		if !ok {
			vals = L.NewTable()
			hdrs.RawSetString(h[0], vals)
			vals.RawSetInt(0, glua.LString(h[1]))
			continue
		}
		// haproxy appends at #t+1: 1, 2… after the first at 0.
		vals.RawSetInt(vals.Len()+1, glua.LString(h[1]))
	}
	tb.RawSetString("headers", hdrs)
	tb.RawSetString("body", glua.LString(r.body))
	return tb
}
