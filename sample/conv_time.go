package sample

import (
	"fmt"
	"strconv"
	"time"
)

// timeConvs turn a time since the epoch into text: http_date's HTTP date,
// and ltime and utime, which format it as C's strftime does (in the C
// locale, glibc's conversions).
var timeConvs = []convDef{
	{name: "http_date", args: args(0, ArgInt, ArgStr), validate: validateDateUnit, in: TypeInt, out: TypeStr, fn: convHTTPDate},
	{name: "ltime", args: args(1, ArgStr, ArgInt), in: TypeInt, out: TypeStr, compile: compileStrftime(true)},
	{name: "utime", args: args(1, ArgStr, ArgInt), in: TypeInt, out: TypeStr, compile: compileStrftime(false)},
}

// dateMask keeps the 55 low bits of a date, as haproxy does before
// breaking it down, so that no input gives a negative date.
const dateMask = 0x007fffffffffffff

var (
	dayAbbr  = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	dayName  = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monAbbr  = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	monNames = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// convHTTPDate writes the date (plus the offset, both in the unit given,
// seconds by default) as an IMF-fixdate. With the unit ms or us, the
// fraction of second follows the seconds after a dot, as a plain number
// (5 ms is ".5", not ".005": haproxy prints it so).
func convHTTPDate(_ *Ctx, a []arg, v Value) (Value, bool) {
	n := v.Int + a[0].i
	frac := int64(0)
	if a[1].i != 1 {
		frac = n % a[1].i
		n /= a[1].i
	}
	t := time.Unix(n&dateMask, 0).UTC()
	b := make([]byte, 0, 40)
	b = append(b, dayAbbr[t.Weekday()]...)
	b = append(b, ", "...)
	b = appendPad(b, int64(t.Day()), 2, '0')
	b = append(b, ' ')
	b = append(b, monAbbr[t.Month()-1]...)
	b = append(b, ' ')
	b = appendPad(b, int64(t.Year()), 4, '0')
	b = append(b, ' ')
	b = appendPad(b, int64(t.Hour()), 2, '0')
	b = append(b, ':')
	b = appendPad(b, int64(t.Minute()), 2, '0')
	b = append(b, ':')
	b = appendPad(b, int64(t.Second()), 2, '0')
	if a[1].i != 1 {
		b = append(b, '.')
		b = strconv.AppendInt(b, frac, 10)
	}
	b = append(b, " GMT"...)
	return Str(b), true
}

// appendPad appends n in decimal, padded on the left with pad to width
// (a negative number's sign counts in the width, as printf's).
func appendPad(b []byte, n int64, width int, pad byte) []byte {
	s := strconv.FormatInt(n, 10)
	if n < 0 && pad == '0' {
		b = append(b, '-')
		s = s[1:]
		width--
	}
	for i := len(s); i < width; i++ {
		b = append(b, pad)
	}
	return append(b, s...)
}

// compileStrftime checks ltime's or utime's format once, at load. The
// conversions are glibc's in the C locale, with its flags '-' (no
// padding), '_' (spaces), '0' (zeros) and '^' (upper case); its flags '#'
// and '+', its field widths (%10Y) and a padding flag on %z are not
// implemented and refused, as a keyword not supported yet. A conversion
// glibc does not know (%Q) is copied as it is, as glibc does; the E and O
// modifiers change nothing in the C locale.
func compileStrftime(local bool) func(env *Env, a []arg) (convFunc, error) {
	return func(_ *Env, a []arg) (convFunc, error) {
		f := a[0].s
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				continue
			}
			start := i
			padded := false
			for i+1 < len(f) && byteIn(f[i+1], "-_0^#+") {
				i++
				switch f[i] {
				case '#', '+':
					return nil, fmt.Errorf("format '%s': strftime's flag '%c' is not supported yet", f, f[i])
				case '-', '_', '0':
					padded = true
				}
			}
			if i+1 < len(f) && isDigitByte(f[i+1]) {
				return nil, fmt.Errorf("format '%s': strftime's field widths ('%s') are not supported yet", f, f[start:i+2])
			}
			if i+1 < len(f) && (f[i+1] == 'E' || f[i+1] == 'O') {
				i++
			}
			if i+1 < len(f) {
				i++
				if padded && f[i] == 'z' {
					return nil, fmt.Errorf("format '%s': a padding flag on strftime's %%z is not supported yet", f)
				}
			}
		}
		return func(_ *Ctx, a []arg, v Value) (Value, bool) {
			sec := v.Int&dateMask + a[1].i
			t := time.Unix(sec, 0)
			if local {
				t = t.Local()
			} else {
				t = t.UTC()
			}
			out := strftime(nil, f, t, local)
			if len(out) >= payloadMax {
				// strftime finds no room in haproxy's buffer and returns 0
				out = out[:0]
			}
			return Str(out), true
		}, nil
	}
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// strftime formats t as glibc's strftime in the C locale. local says t is
// local time (ltime): %Z is then its zone's abbreviation, GMT otherwise,
// as gmtime fills it.
func strftime(b []byte, f string, t time.Time, local bool) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 >= len(f) {
			b = append(b, c)
			continue
		}
		start := i
		pad, upper := byte(0), false
		for i+1 < len(f) && byteIn(f[i+1], "-_0^") {
			i++
			if f[i] == '^' {
				upper = true
			} else {
				pad = f[i]
			}
		}
		if i+1 >= len(f) {
			b = append(b, f[start:]...)
			break
		}
		i++
		c = f[i]
		mod := byte(0)
		if (c == 'E' || c == 'O') && i+1 < len(f) {
			mod = c
			i++
			c = f[i]
		}
		mark := len(b)
		if mod == 'E' && !byteIn(c, "%CPRTXYZcnprstuxyz") || mod == 'O' && !byteIn(c, "%BCGHIMPRSTUVWZbdeghjklmnprstuwyz") {
			// only some conversions take a modifier; glibc copies the
			// others as they are (in upper case with '^')
			b = append(b, f[start:i+1]...)
		} else if nb, ok := strftimeConv(b, c, pad, t, local); ok {
			b = nb
			if c == 'P' {
				upper = false // glibc keeps %P in lower case
			}
		} else {
			b = append(b, f[start:i+1]...)
		}
		if upper {
			for j := mark; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
		}
	}
	return b
}

func byteIn(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if set[i] == c {
			return true
		}
	}
	return false
}

// strftimeConv appends one conversion; false for one glibc does not know.
// pad is the padding flag ('-', '_', '0'; 0 for none) of the numbers;
// composite conversions (%c, %D…) ignore it, as glibc.
func strftimeConv(b []byte, c, pad byte, t time.Time, local bool) ([]byte, bool) {
	num := func(b []byte, n int64, width int, def byte) []byte {
		switch pad {
		case '-':
			width = 0
		case '_':
			def = ' '
		case '0':
			def = '0'
		}
		return appendPad(b, n, width, def)
	}
	year := int64(t.Year())
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	yday := t.YearDay() - 1
	wday := int(t.Weekday())
	switch c {
	case 'a':
		b = append(b, dayAbbr[wday]...)
	case 'A':
		b = append(b, dayName[wday]...)
	case 'b', 'h':
		b = append(b, monAbbr[t.Month()-1]...)
	case 'B':
		b = append(b, monNames[t.Month()-1]...)
	case 'c':
		b = strftime(b, "%a %b %e %H:%M:%S %Y", t, local)
	case 'C':
		cent := year / 100
		if year < 0 && year%100 != 0 {
			cent--
		}
		b = strconv.AppendInt(b, cent, 10)
	case 'd':
		b = num(b, int64(t.Day()), 2, '0')
	case 'D', 'x':
		b = strftime(b, "%m/%d/%y", t, local)
	case 'e':
		b = num(b, int64(t.Day()), 2, ' ')
	case 'F':
		b = strftime(b, "%Y-%m-%d", t, local)
	case 'g':
		y, _ := t.ISOWeek()
		b = num(b, ((int64(y)%100)+100)%100, 2, '0')
	case 'G':
		y, _ := t.ISOWeek()
		b = strconv.AppendInt(b, int64(y), 10)
	case 'H':
		b = num(b, int64(t.Hour()), 2, '0')
	case 'I':
		b = num(b, int64(hour12), 2, '0')
	case 'j':
		b = num(b, int64(yday+1), 3, '0')
	case 'k':
		b = num(b, int64(t.Hour()), 2, ' ')
	case 'l':
		b = num(b, int64(hour12), 2, ' ')
	case 'm':
		b = num(b, int64(t.Month()), 2, '0')
	case 'M':
		b = num(b, int64(t.Minute()), 2, '0')
	case 'n':
		b = append(b, '\n')
	case 'p':
		if t.Hour() < 12 {
			b = append(b, "AM"...)
		} else {
			b = append(b, "PM"...)
		}
	case 'P':
		if t.Hour() < 12 {
			b = append(b, "am"...)
		} else {
			b = append(b, "pm"...)
		}
	case 'r':
		b = strftime(b, "%I:%M:%S %p", t, local)
	case 'R':
		b = strftime(b, "%H:%M", t, local)
	case 's':
		// glibc's %s is mktime of the broken-down time: localtime's
		// gives the date back (ltime), but gmtime's fields (utime) are
		// read as local standard time (gmtime says "not DST")
		if local {
			b = strconv.AppendInt(b, t.Unix(), 10)
		} else {
			u := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC).Unix()
			b = strconv.AppendInt(b, u-int64(standardOffset(u)), 10)
		}
	case 'S':
		b = num(b, int64(t.Second()), 2, '0')
	case 't':
		b = append(b, '\t')
	case 'T', 'X':
		b = strftime(b, "%H:%M:%S", t, local)
	case 'u':
		b = strconv.AppendInt(b, int64((wday+6)%7+1), 10)
	case 'U':
		b = num(b, int64((yday+7-wday)/7), 2, '0')
	case 'V':
		_, w := t.ISOWeek()
		b = num(b, int64(w), 2, '0')
	case 'w':
		b = strconv.AppendInt(b, int64(wday), 10)
	case 'W':
		b = num(b, int64((yday+7-(wday+6)%7)/7), 2, '0')
	case 'y':
		b = num(b, ((year%100)+100)%100, 2, '0')
	case 'Y':
		b = strconv.AppendInt(b, year, 10)
	case 'z':
		_, off := t.Zone()
		if !local {
			off = 0
		}
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = appendPad(b, int64(off/3600), 2, '0')
		b = appendPad(b, int64(off/60%60), 2, '0')
	case 'Z':
		if local {
			name, _ := t.Zone()
			b = append(b, name...)
		} else {
			b = append(b, "GMT"...)
		}
	case '%':
		b = append(b, '%')
	default:
		return b, false
	}
	return b, true
}

// standardOffset is the local zone's offset from UTC outside daylight
// saving time around the date u: the offset then if it is not DST, else
// that of the nearest month that is not.
func standardOffset(u int64) int {
	t := time.Unix(u, 0).In(time.Local)
	_, off := t.Zone()
	if !t.IsDST() {
		return off
	}
	for m := int64(1); m <= 12; m++ {
		for _, d := range []int64{-m, m} {
			if t2 := time.Unix(u+d*30*86400, 0).In(time.Local); !t2.IsDST() {
				_, o := t2.Zone()
				return o
			}
		}
	}
	return off
}
