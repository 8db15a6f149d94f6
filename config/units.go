package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a haproxy time: an unsigned integer with an optional
// unit (us, ms, s, m, h, d); no unit means milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("invalid time value '%s' (expected an unsigned integer with an optional unit: us, ms, s, m, h, d)", s)
	}
	n, err := strconv.ParseUint(s[:i], 10, 63)
	if err != nil {
		return 0, fmt.Errorf("time value '%s' is too large", s)
	}
	unit := time.Millisecond
	switch s[i:] {
	case "", "ms":
	case "us":
		unit = time.Microsecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("unexpected character '%c' in time value '%s' (units are us, ms, s, m, h, d)", s[i], s)
	}
	// haproxy keeps timers in milliseconds on 32 bits: 2^31-1 ms is the ceiling.
	if n > uint64(math.MaxInt32)*uint64(time.Millisecond)/uint64(unit) {
		return 0, fmt.Errorf("time value '%s' overflows (maximum is 2147483647ms, about 24.8 days)", s)
	}
	return time.Duration(n) * unit, nil
}

// ParseSize reads a size with an optional k, m or g suffix (powers of 1024).
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	num := s
	if len(s) > 0 {
		switch strings.ToLower(s[len(s)-1:]) {
		case "k":
			mult, num = 1<<10, s[:len(s)-1]
		case "m":
			mult, num = 1<<20, s[:len(s)-1]
		case "g":
			mult, num = 1<<30, s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size value '%s' (expected an unsigned integer with an optional k, m or g suffix)", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size value '%s' is too large", s)
	}
	return n * mult, nil
}

// parseInt reads a decimal integer within [lo, hi], naming what it is for.
func parseInt(what, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s expects an integer, got '%s'", what, s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%s must be between %d and %d, got %d", what, lo, hi, n)
	}
	return n, nil
}

// wantArgs checks the argument count of a keyword.
func wantArgs(args []string, n int, usage string) error {
	if len(args) != n {
		return fmt.Errorf("expects %s", usage)
	}
	return nil
}
