package http1

import "strings"

// Case is one exchange through a proxy, as haproxy 2.6 handles it. The
// table is plain data so that end-to-end tests of the whole proxy can
// replay it: send Req, play the origin with Resp, expect Fwd at the origin
// and Client at the client.
type Case struct {
	Name    string
	Req     string // what the client sends
	Resp    string // what the origin answers; "" means okResp
	Backend string // extra lines for haproxy's backend section
	Status  int    // the status the client gets
	Fwd     string // what haproxy sends to the origin; "" if it never connects
	Client  string // everything the client receives
}

// okResp is the origin's default answer.
const okResp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

func (c Case) response() string {
	if c.Resp == "" {
		return okResp
	}
	return c.Resp
}

// Answers haproxy builds itself for requests it refuses.
const (
	ans400   = "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n"
	ans413   = "HTTP/1.1 413 Payload Too Large\r\nContent-length: 106\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<html><body><h1>413 Payload Too Large</h1>\nThe request entity exceeds the maximum allowed.\n</body></html>\n"
	ans422   = "HTTP/1.1 422 Unprocessable Content\r\nContent-length: 116\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n"
	ans502   = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n"
	okClient = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
	okClose  = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
)

// Heads at haproxy's size and count limits (default tune.bufsize,
// tune.maxrewrite and tune.http.maxhdr), built rather than spelled out.
var limitCases = []Case{
	// The converted head (fields, plus haproxy's per-block overhead) must
	// fit tune.bufsize - tune.maxrewrite - 48 bytes.
	{Name: "head at converted limit", Req: bigHeader(15273), Status: 200, Fwd: lowerHost(bigHeader(15273)), Client: okClient},
	{Name: "head over converted limit", Req: bigHeader(15274), Status: 400, Client: ans400},
	// Raw bytes count too: blanks cost nothing once converted.
	{Name: "head at raw limit", Req: paddedHeader(16320), Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nx: a\r\n\r\n", Client: okClient},
	{Name: "head over raw limit", Req: paddedHeader(16321), Status: 400, Client: ans400},
	{Name: "fields at count limit", Req: manyHeaders(99, ""), Status: 200, Fwd: lowerHost(manyHeaders(99, "")), Client: okClient},
	{Name: "fields over count limit", Req: manyHeaders(100, ""), Status: 400, Client: ans400},
	// A field haproxy drops does not count.
	{Name: "dropped field not counted", Req: manyHeaders(99, "Connection: close\r\n"), Status: 200, Fwd: lowerHost(manyHeaders(99, "")), Client: okClose},
	{Name: "resp head over converted limit", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: bigResponse(15230 + 1), Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp head at converted limit", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: bigResponse(15230), Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n",
		Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx: " + strings.Repeat("a", 15230) + "\r\n\r\nok"},
}

// bigHeader returns a request whose one extra field makes it n bytes long.
func bigHeader(n int) string {
	const pre, post = "GET / HTTP/1.1\r\nHost: x\r\nX: ", "\r\n\r\n"
	return pre + strings.Repeat("a", n-len(pre)-len(post)) + post
}

// paddedHeader is bigHeader with the field's value made of blanks but one
// letter.
func paddedHeader(n int) string {
	const pre, post = "GET / HTTP/1.1\r\nHost: x\r\nX:", "a\r\n\r\n"
	return pre + strings.Repeat(" ", n-len(pre)-len(post)) + post
}

// bigResponse returns a response with a field value of n bytes.
func bigResponse(n int) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX: " + strings.Repeat("a", n) + "\r\n\r\nok"
}

// manyHeaders returns a request with Host, n other fields, then extra.
func manyHeaders(n int, extra string) string {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: x\r\n")
	for i := range n {
		b.WriteString("h" + strings.Repeat("x", i%7) + ": v\r\n")
	}
	return b.String() + extra + "\r\n"
}

// lowerHost is how haproxy forwards the requests above.
func lowerHost(req string) string {
	return strings.Replace(strings.Replace(req, "Host: x\r\n", "host: x\r\n", 1), "\r\nX: ", "\r\nx: ", 1)
}

var requestCases = []Case{
	{Name: "plain", Req: "GET /a HTTP/1.1\r\nHost: x\r\nFoo-Bar: Baz\r\n\r\n", Status: 200, Fwd: "GET /a HTTP/1.1\r\nhost: x\r\nfoo-bar: Baz\r\n\r\n", Client: okClient},
	{Name: "http10", Req: "GET /a HTTP/1.0\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET /a HTTP/1.0\r\nhost: x\r\nconnection: keep-alive\r\n\r\n", Client: okClose},
	{Name: "http10 keep-alive", Req: "GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nhost: x\r\nconnection: keep-alive\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"},
	{Name: "connection close", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClose},
	{Name: "connection tokens cleaned", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close, Keep-Alive\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: foo\r\n\r\n", Client: okClose},
	{Name: "connection odd list", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: ,, close ,foo,  bar ,\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: ,,foo,bar\r\n\r\n", Client: okClose},
	{Name: "connection blank before comma", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo , close\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: foo \r\n\r\n", Client: okClose},
	{Name: "connection commas", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: ,,,\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: ,\r\n\r\n", Client: okClient},
	{Name: "connection empty", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection:\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "connection twice", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo\r\nConnection: close\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: foo\r\n\r\n", Client: okClose},
	{Name: "hop-by-hop fields kept", Req: "GET / HTTP/1.1\r\nHost: x\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\nTrailer: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nkeep-alive: 300\r\nproxy-connection: keep-alive\r\ntrailer: x\r\n\r\n", Client: okClient},
	{Name: "te trailers", Req: "GET / HTTP/1.1\r\nHost: x\r\nTE: trailers, deflate\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nte: trailers\r\n\r\n", Client: okClient},
	{Name: "te dropped", Req: "GET / HTTP/1.1\r\nHost: x\r\nTE: deflate;q=1, Trailers\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "te in connection", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\nTE: trailers\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: TE\r\nte: trailers\r\n\r\n", Client: okClose},
	{Name: "server-close 1.1", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Backend: "  option http-server-close\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", Client: okClient},
	{Name: "server-close 1.0", Req: "GET / HTTP/1.0\r\nHost: x\r\n\r\n", Backend: "  option http-server-close\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nhost: x\r\n\r\n", Client: okClose},
	{Name: "httpclose 1.0 keep-alive", Req: "GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", Backend: "  option httpclose\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"},
	{Name: "cl and te", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Client: okClose},
	{Name: "te and cl", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", Client: okClose},
	{Name: "te and bad cl", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\nContent-Length: abc\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "cl duplicate same", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc", Client: okClient},
	{Name: "cl duplicate differ", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", Status: 400, Client: ans400},
	{Name: "cl list same", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc", Client: okClient},
	{Name: "cl list differ", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabc", Status: 400, Client: ans400},
	{Name: "cl list empty element", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2,,2\r\n\r\nab", Status: 400, Client: ans400},
	{Name: "cl trailing comma", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3,\r\n\r\nabc", Status: 400, Client: ans400},
	{Name: "cl leading comma", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ,3\r\n\r\nabc", Status: 400, Client: ans400},
	{Name: "cl empty", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", Status: 400, Client: ans400},
	{Name: "cl negative", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", Status: 400, Client: ans400},
	{Name: "cl plus sign", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na", Status: 400, Client: ans400},
	{Name: "cl hex", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x1\r\n\r\na", Status: 400, Client: ans400},
	{Name: "cl inner space", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2 2\r\n\r\nab", Status: 400, Client: ans400},
	{Name: "cl overflow", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", Status: 400, Client: ans400},
	{Name: "cl 2^63", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n", Status: 400, Client: ans400},
	{Name: "cl leading zeros", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 003\r\n\r\nabc", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 003\r\n\r\nabc", Client: okClient},
	{Name: "cl zeros then plain", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 002\r\nContent-Length: 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 002\r\n\r\nab", Client: okClient},
	{Name: "cl list keeps last", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0002, 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "cl tabs", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\t2\t\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "cl folded", Req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n  , 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "cl upper name", Req: "POST / HTTP/1.1\r\nHost: x\r\nCONTENT-LENGTH: 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "get with body", Req: "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "te gzip chunked", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", Status: 422, Client: ans422},
	{Name: "te chunked gzip", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te xchunked", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te identity", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te empty", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n", Status: 400, Client: ans400},
	{Name: "te chunked twice", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te two fields chunked", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te two fields gzip last", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "te two fields gzip first", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Status: 422, Client: ans422},
	{Name: "te trailing comma", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked,\r\n\r\n0\r\n\r\n", Client: okClient},
	{Name: "te leading comma", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", Status: 422, Client: ans422},
	{Name: "te case", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: Chunked\r\n\r\n0\r\n\r\n", Client: okClient},
	{Name: "te http10 get", Req: "GET / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Status: 413, Client: ans413},
	{Name: "te http10 post", Req: "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.0\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n", Client: okClose},
	{Name: "cl http10 get", Req: "GET / HTTP/1.0\r\nHost: x\r\nContent-Length: 1\r\n\r\na", Status: 413, Client: ans413},
	{Name: "cl http10 head", Req: "HEAD / HTTP/1.0\r\nContent-Length: 1\r\n\r\na", Status: 413, Client: ans413},
	{Name: "cl http10 delete zero", Req: "DELETE / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", Status: 200, Fwd: "DELETE / HTTP/1.0\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n", Client: okClose},
	{Name: "cl http10 options", Req: "OPTIONS / HTTP/1.0\r\nContent-Length: 1\r\n\r\na", Status: 200, Fwd: "OPTIONS / HTTP/1.0\r\ncontent-length: 1\r\nconnection: keep-alive\r\n\r\na", Client: okClose},
	{Name: "chunked body", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Client: okClient},
	{Name: "chunked ext and trailer", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3 \r\nabc\r\n0\r\nX-T: 1\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n8\r\nhelloabc\r\n0\r\nx-t: 1\r\n\r\n", Client: okClient},
	{Name: "chunked bare lf", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Client: okClient},
	{Name: "chunk missing crlf", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size not hex", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nz\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size empty", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size overflow", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size negative", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size 0x", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size bare cr", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "chunk size space ext", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a\r\nhello\r\n0\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Client: okClient},
	{Name: "chunk size leading space", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", Status: 400, Client: ans400},
	{Name: "last chunk zeros", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n00000\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Client: okClient},
	{Name: "trailer bad line", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nbad trailer\r\n\r\n", Status: 400, Client: ans400},
	{Name: "trailer bad cl", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: abc\r\n\r\n", Status: 400, Client: ans400},
	{Name: "trailer hosts differ", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: a\r\nHost: b\r\n\r\n", Status: 400, Client: ans400},
	{Name: "trailer connection kept", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\n", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\nconnection: close\r\n\r\n", Client: okClient},
	{Name: "trailer te gzip", Req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: gzip\r\n\r\n", Status: 400, Client: ans400},
	{Name: "space before colon", Req: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "space in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo Bar: y\r\n\r\n", Status: 400, Client: ans400},
	{Name: "line without colon", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo\r\n\r\n", Status: 400, Client: ans400},
	{Name: "empty name", Req: "GET / HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n", Status: 400, Client: ans400},
	{Name: "bare lf", Req: "GET / HTTP/1.1\nHost: x\nFoo: y\n\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: y\r\n\r\n", Client: okClient},
	{Name: "bare cr in head", Req: "GET / HTTP/1.1\r\nHost: x\rFoo: y\r\n\r\n", Status: 400, Client: ans400},
	{Name: "bare cr in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\rb\r\n\r\n", Status: 400, Client: ans400},
	{Name: "bare cr end", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n", Status: 400, Client: ans400},
	{Name: "bare cr request line", Req: "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "obs-fold space", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\n b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a   b\r\n\r\n", Client: okClient},
	{Name: "obs-fold tab", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\n\tb\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a  \tb\r\n\r\n", Client: okClient},
	{Name: "obs-fold empty", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: \r\n  \r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: \r\n\r\n", Client: okClient},
	{Name: "obs-fold first line", Req: "GET / HTTP/1.1\r\n Host: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "nul in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\x00b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\x00b\r\n\r\n", Client: okClient},
	{Name: "ctl in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\x01b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\x01b\r\n\r\n", Client: okClient},
	{Name: "del in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\x7fb\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\x7fb\r\n\r\n", Client: okClient},
	{Name: "8bit in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\xe9b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\xe9b\r\n\r\n", Client: okClient},
	{Name: "tab in value", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\tb\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\tb\r\n\r\n", Client: okClient},
	{Name: "nul in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nF\x00o: ab\r\n\r\n", Status: 400, Client: ans400},
	{Name: "ctl in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nF\x01o: ab\r\n\r\n", Status: 400, Client: ans400},
	{Name: "del in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nF\x7fo: ab\r\n\r\n", Status: 400, Client: ans400},
	{Name: "8bit in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nF\xe9o: ab\r\n\r\n", Status: 400, Client: ans400},
	{Name: "separator in name", Req: "GET / HTTP/1.1\r\nHost: x\r\nF(o: ab\r\n\r\n", Status: 400, Client: ans400},
	{Name: "value blanks trimmed", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo:   \t a b  \t \r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a b\r\n\r\n", Client: okClient},
	{Name: "value empty", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo:\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: \r\n\r\n", Client: okClient},
	{Name: "value no space", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo:bar\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: bar\r\n\r\n", Client: okClient},
	{Name: "repeated field", Req: "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\r\nFoo: b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nfoo: a\r\nfoo: b\r\n\r\n", Client: okClient},
	{Name: "empty lines before", Req: "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "lf lines before", Req: "\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "cr cr before", Req: "\r\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "space before", Req: " GET / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "absolute uri", Req: "GET http://x/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri host differs", Req: "GET http://x/y HTTP/1.1\r\nHost: z\r\n\r\n", Status: 400, Client: ans400},
	{Name: "absolute uri no host", Req: "GET http://x/y HTTP/1.1\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "absolute uri default port", Req: "GET http://x:80/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri default port both", Req: "GET http://x:80/y HTTP/1.1\r\nHost: x:80\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri https port", Req: "GET https://x:443/y HTTP/1.1\r\nHost: x:443\r\n\r\n", Status: 200, Fwd: "GET https://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri other port", Req: "GET http://x:8080/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "absolute uri other port both", Req: "GET http://x:8080/y HTTP/1.1\r\nHost: x:8080\r\n\r\n", Status: 200, Fwd: "GET http://x:8080/y HTTP/1.1\r\nhost: x:8080\r\n\r\n", Client: okClient},
	{Name: "absolute uri host port", Req: "GET http://x/y HTTP/1.1\r\nHost: x:80\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x:80\r\n\r\n", Client: okClient},
	{Name: "absolute uri host wrong port", Req: "GET http://x/y HTTP/1.1\r\nHost: x:443\r\n\r\n", Status: 400, Client: ans400},
	{Name: "absolute uri empty port", Req: "GET http://x:/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri no path", Req: "GET http://x:80 HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://x HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri query no path", Req: "GET http://x?a HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "absolute uri upper scheme", Req: "GET HTTP://x:80/ HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET HTTP://x/ HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri upper host", Req: "GET http://X/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://X/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri ftp", Req: "GET ftp://x:80/ HTTP/1.1\r\nHost: x:80\r\n\r\n", Status: 200, Fwd: "GET ftp://x:80/ HTTP/1.1\r\nhost: x:80\r\n\r\n", Client: okClient},
	{Name: "absolute uri userinfo", Req: "GET http://u@x:80/y HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET http://u@x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "absolute uri two hosts", Req: "GET http://x:80/y HTTP/1.1\r\nHost: x:80\r\nHost: x:80\r\n\r\n", Status: 200, Fwd: "GET http://x/y HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "authority form get", Req: "GET x HTTP/1.1\r\nHost: y\r\n\r\n", Status: 400, Client: ans400},
	{Name: "authority form get same", Req: "GET x HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET x HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "no host 1.1", Req: "GET / HTTP/1.1\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "no host 1.0", Req: "GET / HTTP/1.0\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", Client: okClose},
	{Name: "host twice same", Req: "GET / HTTP/1.1\r\nHost: x\r\nHost: X\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "host twice differ", Req: "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", Status: 400, Client: ans400},
	{Name: "host empty", Req: "GET / HTTP/1.1\r\nHost: \r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: \r\n\r\n", Client: okClient},
	{Name: "host with space", Req: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: a b\r\n\r\n", Client: okClient},
	{Name: "version 1.2", Req: "GET / HTTP/1.2\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "version 2.0", Req: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "version 0.9 label", Req: "GET / HTTP/0.9\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/0.9\r\nhost: x\r\nconnection: keep-alive\r\n\r\n", Client: okClose},
	{Name: "version lower case", Req: "GET / http/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "version 1.10", Req: "GET / HTTP/1.10\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "version trailing space", Req: "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "version xttp", Req: "GET / XTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "http09", Req: "GET /\r\n\r\n", Status: 400, Client: ans400},
	{Name: "http09 trailing space", Req: "GET / \r\n\r\n", Status: 400, Client: ans400},
	{Name: "method only", Req: "GET\r\n\r\n", Status: 400, Client: ans400},
	{Name: "blanks in request line", Req: "GET  /  HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "tabs in request line", Req: "GET\t/\tHTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "method separator", Req: "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "method odd token", Req: "g~t! / HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "g~t! / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "connect", Req: "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "connect no host", Req: "CONNECT x:443 HTTP/1.1\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "connect no port", Req: "CONNECT x HTTP/1.1\r\n\r\n", Status: 400, Client: ans400},
	{Name: "connect empty port", Req: "CONNECT x: HTTP/1.1\r\n\r\n", Status: 400, Client: ans400},
	{Name: "connect path", Req: "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "connect host default port", Req: "CONNECT x:80 HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "CONNECT x:80 HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "connect host missing port", Req: "CONNECT x:8443 HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "connect host same port", Req: "CONNECT x:8443 HTTP/1.1\r\nHost: x:8443\r\n\r\n", Status: 200, Fwd: "CONNECT x:8443 HTTP/1.1\r\nhost: x:8443\r\n\r\n", Client: okClient},
	{Name: "connect scheme", Req: "CONNECT http://x:443 HTTP/1.1\r\n\r\n", Status: 200, Fwd: "CONNECT http://x:443 HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "connect with length", Req: "CONNECT x:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "connect with zero length", Req: "CONNECT x:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\ncontent-length: 0\r\n\r\n", Client: okClient},
	{Name: "connect with chunked", Req: "CONNECT x:443 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n", Client: okClient},
	{Name: "connect http10", Req: "CONNECT x:443 HTTP/1.0\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", Client: okClient},
	{Name: "options star", Req: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "OPTIONS * HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "get star", Req: "GET * HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET * HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "uri fragment", Req: "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "uri 8bit", Req: "GET /a\xe9 HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "uri del", Req: "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "uri ctl", Req: "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", Status: 400, Client: ans400},
	{Name: "uri odd printable", Req: "GET /a\"<>{}|\\^` HTTP/1.1\r\nHost: x\r\n\r\n", Status: 200, Fwd: "GET /a\"<>{}|\\^` HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "upgrade websocket no key", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", Status: 400, Client: ans400},
	{Name: "upgrade websocket", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", Client: okClient},
	{Name: "upgrade websocket short key", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: abc\r\n\r\n", Status: 400, Client: ans400},
	{Name: "upgrade h2c close", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n", Client: okClose},
	{Name: "upgrade http10", Req: "GET / HTTP/1.0\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nhost: x\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n", Client: okClose},
	{Name: "upgrade with body", Req: "POST / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\nContent-Length: 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "upgrade websocket with body", Req: "POST / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
	{Name: "upgrade field alone", Req: "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: foo\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nupgrade: foo\r\n\r\n", Client: okClient},
	{Name: "expect", Req: "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab", Status: 200, Fwd: "POST / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\nab", Client: okClient},
}

var responseCases = []Case{
	{Name: "resp plain", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nFoo-Bar: Baz\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nfoo-bar: Baz\r\n\r\nok"},
	{Name: "resp cl duplicate same", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp cl duplicate differ", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp cl bad", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp cl and te", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{Name: "resp te gzip", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp te gzip chunked", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp te chunked gzip", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp chunked", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{Name: "resp chunked trailer", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Tr: 1\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nx-tr: 1\r\n\r\n"},
	{Name: "resp chunked bad size", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp until close", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nok"},
	{Name: "resp http10 until close", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.0 200 OK\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.0 200 OK\r\n\r\nok"},
	{Name: "resp http10 length", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.0 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"},
	{Name: "resp http10 chunked", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{Name: "resp connection close", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp connection tokens", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: foo, keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: foo\r\nkeep-alive: timeout=5\r\n\r\nok"},
	{Name: "resp te header", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTE: trailers\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nte: trailers\r\n\r\nok"},
	{Name: "resp no reason", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 \r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp empty reason", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 \r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp odd reason", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1  200   Very \x01 weird\xe9 \r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 Very \x01 weird\xe9 \r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp 4 digit status", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok", Status: 2000, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 2000 OK\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp 2 digit status", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok", Status: 20, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 20 OK\r\n\r\nok"},
	{Name: "resp status 600", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 600 OK\r\nContent-Length: 2\r\n\r\nok", Status: 600, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 600 OK\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp status letters", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp status missing", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1\r\nContent-Length: 2\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp version lower", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp version 1.2", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp version 2.0", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp version xttp", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "XTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp version xttp 1.0", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "XTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "XTTP/1.0 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"},
	{Name: "resp version 1.10", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.10 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp 204 with length", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n", Status: 204, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 204 No Content\r\n\r\n"},
	{Name: "resp 204 chunked", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", Status: 204, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 204 No Content\r\n\r\n"},
	{Name: "resp 304 with length", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n", Status: 304, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 304 Not Modified\r\ncontent-length: 2\r\n\r\n"},
	{Name: "resp 304 chunked", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", Status: 304, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 304 Not Modified\r\ntransfer-encoding: chunked\r\n\r\n"},
	{Name: "resp 100 continue", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp 100 with fields", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp 103", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp space before colon", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nFoo : x\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp line without colon", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nFoo\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp bare lf", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\nContent-Length: 2\nFoo: bar\n\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nfoo: bar\r\n\r\nok"},
	{Name: "resp obs-fold", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nFoo: a\r\n b\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nfoo: a   b\r\n\r\nok"},
	{Name: "resp hosts", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nHost: a\r\nHost: b\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nhost: a\r\nhost: b\r\n\r\nok"},
	{Name: "resp upgrade field", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\nconnection: Upgrade\r\nupgrade: foo\r\ncontent-length: 2\r\n\r\nok"},
	{Name: "resp websocket no accept", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\nconnection: Upgrade\r\nupgrade: websocket\r\ncontent-length: 2\r\nSec-Websocket-Accept: X7sdFi1aZDLMcFz+yURsFmFjwvU=\r\n\r\nok"},
	{Name: "resp empty lines before", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
	{Name: "resp nul in value", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nFoo: a\x00b\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nfoo: a\x00b\r\n\r\nok"},
	{Name: "resp 8bit in name", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nF\xe9o: b\r\n\r\nok", Status: 502, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: ans502},
	{Name: "resp head length", Req: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", Status: 200, Fwd: "HEAD / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"},
	{Name: "resp head chunked", Req: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Status: 200, Fwd: "HEAD / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"},
	{Name: "resp head no length", Req: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\n\r\n", Status: 200, Fwd: "HEAD / HTTP/1.1\r\nhost: x\r\n\r\n", Client: "HTTP/1.1 200 OK\r\n\r\n"},
	{Name: "resp connect 200", Req: "CONNECT x:443 HTTP/1.1\r\n\r\n", Resp: "HTTP/1.1 200 Connection established\r\n\r\n", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\n\r\n", Client: "HTTP/1.1 200 Connection established\r\n\r\n"},
	{Name: "resp connect 200 length", Req: "CONNECT x:443 HTTP/1.1\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "CONNECT x:443 HTTP/1.1\r\n\r\n", Client: okClient},
	{Name: "resp connect 403", Req: "CONNECT x:443 HTTP/1.1\r\n\r\n", Resp: "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", Status: 403, Fwd: "CONNECT x:443 HTTP/1.1\r\n\r\n", Client: "HTTP/1.1 403 Forbidden\r\ncontent-length: 2\r\n\r\nno"},
	{Name: "resp 101", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: foo\r\n\r\n", Resp: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\n", Status: 101, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: foo\r\n\r\n", Client: "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: foo\r\n\r\n"},
	{Name: "resp websocket", Req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", Resp: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", Status: 101, Fwd: "GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", Client: "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"},
	{Name: "resp chunked to http10", Req: "GET / HTTP/1.0\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Status: 200, Fwd: "GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", Client: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{Name: "resp http10 to http10", Req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", Resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", Client: "HTTP/1.0 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok"},
	{Name: "resp httpclose", Req: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", Resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", Status: 200, Fwd: "GET / HTTP/1.1\r\nhost: x\r\n\r\n", Client: okClient},
}
