package logformat

import (
	"bytes"

	"switchyard/sample"
)

// part is a piece of the request line that a variable logs.
type part uint8

const (
	partLine     part = iota // %r
	partMethod               // %HM
	partURI                  // %HU
	partPath                 // %HP: the URI up to '?'
	partPathOnly             // %HPO: the path without scheme, host or query
	partQuery                // %HQ: from '?' on, the '?' included
	partVersion              // %HV
)

// maxRequestLine is how much of the request line haproxy keeps for logs
// (tune.requri_len, 1024, less the terminating NUL).
const maxRequestLine = 1023

var badReq = []byte("<BADREQ>")

// requestPart renders a piece of the request line. haproxy logs a copy of
// the line truncated to maxRequestLine bytes and cuts the pieces out of
// it, so a very long URI loses its version; we rebuild that copy in
// c.Scratch and do the same.
func requestPart(p part) renderFunc {
	return func(dst []byte, o opt, c *sample.Ctx, _ *Stream) []byte {
		if o&optQuote != 0 {
			dst = append(dst, '"')
		}
		if c.Req == nil {
			dst = append(dst, badReq...)
		} else {
			mark := len(c.Scratch)
			c.Scratch = appendRequestLine(c.Scratch, c.Req)
			dst = appendEncoded(dst, cutPart(c.Scratch[mark:], p), '#', urlEncode, o)
			c.Scratch = c.Scratch[:mark]
		}
		if o&optQuote != 0 {
			dst = append(dst, '"')
		}
		return dst
	}
}

func appendRequestLine(dst []byte, r sample.Request) []byte {
	start := len(dst)
	dst = append(dst, r.Method()...)
	dst = append(dst, ' ')
	dst = append(dst, r.URI()...)
	dst = append(dst, ' ')
	dst = append(dst, r.Version()...)
	if len(dst)-start > maxRequestLine {
		dst = dst[:start+maxRequestLine]
	}
	return dst
}

// cutPart extracts a piece of a request line the way haproxy's log
// variables scan it: by blanks, reporting <BADREQ> when the line has no
// blank after the method.
func cutPart(line []byte, p part) []byte {
	if p == partLine {
		return line
	}
	sp := bytes.IndexAny(line, " \t")
	if p == partMethod {
		if sp < 0 {
			return badReq
		}
		return line[:sp]
	}
	if p == partQuery {
		q := bytes.IndexByte(line, '?')
		if q < 0 {
			return nil
		}
		end := bytes.IndexAny(line[q:], " \t")
		if end < 0 {
			return line[q:]
		}
		return line[q : q+end]
	}
	if sp < 0 {
		return badReq
	}
	uri := bytes.TrimLeft(line[sp:], " \t")
	rest := []byte(nil)
	if end := bytes.IndexAny(uri, " \t"); end >= 0 {
		uri, rest = uri[:end], uri[end:]
	}
	switch p {
	case partPath:
		if q := bytes.IndexByte(uri, '?'); q >= 0 {
			return uri[:q]
		}
	case partPathOnly:
		path, _ := sample.PathOf(uri)
		return path
	case partVersion:
		if v := bytes.TrimLeft(rest, " \t"); len(v) > 0 {
			return v
		}
		return []byte("HTTP/0.9")
	}
	return uri
}
