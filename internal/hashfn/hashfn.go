// Package hashfn holds haproxy's hash functions (src/hash.c) and its
// full_hash avalanche. They must give exactly haproxy's 32-bit values: the
// balancers pick servers with them (hash-type) and the converters (sdbm,
// djb2, wt6, crc32) expose them.
package hashfn

// SDBM is haproxy's sdbm hash.
func SDBM(key []byte) uint32 {
	var h uint32
	for _, c := range key {
		h = uint32(c) + h<<6 + h<<16 - h
	}
	return h
}

// DJB2 is haproxy's djb2 hash.
func DJB2(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = h<<5 + h + uint32(c)
	}
	return h
}

// WT6 is haproxy's "wt6" hash: two 32-bit halves rotated by amounts that
// depend on the data seen so far.
func WT6(key []byte) uint32 {
	h0, h1 := uint32(0xa53c965a), uint32(0x5ca6953a)
	step0, step1 := uint32(6), uint32(18)
	for _, c := range key {
		t := uint32(c)
		h0 = ^(h0 ^ t)
		h1 = ^(h1 + t)
		// A step of 0 makes the right shift 32: Go gives 0, so the
		// rotation yields h unchanged, as it does in haproxy on x86.
		t = h1<<step0 | h1>>(32-step0)
		h1 = h0<<step1 | h0>>(32-step1)
		h0 = t
		t = (h0>>16 ^ h1) & 0xffff
		step0 = t & 0x1f
		step1 = t >> 11
	}
	return h0 ^ h1
}

// CRC32 is the IEEE CRC-32 (as hash/crc32.ChecksumIEEE), computed bit
// by bit like haproxy to avoid a table in the cache for short keys.
func CRC32(key []byte) uint32 {
	h := ^uint32(0)
	for _, c := range key {
		h ^= uint32(c)
		for range 8 {
			h = h>>1 ^ 0xedb88320&-(h&1)
		}
	}
	return ^h
}

// FullHash is Bob Jenkins' 32-bit integer avalanche mix followed by a
// multiplication by a large prime, haproxy's full_hash(). It is a bijection
// on uint32, so distinct ring point seeds give distinct points.
func FullHash(a uint32) uint32 {
	a = (a + 0x7ed55d16) + (a << 12)
	a = (a ^ 0xc761c23c) ^ (a >> 19)
	a = (a + 0x165667b1) + (a << 5)
	a = (a + 0xd3a2646c) ^ (a << 9)
	a = (a + 0xfd7046c5) + (a << 3)
	a = (a ^ 0xb55a4f09) ^ (a >> 16)
	return a * 3221225473
}
