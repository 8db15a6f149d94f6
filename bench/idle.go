package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// idleResult is the memory cost of idle keep-alive connections.
type idleResult struct {
	Conns         int     // connections that completed their request
	Alive         int     // of those, still open when memory was read
	Failed        int     // dials or requests that failed
	Before, After memInfo // proxy memory around the opening of Conns
}

// perConn is (after-before)/conns for one memInfo field.
func (r idleResult) perConn(field func(memInfo) uint64) float64 {
	if r.Conns == 0 {
		return 0
	}
	return (float64(field(r.After)) - float64(field(r.Before))) / float64(r.Conns)
}

const benchRequest = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: switchyard-bench\r\n\r\n"

// idleConnCost opens n keep-alive connections with dial (i numbers the
// connection), each sending one request and reading its response before it
// goes idle, and reads the proxy's memory before and after. The proxy
// should be freshly started: a process that already served the throughput
// runs has pools sized by them, which the idle connections would reuse,
// hiding their cost.
func idleConnCost(p *proc, dial func(i int) (net.Conn, error), n, parallel int, settle time.Duration) (idleResult, error) {
	var res idleResult
	// Warm the proxy with a few complete exchanges so that one-time setup
	// (first buffers, first server connection) lands in the baseline.
	for i := 0; i < 8; i++ {
		c, err := dial(i)
		if err != nil {
			return res, fmt.Errorf("warm-up dial: %w", err)
		}
		for j := 0; j < 4; j++ {
			if err := exchange(c, make([]byte, 4096)); err != nil {
				c.Close()
				return res, fmt.Errorf("warm-up request: %w", err)
			}
		}
		c.Close()
	}
	time.Sleep(settle)
	before, err := readMem(p.pid())
	if err != nil {
		return res, err
	}
	res.Before = before

	conns := make([]net.Conn, n)
	var failed atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c, err := dial(i)
				if err == nil {
					err = exchange(c, buf)
					if err != nil {
						c.Close()
					}
				}
				if err != nil {
					failed.Add(1)
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
					continue
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				resetClose(c)
			}
		}
	}()
	res.Failed = int(failed.Load())
	res.Conns = n - res.Failed
	if p.exited() {
		return res, fmt.Errorf("%s died while connections were opened (%v):\n%s", p.name, p.err, p.logTail(20))
	}

	time.Sleep(settle)
	after, err := readMem(p.pid())
	if err != nil {
		return res, err
	}
	res.After = after
	res.Alive = countAlive(conns)
	if res.Failed > 0 {
		return res, fmt.Errorf("%d of %d connections failed, first: %v", res.Failed, n, firstErr)
	}
	return res, nil
}

// resetClose closes c (or the socket under its TLS) with a reset rather
// than a FIN: thousands of TIME_WAIT sockets would hold ports that later
// runs and tests on this machine need.
func resetClose(c net.Conn) {
	if t, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = t.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// dialFrom spreads connections over several 127.0.0.x source addresses so
// that a large -idle cannot run out of ephemeral ports (about 28,000 per
// source address with Linux defaults).
func dialFrom(i int, addr string) (net.Conn, error) {
	d := net.Dialer{
		Timeout:   5 * time.Second,
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%8))},
	}
	return d.Dial("tcp", addr)
}

// exchange sends one request and reads one complete 200 response.
func exchange(c net.Conn, buf []byte) error {
	if err := exchangeRaw(c, benchRequest, buf); err != nil {
		return err
	}
	return c.SetDeadline(time.Time{})
}

// responseComplete reports whether b holds a whole 200 response with a
// Content-Length body (what both the origin and the proxies send).
func responseComplete(b []byte) (bool, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return false, nil
	}
	head := b[:end]
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) && !bytes.Equal(head, []byte("HTTP/1.1 200")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return false, fmt.Errorf("unexpected status line %q", line)
	}
	cl := -1
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("content-length")) {
			v, err := strconv.Atoi(string(bytes.TrimSpace(val)))
			if err != nil {
				return false, fmt.Errorf("bad content-length %q", val)
			}
			cl = v
		}
	}
	if cl < 0 {
		return false, errors.New("response without content-length")
	}
	return len(b) >= end+4+cl, nil
}

// countAlive checks that the proxy did not close the idle connections
// behind our back, which would make them look free. A read that times out
// means the connection is open and silent.
func countAlive(conns []net.Conn) int {
	var alive atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(200 * time.Millisecond)
	for _, c := range conns {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			var b [1]byte
			_, err := c.Read(b[:])
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				alive.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(alive.Load())
}
