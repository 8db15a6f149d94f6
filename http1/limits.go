package http1

// Limits are the haproxy tunables that bound a message head. The zero value
// is not useful; start from DefaultLimits.
type Limits struct {
	MaxHeaders int // tune.http.maxhdr: a head may carry MaxHeaders-1 fields
	BufSize    int // tune.bufsize
	MaxRewrite int // tune.maxrewrite: room haproxy keeps free for rewrites
}

// DefaultLimits are haproxy 2.6's defaults.
var DefaultLimits = Limits{MaxHeaders: 101, BufSize: 16384, MaxRewrite: 1024}

// haproxy stores a parsed head in an "HTX" buffer and rejects it when it
// does not fit; these constants are the sizes of its internal structures,
// which is what the limits below are made of.
const (
	htxHeader    = 48 // struct htx, at the front of every buffer
	htxBlock     = 8  // per block: start line, each header, end of headers
	htxStartLine = 20 // struct htx_sl
)

// RawHeadMax is the most bytes of a head (including any leading empty
// lines) that haproxy can hold while waiting for its end; a head that does
// not end within them is refused. A proxy reading heads never needs to
// buffer more.
func (l Limits) RawHeadMax() int { return l.BufSize - htxHeader - 2*htxBlock }

// headRoom is the budget for a head once converted: haproxy keeps
// MaxRewrite bytes of the buffer free for rules.
func (l Limits) headRoom() int { return l.BufSize - htxHeader - l.MaxRewrite }

// headCost is the size haproxy's converted form of a head would take.
func headCost(a, b, c []byte, hdrs []Header) int {
	n := htxBlock + htxStartLine + len(a) + len(b) + len(c)
	for _, h := range hdrs {
		n += htxBlock + len(h.Name) + len(h.Value)
	}
	return n + htxBlock + 1
}
