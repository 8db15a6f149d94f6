package sample

import (
	"encoding/binary"
	"math/bits"
)

// XXH32 and XXH64, the xxHash functions of haproxy's xxh32 and xxh64
// converters (haproxy embeds the reference implementation; this follows
// the algorithm's published specification).

const (
	p32_1 = 0x9E3779B1
	p32_2 = 0x85EBCA77
	p32_3 = 0xC2B2AE3D
	p32_4 = 0x27D4EB2F
	p32_5 = 0x165667B1

	p64_1 = 0x9E3779B185EBCA87
	p64_2 = 0xC2B2AE3D27D4EB4F
	p64_3 = 0x165667B19E3779F9
	p64_4 = 0x85EBCA77C2B2AE63
	p64_5 = 0x27D4EB2F165667C5
)

func xxh32(b []byte, seed uint32) uint32 {
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+p32_1+p32_2, seed+p32_2, seed, seed-p32_1
		round := func(acc, in uint32) uint32 { return bits.RotateLeft32(acc+in*p32_2, 13) * p32_1 }
		for ; len(b) >= 16; b = b[16:] {
			v1 = round(v1, binary.LittleEndian.Uint32(b))
			v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + p32_5
	}
	h += uint32(n)
	for ; len(b) >= 4; b = b[4:] {
		h += binary.LittleEndian.Uint32(b) * p32_3
		h = bits.RotateLeft32(h, 17) * p32_4
	}
	for _, c := range b {
		h += uint32(c) * p32_5
		h = bits.RotateLeft32(h, 11) * p32_1
	}
	h ^= h >> 15
	h *= p32_2
	h ^= h >> 13
	h *= p32_3
	h ^= h >> 16
	return h
}

func xxh64Round(acc, in uint64) uint64 {
	return bits.RotateLeft64(acc+in*p64_2, 31) * p64_1
}

func xxh64(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1, v2, v3, v4 := seed+p64_1+p64_2, seed+p64_2, seed, seed-p64_1
		for ; len(b) >= 32; b = b[32:] {
			v1 = xxh64Round(v1, binary.LittleEndian.Uint64(b))
			v2 = xxh64Round(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxh64Round(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxh64Round(v4, binary.LittleEndian.Uint64(b[24:]))
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		for _, v := range [...]uint64{v1, v2, v3, v4} {
			h ^= xxh64Round(0, v)
			h = h*p64_1 + p64_4
		}
	} else {
		h = seed + p64_5
	}
	h += uint64(n)
	for ; len(b) >= 8; b = b[8:] {
		h ^= xxh64Round(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*p64_1 + p64_4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * p64_1
		h = bits.RotateLeft64(h, 23)*p64_2 + p64_3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * p64_5
		h = bits.RotateLeft64(h, 11) * p64_1
	}
	h ^= h >> 33
	h *= p64_2
	h ^= h >> 29
	h *= p64_3
	h ^= h >> 32
	return h
}
