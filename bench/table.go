package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// tableResult is the memory a stick table's entries cost a proxy: the
// proxy's memory before and after n requests, each from a client address
// of its own (bench/ratelimit.cfg makes X-Client the source, and tracks it).
type tableResult struct {
	Entries       int
	Before, After memInfo
}

func (r tableResult) perEntry(field func(memInfo) uint64) float64 {
	if r.Entries == 0 {
		return 0
	}
	return (float64(field(r.After)) - float64(field(r.Before))) / float64(r.Entries)
}

// tableRun measures the cost of n table entries on a fresh instance of t.
// The requests go one after the other on one keep-alive connection, so
// that what grows is the table, not connections or buffers.
func tableRun(o options, t target, originPort, n int, tmp string) (tableResult, error) {
	res := tableResult{Entries: n}
	p, addr, err := startProxy(o, t, originPort, tmp, "-table")
	if err != nil {
		return res, err
	}
	defer p.stop()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return res, err
	}
	defer c.Close()
	buf := make([]byte, 4096)
	ask := func(i int) error {
		req := fmt.Sprintf("GET / HTTP/1.1\r\nHost: bench\r\nX-Client: 10.%d.%d.%d\r\n\r\n", i>>16&255, i>>8&255, i&255)
		return exchangeRaw(c, req, buf)
	}
	// The first requests set up what every request needs (buffers, the
	// server connection): they belong to the baseline.
	for i := 0; i < 64; i++ {
		if err := ask(1 << 23); err != nil {
			return res, fmt.Errorf("warm-up: %w", err)
		}
	}
	time.Sleep(o.settle)
	if res.Before, err = readMem(p.pid()); err != nil {
		return res, err
	}
	for i := 0; i < n; i++ {
		if err := ask(i); err != nil {
			return res, fmt.Errorf("request %d: %w", i, err)
		}
	}
	time.Sleep(o.settle)
	res.After, err = readMem(p.pid())
	return res, err
}

// exchangeRaw sends req and reads one complete 200 response.
func exchangeRaw(c net.Conn, req string, buf []byte) error {
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	got := 0
	for {
		if got == len(buf) {
			return errors.New("response larger than buffer")
		}
		m, err := c.Read(buf[got:])
		got += m
		if done, perr := responseComplete(buf[:got]); perr != nil {
			return perr
		} else if done {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading response: %w", err)
		}
	}
}

// tableReport prints the memory per table entry of each proxy.
func tableReport(rs map[string]tableResult, targets []target) {
	fmt.Fprintf(os.Stdout, "\nstick table: memory per entry after %d entries (one request each, one connection)\n", rs[targets[0].name].Entries)
	fmt.Fprintf(os.Stdout, "  %-12s %12s %12s\n", "proxy", "rss B/entry", "private B/entry")
	for _, t := range targets {
		r := rs[t.name]
		fmt.Fprintf(os.Stdout, "  %-12s %12.0f %12.0f\n", t.name, r.perEntry(func(m memInfo) uint64 { return m.RSS }), r.perEntry(func(m memInfo) uint64 { return m.Private }))
	}
	if len(targets) == 2 {
		a, b := rs[targets[0].name], rs[targets[1].name]
		if x := a.perEntry(func(m memInfo) uint64 { return m.Private }); x > 0 {
			fmt.Fprintf(os.Stdout, "  %s/%s private: %.2f\n", targets[1].name, targets[0].name, b.perEntry(func(m memInfo) uint64 { return m.Private })/x)
		}
	}
}
