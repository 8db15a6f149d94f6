package sample

import (
	"fmt"
	"strconv"
	"strings"
)

// foundSet matches any sample that exists.
type foundSet struct{}

func (foundSet) add(string, patFlags, int32) error { return nil }
func (foundSet) lookup(*Ctx, Value) (int32, bool)  { return noID, true }

// boolSet matches samples that are not zero; patterns are ignored.
type boolSet struct{}

func (boolSet) add(string, patFlags, int32) error    { return nil }
func (boolSet) lookup(_ *Ctx, v Value) (int32, bool) { return noID, v.Int != 0 }

// rangeSet matches integers, or string lengths, against ranges.
type rangeSet struct {
	length bool
	dotted bool // bounds are versions, "major.minor" (mVer)
	ranges []intRange
}

// intRange is "min:max", either bound possibly absent.
type intRange struct {
	min, max       int64
	hasMin, hasMax bool
	id             int32
}

func (s *rangeSet) add(p string, _ patFlags, id int32) error {
	num, what := parseStrictInt, "number"
	if s.dotted {
		num, what = parseDotted, "dotted number"
	}
	r, err := parseRange(p, num, what)
	r.id = id
	if err == nil {
		s.ranges = append(s.ranges, r)
	}
	return err
}

func (s *rangeSet) lookup(_ *Ctx, v Value) (int32, bool) {
	n := v.Int
	if s.length {
		n = int64(len(v.Str))
	}
	for _, r := range s.ranges {
		if (!r.hasMin || r.min <= n) && (!r.hasMax || n <= r.max) {
			return r.id, true
		}
	}
	return 0, false
}

// parseRange reads "n", "min:max", ":max" or "min:", where '-' may replace
// ':' as in haproxy; so "-5" means "up to 5", not minus five. num reads
// one bound; what names it in messages.
func parseRange(p string, num func(string) (int64, bool), what string) (intRange, error) {
	invalid := fmt.Errorf("'%s' is not a valid %s range", p, what)
	sep := strings.IndexAny(p, ":-")
	switch {
	case p == "":
		return intRange{}, invalid
	case sep < 0:
		n, ok := num(p)
		if !ok {
			return intRange{}, fmt.Errorf("'%s' is not a %s", p, what)
		}
		return intRange{min: n, max: n, hasMin: true, hasMax: true}, nil
	case sep == 0 && len(p) > 1:
		n, ok := num(p[1:])
		if !ok {
			return intRange{}, invalid
		}
		return intRange{max: n, hasMax: true}, nil
	case sep == len(p)-1:
		n, ok := num(p[:sep])
		if !ok {
			return intRange{}, invalid
		}
		return intRange{min: n, hasMin: true}, nil
	}
	lo, ok1 := num(p[:sep])
	hi, ok2 := num(p[sep+1:])
	if !ok1 || !ok2 || lo > hi {
		return intRange{}, invalid
	}
	return intRange{min: lo, max: hi, hasMin: true, hasMax: true}, nil
}

// parseDotted reads a version "major[.minor]", each part below 65536, as
// major<<16 | minor: haproxy's dotted numbers ("3.1" is TLS 1.0).
func parseDotted(s string) (int64, bool) {
	major, minor, dot := strings.Cut(s, ".")
	hi, ok := parseStrictInt(major)
	if !ok || hi >= 1<<16 {
		return 0, false
	}
	var lo int64
	if dot {
		if lo, ok = parseStrictInt(minor); !ok || lo >= 1<<16 {
			return 0, false
		}
	}
	return hi<<16 | lo&0xffff, true
}

// parseStrictInt reads an optional '-' and decimal digits, nothing else.
func parseStrictInt(s string) (int64, bool) {
	if strings.HasPrefix(s, "+") {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// rewriteOperator turns "op value" into the range haproxy builds from it:
// "gt 5" is "6:", "le 5" is ":5". Values already holding a range are kept,
// and so is every value under eq. Under ne haproxy checks the number but
// keeps it unchanged, so "ne 5" matches 5; we do the same.
func rewriteOperator(op, p string) (string, error) {
	if op == "eq" || strings.ContainsAny(p, ":-") {
		return p, nil
	}
	// Only the part before a dot counts, as haproxy reads version-like
	// numbers such as "1.1".
	num, _, _ := strings.Cut(p, ".")
	n, ok := parseStrictInt(num)
	if !ok {
		return "", fmt.Errorf("'%s' is neither a number nor a supported operator", p)
	}
	switch op {
	case "gt":
		return strconv.FormatInt(n+1, 10) + ":", nil
	case "ge":
		return strconv.FormatInt(n, 10) + ":", nil
	case "lt":
		return ":" + strconv.FormatInt(n-1, 10), nil
	case "le":
		return ":" + strconv.FormatInt(n, 10), nil
	}
	return p, nil
}

// rewriteVerOperator is rewriteOperator for versions: "gt 3.1" is
// "3.2:", "lt 3.0" is ":2.65535"; a missing minor is 0.
func rewriteVerOperator(op, p string) (string, error) {
	if op == "eq" || strings.ContainsAny(p, ":-") {
		return p, nil
	}
	major, minor, dot := strings.Cut(p, ".")
	var lo int64
	if dot {
		var ok bool
		if lo, ok = parseStrictInt(minor); !ok {
			return "", fmt.Errorf("'%s' is neither a number nor a supported operator", p)
		}
		if lo >= 1<<16 {
			return "", fmt.Errorf("'%s' contains too large a minor value", p)
		}
	}
	hi, ok := parseStrictInt(major)
	if !ok {
		return "", fmt.Errorf("'%s' is neither a number nor a supported operator", p)
	}
	if hi >= 1<<16 {
		return "", fmt.Errorf("'%s' contains too large a major value", p)
	}
	v := hi<<16 | lo&0xffff
	dotted := func(v int64) string { return strconv.FormatInt(v>>16, 10) + "." + strconv.FormatInt(v&0xffff, 10) }
	switch op {
	case "gt":
		return dotted(v+1) + ":", nil
	case "ge":
		return dotted(v) + ":", nil
	case "lt":
		return ":" + dotted(v-1), nil
	case "le":
		return ":" + dotted(v), nil
	}
	return p, nil
}

// isOperator reports whether w is one of haproxy's integer operators.
func isOperator(w string) bool {
	switch w {
	case "eq", "ne", "ge", "gt", "le", "lt":
		return true
	}
	return false
}
