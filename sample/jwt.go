package sample

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"os"
	"sync"
)

// JSON Web Tokens (RFC 7519) as haproxy 2.6 handles them: the fetch
// http_auth_bearer, which reads the token, and the converters
// jwt_header_query, jwt_payload_query and jwt_verify. Only the JWS
// Compact Serialization (three base64url parts joined by dots) exists.

var jwtConvs = []convDef{
	{name: "jwt_header_query", args: args(0, ArgStr, ArgStr), validate: validateJWTQuery, in: TypeBin, out: TypeAny, fn: convJWTQuery(0)},
	{name: "jwt_payload_query", args: args(0, ArgStr, ArgStr), validate: validateJWTQuery, in: TypeBin, out: TypeAny, fn: convJWTQuery(1)},
	{name: "jwt_verify", args: args(2, ArgStr, ArgStr), in: TypeBin, out: TypeInt, compile: compileJWTVerify},
}

var jwtFetches = []fetchDef{
	{name: "http_auth_bearer", args: args(0, ArgStr), out: TypeStr, src: SrcHTTPReq, fn: fetchAuthBearer},
}

// jwt_verify's results, haproxy's enum jwt_vrfy_status.
const (
	jwtBad          = 0  // the signature does not match
	jwtOK           = 1  // it does
	jwtUnknownAlg   = -1 // the algorithm is none haproxy knows
	jwtUnmanagedAlg = -2 // known but not verified (RSASSA-PSS in 2.6)
	jwtInvalidToken = -3 // not three parts, no or undecodable signature…
	jwtUnknownCert  = -5 // the key is no public key loaded at startup
)

// jwtMaxAlgNameLen is the length of every algorithm name but "none".
const jwtMaxAlgNameLen = 5

// jwtAlg is a JWS "alg" (RFC 7518 section 3.1).
type jwtAlg uint8

const (
	jwtAlgUnknown jwtAlg = iota
	jwtAlgNone
	jwtHS256
	jwtHS384
	jwtHS512
	jwtRS256
	jwtRS384
	jwtRS512
	jwtES256
	jwtES384
	jwtES512
	jwtPS256
	jwtPS384
	jwtPS512
)

// parseJWTAlg reads an algorithm name, case-sensitively. As haproxy's C
// string comparison, a NUL right after the five characters of a name
// ends it.
func parseJWTAlg(s []byte) jwtAlg {
	if len(s) < jwtMaxAlgNameLen {
		if string(s) == "none" {
			return jwtAlgNone
		}
		return jwtAlgUnknown
	}
	if len(s) > jwtMaxAlgNameLen && s[jwtMaxAlgNameLen] != 0 {
		return jwtAlgUnknown
	}
	var base jwtAlg
	switch s[0] {
	case 'H':
		base = jwtHS256
	case 'R':
		base = jwtRS256
	case 'E':
		base = jwtES256
	case 'P':
		base = jwtPS256
	default:
		return jwtAlgUnknown
	}
	switch string(s[1:jwtMaxAlgNameLen]) {
	case "S256":
		return base
	case "S384":
		return base + 1
	case "S512":
		return base + 2
	}
	return jwtAlgUnknown
}

// hash returns the digest an algorithm signs.
func (a jwtAlg) hash() crypto.Hash {
	switch a {
	case jwtHS256, jwtRS256, jwtES256, jwtPS256:
		return crypto.SHA256
	case jwtHS384, jwtRS384, jwtES384, jwtPS384:
		return crypto.SHA384
	}
	return crypto.SHA512
}

func (a jwtAlg) isHMAC() bool  { return a >= jwtHS256 && a <= jwtHS512 }
func (a jwtAlg) isRSA() bool   { return a >= jwtRS256 && a <= jwtRS512 }
func (a jwtAlg) isECDSA() bool { return a >= jwtES256 && a <= jwtES512 }
func (a jwtAlg) isPSS() bool   { return a >= jwtPS256 && a <= jwtPS512 }

// jwtSplit cuts a token at its dots into at most max parts. It returns
// the parts found and whether the token had more (haproxy's
// jwt_tokenize, which stops at the dot that would start part max+1).
func jwtSplit(tok []byte, max int) (parts [3][]byte, n int, more bool) {
	for n < max {
		i := bytes.IndexByte(tok, '.')
		if i < 0 {
			parts[n] = tok
			return parts, n + 1, false
		}
		parts[n], tok = tok[:i], tok[i+1:]
		n++
	}
	return parts, n, true
}

// appendB64URL decodes unpadded base64url as haproxy's base64urldec: a
// length of 4n+1 or any character outside the alphabet is an error, and
// the unused low bits of the last character are ignored.
func appendB64URL(dst, in []byte) ([]byte, bool) {
	if len(in)%4 == 1 {
		return dst, false
	}
	var acc uint32
	bits := 0
	for _, ch := range in {
		v := ub64Rev[ch] // '=' is worth 63 there, as in haproxy's table
		if v == 0xff {
			return dst, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst = append(dst, byte(acc>>bits))
		}
	}
	return dst, true
}

// validateJWTQuery checks jwt_*_query's arguments as json_query's, except
// that the path may be left out.
func validateJWTQuery(a []arg) error {
	a[1].i = 0
	switch a[1].s {
	case "":
	case "int":
		a[1].i = 1
	default:
		return fmt.Errorf("output_type only supports \"int\" as argument")
	}
	return nil
}

// convJWTQuery decodes part (0 the JOSE header, 1 the claims) of a token
// and runs json_query on it. Without a path haproxy 2.6 builds the
// decoded text but reports no sample, so nothing is returned then
// either. The token needs no more parts than the one read.
func convJWTQuery(part int) convFunc {
	return func(c *Ctx, a []arg, v Value) (Value, bool) {
		parts, n, _ := jwtSplit(v.Str, part+1)
		if n <= part || !a[0].set {
			return Value{}, false
		}
		start := len(c.Scratch)
		var ok bool
		c.Scratch, ok = appendB64URL(c.Scratch, parts[part])
		if !ok {
			c.Scratch = c.Scratch[:start]
			return Value{}, false
		}
		return convJSONQuery(c, a, Str(scratchFrom(c, start)))
	}
}

// jwtKeys holds the public keys jwt_verify's key arguments name, by path,
// loaded once when the configuration is read. One set serves the whole
// configuration, as haproxy's single tree: a key given by a variable is
// found when some jwt_verify of the configuration named its file.
type jwtKeys struct {
	mu sync.RWMutex
	m  map[string]crypto.PublicKey
}

func (k *jwtKeys) get(path []byte) crypto.PublicKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.m[string(path)]
}

// jwtKeyFileMax bounds what is read of a key file.
const jwtKeyFileMax = 1 << 20

// load reads the public key of a PEM file ("-----BEGIN PUBLIC KEY-----",
// the first such block) into the set, once. As haproxy, a file that
// cannot be opened is silently skipped (a HMAC secret is tried as a path
// too); one that holds no public key gives a warning, and verifications
// with that key then return -5.
func (k *jwtKeys) load(path string) (warning string) {
	k.mu.RLock()
	_, done := k.m[path]
	k.mu.RUnlock()
	if done {
		return ""
	}
	key, err := readJWTKey(path)
	if errors.Is(err, errJWTNoFile) {
		return ""
	}
	if err != nil {
		return fmt.Sprintf("file not found (%s)", path)
	}
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]crypto.PublicKey)
	}
	k.m[path] = key
	k.mu.Unlock()
	return ""
}

var errJWTNoFile = errors.New("cannot open")

func readJWTKey(path string) (crypto.PublicKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errJWTNoFile
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errJWTNoFile
	}
	// A FIFO or a device could block or never end: they are taken as
	// absent. A directory opens but reads nothing, as with OpenSSL.
	if !st.Mode().IsRegular() && !st.IsDir() {
		return nil, errJWTNoFile
	}
	data, err := io.ReadAll(io.LimitReader(f, jwtKeyFileMax))
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no public key")
		}
		if b.Type == "PUBLIC KEY" {
			return x509.ParsePKIXPublicKey(b.Bytes)
		}
	}
}

// jwtEnvMu guards the making of an Env's key set: Lua compiles
// converters while traffic runs, with the configuration's Env.
var jwtEnvMu sync.Mutex

// keys returns the configuration's key set, made on first use; without
// an Env each expression has its own.
func (env *Env) keys() *jwtKeys {
	if env == nil {
		return &jwtKeys{}
	}
	jwtEnvMu.Lock()
	defer jwtEnvMu.Unlock()
	if env.jwt == nil {
		env.jwt = &jwtKeys{}
	}
	return env.jwt
}

// jwtVerifier is one jwt_verify: its algorithm and key, each either
// given or read from a variable at each call.
type jwtVerifier struct {
	alg    jwtAlg
	algVar VarRef // set when the algorithm is a variable
	secret []byte // the key argument as given
	keyVar VarRef // set when the key is a variable
	keys   *jwtKeys
	// pub is the public key the literal key argument names, resolved
	// once every jwt_verify of the configuration has been read.
	pub     crypto.PublicKey
	pubOnce sync.Once
	// macs recycles the HMAC of a literal algorithm and secret.
	macs sync.Pool
}

// compileJWTVerify checks jwt_verify's arguments as haproxy does: a name
// that parses as a variable is one; a literal algorithm must be known and
// not RSASSA-PSS; a literal key is loaded as a public key file, whatever
// the algorithm.
func compileJWTVerify(env *Env, a []arg) (convFunc, error) {
	v := &jwtVerifier{keys: env.keys()}
	if ref, err := ParseVarName(a[0].s); err == nil {
		v.algVar = ref
		env.DeclareVar(ref)
	} else {
		v.alg = parseJWTAlg(a[0].b)
		switch {
		case v.alg == jwtAlgUnknown:
			return nil, fmt.Errorf("unknown JWT algorithm: %s", a[0].s)
		case v.alg.isPSS():
			return nil, fmt.Errorf("RSASSA-PSS JWS signing not managed yet")
		}
	}
	if ref, err := ParseVarName(a[1].s); err == nil {
		v.keyVar = ref
		env.DeclareVar(ref)
	} else {
		v.secret = a[1].b
		if w := v.keys.load(a[1].s); w != "" && env != nil && env.Warn != nil {
			env.Warn(w)
		}
		if v.algVar.Scope == 0 && v.alg.isHMAC() {
			alg, secret := v.alg, v.secret
			v.macs.New = func() any { return hmac.New(jwtHashFunc(alg), secret) }
		}
	}
	return v.convert, nil
}

func jwtHashFunc(a jwtAlg) func() hash.Hash {
	switch a.hash() {
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	}
	return sha512.New
}

func (v *jwtVerifier) convert(c *Ctx, _ []arg, in Value) (Value, bool) {
	alg := v.alg
	if v.algVar.Scope != 0 {
		s, ok := varAs(c, v.algVar, TypeStr)
		if !ok {
			return Value{}, false
		}
		alg = parseJWTAlg(s.Str)
	}
	key := v.secret
	if v.keyVar.Scope != 0 {
		s, ok := varAs(c, v.keyVar, TypeStr)
		if !ok {
			return Value{}, false
		}
		key = s.Str
	}
	return Int(v.verify(c, in.Str, alg, key)), true
}

// verify checks tok's signature, in haproxy's order of checks and with
// its results.
func (v *jwtVerifier) verify(c *Ctx, tok []byte, alg jwtAlg, key []byte) int64 {
	if alg == jwtAlgUnknown {
		return jwtUnknownAlg
	}
	parts, n, more := jwtSplit(tok, 3)
	if more || (n != 3 && (alg != jwtAlgNone || n != 2)) {
		return jwtInvalidToken
	}
	sig := parts[2]
	if alg == jwtAlgNone {
		if len(sig) == 0 {
			return jwtOK
		}
		return jwtBad
	}
	if len(sig) == 0 {
		return jwtInvalidToken
	}
	start := len(c.Scratch)
	defer func() { c.Scratch = c.Scratch[:start] }()
	var ok bool
	if c.Scratch, ok = appendB64URL(c.Scratch, sig); !ok {
		return jwtInvalidToken
	}
	raw := c.Scratch[start:]
	// What is signed: the header and the claims, with the dot between.
	signed := tok[:len(parts[0])+1+len(parts[1])]
	switch {
	case alg.isHMAC():
		return v.verifyHMAC(c, alg, key, signed, raw)
	case alg.isRSA(), alg.isECDSA():
		return v.verifyPublic(alg, key, signed, raw)
	}
	return jwtUnmanagedAlg
}

func (v *jwtVerifier) verifyHMAC(c *Ctx, alg jwtAlg, key, signed, sig []byte) int64 {
	var mac hash.Hash
	pooled := v.macs.New != nil && v.algVar.Scope == 0 && v.keyVar.Scope == 0
	if pooled {
		mac = v.macs.Get().(hash.Hash)
		mac.Reset()
		defer v.macs.Put(mac)
	} else {
		mac = hmac.New(jwtHashFunc(alg), key)
	}
	mac.Write(signed)
	start := len(c.Scratch)
	c.Scratch = mac.Sum(c.Scratch)
	sum := c.Scratch[start:]
	if len(sum) == len(sig) && subtle.ConstantTimeCompare(sum, sig) == 1 {
		return jwtOK
	}
	return jwtBad
}

func (v *jwtVerifier) verifyPublic(alg jwtAlg, key, signed, sig []byte) int64 {
	var pub crypto.PublicKey
	if v.keyVar.Scope == 0 {
		// The set is complete once the configuration is read: a key
		// file named after this jwt_verify counts too.
		v.pubOnce.Do(func() { v.pub = v.keys.get(key) })
		pub = v.pub
	} else {
		pub = v.keys.get(key)
	}
	if pub == nil {
		return jwtUnknownCert
	}
	h := alg.hash()
	var buf [sha512.Size]byte
	digest := jwtDigest(buf[:0], h, signed)
	if alg.isECDSA() {
		// JWS signs with ECDSA as R||S, two big-endian integers of the
		// same length (RFC 7518 section 3.4); an odd length is no token.
		if len(sig)%2 != 0 {
			return jwtInvalidToken
		}
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return jwtBad
		}
		half := len(sig) / 2
		r := new(big.Int).SetBytes(sig[:half])
		s := new(big.Int).SetBytes(sig[half:])
		if ecdsa.Verify(k, digest, r, s) {
			return jwtOK
		}
		return jwtBad
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return jwtBad
	}
	if rsa.VerifyPKCS1v15(k, h, digest, sig) == nil {
		return jwtOK
	}
	return jwtBad
}

func jwtDigest(dst []byte, h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return append(dst, s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return append(dst, s[:]...)
	}
	s := sha512.Sum512(data)
	return append(dst, s[:]...)
}

// fetchAuthBearer returns the token of a "Bearer" Authorization header or,
// given a header name, of that header. As haproxy 2.6, the two differ:
//   - without a name, the first element of the first Authorization header
//     is read; its scheme is any case of "Bearer" or of a prefix of it
//     that is not one of "Basic" (haproxy compares only the scheme's
//     length); otherwise, or when there is no such header, there is no
//     sample.
//   - with a name, the scheme must be "Bearer" exactly, in any case; the
//     fetch always gives a string, empty when there is no token.
func fetchAuthBearer(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	if a[0].set {
		v, found := nthElem(c.Req, a[0].s, true, 1)
		if !found {
			return Str(nil), cursor{}, true
		}
		scheme, rest, _ := bytes.Cut(v, []byte(" "))
		rest = bytes.TrimLeft(rest, " ")
		if !equalFold(scheme, "bearer") || len(rest) == 0 {
			return Str(nil), cursor{}, true
		}
		return Str(rest), cursor{}, true
	}
	// A failure is remembered for the transaction; a success is not.
	if c.authWrong {
		return Value{}, cursor{}, false
	}
	c.authWrong = true
	v, found := nthElem(c.Req, "authorization", true, 1)
	if !found {
		return Value{}, cursor{}, false
	}
	sp := bytes.IndexByte(v, ' ')
	if sp <= 0 {
		return Value{}, cursor{}, false
	}
	scheme, cred := v[:sp], bytes.TrimLeft(v[sp:], " ")
	switch {
	case isSchemePrefix(scheme, "basic"):
		// Valid Basic credentials are usable, by other fetches.
		c.authWrong = !basicCredsValid(c, cred)
		return Value{}, cursor{}, false
	case isSchemePrefix(scheme, "bearer"):
		c.authWrong = false
		return Str(cred), cursor{}, true
	}
	return Value{}, cursor{}, false
}

// basicCredsValid says whether haproxy reads Basic credentials in cred:
// base64 that decodes to text with a ':' before any NUL.
func basicCredsValid(c *Ctx, cred []byte) bool {
	start := len(c.Scratch)
	defer func() { c.Scratch = c.Scratch[:start] }()
	dec, ok := convB64Dec(c, nil, Str(cred))
	return ok && bytes.IndexByte(cutNUL(dec.Str), ':') >= 0
}

// isSchemePrefix says whether s is, in any case, the start of name: C's
// strncasecmp(name, s, len(s)).
func isSchemePrefix(s []byte, name string) bool {
	return len(s) <= len(name) && equalFold(s, name[:len(s)])
}
