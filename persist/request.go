package persist

import (
	"bytes"
	"time"

	"switchyard/http1"
)

// ReqState is what the request's cookie did, the third character of the
// %tsc log field.
type ReqState uint8

// Request cookie states, in haproxy's order (TX_CK_*).
const (
	ReqNone    ReqState = iota // N: no persistence cookie
	ReqInvalid                 // I: no server has the cookie's value (or it is empty)
	ReqDown                    // D: the cookie names a server that is down
	ReqValid                   // V: the cookie named a running server, which was used
	ReqExpired                 // E: the cookie was idle longer than maxidle, ignored
	ReqOld                     // O: the cookie was older than maxlife, ignored
	ReqUnused                  // U: a server was already chosen (use-server), or persistence ignored
)

// Char is the state's letter in %tsc.
func (s ReqState) Char() byte { return "NIDVEOU7"[s&7] }

// ResState is what happened to the persistence cookie in the response, the
// fourth character of %tsc.
type ResState uint8

// Response cookie states, in haproxy's order (TX_SCK_*).
const (
	ResNone     ResState = iota // N: no persistence cookie in or added to the response
	ResFound                    // P: the server set the cookie and it was kept as is
	ResDeleted                  // D: the server's cookie was removed
	ResInserted                 // I: haproxy inserted the cookie
	ResReplaced                 // R: the server's cookie was rewritten or prefixed
	ResUpdated                  // U: the cookie was inserted again to refresh its dates
)

// Char is the state's letter in %tsc.
func (s ResState) Char() byte { return "NPDIRU67"[s&7] }

// Match is the caller's answer to "which server does this cookie value
// name?" (see Choose).
type Match uint8

const (
	// NoServer: no server has this cookie value.
	NoServer Match = iota
	// ServerDown: servers have it, but none is running and persistence
	// is not forced: none was chosen.
	ServerDown
	// ServerUp: a running server has it and was chosen.
	ServerUp
	// ServerForced: a server that is down was chosen anyway, because of
	// `option persist` or a `force-persist` rule.
	ServerForced
)

// Txn is one transaction's persistence state, from the request to the
// response and the log. Reset it before each request; a Txn reused for
// the requests of a connection keeps its buffer, so that rewriting cookies
// does not allocate in the steady state.
type Txn struct {
	// Ignore is set by the caller before Request when an
	// `ignore-persist` rule matched: no cookie chooses a server and the
	// response's cookies are left alone.
	Ignore bool
	// Assigned is set by the caller before Request when a server is
	// already chosen (a `use-server` rule): the cookie is then Unused.
	// Request sets it too once a cookie chose a server: later cookies of
	// the same name choose nothing.
	Assigned bool
	// Direct: the server was chosen by the request's cookie. Request sets
	// it; the caller clears it when the request goes elsewhere after all
	// (see Redispatched), and may set it when another persistence (a stick
	// table) chose the server, as haproxy does.
	Direct bool

	// Req and Res are the %tsc states; see Cookie.Tsc for the log.
	Req ReqState
	Res ResState

	// The dates the request's cookie carried (UNIX seconds, multiples
	// of 4; 0: none).
	firstDate, lastDate uint32
	// What the response side needs of the request: the method
	// allowed caching (GET, HEAD, OPTIONS, TRACE), it was a POST.
	cacheable, post bool

	// buf holds rewritten header values; they must stay valid until the
	// head is written, so it is only reset with the Txn.
	buf []byte
	// dels marks the fields to remove, by index, until the end of a pass.
	dels []int
}

// Reset prepares t for a new transaction, keeping its buffers.
func (t *Txn) Reset() {
	buf, dels := t.buf[:0], t.dels[:0]
	*t = Txn{buf: buf, dels: dels}
}

// Redispatched records that the request was balanced again after the
// server its cookie chose failed (option redispatch): the response then
// inserts the cookie of the server that answers, even if it is the same
// one; if it is another (sameServer false), a valid cookie is logged as D.
// That is what haproxy does.
func (t *Txn) Redispatched(sameServer bool) {
	t.Direct = false
	if !sameServer && t.Req == ReqValid {
		t.Req = ReqDown
	}
}

// Choose is haproxy's rule for the server a cookie value names: in
// declaration order, the first server whose cookie is value and which is
// running (up reports it), or — when persist is true (`option persist`, a
// matching `force-persist`) — the first whose cookie is value, running or
// not. cookies holds the servers' cookie values ("" for a server without
// one), in declaration order. It returns the chosen server's index, or -1.
func Choose(cookies []string, value []byte, up func(i int) bool, persist bool) (int, Match) {
	m := NoServer
	for i, ck := range cookies {
		if ck == "" || ck != string(value) {
			continue
		}
		if up(i) {
			return i, ServerUp
		}
		if persist {
			return i, ServerForced
		}
		m = ServerDown
	}
	return -1, m
}

// Request reads the persistence cookie of req's Cookie fields, once the
// request rules have run and before a server is chosen. For each cookie
// named like the persistence cookie (haproxy looks at all of them, in
// order), it calls choose with the server part of the value, unless a
// server is already chosen; choose records the server it picks. Request
// also rewrites req as haproxy does: in prefix mode the "server~" part is
// removed from the value, with insert and indirect the cookie is removed
// (and a Cookie field left empty goes), and spaces around any cookie's "="
// are removed. now is the wall clock, for maxidle and maxlife.
//
// It sets t.Req, t.Direct (a server was chosen by the cookie) and what the
// response side needs. The caller then uses the chosen server, or
// balances as usual when choose picked none. choose's argument is only
// valid during the call, and never empty. Rewritten values live in t's
// buffer: t must not be Reset before the request head is written.
func (c *Cookie) Request(t *Txn, req *http1.Request, now time.Time, choose func(value []byte) Match) {
	t.cacheable = req.Meth == http1.MethodGET || req.Meth == http1.MethodHEAD ||
		req.Meth == http1.MethodOPTIONS || req.Meth == http1.MethodTRACE
	t.post = req.Meth == http1.MethodPOST
	h := &req.Headers
	t.dels = t.dels[:0]
	for i, f := range h.Fields() {
		if http1.EqualFoldLower(f.Name, "cookie") {
			c.requestField(t, h, i, f.Value, now.Unix(), choose)
		}
	}
	delFields(h, t.dels)
}

// requestField handles one Cookie field, i being its index. The value is
// only copied (into t.buf) when it must change; the edits are then made
// in place on the copy, which only shrinks.
func (c *Cookie) requestField(t *Txn, h *http1.Headers, i int, v []byte, now int64, choose func([]byte) Match) {
	w, end := v, len(v)
	owned := false
	own := func() {
		if !owned {
			start := len(t.buf)
			t.buf = append(t.buf, v...)
			w, owned = t.buf[start:len(t.buf):len(t.buf)], true
		}
	}
	delFrom := -1     // start of a cookie to remove, once we know what follows
	preserve := false // a cookie of the field stays
	for prev, first := 0, true; prev < end; first = false {
		// A cookie is [prev: delimiter or start][spaces]name[spaces]=[spaces]value[spaces]
		// and ends at next: the ';' or ',' after it, or the end.
		attBeg := prev
		if !first {
			attBeg++
		}
		attBeg, attEnd, equal, valBeg, valEnd, next := scanPair(w[:end], attBeg, true)

		switch {
		case attBeg < end && w[attBeg] == '$':
			// RFC 2109 attributes belong to the cookie before them and
			// go with it.
		case equal == next:
			// A word without "=" is not ours: it stays, and so must the
			// field, but a cookie marked before it can go now.
			preserve = true
			if delFrom >= 0 {
				own()
				d := delValue(w, end, &delFrom, prev)
				next += d
				end += d
				delFrom = -1
			}
		default:
			if attEnd != equal || valBeg > equal+1 {
				// Spaces around "=" go, for every cookie.
				own()
				d := 0
				if attEnd != equal {
					copy(w[attEnd:], w[equal:end])
					d = attEnd - equal
					equal += d
					valBeg += d
				}
				if valBeg > equal+1 {
					copy(w[equal+1:], w[valBeg:end+d])
					d2 := equal + 1 - valBeg
					valBeg += d2
					d += d2
				}
				valEnd += d
				next += d
				end += d
			}
			if string(w[attBeg:attEnd]) != c.name {
				preserve = true
				if delFrom >= 0 {
					own()
					d := delValue(w, end, &delFrom, prev)
					next += d
					end += d
					delFrom = -1
				}
				break
			}
			delim := c.ours(t, w[valBeg:valEnd], now, choose)
			if c.opts&optPrefix != 0 && valBeg+delim != valEnd {
				// The server sees its own value, without "server~".
				own()
				copy(w[valBeg:], w[valBeg+delim+1:end])
				d := -(delim + 1)
				next += d
				end += d
				delFrom = -1
				preserve = true
			} else if delFrom < 0 && c.opts&(optInsert|optIndirect) == optInsert|optIndirect {
				delFrom = prev
			}
		}
		prev = next
	}
	if delFrom >= 0 {
		if preserve {
			end = delFrom
		} else {
			end = 0
		}
	}
	switch {
	case end == len(v):
	case end == 0:
		t.dels = append(t.dels, i)
	default:
		h.SetValue(i, w[:end])
	}
}

// ours handles one persistence cookie whose value is val: it reads the
// dates, checks them, asks choose for the server and sets the request
// state. It returns the length of the value's server part (the "~" in
// prefix mode, the first "|" otherwise, or the whole value); 0 when the
// cookie is to be taken as absent (expired).
func (c *Cookie) ours(t *Txn, val []byte, now int64, choose func([]byte) Match) int {
	delim := len(val)
	if c.opts&optPrefix != 0 {
		if j := bytes.IndexByte(val, '~'); j >= 0 {
			delim = j
		}
	} else if j := bytes.IndexByte(val, '|'); j >= 0 {
		delim = j
		rest := val[j+1:]
		if len(rest) >= 5 {
			if d := readDate(rest); d > 0 {
				t.lastDate = uint32(d) << 2
			}
		}
		if k := bytes.IndexByte(rest, '|'); k >= 0 && len(rest)-k > 5 {
			if d := readDate(rest[k+1:]); d > 0 {
				t.firstDate = uint32(d) << 2
			}
		}
	}
	// Dates more than a day in the future are refused too, so that a
	// clock set wrong does not keep cookies forever. haproxy compares
	// on 32 bits.
	switch {
	case t.firstDate != 0 && c.maxLife != 0 &&
		(int32(now-int64(t.firstDate)) > int32(c.maxLife) || int32(int64(t.firstDate)-now) > 86400):
		t.Req, delim, t.firstDate, t.lastDate = ReqOld, 0, 0, 0
	case t.lastDate != 0 && c.maxIdle != 0 &&
		(int32(now-int64(t.lastDate)) > int32(c.maxIdle) || int32(int64(t.lastDate)-now) > 86400):
		t.Req, delim, t.firstDate, t.lastDate = ReqExpired, 0, 0, 0
	}
	// An empty server part chooses nothing: a client that learned the
	// empty cookie of a server without one must not stick to it.
	chose := false
	if delim > 0 && !t.Ignore && !t.Assigned {
		switch choose(val[:delim]) {
		case ServerUp:
			t.Req, chose = ReqValid, true
		case ServerForced:
			t.Req, chose = ReqDown, true
		case ServerDown:
			t.Req = ReqDown
		}
		if chose {
			t.Direct, t.Assigned = true, true
		}
	}
	// haproxy tests "no state yet" here (its flags are a field, not
	// bits), so a later cookie never turns a state into I or U.
	if !chose && t.Req == ReqNone {
		if t.Ignore || t.Assigned {
			t.Req = ReqUnused
		} else {
			t.Req = ReqInvalid
		}
	}
	return delim
}

// scanPair reads one "name = value" of a cookie header from w[from:]:
// the name spans [attBeg:attEnd), the value [valBeg:valEnd), both without
// the spaces around them; equal is where '=' is (or where the name
// stopped without one), next the delimiter that ends the pair or len(w).
// A name also stops at ',' when comma is set (Cookie, Set-Cookie2).
func scanPair(w []byte, from int, comma bool) (attBeg, attEnd, equal, valBeg, valEnd, next int) {
	end := len(w)
	attBeg = from
	for attBeg < end && spht(w[attBeg]) {
		attBeg++
	}
	equal, attEnd = attBeg, attBeg
	for equal < end {
		ch := w[equal]
		if ch == '=' || ch == ';' || comma && ch == ',' {
			break
		}
		equal++
		if !spht(ch) {
			attEnd = equal
		}
	}
	if equal == end || w[equal] != '=' {
		return attBeg, attEnd, equal, equal, equal, equal
	}
	valBeg = equal + 1
	for valBeg < end && spht(w[valBeg]) {
		valBeg++
	}
	next = cookieValueEnd(w, valBeg)
	valEnd = next
	for valEnd > valBeg && spht(w[valEnd-1]) {
		valEnd--
	}
	return attBeg, attEnd, equal, valBeg, valEnd, next
}

// spht: a space or a tab.
func spht(b byte) bool { return b == ' ' || b == '\t' }

// cookieValueEnd returns the end of the cookie value starting at i: the
// first ';' or ',' outside a quoted string, or len(v).
func cookieValueEnd(v []byte, i int) int {
	quoted, pair := false, false
	for ; i < len(v); i++ {
		switch {
		case pair:
			pair = false
		case quoted:
			if v[i] == '\\' {
				pair = true
			} else if v[i] == '"' {
				quoted = false
			}
		case v[i] == '"':
			quoted = true
		case v[i] == ',' || v[i] == ';':
			return i
		}
	}
	return i
}

// delValue removes from w[:end] the cookies from *from (the start of the
// field, or the delimiter before the first cookie to remove) up to next
// (the delimiter before the cookie that stays, or end), keeping one
// delimiter and, when there was room, one space after it. It moves *from
// back over spaces, and returns how much w shrank (a negative delta).
func delValue(w []byte, end int, from *int, next int) int {
	prev := *from
	if prev == 0 {
		// The first cookie goes, with the delimiter after it.
		if next < end {
			next++
		}
		for next < end && spht(w[next]) {
			next++
		}
	} else {
		for prev > 0 && spht(w[prev-1]) {
			prev--
		}
		*from = prev
		if next < end {
			w[prev] = w[next]
			prev++
			next++
			if prev+1 < next {
				w[prev] = ' '
				prev++
			}
			for next < end && spht(w[next]) {
				next++
			}
		}
	}
	copy(w[prev:], w[next:end])
	return prev - next
}

// delFields removes the fields of h whose indexes are in dels (ascending).
func delFields(h *http1.Headers, dels []int) {
	if len(dels) == 0 {
		return
	}
	// DelFunc visits the fields in order, once each: counting the calls
	// gives the index (http1.Headers has no removal by index).
	i, k := -1, 0
	h.DelFunc(func([]byte) bool {
		i++
		if k < len(dels) && dels[k] == i {
			k++
			return true
		}
		return false
	})
}

// Tsc returns the cookie characters of %tsc (the third and fourth) for a
// transaction of a backend whose cookie line is c: "--" when the backend
// has none (c nil) or a passive one without indirect, as haproxy logs.
func (c *Cookie) Tsc(t *Txn) (req, res byte) {
	if c == nil || c.opts&(optRewrite|optIndirect|optInsert|optPrefix) == 0 {
		return '-', '-'
	}
	return t.Req.Char(), t.Res.Char()
}
