package sample

import (
	"net/netip"
	"strings"
)

// testReq is a parsed request for tests. Its fields are byte slices built
// once so that benchmarks measure the engine, not the fake.
type testReq struct {
	method, uri, version []byte
	names, values        [][]byte
}

// req builds a request from its request line ("GET /x HTTP/1.1", the
// version defaulting to HTTP/1.1) and "Name: value" header lines.
func req(line string, headers ...string) *testReq {
	parts := strings.SplitN(line, " ", 3)
	r := &testReq{method: []byte(parts[0]), version: []byte("HTTP/1.1")}
	if len(parts) > 1 {
		r.uri = []byte(parts[1])
	}
	if len(parts) > 2 {
		r.version = []byte(parts[2])
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		r.names = append(r.names, []byte(name))
		r.values = append(r.values, []byte(strings.TrimLeft(value, " \t")))
	}
	return r
}

func (r *testReq) Method() []byte  { return r.method }
func (r *testReq) URI() []byte     { return r.uri }
func (r *testReq) Version() []byte { return r.version }
func (r *testReq) NumHeaders() int { return len(r.names) }
func (r *testReq) Header(i int) (name, value []byte) {
	return r.names[i], r.values[i]
}

// ctxFor returns a context for r from 192.0.2.10:40000 to 127.0.0.1:80.
func ctxFor(r *testReq) *Ctx {
	c := &Ctx{
		Src: netip.MustParseAddrPort("192.0.2.10:40000"),
		Dst: netip.MustParseAddrPort("127.0.0.1:80"),
	}
	if r != nil {
		c.Req = r
	}
	return c
}

// text renders a value for comparisons; "<none>" when there is none.
func text(v Value, ok bool) string {
	if !ok {
		return "<none>"
	}
	return string(v.AppendText(nil))
}
