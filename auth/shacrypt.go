package auth

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
	"strings"
)

// SHA-crypt ($5$ SHA-256, $6$ SHA-512) as published by Ulrich Drepper
// ("Unix crypt using SHA-256 and SHA-512", the algorithm glibc's crypt(3)
// implements). Written here rather than pulled from a module: it is a page
// of code, stable for fifteen years, and the modules that carry it bring
// much more with them.

const (
	shaRoundsDefault = 5000
	shaRoundsMin     = 1000
	shaRoundsMax     = 999999999
	shaSaltMax       = 16
	cryptAlphabet    = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

var (
	order256 = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5},
		{6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}}
	order512 = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26},
		{6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54},
		{34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
		{62, 20, 41}}
)

// shaCrypt computes the crypt(3) string of password for a setting that
// starts with "$5$" or "$6$" ("$6$rounds=N$salt$..." too; what follows
// the salt is ignored). ok is false for a malformed setting.
func shaCrypt(password, setting string) (string, bool) {
	var newHash func() hash.Hash
	var order [][3]int
	switch {
	case strings.HasPrefix(setting, "$5$"):
		newHash, order = sha256.New, order256
	case strings.HasPrefix(setting, "$6$"):
		newHash, order = sha512.New, order512
	default:
		return "", false
	}
	prefix := setting[:3]
	rest := setting[3:]
	rounds, custom := shaRoundsDefault, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		end := strings.IndexByte(r, '$')
		if end < 0 {
			return "", false
		}
		n, err := strconv.ParseUint(r[:end], 10, 64)
		if err != nil {
			return "", false
		}
		rounds, custom = int(min(max(n, shaRoundsMin), shaRoundsMax)), true
		rest = r[end+1:]
	}
	salt := rest
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > shaSaltMax {
		salt = salt[:shaSaltMax]
	}
	p, s := []byte(password), []byte(salt)

	h := newHash()
	h.Write(p)
	h.Write(s)
	h.Write(p)
	b := h.Sum(nil)
	size := len(b)

	h.Reset()
	h.Write(p)
	h.Write(s)
	for n := len(p); n > 0; n -= size {
		h.Write(b[:min(n, size)])
	}
	for n := len(p); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(p)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for range len(p) {
		h.Write(p)
	}
	dp := h.Sum(nil)
	pseq := repeatTo(dp, len(p))

	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(s)
	}
	ds := h.Sum(nil)
	sseq := repeatTo(ds, len(s))

	c := a
	for i := range rounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(pseq)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sseq)
		}
		if i%7 != 0 {
			h.Write(pseq)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(pseq)
		}
		c = h.Sum(c[:0])
	}

	var out strings.Builder
	out.WriteString(prefix)
	if custom {
		out.WriteString("rounds=" + strconv.Itoa(rounds) + "$")
	}
	out.WriteString(salt)
	out.WriteByte('$')
	for _, o := range order {
		b64(&out, c[o[0]], c[o[1]], c[o[2]], 4)
	}
	if size == 32 {
		b64(&out, 0, c[31], c[30], 3)
	} else {
		b64(&out, 0, 0, c[63], 2)
	}
	return out.String(), true
}

func repeatTo(d []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, d[:min(len(d), n-len(out))]...)
	}
	return out
}

func b64(out *strings.Builder, b2, b1, b0 byte, n int) {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for range n {
		out.WriteByte(cryptAlphabet[w&0x3f])
		w >>= 6
	}
}
