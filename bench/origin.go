package main

import (
	"bytes"
	"net"
)

// The Go origin is the alternative to the haproxy origin (-origin go): the
// bench re-executes itself with -serve-origin ADDR, pinned like the haproxy
// origin would be. It answers every request with the same bytes and never
// closes a connection first; requests are assumed bodiless (GET), which is
// all the bench sends.
var originResponse = []byte("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nhello")

func serveOrigin(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go originConn(c)
	}
}

func originConn(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	out := make([]byte, 0, len(originResponse))
	// carry holds the last bytes of the previous read so that a "\r\n\r\n"
	// split across two reads is still seen.
	carry := 0
	for {
		n, err := c.Read(buf[carry:])
		if n > 0 {
			data := buf[:carry+n]
			reqs := bytes.Count(data, []byte("\r\n\r\n"))
			out = out[:0]
			for i := 0; i < reqs; i++ {
				out = append(out, originResponse...)
			}
			if reqs > 0 {
				if _, werr := c.Write(out); werr != nil {
					return
				}
			}
			// Carry over the start of the next request. It never holds a
			// whole terminator, so nothing is counted twice.
			rest := data
			if i := bytes.LastIndex(data, []byte("\r\n\r\n")); i >= 0 {
				rest = data[i+4:]
			}
			if len(rest) == len(buf) {
				// An oversized head: three bytes suffice to find its end.
				rest = rest[len(rest)-3:]
			}
			carry = copy(buf, rest)
		}
		if err != nil {
			return
		}
	}
}
