// Package http1 is switchyard's HTTP/1.x codec. It parses message heads in
// place (header names and values are slices of the caller's buffer), keeps
// haproxy 2.6's verdicts on malformed input, serialises heads the way
// haproxy forwards them, and frames bodies (content-length, chunked,
// until-close) without copying.
//
// A proxy owns its framing decisions, so this package decides nothing on its
// own about the network: the caller reads, the codec tells it what the bytes
// mean and what haproxy would have answered. One exchange goes:
//
//	rd.Attach(buf)                      // a pooled tune.bufsize buffer
//	n, err := req.Parse(rd.Buffered(), lim)
//	// on ErrIncomplete: rd.Fill(), then req.Continue(rd.Buffered(), lim)
//	// on *ParseError: write ErrorResponse(err.Status), close
//	rd.Discard(n)
//	head, out := req.AppendHead(dst, mode, false)
//	body.ForRequest(rd, &req, lim)      // spans from Next, or Direct+Advance
//	...
//	n, err = resp.Parse(srv.Buffered(), lim, req.Meth)
//	head, out = resp.AppendHead(dst, feMode, req.Close, &req)
//	rd.Detach()                         // idle: give the buffer back
//
// The table in cases_test.go records, case by case, what haproxy 2.6 does
// with odd input; the tests hold this package to it and prove it against
// the real haproxy.
package http1
