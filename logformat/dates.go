package logformat

import (
	"sync/atomic"
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
		dst = append(dst, dateSecond(f, t)...)
		if f == logDate {
			ms := t.Nanosecond() / int(time.Millisecond)
			dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
		}
		return dst
	}
}

// dateSecond is the part of a date down to the second (and the zone for
// gmtDate and localDate), made once a second per layout: formatting a
// date is most of the cost of a log line otherwise.
func dateSecond(f dateFormat, t time.Time) string {
	sec := t.Unix()
	c := &dateCache[f]
	if e := c.Load(); e != nil && e.sec == sec {
		return e.text
	}
	var text string
	switch f {
	case logDate:
		text = t.Local().Format("02/Jan/2006:15:04:05")
	case gmtDate:
		text = t.UTC().Format("02/Jan/2006:15:04:05") + " +0000"
	default:
		text = t.Local().Format("02/Jan/2006:15:04:05 -0700")
	}
	c.Store(&dateEntry{sec: sec, text: text})
	return text
}

type dateEntry struct {
	sec  int64
	text string
}

var dateCache [3]atomic.Pointer[dateEntry]

// renderMillis writes the accept date's milliseconds: three digits, or
// two hex digits with +X.
func renderMillis(dst []byte, o opt, _ *sample.Ctx, s *Stream) []byte {
	ms := int64(s.Accept.Nanosecond() / int(time.Millisecond))
	if o&optHex != 0 {
		return appendCounter(dst, ms, o, 2)
	}
	return append(dst, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}
