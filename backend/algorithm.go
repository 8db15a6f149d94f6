package backend

import (
	"fmt"

	"switchyard/sample"
)

// Kind is the `balance` algorithm of a backend.
type Kind uint8

// The zero Kind is roundrobin, haproxy's default when `balance` is absent.
const (
	RoundRobin Kind = iota // roundrobin
	StaticRR               // static-rr
	LeastConn              // leastconn
	First                  // first
	Random                 // random[(draws)]
	Source                 // source
	URI                    // uri [len N] [depth N] [whole] [path-only]
	URLParam               // url_param NAME
	Header                 // hdr(NAME) [use_domain_only]
	Hash                   // hash EXPR
	RDPCookie              // rdp-cookie[(NAME)]
)

var kindNames = [...]string{
	RoundRobin: "roundrobin",
	StaticRR:   "static-rr",
	LeastConn:  "leastconn",
	First:      "first",
	Random:     "random",
	Source:     "source",
	URI:        "uri",
	URLParam:   "url_param",
	Header:     "hdr",
	Hash:       "hash",
	RDPCookie:  "rdp-cookie",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// HashType is the first argument of `hash-type`: how a hash selects a server.
type HashType uint8

const (
	// MapBased takes the hash modulo the total weight into a static
	// weighted map (haproxy's default).
	MapBased HashType = iota
	// Consistent looks the hash up on a ring of weight*16 points per
	// server, so that adding or removing a server moves few keys.
	Consistent
)

// HashFunc is the function `hash-type` applies to the key bytes.
type HashFunc uint8

// The zero HashFunc is sdbm, haproxy's default.
const (
	SDBM HashFunc = iota
	DJB2
	WT6
	CRC32
)

func (f HashFunc) String() string {
	switch f {
	case SDBM:
		return "sdbm"
	case DJB2:
		return "djb2"
	case WT6:
		return "wt6"
	case CRC32:
		return "crc32"
	}
	return fmt.Sprintf("HashFunc(%d)", f)
}

// Algorithm is a backend's `balance`, `hash-type` and `hash-balance-factor`
// settings. The zero value is haproxy's default: roundrobin, map-based sdbm
// without avalanche, no bound. ParseBalance, ParseHashType and
// ParseHashBalanceFactor each set only their own fields, so the directives
// may appear in any order, and a copy taken from `defaults` can be refined
// by the backend.
type Algorithm struct {
	Kind Kind

	// uri options. URILen and URIDepth are 0 when not set.
	URILen      int
	URIDepth    int
	URIWhole    bool
	URIPathOnly bool

	Param         string // url_param name (compared case-sensitively)
	Header        string // hdr() name (compared case-insensitively)
	UseDomainOnly bool   // hdr(): hash only the domain label before the TLD

	Draws int // random: number of draws, haproxy's default is 2

	// Expr is the sample expression of `balance hash`, compiled once when
	// the directive is parsed. It is a pointer so that Algorithm stays
	// comparable: the registry compares algorithms to skip needless
	// rebuilds, and a reload compiles a new Expr, which is a change.
	Expr *sample.Expr
	// Cookie is the RDP cookie name of `balance rdp-cookie` ("mstshash"
	// when not given), compared case-insensitively.
	Cookie string

	HashType  HashType
	HashFunc  HashFunc
	Avalanche bool // apply the full_hash avalanche mixer to the hash

	// BalanceFactor is `hash-balance-factor`: with consistent hashing, a
	// server whose load would exceed BalanceFactor% of the average is
	// passed over (bounded.go). 0 disables it; else it is above 100.
	// Like the hash-type fields, `balance` leaves it alone.
	BalanceFactor int
}

// Hashes says whether the algorithm picks a server by a hash of the
// request, so that another server is not an equivalent choice.
func (a Algorithm) Hashes() bool {
	switch a.Kind {
	case Source, URI, URLParam, Header, Hash, RDPCookie:
		return true
	}
	return false
}

// NeedsHTTP reports whether the algorithm reads the HTTP request. haproxy
// falls back to roundrobin (with a warning) for such algorithms in a
// backend that is not in `mode http`; the config layer should do the same.
// `balance hash` is not one of them even with an HTTP fetch: haproxy
// accepts it in any mode, and a fetch that finds no request makes it fall
// back to round robin request by request. Nor is rdp-cookie, which haproxy
// accepts silently in `mode http` (where it never finds a cookie).
func (a Algorithm) NeedsHTTP() bool {
	return a.Kind == URI || a.Kind == URLParam || a.Kind == Header
}
