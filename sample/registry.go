package sample

import "fmt"

// Source is a part of the traffic that fetches read. A rule can only use
// fetches whose sources exist where it runs: a tcp-request connection rule
// has addresses but no HTTP request yet.
type Source uint16

const (
	SrcL4      Source = 1 << iota // connection addresses and ports
	SrcHTTPReq                    // request line and headers
	SrcHTTPRes                    // status line and headers of the response
	// SrcHTTPMsg is the headers of the message of the rule's direction,
	// request or response: what haproxy's direction-dependent hdr reads.
	// Either of the two messages provides it.
	SrcHTTPMsg
	// SrcHTTPReqInfo is what stays of the request once its head is
	// forwarded (haproxy's HRQHP): the method, that it is HTTP.
	SrcHTTPReqInfo
	// SrcBackend is the backend the stream was routed to: known in a
	// backend's rules, in response rules and in logs, not in a frontend's
	// request rules.
	SrcBackend
	// SrcServer is the server the request went to: known once the
	// response comes, and in logs.
	SrcServer
	// SrcL6Req and SrcL6Res are the bytes of a TCP stream as received
	// (haproxy's request and response buffers: req.payload, res.len…),
	// readable where tcp content rules inspect them.
	SrcL6Req
	SrcL6Res
)

// missingFrom returns what of s is not in avail.
func (s Source) missingFrom(avail Source) Source {
	if avail&(SrcHTTPReq|SrcHTTPRes) != 0 {
		avail |= SrcHTTPMsg
	}
	if avail&SrcHTTPReq != 0 {
		avail |= SrcHTTPReqInfo
	}
	// payload and payload_lv read the buffer of the rule's direction:
	// either one will do.
	if s&(SrcL6Req|SrcL6Res) == SrcL6Req|SrcL6Res && avail&(SrcL6Req|SrcL6Res) != 0 {
		avail |= SrcL6Req | SrcL6Res
	}
	return s &^ avail
}

var sourceNames = [...]struct {
	src  Source
	name string
}{{SrcL4, "L4 client information"}, {SrcHTTPReq, "HTTP request headers"}, {SrcHTTPRes, "HTTP response headers"}, {SrcHTTPMsg, "HTTP headers"}, {SrcHTTPReqInfo, "HTTP request information"}, {SrcBackend, "backend"}, {SrcServer, "server"}, {SrcL6Req, "request buffer"}, {SrcL6Res, "response buffer"}}

func (s Source) String() string {
	for _, n := range sourceNames {
		if s&n.src != 0 {
			return n.name
		}
	}
	return "nothing"
}

// cursor is the position of a multi-valued fetch between two calls, passed
// and returned by value so that iterating allocates nothing.
type cursor struct {
	all  bool // report every value, as ACLs do; otherwise the one a plain fetch returns
	more bool // set by the fetch when another value may follow
	// Fetch-specific positions; the zero value means "from the start".
	i, j, k int
}

// fetchFunc produces the value at cur, and the cursor for the next call.
type fetchFunc func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool)

// fetchDef is one sample fetch keyword: a row in a table. validate, when
// set, checks (and may resolve) the arguments at config time.
type fetchDef struct {
	name     string
	args     argSpec
	validate func(a []arg) error
	out      Type
	src      Source
	fn       fetchFunc
	// compile, when set instead of fn, makes the function for the
	// arguments at load (fetches that look things up in the Env).
	compile func(env *Env, a []arg) (fetchFunc, error)
}

// convFunc transforms a sample already cast to the converter's input type.
type convFunc func(c *Ctx, a []arg, v Value) (Value, bool)

// convDef is one converter keyword.
type convDef struct {
	name     string
	args     argSpec
	validate func(a []arg) error
	in, out  Type
	fn       convFunc
	compile  func(env *Env, a []arg) (convFunc, error) // as fetchDef.compile
}

// The registries. Adding a fetch or converter is one row in one of these
// tables; a table for a new family of keywords is added to the list.
var (
	fetches = indexFetches(constFetches, l4Fetches, httpFetches, headerFetches, cookieFetches, responseFetches,
		miscFetches, bodyFetches, resBodyFetches, binFetches, payloadFetches, helloFetches, jwtFetches)
	convs = indexConvs(stringConvs, mapConvs, arithConvs, encodeConvs, textConvs, hashConvs, miscConvs, bytesConvs,
		fixConvs, mqttConvs, jwtConvs, timeConvs, langConvs)
)

func indexFetches(tables ...[]fetchDef) map[string]*fetchDef {
	return index("sample fetch", func(d *fetchDef) string { return d.name }, tables)
}

func indexConvs(tables ...[]convDef) map[string]*convDef {
	return index("converter", func(d *convDef) string { return d.name }, tables)
}

// index maps names to the definitions of keyword tables; a name defined
// twice is a bug caught at start.
func index[T any](kind string, name func(*T) string, tables [][]T) map[string]*T {
	m := make(map[string]*T)
	for _, t := range tables {
		for i := range t {
			n := name(&t[i])
			if _, dup := m[n]; dup {
				panic(fmt.Sprintf("%s %q registered twice", kind, n))
			}
			m[n] = &t[i]
		}
	}
	return m
}
