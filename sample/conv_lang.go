package sample

// langConvs: language, which picks among the configured languages the one
// an Accept-Language value prefers.
var langConvs = []convDef{
	{name: "language", args: args(1, ArgStr, ArgStr), in: TypeStr, out: TypeStr, fn: convLanguage},
}

// isCSpace is C's isspace in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// convLanguage reads the input as an Accept-Language list and returns
// the first of the ';'-separated languages of its argument that the
// list's best-weighted entry matches (a range matches a language equal to
// it, or to a prefix of it that a '-' follows: "en-US" matches "en").
// Entries weighted 0 never win; a q-value is haproxy's: up to one digit,
// a dot and three digits, 1 when unreadable, at most 1. Without a match
// the default, if given, is returned, else there is no sample. Parsing is
// haproxy's best effort: an entry not followed by ',' or ';' is skipped,
// a parameter other than q counts as q=1.
func convLanguage(_ *Ctx, a []arg, v Value) (Value, bool) {
	al := v.Str
	list := a[0].s
	var best string
	bestQ := 0
	found := false
	i := 0
	for {
		for i < len(al) && isCSpace(al[i]) {
			i++
		}
		if i >= len(al) {
			break
		}
		start := i
		for i < len(al) && al[i] != ';' && al[i] != ',' && !isCSpace(al[i]) {
			i++
		}
		if i > start {
			if w, ok := langPick(al[start:i], list); ok {
				if q, ok := langQ(al, &i); ok && q > bestQ {
					best, found = w, true
					if q >= 1000 {
						break
					}
					bestQ = q
				}
			}
		}
		for i < len(al) && al[i] != ',' {
			i++
		}
		if i >= len(al) {
			break
		}
		i++
	}
	if (!found || best == "") && a[1].set {
		best = a[1].s
	}
	if best == "" {
		return Value{}, false
	}
	return Str([]byte(best)), true
}

// langPick returns the first language of list (';'-separated) that the
// range matches.
func langPick(rng []byte, list string) (string, bool) {
	for {
		j := 0
		for j < len(list) && list[j] != ';' {
			j++
		}
		if langRangeMatch(rng, list[:j]) {
			return list[:j], true
		}
		if j >= len(list) {
			return "", false
		}
		list = list[j+1:]
	}
}

// langRangeMatch is RFC 2616's rule: the range equals the tag, or the tag
// is a prefix of the range that a '-' follows in the range.
func langRangeMatch(rng []byte, tag string) bool {
	k := 0
	for ; k < len(rng); k++ {
		if rng[k] == '-' && k == len(tag) {
			return true
		}
		if k == len(tag) || rng[k] != tag[k] {
			return false
		}
	}
	return k == len(tag)
}

// langQ reads what follows an entry's range, from *i: its weight times
// 1000, and false when the entry is to be skipped (neither ',' nor ';'
// follows the range).
func langQ(al []byte, i *int) (int, bool) {
	p := *i
	defer func() { *i = p }()
	skip := func() bool {
		for p < len(al) && isCSpace(al[p]) {
			p++
		}
		return p >= len(al)
	}
	if skip() || al[p] == ',' {
		return 1000, true
	}
	if al[p] != ';' {
		return 0, false
	}
	p++
	if skip() || al[p] != 'q' {
		return 1000, true
	}
	p++
	if skip() || al[p] != '=' {
		return 1000, true
	}
	p++
	if skip() {
		return 1000, true
	}
	return parseQValue(al, &p), true
}

// parseQValue is haproxy's q-value reading: a digit, a dot, up to three
// digits, stopping at the first other byte; 1000 when it starts with no
// digit; at most 1000.
func parseQValue(b []byte, p *int) int {
	digit := func() (int, bool) {
		if *p < len(b) && b[*p] >= '0' && b[*p] <= '9' {
			d := int(b[*p] - '0')
			*p++
			return d, true
		}
		return 0, false
	}
	d, ok := digit()
	if !ok {
		return 1000
	}
	q := d * 1000
	if *p < len(b) && b[*p] == '.' {
		*p++
		for _, m := range []int{100, 10, 1} {
			d, ok := digit()
			if !ok {
				break
			}
			q += d * m
		}
	}
	return min(q, 1000)
}
