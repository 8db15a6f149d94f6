package sample

// resBodyFetches read the response body that haproxy's buffer holds while
// the response rules run (Ctx.ResBody). haproxy has no other names for
// them.
var resBodyFetches = []fetchDef{
	{name: "res.body", out: TypeBin, src: SrcHTTPRes, fn: fetchResBody},
	{name: "res.body_len", out: TypeInt, src: SrcHTTPRes, fn: fetchResBodyLen},
	{name: "res.body_size", out: TypeInt, src: SrcHTTPRes, fn: fetchResBodySize},
}

// resBody is the response body there is to read: none once the response
// is gone (a rule answered in its place, and its reply has no body yet).
func resBody(c *Ctx) ([]byte, bool) {
	if c.Resp == nil || c.ResBody == nil {
		return nil, false
	}
	return c.ResBody, true
}

// fetchResBody is the body received so far, all of it once waited for.
func fetchResBody(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	b, ok := resBody(c)
	if !ok {
		return Value{}, cursor{}, false
	}
	return binVal(b), cursor{}, true
}

// fetchResBodyLen is the length of what res.body returns.
func fetchResBodyLen(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	b, ok := resBody(c)
	if !ok {
		return Value{}, cursor{}, false
	}
	return Int(int64(len(b))), cursor{}, true
}

// fetchResBodySize is the announced length: what was received plus what
// the message says is still to come, which is the Content-Length, or for a
// chunked body the data received and the rest of the current chunk (the
// size of later chunks is not known yet). A body delimited by the close
// has no announced length: its size is what came.
func fetchResBodySize(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	b, ok := resBody(c)
	if !ok {
		return Value{}, cursor{}, false
	}
	n := int64(len(b))
	if c.ResBodyLeft > 0 {
		n += c.ResBodyLeft
	}
	return Int(n), cursor{}, true
}
