package sample

import "bytes"

// httpFetches read the request line.
var httpFetches = []fetchDef{
	{name: "base", out: TypeStr, src: SrcHTTPReq, fn: fetchBase(false)},
	{name: "baseq", out: TypeStr, src: SrcHTTPReq, fn: fetchBase(true)},
	{name: "method", out: TypeMeth, src: SrcHTTPReqInfo, fn: fetchMethod},
	{name: "path", out: TypeStr, src: SrcHTTPReq, fn: fetchPath(false)},
	{name: "pathq", out: TypeStr, src: SrcHTTPReq, fn: fetchPath(true)},
	{name: "query", out: TypeStr, src: SrcHTTPReq, fn: fetchQuery},
	{name: "req.proto_http", out: TypeBool, src: SrcHTTPReqInfo, fn: fetchProtoHTTP},
	{name: "req.ver", out: TypeStr, src: SrcHTTPReq, fn: fetchReqVer},
	{name: "req_ver", out: TypeStr, src: SrcHTTPReq, fn: fetchReqVer},
	{name: "url", out: TypeStr, src: SrcHTTPReq, fn: fetchURL},
	{name: "url_param", args: args(0, ArgStr, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: fetchURLParam},
	{name: "urlp", args: args(0, ArgStr, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: fetchURLParam},
	{name: "urlp_val", args: args(0, ArgStr, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: fetchURLParamVal},
}

func fetchURL(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	return Str(c.Req.URI()), cursor{}, true
}

// reqInfo is the request for what stays readable of it in response rules.
func reqInfo(c *Ctx) Request {
	if c.Req != nil {
		return c.Req
	}
	return c.ReqInfo
}

func fetchMethod(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	r := reqInfo(c)
	if r == nil {
		return Value{}, cursor{}, false
	}
	return Str(r.Method()), cursor{}, true
}

// fetchProtoHTTP is true once a request has been parsed as HTTP. haproxy
// accepts it in response rules without a warning, but there it looks at
// the forwarded request's empty buffer and finds nothing: so does this.
func fetchProtoHTTP(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	return Bool(true), cursor{}, c.Req != nil
}

// fetchReqVer returns what follows the slash of the version, "1.1" for
// "HTTP/1.1".
func fetchReqVer(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	return versionNumber(c.Req.Version())
}

// versionNumber is what follows the slash of an HTTP version.
func versionNumber(v []byte) (Value, cursor, bool) {
	i := bytes.IndexByte(v, '/')
	if i < 0 || i == len(v)-1 {
		return Value{}, cursor{}, false
	}
	return Str(v[i+1:]), cursor{}, true
}

// fetchPath returns the path of the request target: from the first slash
// after any scheme and authority, up to the query string unless withQuery.
// "*" and authority-form targets have no path.
func fetchPath(withQuery bool) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		if c.Req == nil {
			return Value{}, cursor{}, false
		}
		p, ok := uriPath(c.Req.URI(), withQuery)
		return Str(p), cursor{}, ok
	}
}

// PathOf returns the path of a request target, without its query string,
// as the path fetch does: "/a" for "/a?b" and "http://h/a?b", nothing for
// "*" or "h:443".
func PathOf(uri []byte) ([]byte, bool) { return uriPath(uri, false) }

// PathQueryOf is PathOf with the query string kept: the target itself in
// origin-form, what follows scheme://authority in absolute-form.
func PathQueryOf(uri []byte) ([]byte, bool) { return uriPath(uri, true) }

// uriPath extracts the path part of a request target as haproxy's URI
// parser does.
func uriPath(uri []byte, withQuery bool) ([]byte, bool) {
	if len(uri) == 0 || uri[0] == '*' {
		return nil, false
	}
	if uri[0] != '/' {
		rest, ok := skipSchemeAuthority(uri)
		if !ok || len(rest) == 0 {
			return nil, false
		}
		uri = rest
	}
	if !withQuery {
		if i := bytes.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
	}
	return uri, true
}

// skipSchemeAuthority removes "scheme://authority" from an absolute-form
// target. Without a scheme (authority-form, as in CONNECT) it fails.
func skipSchemeAuthority(uri []byte) ([]byte, bool) {
	if !isAlpha(uri[0]) {
		return nil, false
	}
	i := 1
	for i < len(uri) && (isAlnum(uri[i]) || uri[i] == '+' || uri[i] == '-' || uri[i] == '.') {
		i++
	}
	if !bytes.HasPrefix(uri[i:], []byte("://")) {
		return nil, false
	}
	rest := uri[i+3:]
	if j := bytes.IndexByte(rest, '/'); j >= 0 {
		return rest[j:], true
	}
	return nil, true // an authority without a path
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// fetchQuery returns what follows the first '?' of the target, possibly
// empty; it finds nothing when there is no '?'.
func fetchQuery(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	uri := c.Req.URI()
	i := bytes.IndexByte(uri, '?')
	if i < 0 {
		return Value{}, cursor{}, false
	}
	return Str(uri[i+1:]), cursor{}, true
}

// fetchBase returns the first Host value followed by the path (with the
// query string for baseq). Without a Host it is the path alone.
func fetchBase(withQuery bool) fetchFunc {
	return func(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
		if c.Req == nil {
			return Value{}, cursor{}, false
		}
		host, _, _, ok := nextElem(c.Req, "host", true, 0, 0)
		path, hasPath := uriPath(c.Req.URI(), withQuery)
		if !ok || len(host) == 0 {
			return Str(path), cursor{}, hasPath
		}
		start := len(c.Scratch)
		c.Scratch = append(c.Scratch, host...)
		if hasPath {
			c.Scratch = append(c.Scratch, path...)
		}
		return Str(c.Scratch[start:len(c.Scratch):len(c.Scratch)]), cursor{}, true
	}
}

// responseFetches read the response's status line.
var responseFetches = []fetchDef{
	{name: "status", out: TypeInt, src: SrcHTTPRes, fn: fetchStatus},
	{name: "res.ver", out: TypeStr, src: SrcHTTPRes, fn: fetchResVer},
	{name: "resp_ver", out: TypeStr, src: SrcHTTPRes, fn: fetchResVer},
}

func fetchStatus(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Resp == nil {
		return Value{}, cursor{}, false
	}
	return Int(int64(c.Resp.StatusCode())), cursor{}, true
}

// fetchResVer is req.ver for the response: "1.1" for "HTTP/1.1".
func fetchResVer(c *Ctx, _ []arg, _ cursor) (Value, cursor, bool) {
	if c.Resp == nil {
		return Value{}, cursor{}, false
	}
	return versionNumber(c.Resp.Version())
}
