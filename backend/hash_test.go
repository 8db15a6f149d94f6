package backend

import (
	"hash/crc32"
	"testing"

	"switchyard/internal/hashfn"
)

// Golden values: the empty-key values follow from each function's seed;
// the others were produced by these functions after the differential test
// against haproxy (TestHashingMatchesHAProxy) passed, and guard against
// regressions that test would only show as a wrong server.
func TestHashFunctions(t *testing.T) {
	tests := []struct {
		fn   HashFunc
		key  string
		want uint32
	}{
		{SDBM, "", 0},
		{SDBM, "a", 97},
		{SDBM, "ab", 97*65599 + 98},
		{DJB2, "", 5381},
		{DJB2, "a", 5381*33 + 97},
		{WT6, "", 0xa53c965a ^ 0x5ca6953a},
		{WT6, "/index.html", 0x3101077e},
		{WT6, "www.example.com", 0x248109f7},
		{CRC32, "", 0},
	}
	for _, tc := range tests {
		a := Algorithm{HashFunc: tc.fn}
		if got := a.hashKey([]byte(tc.key)); got != tc.want {
			t.Errorf("%v(%q) = %#x, want %#x", tc.fn, tc.key, got, tc.want)
		}
	}
}

func TestCRC32IsIEEE(t *testing.T) {
	for _, k := range []string{"", "a", "/index.html", "123456789", string(make([]byte, 300))} {
		if got, want := hashfn.CRC32([]byte(k)), crc32.ChecksumIEEE([]byte(k)); got != want {
			t.Errorf("crc32(%q) = %#x, want %#x", k, got, want)
		}
	}
}

func TestAvalanche(t *testing.T) {
	a := Algorithm{HashFunc: DJB2, Avalanche: true}
	if got, want := a.hashKey([]byte("a")), hashfn.FullHash(5381*33+97); got != want {
		t.Errorf("djb2+avalanche = %#x, want full_hash(djb2) = %#x", got, want)
	}
	// full_hash must be a bijection for ring points never to collide:
	// check it on a window of consecutive seeds like a server's points.
	seen := make(map[uint32]bool)
	for i := uint32(0); i < 1<<16; i++ {
		h := hashfn.FullHash(i)
		if seen[h] {
			t.Fatalf("full_hash collision at %d", i)
		}
		seen[h] = true
	}
}
