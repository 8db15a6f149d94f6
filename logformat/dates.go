package logformat

import (
	"time"

	"switchyard/sample"
)

// dateFormat is one of haproxy's log date layouts.
type dateFormat uint8

const (
	logDate   dateFormat = iota // %t: local time with milliseconds
	gmtDate                     // %T: UTC, with a "+0000" zone
	localDate                   // %Tl: local time with its zone offset
)

// date renders the accept date, or with reqStart the date the request
// began (%tr and friends).
func date(f dateFormat, reqStart bool) renderFunc {
	return func(dst []byte, _ opt, _ *sample.Ctx, s *Stream) []byte {
		t := s.Accept
		if reqStart {
			t = s.requestStart()
		}
		switch f {
		case logDate:
			return t.Local().AppendFormat(dst, "02/Jan/2006:15:04:05.000")
		case gmtDate:
			return append(t.UTC().AppendFormat(dst, "02/Jan/2006:15:04:05"), " +0000"...)
		}
		return t.Local().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700")
	}
}

// renderMillis writes the accept date's milliseconds: three digits, or
// two hex digits with +X.
func renderMillis(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte {
	ms := int64(s.Accept.Nanosecond() / int(time.Millisecond))
	if o&optHex != 0 {
		return appendCounter(dst, ms, o, 2)
	}
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}
