// Package logformat compiles haproxy's custom log format strings
// (configuration manual, 8.2.6): literal text, %% for a percent sign,
// variables such as %ci or %{+Q}r, and sample expressions such as
// %[req.hdr(host),lower]. The same syntax serves log-format lines and the
// values of http-request actions (lf-string, set-header, redirect...),
// which differ only in how values are encoded.
package logformat

import "switchyard/sample"

// Flags select how a format is used, as haproxy's directives do.
type Flags uint8

const (
	// MergeSpaces makes runs of spaces one separator, and drops leading
	// ones.
	MergeSpaces Flags = 1 << iota
	// Mandatory prints absent text values as "-".
	Mandatory
	// EncodeHTTP %-encodes control characters in %[...] values, which end
	// up in HTTP messages; +Q does not apply to them.
	EncodeHTTP
)

// The flag sets of haproxy's directives.
const (
	LogFormat      = MergeSpaces | Mandatory // log-format, log-format-sd, error-log-format
	UniqueIDFormat = MergeSpaces | EncodeHTTP
	HTTPValue      = EncodeHTTP // lf-string, lf-file, add/set-header, redirect, return hdr...
	Plain          = Flags(0)   // set-var-fmt and health-check payloads
)

// Options describe where a format is used.
type Options struct {
	Flags Flags
	// HTTPMode allows the variables that only exist in mode http
	// proxies (%r, %HM, %Tq, ...).
	HTTPMode bool
	// Avail is what %[...] expressions may read there. haproxy's
	// log-format runs when request buffers are gone, so it only allows
	// connection-level fetches (sample.SrcL4).
	Avail sample.Source
	// Env is the configuration %[...] expressions compile in (maps...).
	Env *sample.Env
}

// Format is a compiled format string. It is immutable and safe for
// concurrent use.
type Format struct {
	nodes []node
	atEnd bool
}

// WaitsForEnd says whether the format reads what only the end of a stream
// knows: its bytes, its times, its termination state, the counts of
// connections (haproxy's LW_BYTES variables: %B %U %Tt %ts %ac…). haproxy
// sends the line of a format that does not as soon as it can: when the
// server connection is established (tcp), or the response head has come
// (http), as option logasap does. A nil format waits for nothing.
func (f *Format) WaitsForEnd() bool { return f != nil && f.atEnd }

type nodeKind uint8

const (
	nodeText nodeKind = iota
	nodeSep           // a run of spaces, under MergeSpaces
	nodeExpr
	nodeVar
)

type node struct {
	kind nodeKind
	text string
	expr *sample.Expr
	v    renderFunc
	o    opt
	// quiet variables may print nothing at all (the header captures
	// when none are configured); the separators around them then merge.
	quiet bool
}

// Append renders the format for a request at the end of dst. s may be nil
// when the stream has nothing to add (no backend, no timers).
func (f *Format) Append(dst []byte, c *sample.Ctx, s *Stream) []byte {
	if s == nil {
		s = &zeroStream
	}
	lastSpace := true
	for i := range f.nodes {
		n := &f.nodes[i]
		switch n.kind {
		case nodeSep:
			if !lastSpace {
				dst = append(dst, ' ')
			}
			lastSpace = true
			continue
		case nodeText:
			dst = append(dst, n.text...)
		case nodeExpr:
			dst = n.appendExpr(dst, c)
		case nodeVar:
			before := len(dst)
			if dst = n.v(dst, n.o, c, s); n.quiet && len(dst) == before {
				continue
			}
		}
		lastSpace = false
	}
	return dst
}

var zeroStream Stream

// appendExpr renders a sample as text. Text built while converting it is
// dropped from c.Scratch once copied to dst.
func (n *node) appendExpr(dst []byte, c *sample.Ctx) []byte {
	mark := len(c.Scratch)
	var text []byte
	if v, ok := n.expr.Eval(c); ok {
		if v.Kind == sample.KindStr {
			text = v.Str
		} else {
			// The converters may have left the value itself in
			// c.Scratch: the text is what is appended after it.
			at := len(c.Scratch)
			c.Scratch = v.AppendText(c.Scratch)
			text = c.Scratch[at:]
		}
	}
	if n.o&optHTTP != 0 {
		dst = appendEncoded(dst, text, '%', httpEncode, n.o)
	} else {
		dst = appendText(dst, text, n.o)
	}
	c.Scratch = c.Scratch[:mark]
	return dst
}
