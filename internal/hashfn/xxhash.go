package hashfn

import (
	"encoding/binary"
	"math/bits"
)

// XXH64 primes, from the xxHash specification.
const (
	xxPrime1 uint64 = 11400714785074694791
	xxPrime2 uint64 = 14029467366897019727
	xxPrime3 uint64 = 1609587929392839161
	xxPrime4 uint64 = 9650029242287828579
	xxPrime5 uint64 = 2870177450012600261
)

// XXH64 is the 64-bit xxHash of b with seed 0, which haproxy hashes
// dynamic cookies with (the secret key, the server's address and port), so
// the same configuration gives the same cookie values as haproxy.
func XXH64(b []byte) uint64 { return XXH64Seed(b, 0) }

// XXH64Seed is the 64-bit xxHash of b with a seed (the xxh64 converter's).
func XXH64Seed(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1 := seed + xxPrime1 + xxPrime2
		v2 := seed + xxPrime2
		v3 := seed
		v4 := seed - xxPrime1
		for len(b) >= 32 {
			v1 = xxRound(v1, binary.LittleEndian.Uint64(b[0:]))
			v2 = xxRound(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint64(b[24:]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxMerge(h, v1)
		h = xxMerge(h, v2)
		h = xxMerge(h, v3)
		h = xxMerge(h, v4)
	} else {
		h = seed + xxPrime5
	}
	h += uint64(n)
	for len(b) >= 8 {
		h ^= xxRound(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*xxPrime1 + xxPrime4
		b = b[8:]
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * xxPrime1
		h = bits.RotateLeft64(h, 23)*xxPrime2 + xxPrime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * xxPrime5
		h = bits.RotateLeft64(h, 11) * xxPrime1
	}
	return xxh64Avalanche(h)
}

func xxRound(acc, in uint64) uint64 {
	acc += in * xxPrime2
	return bits.RotateLeft64(acc, 31) * xxPrime1
}

func xxMerge(acc, v uint64) uint64 {
	acc ^= xxRound(0, v)
	return acc*xxPrime1 + xxPrime4
}

// XXH32 primes, from the xxHash specification.
const (
	xx32Prime1 uint32 = 0x9E3779B1
	xx32Prime2 uint32 = 0x85EBCA77
	xx32Prime3 uint32 = 0xC2B2AE3D
	xx32Prime4 uint32 = 0x27D4EB2F
	xx32Prime5 uint32 = 0x165667B1
)

// XXH32 is the 32-bit xxHash of b with a seed (the xxh32 converter's).
func XXH32(b []byte, seed uint32) uint32 {
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+xx32Prime1+xx32Prime2, seed+xx32Prime2, seed, seed-xx32Prime1
		for ; len(b) >= 16; b = b[16:] {
			v1 = xx32Round(v1, binary.LittleEndian.Uint32(b))
			v2 = xx32Round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = xx32Round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = xx32Round(v4, binary.LittleEndian.Uint32(b[12:]))
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + xx32Prime5
	}
	h += uint32(n)
	for ; len(b) >= 4; b = b[4:] {
		h += binary.LittleEndian.Uint32(b) * xx32Prime3
		h = bits.RotateLeft32(h, 17) * xx32Prime4
	}
	for _, c := range b {
		h += uint32(c) * xx32Prime5
		h = bits.RotateLeft32(h, 11) * xx32Prime1
	}
	h ^= h >> 15
	h *= xx32Prime2
	h ^= h >> 13
	h *= xx32Prime3
	h ^= h >> 16
	return h
}

func xx32Round(acc, in uint32) uint32 {
	return bits.RotateLeft32(acc+in*xx32Prime2, 13) * xx32Prime1
}
