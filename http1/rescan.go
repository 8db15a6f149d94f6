package http1

import "bytes"

// rescan decides when an incomplete parse is worth redoing. Parsing a
// growing buffer from its start after every read costs O(n²) against a
// peer that sends a byte at a time; instead the parse is redone only once
// the bytes that could end it have arrived, or the buffer has doubled since
// the last attempt. The work stays linear and most errors are still seen
// early: the first attempt always runs.
type rescan struct {
	tried   int // length of the buffer at the last attempt, 0 if none
	scanned int // bytes already searched for an end
}

// wait reports whether parsing buf again is pointless yet. With block set
// the end is an empty line (a head, trailers), otherwise a line end (a
// chunk size line).
func (s *rescan) wait(buf []byte, block bool) bool {
	if s.tried == 0 || len(buf) >= 2*s.tried || len(buf) < s.scanned {
		return false
	}
	// Back up a little: the end may straddle the previous scan's limit.
	from := max(s.scanned-3, 0)
	s.scanned = len(buf)
	if !block {
		return bytes.IndexByte(buf[from:], '\n') < 0
	}
	rest, lineStart := buf[from:], from == 0
	for {
		if lineStart && (len(rest) > 0 && rest[0] == '\n' || len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n') {
			return false
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return true
		}
		rest, lineStart = rest[i+1:], true
	}
}

// failed records an attempt that found buf incomplete.
func (s *rescan) failed(buf []byte) { s.tried, s.scanned = len(buf), len(buf) }

func (s *rescan) reset() { *s = rescan{} }
