package logformat

import (
	"net/netip"
	"time"
)

// Stream is what a format may say about a stream beyond its request and
// addresses, which come from the sample.Ctx. The proxy fills what it
// knows so far; names left empty render as haproxy renders them before a
// backend or server is chosen.
type Stream struct {
	Frontend    string
	FrontendSSL bool   // %ft appends '~' for TLS listeners
	Backend     string // "" until one is chosen: the frontend's name is used
	Server      string // "" when no server was used: "<NOSRV>"
	UniqueID    []byte // %ID
	// ReqCaptures and ResCaptures are the captured header values, one
	// per capture the frontend declares (nil: not seen); nil when it
	// declares none.
	ReqCaptures, ResCaptures [][]byte

	Status            int   // %ST, the HTTP status sent to the client
	BytesIn, BytesOut int64 // %U, %B
	RequestID         int64 // %rt, haproxy's per-process request counter
	LogCount          int64 // %lc, the frontend's log counter
	Retries           int   // %rc
	Redispatched      bool  // %rc is prefixed with '+'
	// ASAP: logged before the end (option logasap): %Ta, %Tt, %Tu and
	// %B are prefixed with '+'.
	ASAP bool

	// Connection counts at log time: %ac %fc %bc %sc, and queue positions
	// %sq %bq.
	ActConn, FeConn, BeConn, SrvConn int
	SrvQueue, BackendQueue           int

	// ServerAddr is where the server connection went (%si %sp), and
	// BackendSrc the local end of it (%bi %bp); zero when none was made.
	ServerAddr, BackendSrc netip.AddrPort

	// Term is the termination state (%ts): the cause and the stream state
	// at the end, e.g. "CD"; CookieState holds the two cookie-persistence
	// characters added by %tsc. Zero bytes print as '-'.
	Term, CookieState [2]byte

	Accept time.Time // when the connection was accepted
	Timers Timers
}

// Timers are haproxy's stream timestamps, in milliseconds since the
// connection was accepted; the proxy sets -1 for the steps the stream has
// not reached (yet). The log timers (%Tq, %Tw, %Tc, %Tr, ...) are
// differences between them.
type Timers struct {
	Handshake int64 // TLS or PROXY handshake done (%Th)
	Idle      int64 // idle time before the request began (%Ti)
	Request   int64 // the whole request head received (%Tq)
	Queue     int64 // out of the queues
	Connect   int64 // connected to the server
	Data      int64 // the response head received
	Close     int64 // end of the stream (%Tt)
}

// active is when the request began, after the handshake and the idle
// time; 0 when the idle time is unknown.
func (t Timers) active() int64 {
	if t.Idle < 0 {
		return 0
	}
	return t.Idle + t.Handshake
}

// requestStart is the date the request began, as %tr reports it.
func (s *Stream) requestStart() time.Time {
	return s.Accept.Add(time.Duration(s.Timers.active()) * time.Millisecond)
}
