package backend

import (
	"strings"
	"testing"
)

func TestParseBalance(t *testing.T) {
	tests := []struct {
		args string
		want Algorithm
		err  string // substring of the error; "" means success
	}{
		{"", Algorithm{Kind: RoundRobin}, ""},
		{"roundrobin", Algorithm{Kind: RoundRobin}, ""},
		{"static-rr", Algorithm{Kind: StaticRR}, ""},
		{"leastconn", Algorithm{Kind: LeastConn}, ""},
		{"first", Algorithm{Kind: First}, ""},
		{"source", Algorithm{Kind: Source}, ""},
		{"random", Algorithm{Kind: Random, Draws: 2}, ""},
		{"random()", Algorithm{Kind: Random, Draws: 2}, ""},
		{"random(5)", Algorithm{Kind: Random, Draws: 5}, ""},
		{"random(0x3)", Algorithm{Kind: Random, Draws: 3}, ""},
		{"random(0)", Algorithm{}, "at least 1"},
		{"random(3", Algorithm{}, "missing closing parenthesis"},
		{"random(x)", Algorithm{}, "invalid number of draws"},
		{"randomfoo", Algorithm{}, "unknown balance algorithm"},
		{"uri", Algorithm{Kind: URI}, ""},
		{"uri whole", Algorithm{Kind: URI, URIWhole: true}, ""},
		{"uri len 5 depth 2 path-only", Algorithm{Kind: URI, URILen: 5, URIDepth: 2, URIPathOnly: true}, ""},
		{"uri len", Algorithm{}, "expects a positive integer"},
		{"uri len 0", Algorithm{}, "expects a positive integer (got '0')"},
		{"uri depth -1", Algorithm{}, "expects a positive integer"},
		{"uri len 5x", Algorithm{}, "expects a positive integer"},
		{"uri foo", Algorithm{}, "only accepts parameters"},
		{"url_param id", Algorithm{Kind: URLParam, Param: "id"}, ""},
		{"url_param", Algorithm{}, "requires an URL parameter name"},
		{"url_param id check_post", Algorithm{}, "'check_post' is not supported yet"},
		{"url_param id foo", Algorithm{}, "only accepts 'check_post'"},
		{"hdr(Host)", Algorithm{Kind: Header, Header: "Host"}, ""},
		{"hdr(host) use_domain_only", Algorithm{Kind: Header, Header: "host", UseDomainOnly: true}, ""},
		{"hdr()", Algorithm{}, "requires an http header field name"},
		{"hdr(host", Algorithm{}, "requires an http header field name"},
		{"hdr(host)x", Algorithm{}, "requires an http header field name"},
		{"hdr(host) foo", Algorithm{}, "only accepts 'use_domain_only'"},
		{"roundrobin foo", Algorithm{}, "takes no argument (got 'foo')"},
		{"source 1", Algorithm{}, "takes no argument"},
		{"hash req.cookie(x)", Algorithm{}, "not supported yet"},
		{"rdp-cookie", Algorithm{}, "not supported yet"},
		{"bogus", Algorithm{}, "unknown balance algorithm 'bogus'"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			// Start from hash-type settings, which balance must keep.
			a := Algorithm{HashType: Consistent, HashFunc: CRC32, Avalanche: true, Kind: URI, URILen: 9}
			before := a
			err := ParseBalance(strings.Fields(tc.args), &a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				if a != before {
					t.Errorf("a failed parse changed the algorithm to %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.HashType, want.HashFunc, want.Avalanche = Consistent, CRC32, true
			if a != want {
				t.Errorf("got %+v, want %+v", a, want)
			}
		})
	}
}

func TestParseHashType(t *testing.T) {
	tests := []struct {
		args string
		typ  HashType
		fn   HashFunc
		aval bool
		err  string
	}{
		{"map-based", MapBased, SDBM, false, ""},
		{"consistent", Consistent, SDBM, true, ""},
		{"consistent sdbm", Consistent, SDBM, false, ""},
		{"consistent djb2 avalanche", Consistent, DJB2, true, ""},
		{"map-based wt6", MapBased, WT6, false, ""},
		{"map-based crc32 avalanche", MapBased, CRC32, true, ""},
		{"", 0, 0, false, "expects 'map-based' or 'consistent'"},
		{"avalanche", 0, 0, false, "not supported anymore"},
		{"ring", 0, 0, false, "only supports 'consistent' and 'map-based'"},
		{"consistent md5", 0, 0, false, "only supports 'sdbm', 'djb2', 'crc32', or 'wt6'"},
		{"consistent none", 0, 0, false, "'none' is not supported"},
		{"consistent sdbm fast", 0, 0, false, "only supports 'avalanche'"},
		{"consistent sdbm avalanche x", 0, 0, false, "only supports 'avalanche'"},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			a := Algorithm{Kind: URLParam, Param: "id", HashFunc: WT6}
			err := ParseHashType(strings.Fields(tc.args), &a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Algorithm{Kind: URLParam, Param: "id", HashType: tc.typ, HashFunc: tc.fn, Avalanche: tc.aval}
			if a != want {
				t.Errorf("got %+v, want %+v", a, want)
			}
		})
	}
}

func TestNeedsHTTP(t *testing.T) {
	for k := RoundRobin; k <= Header; k++ {
		want := k == URI || k == URLParam || k == Header
		if got := (Algorithm{Kind: k}).NeedsHTTP(); got != want {
			t.Errorf("%v: NeedsHTTP %v, want %v", k, got, want)
		}
	}
}
