package difftest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the origins: raw-TCP HTTP/1.1 servers (and TCP echo
// servers) that record the exact bytes each request arrived with and answer
// as a case tells them to, misbehaving included. They are written from
// scratch rather than with net/http because net/http normalises and rejects
// exactly the things these tests need to see.

// replyKind says how an origin answers one request.
type replyKind int

const (
	// replyDefault: 200, "x-origin: <name>", the name as the body.
	replyDefault replyKind = iota
	// replyRaw writes raw verbatim, then keeps the connection open (or
	// closes it when close is set, for close-delimited bodies and garbage).
	replyRaw
	// replyClose closes the connection without answering.
	replyClose
	// replyHang never answers; the connection is held until the peer closes.
	replyHang
	// replyTunnel writes raw (a 101) and then echoes every byte back until
	// the peer half-closes, like a WebSocket echo server.
	replyTunnel
)

// reply is how an origin answers one request.
type reply struct {
	kind  replyKind
	raw   string
	close bool
	// noContinue stops the origin from sending "100 Continue" when the
	// request carries "Expect: 100-continue".
	noContinue bool
	// early answers as soon as the head is in, without reading the body
	// (the connection is then closed, the body being unread).
	early bool
	// rest is written after raw, once pause has passed: a slow server
	// whose answer comes in two parts. A case using it must not depend on
	// the pause being long enough, only on the parts being separate.
	rest  string
	pause time.Duration
}

// originReq is one request as an origin received it.
type originReq struct {
	origin   string
	conn     int    // the origin's connection number, from 1, in accept order
	head     string // raw head bytes, request line to the blank line
	body     []byte // decoded body
	trailers string // raw trailer lines of a chunked body
	err      string // why the request could not be read in full, if so
}

// recorder collects what all the origins of one run saw, in arrival order,
// and hands out the case's replies in that same order.
type recorder struct {
	mu      sync.Mutex
	reqs    []originReq
	replies []reply
	conns   map[string]int
}

// next records r and returns how to answer it: the case's replies are used
// for the first requests, in arrival order over all origins, and the
// default answer after that.
func (rec *recorder) next(r originReq) reply {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	i := len(rec.reqs)
	rec.reqs = append(rec.reqs, r)
	if i < len(rec.replies) {
		return rec.replies[i]
	}
	return reply{}
}

// peekReply is the reply the next request will get; the origin needs it
// before the body is read, to decide whether to send 100 Continue.
func (rec *recorder) peekReply() reply {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if i := len(rec.reqs); i < len(rec.replies) {
		return rec.replies[i]
	}
	return reply{}
}

func (rec *recorder) newConn(origin string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.conns[origin]++
	return rec.conns[origin]
}

// origin is one listening server.
type origin struct {
	name string
	tcp  bool // echo server instead of HTTP
	ln   net.Listener
	rec  *recorder
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]bool
}

func startOrigin(name string, tcp bool, rec *recorder) (*origin, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &origin{name: name, tcp: tcp, ln: ln, rec: rec, open: make(map[net.Conn]bool)}
	o.wg.Add(1)
	go o.serve()
	return o, nil
}

func (o *origin) port() string {
	return strconv.Itoa(o.ln.Addr().(*net.TCPAddr).Port)
}

func (o *origin) serve() {
	defer o.wg.Done()
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		o.open[c] = true
		o.mu.Unlock()
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			defer func() {
				c.Close()
				o.mu.Lock()
				delete(o.open, c)
				o.mu.Unlock()
			}()
			// A backstop only: the proxy is killed before origins are
			// stopped, which ends every connection long before this.
			c.SetDeadline(time.Now().Add(30 * time.Second))
			if o.tcp {
				o.echo(c)
			} else {
				o.serveHTTP(c, o.rec.newConn(o.name))
			}
		}()
	}
}

// stop closes the listener and every connection and waits for the
// handlers, so that the recording is complete and nothing leaks.
func (o *origin) stop() {
	o.ln.Close()
	o.mu.Lock()
	for c := range o.open {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// echoEOFNote is what a TCP origin sends after its peer half-closes, so a
// test can see that data still flows server-to-client after the client's FIN.
func echoEOFNote(name string) string { return "<eof seen by " + name + ">" }

func (o *origin) echo(c net.Conn) {
	o.rec.newConn(o.name)
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if errors.Is(err, io.EOF) {
			io.WriteString(c, echoEOFNote(o.name))
			return
		}
		if err != nil {
			return
		}
	}
}

// maxOriginHead bounds what an origin buffers for one request head; the
// proxies under test cap heads well below it.
const maxOriginHead = 1 << 20

// maxBody bounds a body (or chunk) an origin or the client will buffer, so
// that a proxy forwarding an absurd length fails its case instead of
// exhausting the test's memory.
const maxBody = 16 << 20

func (o *origin) serveHTTP(c net.Conn, connNo int) {
	br := bufio.NewReader(c)
	for {
		r := originReq{origin: o.name, conn: connNo}
		head, err := readHead(br)
		r.head = string(head)
		if err != nil {
			if len(head) > 0 {
				r.err = "head: " + errText(err)
				o.rec.next(r)
			}
			return
		}
		hdrs := parseHeaderLines(head)
		method := strings.SplitN(firstLine(head), " ", 2)[0]
		chunked := isChunked(hdrs)
		cl, hasCL := contentLength(hdrs)
		next := o.rec.peekReply()
		if next.early {
			o.rec.next(r)
			io.WriteString(c, next.raw)
			return
		}
		if (chunked || cl > 0) && strings.EqualFold(hdrValue(hdrs, "expect"), "100-continue") && !next.noContinue {
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
		}
		switch {
		case chunked:
			r.body, r.trailers, err = readChunked(br)
		case hasCL && cl > maxBody:
			err = fmt.Errorf("content-length %d too large for the test origin", cl)
		case hasCL && cl > 0:
			r.body = make([]byte, cl)
			var n int
			n, err = io.ReadFull(br, r.body)
			r.body = r.body[:n]
		}
		if err != nil {
			r.err = "body: " + errText(err)
			o.rec.next(r)
			return
		}
		rp := o.rec.next(r)
		switch rp.kind {
		case replyDefault:
			body := o.name
			if method == "HEAD" {
				body = ""
			}
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nx-origin: %s\r\ncontent-length: %d\r\n\r\n%s", o.name, len(o.name), body)
		case replyRaw:
			if _, err := io.WriteString(c, rp.raw); err != nil {
				return
			}
			if rp.rest != "" {
				// The pause is the slow server being modelled.
				time.Sleep(rp.pause)
				if _, err := io.WriteString(c, rp.rest); err != nil {
					return
				}
			}
			if rp.close {
				return
			}
		case replyClose:
			return
		case replyHang:
			io.Copy(io.Discard, c)
			return
		case replyTunnel:
			if _, err := io.WriteString(c, rp.raw); err != nil {
				return
			}
			// Bytes the proxy sent along with the head are already buffered.
			io.Copy(c, br)
			return
		}
	}
}

// readHead reads up to and including the blank line ending a head; bare LF
// line ends are accepted so that whatever a proxy forwards gets recorded.
func readHead(br *bufio.Reader) ([]byte, error) {
	var head []byte
	// cont is set while reading the rest of a line longer than the buffer,
	// whose tail must not be mistaken for a blank line.
	cont := false
	for {
		line, err := br.ReadSlice('\n')
		head = append(head, line...)
		if err == bufio.ErrBufferFull {
			if len(head) > maxOriginHead {
				return head, errors.New("head too large")
			}
			cont = true
			continue
		}
		if err != nil {
			return head, err
		}
		if cont || len(bytes.TrimRight(line, "\r\n")) > 0 {
			cont = false
			continue
		}
		if len(head) == len(line) {
			// Tolerate empty lines before the request line (RFC 9112 2.2).
			head = head[:0]
			continue
		}
		return head, nil
	}
}

func firstLine(head []byte) string {
	l, _, _ := bytes.Cut(head, []byte("\n"))
	return strings.TrimSuffix(string(l), "\r")
}

// parseHeaderLines splits the header lines (after the start line) of a head
// into lowercased names and trimmed values.
func parseHeaderLines(head []byte) [][2]string {
	lines := strings.Split(string(head), "\n")
	var out [][2]string
	for _, l := range lines[1:] {
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			continue
		}
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			out = append(out, [2]string{"<no colon>", l})
			continue
		}
		out = append(out, [2]string{strings.ToLower(name), strings.Trim(val, " \t")})
	}
	return out
}

func hdrValue(h [][2]string, name string) string {
	for _, kv := range h {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// isChunked reports whether the last transfer coding is chunked.
func isChunked(h [][2]string) bool {
	last := ""
	for _, kv := range h {
		if kv[0] == "transfer-encoding" {
			for _, tok := range strings.Split(kv[1], ",") {
				if tok = strings.TrimSpace(tok); tok != "" {
					last = tok
				}
			}
		}
	}
	return strings.EqualFold(last, "chunked")
}

// contentLength is the first Content-Length, if it parses.
func contentLength(h [][2]string) (int, bool) {
	for _, kv := range h {
		if kv[0] == "content-length" {
			n, err := strconv.Atoi(kv[1])
			return n, err == nil && n >= 0
		}
	}
	return 0, false
}

// readChunked decodes a chunked body and returns it with its raw trailers.
func readChunked(br *bufio.Reader) (body []byte, trailers string, err error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return body, "", err
		}
		sz, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		n, perr := strconv.ParseUint(strings.TrimSpace(sz), 16, 31)
		if perr != nil {
			return body, "", fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if n > maxBody {
			return body, "", fmt.Errorf("chunk size %d too large for the test origin", n)
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return body, "", err
		}
		body = append(body, chunk[:n]...)
	}
	var tr strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return body, tr.String(), err
		}
		if line == "\r\n" || line == "\n" {
			return body, tr.String(), nil
		}
		tr.WriteString(line)
	}
}

// errText names an I/O error compactly and without addresses or timings,
// so that the text is the same for both proxies.
func errText(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection reset"),
		strings.Contains(err.Error(), "broken pipe"),
		strings.Contains(err.Error(), "use of closed network connection"):
		// Whether a close shows up as FIN or RST depends on unread bytes
		// and timing, not on the proxy's decision; treat both alike.
		return "eof"
	case tlsAlert(err) != "":
		// A TLS client's read: the alert the proxy sent, not Go's words.
		return tlsAlert(err)
	}
	return err.Error()
}
