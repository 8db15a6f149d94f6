package difftest

import (
	"fmt"
	"strings"
	"testing"
)

// Balancing: the sequence of origins chosen must be haproxy's, request by
// request. Origins answer with their name, so the responses and the origin
// log both show the choice.

// pool is a backend of three servers with the given balance lines and
// server options (weights).
func pool(balance string, opts ...string) string {
	var b strings.Builder
	b.WriteString("frontend fe\n    bind \"127.0.0.1:${FE_PORT}\"\n    default_backend be\n\nbackend be\n")
	b.WriteString(balance)
	for i := 1; i <= 3; i++ {
		o := ""
		if i <= len(opts) {
			o = " " + opts[i-1]
		}
		fmt.Fprintf(&b, "    server s%d \"127.0.0.1:${S%d_PORT}\"%s\n", i, i, o)
	}
	return b.String()
}

// eachOnNewConn sends every request on a connection of its own, from the
// given source addresses in turn (127.0.0.1 when srcs is empty).
func eachOnNewConn(reqs []string, srcs ...string) []step {
	var st []step
	for i, r := range reqs {
		s := step{conn: i, send: r, read: 1}
		if len(srcs) > 0 {
			s.src = srcs[i%len(srcs)]
		}
		st = append(st, s)
	}
	return st
}

// allOnOneConn sends every request on one keep-alive connection.
func allOnOneConn(reqs []string) []step {
	var st []step
	for _, r := range reqs {
		st = append(st, step{send: r, read: 1})
	}
	return st
}

func gets(n int, path func(i int) string, hdr func(i int) string) []string {
	var rs []string
	for i := 0; i < n; i++ {
		h := ""
		if hdr != nil {
			h = hdr(i)
		}
		rs = append(rs, "GET "+path(i)+" HTTP/1.1\r\nHost: a\r\n"+h+"\r\n")
	}
	return rs
}

func TestBalancing(t *testing.T) {
	root := func(int) string { return "/" }
	ten := gets(10, root, nil)
	uris := gets(12, func(i int) string {
		return []string{"/a", "/b", "/c", "/d", "/a?x=1", "/e/f", "/a", "/b", "/g", "/h", "/c", "/i"}[i]
	}, nil)
	keys := gets(12, root, func(i int) string {
		if i%5 == 4 {
			return "" // no header: falls back to round robin
		}
		return fmt.Sprintf("X-Key: k%d\r\n", i%4)
	})
	params := gets(12, func(i int) string {
		return []string{"/?id=1", "/?id=2", "/x?a=b&id=3", "/?id=1", "/", "/?ID=2", "/?id=", "/?id=2&id=3", "/?id=4", "/?xid=1", "/?id=3", "/?id=5"}[i]
	}, nil)
	srcs := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}
	twelve := gets(12, root, nil)
	weights := []string{"weight 3", "weight 1", "weight 1"}
	bal := func(name, cfg string, steps []step) tcase {
		return tcase{name: name, cfg: cfg, steps: steps, noProbe: true, anyConn: true}
	}
	runCases(t, []tcase{
		bal("roundrobin-weights-3-1-1", pool("    balance roundrobin\n", weights...), eachOnNewConn(ten)),
		bal("roundrobin-weights-keep-alive", pool("    balance roundrobin\n", weights...), allOnOneConn(ten)),
		bal("roundrobin-default", pool(""), eachOnNewConn(ten)),
		bal("roundrobin-weight-zero", pool("    balance roundrobin\n", "weight 0", "weight 2", "weight 1"), eachOnNewConn(ten)),
		bal("roundrobin-backup", pool("    balance roundrobin\n", "disabled", "backup", "backup"), eachOnNewConn(gets(4, root, nil))),
		bal("roundrobin-backup-allbackups", pool("    balance roundrobin\n    option allbackups\n", "disabled", "backup", "backup"), eachOnNewConn(gets(4, root, nil))),
		bal("static-rr-weights-3-1-1", pool("    balance static-rr\n", weights...), eachOnNewConn(ten)),
		bal("first", pool("    balance first\n", "maxconn 1", "maxconn 1", "maxconn 1"), eachOnNewConn(gets(4, root, nil))),
		bal("uri", pool("    balance uri\n"), eachOnNewConn(uris)),
		bal("uri-whole", pool("    balance uri whole\n"), eachOnNewConn(uris)),
		bal("uri-depth-1", pool("    balance uri depth 1\n"), eachOnNewConn(uris)),
		bal("uri-consistent", pool("    balance uri\n    hash-type consistent\n"), eachOnNewConn(uris)),
		bal("uri-weights", pool("    balance uri\n", weights...), eachOnNewConn(uris)),
		bal("hdr", pool("    balance hdr(X-Key)\n"), eachOnNewConn(keys)),
		bal("hdr-consistent", pool("    balance hdr(X-Key)\n    hash-type consistent\n"), eachOnNewConn(keys)),
		bal("hdr-keep-alive", pool("    balance hdr(X-Key)\n"), allOnOneConn(keys)),
		bal("url-param", pool("    balance url_param id\n"), eachOnNewConn(params)),
		bal("url-param-consistent", pool("    balance url_param id\n    hash-type consistent\n"), eachOnNewConn(params)),
		bal("source-map-based", pool("    balance source\n"), eachOnNewConn(twelve, srcs...)),
		bal("source-consistent", pool("    balance source\n    hash-type consistent\n"), eachOnNewConn(twelve, srcs...)),
		bal("source-weights", pool("    balance source\n", weights...), eachOnNewConn(twelve, srcs...)),
	})
}
