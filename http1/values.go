package http1

import "math"

// msgFlags record what the header fields said about framing and the
// connection, in the terms haproxy uses to decide.
type msgFlags uint32

const (
	fCLen          msgFlags = 1 << iota // a valid Content-Length was seen
	fXferEnc                            // a Transfer-Encoding field was seen
	fTEChunked                          // "chunked" is among the codings
	fChunked                            // "chunked" is the last coding
	fTEOther                            // a coding other than chunked
	fConnClose                          // Connection: close (or forced close)
	fConnKeepAlive                      // Connection: keep-alive
	fConnUpgrade                        // Connection: upgrade
	fUpgWebsocket                       // Upgrade: websocket (last Upgrade field)
	fVer11                              // version 1.1 or later
	fResp                               // parsing a response
)

// valueEnd returns the index of the next comma in v at or after i that is
// not inside a quoted string, or len(v).
func valueEnd(v []byte, i int) int {
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
		case v[i] == ',':
			return i
		}
	}
	return i
}

func trimRightLWS(b []byte) []byte {
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// contentLength checks a Content-Length value the way haproxy does: a
// comma-separated list of identical decimal numbers, none of them empty, all
// equal to any length seen before. It returns the last number's digits (what
// is forwarded) and keep=false when an earlier field already set the length
// and this one is to be dropped. Numbers are accumulated with haproxy's
// signed arithmetic, so that 18446744073709551615 is accepted (as -1) while
// 9223372036854775808 is not: a proxy must refuse exactly what haproxy
// refuses.
func contentLength(v []byte, flags *msgFlags, clen *int64) (word []byte, keep, ok bool) {
	first := *flags&fCLen == 0
	i := 0
	for {
		if i >= len(v) {
			return nil, false, false // empty value or empty list element
		}
		if isLWS(v[i]) {
			i++
			continue
		}
		var cl int64
		n := i
		for ; n < len(v); n++ {
			c := uint(v[n]) - '0'
			if c > 9 {
				if n == i {
					return nil, false, false
				}
				break
			}
			if uint64(cl) > math.MaxUint64/10 {
				return nil, false, false
			}
			cl = int64(uint64(cl) * 10)
			if cl+int64(c) < cl {
				return nil, false, false
			}
			cl += int64(c)
		}
		word = v[i:n]
		for ; n < len(v); n++ {
			if !isLWS(v[n]) {
				if v[n] != ',' {
					return nil, false, false
				}
				break
			}
		}
		if *flags&fCLen != 0 && cl != *clen {
			return nil, false, false
		}
		*flags |= fCLen
		*clen = cl
		if n == len(v) {
			return word, first, true
		}
		i = n + 1
	}
}

// transferEncoding records the codings of one Transfer-Encoding field.
// "chunked" twice is refused, and in a request so is any coding after it.
func transferEncoding(v []byte, flags *msgFlags) bool {
	*flags |= fXferEnc
	for word, n := nextWord(v, 0); n >= 0; word, n = nextWord(v, n+1) {
		*flags &^= fChunked
		if eqFold(word, "chunked") {
			if *flags&fTEChunked != 0 {
				return false
			}
			*flags |= fTEChunked | fChunked
		} else {
			if *flags&(fResp|fTEChunked) == fTEChunked {
				return false
			}
			*flags |= fTEOther
		}
	}
	return true
}

// nextWord skips the blanks at i and returns the comma-separated word
// there, trimmed, and the offset of the comma (or len(v)) ending it: the
// next word starts after it. The offset is -1 when no word is left.
func nextWord(v []byte, i int) ([]byte, int) {
	for ; i < len(v); i++ {
		if !isLWS(v[i]) {
			n := valueEnd(v, i)
			return trimRightLWS(v[i:n]), n
		}
	}
	return nil, -1
}

// connection records the tokens of a Connection field. With clean set it
// also computes the value haproxy forwards once "close" and "keep-alive" are
// removed: the original bytes while nothing was removed, then the remaining
// tokens joined by commas. With write set that value is written over v (it is
// never longer); otherwise only its length is returned, which lets a parse
// that may be retried on more data leave the buffer as received.
func connection(v []byte, flags *msgFlags, clean, write bool) int {
	out, p := len(v), 0
	if clean {
		out = 0
	}
	for word, n := nextWord(v, 0); n >= 0; word, n = nextWord(v, n+1) {
		drop := false
		switch {
		case eqFold(word, "keep-alive"):
			*flags |= fConnKeepAlive
			drop = clean
		case eqFold(word, "close"):
			*flags |= fConnClose
			drop = clean
		case eqFold(word, "upgrade"):
			*flags |= fConnUpgrade
		}
		if clean && !drop {
			if out == p {
				out = n
			} else {
				if out > 0 {
					if write {
						v[out] = ','
					}
					out++
				}
				if write {
					copy(v[out:], word)
				}
				out += len(word)
			}
		}
		p = n
	}
	return out
}

// upgrade records whether the (last) Upgrade field offers websocket.
func upgrade(v []byte, flags *msgFlags) {
	*flags &^= fUpgWebsocket
	for word, n := nextWord(v, 0); n >= 0; word, n = nextWord(v, n+1) {
		if eqFold(word, "websocket") {
			*flags |= fUpgWebsocket
		}
	}
}

// teTrailers reports whether a TE field is forwarded: haproxy keeps it only
// when it contains "trailers" (case-sensitive, the first occurrence ending
// the value or followed by a comma) and then sends just "trailers".
func teTrailers(v []byte) bool {
	const t = "trailers"
	for i := 0; i+len(t) <= len(v); i++ {
		if string(v[i:i+len(t)]) == t {
			return i+len(t) == len(v) || v[i+len(t)] == ','
		}
	}
	return false
}
