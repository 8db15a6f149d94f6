package hashfn

import (
	"encoding/binary"
	"math/bits"
)

// XXH3 is XXH3_64bits_withSeed of the xxHash specification (version 0.8),
// which haproxy's xxh3 converter returns.

var xxh3Secret = [192]byte{
	0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
	0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
	0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
	0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
	0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
	0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
	0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
	0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
	0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
	0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
	0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
	0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
}

// XXH3's own primes; the XXH64 and XXH32 ones are in xxhash.go.
const (
	xxPrimeMX1 = 0x165667919E3779F9
	xxPrimeMX2 = 0x9FB21C651E98DF25
)

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func mulFold64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// xxh64Avalanche is XXH64's final mix, which XXH3 uses too.
func xxh64Avalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= xxPrime2
	h ^= h >> 29
	h *= xxPrime3
	return h ^ h>>32
}

func xxh3Avalanche(h uint64) uint64 {
	h ^= h >> 37
	h *= xxPrimeMX1
	return h ^ h>>32
}

func xxh3rrmxmx(h uint64, n uint64) uint64 {
	h ^= bits.RotateLeft64(h, 49) ^ bits.RotateLeft64(h, 24)
	h *= xxPrimeMX2
	h ^= (h >> 35) + n
	h *= xxPrimeMX2
	return h ^ h>>28
}

func xxh3Mix16(in, sec []byte, seed uint64) uint64 {
	return mulFold64(le64(in)^(le64(sec)+seed), le64(in[8:])^(le64(sec[8:])-seed))
}

func XXH3(in []byte, seed uint64) uint64 {
	sec := xxh3Secret[:]
	n := uint64(len(in))
	switch {
	case len(in) == 0:
		return xxh64Avalanche(seed ^ le64(sec[56:]) ^ le64(sec[64:]))
	case len(in) <= 3:
		combined := uint32(in[0])<<16 | uint32(in[len(in)>>1])<<24 | uint32(in[len(in)-1]) | uint32(len(in))<<8
		flip := uint64(le32(sec)^le32(sec[4:])) + seed
		return xxh64Avalanche(uint64(combined) ^ flip)
	case len(in) <= 8:
		seed ^= uint64(bits.ReverseBytes32(uint32(seed))) << 32
		in1, in2 := le32(in), le32(in[len(in)-4:])
		flip := (le64(sec[8:]) ^ le64(sec[16:])) - seed
		return xxh3rrmxmx((uint64(in2)+uint64(in1)<<32)^flip, n)
	case len(in) <= 16:
		flip1 := (le64(sec[24:]) ^ le64(sec[32:])) + seed
		flip2 := (le64(sec[40:]) ^ le64(sec[48:])) - seed
		lo := le64(in) ^ flip1
		hi := le64(in[len(in)-8:]) ^ flip2
		return xxh3Avalanche(n + bits.ReverseBytes64(lo) + hi + mulFold64(lo, hi))
	case len(in) <= 128:
		acc := n * xxPrime1
		if len(in) > 32 {
			if len(in) > 64 {
				if len(in) > 96 {
					acc += xxh3Mix16(in[48:], sec[96:], seed)
					acc += xxh3Mix16(in[len(in)-64:], sec[112:], seed)
				}
				acc += xxh3Mix16(in[32:], sec[64:], seed)
				acc += xxh3Mix16(in[len(in)-48:], sec[80:], seed)
			}
			acc += xxh3Mix16(in[16:], sec[32:], seed)
			acc += xxh3Mix16(in[len(in)-32:], sec[48:], seed)
		}
		acc += xxh3Mix16(in, sec, seed)
		acc += xxh3Mix16(in[len(in)-16:], sec[16:], seed)
		return xxh3Avalanche(acc)
	case len(in) <= 240:
		acc := n * xxPrime1
		rounds := len(in) / 16
		for i := 0; i < 8; i++ {
			acc += xxh3Mix16(in[16*i:], sec[16*i:], seed)
		}
		acc = xxh3Avalanche(acc)
		for i := 8; i < rounds; i++ {
			acc += xxh3Mix16(in[16*i:], sec[16*(i-8)+3:], seed)
		}
		acc += xxh3Mix16(in[len(in)-16:], sec[136-17:], seed)
		return xxh3Avalanche(acc)
	}
	var custom [192]byte
	if seed != 0 {
		for i := 0; i < 192; i += 16 {
			binary.LittleEndian.PutUint64(custom[i:], le64(sec[i:])+seed)
			binary.LittleEndian.PutUint64(custom[i+8:], le64(sec[i+8:])-seed)
		}
		sec = custom[:]
	}
	return xxh3Long(in, sec)
}

func xxh3Long(in, sec []byte) uint64 {
	acc := [8]uint64{uint64(xx32Prime3), xxPrime1, xxPrime2, xxPrime3, xxPrime4, uint64(xx32Prime2), xxPrime5, uint64(xx32Prime1)}
	const stripe = 64
	stripesPerBlock := (len(sec) - stripe) / 8
	blockLen := stripe * stripesPerBlock
	blocks := (len(in) - 1) / blockLen
	for b := 0; b < blocks; b++ {
		xxh3Accumulate(&acc, in[b*blockLen:], sec, stripesPerBlock)
		xxh3Scramble(&acc, sec[len(sec)-stripe:])
	}
	stripes := ((len(in) - 1) - blockLen*blocks) / stripe
	xxh3Accumulate(&acc, in[blocks*blockLen:], sec, stripes)
	xxh3Accumulate512(&acc, in[len(in)-stripe:], sec[len(sec)-stripe-7:])
	res := uint64(len(in)) * xxPrime1
	ms := sec[11:]
	for i := 0; i < 4; i++ {
		res += mulFold64(acc[2*i]^le64(ms[16*i:]), acc[2*i+1]^le64(ms[16*i+8:]))
	}
	return xxh3Avalanche(res)
}

func xxh3Accumulate(acc *[8]uint64, in, sec []byte, stripes int) {
	for s := 0; s < stripes; s++ {
		xxh3Accumulate512(acc, in[s*64:], sec[s*8:])
	}
}

func xxh3Accumulate512(acc *[8]uint64, in, sec []byte) {
	for i := 0; i < 8; i++ {
		v := le64(in[8*i:])
		k := v ^ le64(sec[8*i:])
		acc[i^1] += v
		acc[i] += uint64(uint32(k)) * (k >> 32)
	}
}

func xxh3Scramble(acc *[8]uint64, sec []byte) {
	for i := 0; i < 8; i++ {
		a := acc[i]
		a ^= a >> 47
		a ^= le64(sec[8*i:])
		acc[i] = a * uint64(xx32Prime1)
	}
}
