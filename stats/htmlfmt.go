package stats

import (
	"strconv"
)

// hw builds the HTML page. Its methods append and return nothing, so that
// the row renderers read as the sequence of cells they print.
type hw struct{ b []byte }

// s appends literal HTML.
func (w *hw) s(parts ...string) {
	for _, p := range parts {
		w.b = append(w.b, p...)
	}
}

// e appends text, escaped.
func (w *hw) e(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			w.b = append(w.b, "&amp;"...)
		case '<':
			w.b = append(w.b, "&lt;"...)
		case '>':
			w.b = append(w.b, "&gt;"...)
		case '"':
			w.b = append(w.b, "&#34;"...)
		case '\'':
			w.b = append(w.b, "&#39;"...)
		default:
			w.b = append(w.b, c)
		}
	}
}

// d appends a plain decimal.
func (w *hw) d(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

// n appends a count the way haproxy's page prints counts: the digit that
// begins each group of three (from the right) is wrapped in a span whose
// letter spacing opens a visual gap, so that 1234567 reads "1 234 567"
// while copying as 1234567.
func (w *hw) n(v uint64) {
	var digits [20]byte
	i := len(digits)
	for {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	nd := len(digits) - i
	for k, c := range digits[i:] {
		if pos := nd - 1 - k; pos > 0 && pos%3 == 0 {
			w.b = append(w.b, `<span class="rls">`...)
			w.b = append(w.b, c)
			w.b = append(w.b, "</span>"...)
		} else {
			w.b = append(w.b, c)
		}
	}
}

// lim appends a limit, or alt when there is none (0).
func (w *hw) lim(v uint64, alt string) {
	if v == 0 {
		w.s(alt)
		return
	}
	w.d(int64(v))
}

// t appends a duration in seconds in haproxy's short form (AppendHumanTime).
func (w *hw) t(secs int64) { w.b = AppendHumanTime(w.b, secs) }

// AppendHumanTime appends a duration in seconds as haproxy's human_time
// prints it: the two largest non-zero units of d, h, m, s ("1d3h", "5m",
// "2m10s", "0s"); "?" when unknown (negative, as lastsess is when nothing
// was ever seen). The stats page and `show sess` both print ages so.
func AppendHumanTime(b []byte, secs int64) []byte {
	if secs < 0 {
		return append(b, '?')
	}
	if secs == 0 {
		return append(b, "0s"...)
	}
	vals := [4]int64{secs / 86400, secs % 86400 / 3600, secs % 3600 / 60, secs % 60}
	left := 2
	for i, v := range vals {
		if left > 0 && v > 0 {
			b = append(strconv.AppendInt(b, v, 10), "dhms"[i])
			left--
		}
	}
	return b
}

// pct is 100*part/whole, 0 when whole is 0.
func pct(part, whole uint64) int64 {
	if whole == 0 {
		return 0
	}
	return int64(100 * part / whole)
}
