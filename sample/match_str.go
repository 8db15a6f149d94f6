package sample

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// strSet is exact string matching. Sets loaded from files can be large, so
// lookups go through maps; -i patterns are stored lower-cased and the
// sample is lower-cased into a buffer of its own.
type strSet struct {
	exact  map[string]struct{}
	folded map[string]struct{}
}

func newStrSet() *strSet {
	return &strSet{exact: map[string]struct{}{}, folded: map[string]struct{}{}}
}

func (s *strSet) add(p string, f patFlags) error {
	if f.icase {
		s.folded[string(appendLower(nil, []byte(p)))] = struct{}{}
	} else {
		s.exact[p] = struct{}{}
	}
	return nil
}

func (s *strSet) match(c *Ctx, v Value) bool {
	if _, ok := s.exact[string(v.Str)]; ok {
		return true
	}
	if len(s.folded) == 0 {
		return false
	}
	var small [128]byte
	if len(v.Str) <= len(small) {
		_, ok := s.folded[string(appendLower(small[:0], v.Str))]
		return ok
	}
	mark := len(c.Scratch)
	c.Scratch = appendLower(c.Scratch, v.Str)
	_, ok := s.folded[string(c.Scratch[mark:])]
	c.Scratch = c.Scratch[:mark]
	return ok
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
type affixSet struct {
	method matchMethod
	pats   []strPat
}

func (s *affixSet) add(p string, f patFlags) error {
	b := []byte(p)
	if s.method == mDir || s.method == mDom {
		// Delimiters around a word pattern are ignored: "/img/" is "img".
		b = bytes.TrimFunc(b, func(r rune) bool { return r < 0x80 && s.isDelim(byte(r)) })
	}
	s.pats = append(s.pats, strPat{s: b, icase: f.icase})
	return nil
}

func (s *affixSet) match(_ *Ctx, v Value) bool {
	for _, p := range s.pats {
		if s.matchOne(p, v.Str) {
			return true
		}
	}
	return false
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
type binSet struct{ pats [][]byte }

func (s *binSet) add(p string, _ patFlags) error {
	if len(p)%2 != 0 {
		return fmt.Errorf("an even number of hex digit is expected")
	}
	b, err := hex.DecodeString(p)
	if bad, ok := err.(hex.InvalidByteError); ok {
		return fmt.Errorf("an hex digit is expected (found '%c')", byte(bad))
	}
	s.pats = append(s.pats, b)
	return nil
}

func (s *binSet) match(_ *Ctx, v Value) bool {
	for _, p := range s.pats {
		if bytes.Equal(p, v.Str) {
			return true
		}
	}
	return false
}

// methSet is the "method" ACL keyword's matcher. haproxy compares the
// well-known methods by identity, so "GET" matches only "GET" even with -i;
// -i only folds case between two methods it does not know.
type methSet struct{ pats []methPat }

type methPat struct {
	s     string
	known bool
	icase bool
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

func (s *methSet) add(p string, f patFlags) error {
	s.pats = append(s.pats, methPat{s: p, known: isKnownMethod(p), icase: f.icase})
	return nil
}

func (s *methSet) match(_ *Ctx, v Value) bool {
	known := isKnownMethod(string(v.Str))
	for _, p := range s.pats {
		switch {
		case p.known || known:
			if string(v.Str) == p.s {
				return true
			}
		case p.icase:
			if equalFold(v.Str, p.s) {
				return true
			}
		case string(v.Str) == p.s:
			return true
		}
	}
	return false
}
