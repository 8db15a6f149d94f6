package hashfn

import "testing"

// Reference values of XXH64 with seed 0 (xxHash's own test vectors and
// the output of the reference implementation).
func TestXXH64(t *testing.T) {
	for in, want := range map[string]uint64{
		"":    0xef46db3751d8e999,
		"a":   0xd24ec4f1a98c6e5b,
		"abc": 0x44bc2cf5ad770999,
		"Nobody inspects the spammish repetition": 0xfbcea83c8a378bf1,
	} {
		if got := XXH64([]byte(in)); got != want {
			t.Errorf("XXH64(%q) = %#x, want %#x", in, got, want)
		}
	}
}

// xxHash's published test values of XXH32 and XXH64 (seed 0; the
// seeded forms are the same code, and haproxy's hashes reg-test checks them).
func TestXXH32AndSeeded64(t *testing.T) {
	for _, c := range []struct {
		in   string
		seed uint64
		h32  uint32
		h64  uint64
	}{
		{"", 0, 0x02CC5D05, 0xEF46DB3751D8E999},
		{"abc", 0, 0x32D153FF, 0x44BC2CF5AD770999},
		{"Nobody inspects the spammish repetition", 0, 0xE2293B2F, 0xFBCEA83C8A378BF1},
	} {
		if got := XXH32([]byte(c.in), uint32(c.seed)); got != c.h32 {
			t.Errorf("xxh32(%q) = %#x, want %#x", c.in, got, c.h32)
		}
		if got := XXH64Seed([]byte(c.in), c.seed); got != c.h64 {
			t.Errorf("xxh64(%q) = %#x, want %#x", c.in, got, c.h64)
		}
	}
}
