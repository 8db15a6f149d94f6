package sample

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"
	"hash/crc32"
	"strings"

	"switchyard/internal/hashfn"
)

// hashConvs hash binary samples: haproxy's 32-bit hashes (the ones of
// hash-type, with an optional avalanche), XXH3, and cryptographic digests
// and HMACs. The digests are computed with one-shot functions over
// c.Scratch, so that they do not allocate.
var hashConvs = []convDef{
	{name: "sdbm", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: hash32(hashfn.SDBM)},
	{name: "djb2", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: hash32(hashfn.DJB2)},
	{name: "wt6", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: hash32(hashfn.WT6)},
	{name: "crc32", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: hash32(crc32.ChecksumIEEE)},
	{name: "crc32c", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: hash32(hashCRC32C)},
	{name: "xxh3", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: convXXH3},
	{name: "xxh32", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: func(_ *Ctx, a []arg, v Value) (Value, bool) {
		return Int(int64(hashfn.XXH32(v.Str, uint32(a[0].i)))), true
	}},
	{name: "xxh64", args: args(0, ArgInt), in: TypeBin, out: TypeInt, fn: func(_ *Ctx, a []arg, v Value) (Value, bool) {
		return Int(int64(hashfn.XXH64Seed(v.Str, uint64(a[0].i)))), true
	}},
	{name: "sha1", in: TypeBin, out: TypeBin, fn: digestConv(digests["sha1"])},
	{name: "sha2", args: args(0, ArgInt), validate: validateSHA2, in: TypeBin, out: TypeBin, compile: compileSHA2},
	{name: "digest", args: args(1, ArgStr), in: TypeBin, out: TypeBin, compile: compileDigest},
	{name: "hmac", args: args(2, ArgStr, ArgStr), in: TypeBin, out: TypeBin, compile: compileHMAC},
}

// hash32 wraps a 32-bit hash; a non-zero argument applies haproxy's
// full_hash avalanche to the result.
func hash32(h func([]byte) uint32) convFunc {
	return func(_ *Ctx, a []arg, v Value) (Value, bool) {
		x := h(v.Str)
		if a[0].i != 0 {
			x = hashfn.FullHash(x)
		}
		return Int(int64(x)), true
	}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func hashCRC32C(key []byte) uint32 { return crc32.Checksum(key, castagnoli) }

func convXXH3(_ *Ctx, a []arg, v Value) (Value, bool) {
	return Int(int64(hashfn.XXH3(v.Str, uint64(a[0].i)))), true
}

// digestAlg is a message digest: its one-shot function appending the sum
// to dst, and its block size for HMAC.
type digestAlg struct {
	sum   func(dst, data []byte) []byte
	block int
}

// digests are the names "digest" and "hmac" accept, as OpenSSL spells
// them (compared without case).
var digests = map[string]*digestAlg{
	"md5":        {func(d, b []byte) []byte { s := md5.Sum(b); return append(d, s[:]...) }, 64},
	"sha1":       {func(d, b []byte) []byte { s := sha1.Sum(b); return append(d, s[:]...) }, 64},
	"sha224":     {func(d, b []byte) []byte { s := sha256.Sum224(b); return append(d, s[:]...) }, 64},
	"sha256":     {func(d, b []byte) []byte { s := sha256.Sum256(b); return append(d, s[:]...) }, 64},
	"sha384":     {func(d, b []byte) []byte { s := sha512.Sum384(b); return append(d, s[:]...) }, 128},
	"sha512":     {func(d, b []byte) []byte { s := sha512.Sum512(b); return append(d, s[:]...) }, 128},
	"sha512-224": {func(d, b []byte) []byte { s := sha512.Sum512_224(b); return append(d, s[:]...) }, 128},
	"sha512-256": {func(d, b []byte) []byte { s := sha512.Sum512_256(b); return append(d, s[:]...) }, 128},
	"sha3-224":   {func(d, b []byte) []byte { s := sha3.Sum224(b); return append(d, s[:]...) }, 144},
	"sha3-256":   {func(d, b []byte) []byte { s := sha3.Sum256(b); return append(d, s[:]...) }, 136},
	"sha3-384":   {func(d, b []byte) []byte { s := sha3.Sum384(b); return append(d, s[:]...) }, 104},
	"sha3-512":   {func(d, b []byte) []byte { s := sha3.Sum512(b); return append(d, s[:]...) }, 72},
}

// digestAliases are other OpenSSL names of the same algorithms.
var digestAliases = map[string]string{
	"sha-1": "sha1", "sha2-224": "sha224", "sha-224": "sha224", "sha2-256": "sha256", "sha-256": "sha256",
	"sha2-384": "sha384", "sha-384": "sha384", "sha2-512": "sha512", "sha-512": "sha512",
	"sha2-512/224": "sha512-224", "sha-512/224": "sha512-224", "sha2-512/256": "sha512-256",
	"sha-512/256": "sha512-256", "ssl3-md5": "md5", "ssl3-sha1": "sha1",
}

func lookupDigest(name string) (*digestAlg, error) {
	n := strings.ToLower(name)
	if a, ok := digestAliases[n]; ok {
		n = a
	}
	if d := digests[n]; d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("algorithm must be a valid OpenSSL message digest name.")
}

func digestConv(d *digestAlg) convFunc {
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		start := len(c.Scratch)
		c.Scratch = d.sum(c.Scratch, v.Str)
		return binVal(scratchFrom(c, start)), true
	}
}

func validateSHA2(a []arg) error {
	if !a[0].set {
		return nil
	}
	switch a[0].i {
	case 224, 256, 384, 512:
		return nil
	}
	return fmt.Errorf("Unsupported number of bits: '%d'", a[0].i)
}

func compileSHA2(_ *Env, a []arg) (convFunc, error) {
	bits := int64(256)
	if a[0].set && a[0].i != 0 {
		bits = a[0].i
	}
	return digestConv(digests[fmt.Sprintf("sha%d", bits)]), nil
}

func compileDigest(_ *Env, a []arg) (convFunc, error) {
	d, err := lookupDigest(a[0].s)
	if err != nil {
		return nil, err
	}
	return digestConv(d), nil
}

// compileHMAC reads hmac(algorithm,key): the key is base64 text, or the
// name of a variable holding base64 text decoded at each use.
func compileHMAC(_ *Env, a []arg) (convFunc, error) {
	d, err := lookupDigest(a[0].s)
	if err != nil {
		return nil, err
	}
	var key []byte
	var ref VarRef
	if a[1].s != "" {
		if r, verr := ParseVarName(a[1].s); verr == nil {
			ref = r
		} else {
			var c Ctx
			v, ok := convB64Dec(&c, nil, Str(a[1].b))
			if !ok {
				return nil, fmt.Errorf("failed to parse key : argument needs to be base64 encoded, and can either be a string or a variable")
			}
			key = v.Str
		}
	}
	return func(c *Ctx, _ []arg, v Value) (Value, bool) {
		k := key
		if ref.Scope != 0 {
			kv, ok := varAs(c, ref, TypeStr)
			if !ok {
				return Value{}, false
			}
			if kv, ok = convB64Dec(c, nil, kv); !ok {
				return Value{}, false
			}
			k = kv.Str
		}
		return binVal(hmacSum(c, d, k, v.Str)), true
	}, nil
}

// hmacSum computes HMAC (RFC 2104) in c.Scratch with one-shot digests.
func hmacSum(c *Ctx, d *digestAlg, key, msg []byte) []byte {
	start := len(c.Scratch)
	if len(key) > d.block {
		c.Scratch = d.sum(c.Scratch, key)
		key = c.Scratch[start:]
	}
	// Lay out the padded key with the message, hash it, then the outer
	// padded key with the inner sum, and hash that.
	inner := len(c.Scratch)
	for i := 0; i < d.block; i++ {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		c.Scratch = append(c.Scratch, k^0x36)
	}
	c.Scratch = append(c.Scratch, msg...)
	outer := len(c.Scratch)
	for i := 0; i < d.block; i++ {
		c.Scratch = append(c.Scratch, c.Scratch[inner+i]^0x36^0x5c)
	}
	c.Scratch = d.sum(c.Scratch, c.Scratch[inner:outer])
	res := len(c.Scratch)
	c.Scratch = d.sum(c.Scratch, c.Scratch[outer:res])
	return scratchFrom(c, res)
}
