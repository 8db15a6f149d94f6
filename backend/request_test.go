package backend

import (
	"strconv"
	"strings"
)

// testRequest is a sample.Request for tests. It holds bytes, not strings,
// so that benchmarks measure Pick and not conversions.
type testRequest struct {
	uri     []byte
	headers [][2][]byte
}

func (r *testRequest) Method() []byte  { return []byte("GET") }
func (r *testRequest) URI() []byte     { return r.uri }
func (r *testRequest) Version() []byte { return []byte("HTTP/1.1") }
func (r *testRequest) NumHeaders() int { return len(r.headers) }
func (r *testRequest) Header(i int) (name, value []byte) {
	return r.headers[i][0], r.headers[i][1]
}

// newTestRequest builds a GET request from "Name: value" header lines.
func newTestRequest(uri string, headers ...string) *testRequest {
	r := &testRequest{uri: []byte(uri)}
	for _, h := range headers {
		n, v, _ := strings.Cut(h, ":")
		r.headers = append(r.headers, [2][]byte{[]byte(n), []byte(strings.TrimSpace(v))})
	}
	return r
}

// testServers builds servers from weights, with IDs from 1 and named s1,
// s2…
func testServers(weights ...int) []Member {
	srvs := make([]Member, len(weights))
	for i, w := range weights {
		srvs[i] = member("s"+strconv.Itoa(i+1), i+1, w)
	}
	return srvs
}

// member returns a balancer member whose settings have the same id and
// weight.
func member(name string, id, weight int) Member {
	return Member{Server: NewServer(ServerSettings{Name: name, ID: id, Weight: weight}), ID: id, Weight: weight}
}
