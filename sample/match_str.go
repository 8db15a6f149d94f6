package sample

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
)

// strSet is exact string matching. Sets loaded from files can be large, so
// lookups go through maps; -i patterns are stored lower-cased and the
// sample is lower-cased into a buffer of its own. As in haproxy, the
// case-sensitive patterns (its tree) are tried before the others, and of
// two equal patterns the first one wins.
type strSet struct {
	exact  map[string]int32
	folded map[string]int32
}

func newStrSet() *strSet {
	return &strSet{exact: map[string]int32{}, folded: map[string]int32{}}
}

func (s *strSet) add(p string, f patFlags, id int32) error {
	m := s.exact
	if f.icase {
		m, p = s.folded, string(appendLower(nil, []byte(p)))
	}
	if _, dup := m[p]; !dup {
		m[p] = id
	}
	return nil
}

func (s *strSet) lookup(c *Ctx, v Value) (int32, bool) {
	if id, ok := s.exact[string(v.Str)]; ok {
		return id, true
	}
	if len(s.folded) == 0 {
		return 0, false
	}
	return lookupFolded(c, s.folded, v.Str)
}

// lookupFolded looks b up lower-cased in m, without allocating.
func lookupFolded(c *Ctx, m map[string]int32, b []byte) (int32, bool) {
	var small [128]byte
	if len(b) <= len(small) {
		id, ok := m[string(appendLower(small[:0], b))]
		return id, ok
	}
	mark := len(c.Scratch)
	c.Scratch = appendLower(c.Scratch, b)
	id, ok := m[string(c.Scratch[mark:])]
	c.Scratch = c.Scratch[:mark]
	return id, ok
}

func appendLower(dst, src []byte) []byte {
	for _, b := range src {
		dst = append(dst, lower(b))
	}
	return dst
}

// strPat is a string pattern with its own case flag: -i only applies to
// the patterns that follow it.
type strPat struct {
	s     []byte
	icase bool
	id    int32
}

func (p strPat) equal(b []byte) bool {
	if p.icase {
		return len(b) == len(p.s) && bytesEqualFold(b, p.s)
	}
	return bytes.Equal(b, p.s)
}

func bytesEqualFold(a, b []byte) bool {
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// affixSet is prefix, suffix, substring, and delimited-word matching.
// haproxy walks such patterns as a list, first match in file order; so do
// we, except where an index gives the same answer faster for large files:
// case-sensitive prefixes are looked up by length, longest first (haproxy's
// prefix tree), and delimited words by hashing each run of whole words of
// the sample, keeping the match that comes first in the file.
type affixSet struct {
	method matchMethod
	pats   []strPat // in file order; for beg, dir and dom only those the index cannot take
	// byLen indexes case-sensitive beg patterns by length (lens, longest
	// first), and case-sensitive dir/dom patterns by their exact text.
	byLen map[int]map[string]int32
	lens  []int
	words map[string]int32
}

func (s *affixSet) add(p string, f patFlags, id int32) error {
	b := []byte(p)
	if s.method == mDir || s.method == mDom {
		// Delimiters around a word pattern are ignored: "/img/" is "img".
		b = bytes.TrimFunc(b, func(r rune) bool { return r < 0x80 && s.isDelim(byte(r)) })
	}
	switch {
	case f.icase || len(b) == 0:
	case s.method == mBeg:
		if s.byLen == nil {
			s.byLen = map[int]map[string]int32{}
		}
		m := s.byLen[len(b)]
		if m == nil {
			m = map[string]int32{}
			s.byLen[len(b)] = m
			i, _ := slices.BinarySearchFunc(s.lens, len(b), func(a, t int) int { return t - a })
			s.lens = slices.Insert(s.lens, i, len(b))
		}
		if _, dup := m[string(b)]; !dup {
			m[string(b)] = id
		}
		return nil
	case s.method == mDir || s.method == mDom:
		if s.words == nil {
			s.words = map[string]int32{}
		}
		if _, dup := s.words[string(b)]; !dup {
			s.words[string(b)] = id
		}
		return nil
	}
	s.pats = append(s.pats, strPat{s: b, icase: f.icase, id: id})
	return nil
}

func (s *affixSet) lookup(_ *Ctx, v Value) (int32, bool) {
	switch {
	case s.byLen != nil:
		for _, n := range s.lens {
			if n <= len(v.Str) {
				if id, ok := s.byLen[n][string(v.Str[:n])]; ok {
					return id, true
				}
			}
		}
	case s.words != nil:
		if id, ok := s.lookupWords(v.Str); ok {
			// A listed pattern that comes earlier in the file wins.
			for _, p := range s.pats {
				if p.id >= id {
					break
				}
				if s.matchOne(p, v.Str) {
					return p.id, true
				}
			}
			return id, true
		}
	}
	for _, p := range s.pats {
		if s.matchOne(p, v.Str) {
			return p.id, true
		}
	}
	return 0, false
}

// lookupWords finds the indexed word pattern that matches b and comes
// first in the file: each run of whole words of b is a candidate.
func (s *affixSet) lookupWords(b []byte) (int32, bool) {
	best, found := int32(0), false
	for i := 0; i < len(b); i++ {
		if s.isDelim(b[i]) || (i > 0 && !s.isDelim(b[i-1])) {
			continue // a run starts after a delimiter
		}
		for j := i + 1; j <= len(b); j++ {
			if j < len(b) && !s.isDelim(b[j]) {
				continue // and ends before one
			}
			if id, ok := s.words[string(b[i:j])]; ok && (!found || id < best) {
				best, found = id, true
			}
		}
	}
	return best, found
}

func (s *affixSet) matchOne(p strPat, b []byte) bool {
	if len(p.s) > len(b) {
		return false
	}
	switch s.method {
	case mBeg:
		return p.equal(b[:len(p.s)])
	case mEnd:
		return p.equal(b[len(b)-len(p.s):])
	case mSub:
		for i := 0; i+len(p.s) <= len(b); i++ {
			if p.equal(b[i : i+len(p.s)]) {
				return true
			}
		}
		return false
	}
	return s.matchWord(p, b)
}

// matchWord finds p in b as a whole word: preceded by a delimiter or the
// start, and followed by a delimiter or the end.
func (s *affixSet) matchWord(p strPat, b []byte) bool {
	last := len(b) - len(p.s)
	mayMatch := true
	for i := 0; i <= last; i++ {
		if i < len(b) && s.isDelim(b[i]) {
			mayMatch = true
			continue
		}
		if !mayMatch {
			continue
		}
		if p.equal(b[i:i+len(p.s)]) && (i == last || s.isDelim(b[i+len(p.s)])) {
			return true
		}
		mayMatch = false
	}
	return false
}

func (s *affixSet) isDelim(c byte) bool {
	if s.method == mDom {
		return c == '/' || c == '?' || c == '.' || c == ':'
	}
	return c == '/' || c == '?'
}

// binSet matches binary samples against hex-encoded patterns, exactly.
type binSet struct {
	pats [][]byte
	ids  []int32
}

func (s *binSet) add(p string, _ patFlags, id int32) error {
	if len(p)%2 != 0 {
		return fmt.Errorf("an even number of hex digit is expected")
	}
	b, err := hex.DecodeString(p)
	if bad, ok := err.(hex.InvalidByteError); ok {
		return fmt.Errorf("an hex digit is expected (found '%c')", byte(bad))
	}
	s.pats, s.ids = append(s.pats, b), append(s.ids, id)
	return nil
}

func (s *binSet) lookup(_ *Ctx, v Value) (int32, bool) {
	for i, p := range s.pats {
		if bytes.Equal(p, v.Str) {
			return s.ids[i], true
		}
	}
	return 0, false
}

// methSet is the "method" ACL keyword's matcher. haproxy compares the
// well-known methods by identity, so "GET" matches only "GET" even with -i;
// -i only folds case between two methods it does not know.
type methSet struct{ pats []methPat }

type methPat struct {
	s     string
	known bool
	icase bool
	id    int32
}

var knownMethods = [...]string{"GET", "HEAD", "POST", "CONNECT", "PUT", "OPTIONS", "DELETE", "TRACE"}

func isKnownMethod(m string) bool {
	for _, k := range knownMethods {
		if m == k {
			return true
		}
	}
	return false
}

func (s *methSet) add(p string, f patFlags, id int32) error {
	s.pats = append(s.pats, methPat{s: p, known: isKnownMethod(p), icase: f.icase, id: id})
	return nil
}

func (s *methSet) lookup(_ *Ctx, v Value) (int32, bool) {
	known := isKnownMethod(string(v.Str))
	for _, p := range s.pats {
		switch {
		case p.known || known:
			if string(v.Str) == p.s {
				return p.id, true
			}
		case p.icase:
			if equalFold(v.Str, p.s) {
				return p.id, true
			}
		case string(v.Str) == p.s:
			return p.id, true
		}
	}
	return 0, false
}
