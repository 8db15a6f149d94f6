package difftest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// This file is the raw client: it writes exactly the bytes a case gives it
// (malformed requests included) and parses what comes back itself, keeping
// the raw bytes so that generated error pages can be compared byte for byte.

// capReader reads from a connection and keeps a copy of every byte it
// hands out since the last take().
type capReader struct {
	br  *bufio.Reader
	raw []byte
}

func (r *capReader) line() (string, error) {
	l, err := r.br.ReadString('\n')
	r.raw = append(r.raw, l...)
	return l, err
}

func (r *capReader) full(n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := io.ReadFull(r.br, b)
	r.raw = append(r.raw, b[:m]...)
	return b[:m], err
}

func (r *capReader) rest() ([]byte, error) {
	b, err := io.ReadAll(r.br)
	r.raw = append(r.raw, b...)
	return b, err
}

func (r *capReader) take() []byte {
	b := r.raw
	r.raw = nil
	return b
}

// response is one response as the client received it.
type response struct {
	interim  []string // 1xx heads (status line and headers) before the final one
	status   string   // final status line, without its line end
	code     int
	headers  [][2]string // lowercased names, trimmed values, in order
	body     []byte
	trailers [][2]string
	raw      []byte // every byte of the response, interim ones included
	err      string // why reading stopped early ("eof", "timeout", "malformed ...")
}

// readResponse reads one final response (and any 1xx before it). head says
// the request was HEAD, so the response has no body whatever it announces.
// closed reports that the connection is known to be finished afterwards.
func readResponse(r *capReader, head bool) (resp response, closed bool) {
	defer func() { resp.raw = r.take() }()
	for {
		status, hdrs, err := readRespHead(r)
		if err != nil {
			resp.err = err.Error()
			return resp, true
		}
		code, _ := strconv.Atoi(strings.SplitN(status+"  ", " ", 3)[1])
		if code >= 100 && code < 200 && code != 101 {
			resp.interim = append(resp.interim, renderHead(status, hdrs))
			continue
		}
		resp.status, resp.code, resp.headers = status, code, hdrs
		break
	}
	var err error
	switch {
	case head, resp.code == 101, resp.code == 204, resp.code == 304:
		return resp, false
	case isChunked(resp.headers):
		resp.body, resp.trailers, err = readChunkedResp(r)
	case hasHeader(resp.headers, "content-length"):
		n, perr := strconv.Atoi(hdrValue(resp.headers, "content-length"))
		if perr != nil || n < 0 {
			resp.err = "malformed content-length"
			return resp, true
		}
		if n > maxBody {
			resp.err = "content-length too large for the test client"
			return resp, true
		}
		resp.body, err = r.full(n)
	default:
		// Close-delimited: the body runs to the end of the connection.
		resp.body, err = r.rest()
		if err != nil {
			resp.err = "body: " + errText(err)
		}
		return resp, true
	}
	if err != nil {
		resp.err = "body: " + errText(err)
		return resp, true
	}
	return resp, false
}

// readRespHead reads a status line and header block; errors are returned
// as compact, comparable text.
func readRespHead(r *capReader) (string, [][2]string, error) {
	l, err := r.line()
	if err != nil {
		if l == "" {
			return "", nil, fmt.Errorf("%s", errText(err))
		}
		return "", nil, fmt.Errorf("malformed status line %q: %s", l, errText(err))
	}
	status := strings.TrimRight(l, "\r\n")
	if !strings.HasPrefix(status, "HTTP/") {
		return "", nil, fmt.Errorf("malformed status line %q", l)
	}
	var hdrs [][2]string
	for {
		l, err := r.line()
		if err != nil {
			return "", nil, fmt.Errorf("head: %s", errText(err))
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return status, hdrs, nil
		}
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			return "", nil, fmt.Errorf("malformed header line %q", l)
		}
		hdrs = append(hdrs, [2]string{strings.ToLower(name), strings.Trim(val, " \t")})
	}
}

func readChunkedResp(r *capReader) (body []byte, trailers [][2]string, err error) {
	for {
		l, err := r.line()
		if err != nil {
			return body, nil, err
		}
		sz, _, _ := strings.Cut(strings.TrimRight(l, "\r\n"), ";")
		n, perr := strconv.ParseUint(strings.TrimSpace(sz), 16, 31)
		if perr != nil {
			return body, nil, fmt.Errorf("malformed chunk size %q", l)
		}
		if n == 0 {
			break
		}
		if n > maxBody {
			return body, nil, fmt.Errorf("chunk size %d too large for the test client", n)
		}
		b, err := r.full(int(n) + 2)
		body = append(body, b[:min(len(b), int(n))]...)
		if err != nil {
			return body, nil, err
		}
	}
	for {
		l, err := r.line()
		if err != nil {
			return body, trailers, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return body, trailers, nil
		}
		name, val, _ := strings.Cut(l, ":")
		trailers = append(trailers, [2]string{strings.ToLower(name), strings.Trim(val, " \t")})
	}
}

func hasHeader(h [][2]string, name string) bool {
	for _, kv := range h {
		if kv[0] == name {
			return true
		}
	}
	return false
}

func renderHead(status string, hdrs [][2]string) string {
	var b strings.Builder
	b.WriteString(status)
	for _, kv := range hdrs {
		fmt.Fprintf(&b, " | %s: %s", kv[0], kv[1])
	}
	return b.String()
}

// streamConn carries a client connection: TCP, or TLS over it (see
// tlsclient_test.go), whose CloseWrite sends a close_notify.
type streamConn interface {
	net.Conn
	CloseWrite() error
}

// clientConn is one client connection of a case.
type clientConn struct {
	c    streamConn
	r    *capReader
	done bool // the connection is known to be finished (EOF, error, closed)
	shut bool // we half-closed it
	// noTLS: its TLS handshake failed; the steps on it are skipped.
	noTLS bool
}

// dialClient connects to addr from src (any 127/8 address works on Linux
// loopback, which is how balance source and src ACLs see several clients).
func dialClient(addr, src string) (*clientConn, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp4", addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	return &clientConn{c: tc, r: &capReader{br: bufio.NewReaderSize(tc, 64<<10)}}, nil
}

func (cc *clientConn) send(s string, d time.Duration) error {
	cc.c.SetWriteDeadline(time.Now().Add(d))
	_, err := io.WriteString(cc.c, s)
	return err
}
