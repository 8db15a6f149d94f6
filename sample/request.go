package sample

import (
	"crypto/tls"
	"net/netip"
)

// Request is the view of an HTTP request that fetches read. The HTTP/1 codec
// implements it over its parse buffer; a future HTTP/2 codec will implement it
// too, which is why nothing here assumes HTTP/1 framing. Returned slices are
// only valid until the request is released and must not be modified.
type Request interface {
	HeaderList
	Method() []byte
	// URI is the request-target as received (after any rewrite rules).
	URI() []byte
	// Version is e.g. "HTTP/1.1".
	Version() []byte
}

// HeaderList gives the header fields of a message in wire order, names as
// received (compare case-insensitively).
type HeaderList interface {
	NumHeaders() int
	Header(i int) (name, value []byte)
}

// Response is the view of an HTTP response that fetches read, once the
// server's head has been parsed (http-response rules).
type Response interface {
	HeaderList
	Version() []byte // e.g. "HTTP/1.1"
	StatusCode() int
}

// Ctx is everything a sample fetch may look at for one transaction. It is
// reused across requests on a connection (call Reset), so fetches and
// converters can use Scratch without allocating.
type Ctx struct {
	Req  Request  // nil in TCP mode or before a request is parsed
	Resp Response // nil until the server's response head is parsed
	// ReqInfo is the request while response rules run, when Req is nil:
	// its head is gone there (haproxy forwarded it), but what haproxy
	// keeps of it, the method and that it is HTTP, stays readable.
	ReqInfo  Request
	Src, Dst netip.AddrPort
	// fc holds the front connection's addresses (fc_src, fc_dst) once a
	// rule past the connection stage changed Src or Dst (KeepFrontConn);
	// until then they are Src and Dst: the peer's, the PROXY protocol's,
	// or what tcp-request connection set-src/set-dst made them.
	fc *[2]netip.AddrPort
	// PP is what the connection's PROXY header said beyond addresses (nil
	// when none came): fc_rcvd_proxy, fc_pp_authority, fc_pp_unique_id.
	// It lives as long as the connection; Reset keeps it.
	PP *ProxyInfo
	// FrontTLS is the client connection's TLS handshake (nil: not TLS),
	// for the ssl_fc_* and ssl_c_* fetches. Reset keeps it.
	FrontTLS *tls.ConnectionState
	Vars     Vars
	// Body is the buffered request body, nil when it was not waited for
	// (option http-buffer-request, http-request wait-for-body): the body
	// fetches (req.body, req.body_len...) then find nothing. A request
	// without a body that was waited for has an empty, non-nil Body.
	Body []byte
	// BodyLeft is how much of a Content-Length body had not come when
	// Body was taken (req.body_size adds it, as haproxy announces it).
	BodyLeft int64
	// ResBody is the response body as haproxy's buffer holds it while the
	// response rules run (http-response, http-after-response): what came
	// with the head, or what http-response wait-for-body waited for, a
	// chunked body decoded. It is nil elsewhere, where res.body and its
	// kin find nothing, and empty, not nil, for a response without body.
	ResBody []byte
	// ResBodyLeft is how much more body the response announces beyond
	// ResBody (the rest of its Content-Length, or of the chunk being
	// received), -1 when its length is unknown (until the close):
	// res.body_size adds it.
	ResBodyLeft int64
	// L6 is a TCP stream's bytes while its content rules inspect them;
	// nil in HTTP mode, where haproxy's payload fetches find nothing. It
	// is a pointer so that HTTP streams, which never need it, do not
	// carry it.
	L6 *Payload
	// LastRule is where the last rule that ended its rule set was
	// written (last_rule_file, last_rule_line); nil: none yet.
	LastRule *RulePos
	// OnResponse is set while response rules run: direction-dependent
	// fetches (hdr, hdr_cnt…) then read the response, as in haproxy.
	OnResponse bool
	// mayChange is set by a fetch whose answer more bytes could change;
	// a condition that fails because of it is haproxy's ACL_TEST_MISS.
	mayChange bool
	// authWrong remembers that the transaction's Authorization header
	// gave no usable credentials, as haproxy's HTTP_AUTH_WRONG: later
	// reads in the transaction find none, even of a header added since.
	authWrong bool
	// Scratch is a buffer converters may append into; it is truncated by
	// Reset. Values that point into it are valid until the next Reset.
	Scratch []byte
	// Owner is the stream the transaction runs on, for the fetches its
	// package registers (fe_name, srv_name...); Reset keeps it.
	Owner any
}

// Payload is what the layer-6 fetches read (req.payload, req.len…,
// res.payload…): the bytes received so far in each direction. A health
// check sets both to what it has read.
type Payload struct {
	Req, Res []byte
	// Final says no more bytes will come for the rules to wait for
	// (inspect-delay over, buffer full, peer closed): a fetch that found
	// too little then fails for good instead of asking to wait.
	Final bool
}

// RulePos is where a rule was written.
type RulePos struct {
	File string
	Line int
}

// ProxyInfo is what a received PROXY header carried besides addresses.
type ProxyInfo struct {
	Authority, UniqueID []byte // TLVs of a version 2 header; nil if absent
}

// KeepFrontConn records Src and Dst as the front connection's addresses,
// unless done already: a session or stream rule is about to change them.
func (c *Ctx) KeepFrontConn() {
	if c.fc == nil {
		c.fc = &[2]netip.AddrPort{c.Src, c.Dst}
	}
}

// frontConn returns the front connection's source or destination.
func (c *Ctx) frontConn(dst bool) netip.AddrPort {
	switch {
	case c.fc != nil && dst:
		return c.fc[1]
	case c.fc != nil:
		return c.fc[0]
	case dst:
		return c.Dst
	}
	return c.Src
}

// Reset prepares the context for the next transaction on the same
// connection, keeping allocated capacity.
func (c *Ctx) Reset() {
	c.Req, c.ReqInfo, c.Resp, c.OnResponse, c.Body, c.BodyLeft = nil, nil, nil, false, nil, 0
	c.ResBody, c.ResBodyLeft = nil, 0
	c.L6, c.mayChange, c.LastRule, c.authWrong = nil, false, nil, false
	c.Vars.Reset()
	c.Scratch = c.Scratch[:0]
}
