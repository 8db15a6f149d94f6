package sample

import (
	"errors"
	"strconv"
)

// payloadFetches read a TCP stream's bytes as received, while tcp content
// rules inspect them (haproxy's "layer 6" fetches). Too few bytes is not a
// failure while more may come: the fetch says so (mayChange) and a rule
// whose condition depends on it waits, within inspect-delay, as haproxy's
// ACL_TEST_MISS.
var payloadFetches = []fetchDef{
	{name: "req.len", out: TypeInt, src: SrcL6Req, fn: fetchReqLen},
	{name: "req_len", out: TypeInt, src: SrcL6Req, fn: fetchReqLen},
	{name: "res.len", out: TypeInt, src: SrcL6Res, fn: fetchResLen},
	{name: "req.payload", args: args(2, ArgInt, ArgInt), out: TypeBin, src: SrcL6Req, fn: fetchPayload(dirReq)},
	{name: "res.payload", args: args(2, ArgInt, ArgInt), out: TypeBin, src: SrcL6Res, fn: fetchPayload(dirRes)},
	{name: "payload", args: args(2, ArgInt, ArgInt), out: TypeBin, src: SrcL6Req | SrcL6Res, fn: fetchPayload(dirRule)},
	{name: "req.payload_lv", args: args(2, ArgInt, ArgInt, ArgStr), validate: validatePayloadLV, out: TypeBin, src: SrcL6Req, fn: fetchPayloadLV(dirReq)},
	{name: "res.payload_lv", args: args(2, ArgInt, ArgInt, ArgStr), validate: validatePayloadLV, out: TypeBin, src: SrcL6Res, fn: fetchPayloadLV(dirRes)},
	{name: "payload_lv", args: args(2, ArgInt, ArgInt, ArgStr), validate: validatePayloadLV, out: TypeBin, src: SrcL6Req | SrcL6Res, fn: fetchPayloadLV(dirRule)},
	{name: "wait_end", out: TypeBool, fn: fetchWaitEnd},
}

// payloadMax is haproxy's buffer size (tune.bufsize): a window that ends
// past it can never be filled, so it fails for good instead of waiting.
const payloadMax = 16384

type payloadDir uint8

const (
	dirReq  payloadDir = iota
	dirRes             // the response's bytes (tcp-response content rules)
	dirRule            // the direction of the rule that runs (payload, payload_lv)
)

// payloadOf returns the bytes received in the direction, and whether the
// stream is inspected at all (false in HTTP mode, where haproxy's payload
// fetches find nothing).
func (c *Ctx) payloadOf(d payloadDir) ([]byte, bool) {
	if c.L6 == nil {
		return nil, false
	}
	if d == dirRes || d == dirRule && c.OnResponse {
		return c.L6.Res, c.L6.Res != nil
	}
	return c.L6.Req, c.L6.Req != nil
}

// inspecting says whether a TCP stream's bytes are being inspected and
// more may come: a fetch that found too little may ask to wait.
func (c *Ctx) inspecting() bool {
	return c.L6 != nil && !c.L6.Final && (c.L6.Req != nil || c.L6.Res != nil)
}

// tooShort is the answer of a fetch that needs more bytes than came: it
// may match later, unless no more will come.
func tooShort(c *Ctx) (Value, cursor, bool) {
	c.mayChange = !c.L6.Final
	return Value{}, cursor{}, false
}

// fetchReqLen is the size of what the request side holds: the bytes
// received on a TCP stream, which more bytes may change. In HTTP mode it
// is haproxy's size of the request in its internal representation (start
// line, header names and values, end of headers, buffered body), which
// haproxy documents as not accurate and keeps for compatibility.
func fetchReqLen(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.L6 != nil && c.L6.Req != nil {
		c.mayChange = !c.L6.Final
		return Int(int64(len(c.L6.Req))), cursor{}, true
	}
	r := c.Req
	if r == nil || c.OnResponse {
		return Value{}, cursor{}, false
	}
	n := htxStartLine + len(r.Method()) + len(r.URI()) + len(r.Version()) + 1 + len(c.Body)
	for i := 0; i < r.NumHeaders(); i++ {
		name, value := r.Header(i)
		n += len(name) + len(value)
	}
	return Int(int64(n)), cursor{}, true
}

// fetchResLen is the number of bytes of the server's response received on
// a TCP stream.
func fetchResLen(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.L6 == nil || c.L6.Res == nil {
		return Value{}, cursor{}, false
	}
	c.mayChange = !c.L6.Final
	return Int(int64(len(c.L6.Res))), cursor{}, true
}

// fetchPayload is payload(offset,length): length bytes from offset, or all
// the bytes from offset when length is 0 (which more bytes may extend).
func fetchPayload(d payloadDir) fetchFunc {
	return func(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
		data, ok := c.payloadOf(d)
		if !ok {
			return Value{}, cursor{}, false
		}
		off, size := uint64(a[0].i), uint64(a[1].i)
		if size > payloadMax || off+size > payloadMax {
			return Value{}, cursor{}, false
		}
		if off+size > uint64(len(data)) {
			return tooShort(c)
		}
		if size == 0 {
			c.mayChange = !c.L6.Final
			return binVal(data[off:]), cursor{}, true
		}
		return binVal(data[off : off+size]), cursor{}, true
	}
}

// fetchPayloadLV is payload_lv(offset1,length[,offset2]): the block whose
// size is the length-byte big-endian integer at offset1, found right after
// it, or at offset2 (relative to the end of the size when signed).
func fetchPayloadLV(d payloadDir) fetchFunc {
	return func(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
		data, ok := c.payloadOf(d)
		if !ok {
			return Value{}, cursor{}, false
		}
		lenOff, lenSize := uint64(a[0].i), uint64(a[1].i)
		if lenOff+lenSize > uint64(len(data)) {
			return tooShort(c)
		}
		var size uint64
		for _, b := range data[lenOff : lenOff+lenSize] {
			size = size<<8 | uint64(b)
		}
		off := lenOff + lenSize
		if a[2].set {
			if rel := a[2].s[0] == '+' || a[2].s[0] == '-'; rel {
				off = uint64(int64(off) + a[2].i)
			} else {
				off = uint64(a[2].i)
			}
		}
		if size == 0 || size > payloadMax || off+size > payloadMax {
			return Value{}, cursor{}, false
		}
		if off+size > uint64(len(data)) {
			return tooShort(c)
		}
		return binVal(data[off : off+size]), cursor{}, true
	}
}

// validatePayloadLV checks payload_lv's arguments as haproxy does, and
// reads the third, a string so that a sign can say "relative", into i.
func validatePayloadLV(a []arg) error {
	if a[0].i < 0 {
		return errors.New("payload offset1 must be positive")
	}
	if a[1].i == 0 {
		return errors.New("payload length must be > 0")
	}
	if !a[2].set || a[2].s == "" {
		a[2].set = false
		return nil
	}
	n, err := strconv.ParseInt(a[2].s, 10, 64)
	if err != nil {
		return errors.New("payload offset2 is not a number")
	}
	if a[0].i+a[1].i+n < 0 {
		return errors.New("payload offset2 too negative")
	}
	a[2].i = n
	return nil
}

// fetchWaitEnd is true once nothing more will come to wait for (the
// inspect delay is over): until then a content rule that reads it waits.
// Elsewhere (http rules, logs) there is nothing to wait for.
func fetchWaitEnd(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.inspecting() {
		c.mayChange = true
		return Value{}, cursor{}, false
	}
	return Bool(true), cursor{}, true
}
