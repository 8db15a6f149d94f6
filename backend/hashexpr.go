package backend

import (
	"net/netip"
	"sync"

	"switchyard/sample"
)

// `balance hash EXPR` and the way a balancer reaches the stream's sample
// context. haproxy's get_server_expr() evaluates the expression when it
// assigns a server, casts the result to binary (strings as they are,
// integers as 8 big-endian bytes, addresses as 4 or 16 bytes), hashes those
// bytes with the hash-type function and avalanche, and looks the hash up in
// the map or on the ring; when the expression yields nothing, or the cast
// fails, it falls back to round robin like the other hashes.

// CtxPicker is a Balancer that can read more of the stream than Pick's
// request and source address: the stream's sample context (variables, the
// destination, the backend and frontend fetches, the buffered body) and,
// in TCP mode, the request bytes read while tcp-request content rules
// waited (inspect-delay). `balance hash` needs the former to evaluate any
// expression as haproxy does, `balance rdp-cookie` the latter.
type CtxPicker interface {
	Balancer
	// PickCtx returns the server for the stream whose sample context is
	// c, never nil (c.Req is nil in TCP mode; c.Src is the client address
	// as Pick's src), and whose first request bytes are payload (nil in
	// HTTP mode).
	// It may append to c.Scratch but leaves its length as it found it.
	PickCtx(c *sample.Ctx, payload []byte) *Server
}

// PickCtx picks a server with b for the stream of c and payload (see
// CtxPicker): through PickCtx when b implements it, through Pick
// otherwise. It is what the stream's assignment should call.
func PickCtx(b Balancer, c *sample.Ctx, payload []byte) *Server {
	if cp, ok := b.(CtxPicker); ok {
		return cp.PickCtx(c, payload)
	}
	return b.Pick(c.Req, c.Src.Addr())
}

// PickCtx implements CtxPicker for every hashing algorithm.
func (b *hashed) PickCtx(c *sample.Ctx, payload []byte) *Server {
	switch b.a.Kind {
	case Hash:
		return b.pickExpr(c)
	case RDPCookie:
		return b.pickRDP(payload)
	}
	return b.Pick(c.Req, c.Src.Addr())
}

// ctxPool holds the contexts Pick builds for `balance hash` when it is not
// given the stream's: evaluating through a function value makes the
// context escape, and a pool keeps that from costing an allocation per
// request.
var ctxPool = sync.Pool{New: func() any { return new(sample.Ctx) }}

// pickExprOf evaluates `balance hash` with only a request and a source
// address, which is all Pick has: fetches of anything else (variables,
// the destination address, the source port, the stream's frontend and
// backend) find nothing and the request falls back to round robin.
// PickCtx, given the stream's context, has no such limit.
func (b *hashed) pickExprOf(r sample.Request, src netip.Addr) *Server {
	if b.single {
		return b.tab.lookup(0)
	}
	c := ctxPool.Get().(*sample.Ctx)
	c.Req, c.Src = r, netip.AddrPortFrom(src, 0)
	s := b.choose(b.exprHash(c))
	c.Reset()
	c.Vars.ResetSession() // a set-var converter must not leak to the next user
	c.Src = netip.AddrPort{}
	ctxPool.Put(c)
	return s
}

// pickExpr is `balance hash` with the stream's context.
func (b *hashed) pickExpr(c *sample.Ctx) *Server {
	if b.single {
		// haproxy hashes nothing for a lone server and looks up 0.
		return b.tab.lookup(0)
	}
	return b.choose(b.exprHash(c))
}

// exprHash evaluates the expression and hashes its value as binary, or
// reports that there is no value to hash. What the evaluation appended to
// c.Scratch is dropped once hashed.
func (b *hashed) exprHash(c *sample.Ctx) (uint32, bool) {
	n := len(c.Scratch)
	v, ok := b.a.Expr.Eval(c)
	if ok {
		v, ok = sample.Cast(c, v, sample.TypeBin)
	}
	var h uint32
	if ok {
		// An empty value is hashed like any other: only a missing
		// sample falls back.
		h = b.a.hashKey(v.Str)
	}
	c.Scratch = c.Scratch[:n]
	return h, ok
}
